/*
 * kernel/spinlock.h (host shim, tests/host/fat) - the kernel's spinlock API
 * for fs/fat and fs/bcache compiled on the host: a test-and-set word, no
 * interrupts to mask (the flags are always 0). Same contract as the kernel's.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <sched.h>
#include <stdbool.h>
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

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	(void)flags;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif
