/* mutex: async lock is FIFO, hands off on unlock, cancellable while queued. */
#include "stack_probe.h"
#include "synth.h"
#include "utest.h"

static struct async_mutex m;
static int order[8], norder;

/* Locks m, then does device I/O (deferred) while holding it, then unlocks. */
struct crit_state {
	int id;
	bool locked;
};

static int64_t crit_start(struct async_op *op, void *state)
{
	(void)state;
	return async_mutex_lock(&m, op);
}

static int64_t crit_resume(struct async_op *op, void *state, int64_t r)
{
	struct crit_state *s = state;
	int err;

	if (!s->locked) {
		if (r < 0)
			return r; /* cancelled while queued: we do not hold it */
		s->locked = true;
		order[norder++] = s->id;
		err = synth_push(op, SYNTH_UNCANCELLABLE, s->id);
		return err ? err : ASYNC_CALL;
	}
	async_mutex_unlock(&m);
	return r;
}

static const struct async_layer crit_layer = {
    .name = "crit",
    .state_size = sizeof(struct crit_state),
    .start = crit_start,
    .resume = crit_resume,
};

static struct async_waiter *w;

static void submit_crit(unsigned slot, int id)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct crit_state *s = async_push(op, &crit_layer);

	s->id = id;
	UT_EQ(async_waiter_arm(w, slot, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
}

static void test_fifo_handoff(void)
{
	struct async_event ev;
	int i;

	async_mutex_init(&m);
	norder = 0;
	UT_EQ(async_waiter_create(4, &w), 0);
	for (i = 0; i < 3; i++)
		submit_crit((unsigned)i, 10 + i);
	UT_EQ(norder, 1);
	UT_EQ(m.contended, 2);
	for (i = 0; i < 3; i++) {
		UT_ASSERT(synth_complete_next(0));
		ev = wait_one(w);
		UT_EQ(ev.result, 10 + i);
	}
	UT_EQ(order[0], 10);
	UT_EQ(order[1], 11);
	UT_EQ(order[2], 12);
	UT_ASSERT(!m.held);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_cancel_while_queued(void)
{
	struct async_event ev;

	async_mutex_init(&m);
	norder = 0;
	UT_EQ(async_waiter_create(4, &w), 0);
	submit_crit(0, 1);
	submit_crit(1, 2);
	submit_crit(2, 3);
	UT_EQ(async_waiter_cancel(w, 1), 0);
	ev = wait_one(w);
	UT_EQ(ev.slot, 1);
	UT_EQ(ev.result, -ECANCELED);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 1);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 3); /* 2 left the queue; 3 got the hand-off */
	UT_EQ(norder, 2);
	UT_ASSERT(!m.held);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_trylock(void)
{
	async_mutex_init(&m);
	UT_ASSERT(async_mutex_trylock(&m));
	UT_ASSERT(!async_mutex_trylock(&m));
	async_mutex_unlock(&m);
	UT_ASSERT(!m.held);
}

static void unlock_unheld(void *arg)
{
	(void)arg;
	async_mutex_unlock(&m);
}

static void test_unlock_unheld_panics(void)
{
	async_mutex_init(&m);
	UT_ASSERT(panics(unlock_unheld, NULL));
}

/*
 * A hand-off chain: N ops queue on the mutex and each unlocks as soon as it
 * gets it, synchronously. Every hand-off completes the next waiter; were that
 * completion run inside the unlocker's call chain, the C stack would grow by
 * one level per waiter. The probe measures how deep the handlers run.
 */
static struct stack_probe hop_probe;
static unsigned long hop_done, hop_bad;

static int64_t hop_start(struct async_op *op, void *state)
{
	(void)state;
	return async_mutex_lock(&m, op);
}

static int64_t hop_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	(void)state;
	stack_probe_note(&hop_probe);
	if (r == 0)
		async_mutex_unlock(&m);
	return r;
}

static const struct async_layer hop_layer = {
    .name = "hop",
    .start = hop_start,
    .resume = hop_resume,
};

static void hop_finished(struct async_op *op, int64_t res, void *arg)
{
	(void)op;
	(void)arg;
	if (res != 0)
		hop_bad++;
	hop_done++;
}

/* Queues @n hop ops behind a held mutex, releases it, returns the stack depth reached. */
static uintptr_t handoff_chain_depth(unsigned n)
{
	unsigned i;

	async_mutex_init(&m);
	hop_done = hop_bad = 0;
	UT_ASSERT(async_mutex_trylock(&m));
	for (i = 0; i < n; i++) {
		struct async_op *op = async_op_alloc(NULL);

		UT_ASSERT(op);
		UT_ASSERT(async_push(op, &hop_layer));
		UT_EQ(async_op_submit_fn(op, hop_finished, NULL), 0);
	}
	UT_EQ(m.contended, n);
	stack_probe_begin(&hop_probe);
	async_mutex_unlock(&m); /* the whole chain runs from here */
	UT_EQ(hop_probe.notes, n);
	UT_EQ(hop_done, n);
	UT_EQ(hop_bad, 0);
	UT_ASSERT(!m.held && !m.head && !m.tail);
	UT_EQ(pools_in_use(), 0);
	return stack_probe_depth(&hop_probe);
}

static void test_handoff_chain_stack_depth_is_bounded(void)
{
	uintptr_t small = handoff_chain_depth(10), big = handoff_chain_depth(10000);

	/* Bounded by the code: the same for 10 and 10,000 waiters (slack for
	 * alignment), and far below one waiter's worth of frames times 10,000. */
	UT_ASSERT(small < 16384);
	if (big > small + 512)
		UT_FAIL("10 waiters: %lu bytes of stack, 10000 waiters: %lu bytes",
			(unsigned long)small, (unsigned long)big);
}

static const struct utest tests[] = {
    UTEST(test_fifo_handoff),	      UTEST(test_handoff_chain_stack_depth_is_bounded),
    UTEST(test_cancel_while_queued),  UTEST(test_trylock),
    UTEST(test_unlock_unheld_panics),
};
UTEST_MAIN("mutex", tests)
