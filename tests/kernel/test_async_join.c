/*
 * test_async_join.c - a RAID1-style join in the kernel: a "raid1" layer joins
 * two child ops, one per mirror, each a timer-IRQ device answering at its own
 * time. ALL waits for both and sums; FIRST takes the first success, cancels
 * the slower mirror (its device aborts) and still resumes only after both
 * children are done; a failing mirror does not win FIRST.
 *
 * The raid1 resume runs in the IRQ of the last child: it records what it saw
 * (devices still live, per-mirror results) for the case's thread to check.
 */
#include "test_async.h"

#include <kernel/sched.h>

struct mirror {
	uint64_t delay_ns;
	int64_t result;
};

struct raid1_frame {
	enum async_join_policy policy; /* [I] */
	struct mirror m[2];	       /* [I] */
	int64_t res[2];		       /* [O] per-child results, filled by the join */
};
ASYNC_FRAME_STATE_CHECK(struct raid1_frame);

static struct {
	int64_t res[2];
	int64_t result;
	unsigned long live_at_resume; /* device requests not yet done when raid1 resumed */
	uint64_t at_ns;
	unsigned resumes;
} raid1_seen; /* [irq] written by the resume, read after the event */

static int raid1_child(struct async_op *child, unsigned i, void *arg)
{
	const struct raid1_frame *f = arg;

	return tdev_push(child, f->m[i].delay_ns, f->m[i].result, 0);
}

static int64_t raid1_start(struct async_op *op, void *state)
{
	struct raid1_frame *f = state;
	struct async_join_spec spec = {
	    .policy = f->policy,
	    .nchildren = 2,
	    .setup = raid1_child,
	    .arg = f,
	    .results = f->res,
	};

	return async_join(op, &spec);
}

static int64_t raid1_resume(struct async_op *op, void *state, int64_t r)
{
	struct raid1_frame *f = state;

	(void)op;
	raid1_seen.res[0] = f->res[0];
	raid1_seen.res[1] = f->res[1];
	raid1_seen.result = r;
	raid1_seen.live_at_resume = tdev_live();
	raid1_seen.at_ns = clock_now_ns();
	raid1_seen.resumes++;
	return r;
}

static const struct async_layer raid1_layer = {
    .name = "raid1",
    .state_size = sizeof(struct raid1_frame),
    .start = raid1_start,
    .resume = raid1_resume,
};

/* Runs one RAID1 read to its event; returns the result, or fails the case. */
static int64_t raid1_read(enum async_join_policy policy, struct mirror m0, struct mirror m1)
{
	struct async_waiter *w;
	struct async_op *op = async_op_alloc(NULL);
	struct raid1_frame *f;
	struct async_event ev;

	KT_ASSERT(op != NULL);
	f = async_push(op, &raid1_layer);
	KT_ASSERT(f != NULL);
	f->policy = policy;
	f->m[0] = m0;
	f->m[1] = m1;
	tdev_reset();
	raid1_seen.resumes = 0;
	KT_EQ(async_waiter_create(1, &w), 0);
	kt_async_submit(w, 0, op);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_EQ(raid1_seen.resumes, 1);
	KT_EQ(raid1_seen.result, ev.result);
	/* The join resumed the parent only once both children were done. */
	KT_EQ(raid1_seen.live_at_resume, 0);
	KT_EQ(tdev_stats.fired + tdev_stats.aborted, 2);
	KT_EQ(tdev_stats.fired_irqs_on, 0);
	return ev.result;
}

#define MS(n) ((n)*NSEC_PER_MSEC)

KTEST(async_join_raid1_all)
{
	struct kt_async_idle idle;
	uint64_t t0;

	kt_async_idle_take(&idle);
	t0 = clock_now_ns();
	KT_EQ(raid1_read(ASYNC_JOIN_ALL, (struct mirror){MS(10), 4096},
			 (struct mirror){MS(40), 4096}),
	      8192);
	KT_EQ(raid1_seen.res[0], 4096);
	KT_EQ(raid1_seen.res[1], 4096);
	KT_EQ(tdev_stats.fired, 2);
	KT_ASSERT(raid1_seen.at_ns >= t0 + MS(40)); /* waited for the slower mirror */
	KT_ASYNC_IDLE(&idle);
	/* An error in either mirror is the result of ALL. */
	KT_EQ(raid1_read(ASYNC_JOIN_ALL, (struct mirror){MS(10), 4096},
			 (struct mirror){MS(20), -EIO}),
	      -EIO);
	KT_EQ(raid1_seen.res[0], 4096);
	KT_EQ(raid1_seen.res[1], -EIO);
	KT_ASYNC_IDLE(&idle);
}

KTEST(async_join_raid1_first)
{
	struct kt_async_idle idle;
	uint64_t t0;

	kt_async_idle_take(&idle);
	/* Mirror 1 answers at 10 ms; mirror 0 (300 ms) is cancelled. */
	t0 = clock_now_ns();
	KT_EQ(raid1_read(ASYNC_JOIN_FIRST, (struct mirror){MS(300), 111},
			 (struct mirror){MS(10), 222}),
	      222);
	KT_EQ(raid1_seen.res[1], 222);
	KT_EQ(raid1_seen.res[0], -ECANCELED);
	KT_EQ(tdev_stats.fired, 1);
	KT_EQ(tdev_stats.aborted, 1);
	KT_ASSERT(raid1_seen.at_ns >= t0 + MS(10));
	KT_ASSERT(raid1_seen.at_ns < t0 + MS(300)); /* did not wait for the slow mirror */
	KT_ASYNC_IDLE(&idle);
	/* The fast mirror fails: FIRST waits for a success from the other. */
	t0 = clock_now_ns();
	KT_EQ(raid1_read(ASYNC_JOIN_FIRST, (struct mirror){MS(10), -EIO},
			 (struct mirror){MS(40), 333}),
	      333);
	KT_EQ(raid1_seen.res[0], -EIO);
	KT_EQ(raid1_seen.res[1], 333);
	KT_EQ(tdev_stats.fired, 2);
	KT_ASSERT(raid1_seen.at_ns >= t0 + MS(40));
	KT_ASYNC_IDLE(&idle);
	/* Both fail: the first error. */
	KT_EQ(raid1_read(ASYNC_JOIN_FIRST, (struct mirror){MS(20), -EIO},
			 (struct mirror){MS(10), -ENODEV}),
	      -ENODEV);
	KT_ASYNC_IDLE(&idle);
}
