/*
 * thread.c - kernel thread lifetime: create, join, sleep; boot and idle threads.
 *
 * Thread objects and stacks come from two static pools sized by
 * PARAM_MAX_THREADS. A thread is freed by its joiner, or - if DETACHED - by
 * the scheduler right after switching away from it for the last time
 * (sched_finish_switch), never on its own stack.
 *
 * Single CPU: the joiner cannot run while the exiting thread is still on its
 * stack, because thread_exit() keeps interrupts masked until it has switched
 * away. An SMP port needs an on-CPU flag that join waits for.
 */
#include <arch/x86_64/cpu.h>
#include <async/pool.h>
#include <kernel/panic.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "sched_int.h"

struct kstack {
	unsigned char bytes[PARAM_KSTACK_SIZE];
};

ASYNC_POOL_DEFINE(thread_pool, "thread", struct thread, PARAM_MAX_THREADS);
ASYNC_POOL_DEFINE(kstack_pool, "kstack", struct kstack, PARAM_MAX_THREADS);

static unsigned next_thread_id; /* [S] */

_Static_assert(offsetof(struct thread, saved_rsp) == 0, "switch.S stores RSP at offset 0");
_Static_assert(ASYNC_POOL_ALIGN % _Alignof(struct thread) == 0,
	       "the pool must keep thread->fpu 16-byte aligned for fxsave");

void __thread_free(struct thread *t)
{
	list_del(&t->all_node);
	__sched_fpu_drop(t);
	if (t->stack)
		async_pool_free(&kstack_pool, t->stack);
	async_pool_free(&thread_pool, t);
}

/* Makes the new stack look like one that context_switch() saved, returning to thread_entry. */
static void thread_build_stack(struct thread *t)
{
	uint64_t *sp = (uint64_t *)((unsigned char *)t->stack + PARAM_KSTACK_SIZE);

	*(uint64_t *)t->stack = THREAD_STACK_CANARY;
	*--sp = (uint64_t)thread_entry;
	*--sp = RFLAGS_FIXED; /* every flag clear; sched_thread_start turns IF on */
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp (0 ends backtraces), rbx, r12..r15 */
	t->saved_rsp = (uint64_t)sp;
}

static struct thread *thread_alloc(const char *name, void (*fn)(void *), void *arg, unsigned flags)
{
	struct thread *t = async_pool_zalloc(&thread_pool);

	if (!t)
		return NULL;
	t->stack = async_pool_alloc(&kstack_pool);
	if (!t->stack) {
		async_pool_free(&thread_pool, t);
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->flags = flags;
	list_init(&t->run_node);
	waitq_init(&t->joinq);
	thread_build_stack(t);
	return t;
}

/* Registers @t; enqueues it unless it is the idle thread. sched_lock not held. */
static void thread_publish(struct thread *t, bool runnable)
{
	unsigned long f = spin_lock_irqsave(&sched_lock);

	t->id = next_thread_id++;
	list_add_tail(&sched_all_threads, &t->all_node);
	if (runnable)
		__sched_enqueue(t);
	else
		t->state = THREAD_READY;
	spin_unlock_irqrestore(&sched_lock, f);
}

int thread_create(const char *name, void (*fn)(void *arg), void *arg, unsigned flags,
		  struct thread **out)
{
	struct thread *t = thread_alloc(name, fn, arg, flags);

	if (!t)
		return -ENOMEM;
	if (out)
		*out = t;
	thread_publish(t, true);
	return 0;
}

static bool thread_is_zombie(void *arg)
{
	struct thread *t = arg;

	return __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == THREAD_ZOMBIE;
}

int thread_join(struct thread *t, int *exit_code)
{
	unsigned long f;

	if (t == thread_current() || (t->flags & THREAD_DETACHED))
		return -EINVAL;
	waitq_wait_event(&t->joinq, thread_is_zombie, t, WAITQ_FOREVER);
	if (exit_code)
		*exit_code = t->exit_code;
	f = spin_lock_irqsave(&sched_lock);
	__thread_free(t);
	spin_unlock_irqrestore(&sched_lock, f);
	return 0;
}

bool thread_stack_ok(const struct thread *t)
{
	return !t->stack || *(const uint64_t *)t->stack == THREAD_STACK_CANARY;
}

void thread_sleep_until(uint64_t deadline_ns)
{
	while (clock_now_ns() < deadline_ns) {
		sched_set_blocked();
		sched_block_until(deadline_ns);
	}
}

void thread_sleep_ns(uint64_t ns)
{
	thread_sleep_until(clock_now_ns() + ns);
}

static void idle_loop(void *arg)
{
	(void)arg;
	for (;;)
		arch_wait_irq();
}

void sched_init(void)
{
	struct thread *boot = async_pool_zalloc(&thread_pool);
	struct thread *idle = thread_alloc("idle", idle_loop, NULL, THREAD_DETACHED);
	unsigned long f;

	if (!boot || !idle)
		panic("sched_init: thread pools too small");
	strlcpy(boot->name, "main", sizeof(boot->name));
	list_init(&boot->run_node);
	waitq_init(&boot->joinq);
	boot->flags = THREAD_DETACHED;
	thread_publish(boot, false);
	thread_publish(idle, false);
	f = spin_lock_irqsave(&sched_lock);
	boot->state = THREAD_RUNNING;
	boot->slice_left = PARAM_TIMESLICE_TICKS;
	__sched_set_current(boot, idle);
	spin_unlock_irqrestore(&sched_lock, f);
}
