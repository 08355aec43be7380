/*
 * ata_int.h - private to drivers/ata/: the channel and drive structures
 * shared by the probe (ata.c) and the command path (ata_io.c).
 *
 * Lock legend: [I] immutable after ata_init, [L] under the channel's lock,
 * [irq] touched by the interrupt handler under the lock.
 */
#ifndef ATA_INT_H
#define ATA_INT_H

#include <async/async.h>
#include <drivers/block.h>
#include <kernel/spinlock.h>

/* Task-file registers, offsets from the channel's command block. */
#define ATA_DATA    0
#define ATA_ERROR   1
#define ATA_COUNT   2
#define ATA_LBA0    3
#define ATA_LBA1    4
#define ATA_LBA2    5
#define ATA_DRIVE   6
#define ATA_STATUS  7 /* read */
#define ATA_COMMAND 7 /* write */

#define ATA_SR_ERR  0x01
#define ATA_SR_DRQ  0x08
#define ATA_SR_DF   0x20
#define ATA_SR_DRDY 0x40
#define ATA_SR_BSY  0x80

#define ATA_CTL_NIEN 0x02
#define ATA_CTL_SRST 0x04
#define ATA_CTL_HOB  0x80

/* Bus-master registers, offsets from the channel's bus-master block. */
#define BM_COMMAND   0
#define BM_STATUS    2
#define BM_PRDT	     4
#define BM_CMD_START 0x01
#define BM_CMD_READ  0x08 /* the controller writes memory (a disk read) */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERR    0x02
#define BM_ST_IRQ    0x04

#define ATA_PRD_MAX	256		 /* PRD entries per command (table 2 KiB) */
#define ATA_MAX_SECTORS 256		 /* sectors per command */
#define ATA_TIMEOUT_NS	(10000000000ULL) /* a command not done by then resets the channel */
#define ATA_POLL_LIMIT	1000000		 /* status polls before a probe step gives up */

struct ata_prd {
	uint32_t addr;
	uint16_t len;	/* 0 means 64 KiB */
	uint16_t flags; /* 0x8000: last entry */
};

enum ata_mode { ATA_MODE_DMA, ATA_MODE_PIO };

/* Per-request driver state: the head is the block layer's request. */
struct ata_frame {
	struct blk_rq rq; /* [I] */
	uint8_t mode;	  /* [L] enum ata_mode */
	bool lba48;	  /* [L] */
	uint32_t done;	  /* [L] PIO: sectors moved so far */
};
ASYNC_FRAME_STATE_CHECK(struct ata_frame);

struct ata_chan {
	struct spinlock lock;
	unsigned index;		 /* [I] 0 primary, 1 secondary */
	uint16_t base, ctrl, bm; /* [I] port blocks; bm 0: no bus master (PIO only) */
	unsigned irq;		 /* [I] */
	struct blk_queue queue;	 /* one command per channel: depth 1 */
	struct async_op *op;	 /* [L] op of the command in flight, NULL when idle */
	uint32_t token;		 /* [L] its pending period, valid iff op */
	struct ata_frame *cur;	 /* [L] its frame, valid iff op */
	uint64_t deadline_ns;	 /* [L] when the command in flight times out */
	struct async_port_timer watchdog;
	struct ata_prd *prd;				/* [I] this channel's PRD table */
	uint16_t pio[256];				/* [L] one sector moved by PIO */
	unsigned long irqs, spurious, timeouts, resets; /* [L] */
};

struct ata_drive {
	struct blk_dev dev;  /* [I] registered as hda... */
	struct ata_chan *ch; /* [I] */
	bool slave;	     /* [I] */
	bool lba48;	     /* [I] the drive has the 48-bit feature set */
	char model[41];	     /* [I] from IDENTIFY */
};

extern const struct blk_ops ata_blk_ops;
extern bool ata_force_pio, ata_force_lba48; /* [I] from the command line */
/* Fault injection (ata=lose=N): the completion interrupt of the first command
 * covering sector N is ignored once, as if the device never answered. */
extern uint64_t ata_lose_lba; /* [I] UINT64_MAX: off */
extern bool ata_lost;	      /* [a] it happened */

void ata_chan_init_io(struct ata_chan *ch);
void ata_irq(void *arg);
void ata_chan_reset(struct ata_chan *ch);
/* Polls the alternate status until BSY clears: the status, or -1 after ATA_POLL_LIMIT reads. */
int ata_wait_not_busy(struct ata_chan *ch);

#endif
