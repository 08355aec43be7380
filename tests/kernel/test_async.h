/*
 * test_async.h - shared pieces of the in-kernel tests of the async core
 * (tests/kernel/test_async_*.c): a device whose completion comes from a real
 * timer interrupt, the "every async pool is back to idle" check, and small
 * waiter helpers that fail the case instead of returning errors.
 *
 *   tdev_reset()                     zero the device counters (start of a case)
 *   tdev_push(op, delay, result, f)  push a device frame: start arms a ktimer
 *                                    for now + delay and pends; the timer
 *                                    callback (PIT IRQ) completes the op with
 *                                    @result. TDEV_NOCANCEL: no cancel hook
 *   kt_async_idle_take(&idle)        snapshot the async pools' in_use
 *   KT_ASYNC_IDLE(&idle)             fail unless they are back to it and the
 *                                    kernel spill heap holds no chunk
 *
 * Device counters are updated from IRQ context and read by the case's
 * thread: they are atomics. A frame's ktimer lives in the frame state, which
 * does not move while the op is pending in it; the callback touches the
 * frame only before it completes the op (the completion may free it).
 */
#ifndef TEST_ASYNC_H
#define TEST_ASYNC_H

#include <async/async.h>
#include <kernel/ktest.h>
#include <kernel/time.h>

#define TDEV_NOCANCEL 0x1 /* the device cannot abort: no cancel hook */

/* [a] counters of the timer device since tdev_reset(). */
struct tdev_stats {
	unsigned long started;	     /* start hooks run: timers armed */
	unsigned long fired;	     /* timer callbacks that completed an op */
	unsigned long fired_irqs_on; /* of those, ran with interrupts enabled (must be 0) */
	unsigned long cancel_calls;  /* cancel hooks run */
	unsigned long aborted;	     /* cancel hooks that stopped the timer in time */
	uint64_t last_fire_ns;	     /* clock at the last completing callback */
	int64_t last_fire_early_ns;  /* > 0: a callback ran before its deadline (must not) */
};

extern struct tdev_stats tdev_stats;

void tdev_reset(void);
/* Pushes the device frame; 0 or async_op_push_error(). */
int tdev_push(struct async_op *op, uint64_t delay_ns, int64_t result, unsigned flags);
/* Device timers armed and neither fired nor aborted. */
unsigned long tdev_live(void);

#define KT_ASYNC_POOLS_MAX 32

struct kt_async_idle {
	unsigned n;
	struct async_pool *pool[KT_ASYNC_POOLS_MAX];
	unsigned in_use[KT_ASYNC_POOLS_MAX];
};

/* Snapshot of every pool named "async_*" (the core's pools). */
void kt_async_idle_take(struct kt_async_idle *idle);
/*
 * Waits up to 1 s for those pools to return to the snapshot and the kernel
 * spill heap to hold no chunk (an op is freed just after its event is posted,
 * maybe by a worker thread that has not run yet). 0 when they did, else
 * writes what differs into @why and returns -EBUSY.
 */
int kt_async_idle_check(const struct kt_async_idle *idle, char *why, size_t len);

#define KT_ASYNC_IDLE(idle)                                                                        \
	do {                                                                                       \
		char why_[96];                                                                     \
		if (kt_async_idle_check((idle), why_, sizeof(why_)))                               \
			ktest_fail(__FILE__, __LINE__, "async pools not idle: %s", why_);          \
	} while (0)

/* Arms @slot of @w and submits @op to it; any error fails the case. */
void kt_async_submit(struct async_waiter *w, unsigned slot, struct async_op *op);
/* One event within @timeout_ns; none fails the case. */
struct async_event kt_async_wait_one(struct async_waiter *w, uint64_t timeout_ns);
/* Kernel spill heap counters (async_heap_stats of async_kernel_heap()). */
struct async_heap kt_async_heap(void);

#endif
