/*
 * port.c (event loop) - the async core on one thread, with no threads at all:
 * the port an adopter with a uniprocessor kernel or an event loop copies first.
 *
 * The machine it models is one CPU with one interrupt:
 *   - The interrupt is SIGALRM from a periodic POSIX timer (EVLOOP_SIGNAL). Its
 *     handler runs the due port timers, then the device's handler.
 *   - A lock masks the interrupt with sigprocmask, as spin_lock_irqsave does on
 *     one CPU; the flags word says whether it was masked already, so nested
 *     locks (a completion taking the waiter lock inside the handler) restore
 *     the right state.
 *   - async_port_cond_wait cannot sleep while another thread works: it is the
 *     event loop. It releases the lock and waits for the interrupt with
 *     sigsuspend(), which unmasks and sleeps in one step, so a broadcast from
 *     the handler after the caller checked its condition cannot be lost.
 *     Completions run in the handler while the core waits, and post to the
 *     very waiter the core is waiting on: the lock must really be released.
 *   - EVLOOP_POLL has no signal: locks mask nothing, and cond_wait pumps
 *     (timers, then the device) until a broadcast or the deadline. The core's
 *     async_wait_event with timeout 0 never calls cond_wait, so a program that
 *     polls calls evloop_pump() itself.
 *   - No threads: async_port_thread_start returns -ENOSYS, async_workers_init
 *     fails with it, and a blocking step (async_work) fails with -ENODEV.
 *   - No user memory: async_port_user_pin is left out (it is weak), so user
 *     buffers fail with -ENODEV.
 * The checks below (lock depth, masked state) panic on a broken contract;
 * they cost nothing worth removing.
 */
#include <async/pool.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * Lock legend: [I] set by evloop_start, before the first tick; [irq] shared
 * with the interrupt handler, so touched only with SIGALRM masked (the calls
 * that mask and unmask are also compiler barriers).
 */
static enum evloop_mode mode;		/* [I] */
static sigset_t irq_set;		/* [I] {SIGALRM} */
static timer_t tick_timer;		/* [I] EVLOOP_SIGNAL only */
static uint64_t tick_ns;		/* [I] poll mode sleeps this long when idle */
static unsigned (*device_irq)(void);	/* set before evloop_start */
static struct async_port_timer *timers; /* [irq] armed timers: touched masked */
static unsigned lock_depth;		/* [irq] core locks held now */
static unsigned long lock_calls;	/* [irq] */

/* ---- Interrupt masking: the heart of a uniprocessor port ---- */

/* Masks the interrupt; returns 1 if it was masked already. */
static unsigned long irq_save(void)
{
	sigset_t old;

	if (mode == EVLOOP_POLL)
		return 0;
	sigprocmask(SIG_BLOCK, &irq_set, &old);
	return sigismember(&old, SIGALRM) == 1;
}

static void irq_restore(unsigned long was_masked)
{
	if (mode == EVLOOP_SIGNAL && !was_masked)
		sigprocmask(SIG_UNBLOCK, &irq_set, NULL);
}

void async_spin_init(async_spinlock_t *l)
{
	l->held = false;
}

unsigned long async_spin_lock_irqsave(async_spinlock_t *l)
{
	unsigned long flags = irq_save();

	if (l->held)
		async_port_panic("lock %p taken twice: a real spinlock would deadlock", (void *)l);
	l->held = true;
	lock_depth++;
	lock_calls++;
	return flags;
}

void async_spin_unlock_irqrestore(async_spinlock_t *l, unsigned long flags)
{
	if (!l->held)
		async_port_panic("unlocking lock %p, which is not held", (void *)l);
	l->held = false;
	lock_depth--;
	irq_restore(flags);
}

unsigned long evloop_lock_calls(void)
{
	return lock_calls;
}

/* ---- Time and timers ---- */

/*
 * One execution context: the signal handler runs on the loop's own stack,
 * like an interrupt on the thread it interrupted, so it shares the slot.
 */
void **async_port_context_slot(void)
{
	static void *slot;

	return &slot;
}

uint64_t async_port_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void async_port_timer_init(struct async_port_timer *t, void (*fn)(struct async_port_timer *t))
{
	t->fn = fn;
	t->pending = false;
	t->next = NULL;
}

/* Caller masked the interrupt. */
static void __timer_unlink(struct async_port_timer *t)
{
	struct async_port_timer **pp;

	for (pp = &timers; *pp != t; pp = &(*pp)->next)
		;
	*pp = t->next;
	t->pending = false;
}

/* A pending timer is moved; a deadline already past fires at the next tick or pump. */
void async_port_timer_arm(struct async_port_timer *t, uint64_t deadline_ns)
{
	unsigned long f = irq_save();

	if (t->pending)
		__timer_unlink(t);
	t->deadline_ns = deadline_ns;
	t->pending = true;
	t->next = timers;
	timers = t;
	irq_restore(f);
}

bool async_port_timer_cancel(struct async_port_timer *t)
{
	unsigned long f = irq_save();
	bool was = t->pending;

	if (was)
		__timer_unlink(t);
	irq_restore(f);
	return was;
}

unsigned evloop_timers_pending(void)
{
	unsigned long f = irq_save();
	struct async_port_timer *t;
	unsigned n = 0;

	for (t = timers; t; t = t->next)
		n++;
	irq_restore(f);
	return n;
}

/* Runs every due timer; the interrupt is masked. */
static unsigned run_timers(uint64_t now)
{
	struct async_port_timer *t;
	unsigned n = 0;

	for (t = timers; t;) {
		if (t->deadline_ns > now) {
			t = t->next;
			continue;
		}
		__timer_unlink(t);
		/* fn may free the op holding @t: never touch @t after this call. */
		t->fn(t);
		n++;
		t = timers; /* fn may have armed or cancelled others: rescan */
	}
	return n;
}

/* Everything the interrupt does; masked, with no core lock held. */
static unsigned run_due(void)
{
	if (lock_depth)
		async_port_panic("interrupt with %u locks held: masking failed", lock_depth);
	return run_timers(async_port_now_ns()) + (device_irq ? device_irq() : 0);
}

static void tick_handler(int sig)
{
	(void)sig;
	run_due();
}

unsigned evloop_pump(void)
{
	return run_due();
}

/* ---- Sleeping: cond_wait is the event loop ---- */

void async_port_cond_init(struct async_port_cond *c)
{
	c->broadcasts = 0;
}

void async_port_cond_broadcast(struct async_port_cond *c)
{
	c->broadcasts++;
}

/* Waits for the next interrupt (signal) or runs one pump (poll); masked on return. */
static void wait_for_interrupt(void)
{
	sigset_t unmasked;
	struct timespec idle = {0, (long)tick_ns};

	if (mode == EVLOOP_SIGNAL) {
		sigprocmask(SIG_SETMASK, NULL, &unmasked);
		sigdelset(&unmasked, SIGALRM);
		sigsuspend(&unmasked); /* unmask + sleep atomically; masked again after */
		return;
	}
	if (!evloop_pump())
		nanosleep(&idle, NULL);
}

int async_port_cond_wait(struct async_port_cond *c, async_spinlock_t *l, unsigned long *flags,
			 uint64_t deadline_ns)
{
	unsigned long seen = c->broadcasts;
	int err = 0;

	/* The contract (docs/porting.md): @l is the only core lock held, in thread context. */
	if (lock_depth != 1 || !l->held)
		async_port_panic("cond_wait with %u locks held", lock_depth);
	if (*flags)
		async_port_panic("cond_wait with the interrupt masked before the lock");
	/* Release @l but stay masked: the check and the sleep must be one step. */
	l->held = false;
	lock_depth--;
	while (c->broadcasts == seen) {
		if (async_port_now_ns() >= deadline_ns) {
			err = -ETIMEDOUT;
			break;
		}
		wait_for_interrupt();
	}
	l->held = true;
	lock_depth++;
	/* *flags is unchanged: the unlock must unmask, as it would have before. */
	return err;
}

/* ---- Threads: none ---- */

int async_port_thread_start(const char *name, void (*fn)(void *arg), void *arg)
{
	(void)name;
	(void)fn;
	(void)arg;
	return -ENOSYS;
}

/* ---- The loop ---- */

void evloop_set_device(unsigned (*irq)(void))
{
	device_irq = irq;
}

int evloop_start(enum evloop_mode m, uint64_t tick)
{
	struct sigaction sa = {.sa_handler = tick_handler, .sa_flags = SA_RESTART};
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	struct itimerspec its = {
	    .it_interval = {(time_t)(tick / 1000000000ull), (long)(tick % 1000000000ull)}};

	its.it_value = its.it_interval;
	mode = m;
	tick_ns = tick;
	sigemptyset(&irq_set);
	sigaddset(&irq_set, SIGALRM);
	if (m == EVLOOP_POLL)
		return 0;
	sigemptyset(&sa.sa_mask); /* SIGALRM itself stays masked while its handler runs */
	if (sigaction(SIGALRM, &sa, NULL) || timer_create(CLOCK_MONOTONIC, &sev, &tick_timer))
		return -errno;
	if (timer_settime(tick_timer, 0, &its, NULL)) {
		timer_delete(tick_timer);
		return -errno;
	}
	return 0;
}

void evloop_stop(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};

	if (mode == EVLOOP_SIGNAL) {
		timer_delete(tick_timer);
		sigaction(SIGALRM, &ign, NULL); /* drops a tick still pending */
	}
	mode = EVLOOP_POLL;
}

/* ---- Diagnostics ---- */

/* Also reached from the handler: stdio is not signal-safe, but we abort anyway. */
void async_port_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "async panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

void async_port_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
