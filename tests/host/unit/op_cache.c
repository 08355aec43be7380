/*
 * op_cache: the per-waiter op cache of the lean op (async_op_alloc_for).
 * An op whose final event goes to a waiter returns to that waiter's cache and
 * is reused from there without the pool lock; these cases pin what must stay
 * true meanwhile: the pool's counters say what is really in use, the
 * introspection walk does not report cached ops, a slot's cancel reaches an
 * op bound to it while it is being prepared, a discarded bound op leaves the
 * slot armed and empty, a late completion naming an op's previous life is
 * still dropped, and ops parked in caches come back when the pool runs dry.
 */
#include "synth.h"
#include "utest.h"

#include <string.h>

static void find_op_pool(struct async_pool *p, void *arg)
{
	struct async_pool_stats *out = arg;

	if (!strcmp(p->name, "async_op"))
		async_pool_stats(p, out);
}

static struct async_pool_stats op_pool(void)
{
	struct async_pool_stats st = {0};

	async_pool_foreach(find_op_pool, &st);
	return st;
}

static void count_op(const struct async_op_info *oi, void *arg)
{
	(void)oi;
	++*(int *)arg;
}

static int live_ops_seen(void)
{
	int n = 0;

	async_introspect(count_op, NULL, &n);
	return n;
}

/* Arms @slot and submits a deferred op bound to it; returns the op. */
static struct async_op *submit_deferred(struct async_waiter *w, unsigned slot)
{
	struct async_handle h;
	struct async_op *op;

	UT_EQ(async_waiter_arm(w, slot, &h), 0);
	op = async_op_alloc_for(&h, NULL);
	UT_ASSERT(op != NULL);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, (int64_t)slot), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	return op;
}

static void test_second_op_comes_from_the_waiters_cache(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *first, *second;
	unsigned long allocs;

	UT_EQ(async_waiter_create(1, &w), 0);
	first = submit_deferred(w, 0);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 0);
	allocs = op_pool().allocs;
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	second = async_op_alloc_for(&h, NULL);
	UT_ASSERT(second == first);	 /* the same op, back from the cache */
	UT_EQ(op_pool().allocs, allocs); /* the pool was not asked */
	async_op_discard(second);
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_pool_counters_do_not_count_cached_ops_as_in_use(void)
{
	struct async_pool_stats before = op_pool(), st;
	struct async_waiter *w;
	unsigned i;

	UT_EQ(async_waiter_create(4, &w), 0);
	for (i = 0; i < 4; i++)
		submit_deferred(w, i);
	st = op_pool();
	UT_EQ(st.in_use, before.in_use + 4);
	UT_ASSERT(st.high_water >= st.in_use);
	for (i = 0; i < 4; i++) {
		UT_ASSERT(synth_complete_next(0));
		UT_ASSERT(wait_one(w).slot < 4);
	}
	st = op_pool();
	UT_EQ(st.in_use, before.in_use); /* finished: cached, not in use */
	UT_EQ(st.cached, before.cached + 4);
	UT_ASSERT(st.high_water >= before.in_use + 4);
	UT_EQ(async_waiter_destroy(w), 0); /* the cache goes back to the pool */
	st = op_pool();
	UT_EQ(st.in_use, before.in_use);
	UT_EQ(st.cached, before.cached);
}

static void test_introspection_skips_cached_ops(void)
{
	struct async_waiter *w;

	UT_EQ(async_waiter_create(2, &w), 0);
	submit_deferred(w, 0);
	submit_deferred(w, 1);
	UT_EQ(live_ops_seen(), 2);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).slot, 0);
	UT_EQ(live_ops_seen(), 1); /* the finished one sits in the cache, not reported */
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).slot, 1);
	UT_EQ(live_ops_seen(), 0);
	UT_EQ(async_waiter_destroy(w), 0);
}

static void test_slot_cancel_reaches_op_bound_while_preparing(void)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	op = async_op_alloc_for(&h, NULL);
	UT_ASSERT(op != NULL);
	UT_EQ(async_waiter_cancel(w, 0), 0); /* found the op: it starts cancelled */
	UT_EQ(async_op_cancel_reason(op), -ECANCELED);
	UT_EQ(synth_push(op, SYNTH_RETURN, 5), -ECANCELED);
	async_op_discard(op);
	/* Discarding unbound it: the slot is armed with no op, so it can be disarmed. */
	UT_EQ(async_waiter_cancel(w, 0), -ENOENT);
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_bound_op_refuses_other_handles(void)
{
	struct async_waiter *w;
	struct async_handle h0, h1;
	struct async_op *op;

	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_waiter_arm(w, 0, &h0), 0);
	UT_EQ(async_waiter_arm(w, 1, &h1), 0);
	op = async_op_alloc_for(&h0, NULL);
	UT_ASSERT(op != NULL);
	UT_ASSERT(async_op_alloc_for(&h0, NULL) == NULL); /* the slot has its op */
	UT_EQ(synth_push(op, SYNTH_RETURN, 5), 0);
	UT_EQ(async_op_submit(op, &h1), -EINVAL); /* bound to slot 0, freed */
	async_waiter_disarm(&h0);
	async_waiter_disarm(&h1);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_completion_from_a_cached_ops_previous_life_is_dropped(void)
{
	struct async_waiter *w;
	struct async_op_stats st0, st1;
	struct async_handle h;
	struct async_event ev;
	struct async_op *op;
	uint32_t old_token;

	UT_EQ(async_waiter_create(1, &w), 0);
	op = submit_deferred(w, 0);
	old_token = async_op_token(op);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 0);
	async_op_stats(&st0);
	async_op_complete(op, old_token, 99); /* cached now: a driver bug, dropped */
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_ASSERT(async_op_alloc_for(&h, NULL) == op);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 3), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	async_op_complete(op, old_token, 99); /* reused: the old token does not match */
	async_op_stats(&st1);
	UT_EQ(st1.stale_completions - st0.stale_completions, 2);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 0);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 3);
	UT_EQ(async_waiter_destroy(w), 0);
}

/* With the pool empty, an allocation takes back the ops parked in waiters' caches. */
static void test_empty_pool_reclaims_cached_ops(void)
{
	static struct async_op *held[ASYNC_OPS_MAX];
	struct async_waiter *w;
	unsigned i, n = 0, cap = op_pool().capacity, busy = op_pool().in_use;

	UT_EQ(async_waiter_create(4, &w), 0);
	for (i = 0; i < 4; i++)
		submit_deferred(w, i);
	for (i = 0; i < 4; i++) {
		UT_ASSERT(synth_complete_next(0));
		UT_ASSERT(wait_one(w).slot < 4);
	}
	UT_EQ(op_pool().cached, 4);
	while (n < ASYNC_OPS_MAX && (held[n] = async_op_alloc(NULL)))
		n++;
	UT_EQ(n, cap - busy); /* every op, the cached four included */
	UT_EQ(op_pool().cached, 0);
	while (n)
		async_op_discard(held[--n]);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static void test_alloc_armed_arms_and_binds_in_one_call(void)
{
	struct async_waiter *w;
	struct async_handle h, h2;
	struct async_op *op, *again;
	unsigned long allocs;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(async_op_alloc_armed(w, 1, NULL, &h, &op), -EINVAL); /* no slot 1 */
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &op), 0);
	UT_ASSERT(op != NULL);
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h2, &again), -EBUSY); /* armed already */
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 4), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(async_waiter_cancel(w, 0), 0); /* bound: the slot reaches it */
	UT_EQ(wait_one(w).result, -ECANCELED);
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &op), 0);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 4), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 4);
	allocs = op_pool().allocs;
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &again), 0);
	UT_ASSERT(again == op);		 /* the finished op, from the cache */
	UT_EQ(op_pool().allocs, allocs); /* with the arm, without the pool */
	async_op_discard(again);
	async_waiter_disarm(&h);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_alloc_armed_arms_and_binds_in_one_call),
    UTEST(test_second_op_comes_from_the_waiters_cache),
    UTEST(test_pool_counters_do_not_count_cached_ops_as_in_use),
    UTEST(test_introspection_skips_cached_ops),
    UTEST(test_slot_cancel_reaches_op_bound_while_preparing),
    UTEST(test_bound_op_refuses_other_handles),
    UTEST(test_completion_from_a_cached_ops_previous_life_is_dropped),
    UTEST(test_empty_pool_reclaims_cached_ops),
};
UTEST_MAIN("op_cache", tests)
