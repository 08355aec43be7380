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
	for (unsigned i = 0; i < n; i++) { /* a FAT12 entry may straddle two sectors */
		fat_byte_at(v, off + i, &lba, &in);
		err = rd(v->dev, lba, in, b + i, 1);
		if (err) {
			*miss = lba;
			return err;
		}
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

/* A node for entry @e of volume @vol with one counted reference, or NULL. */
static struct fat_node *node_from_entry(struct fat_vol *vol, const struct fat_entry *e)
{
	struct fat_node *n = async_pool_zalloc(&fat_node_pool);
	const uint8_t *r = e->raw;
	uint32_t mode = (r[11] & FAT_ATTR_DIR) ? S_IFDIR | 0755 : S_IFREG | 0644;

	if (!n)
		return NULL;
	if (r[11] & FAT_ATTR_RO)
		mode &= ~0222u;
	n->vn = (struct vnode){.ops = &fat_ops, .mnt = vol->mnt, .ino = e->where + 2, .mode = mode};
	n->vol = vol;
	n->first = fat_le16(r + 26) | (vol->bits == 32 ? (uint32_t)fat_le16(r + 20) << 16 : 0);
	n->size = (r[11] & FAT_ATTR_DIR) ? 0 : fat_le32(r + 28);
	n->mtime_ns = fat_time_ns(fat_le16(r + 24), fat_le16(r + 22));
	vnode_get(&n->vn);
	return n;
}

static void fat_release(struct vnode *v)
{
	struct fat_node *n = node_of(v);

	if (n->vol->mnt->root != v)
		async_pool_free(&fat_node_pool, n);
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

static int fat_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct lookup_arg a = {.name = name};
	struct fat_node *n;
	int r;

	r = fat_dir_walk(node_of(dir), 0, lookup_fn, &a);
	if (r < 0)
		return r;
	if (r != 2)
		return -ENOENT;
	n = node_from_entry(node_of(dir)->vol, &a.found);
	if (!n)
		return -ENOMEM;
	*out = &n->vn;
	return 0;
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
	int r = fat_dir_walk(node_of(dir), index, readdir_fn, out);

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
    .readdir = fat_readdir,
    .stat = fat_stat,
    .io = &fat_io_layer,
    .release = fat_release,
};
