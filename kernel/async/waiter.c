/*
 * waiter.c - waiters: N slots, a ring of ready events, sleep until events.
 *
 * Interface: async_waiter_create/destroy, async_waiter_arm/disarm (a handle
 * per op), async_waiter_post and async_waiter_post_now (any context),
 * async_wait_event (threads), async_waiter_cancel. See async/async.h.
 *
 * Slot state machine (transition: function):
 *
 *   FREE --async_waiter_arm--> ARMED (generation + 1, handle handed out, a ring
 *        entry reserved for the final event; -EAGAIN when none is left)
 *   ARMED --async_waiter_disarm--> FREE           (op never submitted)
 *   ARMED --post with ASYNC_EV_MORE--> ARMED      (one more event in the ring)
 *   ARMED --post, final--> POSTED                 (final event in the ring)
 *   POSTED --async_wait_event consumes the final event--> FREE
 *   FREE --async_waiter_post_now--> POSTED  (arm and final post in one section,
 *        for work that finished in its start: no op ever holds the slot)
 *
 * A post whose handle's epoch or generation differs, or whose slot is not
 * ARMED, is stale: it is counted and dropped, so a late completion can never
 * complete a slot that was reused.
 *
 * Ring sizing: the ring has room for at least one event per slot, and every
 * ARMED slot keeps one entry reserved for its final event (count + armed <=
 * capacity always holds). The reservation is taken at arm time: arming fails
 * with -EAGAIN while the ring (multishot events not yet collected plus the
 * armed slots' reservations) is full, so a final post never fails, and a
 * multishot post fails with -EAGAIN only when it would eat into the
 * reservations.
 *
 * Ordering: the ring, slots and counters are under w->lock. A poster appends
 * and broadcasts while holding the lock; a sleeper checks the ring and goes to
 * sleep atomically with releasing the lock (async_port_cond_wait), so a post
 * between the check and the sleep cannot be missed. Broadcasting under the
 * lock also keeps the waiter alive until the post is done with it.
 *
 * Sink (async_waiter_set_sink): with a sink attached, a post first offers
 * the event to sink->push (under w->lock), but only while nothing is held in
 * the ring, so one slot's events reach the sink in the order they were
 * posted. A final event the sink takes frees its slot at once (ARMED ->
 * FREE). What the sink refuses goes into the ring as without a sink ("held"),
 * and async_waiter_flush offers the held events again, oldest first.
 *
 * Op cache (the lean op): up to ASYNC_WAITER_OP_CACHE finished ops, [L].
 * An op's final post puts it there in the same lock section when its
 * in-flight reference is the last (__cache_keep); async_op_alloc_for /
 * async_op_alloc_armed take it back in the section that binds it to its
 * slot, so neither end takes the pool lock. The pool's counters are kept
 * true with async_pool_cache_take/put; destroy and a dry op pool
 * (__async_waiter_cache_reclaim) give the cached ops back.
 *
 * Op counts (async_op_stats): an op that completes to a slot is counted in
 * its waiter, under w->lock, by the post that delivers its final event
 * (finals), and is in flight while its slot holds it submitted
 * (__async_waiter_op_counts counts those slots); nothing global and no
 * atomic read-modify-write on the op's path. A destroyed waiter's finals
 * move to finals_gone.
 */
#include "async_int.h"

enum { SLOT_FREE, SLOT_ARMED, SLOT_POSTED };

struct async_slot {
	uint32_t gen;	     /* [L] generation of the current / last handle */
	uint8_t state;	     /* [L] SLOT_* */
	struct async_op *op; /* [L] the op bound to the slot, valid iff ARMED and submitted */
};

/* Slots and ring entries come in blocks, so one static pool serves every waiter size. */
struct async_slot_block {
	struct async_slot slot[ASYNC_SLOTS_PER_BLOCK];
	struct async_event ring[ASYNC_SLOTS_PER_BLOCK];
};

#define WAITER_BLOCKS_MAX                                                                          \
	((ASYNC_WAITER_SLOTS_MAX + ASYNC_SLOTS_PER_BLOCK - 1) / ASYNC_SLOTS_PER_BLOCK)

struct async_waiter {
	/* First word: the pool links free objects through it, so the fields a
	 * stale handle looks at (lock, epoch) survive a destroyed waiter. */
	void *pool_link;
	async_spinlock_t lock;
	struct async_port_cond cond;
	uint32_t epoch;		 /* [L] incarnation, 0 once destroyed */
	unsigned nslots;	 /* [I] */
	unsigned nblocks;	 /* [I] */
	unsigned ring_cap;	 /* [I] nblocks * ASYNC_SLOTS_PER_BLOCK >= nslots */
	unsigned head;		 /* [L] oldest event */
	unsigned count;		 /* [L] events in the ring */
	unsigned narmed;	 /* [L] slots in SLOT_ARMED */
	unsigned sleepers;	 /* [L] threads in async_wait_event's sleep */
	struct async_sink *sink; /* [L][a] set once while idle, cleared by destroy */
	unsigned long sunk;	 /* [L] events the sink accepted */
	struct async_op *cache;	 /* [L] finished ops kept for reuse, linked by cache_next */
	unsigned ncached;	 /* [L] ops on @cache, <= ASYNC_WAITER_OP_CACHE */
	unsigned long finals;	 /* [L] ops whose final event was posted here (async_op_stats) */
	unsigned long posted, stale_posts, overflows, waits, timeouts; /* [L] */
	struct async_slot_block *blocks[WAITER_BLOCKS_MAX];	       /* [I] */
};

ASYNC_POOL_DEFINE(async_waiter_pool, "async_waiter", struct async_waiter, ASYNC_WAITERS_MAX);
ASYNC_POOL_DEFINE(async_slot_block_pool, "async_slot_block", struct async_slot_block,
		  ASYNC_SLOT_BLOCKS_MAX);

static uint32_t next_epoch;	  /* [a] */
static unsigned long finals_gone; /* [a] finals of destroyed waiters */

static struct async_slot *slot_at(struct async_waiter *w, unsigned i)
{
	return &w->blocks[i / ASYNC_SLOTS_PER_BLOCK]->slot[i % ASYNC_SLOTS_PER_BLOCK];
}

static struct async_event *ring_at(struct async_waiter *w, unsigned i)
{
	return &w->blocks[i / ASYNC_SLOTS_PER_BLOCK]->ring[i % ASYNC_SLOTS_PER_BLOCK];
}

static void waiter_free(struct async_waiter *w)
{
	unsigned i;

	for (i = 0; i < w->nblocks; i++)
		async_pool_free(&async_slot_block_pool, w->blocks[i]);
	async_pool_free(&async_waiter_pool, w);
}

/* Under the waiter pool's lock: __async_waiter_cache_reclaim walks the pool and locks each. */
static void waiter_init(void *obj, void *arg)
{
	struct async_waiter *w = obj;

	(void)arg;
	memset(w, 0, sizeof(*w));
	async_spin_init(&w->lock);
}

int async_waiter_create(unsigned nslots, struct async_waiter **out)
{
	struct async_waiter *w;
	unsigned long flags;
	unsigned i;

	if (nslots == 0 || nslots > ASYNC_WAITER_SLOTS_MAX)
		return -EINVAL;
	w = async_pool_alloc_init(&async_waiter_pool, waiter_init, NULL);
	if (!w)
		return -ENOMEM;
	for (i = 0; i < (nslots + ASYNC_SLOTS_PER_BLOCK - 1) / ASYNC_SLOTS_PER_BLOCK; i++) {
		w->blocks[i] = async_pool_zalloc(&async_slot_block_pool);
		if (!w->blocks[i])
			goto out_free_blocks;
		w->nblocks++;
	}
	async_port_cond_init(&w->cond);
	/* Under the lock: the op-count walk may look at the waiter already; it
	 * skips it while the epoch is 0 (being created, or destroyed). */
	flags = async_spin_lock_irqsave(&w->lock);
	w->nslots = nslots;
	w->ring_cap = w->nblocks * ASYNC_SLOTS_PER_BLOCK;
	do
		w->epoch = __atomic_add_fetch(&next_epoch, 1, __ATOMIC_RELAXED);
	while (w->epoch == 0);
	async_spin_unlock_irqrestore(&w->lock, flags);
	*out = w;
	return 0;

out_free_blocks:
	waiter_free(w);
	return -ENOMEM;
}

/* Empties the op cache; caller holds w->lock. Returns the list (free it without the lock). */
static struct async_op *__cache_detach(struct async_waiter *w)
{
	struct async_op *list = w->cache;

	w->cache = NULL;
	w->ncached = 0;
	return list;
}

/* Gives a detached cache back to the op pool; no waiter lock held (lock depth). */
static unsigned cache_free(struct async_op *list)
{
	unsigned n = 0;
	struct async_op *op;

	while ((op = list)) {
		list = op->cache_next;
		async_pool_free_cached(&async_op_pool, op);
		n++;
	}
	return n;
}

int async_waiter_destroy(struct async_waiter *w)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_op *cached;
	struct async_sink *sink;

	if (w->narmed) {
		async_spin_unlock_irqrestore(&w->lock, flags);
		return -EBUSY;
	}
	w->epoch = 0;
	__atomic_add_fetch(&finals_gone, w->finals, __ATOMIC_RELAXED);
	w->finals = 0; /* counted once: here or by a walk that sees the waiter */
	sink = w->sink;
	__atomic_store_n(&w->sink, NULL, __ATOMIC_RELEASE);
	cached = __cache_detach(w);
	async_spin_unlock_irqrestore(&w->lock, flags);
	cache_free(cached);
	if (sink)
		sink->release(sink); /* no post can reach it: the epoch is gone */
	waiter_free(w);
	return 0;
}

/* FREE -> ARMED; caller holds w->lock and checked @slot < nslots. */
static int __arm(struct async_waiter *w, unsigned slot, struct async_handle *h)
{
	struct async_slot *s = slot_at(w, slot);

	if (s->state != SLOT_FREE)
		return -EBUSY;
	/* Reserve the final event's ring entry now: multishot events may have
	 * filled the ring, and a final post must never find it full. */
	if (w->count + w->narmed >= w->ring_cap) {
		w->overflows++;
		return -EAGAIN;
	}
	s->state = SLOT_ARMED;
	s->gen++;
	s->op = NULL;
	w->narmed++;
	h->waiter = w;
	h->slot = slot;
	h->gen = s->gen;
	h->epoch = w->epoch;
	return 0;
}

int async_waiter_arm(struct async_waiter *w, unsigned slot, struct async_handle *h)
{
	unsigned long flags;
	int err;

	if (slot >= w->nslots)
		return -EINVAL;
	flags = async_spin_lock_irqsave(&w->lock);
	err = __arm(w, slot, h);
	async_spin_unlock_irqrestore(&w->lock, flags);
	return err;
}

/* The slot @h names if it is still armed for @h; caller holds w->lock. */
static struct async_slot *__armed_slot(struct async_waiter *w, const struct async_handle *h)
{
	struct async_slot *s;

	if (h->epoch != w->epoch || h->slot >= w->nslots)
		return NULL;
	s = slot_at(w, h->slot);
	if (s->gen != h->gen || s->state != SLOT_ARMED)
		return NULL;
	return s;
}

void async_waiter_disarm(const struct async_handle *h)
{
	struct async_waiter *w = h->waiter;
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_slot *s = __armed_slot(w, h);

	if (s && !s->op) {
		s->state = SLOT_FREE;
		w->narmed--;
	}
	async_spin_unlock_irqrestore(&w->lock, flags);
}

int __async_waiter_attach(const struct async_handle *h, struct async_op *op)
{
	struct async_waiter *w = h->waiter;
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_slot *s = __armed_slot(w, h);
	int err = 0;

	if (!s)
		err = -ENOENT;
	else if (s->op)
		err = -EBUSY;
	else
		s->op = op;
	async_spin_unlock_irqrestore(&w->lock, flags);
	return err;
}

/* Takes a cached op for the slot of @h and binds it; caller holds w->lock, @s is armed. */
static struct async_op *__cache_take(struct async_waiter *w, struct async_slot *s,
				     void (*init)(void *op, void *arg), void *arg, int *err)
{
	struct async_op *op = w->cache;

	if (!op)
		return NULL;
	if (async_pool_fault(&async_op_pool)) {
		*err = -ENOMEM; /* fault injection sees every allocation, cached or not */
		return NULL;
	}
	w->cache = op->cache_next;
	w->ncached--;
	async_pool_cache_take(&async_op_pool);
	init(op, arg);
	s->op = op;
	return op;
}

struct async_op *__async_waiter_cached_op(const struct async_handle *h,
					  void (*init)(void *op, void *arg), void *arg, int *err)
{
	struct async_waiter *w = h->waiter;
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_slot *s = __armed_slot(w, h);
	struct async_op *op = NULL;

	*err = 0;
	if (!s)
		*err = -ENOENT;
	else if (s->op)
		*err = -EBUSY;
	else
		op = __cache_take(w, s, init, arg, err);
	async_spin_unlock_irqrestore(&w->lock, flags);
	return op;
}

struct async_op *__async_waiter_arm_cached(struct async_waiter *w, unsigned slot,
					   struct async_handle *h,
					   void (*init)(void *op, void *arg), void *arg, int *err)
{
	return __async_waiter_post_arm_cached(NULL, NULL, w, slot, h, init, arg, err);
}

void __async_waiter_detach(const struct async_handle *h, struct async_op *op)
{
	struct async_waiter *w = h->waiter;
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_slot *s = __armed_slot(w, h);

	if (s && s->op == op)
		s->op = NULL;
	async_spin_unlock_irqrestore(&w->lock, flags);
}

/*
 * Keeps @op (posted, its stack released) for the next async_op_alloc_for on
 * @w if the caller's in-flight reference is the last one and there is room.
 * Caller holds w->lock and has just cleared the slot's op pointer, so no
 * async_waiter_cancel can take a new reference; a reference taken earlier
 * shows in refs and keeps the op out (it is freed by its last put).
 */
static bool __cache_keep(struct async_waiter *w, struct async_op *op)
{
	if (w->ncached + 1 > ASYNC_WAITER_OP_CACHE || async_atomic_load(&op->refs) != 1)
		return false;
	__atomic_store_n(&op->refs, 0, __ATOMIC_RELAXED);
	op_set_state(op, OP_FREE); /* introspection skips it from here on */
	op->cache_next = w->cache;
	w->cache = op;
	w->ncached++;
	async_pool_cache_put(&async_op_pool);
	return true;
}

/* Appends one event; caller holds w->lock and checked the room. */
static void __ring_push(struct async_waiter *w, uint32_t slot, int64_t result, unsigned flags,
			unsigned buf)
{
	unsigned tail = w->head + w->count; /* < 2 * ring_cap: no division */
	struct async_event *e;

	if (tail >= w->ring_cap)
		tail -= w->ring_cap;
	e = ring_at(w, tail);

	e->slot = slot;
	e->flags = (uint16_t)flags;
	e->buf = (uint16_t)buf;
	e->result = result;
	w->count++;
	w->posted++;
}

/*
 * Offers one event to the sink; caller holds w->lock and has already moved
 * the slot on as for a ring push. Only while nothing is held, so the sink
 * sees each slot's events in order. True if the sink took it.
 */
static bool __sink_push(struct async_waiter *w, struct async_slot *s, uint32_t slot, int64_t result,
			unsigned flags, unsigned buf)
{
	struct async_event ev = {
	    .slot = slot, .flags = (uint16_t)flags, .buf = (uint16_t)buf, .result = result};

	if (!w->sink || w->count || !w->sink->push(w->sink, &ev))
		return false;
	if (!(flags & ASYNC_EV_MORE))
		s->state = SLOT_FREE; /* nobody collects it from the ring */
	w->posted++;
	w->sunk++;
	return true;
}

/*
 * The post, under w->lock (taken by the caller). @op: the op whose final
 * event this is, to be kept in the waiter's op cache if possible (*kept).
 */
static int __waiter_post(struct async_waiter *w, const struct async_handle *h, int64_t result,
			 unsigned flags, unsigned buf, struct async_op *op, bool *kept)
{
	struct async_slot *s = __armed_slot(w, h);

	if (!s) {
		w->stale_posts++;
		return -ENOENT;
	}
	if (!(flags & ASYNC_EV_MORE)) {
		s->state = SLOT_POSTED;
		s->op = NULL;
		w->narmed--;
		if (op) {
			w->finals++;
			*kept = __cache_keep(w, op);
		}
	}
	if (__sink_push(w, s, h->slot, result, flags, buf))
		goto out_wake;
	if ((flags & ASYNC_EV_MORE) && w->count + w->narmed >= w->ring_cap) {
		w->overflows++;
		return -EAGAIN;
	}
	ASYNC_ASSERT(w->count < w->ring_cap);
	__ring_push(w, h->slot, result, flags, buf);
	ASYNC_ASSERT(w->count + w->narmed <= w->ring_cap);
	if (w->sink)
		w->sink->held(w->sink, w->count, true);
out_wake:
	if (w->sleepers)
		async_port_cond_broadcast(&w->cond);
	return 0;
}

int async_waiter_post(const struct async_handle *h, int64_t result, unsigned flags, unsigned buf)
{
	struct async_waiter *w = h->waiter;
	unsigned long irq = async_spin_lock_irqsave(&w->lock);
	int err = __waiter_post(w, h, result, flags, buf, NULL, NULL);

	async_spin_unlock_irqrestore(&w->lock, irq);
	return err;
}

/*
 * Arm and final post of @ev, caller holds w->lock. The common case, a sink
 * with nothing held that takes the event, is the same transitions without
 * the handle: the slot goes FREE -> (ARMED -> POSTED -> FREE) at once, so
 * only its generation and the counters show it.
 */
static int __post_now(struct async_waiter *w, const struct async_event *ev)
{
	struct async_slot *s;
	struct async_handle h;
	int err;

	ASYNC_ASSERT(!(ev->flags & ASYNC_EV_MORE));
	if (ev->slot >= w->nslots)
		return -EINVAL;
	s = slot_at(w, ev->slot);
	if (w->sink && !w->count && s->state == SLOT_FREE && w->narmed < w->ring_cap &&
	    w->sink->push(w->sink, ev)) {
		s->gen++;
		w->posted++;
		w->sunk++;
		if (w->sleepers)
			async_port_cond_broadcast(&w->cond);
		return 0;
	}
	err = __arm(w, ev->slot, &h);
	if (!err)
		__waiter_post(w, &h, ev->result, ev->flags, ev->buf, NULL, NULL);
	return err;
}

unsigned async_waiter_post_now(struct async_waiter *w, const struct async_event *ev, unsigned n,
			       int *err)
{
	unsigned long irq = async_spin_lock_irqsave(&w->lock);
	unsigned i;

	*err = 0;
	for (i = 0; i < n; i++) {
		*err = __post_now(w, &ev[i]);
		if (*err)
			break;
	}
	async_spin_unlock_irqrestore(&w->lock, irq);
	return i;
}

/* An op's final event and, in the same lock section, the op into the cache. */
bool __async_waiter_post_final(struct async_op *op, int64_t result)
{
	struct async_waiter *w = op->handle.waiter;
	unsigned long irq = async_spin_lock_irqsave(&w->lock);
	bool kept = false;

	__waiter_post(w, &op->handle, result, op->final_flags, op->final_buf, op, &kept);
	async_spin_unlock_irqrestore(&w->lock, irq);
	return kept;
}

/*
 * The held op's final post first, so the arm below may reuse its slot and
 * take it back from the cache; both in one section (the lean op's one lock
 * section per op in a batch).
 */
struct async_op *__async_waiter_post_arm_cached(struct async_post_batch *b, bool *held_kept,
						struct async_waiter *w, unsigned slot,
						struct async_handle *h,
						void (*init)(void *op, void *arg), void *arg,
						int *err)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_op *op = NULL;

	if (b && b->op) {
		ASYNC_ASSERT(b->op->handle.waiter == w);
		__waiter_post(w, &b->op->handle, b->result, b->op->final_flags, b->op->final_buf,
			      b->op, held_kept);
	}
	*err = slot < w->nslots ? __arm(w, slot, h) : -EINVAL;
	if (!*err)
		op = __cache_take(w, slot_at(w, slot), init, arg, err);
	async_spin_unlock_irqrestore(&w->lock, flags);
	return op;
}

static void reclaim_one(void *obj, void *arg)
{
	struct async_waiter *w = obj;
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	struct async_op *cached = __cache_detach(w);

	async_spin_unlock_irqrestore(&w->lock, flags);
	*(unsigned *)arg += cache_free(cached);
}

/* One waiter's share of async_op_stats, under its lock (the walk holds the waiter pool's). */
static void op_counts_one(void *obj, void *arg)
{
	struct async_waiter *w = obj;
	unsigned long *n = arg, flags = async_spin_lock_irqsave(&w->lock);
	struct async_op *op;
	unsigned i, state;

	/* Epoch 0: being created (nothing to count) or destroyed (in finals_gone). */
	if (!w->epoch)
		goto out_unlock;
	n[1] += w->finals;
	/* A slot's op is valid under the lock: the post unbinds it before it is freed. */
	for (i = 0; i < w->nslots; i++) {
		op = slot_at(w, i)->op;
		state = op ? op_state(op) : OP_FREE;
		if (state != OP_FREE && state != OP_PREPARING)
			n[0]++;
	}
out_unlock:
	async_spin_unlock_irqrestore(&w->lock, flags);
}

void __async_waiter_op_counts(unsigned long *submitted, unsigned long *completed)
{
	unsigned long n[2], gone, again = __atomic_load_n(&finals_gone, __ATOMIC_RELAXED);
	unsigned tries = 0;

	/* A waiter destroyed during the walk moves its finals to finals_gone, where
	 * the walk may or may not have seen them: walk again until nothing moved. */
	do {
		gone = again;
		n[0] = n[1] = 0;
		async_pool_walk(&async_waiter_pool, op_counts_one, n);
		again = __atomic_load_n(&finals_gone, __ATOMIC_RELAXED);
	} while (again != gone && ++tries < 8);
	*completed = gone + n[1];
	*submitted = gone + n[1] + n[0];
}

/* Lock order: waiter pool -> waiter (then released) -> op pool: two deep at most. */
unsigned __async_waiter_cache_reclaim(void)
{
	unsigned n = 0;

	async_pool_walk(&async_waiter_pool, reclaim_one, &n);
	return n;
}

/* Moves up to @max events out of the ring; caller holds w->lock. */
static int __ring_drain(struct async_waiter *w, struct async_event *ev, unsigned max)
{
	unsigned n = 0;

	while (n < max && w->count) {
		ev[n] = *ring_at(w, w->head);
		if (!(ev[n].flags & ASYNC_EV_MORE))
			slot_at(w, ev[n].slot)->state = SLOT_FREE;
		if (++w->head == w->ring_cap)
			w->head = 0;
		w->count--;
		n++;
	}
	return (int)n;
}

/* @a + @b, or UINT64_MAX (no deadline) if that does not fit. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int async_wait_event(struct async_waiter *w, struct async_event *ev, unsigned max,
		     uint64_t timeout_ns)
{
	uint64_t deadline = ASYNC_WAIT_FOREVER;
	unsigned long flags;
	int n;

	if (max == 0)
		return -EINVAL;
	/* A poll (0) never reads the clock: the loop below returns before using it. */
	if (timeout_ns != ASYNC_WAIT_FOREVER && timeout_ns != 0)
		deadline = sat_add(async_port_now_ns(), timeout_ns);
	flags = async_spin_lock_irqsave(&w->lock);
	w->waits++;
	while (w->count == 0) {
		if (timeout_ns == 0 || async_port_now_ns() >= deadline)
			goto out_timeout;
		w->sleepers++;
		async_port_cond_wait(&w->cond, &w->lock, &flags, deadline);
		w->sleepers--;
	}
	n = __ring_drain(w, ev, max);
	if (w->sink)
		w->sink->held(w->sink, w->count, false);
	async_spin_unlock_irqrestore(&w->lock, flags);
	return n;

out_timeout:
	w->timeouts++;
	async_spin_unlock_irqrestore(&w->lock, flags);
	return 0;
}

size_t __async_slot_bytes(void)
{
	return sizeof(struct async_slot) + sizeof(struct async_event);
}

int async_waiter_cancel(struct async_waiter *w, unsigned slot)
{
	unsigned long flags;
	struct async_op *op = NULL;
	struct async_slot *s;

	if (slot >= w->nslots)
		return -EINVAL;
	flags = async_spin_lock_irqsave(&w->lock);
	s = slot_at(w, slot);
	/* The op clears s->op under this lock before it can be freed: the ref is safe. */
	if (s->state == SLOT_ARMED && s->op) {
		op = s->op;
		async_op_get(op);
	}
	async_spin_unlock_irqrestore(&w->lock, flags);
	if (!op)
		return -ENOENT;
	async_op_cancel(op, -ECANCELED);
	async_op_put(op);
	return 0;
}

void async_waiter_stats(struct async_waiter *w, struct async_waiter_stats *out)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);

	out->nslots = w->nslots;
	out->armed = w->narmed;
	out->queued = w->count;
	out->ring_cap = w->ring_cap;
	out->posted = w->posted;
	out->stale_posts = w->stale_posts;
	out->overflows = w->overflows;
	out->waits = w->waits;
	out->timeouts = w->timeouts;
	async_spin_unlock_irqrestore(&w->lock, flags);
}

int async_waiter_set_sink(struct async_waiter *w, struct async_sink *sink)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	int err = 0;

	if (w->sink || w->narmed || w->count)
		err = -EBUSY;
	else
		__atomic_store_n(&w->sink, sink, __ATOMIC_RELEASE);
	async_spin_unlock_irqrestore(&w->lock, flags);
	return err;
}

/* No lock: the sink is set once and cleared only by destroy, which no caller can race. */
struct async_sink *async_waiter_sink(struct async_waiter *w)
{
	return __atomic_load_n(&w->sink, __ATOMIC_ACQUIRE);
}

unsigned async_waiter_flush(struct async_waiter *w, unsigned long *sunk)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	unsigned moved = 0, left;

	while (w->sink && w->count && w->sink->push(w->sink, ring_at(w, w->head))) {
		struct async_event *e = ring_at(w, w->head);

		if (!(e->flags & ASYNC_EV_MORE))
			slot_at(w, e->slot)->state = SLOT_FREE;
		w->head = (w->head + 1) % w->ring_cap;
		w->count--;
		w->sunk++;
		moved++;
	}
	if (moved && w->sink)
		w->sink->held(w->sink, w->count, false);
	if (moved && w->sleepers)
		async_port_cond_broadcast(&w->cond);
	left = w->count;
	if (sunk)
		*sunk = w->sunk;
	async_spin_unlock_irqrestore(&w->lock, flags);
	return left;
}

unsigned long async_waiter_sunk(struct async_waiter *w)
{
	unsigned long flags = async_spin_lock_irqsave(&w->lock);
	unsigned long n = w->sunk;

	async_spin_unlock_irqrestore(&w->lock, flags);
	return n;
}

int async_waiter_wait_sunk(struct async_waiter *w, unsigned long target, uint64_t timeout_ns)
{
	uint64_t deadline = ASYNC_WAIT_FOREVER;
	unsigned long flags;
	int reached;

	if (timeout_ns != ASYNC_WAIT_FOREVER && timeout_ns != 0)
		deadline = sat_add(async_port_now_ns(), timeout_ns);
	flags = async_spin_lock_irqsave(&w->lock);
	while (!(reached = (long)(w->sunk - target) >= 0) && timeout_ns != 0 &&
	       async_port_now_ns() < deadline) {
		w->sleepers++;
		async_port_cond_wait(&w->cond, &w->lock, &flags, deadline);
		w->sleepers--;
	}
	async_spin_unlock_irqrestore(&w->lock, flags);
	return reached;
}
