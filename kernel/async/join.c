/*
 * join.c - one parent op waits for N child ops under a policy (all, first
 * success, quorum of k), optionally cancelling the rest on the first error.
 * RAID0/1, JBOD and parallel reads are built on this one primitive.
 *
 * Interface: `return async_join(op, &spec);` from a layer step (async/async.h).
 *
 * Join state machine (per join frame, under the parent op's lock):
 *
 *   async_join: SETUP (children allocated and given their frames)
 *   join_start: SUBMITTING --every child submitted--> STARTED
 *   join_child_done: each child's result is recorded; the first result that
 *     settles the policy makes the join DECIDED (result fixed); a DECIDED,
 *     STARTED join cancels the children still running (once)
 *   the last child done: async_op_complete(parent, token, result) -> the frame
 *     pops (run after the child's trampoline lets go, not nested in it)
 *
 * Guarantees: the parent resumes only after EVERY child completed, so no
 * child still touches the parent's buffers; the result is fixed by the first
 * deciding child; children are cancelled only after they were all submitted
 * (a child cancelled while still PREPARING would not notice).
 *
 * Ordering: the join frame lives on the parent's stack and stays put while the
 * parent is pending in it, so children (any context, any CPU) may update it
 * under the parent's lock; the completion of the parent passes the result.
 */
#include "async_int.h"

struct join_state {
	struct async_op *parent;		/* [I] */
	enum async_join_policy policy;		/* [I] */
	unsigned quorum, flags, n;		/* [I] */
	int64_t *results;			/* [I] optional per-child results */
	unsigned ndone, nsucc, nerr;		/* [L] parent->lock */
	bool started, decided, cancelled_rest;	/* [L] */
	int64_t result;				/* [L] valid iff decided */
	int64_t first_ok, first_err, sum;	/* [L] */
	uint32_t token;				/* [I] the parent's pending period */
	struct async_op *child[ASYNC_JOIN_MAX]; /* [L] NULL once that child completed */
};
ASYNC_FRAME_STATE_CHECK(struct join_state);

static int64_t join_start(struct async_op *op, void *state);
static void join_cancel(struct async_op *op, void *state);

static const char *join_waiting_on(const void *state)
{
	(void)state;
	return "child ops";
}

static const struct async_layer join_layer = {
    .name = "join",
    .state_size = sizeof(struct join_state),
    .start = join_start,
    .cancel = join_cancel,
    .waiting_on = join_waiting_on,
};

/* Records one child result and settles the policy if it can; caller holds the lock. */
static void __join_record(struct join_state *st, int64_t r)
{
	bool early_error = r < 0 && (st->flags & ASYNC_JOIN_CANCEL_ON_ERROR);

	st->ndone++;
	if (r >= 0) {
		if (st->nsucc++ == 0)
			st->first_ok = r;
		st->sum += r;
	} else if (st->nerr++ == 0) {
		st->first_err = r;
	}
	if (st->decided)
		return;
	if (early_error) {
		st->decided = true;
		st->result = r;
	} else if (st->policy == ASYNC_JOIN_ALL && st->ndone == st->n) {
		st->decided = true;
		st->result = st->nerr ? st->first_err : st->sum;
	} else if (st->policy != ASYNC_JOIN_ALL) {
		unsigned need = st->policy == ASYNC_JOIN_FIRST ? 1 : st->quorum;

		if (st->nsucc >= need || st->n - st->nerr < need) {
			st->decided = true;
			st->result = st->nsucc >= need ? st->first_ok : st->first_err;
		}
	}
}

/*
 * Takes a reference on every child still running, into @live; caller holds
 * the parent's lock. Cancelling goes through these references only, never
 * through the join frame: once the lock is dropped the last child may
 * complete the parent, which pops the frame.
 */
static unsigned __join_collect(struct join_state *st, struct async_op **live)
{
	unsigned i, n = 0;

	for (i = 0; i < st->n; i++) {
		if (st->child[i]) {
			live[n] = st->child[i];
			async_op_get(live[n++]);
		}
	}
	return n;
}

/* Cancels and releases collected children. Called without the lock. */
static void join_cancel_collected(struct async_op **live, unsigned n, int reason)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		async_op_cancel(live[i], reason);
		async_op_put(live[i]);
	}
}

/* Decided, started and not yet done: the rest must be cancelled, once. Lock held. */
static bool __join_should_cancel(struct join_state *st)
{
	if (!st->decided || !st->started || st->cancelled_rest || st->ndone == st->n)
		return false;
	st->cancelled_rest = true;
	return true;
}

static void join_child_done(struct async_op *child, int64_t r, void *arg)
{
	struct join_state *st = arg;
	struct async_op *parent = st->parent, *live[ASYNC_JOIN_MAX];
	unsigned long flags = async_spin_lock_irqsave(&parent->lock);
	unsigned i, nlive = 0;
	uint32_t token = st->token;
	int64_t result;
	bool all;

	for (i = 0; i < st->n && st->child[i] != child; i++)
		;
	ASYNC_ASSERT(i < st->n);
	st->child[i] = NULL;
	if (st->results)
		st->results[i] = r;
	__join_record(st, r);
	all = st->ndone == st->n;
	result = st->result;
	if (__join_should_cancel(st))
		nlive = __join_collect(st, live);
	async_spin_unlock_irqrestore(&parent->lock, flags);
	/* From here on @st may be gone (see __join_collect). */
	join_cancel_collected(live, nlive, -ECANCELED);
	if (all)
		async_op_complete(parent, token, result);
}

static int64_t join_start(struct async_op *op, void *state)
{
	struct join_state *st = state;
	struct async_op *live[ASYNC_JOIN_MAX];
	unsigned long flags;
	unsigned i, nlive = 0;

	/* The parent is busy in this step, so its frame stays put even if every
	 * child completes synchronously: their completion of the parent waits.
	 * Children submitted here run once this step has returned (op.c defers
	 * them to the running trampoline). */
	st->token = async_op_token(op);
	for (i = 0; i < st->n; i++) {
		struct async_op *child = st->child[i];

		if (async_op_submit_fn(child, join_child_done, st))
			async_port_panic("join: child %u had a failed push after setup", i);
	}
	flags = async_spin_lock_irqsave(&op->lock);
	st->started = true;
	if (__join_should_cancel(st))
		nlive = __join_collect(st, live);
	async_spin_unlock_irqrestore(&op->lock, flags);
	join_cancel_collected(live, nlive, -ECANCELED);
	return ASYNC_PENDING;
}

static void join_cancel(struct async_op *op, void *state)
{
	struct async_op *live[ASYNC_JOIN_MAX];
	unsigned long flags = async_spin_lock_irqsave(&op->lock);
	unsigned nlive = __join_collect(state, live);

	async_spin_unlock_irqrestore(&op->lock, flags);
	/* The parent's reason travels down: a timeout reaches the device as -ETIMEDOUT. */
	join_cancel_collected(live, nlive, async_op_cancel_reason(op));
}

static int join_check_spec(const struct async_join_spec *spec)
{
	if (spec->nchildren == 0 || spec->nchildren > ASYNC_JOIN_MAX || !spec->setup)
		return -EINVAL;
	if (spec->policy == ASYNC_JOIN_QUORUM &&
	    (spec->quorum == 0 || spec->quorum > spec->nchildren))
		return -EINVAL;
	if (spec->policy > ASYNC_JOIN_QUORUM)
		return -EINVAL;
	return 0;
}

int64_t async_join(struct async_op *parent, const struct async_join_spec *spec)
{
	struct join_state *st;
	unsigned i;
	int err = join_check_spec(spec);

	if (err)
		return err;
	st = async_push(parent, &join_layer);
	if (!st)
		return async_op_push_error(parent);
	st->parent = parent;
	st->policy = spec->policy;
	st->quorum = spec->quorum;
	st->flags = spec->flags;
	st->n = spec->nchildren;
	st->results = spec->results;
	for (i = 0; i < st->n; i++) {
		st->child[i] = async_op_alloc(parent->heap);
		if (!st->child[i]) {
			err = -ENOMEM;
			goto out_discard_children;
		}
		err = spec->setup(st->child[i], i, spec->arg);
		if (!err && st->child[i]->push_err)
			err = (int)st->child[i]->push_err;
		if (!err && !st->child[i]->top)
			err = -EINVAL; /* the setup pushed nothing: the child has no work */
		if (err) {
			i++;
			goto out_discard_children;
		}
	}
	return ASYNC_CALL;

out_discard_children:
	while (i-- > 0)
		if (st->child[i])
			async_op_discard(st->child[i]);
	__async_pop(parent);
	return err;
}
