/*
 * test_async_irq.c - completions from a real interrupt: a device frame whose
 * timer callback (PIT IRQ) calls async_op_complete, unwinding through an
 * upper layer inside that interrupt, and a thread collecting (slot, result)
 * with async_wait_event. Several ops on one waiter arrive in deadline order;
 * a wait with a timeout and nothing ready returns 0 after the timeout.
 */
#include "test_async.h"

#include <arch/x86_64/cpu.h>
#include <kernel/console.h>
#include <kernel/sched.h>

/* An upper layer: pushes the device, adds 1000 to its result on the way up. */
struct probe_frame {
	uint64_t delay_ns;  /* [I] for the device frame */
	int64_t dev_result; /* [I] */
};
ASYNC_FRAME_STATE_CHECK(struct probe_frame);

static unsigned long probe_resumes, probe_resumes_irqs_on; /* [a] */

static int64_t probe_start(struct async_op *op, void *state)
{
	struct probe_frame *p = state;
	int err = tdev_push(op, p->delay_ns, p->dev_result, 0);

	return err ? err : ASYNC_CALL;
}

static int64_t probe_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	(void)state;
	__atomic_add_fetch(&probe_resumes, 1, __ATOMIC_RELAXED);
	if (arch_irq_enabled())
		__atomic_add_fetch(&probe_resumes_irqs_on, 1, __ATOMIC_RELAXED);
	return r < 0 ? r : r + 1000;
}

static const struct async_layer probe_layer = {
    .name = "probe",
    .state_size = sizeof(struct probe_frame),
    .start = probe_start,
    .resume = probe_resume,
};

static struct async_op *probe_op(uint64_t delay_ns, int64_t dev_result)
{
	struct async_op *op = async_op_alloc(NULL);
	struct probe_frame *p;

	KT_ASSERT(op != NULL);
	p = async_push(op, &probe_layer);
	KT_ASSERT(p != NULL);
	p->delay_ns = delay_ns;
	p->dev_result = dev_result;
	return op;
}

static void probe_reset(void)
{
	tdev_reset();
	probe_resumes = 0;
	probe_resumes_irqs_on = 0;
}

KTEST(async_irq_completion)
{
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_waiter_stats ws;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	probe_reset();
	KT_EQ(async_waiter_create(2, &w), 0);
	t0 = clock_now_ns();
	kt_async_submit(w, 1, probe_op(10 * NSEC_PER_MSEC, 42));
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 1);
	KT_EQ(ev.result, 1042); /* the device's 42 went through probe_resume */
	KT_EQ(ev.flags, 0);
	KT_ASSERT(clock_now_ns() >= t0 + 10 * NSEC_PER_MSEC);
	KT_ASSERT(tdev_stats.last_fire_ns >= t0 + 10 * NSEC_PER_MSEC);
	KT_EQ(tdev_stats.last_fire_early_ns, 0);
	/* The completion, and the unwinding through the upper layer, ran in the IRQ. */
	KT_EQ(tdev_stats.fired, 1);
	KT_EQ(tdev_stats.fired_irqs_on, 0);
	KT_EQ(probe_resumes, 1);
	KT_EQ(probe_resumes_irqs_on, 0);
	async_waiter_stats(w, &ws);
	KT_EQ(ws.posted, 1);
	KT_EQ(ws.stale_posts, 0);
	KT_EQ(ws.armed, 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

#define NORDER 5

KTEST(async_irq_deadline_order)
{
	/* Submitted in slot order, due in another order: events must follow the deadlines.
	 * 20 ms apart, so even a long stall of the guest while submitting keeps the order. */
	static const unsigned delay_ms[NORDER] = {100, 20, 80, 40, 60};
	static const unsigned expect_slot[NORDER] = {1, 3, 4, 2, 0};
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0, prev_fire = 0, lat_us[NORDER];

	kt_async_idle_take(&idle);
	probe_reset();
	KT_EQ(async_waiter_create(NORDER, &w), 0);
	t0 = clock_now_ns();
	for (unsigned i = 0; i < NORDER; i++)
		kt_async_submit(w, i, probe_op(delay_ms[i] * NSEC_PER_MSEC, 7 * i));
	for (unsigned i = 0; i < NORDER; i++) {
		ev = kt_async_wait_one(w, NSEC_PER_SEC);
		lat_us[i] = (clock_now_ns() - tdev_stats.last_fire_ns) / 1000;
		KT_EQ(ev.slot, expect_slot[i]);
		KT_EQ(ev.result, 1000 + 7 * ev.slot);
		/* Received no earlier than its own deadline. */
		KT_ASSERT(clock_now_ns() >= t0 + delay_ms[ev.slot] * NSEC_PER_MSEC);
		KT_ASSERT(tdev_stats.last_fire_ns >= prev_fire);
		prev_fire = tdev_stats.last_fire_ns;
	}
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* nothing more */
	/* A measurement, not a check: timer callback to the waiter awake (TCG). */
	printk("async: irq completion -> waiter awake, us:");
	for (unsigned i = 0; i < NORDER; i++)
		printk(" %lu", (unsigned long)lat_us[i]);
	printk("\n");
	KT_EQ(tdev_stats.fired, NORDER);
	KT_EQ(tdev_stats.fired_irqs_on, 0);
	KT_EQ(tdev_stats.last_fire_early_ns, 0);
	KT_EQ(probe_resumes_irqs_on, 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

KTEST(async_irq_wait_timeout)
{
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_waiter_stats ws;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	probe_reset();
	KT_EQ(async_waiter_create(1, &w), 0);
	/* Nothing in flight: a poll and a timed wait both return 0. */
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	t0 = clock_now_ns();
	KT_EQ(async_wait_event(w, &ev, 1, 5 * NSEC_PER_MSEC), 0);
	KT_ASSERT(clock_now_ns() >= t0 + 5 * NSEC_PER_MSEC);
	/* An op due in 150 ms: a 10 ms wait times out first, then it arrives. */
	t0 = clock_now_ns();
	kt_async_submit(w, 0, probe_op(150 * NSEC_PER_MSEC, 5));
	KT_EQ(async_wait_event(w, &ev, 1, 10 * NSEC_PER_MSEC), 0);
	KT_ASSERT(clock_now_ns() >= t0 + 10 * NSEC_PER_MSEC);
	KT_EQ(tdev_live(), 1); /* the timeout left the op alone */
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, 1005);
	KT_ASSERT(clock_now_ns() >= t0 + 150 * NSEC_PER_MSEC);
	async_waiter_stats(w, &ws);
	KT_EQ(ws.timeouts, 3);
	KT_EQ(ws.waits, 4);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}
