/*
 * test_async_mutex.c - the async mutex in the kernel: ops that contend for it
 * queue without blocking a thread and get it in FIFO order, each holding it
 * across a timer-IRQ device request; the unlock in one op's IRQ-time resume
 * hands the mutex to the next op, which starts its device from that IRQ. An
 * op cancelled while queued resumes with -ECANCELED and never holds it.
 *
 * The "locked" layer logs +id when it gets the mutex and -id when it lets
 * go; the log must read +A -A +B -B ... in submission order.
 */
#include "test_async.h"

#include <kernel/sched.h>

#define HOLD_NS	 (40 * NSEC_PER_MSEC) /* long enough that submitting never outlasts a hold */
#define MLOG_MAX 16

struct locked_frame {
	struct async_mutex *m; /* [I] */
	int id;		       /* [I] 1, 2, ... */
	bool holding;	       /* [O] */
};
ASYNC_FRAME_STATE_CHECK(struct locked_frame);

static int mlog[MLOG_MAX]; /* [irq] +id acquired, -id released */
static unsigned mlog_n;	   /* [irq] */

static void mlog_add(int v)
{
	if (mlog_n < MLOG_MAX)
		mlog[mlog_n++] = v;
}

static int64_t locked_start(struct async_op *op, void *state)
{
	struct locked_frame *f = state;

	return async_mutex_lock(f->m, op);
}

static int64_t locked_resume(struct async_op *op, void *state, int64_t r)
{
	struct locked_frame *f = state;
	int err;

	if (!f->holding) {
		if (r < 0)
			return r; /* cancelled while queued: not holding it */
		f->holding = true;
		mlog_add(f->id);
		err = tdev_push(op, HOLD_NS, 10 * f->id, 0);
		if (!err)
			return ASYNC_CALL;
		r = err;
	}
	mlog_add(-f->id);
	f->holding = false;
	async_mutex_unlock(f->m);
	return r;
}

static const struct async_layer locked_layer = {
    .name = "locked",
    .state_size = sizeof(struct locked_frame),
    .start = locked_start,
    .resume = locked_resume,
};

static void locked_submit(struct async_waiter *w, unsigned slot, struct async_mutex *m, int id)
{
	struct async_op *op = async_op_alloc(NULL);
	struct locked_frame *f;

	KT_ASSERT(op != NULL);
	f = async_push(op, &locked_layer);
	KT_ASSERT(f != NULL);
	f->m = m;
	f->id = id;
	kt_async_submit(w, slot, op);
}

KTEST(async_mutex_fifo)
{
	static const int expect[] = {1, -1, 2, -2, 3, -3, 4, -4};
	struct kt_async_idle idle;
	static struct async_mutex m; /* static: outlives the case if it fails early */
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	tdev_reset();
	mlog_n = 0;
	async_mutex_init(&m);
	KT_EQ(async_waiter_create(4, &w), 0);
	t0 = clock_now_ns();
	for (unsigned i = 0; i < 4; i++)
		locked_submit(w, i, &m, (int)i + 1);
	/* Op 1 holds it and waits on its device; 2, 3, 4 queue behind it. */
	KT_EQ(mlog_n, 1);
	KT_EQ(m.contended, 3);
	KT_EQ(tdev_stats.started, 1);
	for (unsigned i = 0; i < 4; i++) {
		ev = kt_async_wait_one(w, NSEC_PER_SEC);
		KT_EQ(ev.slot, i);
		KT_EQ(ev.result, 10 * (i + 1));
		/* Holds never overlap: op i ends after i + 1 back-to-back holds. */
		KT_ASSERT(clock_now_ns() >= t0 + (i + 1) * HOLD_NS);
	}
	KT_EQ(mlog_n, 8);
	for (unsigned i = 0; i < 8; i++)
		KT_EQ(mlog[i], expect[i]);
	KT_ASSERT(!m.held && !m.head && !m.tail);
	KT_EQ(tdev_stats.fired_irqs_on, 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

KTEST(async_mutex_cancel_queued)
{
	static const int expect[] = {1, -1, 3, -3};
	struct kt_async_idle idle;
	static struct async_mutex m; /* static: outlives the case if it fails early */
	struct async_waiter *w;
	struct async_event ev;

	kt_async_idle_take(&idle);
	tdev_reset();
	mlog_n = 0;
	async_mutex_init(&m);
	KT_EQ(async_waiter_create(3, &w), 0);
	for (unsigned i = 0; i < 3; i++)
		locked_submit(w, i, &m, (int)i + 1);
	/* Op 2 leaves the queue at once; op 3 moves up behind op 1. */
	KT_EQ(async_waiter_cancel(w, 1), 0);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	KT_EQ(ev.slot, 1);
	KT_EQ(ev.result, -ECANCELED);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, 10);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 2);
	KT_EQ(ev.result, 30);
	KT_EQ(mlog_n, 4);
	for (unsigned i = 0; i < 4; i++)
		KT_EQ(mlog[i], expect[i]);
	KT_EQ(tdev_stats.fired, 2);
	KT_ASSERT(!m.held && !m.head && !m.tail);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

/*
 * A hand-off chain as long as the op pool allows: ASYNC_OPS_MAX - 1 ops
 * queue on a mutex this thread holds, and each unlocks as soon as it gets it,
 * synchronously. The whole chain runs from the one unlock below, on this
 * thread's 16 KiB kernel stack: every hand-off completion must be deferred to
 * the running trampoline, not nested in the unlocker's call chain (nested,
 * the chain needs far more than 16 KiB and runs over the stack's canary).
 */
#define CHAIN_OPS (ASYNC_OPS_MAX - 1)

static struct async_mutex chain_m;
static uintptr_t chain_lowest; /* [O] deepest stack address a hand-off handler ran at */
static unsigned chain_handoffs;

static int64_t chain_start(struct async_op *op, void *state)
{
	(void)state;
	return async_mutex_lock(&chain_m, op);
}

static int64_t chain_resume(struct async_op *op, void *state, int64_t r)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	(void)op;
	(void)state;
	if (here < chain_lowest)
		chain_lowest = here;
	chain_handoffs++;
	if (r == 0)
		async_mutex_unlock(&chain_m);
	return r;
}

static const struct async_layer chain_layer = {
    .name = "chain",
    .start = chain_start,
    .resume = chain_resume,
};

/* A fresh kernel thread (16 KiB stack, canary at its bottom) releases the mutex. */
static void chain_unlocker(void *arg)
{
	uintptr_t base = (uintptr_t)__builtin_frame_address(0);

	chain_lowest = base;
	async_mutex_unlock(&chain_m); /* the whole chain runs from here */
	*(uintptr_t *)arg = base - chain_lowest;
	thread_exit(0);
}

KTEST(async_mutex_handoff_chain_runs_in_bounded_stack)
{
	static uint8_t seen[CHAIN_OPS];
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_event ev;
	struct thread *t;
	uintptr_t depth = 0;
	int code = -1;
	unsigned i;

	kt_async_idle_take(&idle);
	async_mutex_init(&chain_m);
	memset(seen, 0, sizeof(seen));
	chain_handoffs = 0;
	KT_EQ(async_waiter_create(CHAIN_OPS, &w), 0);
	KT_ASSERT(async_mutex_trylock(&chain_m));
	for (i = 0; i < CHAIN_OPS; i++) {
		struct async_op *op = async_op_alloc(NULL);

		KT_ASSERT(op != NULL);
		KT_ASSERT(async_push(op, &chain_layer) != NULL);
		kt_async_submit(w, i, op);
	}
	KT_EQ(chain_m.contended, CHAIN_OPS);
	KT_EQ(thread_create("mutex-chain", chain_unlocker, &depth, 0, &t), 0);
	KT_EQ(thread_join(t, &code), 0); /* the scheduler checked its stack canary */
	KT_EQ(code, 0);
	KT_EQ(chain_handoffs, CHAIN_OPS);
	KT_ASSERT(!chain_m.held && !chain_m.head && !chain_m.tail);
	/* A few frames of the core, whatever the chain's length. */
	if (depth >= 4096)
		ktest_fail(__FILE__, __LINE__, "the chain ran %lu bytes deep", depth);
	for (i = 0; i < CHAIN_OPS; i++) {
		KT_EQ(async_wait_event(w, &ev, 1, 0), 1);
		KT_EQ(ev.result, 0);
		KT_ASSERT(ev.slot < CHAIN_OPS && !seen[ev.slot]);
		seen[ev.slot] = 1;
	}
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}
