/*
 * test_sched.c - kernel threads: preemption of busy threads, join with exit
 * codes, sleeping, thread pool exhaustion and recovery, yield.
 */
#include <async/pool.h>
#include <kernel/ktest.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <uapi/errno.h>

struct spinner {
	volatile uint64_t count;
	volatile bool stop;
};

static void spin_fn(void *arg)
{
	struct spinner *s = arg;

	while (!s->stop)
		s->count++; /* never yields: only preemption lets others run */
}

KTEST(sched_preempts_busy_threads)
{
	struct spinner a = {0}, b = {0};
	struct thread *ta, *tb;
	uint64_t a1, b1;

	KT_EQ(thread_create("spin-a", spin_fn, &a, 0, &ta), 0);
	KT_EQ(thread_create("spin-b", spin_fn, &b, 0, &tb), 0);
	thread_sleep_ns(50 * NSEC_PER_MSEC);
	a1 = a.count;
	b1 = b.count;
	thread_sleep_ns(50 * NSEC_PER_MSEC);
	a.stop = b.stop = true;
	KT_EQ(thread_join(ta, NULL), 0);
	KT_EQ(thread_join(tb, NULL), 0);
	KT_ASSERT(a1 > 0 && b1 > 0);
	KT_ASSERT(a.count > a1 && b.count > b1); /* both progressed in the second window */
}

static void exit_fn(void *arg)
{
	thread_exit((int)(uintptr_t)arg);
}

static void return_fn(void *arg)
{
	(void)arg;
}

KTEST(sched_join_exit_code)
{
	struct thread *t;
	int code = -1;

	KT_EQ(thread_create("exit7", exit_fn, (void *)7, 0, &t), 0);
	KT_EQ(thread_join(t, &code), 0);
	KT_EQ(code, 7);
	KT_EQ(thread_create("ret", return_fn, NULL, 0, &t), 0);
	KT_EQ(thread_join(t, &code), 0);
	KT_EQ(code, 0);
	KT_EQ(thread_join(thread_current(), NULL), -EINVAL);
}

KTEST(sched_sleep_duration)
{
	for (int i = 1; i <= 3; i++) {
		uint64_t t0 = clock_now_ns();

		thread_sleep_ns((uint64_t)i * 7 * NSEC_PER_MSEC);
		KT_ASSERT(clock_now_ns() - t0 >= (uint64_t)i * 7 * NSEC_PER_MSEC);
	}
}

static volatile bool release_all;
static struct waitq hold_wq = WAITQ_INIT(hold_wq);

static bool released(void *arg)
{
	(void)arg;
	return release_all;
}

static void hold_fn(void *arg)
{
	(void)arg;
	waitq_wait_event(&hold_wq, released, NULL, WAITQ_FOREVER);
}

static struct thread *held[PARAM_MAX_THREADS];

KTEST(sched_thread_pool_exhaustion)
{
	int n = 0, err = 0;
	struct thread *t;

	release_all = false;
	while (n < PARAM_MAX_THREADS && !(err = thread_create("hold", hold_fn, NULL, 0, &held[n])))
		n++;
	KT_EQ(err, -ENOMEM);
	KT_ASSERT(n > 0 && n < PARAM_MAX_THREADS);
	release_all = true;
	waitq_wake_all(&hold_wq);
	for (int i = 0; i < n; i++)
		KT_EQ(thread_join(held[i], NULL), 0);
	KT_EQ(thread_create("after", return_fn, NULL, 0, &t), 0);
	KT_EQ(thread_join(t, NULL), 0);
}

static volatile int turn;

static void pong_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		while (turn != 1)
			thread_yield();
		turn = 0;
	}
}

KTEST(sched_yield_ping_pong)
{
	struct thread *t;

	turn = 0;
	KT_EQ(thread_create("pong", pong_fn, NULL, 0, &t), 0);
	for (int i = 0; i < 100; i++) {
		turn = 1;
		while (turn != 0)
			thread_yield();
	}
	KT_EQ(thread_join(t, NULL), 0);
}

static volatile int detached_ran;

static void detached_fn(void *arg)
{
	(void)arg;
	detached_ran++;
}

extern struct async_pool thread_pool; /* kernel/sched/thread.c */

KTEST(sched_detached_threads_are_reaped)
{
	struct async_pool_stats before, after;

	async_pool_stats(&thread_pool, &before);
	detached_ran = 0;
	for (int i = 0; i < 3 * PARAM_MAX_THREADS; i++) {
		KT_EQ(thread_create("det", detached_fn, NULL, THREAD_DETACHED, NULL), 0);
		thread_yield(); /* it runs and exits; the switch back frees it */
	}
	thread_sleep_ns(20 * NSEC_PER_MSEC);
	async_pool_stats(&thread_pool, &after);
	KT_EQ(detached_ran, 3 * PARAM_MAX_THREADS);
	KT_EQ(after.in_use, before.in_use);
}
