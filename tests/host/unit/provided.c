/* provided: provided-buffer queues, per-consumer credits, a multishot receive. */
#include "synth.h"
#include "utest.h"

static void test_take_credits_and_recycle(void)
{
	struct async_pbq *q = async_pbq_create(2, 2);
	struct async_buf *b[4], *got;
	unsigned i;

	UT_ASSERT(q);
	for (i = 0; i < 4; i++) {
		b[i] = async_buf_owned(256);
		UT_EQ(async_pbq_provide(q, i, b[i]), 0);
	}
	UT_EQ(async_pbq_provide(q, 1, b[1]), -EEXIST);
	UT_EQ(async_pbq_take(q, 0, &got), 0);
	UT_ASSERT(got == b[0] && async_buf_is_borrowed(got));
	UT_EQ(async_pbq_take(q, 0, &got), 1);
	UT_EQ(async_pbq_take(q, 0, &got), -EAGAIN); /* consumer 0 out of credit */
	UT_EQ(async_pbq_available(q), 2);
	UT_EQ(async_pbq_take(q, 1, &got), 2); /* consumer 1 still gets its share */
	UT_EQ(async_pbq_take(q, 1, &got), 3);
	UT_EQ(async_pbq_take(q, 1, &got), -EAGAIN); /* empty */
	for (i = 0; i < 4; i++)
		async_buf_unborrow(b[i]); /* the device wrote, the events were posted */
	UT_EQ(async_pbq_recycle(q, 0), 0);
	UT_EQ(async_pbq_recycle(q, 0), -EINVAL);
	UT_EQ(async_pbq_take(q, 0, &got), 0);
	async_buf_unborrow(got);
	UT_EQ(async_pbq_take(q, 2, &got), -EINVAL);
	async_pbq_destroy(q);
	for (i = 0; i < 4; i++)
		async_buf_release(b[i]);
	UT_EQ(pools_in_use(), 0);
}

/*
 * Regression: the queue held no reference to its buffers. The owner released
 * a queued buffer, its descriptor went back to the pool, the next buffer
 * allocated reused it, and take handed that unrelated live buffer to the
 * consumer (borrowed for writing: a device would have scribbled on it).
 */
static void test_released_buffer_is_not_handed_out_reused(void)
{
	struct async_pbq *q = async_pbq_create(1, 4);
	struct async_buf *mine = async_buf_owned(64), *other, *got = NULL;

	UT_ASSERT(q && mine);
	UT_EQ(async_pbq_provide(q, 0, mine), 0);
	async_buf_release(mine); /* the queue's reference keeps the descriptor */
	other = async_buf_owned(64);
	UT_ASSERT(other);
	UT_EQ(async_pbq_take(q, 0, &got), -EAGAIN); /* the released one left the queue */
	UT_ASSERT(got == NULL);
	UT_ASSERT(!async_buf_is_borrowed(other));
	UT_EQ(async_pbq_available(q), 0);
	async_buf_release(other);
	async_pbq_destroy(q);
	UT_EQ(pools_in_use(), 0);
}

/* The queue's reference goes with the queue: queued buffers the owner
 * released are freed by destroy, a taken one at its last unborrow. */
static void test_destroy_drops_the_queue_references(void)
{
	struct async_pbq *q = async_pbq_create(1, 4);
	struct async_buf *b[3] = {async_buf_owned(64), async_buf_owned(64), async_buf_owned(64)};
	struct async_buf *got;
	unsigned i;

	for (i = 0; i < 3; i++) {
		UT_EQ(async_pbq_provide(q, i, b[i]), 0);
		async_buf_release(b[i]);
	}
	UT_EQ(async_buf_get(b[0]), -EBADF); /* released: nobody new may hold it */
	UT_EQ(async_pbq_provide(q, 7, b[0]), -EBADF);
	UT_EQ(async_pbq_take(q, 0, &got), -EAGAIN); /* all three were released */
	UT_EQ(pools_in_use_now(), 1);		    /* only the queue itself */
	async_pbq_destroy(q);
	UT_EQ(pools_in_use(), 0);

	q = async_pbq_create(1, 4);
	b[0] = async_buf_owned(64);
	UT_EQ(async_pbq_provide(q, 3, b[0]), 0);
	UT_EQ(async_pbq_take(q, 0, &got), 3); /* a device borrows it */
	async_buf_release(b[0]);
	async_pbq_destroy(q);
	UT_ASSERT(pools_in_use_now() > 0); /* the device still writes into it */
	async_buf_unborrow(got);
	UT_EQ(pools_in_use(), 0);
}

/* A released buffer leaves the queue on the way: take hands out the next live one. */
static void test_take_skips_released_buffers(void)
{
	struct async_pbq *q = async_pbq_create(1, 4);
	struct async_buf *gone = async_buf_owned(64), *live = async_buf_owned(64), *got = NULL;

	UT_EQ(async_pbq_provide(q, 0, gone), 0);
	UT_EQ(async_pbq_provide(q, 1, live), 0);
	async_buf_release(gone);
	UT_EQ(async_pbq_take(q, 0, &got), 1);
	UT_ASSERT(got == live);
	UT_EQ(async_pbq_available(q), 0);
	async_buf_unborrow(got);
	UT_EQ(async_pbq_recycle(q, 1), 0);
	async_pbq_destroy(q);
	async_buf_release(live);
	UT_EQ(pools_in_use(), 0);
}

/* Take, recycle, take again: the same buffer comes back with its id. */
static void test_take_recycle_take_again(void)
{
	struct async_pbq *q = async_pbq_create(1, 1);
	struct async_buf *b = async_buf_owned(64), *got;

	UT_EQ(async_pbq_provide(q, 4, b), 0);
	UT_EQ(async_pbq_take(q, 0, &got), 4);
	async_buf_unborrow(got);
	UT_EQ(async_pbq_take(q, 0, &got), -EAGAIN);
	UT_EQ(async_pbq_provide(q, 4, b), -EEXIST); /* giving back is recycle's job */
	UT_EQ(async_pbq_recycle(q, 4), 0);
	UT_EQ(async_pbq_take(q, 0, &got), 4);
	UT_ASSERT(got == b);
	async_buf_unborrow(got);
	async_pbq_destroy(q);
	async_buf_release(b);
	UT_EQ(pools_in_use(), 0);
}

/* A multishot receive: each arriving packet takes a buffer and posts an event. */
struct recv_state {
	struct async_pbq *q;
	unsigned consumer;
};

static struct async_op *recv_op;

static int64_t recv_start(struct async_op *op, void *state)
{
	(void)state;
	recv_op = op;
	return ASYNC_PENDING;
}

static const struct async_layer recv_layer = {
    .name = "recv",
    .state_size = sizeof(struct recv_state),
    .start = recv_start,
};

static int deliver(struct recv_state *st, const char *data, size_t len)
{
	struct async_buf *b;
	int id = async_pbq_take(st->q, st->consumer, &b);

	if (id < 0)
		return id;
	memcpy(async_buf_data(b), data, len);
	async_buf_unborrow(b);
	return async_op_post_more(recv_op, (int64_t)len, ASYNC_EV_BUF, (unsigned)id);
}

static void test_multishot_receive_names_the_buffer(void)
{
	struct async_pbq *q = async_pbq_create(1, 8);
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct recv_state *st;
	struct async_event ev[4];
	struct async_buf *b[2] = {async_buf_owned(64), async_buf_owned(64)};

	UT_EQ(async_pbq_provide(q, 5, b[0]), 0);
	UT_EQ(async_pbq_provide(q, 9, b[1]), 0);
	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	st = async_push(op, &recv_layer);
	st->q = q;
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(deliver(st, "hello", 5), 0);
	UT_EQ(deliver(st, "world!", 6), 0);
	UT_EQ(deliver(st, "x", 1), -EAGAIN); /* no buffer left: the source keeps its data */
	async_op_complete(recv_op, async_op_token(recv_op), 0); /* the stream ends */
	UT_EQ(async_wait_event(w, ev, 4, 0), 3);
	UT_EQ(ev[0].flags, ASYNC_EV_MORE | ASYNC_EV_BUF);
	UT_EQ(ev[0].buf, 5);
	UT_EQ(ev[0].result, 5);
	UT_ASSERT(!memcmp(async_buf_data(b[0]), "hello", 5));
	UT_EQ(ev[1].buf, 9);
	UT_EQ(ev[2].flags, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	async_pbq_destroy(q);
	async_buf_release(b[0]);
	async_buf_release(b[1]);
	UT_EQ(pools_in_use(), 0);
}

/* A stream receive whose bytes cannot go back to their source (net/tcpsock.c): when the ring
 * refuses the non-final event, the final event carries the filled buffer. */
struct stream_state {
	int final_buf; /* -1: none */
};

static int64_t stream_resume(struct async_op *op, void *state, int64_t result)
{
	struct stream_state *st = state;

	if (st->final_buf >= 0)
		async_op_final_buf(op, (unsigned)st->final_buf);
	return result;
}

static const struct async_layer stream_layer = {
    .name = "stream",
    .state_size = sizeof(struct stream_state),
    .start = recv_start,
    .resume = stream_resume,
};

static void test_final_event_carries_the_buffer_the_full_ring_refused(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct stream_state *st;
	struct async_event ev[ASYNC_SLOTS_PER_BLOCK];
	int posted = 0, n;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	st = async_push(op, &stream_layer);
	st->final_buf = -1;
	UT_EQ(async_op_submit(op, &h), 0);
	while (async_op_post_more(recv_op, 1, ASYNC_EV_BUF, 1) == 0)
		posted++;
	UT_ASSERT(posted > 0);
	st->final_buf = 7; /* 6 bytes are in buffer 7 and the ring is full */
	async_op_complete(recv_op, async_op_token(recv_op), 6);
	n = async_wait_event(w, ev, ASYNC_SLOTS_PER_BLOCK, 0);
	UT_EQ(n, posted + 1);
	UT_EQ(ev[n - 1].flags, ASYNC_EV_BUF);
	UT_EQ(ev[n - 1].buf, 7);
	UT_EQ(ev[n - 1].result, 6);
	UT_EQ(ev[0].flags, ASYNC_EV_MORE | ASYNC_EV_BUF);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_take_credits_and_recycle),
    UTEST(test_released_buffer_is_not_handed_out_reused),
    UTEST(test_destroy_drops_the_queue_references),
    UTEST(test_take_skips_released_buffers),
    UTEST(test_take_recycle_take_again),
    UTEST(test_multishot_receive_names_the_buffer),
    UTEST(test_final_event_carries_the_buffer_the_full_ring_refused),
};
UTEST_MAIN("provided", tests)
