/*
 * op_cost: the per-op lock count of docs/async.md section 16, measured. The
 * host port counts each thread's spinlock acquisitions; a NOP that finishes
 * inside its submit, collected with async_wait_event, must take no more than
 * the documented number. A change that adds a lock section to the common
 * path fails here, not only in a benchmark.
 */
#include "synth.h"
#include "utest.h"

/* Documented in docs/async.md section 16 and docs/porting.md: waiter 4 (arm;
 * async_op_alloc_for, which takes the op from the waiter's cache and binds it
 * to the slot; the post, which puts the op back into that cache; wait_event),
 * no op lock (an op that completes inside its submit is never seen by another
 * thread before its post) and no pool lock. Was 12, then 8 (waiter 4, op 2,
 * op pool 2): the op sections at start and finish and the pool's alloc and
 * free are gone, attach merged into the cached alloc. */
#define NOP_ROUNDTRIP_LOCKS 4
/* The shared rings' path (sys_ring.c): async_op_alloc_armed arms the slot and
 * takes the cached op in one waiter section; then the post; then the wait
 * (on the ring: the flush of SYS_ring_enter, once per call, not per op). */
#define NOP_ARMED_ROUNDTRIP_LOCKS 3

static unsigned long nop_roundtrip_locks(struct async_waiter *w)
{
	unsigned long before = host_locks_taken();
	struct async_event ev;

	UT_EQ(submit_synth(w, 0, SYNTH_RETURN, 7), 0);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	UT_EQ(ev.slot, 0);
	UT_EQ(ev.result, 7);
	return host_locks_taken() - before;
}

static void test_nop_roundtrip_takes_documented_lock_count(void)
{
	struct async_waiter *w;
	unsigned long n;
	int i;

	UT_EQ(async_waiter_create(1, &w), 0);
	nop_roundtrip_locks(w); /* warm: first use may fill lazily */
	for (i = 0; i < 3; i++) {
		n = nop_roundtrip_locks(w);
		if (n != NOP_ROUNDTRIP_LOCKS)
			printf("NOP round trip took %lu lock sections, documented %d\n", n,
			       NOP_ROUNDTRIP_LOCKS);
		UT_ASSERT(n <= NOP_ROUNDTRIP_LOCKS);
	}
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

static unsigned long nop_armed_roundtrip_locks(struct async_waiter *w)
{
	unsigned long before = host_locks_taken();
	struct async_handle h;
	struct async_event ev;
	struct async_op *op;

	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &op), 0);
	UT_ASSERT(op != NULL);
	UT_EQ(synth_push(op, SYNTH_RETURN, 7), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	UT_EQ(ev.result, 7);
	return host_locks_taken() - before;
}

static void test_armed_nop_roundtrip_takes_documented_lock_count(void)
{
	struct async_waiter *w;
	unsigned long n;
	int i;

	UT_EQ(async_waiter_create(1, &w), 0);
	nop_armed_roundtrip_locks(w); /* warm: the first op comes from the pool */
	for (i = 0; i < 3; i++) {
		n = nop_armed_roundtrip_locks(w);
		if (n != NOP_ARMED_ROUNDTRIP_LOCKS)
			printf("armed NOP round trip took %lu lock sections, documented %d\n", n,
			       NOP_ARMED_ROUNDTRIP_LOCKS);
		UT_ASSERT(n <= NOP_ARMED_ROUNDTRIP_LOCKS);
	}
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/*
 * The clock: an op that runs to its end inside its submit reads it not at
 * all, one that parks reads it once (its submit time and its frames' start
 * times are stamped then, for introspection), and a polling wait_event not
 * at all. On the host a clock read costs about as much as a lock section.
 */
static void test_nop_roundtrip_reads_no_clock_and_a_parked_op_one(void)
{
	struct async_waiter *w;
	struct async_event ev;
	unsigned long before;

	UT_EQ(async_waiter_create(1, &w), 0);
	UT_EQ(submit_synth(w, 0, SYNTH_RETURN, 7), 0); /* warm */
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	before = host_clock_reads();
	UT_EQ(submit_synth(w, 0, SYNTH_RETURN, 7), 0);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	UT_EQ(host_clock_reads() - before, 0);
	before = host_clock_reads();
	UT_EQ(submit_synth(w, 0, SYNTH_DEFERRED, 8), 0);
	UT_EQ(host_clock_reads() - before, 1);
	UT_ASSERT(synth_complete_next(0));
	UT_EQ(wait_one(w).result, 8);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* The rings' batch (SYS_ring_enter): with a post batch, an op that finishes
 * inside its submit posts its final event in the section that arms the next
 * slot, so N NOPs take N arm sections, one post for the last (the batch's
 * end) and the wait: N + 2, where each op alone took 2 (arm, post). */
#define BATCH_OPS 8

static unsigned long nop_batch_locks(struct async_waiter *w)
{
	unsigned long before = host_locks_taken();
	struct async_post_batch b = {0};
	struct async_event ev[BATCH_OPS];
	struct async_handle h;
	struct async_op *op;
	unsigned i;

	for (i = 0; i < BATCH_OPS; i++) {
		UT_EQ(async_op_alloc_armed_batch(&b, w, i, NULL, &h, &op), 0);
		UT_ASSERT(op != NULL);
		UT_EQ(synth_push(op, SYNTH_RETURN, 100 + i), 0);
		UT_EQ(async_op_submit(op, &h), 0);
		UT_ASSERT(b.op == op); /* held, not posted */
	}
	async_post_batch_end(&b);
	UT_ASSERT(b.op == NULL);
	UT_EQ(async_wait_event(w, ev, BATCH_OPS, 0), BATCH_OPS);
	for (i = 0; i < BATCH_OPS; i++) { /* each once, in submission order */
		UT_EQ(ev[i].slot, i);
		UT_EQ(ev[i].result, 100 + i);
	}
	return host_locks_taken() - before;
}

static void test_batched_nops_take_one_waiter_section_each(void)
{
	struct async_waiter *w;
	unsigned long n;
	int i;

	UT_EQ(async_waiter_create(BATCH_OPS, &w), 0);
	nop_batch_locks(w); /* warm: the first ops come from the pool */
	for (i = 0; i < 3; i++) {
		n = nop_batch_locks(w);
		if (n != BATCH_OPS + 2)
			printf("%d batched NOPs took %lu lock sections, documented %d\n", BATCH_OPS,
			       n, BATCH_OPS + 2);
		UT_ASSERT(n <= BATCH_OPS + 2);
	}
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* A held event is posted by the next arm (before that op runs) or by the
 * batch's end, each exactly once, and not before. */
static void test_post_batch_posts_the_held_event_with_the_next_arm(void)
{
	struct async_post_batch b = {0};
	struct async_event ev[2];
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op;

	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_op_alloc_armed_batch(&b, w, 0, NULL, &h, &op), 0);
	UT_EQ(synth_push(op, SYNTH_RETURN, 5), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(async_wait_event(w, ev, 2, 0), 0); /* held */
	UT_EQ(async_op_alloc_armed_batch(&b, w, 1, NULL, &h, &op), 0);
	UT_EQ(async_wait_event(w, ev, 2, 0), 1); /* posted by the arm */
	UT_EQ(ev[0].slot, 0);
	UT_EQ(ev[0].result, 5);
	UT_EQ(synth_push(op, SYNTH_RETURN, 6), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_EQ(async_wait_event(w, ev, 2, 0), 0);
	async_post_batch_end(&b);
	UT_EQ(async_wait_event(w, ev, 2, 0), 1);
	UT_EQ(ev[0].slot, 1);
	UT_EQ(ev[0].result, 6);
	async_post_batch_end(&b); /* nothing held: nothing posted */
	UT_EQ(async_wait_event(w, ev, 2, 0), 0);
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* An op that pends forgets the batch: its completion, after the submit,
 * posts itself, and the batch holds nothing to post twice. */
static void test_post_batch_leaves_a_pending_op_alone(void)
{
	struct async_post_batch b = {0};
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op;

	UT_EQ(async_waiter_create(2, &w), 0);
	UT_EQ(async_op_alloc_armed_batch(&b, w, 0, NULL, &h, &op), 0);
	UT_ASSERT(op != NULL);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 9), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_ASSERT(b.op == NULL);
	UT_ASSERT(synth_complete_next(0));
	UT_ASSERT(b.op == NULL);
	UT_EQ(wait_one(w).result, 9);
	async_post_batch_end(&b);
	UT_EQ(async_wait_event(w, &(struct async_event){0}, 1, 0), 0); /* nothing twice */
	UT_EQ(async_waiter_destroy(w), 0);
	UT_EQ(pools_in_use(), 0);
}

/* async_op_stats' submitted / completed, now counted from the waiters (no shared
 * counter on a slot op's path): how far each count has moved since @s0. */
static void stats_moved(const struct async_op_stats *s0, unsigned long sub, unsigned long comp)
{
	struct async_op_stats s;

	async_op_stats(&s);
	UT_EQ(s.submitted - s0->submitted, sub);
	UT_EQ(s.completed - s0->completed, comp);
}

static void count_done(struct async_op *op, int64_t res, void *arg)
{
	(void)op;
	*(int64_t *)arg = res;
}

static void test_op_stats_count_slot_ops_from_the_waiters(void)
{
	struct async_post_batch b = {0};
	struct async_op_stats s0;
	struct async_waiter *w;
	struct async_handle h;
	struct async_op *op;
	int64_t done_res = 0;

	async_op_stats(&s0);
	UT_EQ(async_waiter_create(3, &w), 0);
	/* Bound while preparing: not submitted yet; discarded: never counted. */
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &op), 0);
	UT_ASSERT(op != NULL);
	stats_moved(&s0, 0, 0);
	async_op_discard(op);
	async_waiter_disarm(&h);
	stats_moved(&s0, 0, 0);
	/* Pending on a device: in flight until the post of its final event. */
	UT_EQ(async_op_alloc_armed(w, 0, NULL, &h, &op), 0);
	UT_EQ(synth_push(op, SYNTH_DEFERRED, 5), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	stats_moved(&s0, 1, 0);
	UT_ASSERT(synth_complete_next(5));
	stats_moved(&s0, 1, 1);
	/* An unbound op, attached at submit. */
	UT_EQ(submit_synth(w, 1, SYNTH_RETURN, 6), 0);
	stats_moved(&s0, 2, 2);
	/* Held by a post batch: submitted, completed only when the batch posts it. */
	UT_EQ(async_op_alloc_armed_batch(&b, w, 2, NULL, &h, &op), 0);
	UT_EQ(synth_push(op, SYNTH_RETURN, 7), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	UT_ASSERT(b.op != NULL);
	stats_moved(&s0, 3, 2);
	async_post_batch_end(&b);
	stats_moved(&s0, 3, 3);
	/* A done callback's op. */
	op = async_op_alloc(NULL);
	UT_EQ(synth_push(op, SYNTH_RETURN, 8), 0);
	UT_EQ(async_op_submit_fn(op, count_done, &done_res), 0);
	UT_EQ(done_res, 8);
	stats_moved(&s0, 4, 4);
	/* The counts outlive the waiter. */
	while (async_wait_event(w, &(struct async_event){0}, 1, 0) == 1)
		;
	UT_EQ(async_waiter_destroy(w), 0);
	stats_moved(&s0, 4, 4);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_op_stats_count_slot_ops_from_the_waiters),
    UTEST(test_batched_nops_take_one_waiter_section_each),
    UTEST(test_post_batch_posts_the_held_event_with_the_next_arm),
    UTEST(test_post_batch_leaves_a_pending_op_alone),
    UTEST(test_nop_roundtrip_reads_no_clock_and_a_parked_op_one),
    UTEST(test_nop_roundtrip_takes_documented_lock_count),
    UTEST(test_armed_nop_roundtrip_takes_documented_lock_count),
};
UTEST_MAIN("op_cost", tests)
