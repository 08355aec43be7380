/*
 * kernel/spinlock.h - spinlocks that also mask local interrupts.
 *
 *   unsigned long f = spin_lock_irqsave(&l); ... spin_unlock_irqrestore(&l, f);
 *
 * Written for SMP: the lock word is taken with an atomic exchange (acquire)
 * and released with a release store; waiters spin reading the word with
 * `pause` so the cache line is not bounced by failed exchanges. Interrupts
 * are masked first, so an interrupt handler on this CPU can take the same
 * lock without deadlocking against the code it interrupted, and a holder is
 * never preempted (the scheduler runs only from interrupts or from explicit
 * calls, see kernel/sched/sched.c).
 *
 * Do not: sleep while holding a spinlock; take one without irqsave (there is
 * no such variant on purpose); nest two locks except in the order documented
 * by their owners.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <arch/x86_64/cpu.h>
#include <stdint.h>

struct spinlock {
	uint32_t locked; /* [a] 0 free, 1 held */
};

#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0                                                                                  \
	}

static inline void spin_init(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* Takes @l with interrupts already masked by the caller. */
static inline void __spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_pause();
}

static inline void __spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = arch_irq_save();

	__spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	__spin_unlock(l);
	arch_irq_restore(flags);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
