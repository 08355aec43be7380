/*
 * async/port.h - everything the async core needs from the kernel it lives in.
 *
 * The core (kernel/async/) includes no kernel header but this one. A port
 * supplies <async_port_impl.h> on the include path and links the functions
 * declared below. Ports in this tree:
 *   kernel/port/      the Tessera kernel (spinlocks that mask IRQs, wait queues)
 *   tests/host/port/  POSIX threads, for unit, stress and fuzz tests on the host
 *   examples/eventloop/  one thread: a timer signal is the interrupt, or polling
 * docs/porting.md walks through writing one for another kernel.
 *
 * What <async_port_impl.h> must define:
 *   - <stdint.h>, <stddef.h>, <stdbool.h> types and memcpy/memset/memmove/memcmp
 *   - negative-errno constants with Linux values: EINVAL ENOMEM ECANCELED
 *     ETIMEDOUT EAGAIN EBUSY EFAULT ENOSPC EBADF ENOENT EIO EEXIST ENODEV
 *   - async_spinlock_t and ASYNC_SPINLOCK_INIT (a static initializer)
 *   - struct async_port_cond: a place where threads sleep (a wait queue)
 *   - struct async_port_timer: a one-shot timer embedded in core objects
 *   - ASYNC_PORT_ASSERTS: 1 to compile the core's debug assertions in
 *
 * Context rules: everything here except async_port_cond_wait() and
 * async_port_thread_start() may be called from interrupt context.
 */
#ifndef ASYNC_PORT_H
#define ASYNC_PORT_H

#include <async_port_impl.h>

/* ---- Locks: spin, safe against the local interrupt handler and other CPUs ---- */
void async_spin_init(async_spinlock_t *l);
unsigned long async_spin_lock_irqsave(async_spinlock_t *l);
void async_spin_unlock_irqrestore(async_spinlock_t *l, unsigned long flags);

/* ---- Sleeping ---- */
void async_port_cond_init(struct async_port_cond *c);
/*
 * Called with @l held (taken with *@flags). Atomically releases @l and sleeps
 * until async_port_cond_broadcast() or until the clock reaches @deadline_ns
 * (UINT64_MAX: no deadline); re-takes @l before returning. Spurious returns
 * are allowed: callers re-check their condition. Returns -ETIMEDOUT if the
 * deadline passed, else 0.
 * @l is the only core lock held; while it is released, completions may post
 * to the caller's own waiter (an event loop may run them in here). *@flags
 * must then hold what the unlock of @l restores: the state before its lock.
 */
int async_port_cond_wait(struct async_port_cond *c, async_spinlock_t *l, unsigned long *flags,
			 uint64_t deadline_ns);
/* Wakes every sleeper of @c. Callable with or without the associated lock held. */
void async_port_cond_broadcast(struct async_port_cond *c);

/* ---- Time: monotonic nanoseconds since an arbitrary origin ---- */
uint64_t async_port_now_ns(void);

/* ---- One-shot timers ---- */
/*
 * @fn runs once per arm in IRQ or timer-thread context, with no core lock held.
 * @fn may free the object holding @t: the port must not touch @t after calling
 * it. A deadline already past still runs @fn (at the next tick). The core never
 * re-arms a pending timer nor arms one from inside @fn.
 */
void async_port_timer_init(struct async_port_timer *t, void (*fn)(struct async_port_timer *t));
void async_port_timer_arm(struct async_port_timer *t, uint64_t deadline_ns);
/* Returns true if the timer was pending and now will not run; false if it ran or is running. */
bool async_port_timer_cancel(struct async_port_timer *t);

/* ---- Execution context ---- */
/*
 * A pointer-sized slot private to the running execution context, NULL until
 * the core stores into it: one per thread. An interrupt handler may get the
 * slot of the thread it interrupted (the Tessera kernel does): the core then
 * hands the handler's work to that thread's running trampoline. The core keeps
 * its per-context run list there (kernel/async/op.c). Any context.
 */
void **async_port_context_slot(void);

/* ---- Threads: the worker pool's threads, started once at init ---- */
/* An error (-ENOSYS without threads) is async_workers_init's; blocking steps then get -ENODEV. */
int async_port_thread_start(const char *name, void (*fn)(void *arg), void *arg);

/* ---- User page pinning (optional: buffers of user memory) ---- */
#define ASYNC_BUF_READ	0x1 /* the device reads from the memory (a write request) */
#define ASYNC_BUF_WRITE 0x2 /* the device writes into the memory (a read request) */

/* One physically contiguous range, for DMA. */
struct async_sg {
	uint64_t phys;
	uint32_t len;
};

/* A user address space, defined by the port (a process's page tables). */
struct async_port_as;

/*
 * Pins the pages of [uaddr, uaddr+len) in @as so they stay resident and
 * mapped at the same physical addresses, after checking that every page is
 * a user page allowing @access (ASYNC_BUF_READ: readable, ASYNC_BUF_WRITE:
 * writable). Fills @sg with the physical ranges in order and returns their
 * count, or -EFAULT (unmapped, wrong permission), -EINVAL (more than @max_sg
 * ranges), -ENOMEM. Never sleeps: callable where a request is submitted.
 * These two are declared weak: a port without user processes leaves them
 * out, and user buffers then fail with -ENODEV.
 */
__attribute__((weak)) int async_port_user_pin(struct async_port_as *as, uintptr_t uaddr, size_t len,
					      unsigned access, struct async_sg *sg,
					      unsigned max_sg);
/* Undoes one successful pin (same ranges). Any context. */
__attribute__((weak)) void async_port_user_unpin(struct async_port_as *as,
						 const struct async_sg *sg, unsigned nsg);

/*
 * The physical ranges of bytes [boff, boff+len) of @buf, for a driver's DMA
 * descriptors, for every buffer kind (borrowed and owned kernel memory, pinned
 * user pages, registered buffers). Fills up to @max entries, merging
 * contiguous ones, and returns the count, or -EINVAL (range past the buffer,
 * more than @max ranges). Any context. The kernel port: kernel/port/buf_phys.c.
 */
struct async_buf;
int async_port_buf_phys(const struct async_buf *buf, uint64_t boff, uint64_t len,
			struct async_sg *sg, unsigned max);

/* ---- Diagnostics ---- */
/* Corrupted kernel state: print and stop. Never called for bad input. */
__attribute__((noreturn, format(printf, 1, 2))) void async_port_panic(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void async_port_log(const char *fmt, ...);

#if ASYNC_PORT_ASSERTS
#define ASYNC_ASSERT(c)                                                                            \
	((c) ? (void)0                                                                             \
	     : async_port_panic("assertion failed: %s at %s:%d (%s)", #c, __FILE__, __LINE__,      \
				__func__))
#else
#define ASYNC_ASSERT(c) ((void)0)
#endif

#endif
