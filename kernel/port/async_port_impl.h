/*
 * async_port_impl.h - the Tessera kernel's side of include/async/port.h:
 * the types the async core embeds. Spinlocks are the kernel's irqsave
 * spinlocks, conds are wait queues, timers are ktimers, time is the TSC clock.
 */
#ifndef ASYNC_PORT_IMPL_H
#define ASYNC_PORT_IMPL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/waitq.h>
#include <uapi/errno.h>

typedef struct spinlock async_spinlock_t; /* the port contract names this type */
#define ASYNC_SPINLOCK_INIT SPINLOCK_INIT

struct async_port_cond {
	struct waitq wq;
};

struct async_port_timer {
	struct ktimer kt;			/* [I] wheel entry */
	void (*fn)(struct async_port_timer *t); /* [I] after async_port_timer_init */
};

#define ASYNC_PORT_ASSERTS KERNEL_DEBUG

#endif
