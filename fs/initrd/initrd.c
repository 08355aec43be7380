/*
 * initrd.c - the initrd filesystem: a read-only tree over a cpio "newc"
 * archive that the boot loader left in memory as the first multiboot module.
 *
 * Mounting parses the archive once into nodes from a static pool; file data
 * stays in the module (reached through the direct map) and is copied from
 * there by the I/O frame. Every header field is checked against the module's
 * bounds: a corrupt archive fails the mount with -EINVAL, it cannot make the
 * kernel read outside the module. Intermediate directories that the archive
 * does not list are created on the way ("bin/sh" makes "bin").
 * The kernel's mount points /dev, /tmp and /mnt are added as empty
 * directories when the archive lacks them, so the archive builder need not
 * know about them.
 * Nodes never go away (the filesystem is read-only and cannot be unmounted
 * from "/"), so vnode references need no release here.
 */
#include <arch/x86_64/mmu.h>
#include <fs/vfs.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define CPIO_HDR 110

struct initrd_node {
	struct vnode vn;		  /* [I] */
	const char *name;		  /* [I] in the module, not terminated */
	size_t namelen;			  /* [I] */
	const unsigned char *data;	  /* [I] file bytes in the module */
	uint64_t size;			  /* [I] */
	struct initrd_node *child, *next; /* [I] first child, next sibling */
};

ASYNC_POOL_DEFINE(initrd_pool, "initrd_node", struct initrd_node, PARAM_INITRD_NODES);

static struct initrd_node *initrd_root; /* [I] after mount */
static uint64_t initrd_bytes;		/* [I] */
static uint64_t initrd_inos;		/* [I] after mount: inode numbers handed out */
static const struct vnode_ops initrd_ops;

static struct initrd_node *node_of(struct vnode *v)
{
	return container_of(v, struct initrd_node, vn);
}

static struct initrd_node *node_new(struct vfs_mount *m, const char *name, size_t len,
				    uint32_t mode)
{
	struct initrd_node *n = async_pool_zalloc(&initrd_pool);

	if (!n)
		return NULL;
	n->vn.ops = &initrd_ops;
	n->vn.mnt = m;
	n->vn.ino = ++initrd_inos;
	n->vn.mode = mode;
	n->vn.refs = 1;
	n->name = name;
	n->namelen = len;
	return n;
}

static struct initrd_node *child_find(struct initrd_node *dir, const char *name, size_t len)
{
	for (struct initrd_node *c = dir->child; c; c = c->next)
		if (c->namelen == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

static void child_add(struct initrd_node *dir, struct initrd_node *c)
{
	struct initrd_node **pp = &dir->child;

	while (*pp)
		pp = &(*pp)->next; /* archive order */
	*pp = c;
}

/* Finds or makes the node for path @p (length @len); the last component gets @mode. */
static struct initrd_node *tree_add(struct vfs_mount *m, const char *p, size_t len, uint32_t mode)
{
	struct initrd_node *dir = initrd_root, *n = initrd_root;
	size_t i = 0;

	while (i < len) {
		size_t s = i;
		bool last;

		while (i < len && p[i] != '/')
			i++;
		last = i == len;
		if (i - s == 0 || (i - s == 1 && p[s] == '.') || i - s > TIO_NAME_MAX ||
		    (i - s == 2 && p[s] == '.' && p[s + 1] == '.'))
			return NULL;
		n = child_find(dir, p + s, i - s);
		if (!n) {
			n = node_new(m, p + s, i - s, last ? mode : (S_IFDIR | 0755));
			if (!n)
				return NULL;
			child_add(dir, n);
		}
		if (!last && !vnode_is_dir(&n->vn))
			return NULL;
		dir = n;
		i++;
	}
	return n;
}

static int hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d == 16)
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~3ULL;
}

struct cpio_entry {
	const char *name;
	size_t namelen; /* without the NUL */
	const unsigned char *data;
	uint32_t mode, size;
	uint64_t next; /* offset of the next header */
};

/* Parses the header at @off of the archive [a, a+len): 0 or -EINVAL. */
static int cpio_entry_at(const unsigned char *a, uint64_t len, uint64_t off, struct cpio_entry *e)
{
	const char *h = (const char *)a + off;
	uint32_t namesize;
	uint64_t name_end, data_end;

	/* off may be up to 3 past len (the previous entry's padding): not a header. */
	if (off > len || len - off < CPIO_HDR || memcmp(h, "070701", 6))
		return -EINVAL;
	if (hex8(h + 14, &e->mode) || hex8(h + 54, &e->size) || hex8(h + 94, &namesize))
		return -EINVAL;
	name_end = off + CPIO_HDR + namesize;
	if (namesize == 0 || name_end > len || h[CPIO_HDR + namesize - 1] != '\0')
		return -EINVAL;
	data_end = align4(name_end) + e->size;
	if (align4(name_end) > len || data_end > len)
		return -EINVAL;
	e->name = h + CPIO_HDR;
	e->namelen = namesize - 1;
	e->data = a + align4(name_end);
	e->next = align4(data_end);
	return 0;
}

static int cpio_add(struct vfs_mount *m, const struct cpio_entry *e)
{
	const char *p = e->name;
	size_t len = e->namelen;
	uint32_t type = e->mode & S_IFMT;
	struct initrd_node *n;

	while (len && (*p == '/' || (*p == '.' && (len == 1 || p[1] == '/')))) {
		p++;
		len--;
	}
	if (len == 0)
		return 0; /* "." is the root */
	if (type != S_IFREG && type != S_IFDIR)
		return 0; /* links and devices: not supported, skipped */
	n = tree_add(m, p, len, (e->mode & 0777) | type);
	if (!n)
		return -EINVAL;
	if (type == S_IFREG) {
		n->data = e->data;
		n->size = e->size;
	}
	return 0;
}

static int initrd_parse(struct vfs_mount *m, const unsigned char *a, uint64_t len)
{
	uint64_t off = 0;

	for (;;) {
		struct cpio_entry e;
		int err = cpio_entry_at(a, len, off, &e);

		if (err)
			return err;
		if (e.namelen == 10 && !memcmp(e.name, "TRAILER!!!", 10))
			return 0;
		err = cpio_add(m, &e);
		if (err)
			return err;
		off = e.next;
	}
}

static const char *const mount_points[] = {"dev", "tmp", "mnt"};

static int initrd_mount(struct vfs_mount *m)
{
	size_t count;
	const struct boot_module *mod = kernel_modules(&count);
	int err;

	if (!count)
		return -ENODEV;
	if (initrd_root)
		return -EBUSY;
	initrd_root = node_new(m, "", 0, S_IFDIR | 0755);
	if (!initrd_root)
		return -ENOMEM;
	initrd_bytes = mod[0].end - mod[0].start;
	err = initrd_parse(m, phys_to_virt(mod[0].start), initrd_bytes);
	if (err) {
		klog(LOG_ERR, "initrd: module 0 is not a valid cpio newc archive\n");
		return err; /* the nodes stay allocated: a failed root mount is fatal anyway */
	}
	for (unsigned i = 0; i < sizeof(mount_points) / sizeof(mount_points[0]); i++) {
		struct initrd_node *n =
		    tree_add(m, mount_points[i], strlen(mount_points[i]), S_IFDIR | 0755);

		if (!n)
			return -ENOMEM;
		if (!vnode_is_dir(&n->vn)) {
			klog(LOG_ERR, "initrd: /%s is not a directory\n", mount_points[i]);
			return -EINVAL; /* the archive's fault, not devfs's or tmpfs's */
		}
	}
	m->flags |= TIO_MNT_RDONLY;
	m->root = &initrd_root->vn;
	return 0;
}

static void initrd_statfs(struct vfs_mount *m, struct tio_statfs *st)
{
	(void)m;
	st->blocks = (initrd_bytes + 4095) / 4096;
	st->bfree = 0;
}

static int initrd_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct initrd_node *n = child_find(node_of(dir), name, strlen(name));

	if (!n)
		return -ENOENT;
	vnode_get(&n->vn);
	*out = &n->vn;
	return 0;
}

static int initrd_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *out)
{
	struct initrd_node *c = node_of(dir)->child;

	while (c && index--)
		c = c->next;
	if (!c)
		return -ENOENT;
	out->ino = c->vn.ino;
	out->type = vnode_is_dir(&c->vn) ? DT_DIR : DT_REG;
	memcpy(out->name, c->name, c->namelen);
	out->name[c->namelen] = '\0';
	return 0;
}

static void initrd_stat(struct vnode *v, struct tio_stat *st)
{
	st->size = node_of(v)->size;
	st->blocks = (st->size + 511) / 512;
}

static int64_t initrd_io_start(struct async_op *op, void *state)
{
	struct vfs_io *io = state;
	struct initrd_node *n = node_of(io->vn);
	uint64_t len = io->len;

	(void)op;
	if (io->write)
		return -EROFS;
	if (io->off >= n->size)
		return 0;
	if (len > n->size - io->off)
		len = n->size - io->off;
	vfs_buf_copy_out(io->buf, io->boff, n->data + io->off, len);
	return (int64_t)len;
}

static const struct async_layer initrd_io = {
    .name = "initrd",
    .state_size = sizeof(struct vfs_io),
    .start = initrd_io_start,
};

static const struct vnode_ops initrd_ops = {
    .lookup = initrd_lookup,
    .readdir = initrd_readdir,
    .stat = initrd_stat,
    .io = &initrd_io,
};

static const struct vfs_fstype initrd_type = {
    .name = "initrd",
    .mount = initrd_mount,
    .statfs = initrd_statfs,
};

void initrd_fs_init(void)
{
	vfs_register_fstype(&initrd_type);
}
