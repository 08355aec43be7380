/*
 * finish_hook: async_op_on_finish (async/async.h) runs once per op, however
 * it ends, before its result can be seen, and never for a discarded op.
 * The syscall layer gives a process's op charge back through it.
 */
#include "synth.h"
#include "utest.h"

static struct async_waiter *w;
static unsigned hook_runs;	    /* times the hook ran */
static unsigned long posted_at_run; /* the waiter's posted count when it last ran */
static unsigned last_val;

static void hook(void *arg, unsigned val)
{
	struct async_waiter_stats st;

	async_waiter_stats(arg, &st);
	posted_at_run = st.posted;
	last_val = val;
	hook_runs++;
}

/* An op with a SYNTH frame of @mode and the hook; submitted on @slot. */
static void submit_hooked(unsigned slot, enum synth_mode mode, uint64_t deadline_rel_ns)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);

	UT_EQ(synth_push(op, mode, 7), 0);
	if (deadline_rel_ns)
		async_op_set_deadline(op, async_port_now_ns() + deadline_rel_ns);
	async_op_on_finish(op, hook, w, 40 + slot);
	UT_EQ(async_waiter_arm(w, slot, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
}

static void setup(void)
{
	hook_runs = 0;
	posted_at_run = 99;
	UT_EQ(async_waiter_create(2, &w), 0);
}

static void teardown(void)
{
	struct async_event ev;

	UT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* nothing more: exactly once */
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_hook_runs_once_before_the_result_is_posted(void)
{
	setup();
	submit_hooked(0, SYNTH_RETURN, 0);
	UT_EQ(hook_runs, 1);
	UT_EQ(posted_at_run, 0); /* the event was not in the waiter yet */
	UT_EQ(last_val, 40);
	UT_EQ(wait_one(w).result, 7);
	UT_EQ(hook_runs, 1);
	teardown();
}

static void test_hook_runs_when_a_pending_op_completes(void)
{
	setup();
	submit_hooked(1, SYNTH_DEFERRED, 0);
	UT_EQ(hook_runs, 0); /* parked: not finished */
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 7);
	UT_EQ(hook_runs, 1);
	UT_EQ(last_val, 41);
	teardown();
}

static void test_hook_runs_for_cancelled_and_timed_out_ops(void)
{
	setup();
	submit_hooked(0, SYNTH_DEFERRED, 0);
	UT_EQ(async_waiter_cancel(w, 0), 0);
	UT_EQ(wait_one(w).result, -ECANCELED);
	UT_EQ(hook_runs, 1);
	submit_hooked(1, SYNTH_DEFERRED, 2000000);
	UT_EQ(wait_one(w).result, -ETIMEDOUT);
	UT_EQ(hook_runs, 2);
	UT_EQ(posted_at_run, 1); /* before the second event */
	teardown();
}

static void test_hook_never_runs_for_a_discarded_op(void)
{
	struct async_op *op = async_op_alloc(NULL);

	setup();
	UT_EQ(synth_push(op, SYNTH_RETURN, 7), 0);
	async_op_on_finish(op, hook, w, 1);
	async_op_discard(op);
	UT_EQ(hook_runs, 0);
	teardown();
}

static const struct utest tests[] = {
    UTEST(test_hook_runs_once_before_the_result_is_posted),
    UTEST(test_hook_runs_when_a_pending_op_completes),
    UTEST(test_hook_runs_for_cancelled_and_timed_out_ops),
    UTEST(test_hook_never_runs_for_a_discarded_op),
};
UTEST_MAIN("finish_hook", tests)
