/* introspection: walk every in-flight op and its frames - what is each op waiting on. */
#include "synth.h"
#include "utest.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

struct seen {
	int ops, pending, frames;
	char layers[8][32];
	char waits[8][32];
	bool spilled_seen;
};

static void on_op(const struct async_op_info *oi, void *arg)
{
	struct seen *s = arg;

	s->ops++;
	if (!strcmp(oi->state, "pending"))
		s->pending++;
}

static void on_frame(const struct async_frame_info *fi, void *arg)
{
	struct seen *s = arg;

	if (s->frames < 8) {
		snprintf(s->layers[s->frames], 32, "%s", fi->layer);
		snprintf(s->waits[s->frames], 32, "%s", fi->waiting_on ? fi->waiting_on : "-");
	}
	s->spilled_seen |= fi->spilled;
	s->frames++;
}

static struct async_waiter *w;

static void test_walk_shows_layers_top_first(void)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct seen s = {0};

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(loop_push(op, 2, SYNTH_DEFERRED), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	async_introspect(on_op, on_frame, &s);
	UT_EQ(s.ops, 1);
	UT_EQ(s.pending, 1);
	UT_EQ(s.frames, 2);
	UT_ASSERT(!strcmp(s.layers[0], "synth"));
	UT_ASSERT(!strcmp(s.waits[0], "synthetic device"));
	UT_ASSERT(!strcmp(s.layers[1], "loop"));
	UT_ASSERT(!s.spilled_seen);
	synth_complete_next(0);
	synth_complete_next(0);
	UT_EQ(wait_one(w).result, 1024);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
	memset(&s, 0, sizeof(s));
	async_introspect(on_op, on_frame, &s);
	UT_EQ(s.ops, 0);
}

static char printed[4096];
static size_t printed_len;

static void print_to_buf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printed_len +=
	    (size_t)vsnprintf(printed + printed_len, sizeof(printed) - printed_len, fmt, ap);
	va_end(ap);
}

static void test_print_names_spilled_frames(void)
{
	static unsigned char heap_mem[4096];
	struct async_heap heap;
	struct async_handle h;
	struct async_op *op;

	UT_EQ(async_heap_init(&heap, "proc", heap_mem, sizeof(heap_mem)), 0);
	op = async_op_alloc(&heap);
	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(deep_push(op, 6, SYNTH_DEFERRED), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	printed_len = 0;
	async_introspect_print(print_to_buf);
	UT_ASSERT(strstr(printed, "pending"));
	UT_ASSERT(strstr(printed, "#0 synth: synthetic device"));
	UT_ASSERT(strstr(printed, "#7 deep"));
	UT_ASSERT(strstr(printed, "[spilled]"));
	synth_complete_next(0);
	UT_EQ(wait_one(w).result, 8);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/*
 * Ages must not wrap when an op starts after the walk read the clock. The
 * walk visits ops in pool order (lowest address first); while it is at the
 * first of two ops, another thread submits the second, still-preparing op,
 * which the walk then reports.
 */
static struct async_op *late_op;
static pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t late_cond = PTHREAD_COND_INITIALIZER;
static bool late_go, late_submitted;
static uint64_t late_max_age;
static unsigned late_seen;

static void *late_submitter(void *arg)
{
	struct async_handle *h = arg;

	pthread_mutex_lock(&late_lock);
	while (!late_go)
		pthread_cond_wait(&late_cond, &late_lock);
	pthread_mutex_unlock(&late_lock);
	async_op_submit(late_op, h);
	pthread_mutex_lock(&late_lock);
	late_submitted = true;
	pthread_cond_broadcast(&late_cond);
	pthread_mutex_unlock(&late_lock);
	return NULL;
}

static void on_op_submit_late(const struct async_op_info *oi, void *arg)
{
	(void)arg;
	if (late_seen++ == 0) {
		/* The first op: let the second one start now, after the clock was read. */
		pthread_mutex_lock(&late_lock);
		late_go = true;
		pthread_cond_broadcast(&late_cond);
		while (!late_submitted)
			pthread_cond_wait(&late_cond, &late_lock);
		pthread_mutex_unlock(&late_lock);
		return;
	}
	if (oi->age_ns > late_max_age)
		late_max_age = oi->age_ns;
}

static void test_age_does_not_wrap_when_op_starts_after_now(void)
{
	struct async_handle h;
	struct async_op *newest;
	pthread_t t;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	late_op = async_op_alloc(NULL);
	newest = async_op_alloc(NULL);
	if ((uintptr_t)newest > (uintptr_t)late_op) { /* the walk must reach late_op second */
		struct async_op *tmp = newest;

		newest = late_op;
		late_op = tmp;
	}
	UT_EQ(synth_push(late_op, SYNTH_DEFERRED, 3), 0);
	UT_EQ(pthread_create(&t, NULL, late_submitter, &h), 0);
	late_seen = 0;
	late_max_age = 0;
	async_introspect(on_op_submit_late, NULL, NULL);
	pthread_join(t, NULL);
	async_op_discard(newest);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 3);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
	UT_EQ(late_seen, 2);
	if (late_max_age > 60ull * 1000000000ull)
		UT_FAIL("age of an op started after the walk's clock read: %llu ns",
			(unsigned long long)late_max_age);
}

static const struct utest tests[] = {
    UTEST(test_age_does_not_wrap_when_op_starts_after_now),
    UTEST(test_walk_shows_layers_top_first),
    UTEST(test_print_names_spilled_frames),
};
UTEST_MAIN("introspection", tests)
