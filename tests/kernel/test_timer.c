/*
 * test_timer.c - the tick, the ns clock and the timer wheel: ticks advance,
 * timers fire at or after their deadline and only once, cancel works, many
 * timers across wheel levels all fire, a callback may re-arm its timer.
 */
#include <kernel/ktest.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/time.h>

#define MANY 300

struct probe {
	struct ktimer t;
	uint64_t deadline;
	uint64_t fired_at; /* [irq] clock at callback, 0 = not fired */
	int fires;	   /* [irq] */
	int rearm_left;	   /* [irq] */
};

static struct probe probes[MANY];
static int want[MANY]; /* timer_many_across_levels: fires expected per probe */

static void probe_fn(struct ktimer *t)
{
	struct probe *p = container_of(t, struct probe, t);

	p->fired_at = clock_now_ns();
	p->fires++;
	if (p->rearm_left > 0) {
		p->rearm_left--;
		p->deadline = p->fired_at + NSEC_PER_MSEC;
		ktimer_arm(&p->t, p->deadline);
	}
}

/*
 * A loaded host can starve QEMU for tens of milliseconds and each re-arm
 * waits for a later tick: tests wait for the fires they expect with a
 * generous limit instead of one fixed sleep, then check that nothing more
 * comes. Returns true if @p fired @n times within @limit_ns.
 */
static bool wait_fires(struct probe *p, int n, uint64_t limit_ns)
{
	uint64_t end = clock_now_ns() + limit_ns;

	while (__atomic_load_n(&p->fires, __ATOMIC_RELAXED) < n && clock_now_ns() < end)
		thread_sleep_ns(10 * NSEC_PER_MSEC);
	return __atomic_load_n(&p->fires, __ATOMIC_RELAXED) >= n;
}

static void probe_arm(struct probe *p, uint64_t deadline)
{
	*p = (struct probe){.deadline = deadline};
	ktimer_init(&p->t, probe_fn);
	ktimer_arm(&p->t, deadline);
}

KTEST(timer_ticks_advance)
{
	uint64_t t0 = clock_ticks(), n0 = clock_now_ns();

	thread_sleep_ns(20 * NSEC_PER_MSEC);
	KT_ASSERT(clock_ticks() > t0); /* not == 20: QEMU drops ticks on a busy host */
	KT_ASSERT(clock_now_ns() >= n0 + 20 * NSEC_PER_MSEC);
	/* clock and tick agree within a generous margin (TCG is jittery) */
	KT_ASSERT(clock_now_ns() - n0 < 2000 * NSEC_PER_MSEC);
}

KTEST(timer_fires_after_deadline)
{
	uint64_t deadline = clock_now_ns() + 5 * NSEC_PER_MSEC;

	probe_arm(&probes[0], deadline);
	thread_sleep_ns(30 * NSEC_PER_MSEC);
	KT_EQ(probes[0].fires, 1);
	KT_ASSERT(probes[0].fired_at >= deadline);
	KT_ASSERT(!ktimer_pending(&probes[0].t));
	KT_ASSERT(!ktimer_cancel(&probes[0].t)); /* already ran */
}

KTEST(timer_cancel)
{
	probe_arm(&probes[0], clock_now_ns() + 5 * NSEC_PER_MSEC);
	probe_arm(&probes[1], clock_now_ns() + 400 * NSEC_PER_MSEC); /* upper wheel level */
	KT_ASSERT(ktimer_cancel(&probes[0].t));
	KT_ASSERT(ktimer_cancel(&probes[1].t));
	KT_ASSERT(!ktimer_cancel(&probes[1].t));
	thread_sleep_ns(20 * NSEC_PER_MSEC);
	KT_EQ(probes[0].fires, 0);
	KT_EQ(probes[1].fires, 0);
}

KTEST(timer_past_deadline_fires_next_tick)
{
	probe_arm(&probes[0], clock_now_ns() - NSEC_PER_MSEC);
	thread_sleep_ns(10 * NSEC_PER_MSEC);
	KT_EQ(probes[0].fires, 1);
}

KTEST(timer_rearm_from_callback)
{
	probe_arm(&probes[0], clock_now_ns() + NSEC_PER_MSEC);
	probes[0].rearm_left = 3;
	KT_ASSERT(wait_fires(&probes[0], 4, 10000 * NSEC_PER_MSEC));
	thread_sleep_ns(30 * NSEC_PER_MSEC); /* a fifth fire would come 1 ms after the fourth */
	KT_EQ(probes[0].fires, 4);
	KT_EQ(probes[0].rearm_left, 0);
}

KTEST(timer_many_across_levels)
{
	uint64_t now = clock_now_ns(), fired0 = timer_fired_count();
	uint64_t seed = 12345;

	for (int i = 0; i < MANY; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* 0..600 ms: level 0 (< 256 ticks) and level 1 */
		probe_arm(&probes[i], now + (seed >> 33) % (600 * NSEC_PER_MSEC));
	}
	/*
	 * Cancel half of them. A deadline a few microseconds away may pass
	 * while 300 timers are armed (a slow TCG guest): then cancel says the
	 * timer ran, and that one is expected to have fired exactly once.
	 */
	for (int i = 0; i < MANY; i++)
		want[i] = i % 2 || !ktimer_cancel(&probes[i].t);
	thread_sleep_ns(600 * NSEC_PER_MSEC); /* every deadline has passed */
	for (int i = 0; i < MANY; i++)
		KT_ASSERT(!want[i] || wait_fires(&probes[i], 1, 10000 * NSEC_PER_MSEC));
	thread_sleep_ns(30 * NSEC_PER_MSEC); /* late fires of cancelled timers would show by now */
	for (int i = 0; i < MANY; i++) {
		KT_EQ(probes[i].fires, want[i]);
		if (want[i])
			KT_ASSERT(probes[i].fired_at >= probes[i].deadline);
	}
	KT_ASSERT(timer_fired_count() - fired0 >= MANY / 2);
}
