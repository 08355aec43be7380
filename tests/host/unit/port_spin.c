/*
 * port_spin: the host port's spinlock excludes and its cond never loses a
 * broadcast. The core trusts both (async/port.h); the stress tests only show
 * a broken lock by chance, these cases aim at the windows directly.
 * Threads here report through atomics and the main thread asserts (UT_* must
 * not run off the main thread: they longjmp).
 */
#include <async/port.h>

#include "utest.h"

#include <pthread.h>
#include <sched.h>
#include <sys/single_threaded.h>
#include <time.h>

#define NSEC_PER_MSEC 1000000ull

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- Mutual exclusion ---- */

#define EXCL_THREADS 6 /* more than the cores of the test machine: holders get preempted */
#define EXCL_ROUNDS  40000

static async_spinlock_t excl_lock = ASYNC_SPINLOCK_INIT;
static unsigned long excl_counter; /* [excl_lock], a plain read-modify-write on purpose */

static void *excl_worker(void *arg)
{
	unsigned i, k;

	(void)arg;
	for (i = 0; i < EXCL_ROUNDS; i++) {
		unsigned long flags = async_spin_lock_irqsave(&excl_lock);
		unsigned long v = *(volatile unsigned long *)&excl_counter;

		/* Widen the window between the read and the write. */
		for (k = 0; k < 8; k++)
			__builtin_ia32_pause();
		*(volatile unsigned long *)&excl_counter = v + 1;
		async_spin_unlock_irqrestore(&excl_lock, flags);
	}
	return NULL;
}

static void test_spinlock_excludes_threads_incrementing(void)
{
	pthread_t th[EXCL_THREADS];
	unsigned i;

	excl_counter = 0;
	for (i = 0; i < EXCL_THREADS; i++)
		UT_EQ(pthread_create(&th[i], NULL, excl_worker, NULL), 0);
	for (i = 0; i < EXCL_THREADS; i++)
		pthread_join(th[i], NULL);
	UT_EQ(excl_counter, (unsigned long)EXCL_THREADS * EXCL_ROUNDS);
}

/* ---- A lock taken while the process had one thread ---- */

static async_spinlock_t early_lock = ASYNC_SPINLOCK_INIT;
static int early_got; /* [a] set by the thread once it holds early_lock */

static void *early_taker(void *arg)
{
	unsigned long flags;

	(void)arg;
	flags = async_spin_lock_irqsave(&early_lock);
	__atomic_store_n(&early_got, 1, __ATOMIC_RELEASE);
	async_spin_unlock_irqrestore(&early_lock, flags);
	return NULL;
}

/*
 * Must run first: the lock is taken on the single-threaded path, then a
 * thread that wants it is started. It may only get it after the unlock.
 */
static void test_lock_taken_single_threaded_holds_off_new_thread(void)
{
	unsigned long flags;
	pthread_t th;

	UT_ASSERT(__libc_single_threaded); /* else this case does not test that path */
	flags = async_spin_lock_irqsave(&early_lock);
	UT_EQ(pthread_create(&th, NULL, early_taker, NULL), 0);
	sleep_ms(50); /* the thread normally runs meanwhile; if not, the check is vacuous */
	UT_EQ(__atomic_load_n(&early_got, __ATOMIC_ACQUIRE), 0);
	async_spin_unlock_irqrestore(&early_lock, flags);
	pthread_join(th, NULL);
	UT_EQ(__atomic_load_n(&early_got, __ATOMIC_ACQUIRE), 1);
}

/* ---- cond_wait: the window between releasing the lock and sleeping ---- */

static async_spinlock_t win_lock = ASYNC_SPINLOCK_INIT;
static struct async_port_cond win_cond;
static int win_ready; /* [win_lock] the condition the waiter sleeps on */
static int win_phase; /* [a] 0 idle, 1 waiter in the window, 2 broadcast returned */

static void *win_broadcaster(void *arg)
{
	unsigned long flags;

	(void)arg;
	while (__atomic_load_n(&win_phase, __ATOMIC_ACQUIRE) != 1)
		sleep_ms(1);
	flags = async_spin_lock_irqsave(&win_lock);
	win_ready = 1;
	async_spin_unlock_irqrestore(&win_lock, flags);
	async_port_cond_broadcast(&win_cond);
	__atomic_store_n(&win_phase, 2, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Runs in the waiter between the release of win_lock and its sleep: lets the
 * broadcaster change the condition and broadcast right then. A correct cond
 * holds the broadcast back until the waiter sleeps, so this gives up after
 * 200 ms; a broken one lets it through, and the waiter then sleeps past it.
 */
static void win_hook(void)
{
	uint64_t give_up = async_port_now_ns() + 200 * NSEC_PER_MSEC;

	host_set_cond_wait_hook(NULL);
	__atomic_store_n(&win_phase, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&win_phase, __ATOMIC_ACQUIRE) != 2 && async_port_now_ns() < give_up)
		sleep_ms(1);
}

static void test_cond_wait_broadcast_in_release_window_not_missed(void)
{
	unsigned long flags;
	pthread_t th;
	int err = 0;

	async_port_cond_init(&win_cond);
	UT_EQ(pthread_create(&th, NULL, win_broadcaster, NULL), 0);
	host_set_cond_wait_hook(win_hook);
	flags = async_spin_lock_irqsave(&win_lock);
	while (!win_ready && !err)
		err = async_port_cond_wait(&win_cond, &win_lock, &flags,
					   async_port_now_ns() + 10000 * NSEC_PER_MSEC);
	async_spin_unlock_irqrestore(&win_lock, flags);
	host_set_cond_wait_hook(NULL);
	pthread_join(th, NULL);
	UT_EQ(err, 0); /* -ETIMEDOUT: the broadcast was lost */
	UT_EQ(win_ready, 1);
}

/* ---- cond_wait: deadlines ---- */

static void test_cond_wait_deadline_times_out_and_retakes_lock(void)
{
	static async_spinlock_t l = ASYNC_SPINLOCK_INIT;
	static struct async_port_cond c;
	unsigned long flags;
	uint64_t deadline;
	int err;

	async_port_cond_init(&c);
	flags = async_spin_lock_irqsave(&l);
	deadline = async_port_now_ns() + 20 * NSEC_PER_MSEC;
	do
		err = async_port_cond_wait(&c, &l, &flags, deadline);
	while (!err);
	UT_EQ(err, -ETIMEDOUT);
	UT_ASSERT(async_port_now_ns() >= deadline);
	UT_EQ(__atomic_load_n(&l.locked, __ATOMIC_RELAXED), 1u); /* held again on return */
	async_spin_unlock_irqrestore(&l, flags);
	/* A deadline already past returns at once, still with the lock. */
	flags = async_spin_lock_irqsave(&l);
	UT_EQ(async_port_cond_wait(&c, &l, &flags, 1), -ETIMEDOUT);
	UT_EQ(__atomic_load_n(&l.locked, __ATOMIC_RELAXED), 1u);
	async_spin_unlock_irqrestore(&l, flags);
}

/* ---- cond_wait: ping-pong, every hand-over a broadcast ---- */

#define PING_ROUNDS 2000

static async_spinlock_t ping_lock = ASYNC_SPINLOCK_INIT;
static struct async_port_cond ping_cond;
static unsigned ping_turn;     /* [ping_lock] even: main's turn, odd: the thread's */
static unsigned ping_timeouts; /* [a] waits that ran to their deadline */

static void ping_play(unsigned parity)
{
	unsigned long flags = async_spin_lock_irqsave(&ping_lock);

	while (ping_turn < 2 * PING_ROUNDS) {
		if (ping_turn % 2 != parity) {
			if (async_port_cond_wait(&ping_cond, &ping_lock, &flags,
						 async_port_now_ns() + 10000 * NSEC_PER_MSEC))
				__atomic_add_fetch(&ping_timeouts, 1, __ATOMIC_RELAXED);
			continue;
		}
		ping_turn++;
		async_port_cond_broadcast(&ping_cond); /* with the lock held, as the core does */
	}
	async_spin_unlock_irqrestore(&ping_lock, flags);
}

static void *ping_thread(void *arg)
{
	(void)arg;
	ping_play(1);
	return NULL;
}

static void test_cond_pingpong_loses_no_broadcast(void)
{
	pthread_t th;

	async_port_cond_init(&ping_cond);
	UT_EQ(pthread_create(&th, NULL, ping_thread, NULL), 0);
	ping_play(0);
	pthread_join(th, NULL);
	UT_EQ(ping_turn, 2u * PING_ROUNDS);
	UT_EQ(__atomic_load_n(&ping_timeouts, __ATOMIC_RELAXED), 0u);
}

/* ---- The clock (TSC-based where the TSC is invariant) ---- */

static uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * async_port_now_ns counts CLOCK_MONOTONIC's nanoseconds: same origin (within
 * a millisecond), never backwards, and at its rate (a wrong calibration of
 * the TSC clock is off by far more than the 2% allowed over 100 ms). Each
 * port reading is bracketed by two CLOCK_MONOTONIC ones, so a preemption
 * between them widens the bounds instead of failing the test.
 */
static void test_clock_follows_clock_monotonic(void)
{
	uint64_t a0, p0, b0, a1, p1, b1, prev, now;
	int i;

	a0 = mono_now_ns();
	p0 = async_port_now_ns();
	b0 = mono_now_ns();
	UT_ASSERT(p0 + NSEC_PER_MSEC >= a0 && p0 <= b0 + NSEC_PER_MSEC);
	for (i = 0, prev = p0; i < 100000; i++, prev = now) {
		now = async_port_now_ns();
		UT_ASSERT(now >= prev);
	}
	sleep_ms(100);
	a1 = mono_now_ns();
	p1 = async_port_now_ns();
	b1 = mono_now_ns();
	UT_ASSERT((p1 - p0) * 50 >= (a1 - b0) * 49);
	UT_ASSERT((p1 - p0) * 50 <= (b1 - a0) * 51);
}

static const struct utest tests[] = {
    UTEST(test_clock_follows_clock_monotonic),
    UTEST(test_lock_taken_single_threaded_holds_off_new_thread),
    UTEST(test_spinlock_excludes_threads_incrementing),
    UTEST(test_cond_wait_broadcast_in_release_window_not_missed),
    UTEST(test_cond_wait_deadline_times_out_and_retakes_lock),
    UTEST(test_cond_pingpong_loses_no_broadcast),
};

UTEST_MAIN("port_spin", tests)
