/*
 * kernel/waitq.h (host shim, tests/host/fat) - wait queues for the FAT
 * volume lock on the host. waitq_wait_locked drops the lock, yields and
 * takes it again: a spurious return, which the kernel's contract allows, so
 * callers re-check their condition as they must anyway.
 */
#ifndef KERNEL_WAITQ_H
#define KERNEL_WAITQ_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <stdint.h>
#include <stdbool.h>

#define WAITQ_FOREVER UINT64_MAX

struct waitq {
	unsigned waits; /* [a] waitq_wait_locked calls, for the harness */
};

#define WAITQ_INIT(wq)                                                                             \
	{                                                                                          \
		0                                                                                  \
	}

void waitq_init(struct waitq *wq);
unsigned waitq_wake_all(struct waitq *wq);
unsigned waitq_wake_one(struct waitq *wq);
int waitq_wait_locked(struct waitq *wq, struct spinlock *lock, unsigned long *flags,
		      uint64_t deadline_ns);

#endif
