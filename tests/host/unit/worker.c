/* worker: blocking steps on worker threads, back-pressure, cancel while queued. */
#include "synth.h"
#include "utest.h"

#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;

static int64_t blocking_lookup(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	usleep(100);
	return (int64_t)(uintptr_t)arg;
}

static void set_gate(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

struct lookup_state {
	uintptr_t key;
};

static int64_t lookup_start(struct async_op *op, void *state)
{
	struct lookup_state *s = state;

	return async_work(op, blocking_lookup, (void *)s->key);
}

static const struct async_layer lookup_layer = {
    .name = "lookup",
    .state_size = sizeof(struct lookup_state),
    .start = lookup_start,
};

static struct async_waiter *w;

static void submit_lookup(unsigned slot, uintptr_t key)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct lookup_state *s = async_push(op, &lookup_layer);

	s->key = key;
	UT_EQ(async_waiter_arm(w, slot, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
}

static void test_not_started_is_enodev(void)
{
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_lookup(0, 1);
	UT_EQ(wait_one(w).result, -ENODEV);
	UT_EQ(async_waiter_destroy(w), 0);
}

/*
 * A kernel without threads: every start fails. The core must not pretend the
 * workers exist: a step fails at once with -ENODEV (it used to queue forever),
 * and a second init really retries (it used to return 0).
 */
static void test_failed_start_leaves_no_workers(void)
{
	unsigned before = host_threads_started();

	host_fail_thread_start_after(1);
	UT_EQ(async_workers_init(), -ENOSYS);
	UT_EQ(async_workers_init(), -ENOSYS); /* retried, still failing */
	UT_EQ(host_threads_started(), before);
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_lookup(0, 1);
	UT_EQ(wait_one(w).result, -ENODEV);
	UT_EQ(async_waiter_destroy(w), 0);
	host_fail_thread_start_after(0);
	UT_EQ(pools_in_use(), 0);
}

static int nested_init_result = 1;

/* Runs inside async_port_thread_start, i.e. while an init is starting threads. */
static void init_while_starting(void)
{
	host_set_thread_start_hook(NULL); /* once */
	nested_init_result = async_workers_init();
}

/*
 * One worker started, the next start failed: a later init starts only the
 * missing ones, and an init while another one is starting threads is -EBUSY.
 */
static void test_partial_start_is_completed_by_retry(void)
{
	unsigned before = host_threads_started();

	host_fail_thread_start_after(2);
	UT_EQ(async_workers_init(), -ENOSYS);
	UT_EQ(host_threads_started(), before + 1);
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_lookup(0, 7); /* the one running worker serves it */
	UT_EQ(wait_one(w).result, 7);
	UT_EQ(async_waiter_destroy(w), 0);
	host_fail_thread_start_after(0);
	host_set_thread_start_hook(init_while_starting);
	UT_EQ(async_workers_init(), 0);
	host_set_thread_start_hook(NULL);
	UT_EQ(nested_init_result, -EBUSY);
	UT_EQ(host_threads_started(), before + ASYNC_WORKERS);
	UT_EQ(async_workers_init(), 0);
	UT_EQ(host_threads_started(), before + ASYNC_WORKERS); /* nothing more */
	UT_EQ(pools_in_use(), 0);
}

static void test_steps_run_on_workers(void)
{
	struct async_event ev[64];
	long sum = 0;
	int got = 0, n, i;

	UT_EQ(async_workers_init(), 0);
	UT_EQ(async_workers_init(), 0); /* idempotent */
	UT_EQ(async_waiter_create(64, &w), 0);
	for (i = 0; i < 40; i++)
		submit_lookup((unsigned)i, (uintptr_t)i);
	while (got < 40) {
		n = async_wait_event(w, ev, 64, 2000000000ull);
		UT_ASSERT(n > 0);
		for (i = 0; i < n; i++) {
			UT_EQ(ev[i].result, ev[i].slot);
			sum += ev[i].result;
		}
		got += n;
	}
	UT_EQ(sum, 39 * 40 / 2);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_full_queue_is_eagain_and_queued_cancel(void)
{
	struct async_work_stats st;
	struct async_event ev;
	unsigned i, total = ASYNC_WORKERS + ASYNC_WORK_QUEUE + 1, got = 0, eagain = 0,
		    cancelled = 0;

	UT_EQ(async_workers_init(), 0);
	UT_EQ(async_waiter_create(total + 1, &w), 0);
	set_gate(false);
	for (i = 0; i < ASYNC_WORKERS; i++)
		submit_lookup(i, 1);
	while (async_work_stats(&st), st.running < ASYNC_WORKERS)
		usleep(1000);
	for (; i < total; i++)
		submit_lookup(i, 1);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1); /* the one beyond the queue */
	UT_EQ(ev.result, -EAGAIN);
	UT_EQ(ev.slot, total - 1);
	UT_EQ(async_waiter_cancel(w, ASYNC_WORKERS + 3), 0); /* still queued */
	set_gate(true);
	for (got = 1; got < total; got++) {
		ev = wait_one(w);
		UT_ASSERT(ev.slot != UINT32_MAX);
		eagain += ev.result == -EAGAIN;
		cancelled += ev.result == -ECANCELED;
	}
	UT_EQ(eagain, 0);
	UT_EQ(cancelled, 1);
	async_work_stats(&st);
	UT_EQ(st.rejected, 1);
	UT_EQ(st.cancelled, 1);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_not_started_is_enodev),
    /* These two start the workers; they must run before any other init. */
    UTEST(test_failed_start_leaves_no_workers),
    UTEST(test_partial_start_is_completed_by_retry),
    UTEST(test_steps_run_on_workers),
    UTEST(test_full_queue_is_eagain_and_queued_cancel),
};
UTEST_MAIN("worker", tests)
