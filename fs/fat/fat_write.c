/*
 * fat_write.c - the write half of FAT: the volume lock, cluster allocation
 * with every FAT copy kept in step, FSInfo and the dirty flag, file writes
 * (in a worker thread: they allocate) and truncate (contract: fs/fat.h,
 * locking in fat_int.h). Names and directory slots are in fat_name.c, the
 * namespace calls (create, mkdir, unlink, rmdir, rename) in fat_ns.c.
 *
 * Every change goes through the sector cache. A data write ends with the
 * device's dirty sectors written back, so the read frame's DMA straight from
 * the disk never sees stale data; directory and FAT changes of the other
 * calls stay dirty until sync, umount or poweroff (fat_flush).
 * Failure: a write or truncate that runs out of clusters frees what it took
 * and fails with -ENOSPC, so the FAT stays consistent; a device error is
 * returned as it is (-EIO) and the cache keeps the sector dirty.
 * Timestamps: new entries get the wall clock (fat_stamp_now, UTC) as their
 * creation, access and write times; a change of size or chain sets the
 * write time and the access date.
 */
#include <fs/bcache.h>
#include <kernel/console.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

/* ---- The volume lock ---- */

void fat_lock(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&v->guard);

	while (v->locked)
		waitq_wait_locked(&v->lock_wq, &v->guard, &f, WAITQ_FOREVER);
	v->locked = true;
	spin_unlock_irqrestore(&v->guard, f);
}

void fat_unlock(struct fat_vol *v)
{
	unsigned long f;

	fat_reap(v);
	f = spin_lock_irqsave(&v->guard);

	v->locked = false;
	spin_unlock_irqrestore(&v->guard, f);
	waitq_wake_one(&v->lock_wq);
}

/* ---- Unlinked files: their chains go after their last reference ---- */

void fat_reap(struct fat_vol *v)
{
	struct fat_node *n;

	while ((n = fat_dead_pop(v))) {
		if (fat_chain_free(v, n->first))
			klog(LOG_WARN, "vfat: %s: an unlinked file's clusters could not be freed\n",
			     v->dev->name); /* lost clusters: fsck frees them */
		if (!fat_ra_keep(n))
			fat_node_free(n);
	}
}

static int64_t reap_work(void *arg)
{
	struct fat_vol *v = arg;

	fat_lock(v);
	fat_unlock(v); /* which reaps */
	return 0;
}

static int64_t reap_start(struct async_op *op, void *state)
{
	return async_work(op, reap_work, *(struct fat_vol **)state);
}

static const struct async_layer fat_reap_layer = {
    .name = "fatreap",
    .state_size = sizeof(struct fat_vol *),
    .start = reap_start,
};

static void reap_done(struct async_op *op, int64_t res, void *arg)
{
	struct fat_vol *v = arg;

	(void)op, (void)res;
	__atomic_sub_fetch(&v->reapers, 1, __ATOMIC_RELEASE);
}

void fat_reap_soon(struct fat_vol *v)
{
	struct async_op *op = async_op_alloc(async_kernel_heap());
	struct fat_vol **s = op ? async_push(op, &fat_reap_layer) : NULL;

	if (!s) { /* no op: the next holder of the volume lock reaps (fat_unlock) */
		if (op)
			async_op_discard(op);
		return;
	}
	*s = v;
	__atomic_add_fetch(&v->reapers, 1, __ATOMIC_ACQ_REL);
	if (async_op_submit_fn(op, reap_done, v)) /* freed the op: fat_unlock reaps */
		__atomic_sub_fetch(&v->reapers, 1, __ATOMIC_RELEASE);
}

void fat_reap_wait(struct fat_vol *v)
{
	while (__atomic_load_n(&v->reapers, __ATOMIC_ACQUIRE))
		thread_sleep_ns(1000000);
}

/* ---- The FAT ---- */

/* [V] Writes byte @b at byte @off of every FAT copy. */
static int fat_put_byte(struct fat_vol *v, uint64_t off, uint8_t b)
{
	for (unsigned i = 0; i < v->nfats; i++) {
		uint64_t at = (uint64_t)(v->fat_start + i * v->fat_sectors) * BLK_SECTOR + off;
		int err = bcache_write(v->dev, at / BLK_SECTOR, at % BLK_SECTOR, &b, 1);

		if (err)
			return err;
	}
	return 0;
}

int fat_set(struct fat_vol *v, uint32_t c, uint32_t value)
{
	uint64_t off = v->bits == 12 ? c + c / 2 : (uint64_t)c * (v->bits / 8);
	uint8_t b[4];
	int err = 0;

	if (!fat_cluster_ok(v, c))
		return -EIO;
	if (v->bits == 12) { /* two nibble-shared bytes, maybe in two sectors */
		for (unsigned i = 0; i < 2; i++)
			err = err ? err
				  : bcache_read(v->dev, v->fat_start + (off + i) / BLK_SECTOR,
						(off + i) % BLK_SECTOR, b + i, 1);
		if (err)
			return err;
		if (c & 1) {
			b[0] = (uint8_t)((b[0] & 0x0f) | (value & 0xf) << 4);
			b[1] = (uint8_t)(value >> 4);
		} else {
			b[0] = (uint8_t)value;
			b[1] = (uint8_t)((b[1] & 0xf0) | ((value >> 8) & 0xf));
		}
		return fat_put_byte(v, off, b[0]) ?: fat_put_byte(v, off + 1, b[1]);
	}
	if (v->bits == 32) { /* the top 4 bits are reserved: keep them */
		err = bcache_read(v->dev, v->fat_start + off / BLK_SECTOR, off % BLK_SECTOR, b, 4);
		if (err)
			return err;
		value = (value & 0x0fffffff) | (fat_le32(b) & 0xf0000000);
	}
	for (unsigned i = 0; i < v->bits / 8 && !err; i++)
		err = fat_put_byte(v, off + i, (uint8_t)(value >> (8 * i)));
	return err;
}

static uint32_t fat_eoc(const struct fat_vol *v)
{
	return v->bits == 12 ? 0xfff : v->bits == 16 ? 0xffff : 0x0fffffff;
}

/* [V] A free cluster, now marked end-of-chain and zeroed: 0, -ENOSPC, -EIO. */
int fat_cluster_alloc(struct fat_vol *v, uint32_t *out)
{
	uint32_t c = v->next_free, next;
	int err;

	for (uint32_t i = 0; i < v->clusters; i++, c++) {
		if (!fat_cluster_ok(v, c))
			c = 2;
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (next)
			continue;
		err = fat_set(v, c, fat_eoc(v));
		for (unsigned s = 0; s < v->spc && !err; s++)
			err = bcache_zero(v->dev, fat_cluster_lba(v, c) + s);
		if (err)
			return err;
		v->next_free = c + 1;
		if (v->free_count != FAT_FREE_UNKNOWN && v->free_count)
			v->free_count--;
		*out = c;
		return 0;
	}
	return -ENOSPC;
}

/* [V] Frees the chain from @c (bounded: a loop cannot hold it). */
int fat_chain_free(struct fat_vol *v, uint32_t c)
{
	uint32_t next;
	int err;

	for (uint32_t n = 0; fat_cluster_ok(v, c) && n <= v->clusters; n++) {
		err = fat_next_sync(v, c, &next);
		if (!err)
			err = fat_set(v, c, 0);
		if (err)
			return err;
		if (v->free_count != FAT_FREE_UNKNOWN)
			v->free_count++;
		c = next;
	}
	return 0;
}

/* [V] The @k-th cluster (0-based) of the chain from @first in *out. */
static int chain_nth(struct fat_vol *v, uint32_t first, uint64_t k, uint32_t *out)
{
	uint32_t c = first, next;
	int err;

	if (k > v->clusters || !fat_cluster_ok(v, c))
		return -EIO;
	for (uint64_t i = 0; i < k; i++, c = next) {
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (!fat_cluster_ok(v, next))
			return -EIO;
	}
	*out = c;
	return 0;
}

/* [V] Remembers that cluster @idx of @n's chain is @clus (@clus 0: forget). */
static void wpos_set(struct fat_node *n, uint64_t idx, uint32_t clus)
{
	n->wpos_idx = (uint32_t)idx;
	n->wpos_clus = clus;
}

/* [V] Is @n's remembered chain position usable for a walk to cluster index @k? */
static bool wpos_before(const struct fat_node *n, uint64_t k)
{
	return n->wpos_clus && n->wpos_idx <= k && fat_cluster_ok(n->vol, n->wpos_clus);
}

/*
 * [V] The @k-th cluster of @n's chain, walking from the remembered position
 * when it is not past @k: sequential writes and appends then cost O(1) FAT
 * entries per cluster instead of a walk of the whole chain per write.
 */
static int node_nth(struct fat_node *n, uint64_t k, uint32_t *out)
{
	bool near = wpos_before(n, k);
	int err =
	    chain_nth(n->vol, near ? n->wpos_clus : n->first, near ? k - n->wpos_idx : k, out);

	if (!err)
		wpos_set(n, k, *out);
	return err;
}

/* ---- Boot sector, FSInfo, flush ---- */

static int set_dirty_flag(struct fat_vol *v, bool dirty)
{
	uint8_t b;
	int err = bcache_read(v->dev, 0, v->dirty_off, &b, 1);

	if (err)
		return err;
	b = dirty ? b | 1 : b & ~1;
	return bcache_write(v->dev, 0, v->dirty_off, &b, 1);
}

void fat_mount_rw(struct fat_vol *v, const uint8_t *boot)
{
	uint8_t fsi[BLK_SECTOR];

	v->nfats = boot[16];
	/* The flag byte follows the extended BPB, which comes after FATSz32 when FATSz16 is 0
	 * (the FAT32 layout, which a FAT12/16 volume may use too): never inside FATSz32. */
	v->dirty_off = fat_le16(boot + 22) ? 37 : 65;
	v->next_free = 2;
	v->free_count = FAT_FREE_UNKNOWN;
	v->fsinfo = v->bits == 32 ? fat_le16(boot + 48) : 0;
	if (v->fsinfo && v->fsinfo < v->fat_start &&
	    !bcache_read(v->dev, v->fsinfo, 0, fsi, sizeof(fsi)) && fat_le32(fsi) == 0x41615252 &&
	    fat_le32(fsi + 484) == 0x61417272) {
		if (fat_le32(fsi + 488) <= v->clusters)
			v->free_count = fat_le32(fsi + 488);
		if (fat_cluster_ok(v, fat_le32(fsi + 492)))
			v->next_free = fat_le32(fsi + 492);
	} else {
		v->fsinfo = 0;
	}
	if (v->rw && !set_dirty_flag(v, true))
		bcache_sync(v->dev);
}

int fat_flush(struct fat_vol *v, bool clean)
{
	uint8_t b[8];
	int err = 0;

	if (!v->rw)
		return 0;
	fat_reap(v);
	if (v->fsinfo) {
		for (unsigned i = 0; i < 4; i++) {
			b[i] = (uint8_t)(v->free_count >> (8 * i));
			b[4 + i] = (uint8_t)(v->next_free >> (8 * i));
		}
		err = bcache_write(v->dev, v->fsinfo, 488, b, sizeof(b));
	}
	if (!err)
		err = bcache_sync(v->dev);
	if (!err && clean)
		err = set_dirty_flag(v, false) ?: bcache_sync(v->dev);
	return err;
}

/* ---- Directory entries of nodes ---- */

/* [V] Writes @n's first cluster, size and time into its short entry. */
static int entry_update(struct fat_node *n)
{
	struct fat_vol *v = n->vol;
	uint64_t lba = n->where / 16;
	unsigned off = (unsigned)(n->where % 16) * FAT_DIRENT;
	uint8_t e[FAT_DIRENT];
	uint16_t date, time;
	int err;

	if (!n->where)
		return 0; /* the root has no entry */
	fat_stamp_now(&date, &time);
	err = bcache_read(v->dev, lba, off, e, sizeof(e));
	if (err)
		return err;
	e[20] = (uint8_t)(n->first >> 16), e[21] = (uint8_t)(n->first >> 24);
	e[26] = (uint8_t)n->first, e[27] = (uint8_t)(n->first >> 8);
	for (unsigned i = 0; i < 4; i++)
		e[28 + i] = (uint8_t)(n->size >> (8 * i));
	e[22] = (uint8_t)time, e[23] = (uint8_t)(time >> 8);		     /* written */
	e[18] = e[24] = (uint8_t)date, e[19] = e[25] = (uint8_t)(date >> 8); /* accessed, written */
	n->mtime_ns = fat_time_ns(date, time);
	return bcache_write(v->dev, lba, off, e, sizeof(e));
}

/* [V] Cuts @n's chain after cluster @last, the (@want - 1)-th (@last 0: frees it all). */
static int chain_cut(struct fat_node *n, uint64_t want, uint32_t last, uint32_t c)
{
	struct fat_vol *v = n->vol;
	int err;

	wpos_set(n, 0, 0);
	err = (last ? fat_set(v, last, fat_eoc(v)) : 0) ?: fat_chain_free(v, c);
	if (!err && !last)
		n->first = 0;
	if (!err && last)
		wpos_set(n, want - 1, last);
	return err;
}

/*
 * [V] Makes @n's chain exactly @want clusters long (allocating or freeing).
 * The walk starts from the remembered position when it lies before @want, so
 * an append walks only the clusters it adds, and leaves that position alone
 * (growing keeps it valid): the write that follows starts from it, not from
 * the first cluster. Without one it remembers the chain's last cluster.
 */
static int chain_resize(struct fat_node *n, uint64_t want)
{
	struct fat_vol *v = n->vol;
	bool near = want && wpos_before(n, want - 1);
	uint64_t have = near ? n->wpos_idx : 0, added;
	uint32_t last = 0, next, c = near ? n->wpos_clus : n->first;
	int err = 0;

	for (; fat_cluster_ok(v, c) && have <= v->clusters; have++) {
		if (have == want) /* cut here: the previous cluster ends the chain */
			return chain_cut(n, want, last, c);
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		last = c;
		c = fat_is_eoc(v, next) ? 0 : next;
	}
	for (added = 0; have + added < want && !err; added++) {
		err = fat_cluster_alloc(v, &c);
		if (!err)
			err = last ? fat_set(v, last, c) : (n->first = c, 0);
		if (!err)
			last = c;
	}
	if (!near && last) /* else the position it started from still holds: the write's */
		wpos_set(n, have + added - 1, last);
	return err;
}

/* [V] Zeroes bytes [from, to) of @n's file (inside its chain). */
static int zero_range(struct fat_node *n, uint64_t from, uint64_t to)
{
	struct fat_vol *v = n->vol;
	uint64_t cs = (uint64_t)v->spc * BLK_SECTOR;
	static const uint8_t zeros[BLK_SECTOR];
	uint32_t c;
	int err;

	while (from < to) {
		uint64_t in = from % BLK_SECTOR,
			 len = BLK_SECTOR - in < to - from ? BLK_SECTOR - in : to - from;

		err = node_nth(n, from / cs, &c);
		if (!err)
			err = bcache_write(v->dev, fat_cluster_lba(v, c) + (from % cs) / BLK_SECTOR,
					   (unsigned)in, zeros, len);
		if (err)
			return err;
		from += len;
	}
	return 0;
}

/* [V] Sets @n's size, growing (zeros) or shrinking its chain. */
static int resize(struct fat_node *n, uint64_t size)
{
	uint64_t cs = (uint64_t)n->vol->spc * BLK_SECTOR, old = n->size, old_first = n->first;
	int err;

	if (size > 0xffffffffu)
		return -EFBIG;
	if (size < old)
		fat_hint_set(n, 0, 0); /* the chain is about to lose clusters the hint may hold */
	err = chain_resize(n, (size + cs - 1) / cs);
	if (err == -ENOSPC) /* give back what was taken: the old length */
		chain_resize(n, (old + cs - 1) / cs);
	if (err)
		return err;
	if (size > old && old % cs && old_first)
		err = zero_range(n, old,
				 size < (old + cs - 1) / cs * cs ? size : (old + cs - 1) / cs * cs);
	if (err)
		return err;
	n->size = (uint32_t)size;
	return entry_update(n);
}

/* ---- File writes and truncate ---- */

/* [V] Copies the range of @io into @n's clusters through the cache. */
static int64_t write_data(struct fat_node *n, const struct vfs_io *io)
{
	struct fat_vol *v = n->vol;
	uint64_t cs = (uint64_t)v->spc * BLK_SECTOR, pos = io->off, end = io->off + io->len;
	uint64_t idx = pos / cs;
	uint32_t c, next;
	int err = node_nth(n, idx, &c);

	while (!err && pos < end) {
		uint64_t in = pos % BLK_SECTOR;
		uint64_t len = BLK_SECTOR - in < end - pos ? BLK_SECTOR - in : end - pos;

		err = bcache_write_buf(v->dev, fat_cluster_lba(v, c) + (pos % cs) / BLK_SECTOR,
				       (unsigned)in, io->buf, io->boff + (pos - io->off), len);
		pos += len;
		if (!err && pos < end && pos % cs == 0) {
			err = fat_next_sync(v, c, &next);
			if (!err && !fat_cluster_ok(v, next))
				err = -EIO;
			c = next;
			idx++;
		}
	}
	if (!err)
		wpos_set(n, idx, c); /* the next write usually starts here */
	return err ? err : (int64_t)io->len;
}

/* The write step of the "fat" frame, in a worker thread (@arg: its struct vfs_io). */
int64_t fat_write_work(void *arg)
{
	const struct vfs_io *io = arg;
	struct fat_node *n = container_of(io->vn, struct fat_node, vn);
	struct fat_vol *v = n->vol;
	int64_t r = 0;

	if (!v->rw)
		return -EROFS;
	if (io->off + io->len > 0xffffffffu)
		return -EFBIG;
	fat_lock(v);
	fat_ra_invalidate(n); /* readahead windows of the old data go, none starts meanwhile */
	r = fat_writable(v);
	if (!r && io->off + io->len > n->size)
		r = resize(n, io->off + io->len);
	if (!r)
		r = write_data(n, io);
	if (r >= 0) {
		int err = entry_update(n);

		if (!err)
			err = bcache_sync(v->dev); /* the read frame reads data from the disk */
		if (err)
			r = err;
	}
	fat_ra_invalidate(n);
	fat_unlock(v);
	return r;
}

int fat_truncate(struct vnode *vn, uint64_t size)
{
	struct fat_node *n = container_of(vn, struct fat_node, vn);
	int err;

	if (!n->vol->rw)
		return -EROFS;
	fat_lock(n->vol);
	fat_ra_invalidate(n);
	err = fat_writable(n->vol) ?: resize(n, size);
	fat_ra_invalidate(n);
	fat_unlock(n->vol);
	return err;
}
