/*
 * drivers/block.h - the block layer: one interface for every block device
 * (ATA disks, partitions, later md, loop and the floppy).
 *
 * Interface:
 *   blk_register(dev)                 a device appears as /dev/NAME and in lsblk
 *   blk_push(op, dev, &rq)            from a layer step: pushes the request's frames on
 *                                     @op; the step then returns ASYNC_CALL. The result is
 *                                     bytes transferred (count * 512) or a negative errno.
 *   blk_find(name)                    a registered device, or NULL
 *   blk_rw_sync(dev, lba, n, mem, w)  a request from a thread, waiting for it (boot scans)
 *   blk_buf_copy(buf, boff, k, n, to) copies between a buffer range and kernel memory
 *   blk_report(print, arg, stats)     lsblk's lines, or the per-device counters
 *
 * A driver supplies an ops table whose @layer is a frame layer: its state begins
 * with struct blk_rq (filled by the block layer) and its start returns
 * ASYNC_PENDING, later async_op_complete(op, bytes or -errno) from any context,
 * or ASYNC_CALL after pushing the next device's request (partitions, md).
 *
 * Request flow, frames top first:  <driver> <- "blk" (queue, counters) <- caller.
 * The "blk" frame admits at most queue->depth requests to the driver; the
 * others wait as parked ops in the queue (no thread blocks, nothing allocates)
 * and are handed the slot of the request that finishes. Requests longer than
 * dev->max_sectors are split into a join of children, each with its own blk frame.
 * Byte-granular I/O (devfs files) lives in the "blkio" frame: partial sectors go
 * through a bounce sector taken from a static pool, read-modify-write for writes.
 * Partial-sector writes are serialized per disk (blk_dev.rmw, an async mutex
 * held only while one sector is read, patched and written back); whole-sector
 * writes and all reads do not take it.
 *
 * Do not: submit a request whose buffer range is shorter than count * 512
 * (-EINVAL), or register a device twice.
 *
 * Lock legend: [I] immutable after blk_register, [Q] under the queue's lock,
 * [a] atomic counters.
 */
#ifndef DRIVERS_BLOCK_H
#define DRIVERS_BLOCK_H

#include <async/async.h>
#include <fs/vfs.h>
#include <kernel/spinlock.h>
#include <stdint.h>
#include <stdbool.h>

#define BLK_SECTOR	   512 /* bytes per sector, every device */
#define BLK_DEVS_MAX	   64  /* registered: 4 disks, 32 partitions, fd0, 4 md, 8 loop */
#define BLK_NAME_MAX	   8   /* "hda12" fits */
#define BLK_BOUNCE_MAX	   32  /* bounce sectors for partial-sector I/O, all devices */
#define BLK_SPLIT_CHILDREN 8   /* children of one split join (<= ASYNC_JOIN_MAX) */

struct blk_dev;
struct blk_frame;

/* One request as the driver sees it. [I] once pushed. */
struct blk_rq {
	struct blk_dev *dev;
	uint64_t lba;	       /* first sector, in the device's numbering */
	uint32_t count;	       /* sectors, 1..dev->max_sectors */
	bool write;	       /* the device reads the memory (a write to disk) */
	struct async_buf *buf; /* borrowed by the caller for the op's life */
	uint64_t boff;	       /* where in @buf the first byte goes */
};

struct blk_ops {
	const struct async_layer *layer; /* state begins with struct blk_rq */
	/* Optional: ioctl on /dev/NAME (md, loop), in the caller's thread. */
	long (*ioctl)(struct blk_dev *d, unsigned long req, uint64_t arg);
};

/*
 * A device queue: several devices may share one (the two drives of an ATA
 * channel). depth 0: no limit (virtual devices that only translate).
 */
struct blk_queue {
	struct spinlock lock;
	unsigned depth;		 /* [I] requests admitted to the driver at once */
	unsigned active;	 /* [Q] admitted now */
	unsigned waiting;	 /* [Q] parked in the queue */
	struct blk_frame *head;	 /* [Q] first parked request */
	struct blk_frame *tail;	 /* [Q] */
	unsigned long max_waits; /* [Q] high-water of @waiting */
};

struct blk_stats {
	unsigned long reads, writes;		   /* [a] requests that reached the device */
	unsigned long read_sectors, write_sectors; /* [a] */
	unsigned long errors;			   /* [a] requests that failed */
	unsigned long queued;			   /* [a] requests that had to wait in the queue */
};

struct blk_dev {
	char name[BLK_NAME_MAX];   /* [I] */
	const char *type;	   /* [I] lsblk TYPE: "disk", "part", ... */
	unsigned major, minor;	   /* [I] lsblk MAJ:MIN */
	uint64_t sectors;	   /* [I] size */
	uint32_t max_sectors;	   /* [I] longest request the driver takes */
	bool readonly;		   /* [I] */
	bool removable;		   /* [I] lsblk RM: removable media (the floppy) */
	const struct blk_ops *ops; /* [I] */
	struct blk_queue *queue;   /* [I] */
	struct blk_dev *parent;	   /* [I] partitions: the disk; lsblk nests under it */
	void *priv;		   /* [I] the driver's */
	struct vnode vn;	   /* [I] /dev/NAME */
	struct blk_stats st;	   /* [a] */
	/*
	 * Held by a byte-granular write (blkio.c) from reading a partial sector
	 * until its patched copy is written back, so two read-modify-writes of
	 * one sector cannot overwrite each other's bytes. Only a device without
	 * a parent is used: a partition's writes take its disk's.
	 */
	struct async_mutex rmw; /* initialised by blk_register */
};

void blk_queue_init(struct blk_queue *q, unsigned depth);
/* 0, -ENOSPC (table full), -EEXIST (name taken). */
int blk_register(struct blk_dev *d);
struct blk_dev *blk_find(const char *name);
/* Calls @fn for each registered device, in registration order. */
void blk_foreach(void (*fn)(struct blk_dev *d, void *arg), void *arg);
/*
 * Pushes the frames of @rq on @op (a split join when it is longer than the
 * device takes). Returns 0, or a negative errno with nothing pushed:
 * -EINVAL past the end of the device or a buffer too short, -EROFS, or the
 * push error.
 */
int blk_push(struct async_op *op, const struct blk_rq *rq);

/*
 * Reads or writes @count sectors at @lba of @d to/from kernel memory @mem
 * through the normal request path, and sleeps until done (boot-time scans,
 * thread context only). Bytes moved or a negative errno.
 */
int64_t blk_rw_sync(struct blk_dev *d, uint64_t lba, uint32_t count, void *mem, bool write);

/* The physical ranges of a buffer for DMA: async_port_buf_phys() (async/port.h). */
/* Copies @n bytes between @buf at @boff and kernel memory @k (to_buf: k -> buf). */
void blk_buf_copy(struct async_buf *buf, uint64_t boff, void *k, size_t n, bool to_buf);

/* Text reports for SYS_kinfo. @print formats one line at a time. */
void blk_report_lsblk(void (*print)(void *arg, const char *fmt, ...), void *arg);
void blk_report_stats(void (*print)(void *arg, const char *fmt, ...), void *arg);

/* The devfs file layer of every block device (blkio.c): byte-granular I/O. */
extern const struct async_layer blk_io_layer;

/* Partition tables (drivers/block/part.c): registers hdaN for each entry found. */
int blk_scan_partitions(struct blk_dev *disk);

#endif
