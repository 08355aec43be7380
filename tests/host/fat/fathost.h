/*
 * fathost.h - the FAT filesystem (fs/fat, fs/bcache) on the host, over an
 * in-memory block device: test scaffolding for tests/host/unit/fat_host.c
 * and the libFuzzer target tests/host/fuzz/fat_image.c.
 *
 *   memblk_init(&m, name, sectors)    a zeroed device of @sectors, registered for blk_find
 *   memblk_destroy(&m)                unregisters and frees it
 *   fathost_init()                    fat_init(): registers "vfat"
 *   fathost_mount(&m, rdonly, &mnt)   the "vfat" mount of /dev/NAME: 0 or its -errno
 *   fathost_umount(mnt)               umount; -EBUSY (and nothing done) while a vnode is held
 *   fathost_read(vn, off, dst, len)   one read op through the file's "fat" frame
 *   fathost_write(vn, off, src, len)  the write step of the frame (fat_write_work), in this thread
 *   fathost_leaks(&m, clean_ok)       NULL, or what is left over after umount: a pool
 *                                     object, an op, a cached or busy sector of @m (a
 *                                     clean one is fine with @clean_ok: a refused mount
 *                                     leaves the boot sector it read, mount forgets it)
 *
 * The device: every request is checked as the block layer checks it (past
 * the end: -EINVAL; a buffer too short: -EINVAL; read-only: -EROFS) and
 * completes at once; a request touching sector @fail_lba fails with -EIO.
 * With @hold set, a read request instead waits (its frame pending, up to
 * MEMBLK_HELD of them) until memblk_release() completes the oldest one:
 * tests of what overlaps while a device read is in flight.
 * Single-threaded use: one mount at a time per device.
 */
#ifndef TESTS_HOST_FAT_FATHOST_H
#define TESTS_HOST_FAT_FATHOST_H

#include <drivers/block.h>
#include <fs/vfs.h>
#include <stdbool.h>
#include <stdint.h>

#define MEMBLK_HELD 8 /* read requests a held device keeps pending */

struct memblk_held {
	struct async_op *op; /* the pending request's op */
	uint32_t token;	     /* its pending period */
	struct blk_rq rq;    /* the request */
};

struct memblk {
	struct blk_dev dev;
	unsigned char *mem;	     /* dev.sectors * BLK_SECTOR bytes */
	uint64_t fail_lba;	     /* requests touching it fail with -EIO; UINT64_MAX: none */
	unsigned long reads, writes; /* requests that reached the memory */
	unsigned long failed;	     /* requests failed because of @fail_lba */
	bool hold;		     /* reads wait for memblk_release() */
	unsigned nheld;		     /* pending reads in @held, oldest first */
	struct memblk_held held[MEMBLK_HELD];
};

int memblk_init(struct memblk *m, const char *name, uint64_t sectors);
void memblk_destroy(struct memblk *m);
/* Completes the oldest held read (copies, then completes its op): 0, or -ENOENT if none. */
int memblk_release(struct memblk *m);

void fathost_init(void);
void fathost_set_clock(int64_t realtime_ns);
const struct vfs_fstype *fathost_fstype(const char *name);
int fathost_mount(struct memblk *m, bool rdonly, struct vfs_mount **out);
int fathost_umount(struct vfs_mount *mnt);
int64_t fathost_read(struct vnode *vn, uint64_t off, void *dst, uint64_t len);
int64_t fathost_write(struct vnode *vn, uint64_t off, const void *src, uint64_t len);
const char *fathost_leaks(const struct memblk *m, bool clean_ok);

#endif
