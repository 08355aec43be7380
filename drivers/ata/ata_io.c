/*
 * ata_io.c - the ATA command path: the "ata" frame issues one command per
 * channel (the block queue of depth 1 guarantees it), the IRQ 14/15 handler
 * or the watchdog finishes it (contract: drivers/ata.h, ata_int.h).
 *
 * Command state machine of a channel (under ch->lock):
 *
 *   IDLE --ata_start: DMA (PRD table from the buffer's physical ranges, data
 *          straight into the caller's pages) or PIO--> BUSY(op)
 *   BUSY --ata_irq: DMA done / last PIO sector / error status--> IDLE, complete(op)
 *   BUSY --ata_irq: PIO sector moved, more to go--> BUSY
 *   BUSY --watchdog past deadline: reset the channel--> IDLE, complete(op, -EIO)
 *   BUSY --ata_cancel (op deadline, kill): reset the channel--> IDLE, complete(op, reason)
 *
 * Whoever takes ch->op off under the lock completes the op, so a request is
 * completed exactly once whichever of IRQ, watchdog and cancel comes first,
 * and the op is completed only after the lock is dropped (its resume may
 * start the next command on this channel). Bus mastering is stopped before
 * completing: the device never touches the buffer after its op completed.
 *
 * PIO is used when the channel has no bus master, ata=pio is given, or the
 * buffer has a range DMA cannot address (odd address or length).
 *
 * Fault injection (ata=lose=N on the command line) drops one completion
 * interrupt, so the watchdog path and the frames of a parked request can be
 * tested on an emulated disk that never really hangs.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <drivers/portio.h>
#include <kernel/console.h>
#include <uapi/errno.h>
#include "ata_int.h"

bool ata_force_pio, ata_force_lba48;
uint64_t ata_lose_lba = UINT64_MAX;
bool ata_lost;

/* The fault-injection hook: true if this completion is the one to lose. Lock held. */
static bool ata_lose_this(const struct ata_frame *s)
{
	if (ata_lose_lba < s->rq.lba || ata_lose_lba >= s->rq.lba + s->rq.count ||
	    __atomic_exchange_n(&ata_lost, true, __ATOMIC_RELAXED))
		return false;
	klog(LOG_WARN, "ata %s: fault injection: completion of sector %lu+%u dropped\n",
	     s->rq.dev->name, s->rq.lba, s->rq.count);
	return true;
}

static struct ata_drive *frame_drive(const struct ata_frame *s)
{
	return s->rq.dev->priv;
}

int ata_wait_not_busy(struct ata_chan *ch)
{
	for (unsigned i = 0; i < ATA_POLL_LIMIT; i++) {
		uint8_t st = inb(ch->ctrl);

		if (!(st & ATA_SR_BSY))
			return st;
	}
	return -1;
}

/* Software reset of both drives of the channel; bus master stopped. Lock held. */
void ata_chan_reset(struct ata_chan *ch)
{
	if (ch->bm) {
		outb(ch->bm + BM_COMMAND, 0);
		outb(ch->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
	}
	outb(ch->ctrl, ATA_CTL_SRST);
	for (int i = 0; i < 8; i++)
		inb(ch->ctrl); /* >= 5 us */
	outb(ch->ctrl, 0);
	ata_wait_not_busy(ch);
	inb(ch->base + ATA_STATUS);
	ch->resets++;
}

/* Fills the channel's PRD table from the request's buffer: false if DMA cannot do it. */
static bool ata_build_prd(struct ata_chan *ch, const struct blk_rq *rq)
{
	/* 256 sectors of 4 KiB pages are at most 33 ranges; 64 (1 KiB of stack: this may run
	 * from an interrupt handler's completion chain) leaves room for odd buffers. */
	struct async_sg sg[64];
	int nsg = async_port_buf_phys(rq->buf, rq->boff, (uint64_t)rq->count * BLK_SECTOR, sg, 64);
	unsigned n = 0;

	if (nsg <= 0)
		return false;
	for (int i = 0; i < nsg; i++) {
		uint64_t pa = sg[i].phys, left = sg[i].len;

		if ((pa | left) & 1 || pa + left > 0x100000000ULL)
			return false;
		while (left) {
			/* An entry may not cross a 64 KiB boundary. */
			uint64_t room = 0x10000 - (pa & 0xffff);
			uint64_t piece = left < room ? left : room;

			if (n == ATA_PRD_MAX)
				return false;
			ch->prd[n++] =
			    (struct ata_prd){.addr = (uint32_t)pa, .len = (uint16_t)piece};
			pa += piece;
			left -= piece;
		}
	}
	ch->prd[n - 1].flags = 0x8000;
	return true;
}

/* Selects the drive and writes the address and count registers. */
static void ata_taskfile(struct ata_chan *ch, const struct ata_frame *s)
{
	const struct ata_drive *dr = frame_drive(s);
	uint64_t lba = s->rq.lba;
	uint32_t count = s->rq.count;

	if (s->lba48) {
		outb(ch->base + ATA_DRIVE, 0x40 | (dr->slave ? 0x10 : 0));
		outb(ch->base + ATA_COUNT, (uint8_t)(count >> 8));
		outb(ch->base + ATA_LBA0, (uint8_t)(lba >> 24));
		outb(ch->base + ATA_LBA1, (uint8_t)(lba >> 32));
		outb(ch->base + ATA_LBA2, (uint8_t)(lba >> 40));
	} else {
		outb(ch->base + ATA_DRIVE,
		     0xe0 | (dr->slave ? 0x10 : 0) | (uint8_t)((lba >> 24) & 0x0f));
	}
	for (int i = 0; i < 4; i++)
		inb(ch->ctrl);			    /* 400 ns: the selected drive drives the bus */
	outb(ch->base + ATA_COUNT, (uint8_t)count); /* 256 -> 0 (LBA28) */
	outb(ch->base + ATA_LBA0, (uint8_t)lba);
	outb(ch->base + ATA_LBA1, (uint8_t)(lba >> 8));
	outb(ch->base + ATA_LBA2, (uint8_t)(lba >> 16));
}

static uint8_t ata_command_code(const struct ata_frame *s)
{
	static const uint8_t codes[2][2][2] = {
	    /* [mode][lba48][write] */
	    [ATA_MODE_DMA] = {{0xc8, 0xca}, {0x25, 0x35}},
	    [ATA_MODE_PIO] = {{0x20, 0x30}, {0x24, 0x34}},
	};

	return codes[s->mode][s->lba48][s->rq.write];
}

/* PIO: moves sector s->done between the data port and the buffer. Lock held. */
static void ata_pio_sector(struct ata_chan *ch, struct ata_frame *s)
{
	uint64_t boff = s->rq.boff + (uint64_t)s->done * BLK_SECTOR;

	if (s->rq.write) {
		blk_buf_copy(s->rq.buf, boff, ch->pio, BLK_SECTOR, false);
		outsw(ch->base + ATA_DATA, ch->pio, 256);
	} else {
		insw(ch->base + ATA_DATA, ch->pio, 256);
		blk_buf_copy(s->rq.buf, boff, ch->pio, BLK_SECTOR, true);
	}
	s->done++;
}

/* Issues the command of @s on the idle channel. Lock held. 0 or -EIO. */
static int ata_issue(struct ata_chan *ch, struct ata_frame *s)
{
	bool dma = ch->bm && !ata_force_pio && ata_build_prd(ch, &s->rq);
	int st;

	s->mode = dma ? ATA_MODE_DMA : ATA_MODE_PIO;
	s->lba48 =
	    frame_drive(s)->lba48 && (ata_force_lba48 || s->rq.lba + s->rq.count > 0x0fffffff);
	if (ata_wait_not_busy(ch) < 0)
		return -EIO;
	if (dma) {
		outb(ch->bm + BM_COMMAND, 0);
		outl(ch->bm + BM_PRDT, (uint32_t)virt_to_phys(ch->prd));
		outb(ch->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
		outb(ch->bm + BM_COMMAND, s->rq.write ? 0 : BM_CMD_READ);
	}
	ata_taskfile(ch, s);
	outb(ch->base + ATA_COMMAND, ata_command_code(s));
	if (dma) {
		outb(ch->bm + BM_COMMAND, (s->rq.write ? 0 : BM_CMD_READ) | BM_CMD_START);
		return 0;
	}
	if (!s->rq.write)
		return 0;
	/* PIO write: the first sector goes now, the others one per interrupt. */
	st = ata_wait_not_busy(ch);
	if (st < 0 || (st & (ATA_SR_ERR | ATA_SR_DF)) || !(st & ATA_SR_DRQ))
		return -EIO;
	ata_pio_sector(ch, s);
	return 0;
}

/* Takes the command in flight off the channel (lock held): the op to complete, with its token. */
static struct async_op *ata_take(struct ata_chan *ch, uint32_t *token)
{
	struct async_op *op = ch->op;

	*token = ch->token;
	ch->op = NULL;
	ch->cur = NULL;
	return op;
}

static int64_t ata_start(struct async_op *op, void *state)
{
	struct ata_frame *s = state;
	struct ata_chan *ch = frame_drive(s)->ch;
	unsigned long f = spin_lock_irqsave(&ch->lock);
	int err;

	if (ch->op)
		panic("ata%u: a second command while one is in flight (queue depth broken)",
		      ch->index);
	err = ata_issue(ch, s);
	if (err) {
		klog(LOG_ERR, "ata %s: drive not ready for sector %lu, channel reset\n",
		     s->rq.dev->name, s->rq.lba);
		ata_chan_reset(ch);
		spin_unlock_irqrestore(&ch->lock, f);
		return err;
	}
	ch->op = op;
	ch->token = async_op_token(op);
	ch->cur = s;
	ch->deadline_ns = async_port_now_ns() + ATA_TIMEOUT_NS;
	async_port_timer_arm(&ch->watchdog, ch->deadline_ns);
	spin_unlock_irqrestore(&ch->lock, f);
	return ASYNC_PENDING;
}

/* The sector the device reports in its address registers (where it stopped). */
static uint64_t ata_error_lba(struct ata_chan *ch, const struct ata_frame *s)
{
	uint64_t lba = inb(ch->base + ATA_LBA0) | (uint64_t)inb(ch->base + ATA_LBA1) << 8 |
		       (uint64_t)inb(ch->base + ATA_LBA2) << 16;

	if (s->lba48) {
		outb(ch->ctrl, ATA_CTL_HOB);
		lba |= (uint64_t)inb(ch->base + ATA_LBA0) << 24 |
		       (uint64_t)inb(ch->base + ATA_LBA1) << 32 |
		       (uint64_t)inb(ch->base + ATA_LBA2) << 40;
		outb(ch->ctrl, 0);
	} else {
		lba |= (uint64_t)(inb(ch->base + ATA_DRIVE) & 0x0f) << 24;
	}
	return lba;
}

/* An interrupt for the command in flight: the result, or ASYNC_PENDING for more PIO. */
static int64_t ata_irq_step(struct ata_chan *ch, struct ata_frame *s, uint8_t st, uint8_t bms)
{
	if ((st & (ATA_SR_ERR | ATA_SR_DF)) || (bms & BM_ST_ERR)) {
		klog(LOG_ERR,
		     "ata %s: %s error at sector %lu (request %lu+%u, status 0x%x error 0x%x)\n",
		     s->rq.dev->name, s->rq.write ? "write" : "read", ata_error_lba(ch, s),
		     s->rq.lba, s->rq.count, st, inb(ch->base + ATA_ERROR));
		return -EIO;
	}
	if (s->mode == ATA_MODE_DMA)
		return (int64_t)s->rq.count * BLK_SECTOR;
	if (s->rq.write)
		return s->done == s->rq.count ? (int64_t)s->rq.count * BLK_SECTOR
					      : (ata_pio_sector(ch, s), ASYNC_PENDING);
	if (!(st & ATA_SR_DRQ))
		return ASYNC_PENDING; /* not our data yet */
	ata_pio_sector(ch, s);
	return s->done == s->rq.count ? (int64_t)s->rq.count * BLK_SECTOR : ASYNC_PENDING;
}

void ata_irq(void *arg)
{
	struct ata_chan *ch = arg;
	unsigned long f = spin_lock_irqsave(&ch->lock);
	uint8_t bms = ch->bm ? inb(ch->bm + BM_STATUS) : 0;
	struct async_op *op = NULL;
	uint32_t tok = 0;
	int64_t res;
	uint8_t st;

	ch->irqs++;
	if (!ch->op || (ch->cur->mode == ATA_MODE_DMA && !(bms & BM_ST_IRQ))) {
		inb(ch->base + ATA_STATUS); /* acknowledge whatever it was */
		ch->spurious++;
		spin_unlock_irqrestore(&ch->lock, f);
		return;
	}
	if (ch->cur->mode == ATA_MODE_DMA) {
		outb(ch->bm + BM_COMMAND, 0);
		outb(ch->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
	}
	st = inb(ch->base + ATA_STATUS);
	res = ata_irq_step(ch, ch->cur, st, bms);
	if (res != ASYNC_PENDING && ata_lose_this(ch->cur))
		res = ASYNC_PENDING;
	if (res != ASYNC_PENDING) {
		op = ata_take(ch, &tok);
		async_port_timer_cancel(&ch->watchdog);
	}
	spin_unlock_irqrestore(&ch->lock, f);
	if (op)
		async_op_complete(op, tok, res);
}

/* The command in flight is abandoned: reset the channel. Lock held. */
static struct async_op *ata_abort(struct ata_chan *ch, const char *why, uint32_t *token)
{
	struct ata_frame *s = ch->cur;

	klog(LOG_ERR, "ata %s: %s %s of sector %lu+%u: channel %u reset\n", s->rq.dev->name, why,
	     s->rq.write ? "write" : "read", s->rq.lba, s->rq.count, ch->index);
	ata_chan_reset(ch);
	return ata_take(ch, token);
}

static void ata_watchdog(struct async_port_timer *t)
{
	struct ata_chan *ch = container_of(t, struct ata_chan, watchdog);
	unsigned long f = spin_lock_irqsave(&ch->lock);
	struct async_op *op = NULL;
	uint32_t tok = 0;

	if (ch->op && async_port_now_ns() >= ch->deadline_ns) {
		ch->timeouts++;
		op = ata_abort(ch, "timeout on", &tok);
	} else if (ch->op) {
		async_port_timer_arm(&ch->watchdog,
				     ch->deadline_ns); /* an earlier command's timer */
	}
	spin_unlock_irqrestore(&ch->lock, f);
	if (op)
		async_op_complete(op, tok, -EIO);
}

static void ata_cancel(struct async_op *op, void *state)
{
	struct ata_frame *s = state;
	struct ata_chan *ch = frame_drive(s)->ch;
	unsigned long f = spin_lock_irqsave(&ch->lock);
	uint32_t tok = 0;
	struct async_op *mine = ch->op == op ? ata_abort(ch, "cancelled", &tok) : NULL;

	if (mine)
		async_port_timer_cancel(&ch->watchdog);
	spin_unlock_irqrestore(&ch->lock, f);
	if (mine)
		async_op_complete(op, tok, async_op_cancel_reason(op));
}

static const char *ata_waiting_on(const void *state)
{
	const struct ata_frame *s = state;

	return s->mode == ATA_MODE_DMA ? "ATA DMA interrupt" : "ATA PIO interrupt";
}

static const struct async_layer ata_layer = {
    .name = "ata",
    .state_size = sizeof(struct ata_frame),
    .start = ata_start,
    .cancel = ata_cancel,
    .waiting_on = ata_waiting_on,
};

const struct blk_ops ata_blk_ops = {.layer = &ata_layer};

void ata_chan_init_io(struct ata_chan *ch)
{
	spin_init(&ch->lock);
	blk_queue_init(&ch->queue, 1);
	async_port_timer_init(&ch->watchdog, ata_watchdog);
}
