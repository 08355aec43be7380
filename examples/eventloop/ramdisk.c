/*
 * ramdisk.c - the example port's fake device and the partition layer over it
 * (contract in ramdisk.h).
 *
 * A device frame's life: rd_start borrows the buffer, queues the frame's state
 * on the device list and returns ASYNC_PENDING. The list holds a pointer into
 * the op's stack, which is safe because a pending frame never moves. The
 * interrupt (or the cancel hook) takes the request off the list under the
 * device lock, so exactly one of them finishes it, and calls
 * async_op_complete last: after that the frame may be popped and the op
 * freed, so nothing reads the request again.
 *
 * The interrupt may fire between rd_start's unlock and its return, completing
 * an op whose submitter is still running it: the core takes that result when
 * the submitter parks (a "sync completion" in async_op_stats).
 */
#include "ramdisk.h"

#include <stdio.h>

/* Lock legend: [I] set by the partition layer before the start, [L] under rd.lock. */
struct rd_req {
	struct async_op *op;   /* [I] */
	struct async_buf *buf; /* [I] */
	uint64_t sector;       /* [I] first sector on the disk */
	unsigned n;	       /* [I] sectors */
	uint32_t token;	       /* [O] the op's pending period, set by rd_start */
	bool queued;	       /* [L] on rd.head's list */
	unsigned long due;     /* [L] the tick it completes at, valid iff queued */
	struct rd_req *next;   /* [L] valid iff queued */
};
ASYNC_FRAME_STATE_CHECK(struct rd_req);

static unsigned char disk[RAMDISK_SECTORS][RAMDISK_SECTOR];

static struct {
	async_spinlock_t lock;
	struct rd_req *head;	 /* [L] queued requests, any order */
	unsigned queued;	 /* [L] */
	unsigned long ticks;	 /* [L] interrupts so far */
	unsigned latency;	 /* [L] ticks before a request completes; 0: inside start */
	unsigned long submitted; /* [L] varies the latency by 0..2 ticks */
} rd = {.lock = ASYNC_SPINLOCK_INIT, .latency = 1};

void ramdisk_init(void)
{
	unsigned s;

	for (s = 0; s < RAMDISK_SECTORS; s++)
		snprintf((char *)disk[s], RAMDISK_SECTOR, "sector %u", s);
}

void ramdisk_set_latency(unsigned ticks)
{
	unsigned long f = async_spin_lock_irqsave(&rd.lock);

	rd.latency = ticks;
	async_spin_unlock_irqrestore(&rd.lock, f);
}

unsigned ramdisk_queued(void)
{
	unsigned long f = async_spin_lock_irqsave(&rd.lock);
	unsigned n = rd.queued;

	async_spin_unlock_irqrestore(&rd.lock, f);
	return n;
}

/* Caller holds rd.lock and found @r queued. */
static void __rd_unlink(struct rd_req *r)
{
	struct rd_req **pp;

	for (pp = &rd.head; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	r->queued = false;
	rd.queued--;
}

/* The request left the queue: hand the buffer back, then complete (last). */
static void rd_finish(struct rd_req *r, int64_t result)
{
	struct async_op *op = r->op;

	async_buf_unborrow(r->buf);
	async_op_complete(op, r->token, result);
}

/* The transfer itself, then the completion. */
static void rd_transfer(struct rd_req *r)
{
	memcpy(async_buf_data(r->buf), disk[r->sector], (size_t)r->n * RAMDISK_SECTOR);
	rd_finish(r, (int64_t)r->n * RAMDISK_SECTOR);
}

static int64_t rd_start(struct async_op *op, void *state)
{
	struct rd_req *r = state;
	int err = async_buf_borrow(r->buf, ASYNC_BUF_WRITE);
	unsigned long f;

	if (err)
		return err;
	r->token = async_op_token(op);
	f = async_spin_lock_irqsave(&rd.lock);
	if (rd.latency == 0) {
		/* Completed before start returns: the core keeps the result for later. */
		async_spin_unlock_irqrestore(&rd.lock, f);
		rd_transfer(r);
		return ASYNC_PENDING;
	}
	r->due = rd.ticks + rd.latency + rd.submitted++ % 3;
	r->queued = true;
	r->next = rd.head;
	rd.head = r;
	rd.queued++;
	async_spin_unlock_irqrestore(&rd.lock, f);
	return ASYNC_PENDING;
}

static void rd_cancel(struct async_op *op, void *state)
{
	struct rd_req *r = state;
	unsigned long f = async_spin_lock_irqsave(&rd.lock);
	bool mine = r->queued;

	if (mine)
		__rd_unlink(r);
	async_spin_unlock_irqrestore(&rd.lock, f);
	if (mine)
		rd_finish(r, async_op_cancel_reason(op));
}

static const char *rd_waiting_on(const void *state)
{
	(void)state;
	return "ramdisk queue";
}

static const struct async_layer rd_layer = {
    .name = "ramdisk",
    .state_size = sizeof(struct rd_req),
    .start = rd_start,
    .cancel = rd_cancel,
    .waiting_on = rd_waiting_on,
};

unsigned ramdisk_irq(void)
{
	struct rd_req *r, *next, *done = NULL;
	unsigned long f = async_spin_lock_irqsave(&rd.lock);
	unsigned n = 0;

	rd.ticks++;
	for (r = rd.head; r; r = next) {
		next = r->next;
		if (r->due > rd.ticks)
			continue;
		__rd_unlink(r);
		r->next = done;
		done = r;
	}
	async_spin_unlock_irqrestore(&rd.lock, f);
	for (r = done; r; r = next, n++) {
		next = r->next; /* before the completion frees the frame */
		rd_transfer(r);
	}
	return n;
}

/* ---- The partition layer: bounds, offset, and short transfers as -EIO ---- */

struct part_req {
	const struct part *p;
	uint64_t lba;
	unsigned n;
	struct async_buf *buf;
};
ASYNC_FRAME_STATE_CHECK(struct part_req);

static int64_t part_start(struct async_op *op, void *state)
{
	struct part_req *q = state;
	struct rd_req *r;

	if (q->n == 0 || q->lba >= q->p->count || q->n > q->p->count - q->lba ||
	    (size_t)q->n * RAMDISK_SECTOR > async_buf_len(q->buf))
		return -EINVAL;
	r = async_push(op, &rd_layer);
	if (!r)
		return async_op_push_error(op);
	r->op = op;
	r->buf = q->buf;
	r->sector = q->p->first + q->lba;
	r->n = q->n;
	return ASYNC_CALL;
}

static int64_t part_resume(struct async_op *op, void *state, int64_t result)
{
	struct part_req *q = state;

	(void)op;
	if (result >= 0 && result != (int64_t)q->n * RAMDISK_SECTOR)
		return -EIO;
	return result;
}

static const struct async_layer part_layer = {
    .name = "part",
    .state_size = sizeof(struct part_req),
    .start = part_start,
    .resume = part_resume,
};

int part_push_read(struct async_op *op, const struct part *p, uint64_t lba, unsigned n,
		   struct async_buf *buf)
{
	struct part_req *q = async_push(op, &part_layer);

	if (!q)
		return (int)async_op_push_error(op);
	q->p = p;
	q->lba = lba;
	q->n = n;
	q->buf = buf;
	return 0;
}
