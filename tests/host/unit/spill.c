/* spill: frames beyond the inline stack go to the process heap; exhaustion fails the op. */
#include "synth.h"
#include "utest.h"

static struct async_waiter *w;
static unsigned char heap_mem[8192];

static int64_t run_deep(struct async_heap *heap, unsigned depth, size_t reserve, int *submit_err)
{
	struct async_handle h;
	struct async_op *op;
	struct async_event ev;

	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc(heap);
	UT_ASSERT(op);
	if (reserve)
		async_op_reserve(op, reserve);
	deep_push(op, depth, SYNTH_SYNC);
	*submit_err = async_op_submit(op, &h);
	if (*submit_err) {
		async_waiter_disarm(&h);
		return 0;
	}
	ev = wait_one(w);
	UT_EQ(ev.slot, 0);
	return ev.result;
}

static void test_deep_stack_spills_and_returns_chunks(void)
{
	struct async_heap heap, st;
	struct async_op_stats before, after;
	int err;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_heap_init(&heap, "proc", heap_mem, sizeof(heap_mem)), 0);
	async_op_stats(&before);
	/* 10 frames of 240 bytes: 4 fit the 1 KiB inline stack, the rest spill. */
	UT_EQ(run_deep(&heap, 9, 0, &err), 1 + 10);
	UT_EQ(err, 0);
	async_heap_stats(&heap, &st);
	async_op_stats(&after);
	UT_ASSERT(st.spills >= 3);
	UT_EQ(st.in_use, 0);
	UT_ASSERT(after.spilled_frames - before.spilled_frames >= 6);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_exhausted_heap_fails_op_with_enomem(void)
{
	struct async_heap heap, st;
	int err;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_heap_init(&heap, "tiny", heap_mem, ASYNC_SPILL_CHUNK + 15), 0);
	UT_EQ(run_deep(&heap, 20, 0, &err), -ENOMEM);
	async_heap_stats(&heap, &st);
	UT_ASSERT(st.failures >= 1);
	UT_EQ(st.in_use, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_reserve_rejects_at_submit(void)
{
	struct async_heap heap, st;
	int err;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_heap_init(&heap, "tiny", heap_mem, 2 * ASYNC_SPILL_CHUNK + 15), 0);
	run_deep(&heap, 20, 21 * 240, &err);
	UT_EQ(err, -ENOMEM);
	async_heap_stats(&heap, &st);
	UT_EQ(st.in_use, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/*
 * A re-arming op: ROUNDS times a 10-frame deep stack (4 frames inline, the
 * rest in 4 spill chunks) that unwinds at once, each round but the last
 * followed by a device wait with the deep frames popped.
 */
#define ROUNDS 3

struct rearm_state {
	unsigned rounds_left, step;
	int64_t total;
};

static int64_t rearm_deep(struct async_op *op)
{
	int err = deep_push(op, 9, SYNTH_SYNC);

	return err ? err : ASYNC_CALL;
}

static int64_t rearm_start(struct async_op *op, void *state)
{
	(void)state;
	return rearm_deep(op);
}

static int64_t rearm_resume(struct async_op *op, void *state, int64_t r)
{
	struct rearm_state *s = state;
	int err;

	if (r < 0)
		return r;
	if (s->step++ % 2)
		return rearm_deep(op); /* back from the device wait: push the deep stack again */
	s->total += r;
	if (--s->rounds_left == 0)
		return s->total;
	err = synth_push(op, SYNTH_DEFERRED, 0);
	return err ? err : ASYNC_CALL;
}

static const struct async_layer rearm_layer = {
    .name = "rearm",
    .state_size = sizeof(struct rearm_state),
    .start = rearm_start,
    .resume = rearm_resume,
};

/*
 * Reserved room stays reserved for the op's life: the spill chunks a popped
 * frame frees go back to the op's reserve, not to the heap, so another op
 * that drains the heap between the pop and the re-push cannot make the
 * re-push fail.
 */
static void test_reserve_is_durable_across_pop_and_repush(void)
{
	struct async_heap heap, st;
	struct async_handle h;
	struct async_op *op, *hog;
	struct rearm_state *s;
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_heap_init(&heap, "proc", heap_mem, sizeof(heap_mem)), 0);
	op = async_op_alloc(&heap);
	s = async_push(op, &rearm_layer);
	UT_ASSERT(s);
	s->rounds_left = ROUNDS;
	UT_EQ(async_op_reserve(op, 11 * 240), 0); /* 10 deep frames and the device */
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(synth_deferred_count(), 1); /* round 1 done, waiting with the deep frames popped */
	hog = async_op_alloc(&heap);
	while (synth_deferred_count()) {
		/* Another op takes every chunk the heap has left, then the device completes. */
		UT_EQ(async_op_reserve(hog, sizeof(heap_mem)), -ENOMEM);
		async_heap_stats(&heap, &st);
		UT_EQ(st.in_use, st.nchunks);
		UT_ASSERT(synth_complete_next(0));
	}
	ev = wait_one(w);
	UT_EQ(ev.slot, 0);
	UT_EQ(ev.result, ROUNDS * 11);
	async_op_discard(hog);
	async_heap_stats(&heap, &st);
	UT_EQ(st.in_use, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_heap_init_rejects_small_region(void)
{
	struct async_heap heap;

	UT_EQ(async_heap_init(&heap, "x", heap_mem, 100), -EINVAL);
	UT_EQ(async_heap_init(&heap, "x", NULL, 4096), -EINVAL);
}

static const struct utest tests[] = {
    UTEST(test_deep_stack_spills_and_returns_chunks),
    UTEST(test_exhausted_heap_fails_op_with_enomem),
    UTEST(test_reserve_rejects_at_submit),
    UTEST(test_reserve_is_durable_across_pop_and_repush),
    UTEST(test_heap_init_rejects_small_region),
};
UTEST_MAIN("spill", tests)
