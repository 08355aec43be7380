/*
 * regbuf.c - registered buffers (a per-process table of pinned user buffers,
 * named by index in each op) and provided-buffer queues (a ring of buffers a
 * receive takes one from when data arrives, with per-consumer credits).
 *
 * Interface: async_regbuf_* and async_pbq_* in async/async.h.
 *
 * Registered buffer entry: EMPTY --register (pins once)--> REGISTERED
 *   --get (borrow per op)--> REGISTERED, borrowed; --unregister--> EMPTY at
 *   once, and the buffer is unpinned after its last unborrow (async_buf_release).
 *
 * Provided buffer id: NONE --provide (the queue gets a reference)--> QUEUED
 *   --take (consumer c, one credit of c, borrowed for the device)--> TAKEN
 *   --recycle (the user consumed the data; credit back)--> QUEUED.
 *   QUEUED --take finds it released or read-only (reference put)--> NONE;
 *   QUEUED, TAKEN --destroy (reference put)--> gone. Credits bound how many
 *   buffers one consumer (a socket, a stream) holds, so one source cannot
 *   drain the queue. The reference is why a buffer the owner released while
 *   queued can never be reused under the queue and handed to a consumer as
 *   somebody else's live buffer.
 *
 * Lock order: table or queue lock, then a buffer's lock.
 */
#include "async_int.h"

struct async_regbuf_table {
	async_spinlock_t lock;
	struct async_port_as *as;		 /* [I] */
	struct async_buf *buf[ASYNC_REGBUF_MAX]; /* [L] NULL: empty entry */
};

enum { PBQ_NONE, PBQ_QUEUED, PBQ_TAKEN };

struct async_pbq {
	async_spinlock_t lock;
	unsigned nconsumers, credits;		/* [I] */
	struct async_buf *buf[ASYNC_PBQ_MAX];	/* [L] by id, a held reference iff not NONE */
	uint8_t where[ASYNC_PBQ_MAX];		/* [L] PBQ_* */
	uint8_t taker[ASYNC_PBQ_MAX];		/* [L] consumer, valid iff TAKEN */
	uint16_t ring[ASYNC_PBQ_MAX];		/* [L] FIFO of queued ids */
	unsigned head, count;			/* [L] */
	unsigned held[ASYNC_PBQ_CONSUMERS_MAX]; /* [L] buffers each consumer holds */
};

ASYNC_POOL_DEFINE(async_regbuf_pool, "async_regbuf_table", struct async_regbuf_table,
		  ASYNC_REGBUF_TABLES_MAX);
ASYNC_POOL_DEFINE(async_pbq_pool, "async_pbq", struct async_pbq, ASYNC_PBQ_QUEUES_MAX);

struct async_regbuf_table *async_regbuf_create(struct async_port_as *as)
{
	struct async_regbuf_table *t = async_pool_zalloc(&async_regbuf_pool);

	if (!t)
		return NULL;
	async_spin_init(&t->lock);
	t->as = as;
	return t;
}

int async_regbuf_register(struct async_regbuf_table *t, uintptr_t uaddr, size_t len,
			  unsigned access)
{
	struct async_buf *b;
	unsigned long flags;
	int err, idx;

	b = async_buf_user(t->as, uaddr, len, access, &err);
	if (!b)
		return err;
	flags = async_spin_lock_irqsave(&t->lock);
	for (idx = 0; idx < ASYNC_REGBUF_MAX && t->buf[idx]; idx++)
		;
	if (idx < ASYNC_REGBUF_MAX)
		t->buf[idx] = b;
	async_spin_unlock_irqrestore(&t->lock, flags);
	if (idx == ASYNC_REGBUF_MAX) {
		async_buf_release(b);
		return -ENOSPC;
	}
	return idx;
}

int async_regbuf_unregister(struct async_regbuf_table *t, unsigned idx)
{
	struct async_buf *b = NULL;
	unsigned long flags;

	if (idx >= ASYNC_REGBUF_MAX)
		return -EBADF;
	flags = async_spin_lock_irqsave(&t->lock);
	b = t->buf[idx];
	t->buf[idx] = NULL;
	async_spin_unlock_irqrestore(&t->lock, flags);
	if (!b)
		return -EBADF;
	async_buf_release(b);
	return 0;
}

struct async_buf *async_regbuf_get(struct async_regbuf_table *t, unsigned idx, unsigned access,
				   int *err)
{
	struct async_buf *b = NULL;
	unsigned long flags;

	*err = -EBADF;
	if (idx >= ASYNC_REGBUF_MAX)
		return NULL;
	flags = async_spin_lock_irqsave(&t->lock);
	if (t->buf[idx]) {
		*err = async_buf_borrow(t->buf[idx], access);
		if (!*err)
			b = t->buf[idx];
	}
	async_spin_unlock_irqrestore(&t->lock, flags);
	return b;
}

void async_regbuf_destroy(struct async_regbuf_table *t)
{
	unsigned i;

	for (i = 0; i < ASYNC_REGBUF_MAX; i++)
		async_regbuf_unregister(t, i);
	async_pool_free(&async_regbuf_pool, t);
}

/* ---- Provided-buffer queues ---- */

struct async_pbq *async_pbq_create(unsigned nconsumers, unsigned credits_each)
{
	struct async_pbq *q;

	if (nconsumers == 0 || nconsumers > ASYNC_PBQ_CONSUMERS_MAX || credits_each == 0)
		return NULL;
	q = async_pool_zalloc(&async_pbq_pool);
	if (!q)
		return NULL;
	async_spin_init(&q->lock);
	q->nconsumers = nconsumers;
	q->credits = credits_each;
	return q;
}

/* Appends @id to the FIFO; caller holds q->lock. */
static void __pbq_enqueue(struct async_pbq *q, unsigned id)
{
	q->ring[(q->head + q->count) % ASYNC_PBQ_MAX] = (uint16_t)id;
	q->count++;
	q->where[id] = PBQ_QUEUED;
}

int async_pbq_provide(struct async_pbq *q, unsigned id, struct async_buf *buf)
{
	unsigned long flags;
	int err;

	if (id >= ASYNC_PBQ_MAX || !buf)
		return -EINVAL;
	err = async_buf_get(buf);
	if (err)
		return err;
	flags = async_spin_lock_irqsave(&q->lock);
	if (q->where[id] != PBQ_NONE) {
		err = -EEXIST;
	} else {
		q->buf[id] = buf;
		__pbq_enqueue(q, id);
	}
	async_spin_unlock_irqrestore(&q->lock, flags);
	if (err)
		async_buf_put(buf);
	return err;
}

/*
 * Pops the oldest queued id and borrows its buffer for the device; caller
 * holds q->lock and checked that one is queued. A buffer that cannot be
 * borrowed (released by its owner, read-only) leaves the queue: it is
 * returned through @drop for the caller to put after unlocking, and the
 * result is -EAGAIN.
 */
static int __pbq_pop(struct async_pbq *q, unsigned consumer, struct async_buf **buf,
		     struct async_buf **drop)
{
	unsigned id = q->ring[q->head];

	q->head = (q->head + 1) % ASYNC_PBQ_MAX;
	q->count--;
	if (async_buf_borrow(q->buf[id], ASYNC_BUF_WRITE)) {
		*drop = q->buf[id];
		q->buf[id] = NULL;
		q->where[id] = PBQ_NONE;
		return -EAGAIN;
	}
	q->where[id] = PBQ_TAKEN;
	q->taker[id] = (uint8_t)consumer;
	q->held[consumer]++;
	*buf = q->buf[id];
	return (int)id;
}

int async_pbq_take(struct async_pbq *q, unsigned consumer, struct async_buf **buf)
{
	struct async_buf *drop;
	unsigned long flags;
	int id = -EAGAIN;

	if (consumer >= q->nconsumers)
		return -EINVAL;
	do {
		drop = NULL;
		flags = async_spin_lock_irqsave(&q->lock);
		if (q->count && q->held[consumer] < q->credits)
			id = __pbq_pop(q, consumer, buf, &drop);
		async_spin_unlock_irqrestore(&q->lock, flags);
		if (drop)
			async_buf_put(drop); /* may free it: not under the queue lock */
	} while (drop);
	return id;
}

int async_pbq_recycle(struct async_pbq *q, unsigned id)
{
	unsigned long flags;
	int err = 0;

	if (id >= ASYNC_PBQ_MAX)
		return -EINVAL;
	flags = async_spin_lock_irqsave(&q->lock);
	if (q->where[id] != PBQ_TAKEN) {
		err = -EINVAL;
	} else {
		q->held[q->taker[id]]--;
		__pbq_enqueue(q, id);
	}
	async_spin_unlock_irqrestore(&q->lock, flags);
	return err;
}

unsigned async_pbq_available(struct async_pbq *q)
{
	unsigned long flags = async_spin_lock_irqsave(&q->lock);
	unsigned n = q->count;

	async_spin_unlock_irqrestore(&q->lock, flags);
	return n;
}

void async_pbq_destroy(struct async_pbq *q)
{
	unsigned id;

	/* Nobody else may use @q any more: no lock needed. A taken buffer a
	 * device still borrows lives on until its last unborrow. */
	for (id = 0; id < ASYNC_PBQ_MAX; id++)
		if (q->where[id] != PBQ_NONE)
			async_buf_put(q->buf[id]);
	async_pool_free(&async_pbq_pool, q);
}
