/*
 * ramdisk.h - the example port's device and the layer above it: a fake disk
 * in memory whose requests complete from the interrupt a few ticks later, and
 * a partition layer over it. Together they make the two-layer stack
 *
 *   part frame      bounds check, adds the partition's first sector
 *     ramdisk frame queued until its tick; the interrupt copies and completes
 *
 * A test fixture for the example port, not a driver.
 */
#ifndef EVLOOP_RAMDISK_H
#define EVLOOP_RAMDISK_H

#include <async/async.h>

#define RAMDISK_SECTOR	512
#define RAMDISK_SECTORS 256

struct part {
	uint64_t first; /* first sector on the disk */
	uint64_t count; /* sectors */
};

/* Sector @s starts with the text "sector <s>" (decimal), then zeroes. */
void ramdisk_init(void);
/*
 * Requests complete @ticks interrupts after they were queued, plus 0..2 ticks
 * of jitter; with 0 they complete synchronously, inside the device's start.
 */
void ramdisk_set_latency(unsigned ticks);
/* The device's interrupt handler (evloop_set_device): completes due requests. */
unsigned ramdisk_irq(void);
/* Requests queued now. */
unsigned ramdisk_queued(void);

/*
 * Pushes a read of @n sectors at partition sector @lba into @buf (borrowed
 * kernel memory, at least n * RAMDISK_SECTOR bytes) onto @op. 0 or -errno.
 */
int part_push_read(struct async_op *op, const struct part *p, uint64_t lba, unsigned n,
		   struct async_buf *buf);

#endif
