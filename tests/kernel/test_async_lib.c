/*
 * test_async_lib.c - the timer-interrupt device and the pool checks shared by
 * the async KTEST cases (contract in test_async.h). No case lives here.
 *
 * The device frame's life: tdev_start arms the frame's ktimer and returns
 * ASYNC_PENDING; the PIT interrupt runs tdev_fire, which completes the op
 * with the frame's result (the whole unwinding then runs in that interrupt).
 * A cancel hook that wins ktimer_cancel() completes the op with the cancel
 * reason instead; if the timer already ran, the hook does nothing, because
 * the completion is already recorded. Either way the op completes once.
 */
#include "test_async.h"

#include <arch/x86_64/cpu.h>
#include <kernel/list.h>
#include <kernel/sched.h>
#include <lib/fmt.h>
#include <kernel/string.h>

struct tdev_stats tdev_stats;

struct tdev_req {
	struct ktimer timer;  /* [irq] pending from start until it fires or is cancelled */
	struct async_op *op;  /* [I] */
	uint64_t deadline_ns; /* [I] set by start */
	uint64_t delay_ns;    /* [I] */
	int64_t result;	      /* [I] what the device completes with */
	uint32_t token;	      /* [I] the op's pending period, set by start */
};
ASYNC_FRAME_STATE_CHECK(struct tdev_req);

#define TDEV_INC(field) __atomic_add_fetch(&tdev_stats.field, 1, __ATOMIC_RELAXED)

static int64_t tdev_start(struct async_op *op, void *state);
static void tdev_cancel(struct async_op *op, void *state);

static const char *tdev_waiting_on(const void *state)
{
	(void)state;
	return "timer irq";
}

static const struct async_layer tdev_layer = {
    .name = "tdev",
    .state_size = sizeof(struct tdev_req),
    .start = tdev_start,
    .cancel = tdev_cancel,
    .waiting_on = tdev_waiting_on,
};

static const struct async_layer tdev_layer_nocancel = {
    .name = "tdev-nocancel",
    .state_size = sizeof(struct tdev_req),
    .start = tdev_start,
    .waiting_on = tdev_waiting_on,
};

void tdev_reset(void)
{
	memset(&tdev_stats, 0, sizeof(tdev_stats));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

unsigned long tdev_live(void)
{
	unsigned long started = __atomic_load_n(&tdev_stats.started, __ATOMIC_RELAXED);

	return started - __atomic_load_n(&tdev_stats.fired, __ATOMIC_RELAXED) -
	       __atomic_load_n(&tdev_stats.aborted, __ATOMIC_RELAXED);
}

int tdev_push(struct async_op *op, uint64_t delay_ns, int64_t result, unsigned flags)
{
	struct tdev_req *rq =
	    async_push(op, flags & TDEV_NOCANCEL ? &tdev_layer_nocancel : &tdev_layer);

	if (!rq)
		return (int)async_op_push_error(op);
	rq->op = op;
	rq->delay_ns = delay_ns;
	rq->result = result;
	return 0;
}

/* PIT interrupt: the device is done. Nothing touches @rq after the completion. */
static void tdev_fire(struct ktimer *t)
{
	struct tdev_req *rq = container_of(t, struct tdev_req, timer);
	uint64_t now = clock_now_ns();

	if (arch_irq_enabled())
		TDEV_INC(fired_irqs_on);
	if (now < rq->deadline_ns)
		__atomic_store_n(&tdev_stats.last_fire_early_ns, (int64_t)(rq->deadline_ns - now),
				 __ATOMIC_RELAXED);
	__atomic_store_n(&tdev_stats.last_fire_ns, now, __ATOMIC_RELAXED);
	TDEV_INC(fired);
	async_op_complete(rq->op, rq->token, rq->result);
}

static int64_t tdev_start(struct async_op *op, void *state)
{
	struct tdev_req *rq = state;

	rq->token = async_op_token(op);
	TDEV_INC(started);
	rq->deadline_ns = clock_now_ns() + rq->delay_ns;
	ktimer_init(&rq->timer, tdev_fire);
	ktimer_arm(&rq->timer, rq->deadline_ns);
	return ASYNC_PENDING;
}

static void tdev_cancel(struct async_op *op, void *state)
{
	struct tdev_req *rq = state;

	TDEV_INC(cancel_calls);
	if (!ktimer_cancel(&rq->timer))
		return; /* already fired: its completion stands */
	TDEV_INC(aborted);
	async_op_complete(op, rq->token, async_op_cancel_reason(op));
}

/* ---- Pools back to idle ---- */

static bool is_async_pool(const struct async_pool *p)
{
	return !strncmp(p->name, "async_", 6);
}

static void note_pool(struct async_pool *p, void *arg)
{
	struct kt_async_idle *idle = arg;
	struct async_pool_stats s;

	if (!is_async_pool(p))
		return;
	if (idle->n == KT_ASYNC_POOLS_MAX)
		ktest_fail(__FILE__, __LINE__, "more than %d async pools", KT_ASYNC_POOLS_MAX);
	async_pool_stats(p, &s);
	idle->pool[idle->n] = p;
	idle->in_use[idle->n++] = s.in_use;
}

void kt_async_idle_take(struct kt_async_idle *idle)
{
	idle->n = 0;
	async_pool_foreach(note_pool, idle);
}

struct async_heap kt_async_heap(void)
{
	struct async_heap h;

	async_heap_stats(async_kernel_heap(), &h);
	return h;
}

/* 0 if everything is idle now, else -EBUSY with the first difference in @why. */
static int idle_diff(const struct kt_async_idle *idle, char *why, size_t len)
{
	struct async_pool_stats s;
	struct async_heap h = kt_async_heap();

	for (unsigned i = 0; i < idle->n; i++) {
		async_pool_stats(idle->pool[i], &s);
		if (s.in_use != idle->in_use[i]) {
			fmt_snprintf(why, len, "pool %s in use %u, idle %u", s.name, s.in_use,
				     idle->in_use[i]);
			return -EBUSY;
		}
	}
	if (h.in_use) {
		fmt_snprintf(why, len, "kernel spill heap holds %u chunks", h.in_use);
		return -EBUSY;
	}
	return 0;
}

int kt_async_idle_check(const struct kt_async_idle *idle, char *why, size_t len)
{
	uint64_t give_up = clock_now_ns() + NSEC_PER_SEC;
	int err;

	while ((err = idle_diff(idle, why, len)) && clock_now_ns() < give_up)
		thread_sleep_ns(NSEC_PER_MSEC);
	return err;
}

/* ---- Waiter helpers ---- */

void kt_async_submit(struct async_waiter *w, unsigned slot, struct async_op *op)
{
	struct async_handle h;

	KT_ASSERT(op != NULL);
	KT_EQ(async_waiter_arm(w, slot, &h), 0);
	KT_EQ(async_op_submit(op, &h), 0);
}

struct async_event kt_async_wait_one(struct async_waiter *w, uint64_t timeout_ns)
{
	struct async_event ev;

	KT_EQ(async_wait_event(w, &ev, 1, timeout_ns), 1);
	return ev;
}
