/* stack: frames, trampoline, synchronous completion, re-arm loops, exactly-once. */
#include "stack_probe.h"
#include "synth.h"
#include "utest.h"

#include <string.h>

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

/*
 * A pass-through "partition" adds an offset and pushes the device frame
 * itself, with no frame of its own. What the core must do for that: run the
 * device frame pushed from inside the fs frame's start (ASYNC_CALL), keep the
 * fs frame's state intact under it, show both frames top first, and unwind
 * the device's completion into the fs frame's resume, whose result is posted.
 * Every value checked below passes through the core (frame state, the
 * trampoline, async_op_complete, the unwind, the waiter), not through a helper.
 */
struct pt_disk {
	int64_t lba; /* [O] set by the partition when it pushes the frame */
};
struct pt_fs {
	uint32_t magic;
	int64_t resumed_with;
};

static struct async_op *pt_disk_op;
static uint32_t pt_disk_tok; /* its pending period */
static int64_t pt_disk_lba = -1;

static int64_t pt_disk_start(struct async_op *op, void *state)
{
	pt_disk_lba = ((struct pt_disk *)state)->lba;
	pt_disk_op = op;
	pt_disk_tok = async_op_token(op);
	return ASYNC_PENDING; /* the test completes it, as an IRQ would */
}

static const struct async_layer pt_disk_layer = {
    .name = "disk", .state_size = sizeof(struct pt_disk), .start = pt_disk_start};

static int64_t part_read(struct async_op *op, int64_t lba)
{
	struct pt_disk *d = async_push(op, &pt_disk_layer);

	if (!d)
		return async_op_push_error(op);
	d->lba = lba + 2048;
	return ASYNC_CALL;
}

static int64_t fs_start(struct async_op *op, void *state)
{
	((struct pt_fs *)state)->magic = 0xf5f5f5f5;
	return part_read(op, 7);
}

static int64_t fs_resume(struct async_op *op, void *state, int64_t result)
{
	struct pt_fs *fs = state;

	(void)op;
	if (fs->magic != 0xf5f5f5f5)
		return -EIO; /* the device frame overwrote the caller's frame */
	fs->resumed_with = result;
	return result * 10 + 1;
}

static const struct async_layer fs_layer = {
    .name = "fs", .state_size = sizeof(struct pt_fs), .start = fs_start, .resume = fs_resume};

struct pt_seen {
	unsigned frames;
	const char *layer[4];
};

static void count_frames(const struct async_frame_info *fi, void *arg)
{
	struct pt_seen *seen = arg;

	if (seen->frames < 4)
		seen->layer[seen->frames] = fi->layer;
	seen->frames++;
}

static void count_op(const struct async_op_info *oi, void *arg)
{
	(void)oi;
	(void)arg;
}

static void test_pass_through_layer_needs_no_frame(void)
{
	struct pt_seen seen = {0};
	struct async_handle h;
	struct async_op *op;
	struct async_event ev;

	setup();
	pt_disk_op = NULL;
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc(NULL);
	UT_ASSERT(async_push(op, &fs_layer));
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(pt_disk_lba, 2048 + 7); /* the device ran with the translated LBA */
	async_introspect(count_op, count_frames, &seen);
	UT_EQ(seen.frames, 2); /* device over fs: the partition used no frame */
	UT_ASSERT(!strcmp(seen.layer[0], "disk") && !strcmp(seen.layer[1], "fs"));
	UT_ASSERT(pt_disk_op == op);
	async_op_complete(pt_disk_op, pt_disk_tok, 512);
	ev = wait_one(w);
	UT_EQ(ev.slot, 0);
	UT_EQ(ev.result, 512 * 10 + 1); /* the fs frame resumed with the device's result */
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
