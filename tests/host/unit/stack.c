/* stack: frames, trampoline, synchronous completion, re-arm loops, exactly-once. */
#include "stack_probe.h"
#include "synth.h"
#include "utest.h"

static struct async_waiter *w;

static void setup(void)
{
	UT_EQ(async_waiter_create(8, &w), 0);
}

static void teardown(void)
{
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static int64_t run(int (*build)(struct async_op *op, void *arg), void *arg)
{
	struct async_handle h;
	struct async_op *op;
	struct async_event ev;

	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc(NULL);
	UT_ASSERT(op);
	UT_EQ(build(op, arg), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	while (synth_complete_next(0))
		;
	ev = wait_one(w);
	UT_EQ(ev.slot, 0);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* exactly one event */
	return ev.result;
}

static int build_mode(struct async_op *op, void *arg)
{
	return synth_push(op, (enum synth_mode)(uintptr_t)arg, 33);
}

static void test_modes_complete_once(void)
{
	setup();
	UT_EQ(run(build_mode, (void *)SYNTH_RETURN), 33);
	UT_EQ(run(build_mode, (void *)SYNTH_SYNC), 33);
	UT_EQ(run(build_mode, (void *)SYNTH_DEFERRED), 33);
	teardown();
}

/*
 * A fragmented read whose device completes synchronously every time: each
 * fragment's completion arrives inside its own start. The trampoline must
 * take it in its loop; the probe measures that the C stack does not grow
 * with the number of fragments.
 */
static struct stack_probe frag_probe;

struct frag_state {
	unsigned left;
	int64_t total;
};

static int64_t frag_arm(struct async_op *op)
{
	int err = synth_push(op, SYNTH_SYNC, 512);

	return err ? err : ASYNC_CALL;
}

static int64_t frag_start(struct async_op *op, void *state)
{
	(void)state;
	return frag_arm(op);
}

static int64_t frag_resume(struct async_op *op, void *state, int64_t r)
{
	struct frag_state *f = state;

	stack_probe_note(&frag_probe);
	if (r < 0)
		return r;
	f->total += r;
	return --f->left ? frag_arm(op) : f->total;
}

static const struct async_layer frag_layer = {
    .name = "frag",
    .state_size = sizeof(struct frag_state),
    .start = frag_start,
    .resume = frag_resume,
};

static uintptr_t fragmented_read_depth(unsigned nfrag)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct frag_state *f = async_push(op, &frag_layer);

	UT_ASSERT(f);
	f->left = nfrag;
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	stack_probe_begin(&frag_probe);
	UT_EQ(async_op_submit(op, &h), 0); /* every fragment completes in here */
	UT_EQ(frag_probe.notes, nfrag);
	UT_EQ(wait_one(w).result, 512 * (int64_t)nfrag);
	return stack_probe_depth(&frag_probe);
}

static void test_fragmented_read_stack_depth_is_bounded(void)
{
	struct async_op_stats before, after;
	uintptr_t small, big;

	setup();
	async_op_stats(&before);
	small = fragmented_read_depth(10);
	big = fragmented_read_depth(10000);
	async_op_stats(&after);
	UT_ASSERT(after.sync_completions - before.sync_completions >= 10010);
	UT_ASSERT(after.rearms - before.rearms >= 10000);
	UT_ASSERT(small < 16384);
	if (big > small + 512)
		UT_FAIL("10 fragments: %lu bytes of stack, 10000: %lu bytes", (unsigned long)small,
			(unsigned long)big);
	teardown();
}

static int build_deep(struct async_op *op, void *arg)
{
	return deep_push(op, (unsigned)(uintptr_t)arg, SYNTH_SYNC);
}

static void test_layers_unwind_in_order(void)
{
	setup();
	/* deep_resume adds 1 per layer: 3 deep frames over a device returning 1. */
	UT_EQ(run(build_deep, (void *)2), 1 + 3);
	teardown();
}

static void test_submit_errors(void)
{
	struct async_handle h;
	struct async_op *op;

	setup();
	UT_EQ(async_waiter_arm(w, 1, &h), 0);
	op = async_op_alloc(NULL);
	UT_EQ(async_op_submit(op, &h), -EINVAL); /* no frame */
	op = async_op_alloc(NULL);
	synth_push(op, SYNTH_RETURN, 1);
	async_waiter_disarm(&h);
	UT_EQ(async_op_submit(op, &h), -ENOENT); /* handle no longer armed */
	teardown();
}

/* A buggy driver completing the same pending period twice: the second is dropped. */
static void test_double_completion_is_dropped(void)
{
	struct async_handle h;
	struct async_op *op;
	struct async_op_stats before, after;
	struct async_event ev;
	uint32_t token;

	setup();
	UT_EQ(async_waiter_arm(w, 3, &h), 0);
	op = async_op_alloc(NULL);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 1), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	async_op_get(op); /* keeps the op readable after it completes */
	token = async_op_token(op);
	async_op_stats(&before);
	UT_ASSERT(synth_complete_next(0));
	async_op_complete(op, token, 2); /* again */
	async_op_stats(&after);
	UT_EQ(after.stale_completions - before.stale_completions, 1);
	ev = wait_one(w);
	UT_EQ(ev.result, 1);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* exactly one event */
	async_op_put(op);
	teardown();
}

/* A pass-through "partition" adds an offset and pushes the device frame itself. */
static int64_t part_read(struct async_op *op, int64_t lba)
{
	int err = synth_push(op, SYNTH_DEFERRED, lba + 2048);

	return err ? err : ASYNC_CALL;
}

static int64_t fs_start(struct async_op *op, void *state)
{
	(void)state;
	return part_read(op, 7);
}

static const struct async_layer fs_layer = {.name = "fs", .start = fs_start};

static void count_frames(const struct async_frame_info *fi, void *arg)
{
	(void)fi;
	(*(unsigned *)arg)++;
}

static void count_op(const struct async_op_info *oi, void *arg)
{
	(void)oi;
	(void)arg;
}

static int build_fs(struct async_op *op, void *arg)
{
	(void)arg;
	return async_push(op, &fs_layer) ? 0 : -ENOMEM;
}

static void test_pass_through_layer_needs_no_frame(void)
{
	struct async_handle h;
	struct async_op *op;
	unsigned frames = 0;

	setup();
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc(NULL);
	UT_EQ(build_fs(op, NULL), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	async_introspect(count_op, count_frames, &frames);
	UT_EQ(frames, 2); /* fs + device: the partition used no frame */
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 2048 + 7);
	teardown();
}

/*
 * A completion that belongs to an earlier pending period of the op (a late
 * or duplicated interrupt) must not be taken as the current period's: the
 * op is pending again, in a new period, when it arrives.
 */
static void test_stale_completion_from_earlier_period_is_dropped(void)
{
	struct async_op_stats before, after;
	struct async_handle h;
	struct async_op *op;
	struct async_event ev;
	uint32_t stale;

	setup();
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc(NULL);
	UT_EQ(loop_push(op, 2, SYNTH_UNCANCELLABLE), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	async_op_get(op);
	stale = async_op_token(op);
	async_op_stats(&before);
	UT_ASSERT(synth_complete_next(0)); /* period 1 ends: the loop re-arms, period 2 */
	UT_ASSERT(async_op_token(op) != stale);
	async_op_complete(op, stale, 999); /* period 1's completion, again */
	async_op_stats(&after);
	UT_EQ(after.stale_completions - before.stale_completions, 1);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0); /* not taken as period 2's */
	UT_ASSERT(synth_complete_next(0));
	ev = wait_one(w);
	UT_EQ(ev.result, 1024);
	async_op_put(op);
	teardown();
}

static const struct utest tests[] = {
    UTEST(test_stale_completion_from_earlier_period_is_dropped),
    UTEST(test_modes_complete_once),
    UTEST(test_fragmented_read_stack_depth_is_bounded),
    UTEST(test_layers_unwind_in_order),
    UTEST(test_pass_through_layer_needs_no_frame),
    UTEST(test_submit_errors),
    UTEST(test_double_completion_is_dropped),
};
UTEST_MAIN("stack", tests)
