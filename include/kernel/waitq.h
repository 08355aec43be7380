/*
 * kernel/waitq.h - wait queues: threads sleep until a condition holds.
 *
 * Without lost wakeups: a waiter marks itself blocked and enqueues itself
 * (waitq_prepare) BEFORE it checks its condition; a waker changes the
 * condition and THEN calls waitq_wake_*; a wake that lands between the check
 * and the sleep makes the sleep return at once (see sched_block()).
 *
 *   err = waitq_wait_event(&wq, cond_fn, arg, deadline_ns);     simplest form
 *
 *   or, with a lock protecting the condition (condition-variable form):
 *   f = spin_lock_irqsave(&lock);
 *   while (!cond)
 *       if (waitq_wait_locked(&wq, &lock, &f, deadline) == -ETIMEDOUT) break;
 *   spin_unlock_irqrestore(&lock, f);
 *
 * Wakers may run in IRQ context. Deadlines are clock_now_ns() values;
 * WAITQ_FOREVER means none. Lock order: waitq lock, then the scheduler lock.
 */
#ifndef KERNEL_WAITQ_H
#define KERNEL_WAITQ_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <stdint.h>
#include <stdbool.h>

#define WAITQ_FOREVER UINT64_MAX

struct thread;

struct waitq {
	struct spinlock lock;
	struct list_node waiters; /* [L] of struct waitq_entry */
};

struct waitq_entry {
	struct thread *thread; /* [I] */
	struct list_node node; /* [L] of the waitq; unlinked by the waker */
};

#define WAITQ_INIT(wq)                                                                             \
	{                                                                                          \
		SPINLOCK_INIT,                                                                     \
		{                                                                                  \
			&(wq).waiters, &(wq).waiters                                               \
		}                                                                                  \
	}

void waitq_init(struct waitq *wq);
/* Marks the current thread blocked and queues @e; then check, then sched_block_until(). */
void waitq_prepare(struct waitq *wq, struct waitq_entry *e);
/* Dequeues @e if no waker did, and marks the current thread running. */
void waitq_finish(struct waitq *wq, struct waitq_entry *e);
/* Returns the number of threads woken. */
unsigned waitq_wake_all(struct waitq *wq);
unsigned waitq_wake_one(struct waitq *wq);

/* Sleeps until cond(arg) is true: 0, or -ETIMEDOUT once the deadline passed with cond false. */
int waitq_wait_event(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline_ns);
/*
 * Called with @lock held (irqsave, *@flags). Releases it, sleeps until woken
 * or the deadline, re-takes it. May return spuriously. -ETIMEDOUT or 0.
 */
int waitq_wait_locked(struct waitq *wq, struct spinlock *lock, unsigned long *flags,
		      uint64_t deadline_ns);

#endif
