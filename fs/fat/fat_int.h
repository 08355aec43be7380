/*
 * fat_int.h - private to fs/fat: the volume, the node, the on-disk layout
 * helpers shared by fat.c (mount, vnode ops), fat_dir.c (directories and
 * names) and fat_io.c (the data frame).
 *
 * Locking: a mounted volume is read-only and its geometry is [I] after
 * mount, so the only shared mutable state is the sector cache (its own lock)
 * and the node pool. No lock is held across disk I/O.
 */
#ifndef FS_FAT_FAT_INT_H
#define FS_FAT_FAT_INT_H

#include <drivers/block.h>
#include <fs/vfs.h>
#include <stdint.h>
#include <stdbool.h>

#define FAT_DIRENT	    32 /* bytes of a directory entry */
#define FAT_ATTR_RO	    0x01
#define FAT_ATTR_VOLUME	    0x08
#define FAT_ATTR_DIR	    0x10
#define FAT_ATTR_LFN	    0x0f  /* read-only|hidden|system|volume: a long-name part */
#define FAT_NT_LOWER_BASE   0x08  /* byte 12: the 8.3 base name shows in lowercase */
#define FAT_NT_LOWER_EXT    0x10  /* byte 12: the extension shows in lowercase */
#define FAT_LFN_MAX	    255	  /* UTF-16 units of a long name */
#define FAT_DIR_ENTRIES_MAX 65536 /* entries a directory may hold (the specification's limit) */
#define FAT_RUN_MAX	    2048  /* sectors of one data request (1 MiB) */

/* One mounted volume (vfs_mount.priv). [I] after fat_mount. */
struct fat_vol {
	struct blk_dev *dev;
	struct vfs_mount *mnt;
	unsigned bits;	       /* 12, 16 or 32 */
	unsigned spc;	       /* sectors per cluster */
	uint32_t fat_start;    /* first sector of the first FAT */
	uint32_t fat_sectors;  /* sectors of one FAT */
	uint32_t root_start;   /* FAT12/16: first sector of the fixed root directory */
	uint32_t root_sectors; /* FAT12/16: its length; 0 on FAT32 */
	uint32_t data_start;   /* sector of cluster 2 */
	uint32_t clusters;     /* data clusters: valid numbers are 2 .. clusters + 1 */
	uint32_t root_cluster; /* FAT32: the root directory's first cluster */
	uint32_t total_sectors;
	uint32_t free_hint; /* free clusters counted at mount */
};

/* A file or directory. [I] after creation; refs [a] (struct vnode). */
struct fat_node {
	struct vnode vn;
	struct fat_vol *vol;
	uint32_t first; /* first cluster, 0 for an empty file or the FAT12/16 root */
	uint32_t size;	/* bytes (files) */
	int64_t mtime_ns;
	bool fixed_root; /* the FAT12/16 root directory (sectors, not clusters) */
};

/* A directory entry as the walk found it. */
struct fat_entry {
	char name[TIO_NAME_MAX + 1]; /* long name as UTF-8, else the 8.3 name */
	char short_name[13];	     /* 8.3 with its case flags */
	uint8_t raw[FAT_DIRENT];     /* the short entry */
	uint64_t where;		     /* sector * 16 + slot of the short entry: the inode number */
};

static inline uint16_t fat_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fat_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t fat_cluster_lba(const struct fat_vol *v, uint32_t c)
{
	return v->data_start + (uint64_t)(c - 2) * v->spc;
}

static inline bool fat_cluster_ok(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c <= v->clusters + 1;
}

/* The FAT entry of cluster @c: sync (thread, may sleep) or try (-EAGAIN + *miss on a miss). */
int fat_next_sync(struct fat_vol *v, uint32_t c, uint32_t *next);
int fat_next_try(struct fat_vol *v, uint32_t c, uint32_t *next, uint64_t *miss);
/* Is @next an end-of-chain mark? */
bool fat_is_eoc(const struct fat_vol *v, uint32_t next);

/* fat_dir.c: calls @fn for each entry of @dir from entry number @start
 * (counting only the entries it reports); @fn returns nonzero to stop with
 * that value. 0 at the end, or -EIO for a corrupt directory. */
int fat_dir_walk(struct fat_node *dir, uint64_t start,
		 int (*fn)(const struct fat_entry *e, uint64_t index, void *arg), void *arg);
int64_t fat_time_ns(uint16_t date, uint16_t time);

/* fat.c: the root node of a volume being mounted, and its teardown. */
struct fat_node *fat_root_new(struct fat_vol *vol);
void fat_root_free(struct fat_node *n);

extern const struct async_layer fat_io_layer;

#endif
