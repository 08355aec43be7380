/*
 * fs/bcache.h - a fixed-size cache of device sectors for filesystem metadata
 * (FAT sectors, directory entries, partial data sectors).
 *
 * Interface:
 *   bcache_read(dev, lba, off, dst, n)      thread context: copies bytes of sector @lba,
 *                                           reading it on a miss (sleeps); 0 or -errno
 *   bcache_try_read(dev, lba, off, dst, n)  any context: 0 on a hit, -EAGAIN on a miss
 *   bcache_try_copy_out(dev, lba, off, buf, boff, n)  the same into an I/O buffer
 *   bcache_push_fill(op, dev, lba)          from a layer step: pushes a "bcache" frame
 *                                           that reads @lba into the cache without a
 *                                           thread; return ASYNC_CALL, the resume gets 0
 *                                           or -errno, then try again
 *   bcache_write(dev, lba, off, src, n)     thread context: changes bytes of a sector
 *                                           (read first unless the whole sector changes)
 *   bcache_write_buf(dev, lba, off, buf, boff, n)  the same from an I/O buffer
 *   bcache_zero(dev, lba)                   a sector of zeros, without reading it
 *   bcache_sync(dev)                        writes every dirty sector of @dev (NULL: all)
 *   bcache_forget(dev)                      drops every clean sector of @dev (unmount)
 *   bcache_report(print, arg)               the `stats` line: hits, misses, dirty
 *   bcache_usage(dev, &u)                   sectors of @dev held: cached, dirty, busy
 *                                           (the host harness: none after umount)
 *
 * The cache holds PARAM_BCACHE_BLOCKS sectors in a static array (no dynamic
 * allocation), found through a static hash index on (device, sector); the
 * least recently used clean idle sector is replaced. A write-back sends the
 * dirty sectors that follow each other on the device in one request. Changes
 * stay in the cache (dirty) until bcache_sync, which runs at sync, umount,
 * poweroff, and whenever half the cache is dirty; a failed write back keeps
 * the sector dirty and returns the error.
 *
 * Do not: hold the bytes across a sleep expecting them to stay cached (copy
 * them out), or use it for a device whose contents change under it without
 * bcache_forget (the raw /dev file bypasses the cache).
 */
#ifndef FS_BCACHE_H
#define FS_BCACHE_H

#include <async/async.h>
#include <stddef.h>
#include <stdint.h>

struct blk_dev;

int bcache_read(struct blk_dev *dev, uint64_t lba, unsigned off, void *dst, size_t n);
int bcache_try_read(struct blk_dev *dev, uint64_t lba, unsigned off, void *dst, size_t n);
int bcache_try_copy_out(struct blk_dev *dev, uint64_t lba, unsigned off, struct async_buf *buf,
			uint64_t boff, size_t n);
int bcache_write(struct blk_dev *dev, uint64_t lba, unsigned off, const void *src, size_t n);
int bcache_write_buf(struct blk_dev *dev, uint64_t lba, unsigned off, struct async_buf *buf,
		     uint64_t boff, size_t n);
int bcache_zero(struct blk_dev *dev, uint64_t lba);
int bcache_sync(struct blk_dev *dev);
int64_t bcache_push_fill(struct async_op *op, struct blk_dev *dev, uint64_t lba);
void bcache_forget(struct blk_dev *dev);
void bcache_report(void (*print)(void *arg, const char *fmt, ...), void *arg);

struct bcache_usage {
	unsigned cached; /* slots holding a sector of the device (loading or valid) */
	unsigned dirty;	 /* of those, changed and not written back */
	unsigned busy;	 /* of those, being read or written back now */
};
void bcache_usage(struct blk_dev *dev, struct bcache_usage *u);

#endif
