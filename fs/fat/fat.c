/*
 * fat.c - the FAT's entries and the vnode operations of the "vfat"
 * filesystem (contract: fs/fat.h; mounting is in fat_mount.c).
 *
 * Nodes: every lookup makes a fresh node from the directory entry (the
 * volume is read-only, so two nodes of one file cannot disagree); its
 * inode number is where its short entry lies on disk, so it is stable. The
 * root node is the mount's (the filesystem's own reference); other nodes
 * are freed by their last vnode_put (fat_release).
 * Metadata calls (lookup, readdir, stat, statfs) run in the calling thread
 * and may sleep on the sector cache; the data path never sleeps (fat_io.c).
 */
#include <fs/bcache.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

ASYNC_POOL_DEFINE(fat_node_pool, "fat_node", struct fat_node, PARAM_FAT_NODES);
/* A lookup's entry (too big for a kernel stack that also holds a sector). */
ASYNC_POOL_DEFINE(fat_entry_pool, "fat_entry", struct fat_entry, PARAM_FAT_NODES / 4);
static struct spinlock fat_nodes_lock = SPINLOCK_INIT;

static const struct vnode_ops fat_ops;

/* ---- The FAT ---- */

bool fat_is_eoc(const struct fat_vol *v, uint32_t next)
{
	uint32_t eoc = v->bits == 12 ? 0xff8 : v->bits == 16 ? 0xfff8 : 0x0ffffff8;

	return next >= eoc;
}

/* Byte @off of the first FAT: its sector and offset in it. */
static void fat_byte_at(const struct fat_vol *v, uint64_t off, uint64_t *lba, unsigned *in)
{
	*lba = v->fat_start + off / BLK_SECTOR;
	*in = (unsigned)(off % BLK_SECTOR);
}

/* The FAT entry of @c, reading its bytes with @rd (sync or try): 0 or -errno (*miss on -EAGAIN). */
static int fat_entry(struct fat_vol *v, uint32_t c, uint32_t *next, uint64_t *miss,
		     int (*rd)(struct blk_dev *, uint64_t, unsigned, void *, size_t))
{
	uint64_t off = v->bits == 12 ? c + c / 2 : (uint64_t)c * (v->bits / 8), lba;
	unsigned n = v->bits == 12 ? 2 : v->bits / 8, in;
	uint8_t b[4] = {0};
	int err;

	if (!fat_cluster_ok(v, c))
		return -EIO;
	for (unsigned i = 0; i < n;) { /* a FAT12 entry may straddle two sectors */
		unsigned k;

		fat_byte_at(v, off + i, &lba, &in);
		k = n - i < BLK_SECTOR - in ? n - i : BLK_SECTOR - in;
		err = rd(v->dev, lba, in, b + i, k);
		if (err) {
			*miss = lba;
			return err;
		}
		i += k;
	}
	*next = fat_le32(b);
	if (v->bits == 12)
		*next = c & 1 ? (*next & 0xffff) >> 4 : *next & 0xfff;
	else if (v->bits == 32)
		*next &= 0x0fffffff;
	return 0;
}

int fat_next_sync(struct fat_vol *v, uint32_t c, uint32_t *next)
{
	uint64_t miss;

	return fat_entry(v, c, next, &miss, bcache_read);
}

int fat_next_try(struct fat_vol *v, uint32_t c, uint32_t *next, uint64_t *miss)
{
	return fat_entry(v, c, next, miss, bcache_try_read);
}

/* ---- Nodes ---- */

static struct fat_node *node_of(struct vnode *v)
{
	return container_of(v, struct fat_node, vn);
}

/* [N] Unlinks @n from its volume's list. */
static void __node_unlist(struct fat_node *n)
{
	struct fat_node **pp = &n->vol->nodes;

	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
}

/* The live node whose short entry is at @where, with a counted reference, or NULL. */
struct fat_node *fat_node_find(struct fat_vol *vol, uint64_t where)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);
	struct fat_node *n = vol->nodes;

	while (n && !(n->where == where && __atomic_load_n(&n->vn.refs, __ATOMIC_ACQUIRE)))
		n = n->next;
	if (n)
		vnode_get(&n->vn);
	spin_unlock_irqrestore(&fat_nodes_lock, f);
	return n;
}

void fat_hint_get(struct fat_node *n, uint32_t *idx, uint32_t *clus)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);

	*idx = n->hint_idx;
	*clus = n->hint_clus;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
}

/* @clus 0 forgets the hint (a truncate changed the chain). */
void fat_hint_set(struct fat_node *n, uint32_t idx, uint32_t clus)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);

	n->hint_idx = idx;
	n->hint_clus = clus;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
}

/* [V] A rename moved the short entry of a live node from @from to @to. */
void fat_node_moved(struct fat_vol *vol, uint64_t from, uint64_t to)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);

	for (struct fat_node *n = vol->nodes; n; n = n->next)
		if (n->where == from)
			n->where = to;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
}

/*
 * [V] The node of entry @e with one counted reference: the live one if any
 * (two opens of a file share its size), else a new one. NULL: pool empty.
 */
struct fat_node *fat_node_get(struct fat_vol *vol, const struct fat_entry *e)
{
	struct fat_node *n = fat_node_find(vol, e->where);
	const uint8_t *r = e->raw;
	uint32_t mode = (r[11] & FAT_ATTR_DIR) ? S_IFDIR | 0755 : S_IFREG | 0644;
	unsigned long f;

	if (n || !(n = async_pool_zalloc(&fat_node_pool)))
		return n;
	if (r[11] & FAT_ATTR_RO)
		mode &= ~0222u;
	n->vn = (struct vnode){.ops = &fat_ops, .mnt = vol->mnt, .ino = e->where + 2, .mode = mode};
	n->vol = vol;
	n->where = e->where;
	n->first = fat_le16(r + 26) | (vol->bits == 32 ? (uint32_t)fat_le16(r + 20) << 16 : 0);
	n->size = (r[11] & FAT_ATTR_DIR) ? 0 : fat_le32(r + 28);
	n->mtime_ns = fat_time_ns(fat_le16(r + 24), fat_le16(r + 22));
	vnode_get(&n->vn);
	f = spin_lock_irqsave(&fat_nodes_lock);
	n->next = vol->nodes;
	vol->nodes = n;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
	return n;
}

static void fat_release(struct vnode *v)
{
	struct fat_node *n = node_of(v);
	unsigned long f;

	if (n->vol->mnt->root == v)
		return;
	f = spin_lock_irqsave(&fat_nodes_lock);
	__node_unlist(n);
	if (n->unlinked) { /* its chain goes under the volume lock: not here (any context) */
		n->next = n->vol->dead;
		n->vol->dead = n;
	}
	spin_unlock_irqrestore(&fat_nodes_lock, f);
	if (n->unlinked)
		fat_reap_soon(n->vol);
	else if (!fat_ra_keep(n)) /* else its readahead in flight frees it when it ends */
		fat_node_free(n);
}

void fat_node_free(struct fat_node *n)
{
	async_pool_free(&fat_node_pool, n);
}

void fat_node_unlinked(struct fat_node *n)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);

	n->where = 0; /* no entry to update, and lookups never find it again */
	n->unlinked = true;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
}

struct fat_node *fat_dead_pop(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&fat_nodes_lock);
	struct fat_node *n = v->dead;

	if (n)
		v->dead = n->next;
	spin_unlock_irqrestore(&fat_nodes_lock, f);
	return n;
}

/* ASCII case-insensitive equality, as VFAT lookups are. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
		char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

struct lookup_arg {
	const char *name;
	struct fat_entry found;
};

static int lookup_fn(const struct fat_entry *e, uint64_t index, void *arg)
{
	struct lookup_arg *a = arg;

	(void)index;
	if (!name_eq(e->name, a->name) && !name_eq(e->short_name, a->name))
		return 0;
	a->found = *e;
	return 2;
}

/* [V] The entry named @name in @dir (long or 8.3 name, any case): 0, -ENOENT, -EIO. */
int fat_find(struct fat_node *dir, const char *name, struct fat_entry *out)
{
	struct lookup_arg a = {.name = name};
	int r = fat_dir_walk(dir, 0, lookup_fn, &a);

	if (r < 0)
		return r;
	if (r != 2)
		return -ENOENT;
	*out = a.found;
	return 0;
}

static int fat_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct fat_vol *v = node_of(dir)->vol;
	struct fat_entry *e = async_pool_alloc(&fat_entry_pool);
	struct fat_node *n = NULL;
	int r;

	if (!e)
		return -ENOMEM;
	fat_lock(v);
	r = fat_find(node_of(dir), name, e);
	if (!r) {
		n = fat_node_get(v, e);
		r = n ? 0 : -ENOMEM;
	}
	fat_unlock(v);
	async_pool_free(&fat_entry_pool, e);
	if (!r)
		*out = &n->vn;
	return r;
}

static int readdir_fn(const struct fat_entry *e, uint64_t index, void *arg)
{
	struct vfs_dirent *out = arg;

	(void)index;
	out->ino = e->where + 2;
	out->type = (e->raw[11] & FAT_ATTR_DIR) ? DT_DIR : DT_REG;
	strlcpy(out->name, e->name, sizeof(out->name));
	return 2;
}

static int fat_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *out)
{
	struct fat_vol *v = node_of(dir)->vol;
	int r;

	fat_lock(v);
	r = fat_dir_walk(node_of(dir), index, readdir_fn, out);
	fat_unlock(v);

	return r < 0 ? r : r == 2 ? 0 : -ENOENT;
}

static void fat_stat(struct vnode *v, struct tio_stat *st)
{
	struct fat_node *n = node_of(v);
	uint64_t cs = (uint64_t)n->vol->spc * BLK_SECTOR;

	st->size = n->size;
	st->blocks = (n->size + cs - 1) / cs * n->vol->spc;
	st->blksize = (uint32_t)cs;
	st->mtime_ns = n->mtime_ns;
}

/* The root directory's node for a freshly mounted @vol (the mount's own reference). */
struct fat_node *fat_root_new(struct fat_vol *vol)
{
	struct fat_node *n = async_pool_zalloc(&fat_node_pool);

	if (!n)
		return NULL;
	n->vn = (struct vnode){
	    .ops = &fat_ops, .mnt = vol->mnt, .ino = 1, .mode = S_IFDIR | 0755, .refs = 1};
	n->vol = vol;
	n->fixed_root = vol->bits != 32;
	n->first = vol->bits == 32 ? vol->root_cluster : 0;
	return n;
}

void fat_root_free(struct fat_node *n)
{
	async_pool_free(&fat_node_pool, n);
}

static const struct vnode_ops fat_ops = {
    .lookup = fat_lookup,
    .create = fat_create,
    .mkdir = fat_mkdir,
    .remove = fat_remove,
    .rename = fat_rename,
    .truncate = fat_truncate,
    .readdir = fat_readdir,
    .stat = fat_stat,
    .io = &fat_io_layer,
    .release = fat_release,
};
