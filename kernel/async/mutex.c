/*
 * mutex.c - the async mutex: an op waits for it without blocking a thread.
 *
 * Interface: async_mutex_init; `return async_mutex_lock(m, op);` from a layer
 * step resumes that layer with 0 once the op holds the mutex, or with
 * the cancel reason (-ECANCELED, -ETIMEDOUT) if the op was cancelled while queued (then it does not
 * hold it); async_mutex_unlock from any context.
 *
 * Waiter states (a mutex frame, under m->lock):
 *   start: mutex free -> HELD by this op (frame pops at once, result 0)
 *          mutex held -> QUEUED at the tail (FIFO), the op pends
 *   async_mutex_unlock: QUEUED head -> OWNER by hand-off (held stays true, so
 *          nobody can barge in), async_op_complete(op, token, 0), which runs
 *          the next waiter after the unlocker's step, never nested in it
 *   cancel hook: QUEUED -> removed, async_op_complete(op, token, -ECANCELED);
 *          already handed off -> nothing (the hand-off's 0 wins the race)
 *
 * Ordering: the queue links frames of pending ops; a pending op's frames do
 * not move, and a frame leaves the queue under m->lock before its op is
 * completed, so no frame is ever on the queue after its op moved on.
 */
#include "async_int.h"

struct mutex_wait {
	struct async_mutex *m;	  /* [I] */
	struct async_op *op;	  /* [I] */
	struct async_frame *self; /* [I] this frame, as linked on the queue */
	struct async_frame *next; /* [L] m->lock: next waiter */
	uint32_t token;		  /* [L] the op's pending period, valid iff queued */
	bool queued;		  /* [L] */
};
ASYNC_FRAME_STATE_CHECK(struct mutex_wait);

static int64_t mutex_start(struct async_op *op, void *state);
static void mutex_cancel(struct async_op *op, void *state);

static const char *mutex_waiting_on(const void *state)
{
	(void)state;
	return "async mutex";
}

static const struct async_layer mutex_layer = {
    .name = "mutex",
    .state_size = sizeof(struct mutex_wait),
    .start = mutex_start,
    .cancel = mutex_cancel,
    .waiting_on = mutex_waiting_on,
};

void async_mutex_init(struct async_mutex *m)
{
	memset(m, 0, sizeof(*m));
	async_spin_init(&m->lock);
}

int64_t async_mutex_lock(struct async_mutex *m, struct async_op *op)
{
	struct mutex_wait *w = async_push(op, &mutex_layer);

	if (!w)
		return async_op_push_error(op);
	w->m = m;
	w->op = op;
	w->self = op->top;
	return ASYNC_CALL;
}

static struct mutex_wait *wait_of(struct async_frame *f)
{
	return async_frame_state(f);
}

static int64_t mutex_start(struct async_op *op, void *state)
{
	struct mutex_wait *w = state;
	struct async_mutex *m = w->m;
	unsigned long flags = async_spin_lock_irqsave(&m->lock);

	if (!m->held) {
		m->held = true;
		async_spin_unlock_irqrestore(&m->lock, flags);
		return 0;
	}
	w->token = async_op_token(op);
	w->queued = true;
	if (m->tail)
		wait_of(m->tail)->next = w->self;
	else
		m->head = w->self;
	m->tail = w->self;
	m->contended++;
	async_spin_unlock_irqrestore(&m->lock, flags);
	return ASYNC_PENDING;
}

bool async_mutex_trylock(struct async_mutex *m)
{
	unsigned long flags = async_spin_lock_irqsave(&m->lock);
	bool got = !m->held;

	m->held = true;
	async_spin_unlock_irqrestore(&m->lock, flags);
	return got;
}

/* Takes @f off the queue; caller holds m->lock and knows @f is queued. */
static void __mutex_unlink(struct async_mutex *m, struct async_frame *f)
{
	struct async_frame *prev = NULL, *it;

	for (it = m->head; it != f; it = wait_of(it)->next)
		prev = it;
	if (prev)
		wait_of(prev)->next = wait_of(f)->next;
	else
		m->head = wait_of(f)->next;
	if (m->tail == f)
		m->tail = prev;
	wait_of(f)->queued = false;
}

void async_mutex_unlock(struct async_mutex *m)
{
	unsigned long flags = async_spin_lock_irqsave(&m->lock);
	struct async_frame *f = m->head;
	struct async_op *op;
	uint32_t token;

	if (!m->held)
		async_port_panic("async mutex %p unlocked while not held", (void *)m);
	if (!f) {
		m->held = false;
		async_spin_unlock_irqrestore(&m->lock, flags);
		return;
	}
	op = wait_of(f)->op;
	token = wait_of(f)->token;
	__mutex_unlink(m, f);
	async_spin_unlock_irqrestore(&m->lock, flags);
	/* Inside a trampoline (an unlock from a step) the core defers the next
	 * waiter's run to it: a chain of hand-offs does not nest. */
	async_op_complete(op, token, 0);
}

static void mutex_cancel(struct async_op *op, void *state)
{
	struct mutex_wait *w = state;
	unsigned long flags = async_spin_lock_irqsave(&w->m->lock);
	bool was_queued = w->queued;

	if (was_queued)
		__mutex_unlink(w->m, w->self);
	async_spin_unlock_irqrestore(&w->m->lock, flags);
	if (was_queued)
		async_op_complete(op, w->token, async_op_cancel_reason(op));
}
