/* timeout: deadlines and cancellation; exactly one completion whoever wins. */
#include "synth.h"
#include "utest.h"

#include <unistd.h>

static struct async_waiter *w;

static void submit_with_deadline(unsigned slot, int (*build)(struct async_op *), uint64_t rel_ns)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);

	UT_EQ(build(op), 0);
	if (rel_ns)
		async_op_set_deadline(op, async_port_now_ns() + rel_ns);
	UT_EQ(async_waiter_arm(w, slot, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
}

static int build_deferred(struct async_op *op)
{
	return synth_push(op, SYNTH_DEFERRED, 5);
}

static int build_uncancellable(struct async_op *op)
{
	return synth_push(op, SYNTH_UNCANCELLABLE, 5);
}

static int build_loop_uncancellable(struct async_op *op)
{
	return loop_push(op, 10, SYNTH_UNCANCELLABLE);
}

static void done(void)
{
	struct async_event ev;

	UT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* nothing more: exactly once */
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(synth_deferred_count(), 0);
	UT_EQ(host_timers_pending(), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_deadline_times_out(void)
{
	uint64_t t0 = async_port_now_ns();
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	submit_with_deadline(0, build_deferred, 20000000);
	ev = wait_one(w);
	UT_EQ(ev.result, -ETIMEDOUT);
	UT_ASSERT(async_port_now_ns() - t0 >= 20000000);
	usleep(1000); /* let the timer thread drop its reference */
	done();
}

static void test_completion_before_deadline_disarms_timer(void)
{
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_with_deadline(0, build_deferred, 5000000000ull);
	UT_EQ(host_timers_pending(), 1);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 5);
	done();
}

static void test_uncancellable_device_result_wins(void)
{
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	submit_with_deadline(0, build_uncancellable, 1000000);
	UT_EQ(async_wait_event(w, &ev, 1, 30000000), 0); /* deadline passed, device busy */
	UT_ASSERT(synth_complete_next(0));		 /* the device finishes after all */
	UT_EQ(wait_one(w).result, 5);
	done();
}

static void test_cancel_stops_rearming_loop(void)
{
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_with_deadline(0, build_loop_uncancellable, 0);
	UT_ASSERT(synth_complete_next(0)); /* fragment 1 of 10 */
	UT_EQ(async_waiter_cancel(w, 0), 0);
	UT_ASSERT(synth_complete_next(0)); /* fragment 2 lands; the loop may not re-arm */
	UT_EQ(wait_one(w).result, -ECANCELED);
	UT_EQ(async_waiter_cancel(w, 0), -ENOENT);
	done();
}

static void test_cancel_deferred_and_after_completion(void)
{
	unsigned long calls = synth_cancel_calls();

	UT_EQ(async_waiter_create(2, &w), 0);
	submit_with_deadline(0, build_deferred, 0);
	submit_with_deadline(1, build_deferred, 0);
	UT_EQ(async_waiter_cancel(w, 0), 0);
	UT_EQ(wait_one(w).result, -ECANCELED);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 5);
	UT_EQ(async_waiter_cancel(w, 1), -ENOENT);
	UT_EQ(synth_cancel_calls() - calls, 1);
	done();
}

static void test_timeout_cancels_join_children(void);

/*
 * A cancel that reaches an op before it starts (still PREPARING: a waiter
 * cancel between the slot binding and the start, or the preparer itself)
 * is recorded and applied when the op starts: it completes -ECANCELED,
 * exactly once.
 */
static void test_cancel_before_start_is_not_lost(void)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct async_op_stats before, after;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(build_deferred(op), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	async_op_stats(&before);
	async_op_cancel(op, -ECANCELED);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(wait_one(w).result, -ECANCELED);
	async_op_stats(&after);
	UT_EQ(after.cancels - before.cancels, 1);
	done();
}

static const struct utest tests[] = {
    UTEST(test_deadline_times_out),
    UTEST(test_completion_before_deadline_disarms_timer),
    UTEST(test_uncancellable_device_result_wins),
    UTEST(test_cancel_stops_rearming_loop),
    UTEST(test_cancel_deferred_and_after_completion),
    UTEST(test_timeout_cancels_join_children),
    UTEST(test_cancel_before_start_is_not_lost),
};

static int child_setup(struct async_op *child, unsigned i, void *arg)
{
	(void)i;
	(void)arg;
	return synth_push(child, SYNTH_DEFERRED, 1);
}

static int64_t raid_start(struct async_op *op, void *state)
{
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_ALL, .nchildren = 3, .setup = child_setup};

	(void)state;
	return async_join(op, &spec);
}

static const struct async_layer raid_layer = {.name = "raid1", .start = raid_start};

static int build_raid(struct async_op *op)
{
	return async_push(op, &raid_layer) ? 0 : (int)async_op_push_error(op);
}

static void test_timeout_cancels_join_children(void)
{
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_with_deadline(0, build_raid, 10000000);
	UT_EQ(wait_one(w).result, -ETIMEDOUT); /* the reason reached the children */
	usleep(1000);
	done();
}
UTEST_MAIN("timeout", tests)
