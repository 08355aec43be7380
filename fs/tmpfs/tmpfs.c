/*
 * tmpfs.c - a small read-write filesystem in memory.
 *
 * Every mount is a separate instance (struct tmpfs_sb: its own root and
 * inode numbers); the instances share the static pools: nodes, and file data
 * in 4 KiB blocks (PARAM_TMPFS_BLOCKS), each file holding up to
 * PARAM_TMPFS_FILE_BLOCKS of them through a direct block table; holes read
 * as zeros.
 *
 * Lifetime: a node linked into its directory holds one reference of the
 * filesystem's own for that link (vnode_fs_put by remove or by a rename over
 * it), the root one for the mount; open files, walks and cwds hold counted
 * ones (fs/vfs.h). The last put frees it (tmpfs_release), so an open file
 * survives its unlink and there is one place that frees. Umount runs only
 * when no counted reference is left (the VFS checks), so it frees the tree.
 * Locking: one spinlock ([T]) over every instance's tree, sizes and block
 * tables; the I/O frame copies under it (at most one op's chunk, see the
 * syscalls).
 * Times: wall-clock ns (clock_realtime_ns) as POSIX stamps them: a write or
 * truncate sets the file's mtime and ctime, linking or unlinking a name sets
 * the directory's; a rename also sets the renamed node's ctime.
 */
#include <fs/vfs.h>
#include <kernel/param.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <uapi/errno.h>

#define TMPFS_BLOCK 4096

struct tmpfs_block {
	unsigned char bytes[TMPFS_BLOCK];
};

struct tmpfs_node {
	struct vnode vn;				     /* [I] refs [a] */
	char name[TIO_NAME_MAX + 1];			     /* [T] */
	struct tmpfs_node *parent, *child, *next;	     /* [T] */
	bool linked;					     /* [T] in a directory */
	uint64_t size;					     /* [T] */
	int64_t mtime_ns, ctime_ns;			     /* [T] wall clock */
	struct tmpfs_block *blocks[PARAM_TMPFS_FILE_BLOCKS]; /* [T] NULL: hole */
};

/* One mounted instance (vfs_mount.priv). */
struct tmpfs_sb {
	struct tmpfs_node *root; /* [I] */
	uint64_t next_ino;	 /* [T] */
};

ASYNC_POOL_DEFINE(tmpfs_node_pool, "tmpfs_node", struct tmpfs_node, PARAM_TMPFS_NODES);
ASYNC_POOL_DEFINE(tmpfs_block_pool, "tmpfs_block", struct tmpfs_block, PARAM_TMPFS_BLOCKS);
ASYNC_POOL_DEFINE(tmpfs_sb_pool, "tmpfs_sb", struct tmpfs_sb, PARAM_MAX_MOUNTS);

static struct spinlock tmpfs_lock = SPINLOCK_INIT;
static const struct vnode_ops tmpfs_ops;

static struct tmpfs_node *node_of(struct vnode *v)
{
	return container_of(v, struct tmpfs_node, vn);
}

static void __truncate_blocks(struct tmpfs_node *n, uint64_t size)
{
	for (uint64_t i = (size + TMPFS_BLOCK - 1) / TMPFS_BLOCK; i < PARAM_TMPFS_FILE_BLOCKS; i++)
		if (n->blocks[i]) {
			async_pool_free(&tmpfs_block_pool, n->blocks[i]);
			n->blocks[i] = NULL;
		}
	if (size % TMPFS_BLOCK && n->blocks[size / TMPFS_BLOCK])
		memset(n->blocks[size / TMPFS_BLOCK]->bytes + size % TMPFS_BLOCK, 0,
		       TMPFS_BLOCK - size % TMPFS_BLOCK);
	n->size = size;
}

static void tmpfs_release(struct vnode *v)
{
	struct tmpfs_node *n = node_of(v);
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	bool gone = !n->linked;

	if (gone)
		__truncate_blocks(n, 0);
	spin_unlock_irqrestore(&tmpfs_lock, f);
	if (gone)
		async_pool_free(&tmpfs_node_pool, n);
}

static struct tmpfs_node *__child(struct tmpfs_node *dir, const char *name)
{
	for (struct tmpfs_node *c = dir->child; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* [T] The contents of @n changed now (data, or names for a directory). */
static void __touch(struct tmpfs_node *n)
{
	n->mtime_ns = n->ctime_ns = clock_realtime_ns();
}

static void __unlink(struct tmpfs_node *n)
{
	struct tmpfs_node **pp = &n->parent->child;

	__touch(n->parent);
	n->ctime_ns = n->parent->mtime_ns;

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	n->linked = false;
}

static void __link(struct tmpfs_node *dir, struct tmpfs_node *n, const char *name)
{
	strlcpy(n->name, name, sizeof(n->name));
	n->parent = dir;
	n->next = dir->child;
	dir->child = n;
	__touch(dir);
	n->ctime_ns = dir->mtime_ns;
	n->linked = true;
}

/* A node of instance @m with the filesystem's own reference (refs 1), not linked. */
static struct tmpfs_node *node_new(struct vfs_mount *m, uint32_t mode)
{
	struct tmpfs_node *n = async_pool_zalloc(&tmpfs_node_pool);
	struct tmpfs_sb *sb = m->priv;
	unsigned long f;

	if (!n)
		return NULL;
	f = spin_lock_irqsave(&tmpfs_lock);
	n->vn = (struct vnode){
	    .ops = &tmpfs_ops, .mnt = m, .ino = sb->next_ino++, .mode = mode, .refs = 1};
	__touch(n);
	spin_unlock_irqrestore(&tmpfs_lock, f);
	return n;
}

/* [T] Is @dir still in the tree (a walk may hold a directory removed since)? */
static bool node_live(const struct tmpfs_node *dir)
{
	return dir->linked; /* the root counts as linked: its mount holds it */
}

static int tmpfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	struct tmpfs_node *c = __child(node_of(dir), name);

	if (c)
		vnode_get(&c->vn);
	spin_unlock_irqrestore(&tmpfs_lock, f);
	if (!c)
		return -ENOENT;
	*out = &c->vn;
	return 0;
}

/* Links a new node named @name of @mode into @dir; with a counted reference in *out if asked. */
static int make_node(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out)
{
	struct tmpfs_node *n = node_new(dir->mnt, mode); /* refs 1: the link's */
	unsigned long f;
	int err = 0;

	if (!n)
		return -ENOSPC;
	f = spin_lock_irqsave(&tmpfs_lock);
	if (!node_live(node_of(dir)))
		err = -ENOENT; /* the directory was removed meanwhile */
	else if (__child(node_of(dir), name))
		err = -EEXIST;
	else
		__link(node_of(dir), n, name);
	/* The caller's, taken before an unlink can drop the link's and free @n. */
	if (!err && out)
		vnode_get(&n->vn);
	spin_unlock_irqrestore(&tmpfs_lock, f);
	if (err) {
		async_pool_free(&tmpfs_node_pool, n);
		return err;
	}
	if (out)
		*out = &n->vn;
	return 0;
}

static int tmpfs_create(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out)
{
	return make_node(dir, name, mode, out);
}

static int tmpfs_mkdir(struct vnode *dir, const char *name)
{
	return make_node(dir, name, S_IFDIR | 0755, NULL);
}

static int tmpfs_remove(struct vnode *dir, const char *name, bool is_dir)
{
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	struct tmpfs_node *n = __child(node_of(dir), name);
	bool free_it = false;
	int err = 0;

	if (!n)
		err = -ENOENT;
	else if (is_dir != vnode_is_dir(&n->vn))
		err = is_dir ? -ENOTDIR : -EISDIR;
	else if (n->child)
		err = -ENOTEMPTY;
	else
		free_it = true;
	if (free_it)
		__unlink(n); /* its link's reference is dropped after the lock */
	spin_unlock_irqrestore(&tmpfs_lock, f);
	if (free_it)
		vnode_fs_put(&n->vn);
	return err;
}

/* May @o replace @t (an existing target) in a rename? */
static int rename_check(struct tmpfs_node *o, struct tmpfs_node *t)
{
	if (vnode_is_dir(&o->vn) != vnode_is_dir(&t->vn))
		return vnode_is_dir(&o->vn) ? -ENOTDIR : -EISDIR;
	return t->child ? -ENOTEMPTY : 0;
}

static int tmpfs_rename(struct vnode *odir, const char *oname, struct vnode *ndir,
			const char *nname)
{
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	struct tmpfs_node *o = __child(node_of(odir), oname);
	struct tmpfs_node *t = __child(node_of(ndir), nname);
	bool free_t;
	int err = 0;

	if (!o || !node_live(node_of(ndir)))
		err = -ENOENT; /* a removed target directory would orphan @o */
	else if (o == t)
		err = 0;
	else if (t)
		err = rename_check(o, t);
	free_t = !err && t && o != t;
	if (free_t)
		__unlink(t);
	if (!err && o && o != t) {
		__unlink(o);
		__link(node_of(ndir), o, nname);
	}
	spin_unlock_irqrestore(&tmpfs_lock, f);
	if (free_t)
		vnode_fs_put(&t->vn);
	return err;
}

static int tmpfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *out)
{
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	struct tmpfs_node *c = node_of(dir)->child;

	while (c && index--)
		c = c->next;
	if (c) {
		out->ino = c->vn.ino;
		out->type = vnode_is_dir(&c->vn) ? DT_DIR : DT_REG;
		strlcpy(out->name, c->name, sizeof(out->name));
	}
	spin_unlock_irqrestore(&tmpfs_lock, f);
	return c ? 0 : -ENOENT;
}

static int tmpfs_truncate(struct vnode *v, uint64_t size)
{
	unsigned long f;

	if (size > (uint64_t)PARAM_TMPFS_FILE_BLOCKS * TMPFS_BLOCK)
		return -EFBIG;
	f = spin_lock_irqsave(&tmpfs_lock);
	if (size < node_of(v)->size)
		__truncate_blocks(node_of(v), size);
	else
		node_of(v)->size = size;
	__touch(node_of(v));
	spin_unlock_irqrestore(&tmpfs_lock, f);
	return 0;
}

static void tmpfs_stat(struct vnode *v, struct tio_stat *st)
{
	struct tmpfs_node *n = node_of(v);
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	uint64_t blocks = 0;

	for (unsigned i = 0; i < PARAM_TMPFS_FILE_BLOCKS; i++)
		blocks += n->blocks[i] != NULL;
	st->size = n->size;
	st->blocks = blocks * (TMPFS_BLOCK / 512);
	st->mtime_ns = n->mtime_ns;
	st->ctime_ns = n->ctime_ns;
	spin_unlock_irqrestore(&tmpfs_lock, f);
}

static int64_t __tmpfs_read(struct tmpfs_node *n, struct vfs_io *io)
{
	uint64_t len = io->off >= n->size ? 0 : n->size - io->off;
	static const unsigned char zeros[TMPFS_BLOCK];

	len = len < io->len ? len : io->len;
	for (uint64_t done = 0; done < len;) {
		uint64_t pos = io->off + done, in = pos % TMPFS_BLOCK;
		uint64_t piece = TMPFS_BLOCK - in < len - done ? TMPFS_BLOCK - in : len - done;
		struct tmpfs_block *b = n->blocks[pos / TMPFS_BLOCK];

		vfs_buf_copy_out(io->buf, io->boff + done, b ? b->bytes + in : zeros + in, piece);
		done += piece;
	}
	return (int64_t)len;
}

static int64_t __tmpfs_write(struct tmpfs_node *n, struct vfs_io *io)
{
	uint64_t max = (uint64_t)PARAM_TMPFS_FILE_BLOCKS * TMPFS_BLOCK, done = 0;

	if (io->off >= max)
		return io->len ? -EFBIG : 0;
	while (done < io->len && io->off + done < max) {
		uint64_t pos = io->off + done, in = pos % TMPFS_BLOCK;
		uint64_t piece =
		    TMPFS_BLOCK - in < io->len - done ? TMPFS_BLOCK - in : io->len - done;
		struct tmpfs_block **b = &n->blocks[pos / TMPFS_BLOCK];

		if (!*b && !(*b = async_pool_zalloc(&tmpfs_block_pool)))
			break;
		vfs_buf_copy_in(io->buf, io->boff + done, (*b)->bytes + in, piece);
		done += piece;
		if (pos + piece > n->size)
			n->size = pos + piece;
	}
	if (done)
		__touch(n);
	return done ? (int64_t)done : -ENOSPC;
}

/* All in memory: the I/O never waits, so the frame and io_now are the same. */
static int64_t tmpfs_io_now(struct vfs_io *io)
{
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);
	int64_t r =
	    io->write ? __tmpfs_write(node_of(io->vn), io) : __tmpfs_read(node_of(io->vn), io);

	spin_unlock_irqrestore(&tmpfs_lock, f);
	return io->len == 0 ? 0 : r;
}

static int64_t tmpfs_io_start(struct async_op *op, void *state)
{
	(void)op;
	return tmpfs_io_now(state);
}

static const struct async_layer tmpfs_io = {
    .name = "tmpfs",
    .state_size = sizeof(struct vfs_io),
    .start = tmpfs_io_start,
};

static const struct vnode_ops tmpfs_ops = {
    .lookup = tmpfs_lookup,
    .create = tmpfs_create,
    .mkdir = tmpfs_mkdir,
    .remove = tmpfs_remove,
    .rename = tmpfs_rename,
    .readdir = tmpfs_readdir,
    .truncate = tmpfs_truncate,
    .stat = tmpfs_stat,
    .io = &tmpfs_io,
    .io_now = tmpfs_io_now,
    .release = tmpfs_release,
};

static int tmpfs_mount(struct vfs_mount *m)
{
	struct tmpfs_sb *sb = async_pool_zalloc(&tmpfs_sb_pool);
	struct tmpfs_node *r;

	if (!sb)
		return -ENOSPC;
	sb->next_ino = 1;
	m->priv = sb;
	r = node_new(m, S_IFDIR | 01777);
	if (!r) {
		async_pool_free(&tmpfs_sb_pool, sb);
		return -ENOSPC;
	}
	r->linked = true; /* the mount holds it (its reference is the one of node_new) */
	sb->root = r;
	m->root = &r->vn;
	return 0;
}

/* Frees the whole tree under @n (unmount: no counted reference is left, vfs checked). */
static void tree_free(struct tmpfs_node *n)
{
	while (n->child) {
		struct tmpfs_node *c = n->child;

		n->child = c->next;
		tree_free(c);
	}
	__truncate_blocks(n, 0);
	async_pool_free(&tmpfs_node_pool, n);
}

static void tmpfs_umount(struct vfs_mount *m)
{
	struct tmpfs_sb *sb = m->priv;
	unsigned long f = spin_lock_irqsave(&tmpfs_lock);

	tree_free(sb->root);
	spin_unlock_irqrestore(&tmpfs_lock, f);
	async_pool_free(&tmpfs_sb_pool, sb);
}

static void tmpfs_statfs(struct vfs_mount *m, struct tio_statfs *st)
{
	struct async_pool_stats s;

	(void)m;
	async_pool_stats(&tmpfs_block_pool, &s);
	st->blocks = s.capacity;
	st->bfree = s.capacity - s.in_use;
}

static const struct vfs_fstype tmpfs_type = {
    .name = "tmpfs",
    .mount = tmpfs_mount,
    .umount = tmpfs_umount,
    .statfs = tmpfs_statfs,
};

void tmpfs_init(void)
{
	vfs_register_fstype(&tmpfs_type);
}
