/*
 * test_async_port.c - the kernel port of the async core (include/async/port.h):
 * conds with deadlines and broadcast across threads, port timers fire and
 * cancel, worker threads start, the clock moves. The async core running on
 * this port is tested in test_async_*.c.
 */
#include <async/port.h>
#include <kernel/ktest.h>
#include <kernel/sched.h>

static async_spinlock_t plock = ASYNC_SPINLOCK_INIT;
static struct async_port_cond pcond;
static volatile int pstate; /* [plock] */

KTEST(async_port_cond_timeout)
{
	unsigned long f;
	uint64_t t0 = async_port_now_ns();
	int err = 0;

	async_port_cond_init(&pcond);
	f = async_spin_lock_irqsave(&plock);
	while (err != -ETIMEDOUT)
		err = async_port_cond_wait(&pcond, &plock, &f, t0 + 10 * NSEC_PER_MSEC);
	async_spin_unlock_irqrestore(&plock, f);
	KT_ASSERT(async_port_now_ns() >= t0 + 10 * NSEC_PER_MSEC);
}

static void worker(void *arg)
{
	unsigned long f = async_spin_lock_irqsave(&plock);

	(void)arg;
	pstate++;
	async_spin_unlock_irqrestore(&plock, f);
	async_port_cond_broadcast(&pcond);
}

KTEST(async_port_thread_and_broadcast)
{
	unsigned long f;

	async_port_cond_init(&pcond);
	pstate = 0;
	for (int i = 0; i < 4; i++)
		KT_EQ(async_port_thread_start("async-test", worker, NULL), 0);
	f = async_spin_lock_irqsave(&plock);
	while (pstate < 4)
		KT_EQ(async_port_cond_wait(&pcond, &plock, &f, async_port_now_ns() + NSEC_PER_SEC),
		      0);
	async_spin_unlock_irqrestore(&plock, f);
	KT_EQ(pstate, 4);
}

static volatile int timer_hits;

static void port_timer_fn(struct async_port_timer *t)
{
	(void)t;
	timer_hits++;
}

KTEST(async_port_timer_fire_and_cancel)
{
	struct async_port_timer a, b;
	uint64_t now = async_port_now_ns();

	timer_hits = 0;
	async_port_timer_init(&a, port_timer_fn);
	async_port_timer_init(&b, port_timer_fn);
	async_port_timer_arm(&a, now + 2 * NSEC_PER_MSEC);
	async_port_timer_arm(&b, now + 3 * NSEC_PER_MSEC);
	KT_ASSERT(async_port_timer_cancel(&b));
	thread_sleep_ns(20 * NSEC_PER_MSEC);
	KT_EQ(timer_hits, 1);
	KT_ASSERT(!async_port_timer_cancel(&a));
}
