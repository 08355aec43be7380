/*
 * fat_int.h - private to fs/fat: the volume, the node, the on-disk layout
 * helpers shared by fat.c (mount, vnode ops), fat_dir.c (directories and
 * names) and fat_io.c (the data frame).
 *
 * Locking: the geometry is [I] after mount. [V] fields and every change to
 * the FAT or a directory happen under the volume's sleeping lock
 * (fat_lock/fat_unlock, thread context: metadata calls and the write worker);
 * [N] under fat_nodes_lock (a spinlock, never held across I/O); [R] under
 * fat_ra_lock (fat_ra.c, a spinlock, never held across I/O). The read
 * frame takes no lock: it reads sizes and chains as they are (a read racing
 * a truncate of the same file may fail with -EIO or return old bytes, never
 * touch freed memory: nodes and the cache are static).
 */
#ifndef FS_FAT_FAT_INT_H
#define FS_FAT_FAT_INT_H

#include <drivers/block.h>
#include <fs/fat.h>
#include <fs/vfs.h>
#include "fat_dirent.h"
#include <stdint.h>
#include <stdbool.h>

#define FAT_DIR_ENTRIES_MAX 65536 /* entries a directory may hold (the specification's limit) */
#define FAT_RUN_MAX	    2048  /* sectors of one data request (1 MiB) */

/* A name being added to a directory: its 8.3 form and, if needed, the long one. */
struct fat_newname {
	uint8_t short11[11];
	uint8_t nt;			      /* FAT_NT_LOWER_* */
	uint16_t lfn[FAT_LFN_MAX + 1];	      /* UTF-16 */
	unsigned lfn_len;		      /* units; 0: the 8.3 form says it all */
	uint64_t slots[FAT_LFN_MAX / 13 + 2]; /* where the entries go, in order */
};

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
	uint32_t free_hint;	 /* unused */
	unsigned nfats;		 /* copies of the FAT, all kept in step */
	unsigned dirty_off;	 /* boot sector byte holding the dirty flag (bit 0) */
	uint32_t fsinfo;	 /* FAT32: the FSInfo sector, 0 if none */
	bool rw;		 /* [V] read-write (only ever turns false: fat_writable) */
	bool checked;		 /* [V] the chains passed fat_check_chains */
	uint32_t next_free;	 /* [V] where the next allocation starts looking */
	uint32_t free_count;	 /* [V] free clusters, FAT_FREE_UNKNOWN if not known */
	struct fat_node *nodes;	 /* [N] nodes alive, through fat_node.next */
	struct spinlock guard;	 /* protects @locked */
	bool locked;		 /* the volume lock is held */
	struct waitq lock_wq;	 /* threads waiting for it */
	unsigned busy;		 /* [fat_vols_lock] fat_sync_all is flushing it */
	struct fat_node *dead;	 /* [N] unlinked files whose last reference went: fat_reap frees */
	unsigned reapers;	 /* [a] reap ops (fat_reap_soon) not finished yet */
	struct fat_newname name; /* [V] scratch of the namespace calls */
	struct fat_entry ent[2]; /* [V] scratch of the namespace calls */
};
#define FAT_FREE_UNKNOWN 0xffffffffu

/* A file or directory. [I] after creation; refs [a] (struct vnode). */
struct fat_node {
	struct vnode vn;
	struct fat_vol *vol;
	uint32_t first;	       /* [V] first cluster, 0 for an empty file or the FAT12/16 root */
	uint32_t size;	       /* [V] bytes (files) */
	int64_t mtime_ns;      /* [V] */
	bool fixed_root;       /* the FAT12/16 root directory (sectors, not clusters) */
	uint64_t where;	       /* [V][N] its short entry: sector * 16 + slot; 0 for the root */
	struct fat_node *next; /* [N] in vol->nodes */
	uint32_t hint_idx;     /* [N] a chain position the last read reached: */
	uint32_t hint_clus;    /* [N] cluster number hint_idx of the chain (0: none) */
	uint32_t wpos_idx;     /* [V] a chain position the last write or resize reached: */
	uint32_t wpos_clus;    /* [V] cluster number wpos_idx of the chain (0: none) */
	uint64_t ra_next;      /* [R] where the last read of it ended (sequential access test) */
	uint32_t ra_gen;       /* [R] moves at each write or truncate: odd while one is under way */
	uint16_t ra_busy;      /* [R] readahead windows of it in flight */
	bool ra_orphan;	       /* [R] its last reference went while ra_busy: ra_done frees it */
	bool unlinked; /* [V][N] its entry is gone (where 0): its chain goes at the last put */
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
void fat_stamp_now(uint16_t *date, uint16_t *time); /* the wall clock, in UTC */

/* fat_dir.c: calls @fn(lba, slot, entry) for every slot of @dir in order;
 * 1 when @fn stopped the walk (nonzero), 0 at the end of the chain, -errno. */
int fat_dir_slots(struct fat_node *dir,
		  int (*fn)(uint64_t lba, unsigned slot, const uint8_t *e, void *arg), void *arg);

/* fat_name.c: entries in directories. */
#define FAT_DATE_EPOCH 0x21 /* 1980-01-01: stamped when the wall clock is before it */
#define FAT_ATTR_ARCH  0x20
int fat_entry_add(struct fat_node *dir, const char *name, uint8_t *tmpl, uint64_t *where);
int fat_entry_erase(struct fat_node *dir, const struct fat_entry *e);
void fat_tmpl_init(uint8_t *t, uint8_t attr, uint32_t c);
int fat_slot_write(struct fat_vol *v, uint64_t where, const uint8_t *e);

/* fat_write.c: the volume lock, the FAT's changes and the write half. */
void fat_lock(struct fat_vol *v);
void fat_unlock(struct fat_vol *v);
int fat_set(struct fat_vol *v, uint32_t c, uint32_t value);
int fat_cluster_alloc(struct fat_vol *v, uint32_t *out);
int fat_chain_free(struct fat_vol *v, uint32_t c);
int fat_flush(struct fat_vol *v, bool clean);
int64_t fat_write_work(void *arg);
int fat_truncate(struct vnode *vn, uint64_t size);
int fat_create(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out);
int fat_mkdir(struct vnode *dir, const char *name);
int fat_remove(struct vnode *dir, const char *name, bool is_dir);
int fat_rename(struct vnode *odir, const char *oname, struct vnode *ndir, const char *nname);
void fat_mount_rw(struct fat_vol *v, const uint8_t *boot);

/* fat.c: nodes, and the chain position hint that spares sequential reads the walk from the start.
 */
void fat_hint_get(struct fat_node *n, uint32_t *idx, uint32_t *clus);
void fat_hint_set(struct fat_node *n, uint32_t idx, uint32_t clus);
struct fat_node *fat_node_get(struct fat_vol *vol, const struct fat_entry *e);
struct fat_node *fat_node_find(struct fat_vol *vol, uint64_t where);
void fat_node_moved(struct fat_vol *vol, uint64_t from, uint64_t to);
int fat_find(struct fat_node *dir, const char *name, struct fat_entry *out);
/* fat.c: the root node of a volume being mounted, and its teardown. */
struct fat_node *fat_root_new(struct fat_vol *vol);
void fat_root_free(struct fat_node *n);

/* fat_check.c: 0 if every chain reachable from the root is its own and ends
 * properly, -EIO if two share a cluster (or loop) or one runs into a free
 * cluster (logged), or a device error. Thread context. */
int fat_check_chains(struct fat_vol *v);
/* [V] 0 if @v may be changed, else -EROFS. The first call on a read-write
 * volume checks its chains; if they fail it turns the volume read-only. */
int fat_writable(struct fat_vol *v);

extern const struct async_layer fat_io_layer;
/* fat_io.c: pushes a readahead frame reading [@off, @off + @len) of @vn into @buf (borrowed),
 * its chain walk starting at cluster @clus, index @cidx. 0 or -errno (nothing pushed). */
int fat_io_push_ra(struct async_op *op, struct vnode *vn, struct async_buf *buf, uint64_t off,
		   uint64_t len, uint32_t cidx, uint32_t clus, void *win);
/* fat.c: frees a node whose last reference went (fat_ra_keep kept it for readahead). */
void fat_node_free(struct fat_node *n);
/* fat.c: [V] an open file's entry was erased: it lives on without a name (fat_ns.c). */
void fat_node_unlinked(struct fat_node *n);
/* fat.c: the next unlinked node of @v whose last reference went, taken off the list, or NULL. */
struct fat_node *fat_dead_pop(struct fat_vol *v);
/* fat_write.c: [V] frees the chains of @v's dead nodes (fat_unlock and fat_flush call it);
 * fat_reap_soon (any context) has a worker do it; fat_reap_wait (umount) waits for those. */
void fat_reap(struct fat_vol *v);
void fat_reap_soon(struct fat_vol *v);
void fat_reap_wait(struct fat_vol *v);

/*
 * fat_ra.c: readahead windows (any context unless said).
 *   fat_ra_read_done(n, off, end, cidx, clus)  a read of [off, end) ended at chain position
 *                                 (cidx, clus): if sequential, launch the next window
 *   fat_ra_take(n, pos, end, buf, boff, op, &cidx, &clus)  copies what a ready window holds
 *                                 from @pos into @buf: bytes (0: none), and moves (cidx, clus)
 *                                 to a chain position the window knows at or before the new
 *                                 position if it is further; ASYNC_PENDING: @op joined a window
 *                                 in flight and is completed (0) when it ends: take again
 *   fat_ra_end_pos(win, cidx, clus)  the window's read ended at that chain position
 *   fat_ra_unjoin(op)             the cancel hook of a joined read
 *   fat_ra_invalidate(n)          [V] before and after a change of @n's data or chain
 *   fat_ra_keep(n)                last reference: true if readahead frees @n later
 *   fat_ra_drain(v)               umount, thread: waits until no window of @v is in flight
 *   fat_ra_report(print, arg)     the `blkstat` line
 */
void fat_ra_read_done(struct fat_node *n, uint64_t off, uint64_t end, uint32_t cidx, uint32_t clus);
int64_t fat_ra_take(struct fat_node *n, uint64_t pos, uint64_t end, struct async_buf *buf,
		    uint64_t boff, struct async_op *op, uint32_t *cidx, uint32_t *clus);
void fat_ra_end_pos(void *win, uint32_t cidx, uint32_t clus);
void fat_ra_unjoin(struct async_op *op);
void fat_ra_invalidate(struct fat_node *n);
bool fat_ra_keep(struct fat_node *n);
void fat_ra_drain(struct fat_vol *v);

#endif
