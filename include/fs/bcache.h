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
 *   bcache_forget(dev)                      drops every sector of @dev (unmount)
 *   bcache_report(print, arg)               the `stats` line: hits, misses, dirty
 *
 * The cache holds PARAM_BCACHE_BLOCKS sectors in a static array (no dynamic
 * allocation); the least recently used idle sector is replaced. It is a read
 * cache: nothing in this kernel writes through it yet, so no sector is ever
 * dirty and sync has nothing to write back (the "dirty" counter says so).
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
int64_t bcache_push_fill(struct async_op *op, struct blk_dev *dev, uint64_t lba);
void bcache_forget(struct blk_dev *dev);
void bcache_report(void (*print)(void *arg, const char *fmt, ...), void *arg);

#endif
