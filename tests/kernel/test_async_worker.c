/*
 * test_async_worker.c - blocking steps on the async worker threads: a layer
 * runs a step that really sleeps (thread_sleep_ns) on an "async-worker"
 * thread and its return value unwinds to the waiter; with both workers busy
 * and ASYNC_WORK_QUEUE steps queued, the next step fails at once with
 * -EAGAIN, and everything queued still completes once room comes back.
 *
 * The workers are started once per boot (async_workers_init) and never
 * exit, so each case takes its idle snapshot after starting them.
 */
#include "test_async.h"

#include <arch/x86_64/cpu.h>
#include <kernel/sched.h>
#include <kernel/string.h>

/* A metadata-lookup layer: its step blocks in a worker, resume adds 1. */
struct lookup_frame {
	int64_t key;	   /* [I] */
	uint64_t sleep_ns; /* [I] how long the blocking step sleeps */
	bool hold;	   /* [I] block until lookup_release is set */
};
ASYNC_FRAME_STATE_CHECK(struct lookup_frame);

static volatile bool lookup_release;			 /* [a] lets the holding steps return */
static unsigned long lookup_on_worker, lookup_elsewhere; /* [a] */

static void count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* Runs in a worker thread: blocks, then answers 3 * key. */
static int64_t lookup_blocking(void *arg)
{
	const struct lookup_frame *f = arg;
	uint64_t give_up = clock_now_ns() + 5 * NSEC_PER_SEC;

	if (!strcmp(thread_current()->name, "async-worker") && arch_irq_enabled())
		count(&lookup_on_worker);
	else
		count(&lookup_elsewhere);
	thread_sleep_ns(f->sleep_ns);
	while (f->hold && !lookup_release && clock_now_ns() < give_up)
		thread_sleep_ns(NSEC_PER_MSEC);
	return 3 * f->key;
}

static int64_t lookup_start(struct async_op *op, void *state)
{
	/* The frame stays put while the op is pending in the worker frame above it. */
	return async_work(op, lookup_blocking, state);
}

static int64_t lookup_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	(void)state;
	return r < 0 ? r : r + 1;
}

static const struct async_layer lookup_layer = {
    .name = "lookup",
    .state_size = sizeof(struct lookup_frame),
    .start = lookup_start,
    .resume = lookup_resume,
};

static void lookup_submit(struct async_waiter *w, unsigned slot, int64_t key, uint64_t sleep_ns,
			  bool hold)
{
	struct async_op *op = async_op_alloc(NULL);
	struct lookup_frame *f;

	KT_ASSERT(op != NULL);
	f = async_push(op, &lookup_layer);
	KT_ASSERT(f != NULL);
	f->key = key;
	f->sleep_ns = sleep_ns;
	f->hold = hold;
	kt_async_submit(w, slot, op);
}

static void worker_case_init(struct kt_async_idle *idle)
{
	KT_EQ(async_workers_init(), 0);
	kt_async_idle_take(idle);
	lookup_release = false;
	lookup_on_worker = 0;
	lookup_elsewhere = 0;
}

KTEST(async_worker_blocking_step)
{
	struct kt_async_idle idle;
	struct async_work_stats s0, s;
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0;

	worker_case_init(&idle);
	async_work_stats(&s0);
	KT_EQ(async_waiter_create(1, &w), 0);
	t0 = clock_now_ns();
	lookup_submit(w, 0, 14, 20 * NSEC_PER_MSEC, false);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, 3 * 14 + 1);
	KT_ASSERT(clock_now_ns() >= t0 + 20 * NSEC_PER_MSEC); /* it really slept */
	KT_EQ(lookup_on_worker, 1);
	KT_EQ(lookup_elsewhere, 0);
	async_work_stats(&s);
	KT_EQ(s.done, s0.done + 1);
	KT_EQ(s.rejected, s0.rejected);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}

/* Polls the worker stats until @running steps run; false after 1 s. */
static bool wait_running(unsigned running)
{
	uint64_t give_up = clock_now_ns() + NSEC_PER_SEC;
	struct async_work_stats s;

	do {
		async_work_stats(&s);
		if (s.running == running)
			return true;
		thread_sleep_ns(NSEC_PER_MSEC);
	} while (clock_now_ns() < give_up);
	return false;
}

#define NBLOCK ASYNC_WORKERS
#define NQUEUE ASYNC_WORK_QUEUE
#define NALL   (NBLOCK + NQUEUE + 1)

KTEST(async_worker_backpressure)
{
	static bool seen[NALL];
	struct kt_async_idle idle;
	struct async_work_stats s0, s;
	struct async_waiter *w;
	struct async_event ev;

	worker_case_init(&idle);
	memset(seen, 0, sizeof(seen));
	async_work_stats(&s0);
	KT_EQ(s0.running, 0);
	KT_EQ(s0.queued, 0);
	KT_EQ(async_waiter_create(NALL, &w), 0);
	/* Every worker blocked in a step that waits for the release... */
	for (unsigned i = 0; i < NBLOCK; i++)
		lookup_submit(w, i, i, 0, true);
	KT_ASSERT(wait_running(NBLOCK));
	/* ...then the queue filled: nothing completes meanwhile. */
	for (unsigned i = NBLOCK; i < NBLOCK + NQUEUE; i++)
		lookup_submit(w, i, i, 100 * 1000, false);
	async_work_stats(&s);
	KT_EQ(s.queued, NQUEUE);
	KT_EQ(s.running, NBLOCK);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	/* One more step is refused at once: its op completes during submit. */
	lookup_submit(w, NALL - 1, 1000, 0, false);
	KT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	KT_EQ(ev.slot, NALL - 1);
	KT_EQ(ev.result, -EAGAIN); /* lookup_resume passes errors through */
	async_work_stats(&s);
	KT_EQ(s.rejected, s0.rejected + 1);
	KT_EQ(s.queued, NQUEUE);
	/* Room again: every accepted step runs and unwinds with its own result. */
	lookup_release = true;
	for (unsigned i = 0; i < NBLOCK + NQUEUE; i++) {
		ev = kt_async_wait_one(w, 2 * NSEC_PER_SEC);
		KT_ASSERT(ev.slot < NBLOCK + NQUEUE && !seen[ev.slot]);
		seen[ev.slot] = true;
		KT_EQ(ev.result, 3 * (int64_t)ev.slot + 1);
	}
	KT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	KT_EQ(lookup_on_worker, NBLOCK + NQUEUE);
	KT_EQ(lookup_elsewhere, 0);
	async_work_stats(&s);
	KT_EQ(s.done, s0.done + NBLOCK + NQUEUE);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}
