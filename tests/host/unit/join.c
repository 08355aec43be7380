/* join: all / first / quorum policies, cancel-on-error, parent cancel, bad specs. */
#include "stack_probe.h"
#include "synth.h"
#include "utest.h"

struct jt_state {
	enum async_join_policy policy;
	unsigned quorum, flags, n;
	enum synth_mode mode[4];
	int64_t in[4];
	int64_t out[4];
};
ASYNC_FRAME_STATE_CHECK(struct jt_state);

static struct jt_state last; /* copy of the frame at resume time */

static int jt_setup(struct async_op *child, unsigned i, void *arg)
{
	struct jt_state *s = arg;

	return synth_push(child, s->mode[i], s->in[i]);
}

static int64_t jt_start(struct async_op *op, void *state)
{
	struct jt_state *s = state;
	struct async_join_spec spec = {
	    .policy = s->policy,
	    .quorum = s->quorum,
	    .flags = s->flags,
	    .nchildren = s->n,
	    .setup = jt_setup,
	    .arg = s,
	    .results = s->out,
	};

	return async_join(op, &spec);
}

static int64_t jt_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	last = *(struct jt_state *)state;
	return r;
}

static const struct async_layer jt_layer = {
    .name = "join-test",
    .state_size = sizeof(struct jt_state),
    .start = jt_start,
    .resume = jt_resume,
};

static struct async_waiter *w;

static void submit_join(const struct jt_state *tmpl)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct jt_state *s;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	s = async_push(op, &jt_layer);
	*s = *tmpl;
	UT_EQ(async_op_submit(op, &h), 0);
}

static int64_t finish(void)
{
	struct async_event ev = wait_one(w);

	UT_EQ(ev.slot, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(synth_deferred_count(), 0);
	UT_EQ(pools_in_use(), 0);
	return ev.result;
}

static void test_all_sums_results(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_ALL,
			     .n = 3,
			     .mode = {SYNTH_SYNC, SYNTH_DEFERRED, SYNTH_RETURN},
			     .in = {10, 20, 30}};

	submit_join(&s);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(finish(), 60);
	UT_EQ(last.out[0], 10);
	UT_EQ(last.out[1], 20);
	UT_EQ(last.out[2], 30);
}

static void test_all_waits_for_every_child_on_error(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_ALL,
			     .n = 2,
			     .mode = {SYNTH_SYNC, SYNTH_DEFERRED},
			     .in = {-EIO, 5}};
	struct async_event ev;

	submit_join(&s);
	UT_EQ(async_wait_event(w, &ev, 1, 10000000), 0); /* child 1 still running */
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(finish(), -EIO);
	UT_EQ(last.out[1], 5);
}

static void test_cancel_on_error_cancels_the_rest(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_ALL,
			     .flags = ASYNC_JOIN_CANCEL_ON_ERROR,
			     .n = 3,
			     .mode = {SYNTH_DEFERRED, SYNTH_SYNC, SYNTH_DEFERRED},
			     .in = {1, -EIO, 3}};

	submit_join(&s);
	UT_EQ(finish(), -EIO);
	UT_EQ(last.out[0], -ECANCELED);
	UT_EQ(last.out[2], -ECANCELED);
}

static void test_first_success_wins(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_FIRST,
			     .n = 3,
			     .mode = {SYNTH_DEFERRED, SYNTH_SYNC, SYNTH_SYNC},
			     .in = {1, -EIO, 7}};

	submit_join(&s);
	UT_EQ(finish(), 7);
	UT_EQ(last.out[0], -ECANCELED);
}

static void test_first_all_fail(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_FIRST,
			     .n = 2,
			     .mode = {SYNTH_SYNC, SYNTH_SYNC},
			     .in = {-EIO, -ENODEV}};

	submit_join(&s);
	UT_EQ(finish(), -EIO);
}

static void test_quorum(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_QUORUM,
			     .quorum = 2,
			     .n = 3,
			     .mode = {SYNTH_SYNC, SYNTH_DEFERRED, SYNTH_SYNC},
			     .in = {4, 5, 6}};
	struct jt_state bad = {.policy = ASYNC_JOIN_QUORUM,
			       .quorum = 2,
			       .n = 3,
			       .mode = {SYNTH_SYNC, SYNTH_DEFERRED, SYNTH_SYNC},
			       .in = {-EIO, 5, -ENODEV}};

	submit_join(&s);
	UT_EQ(finish(), 4);
	UT_EQ(last.out[1], -ECANCELED);
	submit_join(&bad); /* two failures of three: quorum 2 impossible */
	UT_EQ(finish(), -EIO);
}

static void test_parent_cancel_cancels_children(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_ALL,
			     .n = 4,
			     .mode = {SYNTH_DEFERRED, SYNTH_DEFERRED, SYNTH_DEFERRED, SYNTH_SYNC},
			     .in = {1, 2, 3, 4}};

	submit_join(&s);
	UT_EQ(synth_deferred_count(), 3);
	UT_EQ(async_waiter_cancel(w, 0), 0);
	UT_EQ(finish(), -ECANCELED);
	UT_EQ(last.out[3], 4);
}

static void test_bad_spec_fails_op(void)
{
	struct jt_state s = {.policy = ASYNC_JOIN_QUORUM, .quorum = 4, .n = 3};
	struct jt_state none = {.policy = ASYNC_JOIN_ALL, .n = 0};

	submit_join(&s);
	UT_EQ(finish(), -EINVAL);
	submit_join(&none);
	UT_EQ(finish(), -EINVAL);
}

/* The op pool runs dry while the children are allocated: the join fails cleanly. */
static void test_child_pool_exhaustion_is_enomem(void)
{
	static struct async_op *hog[ASYNC_OPS_MAX];
	struct jt_state s = {.policy = ASYNC_JOIN_ALL,
			     .n = 3,
			     .mode = {SYNTH_SYNC, SYNTH_SYNC, SYNTH_SYNC},
			     .in = {1, 2, 3}};
	unsigned n = 0;

	while (n < ASYNC_OPS_MAX && (hog[n] = async_op_alloc(NULL)))
		n++;
	UT_EQ(n, ASYNC_OPS_MAX);
	async_op_discard(hog[--n]); /* room for the parent and one child */
	async_op_discard(hog[--n]);
	submit_join(&s);
	while (n)
		async_op_discard(hog[--n]);
	UT_EQ(finish(), -ENOMEM);
}

static int setup_nothing(struct async_op *child, unsigned i, void *arg)
{
	(void)child;
	(void)i;
	(void)arg;
	return 0; /* a buggy setup: succeeds but gives the child no frame */
}

static int64_t empty_start(struct async_op *op, void *state)
{
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_ALL, .nchildren = 2, .setup = setup_nothing};

	(void)state;
	return async_join(op, &spec);
}

static const struct async_layer empty_layer = {.name = "empty-join", .start = empty_start};

/* Used to panic when join_start submitted the frameless child. */
static void test_setup_pushing_nothing_fails_einval(void)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_ASSERT(async_push(op, &empty_layer));
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(finish(), -EINVAL);
}

/*
 * Join fan-in: a chain of joins @depth deep, each with ASYNC_JOIN_MAX
 * children of which one is the next join and the others complete at once.
 * When the leaf device completes, every level's parent completes in turn;
 * were each parent completed inside its last child's call chain, the C stack
 * would grow by one level per join.
 */
static struct stack_probe nest_probe;

struct nest_state {
	unsigned depth;
};

static int64_t nest_start(struct async_op *op, void *state);

static int64_t nest_resume(struct async_op *op, void *state, int64_t r)
{
	(void)op;
	(void)state;
	stack_probe_note(&nest_probe);
	return r;
}

static const struct async_layer nest_layer = {
    .name = "nest",
    .state_size = sizeof(struct nest_state),
    .start = nest_start,
    .resume = nest_resume,
};

static int nest_setup(struct async_op *child, unsigned i, void *arg)
{
	struct nest_state *parent = arg, *s;

	if (i > 0)
		return synth_push(child, SYNTH_SYNC, 0);
	s = async_push(child, &nest_layer);
	if (!s)
		return (int)async_op_push_error(child);
	s->depth = parent->depth - 1;
	return 0;
}

static int64_t nest_start(struct async_op *op, void *state)
{
	struct nest_state *s = state;
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_ALL, .nchildren = ASYNC_JOIN_MAX, .setup = nest_setup, .arg = s};
	int err;

	if (s->depth == 0) {
		err = synth_push(op, SYNTH_DEFERRED, 1);
		return err ? err : ASYNC_CALL;
	}
	return async_join(op, &spec);
}

static uintptr_t join_chain_depth(unsigned depth)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);
	struct nest_state *s;
	struct async_event ev;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	s = async_push(op, &nest_layer);
	UT_ASSERT(s);
	s->depth = depth;
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(synth_deferred_count(), 1);
	stack_probe_begin(&nest_probe);
	UT_ASSERT(synth_complete_next(0));  /* the leaf: every level completes from here */
	UT_EQ(nest_probe.notes, depth + 1); /* every level and the leaf */
	ev = wait_one(w);
	UT_EQ(ev.result, 1);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
	return stack_probe_depth(&nest_probe);
}

static void test_join_fan_in_stack_depth_is_bounded(void)
{
	uintptr_t small = join_chain_depth(10), big = join_chain_depth(700);

	UT_ASSERT(small < 16384);
	if (big > small + 512)
		UT_FAIL("10 joins deep: %lu bytes of stack, 700 deep: %lu bytes",
			(unsigned long)small, (unsigned long)big);
}

static const struct utest tests[] = {
    UTEST(test_setup_pushing_nothing_fails_einval),
    UTEST(test_join_fan_in_stack_depth_is_bounded),
    UTEST(test_all_sums_results),
    UTEST(test_all_waits_for_every_child_on_error),
    UTEST(test_cancel_on_error_cancels_the_rest),
    UTEST(test_first_success_wins),
    UTEST(test_first_all_fail),
    UTEST(test_quorum),
    UTEST(test_parent_cancel_cancels_children),
    UTEST(test_bad_spec_fails_op),
    UTEST(test_child_pool_exhaustion_is_enomem),
};
UTEST_MAIN("join", tests)
