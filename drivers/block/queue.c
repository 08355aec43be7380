/*
 * queue.c - the "blk" frame: admission to a device queue, per-device
 * counters, and the split of long requests into a join (contract:
 * drivers/block.h).
 *
 * blk frame state machine (one frame per request that reaches a device):
 *
 *   start --queue has room--> ADMITTED: pushes the driver's frame (ASYNC_CALL)
 *   start --queue full--> PARKED: linked in the queue, returns ASYNC_PENDING
 *   PARKED --blk_finish() of another request hands over its slot, complete(0)--> ADMITTED
 *   PARKED --blk_frame_cancel() unlinks it, complete(reason)--> GONE (holds no slot)
 *   ADMITTED --driver result, blk_frame_resume()--> counters, slot handed on, result up
 *
 * A queue slot is owned by exactly one request at a time: blk_finish() either
 * hands it to the first parked request (unlinked under the lock, so the
 * cancel hook can no longer find it) or gives it back. A request handed a
 * slot after its op was cancelled passes the slot on at once.
 */
#include <drivers/block.h>
#include <uapi/errno.h>

enum blk_frame_state { BLK_ADMITTED, BLK_PARKED, BLK_GONE };

struct blk_frame {
	struct blk_rq rq;	/* [I] */
	struct async_op *op;	/* [I] set by start */
	uint32_t token;		/* [I] the op's pending period while parked */
	struct blk_frame *next; /* [Q] queue link, valid iff linked */
	bool linked;		/* [Q] in the queue's list */
	uint8_t state;		/* [O] enum blk_frame_state */
};
ASYNC_FRAME_STATE_CHECK(struct blk_frame);

void blk_queue_init(struct blk_queue *q, unsigned depth)
{
	*q = (struct blk_queue){.depth = depth};
	spin_init(&q->lock);
}

/* The request leaves the device: its slot goes to the first parked one, if any. */
static void blk_finish(struct blk_queue *q)
{
	struct blk_frame *next;
	unsigned long f;

	if (!q->depth)
		return;
	f = spin_lock_irqsave(&q->lock);
	next = q->head;
	if (next) {
		q->head = next->next;
		if (!q->head)
			q->tail = NULL;
		next->linked = false;
		q->waiting--;
	} else {
		q->active--;
	}
	spin_unlock_irqrestore(&q->lock, f);
	if (next)
		async_op_complete(next->op, next->token, 0);
}

static void blk_account(struct blk_dev *d, const struct blk_rq *rq, int64_t result)
{
	if (result < 0) {
		__atomic_add_fetch(&d->st.errors, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(rq->write ? &d->st.writes : &d->st.reads, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(rq->write ? &d->st.write_sectors : &d->st.read_sectors, rq->count,
			   __ATOMIC_RELAXED);
}

/* Holding a slot: hand the request to the driver. */
static int64_t blk_frame_admitted(struct async_op *op, struct blk_frame *s)
{
	struct blk_rq *r;
	int64_t err = async_op_cancel_reason(op);

	s->state = BLK_ADMITTED;
	r = err ? NULL : async_push(op, s->rq.dev->ops->layer);
	if (!r) {
		err = err ? err : async_op_push_error(op);
		blk_account(s->rq.dev, &s->rq, err);
		blk_finish(s->rq.dev->queue);
		return err;
	}
	*r = s->rq;
	return ASYNC_CALL;
}

static bool blk_try_admit(struct blk_queue *q, struct blk_frame *s)
{
	unsigned long f;
	bool admitted;

	if (!q->depth)
		return true;
	f = spin_lock_irqsave(&q->lock);
	admitted = q->active < q->depth;
	if (admitted) {
		q->active++;
	} else {
		s->linked = true;
		s->next = NULL;
		if (q->tail)
			q->tail->next = s;
		else
			q->head = s;
		q->tail = s;
		if (++q->waiting > q->max_waits)
			q->max_waits = q->waiting;
	}
	spin_unlock_irqrestore(&q->lock, f);
	return admitted;
}

static int64_t blk_frame_start(struct async_op *op, void *state)
{
	struct blk_frame *s = state;

	s->op = op;
	s->token = async_op_token(op); /* before a finisher can see it */
	if (blk_try_admit(s->rq.dev->queue, s))
		return blk_frame_admitted(op, s);
	s->state = BLK_PARKED;
	__atomic_add_fetch(&s->rq.dev->st.queued, 1, __ATOMIC_RELAXED);
	return ASYNC_PENDING;
}

static int64_t blk_frame_resume(struct async_op *op, void *state, int64_t result)
{
	struct blk_frame *s = state;

	switch (s->state) {
	case BLK_PARKED: /* handed a slot by blk_finish() */
		return blk_frame_admitted(op, s);
	case BLK_GONE: /* cancelled while parked */
		return result;
	default:
		blk_account(s->rq.dev, &s->rq, result);
		blk_finish(s->rq.dev->queue);
		return result;
	}
}

/* Only a parked request stops here; an admitted one is cancelled by its driver's frame. */
static void blk_frame_cancel(struct async_op *op, void *state)
{
	struct blk_frame *s = state;
	struct blk_queue *q = s->rq.dev->queue;
	struct blk_frame **pp;
	unsigned long f;
	bool found = false;

	if (s->state != BLK_PARKED)
		return;
	f = spin_lock_irqsave(&q->lock);
	if (s->linked) {
		for (pp = &q->head; *pp != s; pp = &(*pp)->next)
			;
		*pp = s->next;
		if (q->tail == s) {
			q->tail = NULL;
			for (struct blk_frame *p = q->head; p; p = p->next)
				q->tail = p;
		}
		s->linked = false;
		q->waiting--;
		found = true;
	}
	spin_unlock_irqrestore(&q->lock, f);
	if (found) {
		s->state = BLK_GONE;
		async_op_complete(op, s->token, async_op_cancel_reason(op));
	}
}

static const char *blk_frame_waiting_on(const void *state)
{
	const struct blk_frame *s = state;

	return s->state == BLK_PARKED ? "device queue" : "device";
}

static const struct async_layer blk_layer = {
    .name = "blk",
    .state_size = sizeof(struct blk_frame),
    .start = blk_frame_start,
    .resume = blk_frame_resume,
    .cancel = blk_frame_cancel,
    .waiting_on = blk_frame_waiting_on,
};

/* ---- Split: a request longer than the device takes becomes joins of pieces ---- */

struct blk_split {
	struct blk_rq rq; /* [I] the whole request */
	uint32_t done;	  /* [O] sectors finished */
	uint32_t batch;	  /* [O] sectors of the join in flight */
};
ASYNC_FRAME_STATE_CHECK(struct blk_split);

static int blk_push_one(struct async_op *op, const struct blk_rq *rq)
{
	struct blk_frame *s = async_push(op, &blk_layer);

	if (!s)
		return (int)async_op_push_error(op);
	s->rq = *rq;
	return 0;
}

static int blk_split_setup(struct async_op *child, unsigned i, void *arg)
{
	struct blk_split *s = arg;
	uint32_t max = s->rq.dev->max_sectors;
	uint32_t first = s->done + i * max;
	uint32_t left = s->rq.count - first;
	struct blk_rq piece = s->rq;

	piece.lba += first;
	piece.boff += (uint64_t)first * BLK_SECTOR;
	piece.count = left < max ? left : max;
	return blk_push_one(child, &piece);
}

static int64_t blk_split_next(struct async_op *op, struct blk_split *s)
{
	uint32_t max = s->rq.dev->max_sectors;
	uint32_t left = s->rq.count - s->done;
	unsigned n = (left + max - 1) / max;
	struct async_join_spec spec = {.policy = ASYNC_JOIN_ALL,
				       .flags = ASYNC_JOIN_CANCEL_ON_ERROR,
				       .setup = blk_split_setup,
				       .arg = s};

	if (n > BLK_SPLIT_CHILDREN)
		n = BLK_SPLIT_CHILDREN;
	spec.nchildren = n;
	s->batch = n * max < left ? n * max : left;
	return async_join(op, &spec);
}

static int64_t blk_split_start(struct async_op *op, void *state)
{
	return blk_split_next(op, state);
}

static int64_t blk_split_resume(struct async_op *op, void *state, int64_t result)
{
	struct blk_split *s = state;

	if (result < 0)
		return s->done ? (int64_t)s->done * BLK_SECTOR : result;
	s->done += s->batch;
	if (s->done == s->rq.count || async_op_cancel_reason(op))
		return (int64_t)s->done * BLK_SECTOR;
	return blk_split_next(op, s);
}

static const struct async_layer blk_split_layer = {
    .name = "blk-split",
    .state_size = sizeof(struct blk_split),
    .start = blk_split_start,
    .resume = blk_split_resume,
};

int blk_push(struct async_op *op, const struct blk_rq *rq)
{
	struct blk_dev *d = rq->dev;
	struct blk_split *s;

	if (!rq->count || rq->lba >= d->sectors || rq->count > d->sectors - rq->lba)
		return -EINVAL;
	if (rq->boff + (uint64_t)rq->count * BLK_SECTOR > async_buf_len(rq->buf))
		return -EINVAL;
	if (rq->write && d->readonly)
		return -EROFS;
	if (rq->count <= d->max_sectors)
		return blk_push_one(op, rq);
	s = async_push(op, &blk_split_layer);
	if (!s)
		return (int)async_op_push_error(op);
	s->rq = *rq;
	return 0;
}
