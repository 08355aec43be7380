/*
 * sched.c - the round-robin scheduler: run queue, blocking, waking, preemption.
 *
 * One CPU. The current thread is never on the run queue; the idle thread is
 * never on it either and runs only when it is empty. Every switch happens in
 * __sched_switch() with sched_lock held and interrupts masked; the current
 * thread's state says why it stops (READY: preempted or yielded, BLOCKED:
 * waiting, ZOMBIE: exited).
 *
 * Lost-wakeup rule: a thread sets itself BLOCKED (sched_set_blocked) before
 * checking its wait condition; sched_wake() turns BLOCKED into READY, or back
 * into RUNNING if the thread has not switched out yet, and
 * sched_block_until() only switches out if the state is still BLOCKED.
 * Preempting a BLOCKED thread (an IRQ between the check and the block) makes
 * it READY: it then returns from its block at once, a spurious wakeup that
 * every caller tolerates by re-checking its condition.
 */
#include <arch/x86_64/mmu.h>
#include <arch/x86_64/usermode.h>
#include <kernel/console.h>
#include <kernel/paging.h>
#include <kernel/panic.h>
#include <kernel/param.h>
#include "sched_int.h"

struct spinlock sched_lock = SPINLOCK_INIT;
struct list_node sched_all_threads = {&sched_all_threads, &sched_all_threads};
static struct list_node run_queue = {&run_queue, &run_queue}; /* [S] READY threads, FIFO */
static struct thread *sched_cur;			      /* [S] the running thread */
static struct thread *idle_thread;			      /* [I] after sched_init */
static bool need_resched;				      /* [S] switch at IRQ exit */
static bool preemption;					      /* [S] ticks may preempt */
static uint64_t nr_switches;				      /* [S] */
static struct thread *fpu_owner; /* [S] whose x87/SSE state the registers hold, or NULL */

struct thread *thread_current(void)
{
	return sched_cur;
}

void __sched_set_current(struct thread *t, struct thread *idle)
{
	sched_cur = t;
	idle_thread = idle;
}

void __sched_enqueue(struct thread *t)
{
	t->state = THREAD_READY;
	list_add_tail(&run_queue, &t->run_node);
	if (sched_cur == idle_thread)
		need_resched = true;
}

static void sched_finish_switch(struct thread *prev)
{
	if (prev->state == THREAD_ZOMBIE && (prev->flags & THREAD_DETACHED))
		__thread_free(prev);
}

/*
 * The x87/SSE registers change hands only here. The kernel never uses them
 * (arch/x86_64/fpu.h), so they keep a user thread's state while kernel
 * threads and idle run: it is saved only when another user thread needs the
 * registers, and not reloaded when its owner comes back first. No #NM trap:
 * the switch is done whenever a thread with user state is switched in.
 */
static void __sched_fpu_load(struct thread *next)
{
	if (!next->user_fpu || fpu_owner == next)
		return;
	if (fpu_owner)
		arch_fpu_save(&fpu_owner->fpu);
	arch_fpu_restore(&next->fpu);
	fpu_owner = next;
}

void __sched_fpu_drop(struct thread *t)
{
	t->user_fpu = false;
	if (fpu_owner == t)
		fpu_owner = NULL;
}

/*
 * What a thread needs from the CPU besides its registers: its address space
 * (kernel threads run in the kernel's, so a dying process's tables can be
 * freed), its kernel stack as the landing place for traps from ring 3, and
 * its x87/SSE state if it has one.
 */
static void switch_cpu_context(struct thread *next)
{
	struct addr_space *as = next->as ? next->as : paging_kernel_space();

	if (next->stack)
		arch_set_kernel_stack((uint64_t)next->stack + PARAM_KSTACK_SIZE);
	if (arch_read_cr3() != as->pml4_phys)
		paging_switch(as);
	__sched_fpu_load(next);
}

void thread_set_space(struct addr_space *as, struct proc *p)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	sched_cur->as = as;
	sched_cur->proc = p;
	__sched_fpu_drop(sched_cur);
	if (as) {
		arch_fpu_reset(&sched_cur->fpu);
		sched_cur->user_fpu = true;
	}
	switch_cpu_context(sched_cur);
	spin_unlock_irqrestore(&sched_lock, f);
}

/* Runs the next READY thread (or idle); sched_lock held, interrupts masked. */
static void __sched_switch(void)
{
	struct thread *prev = sched_cur, *next;
	struct list_node *n = list_pop(&run_queue);

	next = n ? list_entry(n, struct thread, run_node) : idle_thread;
	need_resched = false;
	if (next == prev) {
		/* Alone at its slice's end: a new slice, or no later tick would ever preempt it. */
		prev->state = THREAD_RUNNING;
		prev->slice_left = PARAM_TIMESLICE_TICKS;
		return;
	}
	KASSERT(prev == idle_thread || prev->state != THREAD_RUNNING);
	if (!thread_stack_ok(prev))
		panic("stack overflow in thread %u (%s)", prev->id, prev->name);
	next->state = THREAD_RUNNING;
	next->slice_left = PARAM_TIMESLICE_TICKS;
	next->switches++;
	nr_switches++;
	sched_cur = next;
	switch_cpu_context(next);
	prev = context_switch(prev, next);
	sched_finish_switch(prev);
}

/* First code of every new thread, entered from context_switch via thread_entry. */
void sched_thread_start(struct thread *prev)
{
	struct thread *self;

	sched_finish_switch(prev);
	self = sched_cur;
	__spin_unlock(&sched_lock);
	arch_irq_enable();
	self->fn(self->arg);
	thread_exit(0);
}

/* Puts a running (or not yet switched-out blocked) current thread back on the queue. */
static void __sched_requeue_current(void)
{
	if (sched_cur != idle_thread &&
	    (sched_cur->state == THREAD_RUNNING || sched_cur->state == THREAD_BLOCKED))
		__sched_enqueue(sched_cur);
}

void thread_yield(void)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	__sched_requeue_current();
	__sched_switch();
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_set_blocked(void)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	sched_cur->state = THREAD_BLOCKED;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_set_running(void)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	sched_cur->state = THREAD_RUNNING;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_wake(struct thread *t)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	if (t->state == THREAD_BLOCKED) {
		if (t == sched_cur)
			t->state = THREAD_RUNNING;
		else
			__sched_enqueue(t);
	}
	spin_unlock_irqrestore(&sched_lock, f);
}

static void sleep_timer_fired(struct ktimer *kt)
{
	sched_wake(container_of(kt, struct thread, sleep_timer));
}

void sched_block_until(uint64_t deadline_ns)
{
	struct thread *self = sched_cur;
	bool timed = deadline_ns != WAITQ_FOREVER;
	unsigned long f;

	KASSERT(self != idle_thread);
	if (timed) {
		if (clock_now_ns() >= deadline_ns) {
			sched_set_running();
			return;
		}
		ktimer_init(&self->sleep_timer, sleep_timer_fired);
		ktimer_arm(&self->sleep_timer, deadline_ns);
	}
	f = spin_lock_irqsave(&sched_lock);
	if (self->state == THREAD_BLOCKED)
		__sched_switch();
	self->state = THREAD_RUNNING;
	spin_unlock_irqrestore(&sched_lock, f);
	if (timed)
		ktimer_cancel(&self->sleep_timer);
}

void thread_exit(int code)
{
	struct thread *self = sched_cur;

	/* Interrupts stay masked until we are off this stack for good. */
	arch_irq_disable();
	KASSERT(self != idle_thread);
	__spin_lock(&sched_lock);
	self->exit_code = code;
	self->state = THREAD_ZOMBIE;
	__spin_unlock(&sched_lock);
	waitq_wake_all(&self->joinq);
	__spin_lock(&sched_lock);
	__sched_switch();
	panic("zombie thread %s was scheduled again", self->name);
}

void sched_tick(void)
{
	__spin_lock(&sched_lock);
	if (sched_cur && sched_cur != idle_thread && sched_cur->slice_left &&
	    --sched_cur->slice_left == 0)
		need_resched = true;
	__spin_unlock(&sched_lock);
}

void sched_irq_exit(void)
{
	__spin_lock(&sched_lock);
	if (preemption && need_resched) {
		__sched_requeue_current();
		__sched_switch();
	}
	__spin_unlock(&sched_lock);
}

void sched_start_preemption(void)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	preemption = true;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_foreach_thread(void (*fn)(struct thread *t, void *arg), void *arg)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	for (struct list_node *n = sched_all_threads.next; n != &sched_all_threads; n = n->next)
		fn(list_entry(n, struct thread, all_node), arg);
	spin_unlock_irqrestore(&sched_lock, f);
}

uint64_t sched_context_switches(void)
{
	return __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
}
