/* sink: a waiter's events delivered straight into a consumer's queue (async_waiter_set_sink). */
#include "synth.h"
#include "utest.h"

#include <pthread.h>
#include <sched.h>

#define QCAP 8 /* entries of the test's queue (a power of two) */

/* A single-consumer queue: push runs under the waiter lock, the test reads it. */
struct tq {
	struct async_sink sink;
	struct async_event ev[QCAP];
	unsigned cap;		    /* <= QCAP: entries the sink may hold */
	unsigned head, tail;	    /* [a] */
	unsigned held, held_events; /* [W] what the waiter told @held */
	int released;		    /* [a] */
};

static bool tq_push(struct async_sink *s, const struct async_event *ev)
{
	struct tq *q = (struct tq *)s;
	unsigned tail = q->tail; /* only pushes write it, all under the waiter lock */

	if (tail - __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) >= q->cap)
		return false;
	q->ev[tail % QCAP] = *ev;
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

static void tq_held(struct async_sink *s, unsigned held, bool new_event)
{
	struct tq *q = (struct tq *)s;

	q->held = held;
	q->held_events += new_event;
}

static void tq_release(struct async_sink *s)
{
	__atomic_add_fetch(&((struct tq *)s)->released, 1, __ATOMIC_RELAXED);
}

static void tq_init(struct tq *q, unsigned cap)
{
	memset(q, 0, sizeof(*q));
	q->cap = cap;
	q->sink.push = tq_push;
	q->sink.held = tq_held;
	q->sink.release = tq_release;
}

/* Takes one event if there is one. */
static bool tq_pop(struct tq *q, struct async_event *ev)
{
	unsigned head = q->head;

	if (head == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
		return false;
	*ev = q->ev[head % QCAP];
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

static void test_sink_takes_final_event_and_frees_slot(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev;
	struct tq q;

	tq_init(&q, 4);
	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_waiter_set_sink(w, &q.sink), 0);
	UT_EQ(async_waiter_set_sink(w, &q.sink), -EBUSY);
	UT_ASSERT(async_waiter_sink(w) == &q.sink);
	UT_EQ(async_waiter_arm(w, 1, &h), 0);
	UT_EQ(async_waiter_post(&h, 42, 0, 0), 0);
	UT_ASSERT(tq_pop(&q, &ev));
	UT_EQ(ev.slot, 1);
	UT_EQ(ev.result, 42);
	UT_EQ(async_waiter_sunk(w), 1);
	UT_EQ(async_waiter_wait_sunk(w, 1, 0), 1);
	UT_EQ(async_waiter_wait_sunk(w, 2, 0), 0);
	UT_EQ(async_waiter_arm(w, 1, &h), 0); /* free at once: nothing collects it */
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(q.released, 1);
	UT_EQ(pools_in_use(), 0);
}

static void test_full_sink_holds_events_in_order_never_drops(void)
{
	struct async_waiter *w;
	struct async_handle h[8];
	struct async_event ev;
	unsigned seen = 0, left;
	struct tq q;

	tq_init(&q, 2);
	UT_EQ(async_waiter_create(8, &w), 0);
	UT_EQ(async_waiter_set_sink(w, &q.sink), 0);
	for (unsigned i = 0; i < 6; i++)
		UT_EQ(async_waiter_arm(w, i, &h[i]), 0);
	UT_EQ(async_waiter_arm(w, 7, &h[7]), 0);
	for (unsigned i = 0; i < 6; i++)
		UT_EQ(async_waiter_post(&h[i], 100 + i, 0, 0), 0);
	UT_EQ(q.held, 4);
	UT_EQ(q.held_events, 4);
	UT_EQ(async_waiter_arm(w, 3, &h[3]), -EBUSY); /* its final event is held */
	/* Slot 7's multishot events queue behind the held ones, in order. */
	UT_EQ(async_waiter_post(&h[7], 1, ASYNC_EV_MORE, 0), 0);
	UT_EQ(async_waiter_post(&h[7], 2, 0, 0), 0);
	UT_EQ(q.held_events, 6);
	while (seen < 8) {
		unsigned before = seen;

		while (tq_pop(&q, &ev)) {
			int64_t want = seen < 6 ? 100 + seen : seen - 5;

			UT_EQ(ev.result, want);
			seen++;
		}
		left = async_waiter_flush(w, NULL);
		UT_EQ(left, 8 - seen - (q.tail - q.head)); /* held + queued + seen: all 8 */
		UT_ASSERT(seen > before || q.tail != q.head);
	}
	UT_EQ(q.held, 0);
	UT_EQ(async_waiter_flush(w, NULL), 0);
	UT_EQ(async_waiter_sunk(w), 8);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* Arm and final post in one section: the rules of arm, the sink's order and holding. */
static void test_post_now_is_arm_and_final_post(void)
{
	struct async_event now[4] = {{.slot = 1, .result = 1},
				     {.slot = 2, .result = 2},
				     {.slot = 0, .result = 9},
				     {.slot = 3, .result = 3}};
	struct async_waiter *w;
	struct async_handle h0, h1;
	struct async_event ev;
	uint32_t gen;
	struct tq q;
	int err;

	tq_init(&q, 2);
	UT_EQ(async_waiter_create(4, &w), 0);
	UT_EQ(async_waiter_set_sink(w, &q.sink), 0);
	UT_EQ(async_waiter_arm(w, 1, &h1), 0); /* a handle from before: stale afterwards */
	async_waiter_disarm(&h1);
	UT_EQ(async_waiter_arm(w, 0, &h0), 0); /* slot 0 busy: the run stops there */
	UT_EQ(async_waiter_post_now(w, now, 4, &err), 2);
	UT_EQ(err, -EBUSY);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 1 && ev.result == 1 && ev.flags == 0);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 2 && ev.result == 2);
	UT_EQ(async_waiter_post(&h1, 7, 0, 0), -ENOENT);
	gen = h1.gen;
	UT_EQ(async_waiter_arm(w, 1, &h1), 0); /* post_now's arm took a generation */
	UT_EQ(h1.gen, gen + 2);
	async_waiter_disarm(&h1);
	UT_EQ(async_waiter_post(&h0, 0, 0, 0), 0);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 0);
	/* A full sink: the event is held, its slot busy until the flush delivers it. */
	UT_EQ(async_waiter_post_now(w, &now[3], 1, &err), 1);
	UT_EQ(async_waiter_post_now(w, &now[0], 1, &err), 1);
	UT_EQ(async_waiter_post_now(w, &now[1], 1, &err), 1);
	UT_EQ(q.held, 1);
	UT_EQ(async_waiter_post_now(w, &now[1], 1, &err), 0);
	UT_EQ(err, -EBUSY);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 3);
	UT_EQ(async_waiter_flush(w, NULL), 0);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 1);
	UT_ASSERT(tq_pop(&q, &ev) && ev.slot == 2 && ev.result == 2);
	now[0].slot = 4;
	UT_EQ(async_waiter_post_now(w, now, 1, &err), 0);
	UT_EQ(err, -EINVAL);
	UT_EQ(async_waiter_sunk(w), 6);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* Without a sink the events wait in the waiter's ring like any final event. */
static void test_post_now_without_sink_goes_to_the_ring(void)
{
	struct async_event now[2] = {{.slot = 0, .result = 5}, {.slot = 0, .result = 6}};
	struct async_event ev[2];
	struct async_waiter *w;
	int err;

	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_waiter_post_now(w, now, 2, &err), 1); /* slot 0 POSTED until collected */
	UT_EQ(err, -EBUSY);
	UT_EQ(async_wait_event(w, ev, 2, 0), 1);
	UT_EQ(ev[0].result, 5);
	UT_EQ(async_waiter_post_now(w, &now[1], 1, &err), 1);
	UT_EQ(async_wait_event(w, ev, 2, 0), 1);
	UT_EQ(ev[0].result, 6);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

#define PRODUCERS  4
#define ROUNDS	   3000
#define SLOTS_EACH 4

struct producer {
	struct async_waiter *w;
	unsigned id;
};

/* Each producer arms its own slots and posts MORE, MORE, final per round. */
static void *produce(void *arg)
{
	struct producer *p = arg;

	for (unsigned r = 0; r < ROUNDS; r++) {
		struct async_handle h;
		unsigned slot = p->id * SLOTS_EACH + r % SLOTS_EACH;

		while (async_waiter_arm(p->w, slot, &h))
			sched_yield(); /* -EBUSY: the final event is still held; -EAGAIN: full */
		for (unsigned k = 0; k < 3; k++) {
			int64_t v = ((int64_t)p->id << 32) | (r * 3 + k);

			while (async_waiter_post(&h, v, k < 2 ? ASYNC_EV_MORE : 0, 0) == -EAGAIN)
				sched_yield();
		}
	}
	return NULL;
}

static void test_many_producers_every_event_once_in_order(void)
{
	struct producer p[PRODUCERS];
	pthread_t t[PRODUCERS];
	unsigned next[PRODUCERS] = {0}, finals = 0;
	struct async_waiter *w;
	struct async_event ev;
	struct tq q;

	tq_init(&q, QCAP);
	UT_EQ(async_waiter_create(PRODUCERS * SLOTS_EACH, &w), 0);
	UT_EQ(async_waiter_set_sink(w, &q.sink), 0);
	for (unsigned i = 0; i < PRODUCERS; i++) {
		p[i] = (struct producer){.w = w, .id = i};
		UT_EQ(pthread_create(&t[i], NULL, produce, &p[i]), 0);
	}
	while (finals < PRODUCERS * ROUNDS) {
		unsigned long sunk = async_waiter_sunk(w);

		if (!tq_pop(&q, &ev)) {
			async_waiter_flush(w, NULL);
			async_waiter_wait_sunk(w, sunk + 1, 1000000);
			continue;
		}
		unsigned id = (unsigned)(ev.result >> 32), seq = (unsigned)ev.result;

		UT_ASSERT(id < PRODUCERS);
		UT_EQ(seq, next[id]); /* every event once, each producer's in order */
		UT_EQ(ev.slot, id * SLOTS_EACH + seq / 3 % SLOTS_EACH);
		UT_EQ(!(ev.flags & ASYNC_EV_MORE), seq % 3 == 2);
		next[id]++;
		finals += seq % 3 == 2;
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		UT_EQ(pthread_join(t[i], NULL), 0);
	UT_ASSERT(!tq_pop(&q, &ev));
	UT_EQ(async_waiter_flush(w, NULL), 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(q.released, 1);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_sink_takes_final_event_and_frees_slot),
    UTEST(test_full_sink_holds_events_in_order_never_drops),
    UTEST(test_many_producers_every_event_once_in_order),
    UTEST(test_post_now_is_arm_and_final_post),
    UTEST(test_post_now_without_sink_goes_to_the_ring),
};
UTEST_MAIN("sink", tests)
