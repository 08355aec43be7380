/*
 * port.c (host) - the async port over POSIX threads; see async_port_impl.h.
 *
 * Timers: one lazily started thread keeps armed timers in a list (the host
 * tests arm few at a time) and runs each due callback with no lock held.
 */
#include <async/pool.h>

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/single_threaded.h>
#include <time.h>

/* ---- Spinlocks and conds ---- */

/* Tells the CPU this is a spin-wait loop (saves power, frees the sibling hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

void async_spin_init(async_spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
}

static __thread unsigned long locks_taken;

unsigned long host_locks_taken(void)
{
	return locks_taken;
}

/*
 * Waits, reading only (the cache line stays shared), until @l looks free. A
 * holder that was preempted cannot release while we spin on its core, so
 * after a bounded number of spins the waiter gives the CPU away.
 */
static void spin_until_free(async_spinlock_t *l)
{
	unsigned spins = 0;

	while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
		if (++spins < HOST_SPIN_YIELD_AFTER) {
			cpu_relax();
			continue;
		}
		spins = 0;
		sched_yield();
	}
}

/*
 * While the process has one thread (glibc's __libc_single_threaded, as its own
 * mutexes use), nobody can contend: the lock is taken with a plain store, no
 * locked instruction. pthread_create clears the flag and orders those stores
 * before the new thread starts. A lock found held then can never be released.
 */
static bool spin_lock_single_threaded(async_spinlock_t *l)
{
	if (!__libc_single_threaded)
		return false;
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
		async_port_panic("host port: spinlock taken twice by the only thread");
	__atomic_store_n(&l->locked, 1, __ATOMIC_RELAXED);
	return true;
}

unsigned long async_spin_lock_irqsave(async_spinlock_t *l)
{
	locks_taken++;
	if (spin_lock_single_threaded(l))
		return 0;
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		spin_until_free(l);
	return 0;
}

void async_spin_unlock_irqrestore(async_spinlock_t *l, unsigned long flags)
{
	(void)flags;
	if (ASYNC_PORT_ASSERTS && !__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
		async_port_panic("host port: unlock of a spinlock that is not held");
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

void async_port_cond_init(struct async_port_cond *c)
{
	pthread_condattr_t a;

	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &a);
	pthread_condattr_destroy(&a);
	c->gen = 0;
}

static __thread unsigned long clock_reads;

unsigned long host_clock_reads(void)
{
	return clock_reads;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The clock: CLOCK_MONOTONIC's nanoseconds, read from the TSC where the CPU
 * says it runs at a constant rate in every state (CPUID 0x80000007, EDX bit
 * 8): a plain rdtsc and a multiply, about 8 ns on the benchmark machine
 * against about 18 for the vDSO's clock_gettime, which orders the TSC read
 * after everything before it (lfence). The rate is calibrated once against
 * CLOCK_MONOTONIC over HOST_TSC_CALIBRATE_NS; without an invariant TSC (or
 * off x86) every read is a clock_gettime. Sleeps on CLOCK_MONOTONIC (cond
 * waits, the timer thread) convert the time left when they start (mono_at),
 * so the two clocks drifting apart by the rate's error never matters.
 */
#define HOST_TSC_CALIBRATE_NS 2000000ull

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static uint64_t tsc_read(void)
{
	return __builtin_ia32_rdtsc();
}

static bool tsc_invariant(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}
#else
static uint64_t tsc_read(void)
{
	return 0;
}

static bool tsc_invariant(void)
{
	return false;
}
#endif

static struct {
	uint64_t tsc0, ns0; /* [I] a TSC reading and the CLOCK_MONOTONIC time it stands for */
	uint64_t mult;	    /* [I] nanoseconds per TSC tick, << 32; 0: no TSC clock */
} tsc_clock;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;
static bool tsc_ready; /* [a] set (release) once tsc_clock is final */

/*
 * A CLOCK_MONOTONIC reading and the TSC at the same moment: the midpoint of
 * the tightest of a few TSC brackets around it, so a preemption inside one
 * bracket (which would skew the rate) is not taken.
 */
static void tsc_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t a, b, m, best = UINT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		a = tsc_read();
		m = mono_ns();
		b = tsc_read();
		if (b >= a && b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = m;
		}
	}
}

static void tsc_calibrate(void)
{
	uint64_t t0 = 0, m0 = 0, t1 = 0, m1 = 0;

	if (tsc_invariant()) {
		tsc_pair(&t0, &m0);
		while (mono_ns() - m0 < HOST_TSC_CALIBRATE_NS)
			;
		tsc_pair(&t1, &m1);
		if (t1 > t0 && m1 > m0) {
			tsc_clock.mult =
			    (uint64_t)(((unsigned __int128)(m1 - m0) << 32) / (t1 - t0));
			tsc_clock.tsc0 = t1;
			tsc_clock.ns0 = m1;
		}
	}
	__atomic_store_n(&tsc_ready, true, __ATOMIC_RELEASE);
}

/* async_port_now_ns, not counted in host_clock_reads. */
static uint64_t now_ns(void)
{
	int64_t ticks;

	if (!__atomic_load_n(&tsc_ready, __ATOMIC_ACQUIRE))
		pthread_once(&tsc_once, tsc_calibrate);
	if (!tsc_clock.mult)
		return mono_ns();
	ticks = (int64_t)(tsc_read() - tsc_clock.tsc0);
	if (ticks < 0)
		ticks = 0; /* another CPU's TSC a hair behind the calibrating one's */
	return tsc_clock.ns0 + (uint64_t)(((unsigned __int128)ticks * tsc_clock.mult) >> 32);
}

uint64_t async_port_now_ns(void)
{
	clock_reads++;
	return now_ns();
}

/* The CLOCK_MONOTONIC time at which async_port_now_ns() reaches @deadline_ns. */
static struct timespec mono_at(uint64_t deadline_ns)
{
	uint64_t now = now_ns(), ns = mono_ns();
	struct timespec ts;

	if (deadline_ns > now)
		ns += deadline_ns - now;
	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	return ts;
}

static void (*cond_wait_hook)(void);

void host_set_cond_wait_hook(void (*fn)(void))
{
	__atomic_store_n(&cond_wait_hook, fn, __ATOMIC_RELAXED);
}

/*
 * The atomic release-and-sleep: the generation is read under c->mu before @l
 * is released, and a broadcast bumps it under c->mu, so a broadcast made after
 * the release (the caller's condition changed under @l) either finds this
 * thread already asleep on c->cond or bumps gen before the thread checks it.
 * Lock order: @l may be held while taking c->mu (a broadcast under @l); this
 * side never takes @l while holding c->mu.
 */
int async_port_cond_wait(struct async_port_cond *c, async_spinlock_t *l, unsigned long *flags,
			 uint64_t deadline_ns)
{
	void (*hook)(void) = __atomic_load_n(&cond_wait_hook, __ATOMIC_RELAXED);
	struct timespec ts = {0};
	unsigned long gen;
	int err = 0;

	if (deadline_ns != UINT64_MAX)
		ts = mono_at(deadline_ns);
	pthread_mutex_lock(&c->mu);
	gen = c->gen;
	async_spin_unlock_irqrestore(l, *flags);
	if (hook)
		hook();
	while (c->gen == gen && !err) {
		if (deadline_ns == UINT64_MAX)
			pthread_cond_wait(&c->cond, &c->mu);
		else if (pthread_cond_timedwait(&c->cond, &c->mu, &ts) == ETIMEDOUT)
			err = -ETIMEDOUT;
	}
	if (c->gen != gen)
		err = 0; /* woken: a broadcast that raced the deadline still counts */
	pthread_mutex_unlock(&c->mu);
	*flags = async_spin_lock_irqsave(l);
	return err;
}

void async_port_cond_broadcast(struct async_port_cond *c)
{
	pthread_mutex_lock(&c->mu);
	c->gen++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
}

/* ---- Timers ---- */

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond;	    /* signalled under timer_lock, on CLOCK_MONOTONIC */
static struct async_port_timer *timer_list; /* under timer_lock */
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static struct async_port_timer *__timer_earliest(void)
{
	struct async_port_timer *t, *best = NULL;

	for (t = timer_list; t; t = t->next)
		if (!best || t->deadline_ns < best->deadline_ns)
			best = t;
	return best;
}

static void __timer_unlink(struct async_port_timer *t)
{
	struct async_port_timer **pp;

	for (pp = &timer_list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->pending = false;
			return;
		}
	}
}

static void *timer_thread(void *arg)
{
	struct async_port_timer *t;

	(void)arg;
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		t = __timer_earliest();
		if (!t) {
			pthread_cond_wait(&timer_cond, &timer_lock);
			continue;
		}
		if (async_port_now_ns() < t->deadline_ns) {
			struct timespec ts = mono_at(t->deadline_ns);

			pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
			continue;
		}
		__timer_unlink(t);
		pthread_mutex_unlock(&timer_lock);
		t->fn(t);
		pthread_mutex_lock(&timer_lock);
	}
	return NULL;
}

static void timer_start_thread(void)
{
	pthread_condattr_t a;
	pthread_t th;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cond, &a);
	pthread_condattr_destroy(&a);
	if (pthread_create(&th, NULL, timer_thread, NULL))
		async_port_panic("host port: cannot start the timer thread");
	pthread_detach(th);
}

void async_port_timer_init(struct async_port_timer *t, void (*fn)(struct async_port_timer *t))
{
	t->fn = fn;
	t->pending = false;
	t->next = NULL;
}

void async_port_timer_arm(struct async_port_timer *t, uint64_t deadline_ns)
{
	pthread_once(&timer_once, timer_start_thread);
	pthread_mutex_lock(&timer_lock);
	if (t->pending)
		__timer_unlink(t);
	t->deadline_ns = deadline_ns;
	t->pending = true;
	t->next = timer_list;
	timer_list = t;
	pthread_cond_broadcast(&timer_cond);
	pthread_mutex_unlock(&timer_lock);
}

bool async_port_timer_cancel(struct async_port_timer *t)
{
	bool was;

	pthread_mutex_lock(&timer_lock);
	was = t->pending;
	if (was)
		__timer_unlink(t);
	pthread_mutex_unlock(&timer_lock);
	return was;
}

unsigned host_timers_pending(void)
{
	struct async_port_timer *t;
	unsigned n = 0;

	pthread_mutex_lock(&timer_lock);
	for (t = timer_list; t; t = t->next)
		n++;
	pthread_mutex_unlock(&timer_lock);
	return n;
}

/* ---- Threads ---- */

struct thread_start {
	void (*fn)(void *);
	void *arg;
};

static void *thread_trampoline(void *p)
{
	struct thread_start ts = *(struct thread_start *)p;

	free(p);
	ts.fn(ts.arg);
	return NULL;
}

static unsigned thread_fail_countdown; /* [a] 1: the next start fails, and every later one */
static unsigned threads_started;       /* [a] */

void host_fail_thread_start_after(unsigned n)
{
	__atomic_store_n(&thread_fail_countdown, n, __ATOMIC_RELAXED);
}

unsigned host_threads_started(void)
{
	return __atomic_load_n(&threads_started, __ATOMIC_RELAXED);
}

static void (*thread_start_hook)(void);

void host_set_thread_start_hook(void (*fn)(void))
{
	thread_start_hook = fn;
}

/* True if this start must fail; the countdown stops at 1 so later starts fail too. */
static bool thread_start_should_fail(void)
{
	unsigned n = __atomic_load_n(&thread_fail_countdown, __ATOMIC_RELAXED);

	while (n > 1) {
		if (__atomic_compare_exchange_n(&thread_fail_countdown, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return false;
	}
	return n == 1;
}

int async_port_thread_start(const char *name, void (*fn)(void *arg), void *arg)
{
	struct thread_start *ts;
	pthread_t th;

	(void)name;
	if (thread_start_hook)
		thread_start_hook();
	if (thread_start_should_fail())
		return -ENOSYS;
	ts = malloc(sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	ts->fn = fn;
	ts->arg = arg;
	if (pthread_create(&th, NULL, thread_trampoline, ts)) {
		free(ts);
		return -ENOMEM;
	}
	pthread_detach(th);
	__atomic_add_fetch(&threads_started, 1, __ATOMIC_RELAXED);
	return 0;
}

/* ---- Simulated user address spaces ---- */

#define HOST_AS_MAPS 8

struct async_port_as {
	pthread_mutex_t lock;
	struct {
		uintptr_t uaddr;
		unsigned char *mem;
		size_t len;
		unsigned prot;
	} map[HOST_AS_MAPS];
	unsigned nmaps;
	long pinned; /* pages */
};

static unsigned pin_countdown; /* under pin_lock */
static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;

struct async_port_as *host_as_create(void)
{
	struct async_port_as *as = calloc(1, sizeof(*as));

	if (as)
		pthread_mutex_init(&as->lock, NULL);
	return as;
}

void host_as_destroy(struct async_port_as *as)
{
	pthread_mutex_destroy(&as->lock);
	free(as);
}

int host_as_map(struct async_port_as *as, uintptr_t uaddr, void *mem, size_t len, unsigned prot)
{
	int err = -ENOSPC;

	pthread_mutex_lock(&as->lock);
	if (as->nmaps < HOST_AS_MAPS) {
		as->map[as->nmaps].uaddr = uaddr;
		as->map[as->nmaps].mem = mem;
		as->map[as->nmaps].len = len;
		as->map[as->nmaps].prot = prot;
		as->nmaps++;
		err = 0;
	}
	pthread_mutex_unlock(&as->lock);
	return err;
}

long host_as_pinned(struct async_port_as *as)
{
	long n;

	pthread_mutex_lock(&as->lock);
	n = as->pinned;
	pthread_mutex_unlock(&as->lock);
	return n;
}

void host_fail_pin_after(unsigned n)
{
	pthread_mutex_lock(&pin_lock);
	pin_countdown = n;
	pthread_mutex_unlock(&pin_lock);
}

static bool pin_should_fail(void)
{
	bool fail = false;

	pthread_mutex_lock(&pin_lock);
	if (pin_countdown && --pin_countdown == 0)
		fail = true;
	pthread_mutex_unlock(&pin_lock);
	return fail;
}

/* Splits the host range into page-bounded "physical" ranges, as pages would be. */
static int fill_sg(unsigned char *mem, uintptr_t uaddr, size_t len, struct async_sg *sg,
		   unsigned max_sg)
{
	unsigned n = 0;

	while (len) {
		size_t in_page = 4096 - (uaddr & 4095);
		size_t chunk = len < in_page ? len : in_page;

		if (n == max_sg)
			return -EINVAL;
		sg[n].phys = (uint64_t)(uintptr_t)mem;
		sg[n].len = (uint32_t)chunk;
		n++;
		mem += chunk;
		uaddr += chunk;
		len -= chunk;
	}
	return (int)n;
}

int async_port_user_pin(struct async_port_as *as, uintptr_t uaddr, size_t len, unsigned access,
			struct async_sg *sg, unsigned max_sg)
{
	int n = -EFAULT;
	unsigned i;

	if (pin_should_fail())
		return -ENOMEM;
	pthread_mutex_lock(&as->lock);
	for (i = 0; i < as->nmaps; i++) {
		uintptr_t start = as->map[i].uaddr;

		if (uaddr < start || uaddr - start > as->map[i].len || len > as->map[i].len ||
		    uaddr - start + len > as->map[i].len)
			continue;
		if ((access & as->map[i].prot) != access)
			break;
		n = fill_sg(as->map[i].mem + (uaddr - start), uaddr, len, sg, max_sg);
		if (n > 0)
			as->pinned += n;
		break;
	}
	pthread_mutex_unlock(&as->lock);
	return n;
}

void async_port_user_unpin(struct async_port_as *as, const struct async_sg *sg, unsigned nsg)
{
	(void)sg;
	pthread_mutex_lock(&as->lock);
	as->pinned -= nsg;
	if (as->pinned < 0)
		async_port_panic("host port: more pages unpinned than pinned");
	pthread_mutex_unlock(&as->lock);
}

/* ---- Pool fault injection (overrides the weak default in pool.c) ---- */

static unsigned alloc_countdown; /* [a] */

void host_fail_alloc_after(unsigned n)
{
	__atomic_store_n(&alloc_countdown, n, __ATOMIC_RELAXED);
}

unsigned host_fail_alloc_pending(void)
{
	return __atomic_load_n(&alloc_countdown, __ATOMIC_RELAXED);
}

bool async_pool_fault(const struct async_pool *p)
{
	unsigned n = __atomic_load_n(&alloc_countdown, __ATOMIC_RELAXED);

	(void)p;
	while (n) {
		if (__atomic_compare_exchange_n(&alloc_countdown, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return n == 1;
	}
	return false;
}

/* ---- Diagnostics ---- */

static void (*panic_hook)(const char *msg);

void host_set_panic_hook(void (*fn)(const char *msg))
{
	panic_hook = fn;
}

void async_port_panic(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (panic_hook)
		panic_hook(msg);
	fprintf(stderr, "async panic: %s\n", msg);
	fflush(stdout);
	abort();
}

void **async_port_context_slot(void)
{
	static __thread void *slot;

	return &slot;
}

void async_port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
