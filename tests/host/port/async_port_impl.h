/*
 * async_port_impl.h (host) - the async port over POSIX threads, for unit,
 * stress, fuzz and benchmark programs. See async/port.h for the contract.
 *
 * Spinlocks are real spinlocks: test-and-test-and-set on an atomic word with
 * a pause hint; after HOST_SPIN_YIELD_AFTER spins the waiter calls
 * sched_yield, so oversubscribed stress tests on few cores do not livelock.
 * While the process has a single thread a lock is taken with a plain store,
 * as glibc's own mutexes do. No interrupts on the host: the flags are 0.
 * A cond is a pthread mutex + condvar (CLOCK_MONOTONIC) + a generation
 * counter: cond_wait reads the generation under the cond's mutex before it
 * releases the spinlock, so a broadcast after that release cannot be missed.
 * Time is CLOCK_MONOTONIC's, read from the TSC where it is invariant (port.c).
 * Timers run on one timer thread, worker threads are detached pthreads.
 * User address spaces are simulated: a test maps host memory at fake user
 * addresses with permissions, and "physical" addresses are host addresses,
 * so a fake device can memcpy.
 */
#ifndef ASYNC_PORT_IMPL_H
#define ASYNC_PORT_IMPL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef ASYNC_PORT_ASSERTS
#define ASYNC_PORT_ASSERTS 1 /* the release benchmark builds with -DASYNC_PORT_ASSERTS=0 */
#endif

/* Spins of a contended lock between sched_yield calls. */
#define HOST_SPIN_YIELD_AFTER 128

/*
 * locked: [a] 0 free, 1 held. Taken by an exchange with acquire order, dropped
 * by a store with release order: TSan models both, so it sees the lock as a
 * happens-before edge. Not recursive; no owner is recorded.
 */
typedef struct host_spinlock {
	unsigned locked;
} async_spinlock_t;
#define ASYNC_SPINLOCK_INIT                                                                        \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * mu guards gen and is the mutex of cond. gen: [mu] bumped by every broadcast;
 * a waiter sleeps until it differs from the value read before the spinlock
 * was released (or the deadline passes).
 */
struct async_port_cond {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	unsigned long gen;
};

struct async_port_timer {
	void (*fn)(struct async_port_timer *t);
	uint64_t deadline_ns;
	bool pending;		       /* on the timer thread's list */
	struct async_port_timer *next; /* list link, under the timer lock */
};

/* ---- Host-only helpers for tests ---- */
struct async_port_as;
/* A fresh simulated address space (at most a few mappings). */
struct async_port_as *host_as_create(void);
void host_as_destroy(struct async_port_as *as);
/* Maps @len bytes of host memory @mem at user address @uaddr, with ASYNC_BUF_* @prot. */
int host_as_map(struct async_port_as *as, uintptr_t uaddr, void *mem, size_t len, unsigned prot);
/* Pages currently pinned in @as (0 once every buffer is unpinned). */
long host_as_pinned(struct async_port_as *as);
/* Fault injection: the @n-th pin from now fails with -ENOMEM (0: never). */
void host_fail_pin_after(unsigned n);
/* Fault injection: the @n-th pool allocation from now fails (0: never). */
void host_fail_alloc_after(unsigned n);
/* Allocations left before the injected failure (0: none pending). */
unsigned host_fail_alloc_pending(void);
/* Panics become test failures: set a handler that longjmps (NULL: abort). */
void host_set_panic_hook(void (*fn)(const char *msg));
/* Count of timers currently armed on the timer thread. */
unsigned host_timers_pending(void);
/*
 * Fault injection: the @n-th async_port_thread_start from now, and every one
 * after it, fails with -ENOSYS, as on a kernel without threads (0: never).
 */
void host_fail_thread_start_after(unsigned n);
/* Threads async_port_thread_start has started since the program began. */
unsigned host_threads_started(void);
/* @fn (NULL: none) runs at the start of every async_port_thread_start call. */
void host_set_thread_start_hook(void (*fn)(void));
/* Spinlock acquisitions by the calling thread since it started (the lean-op count test). */
unsigned long host_locks_taken(void);
/* async_port_now_ns calls by the calling thread since it started (the same test). */
unsigned long host_clock_reads(void);
/*
 * @fn (NULL: none) runs inside async_port_cond_wait after the spinlock is
 * released and before the thread sleeps: the missed-wakeup window, which a
 * test widens with it. It must not broadcast the cond being waited on itself.
 */
void host_set_cond_wait_hook(void (*fn)(void));

#endif
