/*
 * fdc.c - the floppy controller and drive A (contract: drivers/fdc.h).
 *
 * One request at a time (the block queue has depth 1); a request is cut
 * into commands, each at most one cylinder (both heads, multi-track), so a
 * sequential read costs one command per 18 KiB. Data moves by ISA DMA
 * channel 2 through a bounce buffer in the kernel image: below 16 MiB and
 * aligned so it never crosses a 64 KiB boundary (the 8237's limits).
 *
 * Controller state machine (fdc.lock; every step is an IRQ 6 or a timer, no
 * thread waits and nothing busy-waits beyond a status poll per FIFO byte):
 *
 *   IDLE --fdc_start--> SPINUP (motor on, timer FDC_SPINUP_NS) or, motor
 *        already on, the next step at once
 *   SPINUP --timer--> RECAL (not calibrated) or SEEK
 *   RECAL --IRQ + SENSE INTERRUPT--> SEEK
 *   SEEK --IRQ + SENSE INTERRUPT--> XFER (DMA programmed, READ/WRITE DATA)
 *   XFER --IRQ, result ok--> next command: SEEK, or the request is done -> IDLE
 *   XFER --IRQ, error--> retry from RECAL (FDC_RETRIES times), then -EIO
 *        (-ENXIO when the drive says no disk is in it)
 *   any --watchdog FDC_TIMEOUT_NS--> controller reset, retry or -EIO
 *   IDLE --spin-down timer FDC_SPINDOWN_NS after the last request--> motor off
 *
 * The request's op is completed once, by whichever path takes fdc.op off
 * under the lock; cancelling an op stops the command by resetting the
 * controller.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <arch/x86_64/trap.h>
#include <drivers/block.h>
#include <drivers/fdc.h>
#include <kernel/console.h>
#include <kernel/list.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define FDC_DOR	 0x3f2
#define FDC_MSR	 0x3f4
#define FDC_FIFO 0x3f5
#define FDC_DIR	 0x3f7 /* read: bit 7 disk changed (no medium while it stays set) */
#define FDC_CCR	 0x3f7 /* write: data rate */
#define FDC_IRQ	 6

#define MSR_RQM 0x80
#define MSR_DIO 0x40 /* 1: the controller has a byte for us */

#define DMA_CHAN     2
#define DMA_MASK     0x0a
#define DMA_MODE     0x0b
#define DMA_FLIPFLOP 0x0c
#define DMA_ADDR2    0x04
#define DMA_COUNT2   0x05
#define DMA_PAGE2    0x81

#define FD_SECTORS   18
#define FD_HEADS     2
#define FD_CYLS	     80
#define FD_TOTAL     (FD_SECTORS * FD_HEADS * FD_CYLS)
#define FD_CYL_BYTES (FD_SECTORS * FD_HEADS * BLK_SECTOR)

#define FDC_SPINUP_NS	500000000ULL  /* motor on -> data */
#define FDC_SPINDOWN_NS 2000000000ULL /* idle -> motor off */
#define FDC_TIMEOUT_NS	3000000000ULL /* a step with no interrupt */
#define FDC_RETRIES	3
#define FDC_POLL_LIMIT	100000

enum fdc_state { FDC_IDLE, FDC_SPINUP, FDC_RECAL, FDC_SEEK, FDC_XFER };

struct fdc_frame {
	struct blk_rq rq; /* [I] */
};
ASYNC_FRAME_STATE_CHECK(struct fdc_frame);

static struct {
	struct spinlock lock;
	uint8_t state;			  /* [L] enum fdc_state */
	bool motor, calibrated;		  /* [L] */
	struct async_op *op;		  /* [L] the request in service, NULL when idle */
	uint32_t token;			  /* [L] its pending period, valid iff op */
	struct fdc_frame *cur;		  /* [L] its frame */
	uint32_t done;			  /* [L] sectors of it finished */
	uint32_t chunk;			  /* [L] sectors of the command in flight */
	unsigned tries;			  /* [L] failures of the current command */
	uint64_t step_deadline;		  /* [L] */
	struct async_port_timer timer;	  /* spin-up and the step watchdog */
	struct async_port_timer spindown; /* motor off when idle */
	struct blk_queue queue;
	struct blk_dev dev;
	unsigned long irqs, errors, resets; /* [L] */
} fdc;

/*
 * One cylinder, 32 KiB aligned, never across 64 KiB; below 16 MiB because the
 * linker script puts .bss.isadma at the head of .bss (checked at init).
 */
static uint8_t fdc_bounce[FD_CYL_BYTES] __attribute__((section(".bss.isadma"), aligned(32768)));

/* ---- Controller I/O (lock held) ---- */

static int fdc_put(uint8_t b)
{
	for (unsigned i = 0; i < FDC_POLL_LIMIT; i++)
		if ((inb(FDC_MSR) & (MSR_RQM | MSR_DIO)) == MSR_RQM) {
			outb(FDC_FIFO, b);
			return 0;
		}
	return -EIO;
}

static int fdc_get(void)
{
	for (unsigned i = 0; i < FDC_POLL_LIMIT; i++)
		if ((inb(FDC_MSR) & (MSR_RQM | MSR_DIO)) == (MSR_RQM | MSR_DIO))
			return inb(FDC_FIFO);
	return -EIO;
}

static int fdc_cmd(const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fdc_put(b[i]))
			return -EIO;
	return 0;
}

/* SENSE INTERRUPT after a seek or recalibrate: the cylinder, or -EIO. */
static int fdc_sense(void)
{
	int st0, cyl;

	if (fdc_put(0x08) || (st0 = fdc_get()) < 0 || (cyl = fdc_get()) < 0)
		return -EIO;
	return (st0 & 0xc0) ? -EIO : cyl;
}

static void fdc_dor(void)
{
	outb(FDC_DOR, fdc.motor ? 0x1c : 0x0c); /* drive 0, no reset, DMA + IRQ on */
}

static void fdc_reset(void)
{
	outb(FDC_DOR, 0x00);
	for (int i = 0; i < 8; i++)
		inb(FDC_MSR);
	fdc_dor();
	for (int i = 0; i < 4; i++) /* one SENSE INTERRUPT per drive after a reset */
		if (fdc_put(0x08) == 0) {
			fdc_get();
			fdc_get();
		}
	outb(FDC_CCR, 0x00);				 /* 500 kbit/s: 1.44 MB media */
	fdc_cmd((const uint8_t[]){0x03, 0xdf, 0x02}, 3); /* SPECIFY: step/head times, DMA */
	fdc.calibrated = false;
	fdc.resets++;
}

static void fdc_dma(bool write, uint32_t bytes)
{
	uint64_t pa = virt_to_phys(fdc_bounce);

	outb(DMA_MASK, 0x04 | DMA_CHAN);
	outb(DMA_FLIPFLOP, 0xff);
	outb(DMA_ADDR2, (uint8_t)pa);
	outb(DMA_ADDR2, (uint8_t)(pa >> 8));
	outb(DMA_PAGE2, (uint8_t)(pa >> 16));
	outb(DMA_FLIPFLOP, 0xff);
	outb(DMA_COUNT2, (uint8_t)(bytes - 1));
	outb(DMA_COUNT2, (uint8_t)((bytes - 1) >> 8));
	/* single transfer, no auto-init; 0x4x: write to memory (disk read), 0x8x: read memory */
	outb(DMA_MODE, (write ? 0x48 : 0x44) | DMA_CHAN);
	outb(DMA_MASK, DMA_CHAN);
}

/* ---- Steps (lock held) ---- */

static void fdc_arm_watchdog(void)
{
	fdc.step_deadline = async_port_now_ns() + FDC_TIMEOUT_NS;
	async_port_timer_arm(&fdc.timer, fdc.step_deadline);
}

static uint64_t fdc_lba(void)
{
	return fdc.cur->rq.lba + fdc.done;
}

/* Sectors of the next command: to the request's end, the cylinder's end, or the end of
 * head 0 when the request stops inside head 1 (a multi-track command ends at EOT). */
static uint32_t fdc_chunk(void)
{
	uint64_t lba = fdc_lba();
	uint32_t left = fdc.cur->rq.count - fdc.done;
	uint32_t in_cyl = (uint32_t)(lba % (FD_SECTORS * FD_HEADS));
	uint32_t to_cyl_end = FD_SECTORS * FD_HEADS - in_cyl;

	if (left >= to_cyl_end)
		return to_cyl_end;
	if (in_cyl < FD_SECTORS && in_cyl + left > FD_SECTORS)
		return FD_SECTORS - in_cyl; /* the rest of head 0 now, head 1 next */
	return left;
}

static int fdc_step_seek(void)
{
	uint8_t cyl = (uint8_t)(fdc_lba() / (FD_SECTORS * FD_HEADS));

	fdc.state = FDC_SEEK;
	fdc_arm_watchdog();
	return fdc_cmd((const uint8_t[]){0x0f, 0x00, cyl}, 3);
}

static int fdc_step_recal(void)
{
	fdc.state = FDC_RECAL;
	fdc_arm_watchdog();
	return fdc_cmd((const uint8_t[]){0x07, 0x00}, 2);
}

static int fdc_step_xfer(void)
{
	const struct blk_rq *rq = &fdc.cur->rq;
	uint64_t lba = fdc_lba();
	uint8_t cyl = (uint8_t)(lba / (FD_SECTORS * FD_HEADS));
	uint8_t head = (uint8_t)(lba / FD_SECTORS % FD_HEADS);
	uint8_t sect = (uint8_t)(lba % FD_SECTORS + 1);
	uint8_t eot;
	bool mt;

	fdc.chunk = fdc_chunk();
	mt = head == 0 && sect - 1 + fdc.chunk > FD_SECTORS;
	eot = mt ? FD_SECTORS : (uint8_t)(sect - 1 + fdc.chunk);
	if (rq->write)
		blk_buf_copy(rq->buf, rq->boff + (uint64_t)fdc.done * BLK_SECTOR, fdc_bounce,
			     (size_t)fdc.chunk * BLK_SECTOR, false);
	fdc_dma(rq->write, fdc.chunk * BLK_SECTOR);
	fdc.state = FDC_XFER;
	fdc_arm_watchdog();
	return fdc_cmd((const uint8_t[]){(uint8_t)((rq->write ? 0x45 : 0x46) | (mt ? 0x80 : 0)),
					 (uint8_t)(head << 2), cyl, head, sect, 2, eot, 0x1b, 0xff},
		       9);
}

/* The first step of a command: recalibrate if needed, else seek. */
static int fdc_step_begin(void)
{
	return fdc.calibrated ? fdc_step_seek() : fdc_step_recal();
}

/* Takes the request off the controller: the op to complete. */
static struct async_op *fdc_take(void)
{
	struct async_op *op = fdc.op;

	fdc.op = NULL;
	fdc.cur = NULL;
	fdc.state = FDC_IDLE;
	async_port_timer_cancel(&fdc.timer);
	async_port_timer_arm(&fdc.spindown, async_port_now_ns() + FDC_SPINDOWN_NS);
	return op;
}

/* A step failed: retry the command from a recalibrate, or give up. *res set when done. */
static struct async_op *fdc_fail(const char *what, int64_t *res)
{
	bool no_medium = inb(FDC_DIR) & 0x80;

	fdc.errors++;
	if (++fdc.tries <= FDC_RETRIES && !no_medium) {
		fdc.calibrated = false;
		if (fdc_step_recal() == 0)
			return NULL;
		fdc_reset();
	}
	klog(LOG_ERR, "fdc fd0: %s at sector %lu: %s\n", what, fdc_lba(),
	     no_medium ? "no disk in the drive" : "I/O error");
	*res = no_medium ? -ENXIO : -EIO;
	return fdc_take();
}

/* The transfer's result phase: 7 bytes. 0 or -EIO. */
static int fdc_result(void)
{
	int r[7];

	for (int i = 0; i < 7; i++)
		if ((r[i] = fdc_get()) < 0)
			return -EIO;
	return (r[0] & 0xc0) ? -EIO : 0;
}

/* XFER finished well: copy out, then the next command or the end. */
static struct async_op *fdc_xfer_done(int64_t *res)
{
	const struct blk_rq *rq = &fdc.cur->rq;

	if (!rq->write)
		blk_buf_copy(rq->buf, rq->boff + (uint64_t)fdc.done * BLK_SECTOR, fdc_bounce,
			     (size_t)fdc.chunk * BLK_SECTOR, true);
	fdc.done += fdc.chunk;
	fdc.tries = 0;
	if (fdc.done < rq->count)
		return fdc_step_seek() ? fdc_fail("seek command", res) : NULL;
	*res = (int64_t)rq->count * BLK_SECTOR;
	return fdc_take();
}

static void fdc_irq(void *arg)
{
	unsigned long f = spin_lock_irqsave(&fdc.lock);
	struct async_op *op = NULL;
	uint32_t tok = fdc.token; /* of the request in service, if it is taken below */
	int64_t res = 0;

	(void)arg;
	fdc.irqs++;
	switch (fdc.op ? fdc.state : FDC_IDLE) {
	case FDC_RECAL:
		if (fdc_sense() == 0) {
			fdc.calibrated = true;
			if (fdc_step_seek())
				op = fdc_fail("seek command", &res);
		} else {
			op = fdc_fail("recalibrate", &res);
		}
		break;
	case FDC_SEEK:
		if (fdc_sense() < 0 || fdc_step_xfer())
			op = fdc_fail("seek", &res);
		break;
	case FDC_XFER:
		op = fdc_result() ? fdc_fail(fdc.cur->rq.write ? "write" : "read", &res)
				  : fdc_xfer_done(&res);
		break;
	default: /* after a reset, or nothing of ours */
		break;
	}
	spin_unlock_irqrestore(&fdc.lock, f);
	if (op)
		async_op_complete(op, tok, res);
}

static void fdc_timer(struct async_port_timer *t)
{
	unsigned long f = spin_lock_irqsave(&fdc.lock);
	struct async_op *op = NULL;
	uint32_t tok = fdc.token; /* of the request in service, if it is taken below */
	int64_t res = 0;

	(void)t;
	if (fdc.op && fdc.state == FDC_SPINUP) {
		if (fdc_step_begin())
			op = fdc_fail("command", &res);
	} else if (fdc.op && async_port_now_ns() >= fdc.step_deadline) {
		fdc_reset();
		op = fdc_fail("timeout", &res);
	} else if (fdc.op) {
		async_port_timer_arm(&fdc.timer, fdc.step_deadline); /* an earlier step's timer */
	}
	spin_unlock_irqrestore(&fdc.lock, f);
	if (op)
		async_op_complete(op, tok, res);
}

static void fdc_spindown(struct async_port_timer *t)
{
	unsigned long f = spin_lock_irqsave(&fdc.lock);

	(void)t;
	if (!fdc.op && fdc.motor) {
		fdc.motor = false;
		fdc_dor();
	}
	spin_unlock_irqrestore(&fdc.lock, f);
}

static int64_t fdc_start(struct async_op *op, void *state)
{
	unsigned long f = spin_lock_irqsave(&fdc.lock);
	int err = 0;

	if (fdc.op)
		panic("fdc: a second request while one is in service (queue depth broken)");
	fdc.op = op;
	fdc.token = async_op_token(op);
	fdc.cur = state;
	fdc.done = 0;
	fdc.tries = 0;
	async_port_timer_cancel(&fdc.spindown);
	if (!fdc.motor) {
		fdc.motor = true;
		fdc_dor();
		fdc.state = FDC_SPINUP;
		async_port_timer_arm(&fdc.timer, async_port_now_ns() + FDC_SPINUP_NS);
	} else {
		err = fdc_step_begin();
	}
	if (err) {
		fdc_reset();
		fdc_take();
	}
	spin_unlock_irqrestore(&fdc.lock, f);
	return err ? -EIO : ASYNC_PENDING;
}

static void fdc_cancel(struct async_op *op, void *state)
{
	unsigned long f = spin_lock_irqsave(&fdc.lock);
	struct async_op *mine = NULL;
	uint32_t tok = fdc.token;

	(void)state;
	if (fdc.op == op) {
		fdc_reset();
		mine = fdc_take();
	}
	spin_unlock_irqrestore(&fdc.lock, f);
	if (mine)
		async_op_complete(op, tok, async_op_cancel_reason(op));
}

static const char *fdc_waiting_on(const void *state)
{
	(void)state;
	return "floppy interrupt or timer";
}

static const struct async_layer fdc_layer = {
    .name = "fdc",
    .state_size = sizeof(struct fdc_frame),
    .start = fdc_start,
    .cancel = fdc_cancel,
    .waiting_on = fdc_waiting_on,
};
static const struct blk_ops fdc_ops = {.layer = &fdc_layer};

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

void fdc_init(void)
{
	uint8_t type = cmos_read(0x10) >> 4;
	uint64_t pa = virt_to_phys(fdc_bounce);

	/* 4: 1.44 MB; 5: 2.88 MB, which also reads 1.44 MB media (QEMU's empty drive) */
	if (type != 4 && type != 5) {
		klog(LOG_INFO, "fdc: drive A is type %u, not a 1.44/2.88 MB drive: no fd0\n", type);
		return;
	}
	if (pa + sizeof(fdc_bounce) > (16u << 20)) {
		klog(LOG_ERR, "fdc: bounce buffer at 0x%lx is above 16 MiB: no fd0\n", pa);
		return;
	}
	spin_init(&fdc.lock);
	async_port_timer_init(&fdc.timer, fdc_timer);
	async_port_timer_init(&fdc.spindown, fdc_spindown);
	blk_queue_init(&fdc.queue, 1);
	fdc_reset();
	if (arch_irq_register(FDC_IRQ, fdc_irq, NULL)) {
		klog(LOG_ERR, "fdc: IRQ %d is taken: no fd0\n", FDC_IRQ);
		return;
	}
	fdc.dev = (struct blk_dev){.name = "fd0",
				   .type = "disk",
				   .major = 2,
				   .minor = 0,
				   .sectors = FD_TOTAL,
				   .removable = true,
				   .max_sectors = FD_SECTORS * FD_HEADS * 4,
				   .ops = &fdc_ops,
				   .queue = &fdc.queue};
	if (blk_register(&fdc.dev) == 0)
		klog(LOG_INFO, "fdc fd0: 1.44 MB drive, DMA channel 2, bounce at 0x%lx\n", pa);
}
