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
	/* Reserved room is used by later pushes: no failure while running. */
	UT_EQ(async_heap_init(&heap, "big", heap_mem, sizeof(heap_mem)), 0);
	UT_EQ(run_deep(&heap, 9, 10 * 240, &err), 11);
	UT_EQ(err, 0);
	async_heap_stats(&heap, &st);
	UT_EQ(st.failures, 0);
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
    UTEST(test_heap_init_rejects_small_region),
};
UTEST_MAIN("spill", tests)
