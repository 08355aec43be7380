/*
 * test_async_cancel.c - deadlines and cancellation in the kernel: an op whose
 * timer-IRQ device never meets the deadline completes with -ETIMEDOUT exactly
 * once (and the device never completes it later); async_waiter_cancel on a
 * pending op gives -ECANCELED; a device without a cancel hook finishes with
 * its real result; deadlines racing the device complete each op once.
 */
#include "test_async.h"

#include <kernel/sched.h>
#include <kernel/string.h>

static struct async_op *dev_op(uint64_t delay_ns, int64_t result, unsigned flags,
			       uint64_t deadline_ns)
{
	struct async_op *op = async_op_alloc(NULL);

	KT_ASSERT(op != NULL);
	KT_EQ(tdev_push(op, delay_ns, result, flags), 0);
	if (deadline_ns)
		async_op_set_deadline(op, deadline_ns);
	return op;
}

KTEST(async_cancel_deadline_timeout)
{
	struct kt_async_idle idle;
	struct async_op_stats os0, os;
	struct async_waiter_stats ws;
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	tdev_reset();
	async_op_stats(&os0);
	KT_EQ(async_waiter_create(1, &w), 0);
	t0 = clock_now_ns();
	/* The device would answer after 150 ms; the deadline is 20 ms. */
	kt_async_submit(w, 0, dev_op(150 * NSEC_PER_MSEC, 512, 0, t0 + 20 * NSEC_PER_MSEC));
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, -ETIMEDOUT);
	KT_ASSERT(clock_now_ns() >= t0 + 20 * NSEC_PER_MSEC);
	KT_EQ(tdev_stats.cancel_calls, 1);
	KT_EQ(tdev_stats.aborted, 1);
	/* Past the device's own time: nothing more arrives, nothing went stale. */
	thread_sleep_until(t0 + 200 * NSEC_PER_MSEC);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	KT_EQ(tdev_stats.fired, 0);
	async_waiter_stats(w, &ws);
	KT_EQ(ws.posted, 1);
	KT_EQ(ws.stale_posts, 0);
	async_op_stats(&os);
	KT_EQ(os.timeouts, os0.timeouts + 1);
	KT_EQ(os.cancels, os0.cancels + 1);
	KT_EQ(os.completed, os0.completed + 1);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

KTEST(async_cancel_waiter_cancel)
{
	struct kt_async_idle idle;
	struct async_waiter_stats ws;
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	tdev_reset();
	KT_EQ(async_waiter_create(2, &w), 0);
	KT_EQ(async_waiter_cancel(w, 0), -ENOENT); /* nothing armed */
	KT_EQ(async_waiter_cancel(w, 2), -EINVAL);
	t0 = clock_now_ns();
	kt_async_submit(w, 0, dev_op(500 * NSEC_PER_MSEC, 1, 0, 0));
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	/* The device's cancel hook aborts the timer and completes at once. */
	KT_EQ(async_waiter_cancel(w, 0), 0);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, -ECANCELED);
	KT_ASSERT(clock_now_ns() < t0 + 500 * NSEC_PER_MSEC);
	KT_EQ(tdev_stats.aborted, 1);
	KT_EQ(tdev_live(), 0);
	KT_EQ(async_waiter_cancel(w, 0), -ENOENT); /* completed: the slot is free again */
	/* A device that cannot abort: the cancel is only a request, the op ends
	 * when the device does, with the device's result, still once. */
	t0 = clock_now_ns();
	kt_async_submit(w, 1, dev_op(100 * NSEC_PER_MSEC, 77, TDEV_NOCANCEL, 0));
	KT_EQ(async_waiter_cancel(w, 1), 0);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 1);
	KT_EQ(ev.result, 77);
	KT_ASSERT(clock_now_ns() >= t0 + 100 * NSEC_PER_MSEC);
	KT_EQ(tdev_stats.fired, 1);
	async_waiter_stats(w, &ws);
	KT_EQ(ws.posted, 2);
	KT_EQ(ws.stale_posts, 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

#define NRACE 48

/*
 * Deadline and device due within a tick of each other, both in the timer
 * IRQ: whichever runs first decides, and each op completes exactly once.
 */
KTEST(async_cancel_deadline_races_device)
{
	static bool seen[NRACE];
	struct kt_async_idle idle;
	struct async_op_stats os0, os;
	struct async_waiter_stats ws;
	struct async_waiter *w;
	struct async_event ev;
	unsigned ntimedout = 0, nresult = 0;
	uint64_t seed = 2026, now;

	kt_async_idle_take(&idle);
	tdev_reset();
	memset(seen, 0, sizeof(seen));
	async_op_stats(&os0);
	KT_EQ(async_waiter_create(NRACE, &w), 0);
	for (unsigned i = 0; i < NRACE; i++) {
		uint64_t delay;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		delay = (5 + (seed >> 33) % 20) * NSEC_PER_MSEC;
		now = clock_now_ns();
		/* deadline 1 ms before, at, or 1 ms after the device's time */
		kt_async_submit(w, i,
				dev_op(delay, 100 + i, 0,
				       now + delay + (i % 3) * NSEC_PER_MSEC - NSEC_PER_MSEC));
	}
	for (unsigned i = 0; i < NRACE; i++) {
		ev = kt_async_wait_one(w, NSEC_PER_SEC);
		KT_ASSERT(ev.slot < NRACE && !seen[ev.slot]);
		seen[ev.slot] = true;
		if (ev.result == -ETIMEDOUT) {
			ntimedout++;
			continue;
		}
		KT_EQ(ev.result, 100 + ev.slot);
		nresult++;
	}
	thread_sleep_ns(30 * NSEC_PER_MSEC);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	async_waiter_stats(w, &ws);
	KT_EQ(ws.posted, NRACE);
	KT_EQ(ws.stale_posts, 0);
	/* Every device request either fired or was aborted, never both. */
	KT_EQ(tdev_stats.fired + tdev_stats.aborted, NRACE);
	KT_EQ(tdev_stats.fired, nresult);
	KT_EQ(tdev_stats.aborted, ntimedout);
	async_op_stats(&os);
	/*
	 * A deadline that fires as its op is completing (a loaded host runs
	 * both in one late tick) counts as a timeout, but the completion wins:
	 * at least one per timed-out op.
	 */
	KT_ASSERT(os.timeouts - os0.timeouts >= ntimedout);
	KT_ASSERT(os.timeouts - os0.timeouts <= NRACE);
	KT_ASSERT(ntimedout > 0); /* deadlines 1 ms early always win */
	KT_ASSERT(nresult > 0);	  /* devices 1 ms early always win */
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}
