/*
 * async_port.c - the kernel port of the async core (contract: include/async/port.h).
 *
 * Every function maps onto one kernel facility; nothing here keeps state.
 * Worker threads started through async_port_thread_start() are detached:
 * the core starts them once at init and never joins them.
 */
#include <async/port.h>
#include <kernel/console.h>
#include <lib/fmt.h>
#include <kernel/sched.h>

void async_spin_init(async_spinlock_t *l)
{
	spin_init(l);
}

unsigned long async_spin_lock_irqsave(async_spinlock_t *l)
{
	return spin_lock_irqsave(l);
}

void async_spin_unlock_irqrestore(async_spinlock_t *l, unsigned long flags)
{
	spin_unlock_irqrestore(l, flags);
}

void async_port_cond_init(struct async_port_cond *c)
{
	waitq_init(&c->wq);
}

int async_port_cond_wait(struct async_port_cond *c, async_spinlock_t *l, unsigned long *flags,
			 uint64_t deadline_ns)
{
	return waitq_wait_locked(&c->wq, l, flags,
				 deadline_ns == UINT64_MAX ? WAITQ_FOREVER : deadline_ns);
}

void async_port_cond_broadcast(struct async_port_cond *c)
{
	waitq_wake_all(&c->wq);
}

uint64_t async_port_now_ns(void)
{
	return clock_now_ns();
}

static void port_timer_fired(struct ktimer *kt)
{
	struct async_port_timer *t = container_of(kt, struct async_port_timer, kt);

	t->fn(t);
}

void async_port_timer_init(struct async_port_timer *t, void (*fn)(struct async_port_timer *t))
{
	t->fn = fn;
	ktimer_init(&t->kt, port_timer_fired);
}

void async_port_timer_arm(struct async_port_timer *t, uint64_t deadline_ns)
{
	ktimer_arm(&t->kt, deadline_ns);
}

bool async_port_timer_cancel(struct async_port_timer *t)
{
	return ktimer_cancel(&t->kt);
}

int async_port_thread_start(const char *name, void (*fn)(void *arg), void *arg)
{
	return thread_create(name, fn, arg, THREAD_DETACHED, NULL);
}

void async_port_panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("async: %s", msg);
}

/* Before the scheduler runs (no current thread), boot code uses this one. */
static void *boot_context_slot;

/* Per thread; an IRQ handler runs on the interrupted thread's stack and shares its slot. */
void **async_port_context_slot(void)
{
	struct thread *t = thread_current();

	return t ? &t->async_ctx : &boot_context_slot;
}

void async_port_log(const char *fmt, ...)
{
	va_list ap;

	printk("async: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
