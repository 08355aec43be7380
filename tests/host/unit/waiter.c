/* waiter: slots, generations, ready ring, multishot, timeouts, wakeups. */
#include "synth.h"
#include "utest.h"

#include <pthread.h>
#include <unistd.h>

static void test_post_and_wait_one(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev;

	UT_EQ(async_waiter_create(4, &w), 0);
	UT_EQ(async_waiter_arm(w, 2, &h), 0);
	UT_EQ(async_waiter_arm(w, 2, &h), -EBUSY);
	UT_EQ(async_waiter_post(&h, 42, 0, 0), 0);
	ev = wait_one(w);
	UT_EQ(ev.slot, 2);
	UT_EQ(ev.result, 42);
	UT_EQ(ev.flags & ASYNC_EV_MORE, 0);
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_stale_handle_cannot_complete_reused_slot(void)
{
	struct async_waiter *w;
	struct async_handle old, fresh;
	struct async_waiter_stats st;
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &old), 0);
	UT_EQ(async_waiter_post(&old, 1, 0, 0), 0);
	ev = wait_one(w);
	UT_EQ(ev.result, 1);
	UT_EQ(async_waiter_arm(w, 0, &fresh), 0);
	UT_EQ(async_waiter_post(&old, 99, 0, 0), -ENOENT); /* late duplicate */
	UT_EQ(async_waiter_post(&fresh, 7, 0, 0), 0);
	ev = wait_one(w);
	UT_EQ(ev.result, 7);
	async_waiter_stats(w, &st);
	UT_EQ(st.stale_posts, 1);
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_destroyed_waiter_epoch(void)
{
	struct async_waiter *w, *w2;
	struct async_handle h, h2;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_waiter_destroy(w), -EBUSY);
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(async_waiter_create(1, &w2), 0);
	UT_EQ(async_waiter_arm(w2, 0, &h2), 0);
	/* Same memory, same slot, same generation: only the epoch tells them apart. */
	if (w2 == w)
		UT_EQ(async_waiter_post(&h, 5, 0, 0), -ENOENT);
	UT_EQ(async_waiter_post(&h2, 6, 0, 0), 0);
	UT_EQ(wait_one(w2).result, 6);
	UT_EQ(async_waiter_destroy(w2), 0);
}

static void test_timeout_returns_zero(void)
{
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0 = async_port_now_ns();

	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	UT_EQ(async_wait_event(w, &ev, 1, 20000000), 0);
	UT_ASSERT(async_port_now_ns() - t0 >= 20000000);
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_batch_wait_returns_many(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev[8];
	unsigned i;

	UT_EQ(async_waiter_create(100, &w), 0);
	for (i = 0; i < 5; i++) {
		UT_EQ(async_waiter_arm(w, i * 20, &h), 0);
		UT_EQ(async_waiter_post(&h, i, 0, 0), 0);
	}
	UT_EQ(async_wait_event(w, ev, 8, 0), 5);
	for (i = 0; i < 5; i++) {
		UT_EQ(ev[i].slot, i * 20);
		UT_EQ(ev[i].result, i);
	}
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_multishot_more_flag_and_backpressure(void)
{
	struct async_waiter *w;
	struct async_handle h, h2;
	struct async_waiter_stats st;
	struct async_event ev[64];
	int posted = 0, n;

	UT_EQ(async_waiter_create(2, &w), 0); /* ring of 64 entries */
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_waiter_arm(w, 1, &h2), 0);
	while (async_waiter_post(&h, posted, ASYNC_EV_MORE, 0) == 0)
		posted++;
	/* Two entries stay reserved for the two armed slots' final events. */
	UT_EQ(posted, 62);
	UT_EQ(async_waiter_post(&h2, -EIO, 0, 0), 0);
	UT_EQ(async_waiter_post(&h, 1000, 0, 0), 0);
	async_waiter_stats(w, &st);
	UT_EQ(st.overflows, 1);
	n = async_wait_event(w, ev, 64, 0);
	UT_EQ(n, 64);
	UT_EQ(ev[0].flags & ASYNC_EV_MORE, ASYNC_EV_MORE);
	UT_EQ(ev[61].result, 61);
	UT_EQ(ev[62].slot, 1);
	UT_EQ(ev[63].result, 1000);
	UT_EQ(ev[63].flags & ASYNC_EV_MORE, 0);
	UT_EQ(async_waiter_destroy(w), 0);
}

/*
 * Regression: arming did not reserve the final event's ring entry, so a slot
 * armed after a multishot flood filled the ring overran it with the last final
 * post (an assertion, or without asserts another slot's final event
 * overwritten). The arm must be refused, and every armed slot's final event
 * must arrive, with its own slot and result.
 */
static void test_final_events_survive_multishot_flood(void)
{
	struct async_waiter *w;
	struct async_handle h[4], late;
	struct async_event ev[64];
	int more = 0, n, finals = 0, i;

	UT_EQ(async_waiter_create(4, &w), 0); /* ring of 64 entries */
	for (i = 0; i < 3; i++)
		UT_EQ(async_waiter_arm(w, (unsigned)i, &h[i]), 0);
	while (async_waiter_post(&h[0], more, ASYNC_EV_MORE, 0) == 0)
		more++;
	UT_EQ(more, 61); /* three entries stay reserved */
	UT_EQ(async_waiter_arm(w, 3, &h[3]), -EAGAIN);
	for (i = 2; i >= 0; i--)
		UT_EQ(async_waiter_post(&h[i], 100 + i, 0, 0), 0);
	n = async_wait_event(w, ev, 64, 0);
	UT_EQ(n, 64);
	for (i = 0; i < n; i++) {
		if (ev[i].flags & ASYNC_EV_MORE) {
			UT_EQ(ev[i].slot, 0);
			continue;
		}
		UT_EQ(ev[i].result, 100 + (int)ev[i].slot);
		finals |= 1 << ev[i].slot;
	}
	UT_EQ(finals, 7);
	/* The ring drained: slot 3 arms now, and its final event arrives too. */
	UT_EQ(async_waiter_arm(w, 3, &late), 0);
	UT_EQ(async_waiter_post(&late, 103, 0, 0), 0);
	ev[0] = wait_one(w);
	UT_EQ(ev[0].slot, 3);
	UT_EQ(ev[0].result, 103);
	UT_EQ(async_waiter_destroy(w), 0);
}

struct poster {
	struct async_handle h;
	useconds_t delay;
};

static void *post_later(void *arg)
{
	struct poster *p = arg;

	usleep(p->delay);
	async_waiter_post(&p->h, 77, 0, 0);
	return NULL;
}

/* A thread posts 77 after 20 ms while this one sleeps in wait_event(@timeout_ns). */
static void wait_for_late_post(uint64_t timeout_ns)
{
	struct async_waiter *w;
	struct poster p = {.delay = 20000};
	pthread_t th;
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &p.h), 0);
	pthread_create(&th, NULL, post_later, &p);
	UT_EQ(async_wait_event(w, &ev, 1, timeout_ns), 1);
	UT_EQ(ev.result, 77);
	pthread_join(th, NULL);
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_sleeping_waiter_is_woken(void)
{
	wait_for_late_post(ASYNC_WAIT_FOREVER);
}

/* Regression: now + timeout wrapped, so a huge (but finite) timeout returned 0 at once. */
static void test_huge_timeout_does_not_wrap(void)
{
	wait_for_late_post(ASYNC_WAIT_FOREVER - 1);
}

static void test_bad_arguments(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev;

	UT_EQ(async_waiter_create(0, &w), -EINVAL);
	UT_EQ(async_waiter_create(ASYNC_WAITER_SLOTS_MAX + 1, &w), -EINVAL);
	UT_EQ(async_waiter_create(3, &w), 0);
	UT_EQ(async_waiter_arm(w, 3, &h), -EINVAL);
	UT_EQ(async_wait_event(w, &ev, 0, 0), -EINVAL);
	UT_EQ(async_waiter_cancel(w, 1), -ENOENT);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_create_fails_cleanly_without_blocks(void)
{
	struct async_waiter *w;

	host_fail_alloc_after(3); /* the waiter, one slot block, then the second fails */
	UT_EQ(async_waiter_create(3 * ASYNC_SLOTS_PER_BLOCK, &w), -ENOMEM);
	UT_EQ(pools_in_use(), 0);
	host_fail_alloc_after(1);
	UT_EQ(async_waiter_create(1, &w), -ENOMEM);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_post_and_wait_one),
    UTEST(test_stale_handle_cannot_complete_reused_slot),
    UTEST(test_destroyed_waiter_epoch),
    UTEST(test_timeout_returns_zero),
    UTEST(test_batch_wait_returns_many),
    UTEST(test_multishot_more_flag_and_backpressure),
    UTEST(test_final_events_survive_multishot_flood),
    UTEST(test_sleeping_waiter_is_woken),
    UTEST(test_huge_timeout_does_not_wrap),
    UTEST(test_bad_arguments),
    UTEST(test_create_fails_cleanly_without_blocks),
};
UTEST_MAIN("waiter", tests)
