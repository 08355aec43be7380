/*
 * test_waitq.c - wait queues: no lost wakeup when the waker is an interrupt
 * (a ktimer) racing with the waiter's check; timeouts; the locked
 * (condition variable) form; wake_one wakes one.
 */
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <uapi/errno.h>

#define RACE_ROUNDS 300

static struct waitq race_wq = WAITQ_INIT(race_wq);
static volatile bool race_flag;
static struct ktimer race_timer;

static void race_waker(struct ktimer *t)
{
	(void)t;
	race_flag = true;
	waitq_wake_all(&race_wq);
}

static bool flag_set(void *arg)
{
	return *(volatile bool *)arg;
}

KTEST(waitq_no_lost_wakeup_vs_irq)
{
	uint64_t seed = 99;

	ktimer_init(&race_timer, race_waker);
	for (int i = 0; i < RACE_ROUNDS; i++) {
		uint64_t now = clock_now_ns();

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		race_flag = false;
		/* wake 0..2 ms from now: sometimes before the check, sometimes during the sleep */
		ktimer_arm(&race_timer, now + (seed >> 33) % (2 * NSEC_PER_MSEC));
		/* a lost wakeup would sleep the full second and time out */
		KT_EQ(waitq_wait_event(&race_wq, flag_set, (void *)&race_flag, now + NSEC_PER_SEC),
		      0);
		KT_ASSERT(race_flag);
	}
}

KTEST(waitq_timeout)
{
	static struct waitq wq = WAITQ_INIT(wq);
	static volatile bool never;
	uint64_t t0 = clock_now_ns();

	KT_EQ(waitq_wait_event(&wq, flag_set, (void *)&never, t0 + 15 * NSEC_PER_MSEC), -ETIMEDOUT);
	KT_ASSERT(clock_now_ns() >= t0 + 15 * NSEC_PER_MSEC);
	KT_ASSERT(list_empty(&wq.waiters));
}

struct mailbox {
	struct spinlock lock;
	struct waitq wq;
	int value; /* [lock] */
};

static void producer(void *arg)
{
	struct mailbox *m = arg;

	for (int i = 1; i <= 50; i++) {
		unsigned long f = spin_lock_irqsave(&m->lock);

		while (m->value != 0) /* wait until consumed */
			waitq_wait_locked(&m->wq, &m->lock, &f, WAITQ_FOREVER);
		m->value = i;
		spin_unlock_irqrestore(&m->lock, f);
		waitq_wake_all(&m->wq);
	}
}

KTEST(waitq_locked_handoff)
{
	struct mailbox m = {.lock = SPINLOCK_INIT};
	struct thread *t;

	waitq_init(&m.wq);
	KT_EQ(thread_create("producer", producer, &m, 0, &t), 0);
	for (int want = 1; want <= 50; want++) {
		unsigned long f = spin_lock_irqsave(&m.lock);

		while (m.value == 0)
			KT_EQ(waitq_wait_locked(&m.wq, &m.lock, &f, clock_now_ns() + NSEC_PER_SEC),
			      0);
		KT_EQ(m.value, want);
		m.value = 0;
		spin_unlock_irqrestore(&m.lock, f);
		waitq_wake_all(&m.wq);
	}
	KT_EQ(thread_join(t, NULL), 0);
}

static struct waitq one_wq = WAITQ_INIT(one_wq);
static volatile int one_go, one_done;

static bool one_ready(void *arg)
{
	(void)arg;
	return one_go > 0;
}

static void one_waiter(void *arg)
{
	(void)arg;
	waitq_wait_event(&one_wq, one_ready, NULL, WAITQ_FOREVER);
	__atomic_fetch_add(&one_done, 1, __ATOMIC_SEQ_CST);
}

KTEST(waitq_wake_one_and_all)
{
	struct thread *t[3];

	one_go = one_done = 0;
	for (int i = 0; i < 3; i++)
		KT_EQ(thread_create("waiter", one_waiter, NULL, 0, &t[i]), 0);
	thread_sleep_ns(5 * NSEC_PER_MSEC); /* all three asleep */
	KT_EQ(waitq_wake_one(&one_wq), 1);  /* condition still false: it sleeps again */
	thread_sleep_ns(5 * NSEC_PER_MSEC);
	KT_EQ(one_done, 0);
	one_go = 1;
	KT_EQ(waitq_wake_all(&one_wq), 3);
	for (int i = 0; i < 3; i++)
		KT_EQ(thread_join(t[i], NULL), 0);
	KT_EQ(one_done, 3);
}
