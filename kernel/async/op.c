/*
 * op.c - operation lifecycle, the trampoline that runs frames, completion,
 * cancellation, deadlines and introspection.
 *
 * Interface: see async/async.h (async_op_*, async_introspect*). Layers return
 * ASYNC_CALL / ASYNC_PENDING / a result from start and resume; drivers call
 * async_op_complete() once per ASYNC_PENDING, from any context, naming the
 * pending period by the token the pending step read (async_op_token).
 *
 * Op lifecycle (state, the function making each transition):
 *
 *   FREE --async_op_alloc--> PREPARING --async_op_submit--> SUBMITTED
 *   PREPARING --async_op_discard / failed submit--> FREE
 *   PREPARING --async_op_cancel--> PREPARING (the reason is recorded; the op
 *     starts cancelled: pushes refuse, the first pending frame's hook runs)
 *   SUBMITTED | COMPLETING --a frame returns ASYNC_PENDING, op_park--> PENDING
 *   PENDING --async_op_complete(token of this period)--> COMPLETING (trampoline
 *     runs resume steps; the period's token is used up)
 *   COMPLETING --resume re-arms (ASYNC_CALL / ASYNC_PENDING)--> ... PENDING
 *   SUBMITTED | COMPLETING --the bottom frame returns a result, op_finish--> COMPLETED
 *   COMPLETED --posted to the waiter slot or done callback, then the last
 *     async_op_put--> FREE (the op stays busy and COMPLETED while the result
 *     leaves: no lock is taken again after the post)
 *   COMPLETED --posted, the in-flight reference the last one,
 *     __async_waiter_post_final--> FREE in the waiter's op cache (same lock
 *     section as the post) --async_op_alloc_for / _armed--> PREPARING
 *
 * Locks per op: op_start and op_finish take no op lock (the owner holds busy,
 * and the fields others read are atomic), so an op that completes inside its
 * submit takes none at all; one that pends takes one section to park and one
 * per completion. Ops allocated for a slot come from the waiter's cache in
 * the waiter-lock section that binds them and go back in the post's section.
 *
 * Guarantees per state (checked by __async_op_check when ASYNC_PORT_ASSERTS):
 *   PREPARING: busy, no deadline armed; linked to its slot only if it was
 *     allocated for it (async_op_alloc_for / _armed: a slot cancel reaches it).
 *   SUBMITTED, COMPLETING: busy (one owner runs the frames), top != NULL.
 *   PENDING: not busy, top != NULL, no result waiting.
 *   COMPLETED: top == NULL, the result has left (once) or is leaving.
 *
 * Ordering, the one rule everything relies on: the frames ([O] fields) belong
 * to whoever set op->busy under op->lock, and only that thread touches them
 * until it clears busy under op->lock. A completion or cancel that arrives
 * while someone is busy only records itself under the lock (have_result,
 * cancel_reason); the owner re-checks both under the lock before it lets go
 * (op_park), so nothing is lost and nothing recurses: a completion that
 * happens synchronously inside a start is taken by the loop in op_drive.
 * The lock's acquire/release orders the frame contents between owners, also
 * between an IRQ handler and a thread or between CPUs.
 *
 * No nesting: a step may start or complete another op (a mutex hand-off, a
 * join's last child completing the parent, a done callback submitting the
 * next op). Running that op's trampoline right there would nest one C call
 * chain per op, so a queue of N waiters would need N levels of stack. Instead
 * each execution context (a thread; an interrupt may share the slot of the
 * thread it interrupted) keeps a run list while it runs a trampoline, found
 * through async_port_context_slot(). An op that becomes runnable inside a
 * trampoline is claimed (busy) and pushed there; the outermost trampoline of
 * that context runs it after the current op lets go (op_run, runq_drain). C
 * stack use is then bounded by the code, whatever the data.
 *
 * Pending periods: each time an op pends, the step that pends reads its token
 * (async_op_token) and the completion names it. A completion whose token is
 * not the current period's (a duplicate, or a late one from an earlier
 * period) is counted, warned about once and dropped.
 */
#include "async_int.h"

ASYNC_POOL_DEFINE(async_op_pool, "async_op", struct async_op, ASYNC_OPS_MAX);

static struct async_op_stats op_stats; /* [a] relaxed counters */
unsigned long async_stat_spilled_frames;
static bool stale_warned; /* [a] the stale-completion warning was printed */

/*
 * A context's run list, on the C stack of its outermost trampoline. Pushed by
 * that context (or an interrupt running on it), drained only by it: a LIFO
 * pushed with compare-and-swap, reversed into FIFO order when drained.
 */
struct op_runq {
	struct async_op *head; /* [a] */
};

#define STAT_INC(field) __atomic_add_fetch(&op_stats.field, 1, __ATOMIC_RELAXED)

static const char *const state_names[] = {
    [OP_FREE] = "free",	      [OP_PREPARING] = "preparing",   [OP_SUBMITTED] = "submitted",
    [OP_PENDING] = "pending", [OP_COMPLETING] = "completing", [OP_COMPLETED] = "completed",
};

void __async_op_check(const struct async_op *op)
{
	ASYNC_ASSERT(async_pool_contains(&async_op_pool, op));
	ASYNC_ASSERT(async_atomic_load(&op->refs) > 0);
	switch (op_state(op)) {
	case OP_PREPARING:
	case OP_SUBMITTED:
	case OP_COMPLETING:
		ASYNC_ASSERT(op->busy);
		break;
	case OP_PENDING:
		ASYNC_ASSERT(!op->busy && op->top && !op->have_result);
		break;
	case OP_COMPLETED:
		ASYNC_ASSERT(!op->top && op->inline_used == 0 && !op->spill);
		break;
	default:
		async_port_panic("async op %p in impossible state %u", (const void *)op,
				 op_state(op));
	}
	ASYNC_ASSERT(op->inline_used <= ASYNC_STACK_BYTES);
}

/* The part of the op cleared at each allocation: refs up to the timer (async_int.h). */
#define OP_CLEARED_WORDS ((offsetof(struct async_op, timer) - offsetof(struct async_op, refs)) / 8)
_Static_assert(offsetof(struct async_op, refs) % 8 == 0 &&
		   offsetof(struct async_op, timer) % 8 == 0,
	       "op_init_fields clears whole words");

/*
 * Makes @obj a fresh PREPARING op spilling into @heap. The shared header
 * (async_int.h) is written with atomic stores, state last: an op reused from
 * a waiter's cache may be read by an introspection walk meanwhile, which
 * skips it while it is OP_FREE. The lock is not touched here.
 */
static void op_init_fields(void *obj, void *heap)
{
	struct async_op *op = obj;
	uint64_t *w = (uint64_t *)&op->refs;

	/* Straight-line stores (async_zero_words says why not memset). The inline
	 * stack needs no clearing: async_push zeroes each frame's state. */
#pragma GCC unroll 32
	for (size_t i = 0; i < OP_CLEARED_WORDS; i++)
		w[i] = 0;
	op->refs = 1;
	__atomic_store_n(&op->period, op->period + 1, __ATOMIC_RELEASE); /* survives reuse */
	__atomic_store_n(&op->busy, true, __ATOMIC_RELAXED);
	__atomic_store_n(&op->cancel_reason, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&op->submit_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&op->heap, heap, __ATOMIC_RELAXED);
	op_set_state(op, OP_PREPARING);
}

/*
 * Runs under the op pool's lock (async_pool_alloc_init), so an introspection
 * walk of the pool sees either no op or an initialised one. That walk replaces
 * a list of live ops: no lock of its own on every alloc and free.
 */
static void op_init_pooled(void *obj, void *heap)
{
	struct async_op *op = obj;

	async_spin_init(&op->lock); /* the pool's free list used its first word */
	op_init_fields(op, heap);
}

/* Takes an op from the pool; when the pool is empty, ops parked in waiters' caches come back. */
static struct async_op *op_from_pool(struct async_heap *heap)
{
	struct async_op *op = async_pool_alloc_init(&async_op_pool, op_init_pooled, heap);

	if (!op && __async_waiter_cache_reclaim())
		op = async_pool_alloc_init(&async_op_pool, op_init_pooled, heap);
	return op;
}

struct async_op *async_op_alloc(struct async_heap *heap)
{
	return op_from_pool(heap ? heap : async_kernel_heap());
}

/*
 * One waiter-lock section when the waiter's cache has an op: the slot check,
 * the op and its binding together (what attach did at submit). Else an op
 * from the pool, attached here.
 */
struct async_op *async_op_alloc_for(const struct async_handle *h, struct async_heap *heap)
{
	struct async_op *op;
	int err;

	if (!heap)
		heap = async_kernel_heap();
	op = __async_waiter_cached_op(h, op_init_fields, heap, &err);
	if (err == -ENOMEM)
		async_pool_note_failure(&async_op_pool); /* an injected fault, as the pool would */
	if (op || err)
		goto out;
	op = op_from_pool(heap);
	if (op && __async_waiter_attach(h, op)) {
		async_op_put(op);
		return NULL;
	}
out:
	if (op) {
		op->bound = true;
		op->handle = *h;
	}
	return op;
}

int async_op_alloc_armed(struct async_waiter *w, unsigned slot, struct async_heap *heap,
			 struct async_handle *h, struct async_op **opp)
{
	return async_op_alloc_armed_batch(NULL, w, slot, heap, h, opp);
}

/* The held op leaves @b inside the waiter section; its in-flight reference after it. */
int async_op_alloc_armed_batch(struct async_post_batch *b, struct async_waiter *w, unsigned slot,
			       struct async_heap *heap, struct async_handle *h,
			       struct async_op **opp)
{
	struct async_op *held = b ? b->op : NULL;
	bool kept = false;
	struct async_op *op;
	int err;

	if (!heap)
		heap = async_kernel_heap();
	*opp = NULL;
	op = __async_waiter_post_arm_cached(b, &kept, w, slot, h, op_init_fields, heap, &err);
	if (held) {
		b->op = NULL;
		if (!kept)
			async_op_put(held);
	}
	if (err == -ENOMEM) {
		async_pool_note_failure(&async_op_pool);
		return 0; /* armed, no op */
	}
	if (err)
		return err;
	if (!op) {
		op = op_from_pool(heap);
		if (op && __async_waiter_attach(h, op)) {
			async_op_put(op);
			op = NULL;
		}
	}
	if (op) {
		op->bound = true;
		op->handle = *h;
		op->post_batch = b;
	}
	*opp = op;
	return 0;
}

void async_post_batch_end(struct async_post_batch *b)
{
	struct async_op *op = b->op;

	if (!op)
		return;
	b->op = NULL;
	if (!__async_waiter_post_final(op, b->result))
		async_op_put(op);
}

/* No state is written after the stack is released: a walk may be reading it. */
static void op_free(struct async_op *op)
{
	__async_stack_release(op);
	async_pool_free(&async_op_pool, op);
}

void async_op_get(struct async_op *op)
{
	int r = async_atomic_inc(&op->refs);

	ASYNC_ASSERT(r > 1);
	(void)r;
}

void async_op_put(struct async_op *op)
{
	int r = async_atomic_dec(&op->refs);

	if (r < 0)
		async_port_panic("async op %p: reference count underflow", (void *)op);
	if (r == 0)
		op_free(op);
}

void async_op_discard(struct async_op *op)
{
	ASYNC_ASSERT(op_state(op) == OP_PREPARING);
	if (op->bound)
		__async_waiter_detach(&op->handle, op); /* the slot is armed again, without an op */
	async_op_put(op);
}

void async_op_on_finish(struct async_op *op, void (*fn)(void *arg, unsigned val), void *arg,
			unsigned val)
{
	ASYNC_ASSERT(op_state(op) == OP_PREPARING && !op->finish_fn);
	op->finish_fn = fn;
	op->finish_arg = arg;
	op->finish_val = val;
}

void async_op_set_deadline(struct async_op *op, uint64_t deadline_ns)
{
	ASYNC_ASSERT(op_state(op) == OP_PREPARING);
	op->deadline_ns = deadline_ns;
}

int async_op_cancel_reason(const struct async_op *op)
{
	return __atomic_load_n(&op->cancel_reason, __ATOMIC_RELAXED);
}

static int64_t frame_start(struct async_op *op)
{
	struct async_frame *f = op->top;

	return f->layer->start(op, async_frame_state(f));
}

static int64_t frame_resume(struct async_op *op, int64_t result)
{
	struct async_frame *f = op->top;

	if (!f->layer->resume)
		return result;
	return f->layer->resume(op, async_frame_state(f), result);
}

/*
 * Stamps the op's submit time and its frames' start times, the first time the
 * op parks with them: only a parked op's frames are ever reported, so an op
 * that runs to its end inside its submit never reads the clock (on the host
 * a clock read costs as much as a lock section). Frames pushed since the last
 * park are the unstamped ones on top.
 */
static void op_stamp(struct async_op *op)
{
	struct async_frame *f = op->top;
	uint64_t now;

	if (f->start_ns)
		return;
	now = async_port_now_ns();
	if (!now)
		now = 1; /* 0 means "not stamped" */
	if (!__atomic_load_n(&op->submit_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&op->submit_ns, now, __ATOMIC_RELAXED);
	for (; f && !f->start_ns; f = f->prev)
		f->start_ns = now;
}

/*
 * The owner is about to let go with the top frame pending. Takes a result or
 * a cancel that arrived meanwhile (returning the next step), else parks the op
 * and returns ASYNC_PENDING with busy cleared.
 */
static int64_t op_park(struct async_op *op)
{
	struct async_frame *f = op->top;
	unsigned long flags;
	int64_t res;

	op_stamp(op);
	for (;;) {
		flags = async_spin_lock_irqsave(&op->lock);
		if (op->have_result) {
			res = op->result;
			op->have_result = false;
			op->cancel_delivered = false;
			op_set_state(op, OP_COMPLETING);
			async_spin_unlock_irqrestore(&op->lock, flags);
			return frame_resume(op, res);
		}
		if (op->cancel_reason && !op->cancel_delivered && f->layer->cancel) {
			op->cancel_delivered = true;
			async_spin_unlock_irqrestore(&op->lock, flags);
			f->layer->cancel(op, async_frame_state(f));
			continue;
		}
		op->post_batch = NULL; /* it completes elsewhere, after its submit */
		op_set_state(op, OP_PENDING);
		op->busy = false;
		__async_op_check(op);
		async_spin_unlock_irqrestore(&op->lock, flags);
		return ASYNC_PENDING;
	}
}

static void op_timer_fire(struct async_port_timer *t)
{
	struct async_op *op =
	    (struct async_op *)((unsigned char *)t - offsetof(struct async_op, timer));

	STAT_INC(timeouts);
	async_op_cancel(op, -ETIMEDOUT);
	async_op_put(op);
}

/*
 * The bottom frame returned @res: deliver it, exactly once, then drop the
 * in-flight ref. No op-lock section: the owner still holds busy, so a
 * completion or a cancel arriving now only records itself (and a completion
 * here is a driver bug, caught as stale once the state reads COMPLETED);
 * the state is stored atomically for them. A posted op whose last
 * reference is the in-flight one goes into its waiter's op cache inside the
 * post's own lock section, with its stack already released. The finish
 * hook (async_op_on_finish) runs first: what it gives back is back before
 * anyone can see the result.
 */
static void op_finish(struct async_op *op, int64_t res)
{
	if (op->finish_fn)
		op->finish_fn(op->finish_arg, op->finish_val);
	op_set_state(op, OP_COMPLETED);
	__async_op_check(op);
	if (op->timer_armed && async_port_timer_cancel(&op->timer))
		async_op_put(op);
	if (op->done) {
		STAT_INC(completed); /* a slot's op is counted by the post (waiter.c) */
		op->done(op, res, op->done_arg);
	} else {
		if (op->reserve) /* else it holds no chunk: its last frame is popped */
			__async_stack_release(op);
		if (op->post_batch) {
			/* Inside its submit: the batch posts it with the next arm. */
			ASYNC_ASSERT(!op->post_batch->op);
			op->post_batch->op = op;
			op->post_batch->result = res;
			op->post_batch = NULL;
			return; /* the in-flight reference goes with it */
		}
		if (__async_waiter_post_final(op, res))
			return;
	}
	async_op_put(op);
}

/*
 * The trampoline. The caller owns op->busy; @r is the step to interpret.
 * ASYNC_CALL runs the new top frame's start, ASYNC_PENDING parks (or picks up
 * what arrived), a result pops the frame and resumes the one below.
 */
static void op_drive(struct async_op *op, int64_t r)
{
	for (;;) {
		if (r == ASYNC_CALL) {
			r = frame_start(op);
			continue;
		}
		if (r == ASYNC_PENDING) {
			r = op_park(op);
			if (r == ASYNC_PENDING)
				return;
			continue;
		}
		if (ASYNC_PORT_ASSERTS && op->have_result)
			async_port_panic(
			    "async op %p: layer %s returned a result with a completion "
			    "outstanding",
			    (void *)op, op->top->layer->name);
		__async_pop(op);
		if (!op->top) {
			op_finish(op, r);
			return;
		}
		r = frame_resume(op, r);
		if (r == ASYNC_CALL || r == ASYNC_PENDING)
			STAT_INC(rearms); /* the frame started more work below */
	}
}

/* Runs the step recorded in op->run_* (the caller owns op->busy). */
static void op_step(struct async_op *op)
{
	int64_t r = op->run_value;

	if (op->run_resume)
		r = frame_resume(op, r);
	op_drive(op, r);
}

static void runq_push(struct op_runq *rq, struct async_op *op)
{
	struct async_op *head = __atomic_load_n(&rq->head, __ATOMIC_RELAXED);

	do
		op->run_next = head;
	while (!__atomic_compare_exchange_n(&rq->head, &head, op, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
}

/*
 * Runs every op deferred to @rq, including those deferred meanwhile, then
 * withdraws @rq from the context's @slot. The slot is cleared before the last
 * look at the list: an interrupt that comes after the clear runs its op
 * itself, one that came before has pushed it where the look sees it.
 */
static void runq_drain(struct op_runq *rq, void **slot)
{
	struct async_op *batch, *fifo, *next;

	for (;;) {
		batch = NULL;
		if (__atomic_load_n(&rq->head, __ATOMIC_RELAXED))
			batch = __atomic_exchange_n(&rq->head, NULL, __ATOMIC_ACQUIRE);
		if (!batch) {
			__atomic_store_n(slot, NULL, __ATOMIC_RELAXED);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			if (!__atomic_load_n(&rq->head, __ATOMIC_ACQUIRE))
				return;
			__atomic_store_n(slot, rq, __ATOMIC_RELAXED);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			continue;
		}
		for (fifo = NULL; batch; batch = next) {
			next = batch->run_next;
			batch->run_next = fifo;
			fifo = batch;
		}
		for (; fifo; fifo = next) {
			next = fifo->run_next; /* op_step may free the op */
			op_step(fifo);
		}
	}
}

/*
 * The caller owns op->busy and wants the trampoline run from @value (resumed
 * into the top frame if @resume). Inside a trampoline of this context the op
 * is deferred to it; otherwise this becomes the context's outermost
 * trampoline and runs the op, then everything deferred to it.
 */
static void op_run(struct async_op *op, bool resume, int64_t value)
{
	void **slot = async_port_context_slot();
	struct op_runq *running = __atomic_load_n(slot, __ATOMIC_RELAXED);
	struct op_runq mine = {.head = NULL};

	op->run_resume = resume;
	op->run_value = value;
	if (running) {
		op->post_batch = NULL; /* it finishes after its submit has returned */
		STAT_INC(deferred);
		runq_push(running, op);
		return;
	}
	__atomic_store_n(slot, &mine, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	op_step(op);
	runq_drain(&mine, slot);
}

/* A failed push or an empty stack refuses the op before anything sees it. */
static int op_refuse(struct async_op *op)
{
	int err = (int)op->push_err;

	ASYNC_ASSERT(op_state(op) == OP_PREPARING);
	if (!err && !op->top)
		err = -EINVAL;
	if (err)
		async_op_discard(op);
	return err;
}

/*
 * No lock: the op is busy (ours), and introspection reads the state
 * atomically. No clock either: submit_ns is stamped when the op first parks
 * (op_stamp); until then introspection shows the running op with age 0.
 */
static void op_start(struct async_op *op)
{
	op_set_state(op, OP_SUBMITTED);
	if (op->done)
		STAT_INC(submitted); /* a slot's op: counted from its slot (waiter.c) */
	if (op->deadline_ns) {
		async_atomic_inc(&op->refs);
		op->timer_armed = true;
		async_port_timer_init(&op->timer, op_timer_fire);
		async_port_timer_arm(&op->timer, op->deadline_ns);
	}
	op_run(op, false, ASYNC_CALL);
}

int async_op_submit(struct async_op *op, const struct async_handle *h)
{
	int err = op_refuse(op);

	if (err)
		return err;
	if (op->bound) {
		/* Attached when it was allocated for this slot (async_op_alloc_for). */
		if (op->handle.waiter != h->waiter || op->handle.slot != h->slot ||
		    op->handle.gen != h->gen || op->handle.epoch != h->epoch) {
			async_op_discard(op);
			return -EINVAL;
		}
	} else {
		op->handle = *h;
		err = __async_waiter_attach(h, op);
		if (err) {
			async_op_discard(op);
			return err;
		}
	}
	op_start(op); /* op->done is NULL since its allocation */
	return 0;
}

int async_op_submit_fn(struct async_op *op,
		       void (*done)(struct async_op *op, int64_t res, void *arg), void *arg)
{
	int err = op_refuse(op);

	if (err)
		return err;
	if (op->bound) {
		async_op_discard(op); /* allocated for a slot: its result must go there */
		return -EINVAL;
	}
	op->done = done;
	op->done_arg = arg;
	op_start(op);
	return 0;
}

uint32_t async_op_token(const struct async_op *op)
{
	return __atomic_load_n(&op->period, __ATOMIC_ACQUIRE);
}

/* A completion that does not belong to the op's current pending period. */
static void op_stale(struct async_op *op, uint32_t token, int64_t result)
{
	STAT_INC(stale_completions);
	if (!__atomic_exchange_n(&stale_warned, true, __ATOMIC_RELAXED))
		async_port_log("op %p: dropped a stale or double completion (token %u, "
			       "current %u, result %lld); further ones are only counted\n",
			       (void *)op, token, async_op_token(op), (long long)result);
}

void async_op_complete(struct async_op *op, uint32_t token, int64_t result)
{
	unsigned long flags = async_spin_lock_irqsave(&op->lock);
	unsigned state = op_state(op);

	/* A matching token on an op that cannot be completed: it never pended in
	 * this period (it finished by returning a result, or is preparing). */
	if (token != op->period || op->have_result || state == OP_FREE || state == OP_PREPARING ||
	    state >= OP_COMPLETED || (!op->busy && state != OP_PENDING)) {
		async_spin_unlock_irqrestore(&op->lock, flags);
		op_stale(op, token, result);
		return;
	}
	__atomic_store_n(&op->period, op->period + 1, __ATOMIC_RELEASE);
	if (op->busy) {
		/* The owner is inside a step (synchronous completion) or a cancel hook. */
		op->result = result;
		op->have_result = true;
		async_spin_unlock_irqrestore(&op->lock, flags);
		STAT_INC(sync_completions);
		return;
	}
	op->busy = true;
	op_set_state(op, OP_COMPLETING);
	op->cancel_delivered = false;
	__async_op_check(op);
	async_spin_unlock_irqrestore(&op->lock, flags);
	op_run(op, true, result);
}

int async_op_post_more(struct async_op *op, int64_t result, unsigned flags, unsigned buf)
{
	if (op->done)
		return -EINVAL;
	return async_waiter_post(&op->handle, result, flags | ASYNC_EV_MORE, buf);
}

void async_op_final_buf(struct async_op *op, unsigned buf)
{
	op->final_flags = ASYNC_EV_BUF;
	op->final_buf = (uint16_t)buf;
}

void async_op_cancel(struct async_op *op, int reason)
{
	unsigned long flags = async_spin_lock_irqsave(&op->lock);

	/* A preparing op is busy: the reason is recorded and applied when it starts. */
	if (op_state(op) >= OP_COMPLETED || op->cancel_reason) {
		async_spin_unlock_irqrestore(&op->lock, flags);
		return;
	}
	/* Atomic: async_push() reads it without the lock to refuse re-arming. */
	__atomic_store_n(&op->cancel_reason, reason, __ATOMIC_RELAXED);
	STAT_INC(cancels);
	if (op->busy) {
		/* The owner delivers the cancel to the next pending frame (op_park). */
		async_spin_unlock_irqrestore(&op->lock, flags);
		return;
	}
	op->busy = true;
	async_spin_unlock_irqrestore(&op->lock, flags);
	op_run(op, false, ASYNC_PENDING);
}

/*
 * submitted and completed: ops with a done callback here, ops completing to a
 * slot from the waiters (no shared counter on their path: a locked increment
 * cost more than any other step of the host round trip).
 */
void async_op_stats(struct async_op_stats *out)
{
	unsigned long slot_submitted, slot_completed;

	__async_waiter_op_counts(&slot_submitted, &slot_completed);
	out->completed = __atomic_load_n(&op_stats.completed, __ATOMIC_RELAXED) + slot_completed;
	out->submitted = __atomic_load_n(&op_stats.submitted, __ATOMIC_RELAXED) + slot_submitted;
	out->sync_completions = __atomic_load_n(&op_stats.sync_completions, __ATOMIC_RELAXED);
	out->spilled_frames = __atomic_load_n(&async_stat_spilled_frames, __ATOMIC_RELAXED);
	out->rearms = __atomic_load_n(&op_stats.rearms, __ATOMIC_RELAXED);
	out->cancels = __atomic_load_n(&op_stats.cancels, __ATOMIC_RELAXED);
	out->timeouts = __atomic_load_n(&op_stats.timeouts, __ATOMIC_RELAXED);
	out->deferred = __atomic_load_n(&op_stats.deferred, __ATOMIC_RELAXED);
	out->stale_completions = __atomic_load_n(&op_stats.stale_completions, __ATOMIC_RELAXED);
}

size_t async_op_bytes(void)
{
	return ASYNC_POOL_STRIDE(struct async_op) + __async_slot_bytes();
}

/* ---- Introspection ---- */

/* @now - @then, 0 if @then is later (it started after @now was read) or unset. */
static uint64_t age_since(uint64_t now, uint64_t then)
{
	return then && now > then ? now - then : 0;
}

/*
 * Reports one op; frames only when it is parked (then nobody may move them:
 * leaving PENDING takes the lock we hold). Ops parked in a waiter's op cache
 * (OP_FREE) are skipped; the header fields are loaded atomically because an
 * op that is not parked may finish, go into a cache and be initialised for
 * its next use meanwhile without this lock (async_int.h).
 */
static void introspect_op(struct async_op *op, uint64_t now,
			  void (*op_fn)(const struct async_op_info *, void *),
			  void (*frame_fn)(const struct async_frame_info *, void *), void *arg)
{
	unsigned long flags = async_spin_lock_irqsave(&op->lock);
	unsigned state = op_state(op);
	bool parked = state == OP_PENDING;
	bool busy = __atomic_load_n(&op->busy, __ATOMIC_RELAXED);
	struct async_op_info oi = {
	    .op = op,
	    .state = busy && state != OP_PREPARING ? "running" : state_names[state],
	    .age_ns = age_since(now, __atomic_load_n(&op->submit_ns, __ATOMIC_RELAXED)),
	    .cancel_reason = __atomic_load_n(&op->cancel_reason, __ATOMIC_RELAXED),
	    .nframes = parked ? op->nframes : 0,
	    .heap = __atomic_load_n(&op->heap, __ATOMIC_RELAXED),
	};
	struct async_frame *f;
	struct async_frame_info fi;

	if (state == OP_FREE)
		goto out_unlock;
	op_fn(&oi, arg);
	for (f = parked ? op->top : NULL, fi.depth = 0; f && frame_fn; f = f->prev, fi.depth++) {
		fi.layer = f->layer->name;
		fi.waiting_on =
		    f->layer->waiting_on ? f->layer->waiting_on(async_frame_state(f)) : NULL;
		fi.age_ns = age_since(now, f->start_ns);
		fi.spilled = f->flags & ASYNC_FRAME_SPILLED;
		frame_fn(&fi, arg);
	}
out_unlock:
	async_spin_unlock_irqrestore(&op->lock, flags);
}

struct introspect_walk {
	uint64_t now;
	void (*op_fn)(const struct async_op_info *oi, void *arg);
	void (*frame_fn)(const struct async_frame_info *fi, void *arg);
	void *arg;
};

static void introspect_one(void *obj, void *arg)
{
	const struct introspect_walk *iw = arg;

	introspect_op(obj, iw->now, iw->op_fn, iw->frame_fn, iw->arg);
}

void async_introspect(void (*op_fn)(const struct async_op_info *oi, void *arg),
		      void (*frame_fn)(const struct async_frame_info *fi, void *arg), void *arg)
{
	struct introspect_walk iw = {
	    .now = async_port_now_ns(), .op_fn = op_fn, .frame_fn = frame_fn, .arg = arg};

	async_pool_walk(&async_op_pool, introspect_one, &iw);
}

static void print_op(const struct async_op_info *oi, void *arg)
{
	void (*print)(const char *, ...) = *(void (**)(const char *, ...))arg;

	print("op %p %s age %llu us frames %u%s\n", oi->op, oi->state,
	      (unsigned long long)(oi->age_ns / 1000), oi->nframes,
	      oi->cancel_reason ? " (cancelling)" : "");
}

static void print_frame(const struct async_frame_info *fi, void *arg)
{
	void (*print)(const char *, ...) = *(void (**)(const char *, ...))arg;

	print("  #%u %s: %s, %llu us%s\n", fi->depth, fi->layer,
	      fi->waiting_on ? fi->waiting_on : "-", (unsigned long long)(fi->age_ns / 1000),
	      fi->spilled ? " [spilled]" : "");
}

void async_introspect_print(void (*print)(const char *fmt, ...))
{
	async_introspect(print_op, print_frame, &print);
}
