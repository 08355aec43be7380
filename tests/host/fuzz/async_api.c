/*
 * async_api - libFuzzer target: random sequences of the async API (submit
 * every op kind, complete, cancel, deadlines, worker steps, multishot events
 * from provided buffers, user and registered buffers, wait) checked against a
 * model that predicts every result:
 *   - each op's final event carries the result its kind and inputs predict
 *     (a synthetic device's value, the fragment total, the join policy's
 *     result from its children's results, ...), or the reason it was
 *     cancelled (-ECANCELED after a cancel, -ETIMEDOUT with a deadline), or
 *     -ENOMEM when an allocation could fail (a pool fault injected before the
 *     submit, the deep ops' small shared spill heap); anything else aborts;
 *   - every submitted op posts exactly one final event, to its own slot, after
 *     all of its multishot events, which arrive in order with the buffer id,
 *     the result and the buffer contents the producer wrote;
 *   - arming a slot is -EBUSY exactly when the slot is in use and -EAGAIN
 *     exactly when the event ring has no entry left to reserve, for an op's
 *     arm and for async_waiter_post_now's (work done inline: its event is
 *     the slot's final one, with the given result); a multishot
 *     post is -EAGAIN exactly when it would take a reserved entry;
 *   - provided-buffer queues: provide, take (which id, or -EAGAIN: FIFO order,
 *     released buffers skipped, per-consumer credit), recycle, each predicted;
 *   - registered and user buffers: register / get / pin results predicted
 *     from the mapped regions and the table;
 *   - a borrowed-kind buffer is never released while borrowed (that panics);
 *   - every pool, heap chunk, timer and pinned page is back to zero at the end.
 * Deadlines fire on the host port's timer thread and worker steps run on its
 * worker threads, so those results arrive asynchronously: the model allows
 * both orders, and the end waits (bounded) for every final event; one that
 * never comes aborts naming the slot. An invariant violation aborts, which
 * libFuzzer reports as a crash.
 */
#include "synth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	    16
#define RING	    64 /* the event ring of a 16-slot waiter: one slot block */
#define BUFS	    6
#define PBQ_IDS	    8
#define PBQ_CREDITS 3
#define PBQ_BUFLEN  64
#define REGION	    (4 * 4096)
#define RO_BASE	    0x10000UL /* mapped readable */
#define RW_BASE	    0x20000UL /* mapped readable and writable */

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "invariant failed: %s at %s:%d\n", #c, __FILE__,           \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
/* Integer equality that prints both sides. */
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "invariant failed: %s == %s: %lld != %lld at %s:%d\n", #a, \
				#b, a_, b_, __FILE__, __LINE__);                                   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned next(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* ===================================================================== */
/* The model                                                              */
/* ===================================================================== */

enum { K_SYNTH, K_LOOP, K_JOIN, K_CRIT, K_DEEP, K_MULTI, K_WORK, K_BUFIO, K_KINDS };

struct more_ev {
	int64_t result;
	uint16_t flags, buf;
	uint8_t fill; /* what the producer wrote into the buffer */
};

struct slot_model {
	bool in_use; /* armed, or its final event not collected yet */
	int kind;
	int64_t ok[2]; /* the results the model predicts */
	unsigned nok;
	bool cancelled, deadline, enomem; /* also allowed: the reason, -ENOMEM */
	bool join_fail;			  /* a join with failing children: -5 if cancelled */
	struct more_ev more[RING];	  /* multishot events not collected, oldest first */
	unsigned mhead, mcount;
};

static struct async_waiter *w;
static struct slot_model slots[SLOTS];
static unsigned more_total; /* multishot events posted and not collected */
static struct async_mutex mtx;
static unsigned char heap_mem[3 * ASYNC_SPILL_CHUNK + 16];
static struct async_heap heap;

/* The ring's entries in use as the waiter counts them: events not collected plus one
 * reserved per armed slot. A final post moves one from reserved to queued. */
static unsigned ring_used(void)
{
	unsigned i, n = more_total;

	for (i = 0; i < SLOTS; i++)
		n += slots[i].in_use;
	return n;
}

static void expect(struct slot_model *m, int64_t a, int64_t b, unsigned n)
{
	m->ok[0] = a;
	m->ok[1] = b;
	m->nok = n;
}

static void check_final(unsigned slot, int64_t r)
{
	struct slot_model *m = &slots[slot];
	unsigned i;

	for (i = 0; i < m->nok; i++)
		if (r == m->ok[i])
			return;
	if ((m->cancelled && r == -ECANCELED) || (m->deadline && r == -ETIMEDOUT) ||
	    (m->enomem && r == -ENOMEM) ||
	    (m->join_fail && (m->cancelled || m->deadline) && r == -5))
		return;
	fprintf(stderr,
		"invariant failed: slot %u (kind %d) completed with %lld; the model allows %u "
		"results %lld %lld, cancelled %d, deadline %d, enomem %d\n",
		slot, m->kind, (long long)r, m->nok, (long long)m->ok[0], (long long)m->ok[1],
		m->cancelled, m->deadline, m->enomem);
	abort();
}

/* ===================================================================== */
/* Provided-buffer queue and its model                                    */
/* ===================================================================== */

enum { P_NONE, P_QUEUED, P_TAKEN };

static struct async_pbq *pbq;
static struct {
	uint8_t state;	     /* P_* */
	bool released;	     /* the owner (this program) let go of its handle */
	bool user_held;	     /* taken and its event collected: the user may recycle it */
	struct async_buf *b; /* valid iff state != P_NONE */
} pb[PBQ_IDS];
static unsigned pfifo[PBQ_IDS], phead, pcount, pheld;

static void pbq_model_enqueue(unsigned id)
{
	pfifo[(phead + pcount++) % PBQ_IDS] = id;
	pb[id].state = P_QUEUED;
	pb[id].user_held = false;
}

/* What async_pbq_take must return: FIFO order, released buffers dropped, credit. */
static int pbq_predict_take(void)
{
	while (pcount && pheld < PBQ_CREDITS) {
		unsigned id = pfifo[phead];

		phead = (phead + 1) % PBQ_IDS;
		pcount--;
		if (pb[id].released) {
			pb[id].state = P_NONE; /* the queue put its reference: gone */
			pb[id].b = NULL;
			continue;
		}
		pb[id].state = P_TAKEN;
		pheld++;
		return (int)id;
	}
	return -EAGAIN;
}

static void pbq_recycle_checked(unsigned id)
{
	int pred = pb[id].state == P_TAKEN ? 0 : -EINVAL;

	CHECK_EQ(async_pbq_recycle(pbq, id), pred);
	if (pred == 0) {
		pheld--;
		pbq_model_enqueue(id);
	}
}

static void pbq_step(struct input *in)
{
	unsigned what = next(in) % 4, id = next(in) % PBQ_IDS, j;
	struct async_buf *b;
	int pred;

	switch (what) {
	case 0: /* provide a new buffer under @id */
		b = async_buf_owned(PBQ_BUFLEN);
		if (!b)
			return; /* injected pool failure */
		pred = pb[id].state != P_NONE ? -EEXIST : 0;
		CHECK_EQ(async_pbq_provide(pbq, id, b), pred);
		if (pred) {
			async_buf_release(b);
			return;
		}
		pb[id].b = b;
		pb[id].released = false;
		pbq_model_enqueue(id);
		return;
	case 1: /* the owner lets go; the queue's reference keeps it */
		if (pb[id].state != P_NONE && !pb[id].released) {
			async_buf_release(pb[id].b);
			pb[id].released = true;
		}
		return;
	case 2: /* the user gives a buffer back (never one whose event is not collected) */
		if (pb[id].state != P_TAKEN || pb[id].user_held)
			pbq_recycle_checked(id);
		return;
	default: /* a released buffer the queue still holds cannot be provided again */
		for (j = 0; j < PBQ_IDS; j++)
			if (pb[j].state != P_NONE && pb[j].released)
				CHECK_EQ(async_pbq_provide(pbq, id, pb[j].b), -EBADF);
		return;
	}
}

/* ===================================================================== */
/* Registered and user buffers and their model                            */
/* ===================================================================== */

static struct async_port_as *as;
static struct async_regbuf_table *regs;
static char ro_mem[REGION], rw_mem[REGION];
static struct {
	bool on;
	unsigned access;
} reg[ASYNC_REGBUF_MAX];

/* A user range from the input: either region, any offset and length, any access. */
static void user_range(struct input *in, uintptr_t *addr, size_t *len, unsigned *access)
{
	*addr = (next(in) & 1 ? RW_BASE : RO_BASE) + (next(in) % 64) * 256;
	*len = 1 + next(in) * 64;
	*access = 1 + next(in) % 3; /* READ, WRITE or both */
}

/* What pinning [addr, addr + len) for @access must give: 0 or -EFAULT. */
static int pin_predict(uintptr_t addr, size_t len, unsigned access)
{
	uintptr_t base = addr >= RW_BASE ? RW_BASE : RO_BASE;
	unsigned prot = base == RW_BASE ? ASYNC_BUF_READ | ASYNC_BUF_WRITE : ASYNC_BUF_READ;

	if (addr - base + len > REGION || (access & prot) != access)
		return -EFAULT;
	return 0;
}

static void regbuf_step(struct input *in)
{
	unsigned what = next(in) % 2, idx = next(in) % 8, i;
	uintptr_t addr;
	size_t len;
	unsigned access;
	bool injected = host_fail_alloc_pending() != 0;
	int pred, r;

	if (what == 1) {
		CHECK_EQ(async_regbuf_unregister(regs, idx), reg[idx].on ? 0 : -EBADF);
		reg[idx].on = false;
		return;
	}
	user_range(in, &addr, &len, &access);
	pred = pin_predict(addr, len, access);
	for (i = 0; !pred && i < ASYNC_REGBUF_MAX && reg[i].on; i++)
		;
	if (!pred)
		pred = i < ASYNC_REGBUF_MAX ? (int)i : -ENOSPC;
	r = async_regbuf_register(regs, addr, len, access);
	if (injected && r == -ENOMEM)
		return;
	CHECK_EQ(r, pred);
	if (r >= 0) {
		reg[r].on = true;
		reg[r].access = access;
	}
}

/* ===================================================================== */
/* Op kinds                                                               */
/* ===================================================================== */

/* -- join: children from the input's bits -- */
struct kid_spec {
	uint8_t modes;
};

static int kid_setup(struct async_op *child, unsigned i, void *arg)
{
	const struct kid_spec *k = arg;

	return synth_push(child, (k->modes >> i) & 1 ? SYNTH_SYNC : SYNTH_DEFERRED,
			  (k->modes >> (i + 4)) & 1 ? -5 : 1);
}

struct fz_join {
	uint8_t policy, n, quorum, flags, modes;
};

static int64_t fz_join_start(struct async_op *op, void *state)
{
	struct fz_join *j = state;
	struct kid_spec k = {.modes = j->modes};
	struct async_join_spec spec = {.policy = j->policy,
				       .quorum = j->quorum,
				       .flags = j->flags,
				       .nchildren = j->n,
				       .setup = kid_setup,
				       .arg = &k};

	return async_join(op, &spec);
}
static const struct async_layer fz_join_layer = {
    .name = "fz-join",
    .state_size = sizeof(struct fz_join),
    .start = fz_join_start,
};

/* The join policy's result (docs/async.md section 5) from its children's results. */
static void join_predict(struct slot_model *m, const struct fz_join *j)
{
	unsigned i, fail = 0, need;
	bool coe = j->flags & ASYNC_JOIN_CANCEL_ON_ERROR;

	if (j->n == 0 || j->policy > ASYNC_JOIN_QUORUM ||
	    (j->policy == ASYNC_JOIN_QUORUM && (j->quorum == 0 || j->quorum > j->n)))
		return expect(m, -EINVAL, 0, 1);
	for (i = 0; i < j->n; i++)
		fail += (j->modes >> (i + 4)) & 1;
	m->join_fail = fail != 0;
	if (j->policy == ASYNC_JOIN_ALL)
		return fail ? expect(m, -5, 0, 1) : expect(m, j->n, 0, 1);
	need = j->policy == ASYNC_JOIN_FIRST ? 1 : j->quorum;
	if (j->n - fail < need)
		return expect(m, -5, 0, 1);
	/* Enough successes; with cancel-on-error an error may settle it first. */
	if (coe && fail)
		return expect(m, 1, -5, 2);
	expect(m, 1, 0, 1);
}

/* -- the async mutex around a deferred device step -- */
struct fz_crit {
	bool locked;
};

static int64_t fz_crit_start(struct async_op *op, void *state)
{
	(void)state;
	return async_mutex_lock(&mtx, op);
}

static int64_t fz_crit_resume(struct async_op *op, void *state, int64_t r)
{
	struct fz_crit *c = state;

	if (!c->locked) {
		if (r < 0)
			return r;
		c->locked = true;
		r = synth_push(op, SYNTH_DEFERRED, 9);
		if (!r)
			return ASYNC_CALL;
	}
	async_mutex_unlock(&mtx);
	return r;
}
static const struct async_layer fz_crit_layer = {
    .name = "fz-crit",
    .state_size = sizeof(struct fz_crit),
    .start = fz_crit_start,
    .resume = fz_crit_resume,
};

/* -- multishot: pends; the program delivers events and ends it -- */
static pthread_mutex_t ms_lock = PTHREAD_MUTEX_INITIALIZER;
static struct async_op *ms_op[SLOTS]; /* [ms_lock] listed multishot op per slot */
static uint32_t ms_tok[SLOTS];	      /* [ms_lock] its pending period's token */

struct fz_multi {
	unsigned slot;
};

static int64_t fz_multi_start(struct async_op *op, void *state)
{
	pthread_mutex_lock(&ms_lock);
	ms_op[((struct fz_multi *)state)->slot] = op;
	ms_tok[((struct fz_multi *)state)->slot] = async_op_token(op);
	pthread_mutex_unlock(&ms_lock);
	return ASYNC_PENDING;
}

/* Any thread (the deadline timer's too): unlists and completes with the reason. */
static void fz_multi_cancel(struct async_op *op, void *state)
{
	struct fz_multi *s = state;
	uint32_t tok = 0;
	bool was;

	pthread_mutex_lock(&ms_lock);
	was = ms_op[s->slot] == op;
	if (was)
		tok = ms_tok[s->slot];
	if (was)
		ms_op[s->slot] = NULL;
	pthread_mutex_unlock(&ms_lock);
	if (was)
		async_op_complete(op, tok, async_op_cancel_reason(op));
}
static const struct async_layer fz_multi_layer = {
    .name = "fz-multi",
    .state_size = sizeof(struct fz_multi),
    .start = fz_multi_start,
    .cancel = fz_multi_cancel,
};

/* Data arrives for the multishot op on @slot: into a provided buffer if one can be taken. */
static void multi_deliver(unsigned slot, unsigned len, uint8_t fill)
{
	struct slot_model *m = &slots[slot];
	struct async_buf *b = NULL;
	int id, pred_id, pred, r;

	pthread_mutex_lock(&ms_lock);
	if (!ms_op[slot])
		goto out_unlock;
	pred_id = pbq_predict_take();
	id = async_pbq_take(pbq, 0, &b);
	CHECK_EQ(id, pred_id);
	if (id >= 0) {
		CHECK(b == pb[id].b);
		memset(async_buf_data(b), fill, PBQ_BUFLEN);
		async_buf_unborrow(b); /* the "device" wrote it */
	}
	pred = ring_used() >= RING ? -EAGAIN : 0;
	r = async_op_post_more(ms_op[slot], len, id >= 0 ? ASYNC_EV_BUF : 0,
			       id >= 0 ? (unsigned)id : 0);
	CHECK_EQ(r, pred);
	if (r == 0) {
		CHECK(m->mcount < RING);
		m->more[(m->mhead + m->mcount++) % RING] =
		    (struct more_ev){len, (uint16_t)(ASYNC_EV_MORE | (id >= 0 ? ASYNC_EV_BUF : 0)),
				     (uint16_t)(id >= 0 ? id : 0), fill};
		more_total++;
	} else if (id >= 0) {
		pbq_recycle_checked((unsigned)id); /* undelivered: the buffer goes back */
	}
out_unlock:
	pthread_mutex_unlock(&ms_lock);
}

static void multi_end(unsigned slot, int64_t v)
{
	struct async_op *op;
	uint32_t tok;

	pthread_mutex_lock(&ms_lock);
	op = ms_op[slot];
	tok = ms_tok[slot];
	ms_op[slot] = NULL;
	pthread_mutex_unlock(&ms_lock);
	if (!op)
		return;
	expect(&slots[slot], v, 0, 1);
	async_op_complete(op, tok, v);
}

/* -- a worker step: the key comes back from a worker thread -- */
static int64_t fz_lookup(void *arg)
{
	return (int64_t)(uintptr_t)arg;
}

struct fz_work {
	uintptr_t key;
};

static int64_t fz_work_start(struct async_op *op, void *state)
{
	return async_work(op, fz_lookup, (void *)((struct fz_work *)state)->key);
}
static const struct async_layer fz_work_layer = {
    .name = "fz-work",
    .state_size = sizeof(struct fz_work),
    .start = fz_work_start,
};

/* -- device I/O on a registered or a user buffer, borrowed while the device runs -- */
struct fz_bufio {
	bool registered, sync;
	unsigned idx, access;
	uintptr_t addr;
	size_t len;
	int64_t value;
	struct async_buf *b; /* [O] while the device step runs */
};

static int64_t fz_bufio_resume(struct async_op *op, void *state, int64_t r)
{
	struct fz_bufio *s = state;

	(void)op;
	async_buf_unborrow(s->b);
	if (!s->registered)
		async_buf_release(s->b); /* the unpin happens here, after the device */
	return r;
}

static int64_t fz_bufio_start(struct async_op *op, void *state)
{
	struct fz_bufio *s = state;
	int err;

	if (s->registered) {
		s->b = async_regbuf_get(regs, s->idx, s->access, &err);
	} else {
		s->b = async_buf_user(as, s->addr, s->len, s->access, &err);
		if (s->b && async_buf_borrow(s->b, s->access)) {
			async_buf_release(s->b);
			return -EIO; /* never: a user buffer allows the access it was pinned for */
		}
	}
	if (!s->b)
		return err;
	err = synth_push(op, s->sync ? SYNTH_SYNC : SYNTH_DEFERRED, s->value);
	if (err) /* cancelled already: the frame pops without a resume */
		return fz_bufio_resume(op, s, err);
	return ASYNC_CALL;
}
static const struct async_layer fz_bufio_layer = {
    .name = "fz-bufio",
    .state_size = sizeof(struct fz_bufio),
    .start = fz_bufio_start,
    .resume = fz_bufio_resume,
};

static void bufio_predict(struct slot_model *m, const struct fz_bufio *s)
{
	int err;

	if (s->registered)
		err = !reg[s->idx].on ? -EBADF : (s->access & ~reg[s->idx].access) ? -EFAULT : 0;
	else
		err = pin_predict(s->addr, s->len, s->access);
	expect(m, err ? err : s->value, 0, 1);
}

/* ===================================================================== */
/* Building and submitting                                                */
/* ===================================================================== */

static int build(struct async_op *op, struct input *in, unsigned slot, struct slot_model *m)
{
	unsigned kind = next(in) % K_KINDS, a = next(in), depth;
	struct fz_join *j;
	struct fz_multi *mu;
	struct fz_work *wk;
	struct fz_bufio *bio;

	m->kind = (int)kind;
	switch (kind) {
	case K_SYNTH:
		expect(m, a, 0, 1); /* every mode, cancellable or not, completes with it */
		return synth_push(op, (enum synth_mode)(a % 4), a);
	case K_LOOP:
		expect(m, (1 + a % 5) * 512, 0, 1);
		return loop_push(op, 1 + a % 5, a & 0x80 ? SYNTH_SYNC : SYNTH_DEFERRED);
	case K_JOIN:
		if (!(j = async_push(op, &fz_join_layer)))
			return -ENOMEM;
		j->policy = (uint8_t)(a % 4);
		j->n = (uint8_t)(next(in) % 5);
		j->quorum = (uint8_t)(next(in) % 5);
		j->flags = (uint8_t)(next(in) & 1);
		j->modes = (uint8_t)next(in);
		join_predict(m, j);
		return 0;
	case K_CRIT:
		expect(m, 9, 0, 1);
		return async_push(op, &fz_crit_layer) ? 0 : -ENOMEM;
	case K_DEEP:
		depth = a % 12;
		expect(m, depth + 2, 0, 1); /* 1 from the device, +1 per deep frame */
		m->enomem = true;	    /* the spill heap is shared and small */
		if (a & 1)
			async_op_reserve(op, (a % 8) * 240);
		return deep_push(op, depth, a & 0x10 ? SYNTH_DEFERRED : SYNTH_SYNC);
	case K_MULTI:
		expect(m, 0, 0, 0); /* only multi_end or a cancel ends it */
		if (!(mu = async_push(op, &fz_multi_layer)))
			return -ENOMEM;
		mu->slot = slot;
		return 0;
	case K_WORK:
		expect(m, a, 0, 1);
		if (!(wk = async_push(op, &fz_work_layer)))
			return -ENOMEM;
		wk->key = a;
		return 0;
	default:
		if (!(bio = async_push(op, &fz_bufio_layer)))
			return -ENOMEM;
		bio->registered = a & 1;
		bio->sync = a & 2;
		bio->idx = next(in) % 8;
		user_range(in, &bio->addr, &bio->len, &bio->access);
		bio->value = next(in);
		bufio_predict(m, bio);
		return 0;
	}
}

static void submit(struct input *in)
{
	unsigned slot = next(in) % SLOTS, d = next(in);
	struct slot_model *m = &slots[slot];
	struct async_handle h;
	struct async_op *op;
	int pred = m->in_use ? -EBUSY : ring_used() >= RING ? -EAGAIN : 0;

	/* Armed and bound in one call, bound after arming, or from the pool, as the input says. */
	op = NULL;
	if ((d >> 4) & 1)
		CHECK_EQ(async_op_alloc_armed(w, slot, &heap, &h, &op), pred);
	else
		CHECK_EQ(async_waiter_arm(w, slot, &h), pred);
	if (pred)
		return;
	if (!((d >> 4) & 1))
		op = (d >> 3) & 1 ? async_op_alloc_for(&h, &heap) : async_op_alloc(&heap);
	if (!op) { /* injected pool failure */
		async_waiter_disarm(&h);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->enomem = host_fail_alloc_pending() != 0;
	if (build(op, in, slot, m)) {
		async_op_discard(op);
		async_waiter_disarm(&h);
		return;
	}
	if (d & 1) {
		m->deadline = true;
		async_op_set_deadline(op, async_port_now_ns() + (d >> 1) % 4 * 50000);
	}
	m->in_use = true;
	if (async_op_submit(op, &h)) {
		m->in_use = false;
		async_waiter_disarm(&h);
	}
}

/* Up to 4 events of work done inline: each arms its slot and posts at once, in order,
 * until a slot cannot be armed (the same rules as submit's arm). */
static void post_now(struct input *in)
{
	struct async_event ev[4];
	unsigned n = 1 + next(in) % 4, i, posted;
	int err, pred = 0;

	for (i = 0; i < n; i++)
		ev[i] = (struct async_event){.slot = next(in) % SLOTS, .result = (int64_t)next(in)};
	for (i = 0; i < n && !pred; i++) {
		struct slot_model *m = &slots[ev[i].slot];

		pred = m->in_use ? -EBUSY : ring_used() >= RING ? -EAGAIN : 0;
		if (pred)
			break;
		memset(m, 0, sizeof(*m));
		m->kind = K_KINDS; /* not an op */
		expect(m, ev[i].result, ev[i].result, 1);
		m->in_use = true;
	}
	posted = async_waiter_post_now(w, ev, n, &err);
	CHECK_EQ(posted, i);
	CHECK_EQ(err, pred);
}

static void collect(const struct async_event *ev)
{
	struct slot_model *m;
	struct more_ev *e;

	CHECK(ev->slot < SLOTS);
	m = &slots[ev->slot];
	CHECK(m->in_use); /* exactly once */
	if (!(ev->flags & ASYNC_EV_MORE)) {
		CHECK_EQ(m->mcount, 0); /* the final event comes after every multishot one */
		check_final(ev->slot, ev->result);
		m->in_use = false;
		return;
	}
	CHECK(m->mcount > 0);
	e = &m->more[m->mhead];
	m->mhead = (m->mhead + 1) % RING;
	m->mcount--;
	more_total--;
	CHECK_EQ(ev->flags, e->flags);
	CHECK_EQ(ev->buf, e->buf);
	CHECK_EQ(ev->result, e->result);
	if (ev->flags & ASYNC_EV_BUF) {
		const unsigned char *data;

		CHECK(pb[ev->buf].state == P_TAKEN); /* the queue's reference keeps it */
		data = async_buf_data(pb[ev->buf].b);
		for (unsigned i = 0; i < PBQ_BUFLEN; i++)
			CHECK_EQ(data[i], e->fill);
		pb[ev->buf].user_held = true;
	}
}

static void drain(uint64_t timeout_ns)
{
	struct async_event ev[8];
	int i, n;

	while ((n = async_wait_event(w, ev, 8, timeout_ns)) > 0)
		for (i = 0; i < n; i++)
			collect(&ev[i]);
}

static void cancel(unsigned slot)
{
	if (async_waiter_cancel(w, slot) == 0)
		slots[slot].cancelled = true;
}

/* ---- the program's own buffers: the borrowed-kind release rule ---- */

struct fz_buf {
	struct async_buf *b;
	unsigned borrows;
	bool kernel_borrowed; /* borrowed kind: release while borrowed must panic */
};
static struct fz_buf bufs[BUFS];

static void release_it(void *arg)
{
	async_buf_release(arg);
}

static void buffer_step(struct input *in)
{
	unsigned i = next(in) % BUFS, what = next(in) % 4;
	struct fz_buf *f = &bufs[i];
	static char kmem[BUFS][64];

	if (!f->b) {
		f->kernel_borrowed = what & 1;
		f->b = f->kernel_borrowed ? async_buf_borrowed(kmem[i], 64, ASYNC_BUF_WRITE)
					  : async_buf_owned(64);
		return;
	}
	if (what <= 1) {
		CHECK_EQ(async_buf_borrow(f->b, ASYNC_BUF_WRITE), 0);
		f->borrows++;
	} else if (what == 2 && f->borrows) {
		async_buf_unborrow(f->b);
		f->borrows--;
	} else if (f->kernel_borrowed && f->borrows) {
		CHECK(panics(release_it, f->b)); /* released while borrowed: a kernel bug */
	} else if (f->borrows == 0) {
		async_buf_release(f->b);
		f->b = NULL;
	}
}

/* ===================================================================== */
/* Setup, teardown, the driver                                            */
/* ===================================================================== */

static void setup(void)
{
	static bool workers;

	host_fail_alloc_after(0);
	memset(slots, 0, sizeof(slots));
	memset(bufs, 0, sizeof(bufs));
	memset(pb, 0, sizeof(pb));
	memset(reg, 0, sizeof(reg));
	more_total = phead = pcount = pheld = 0;
	if (!workers) {
		CHECK_EQ(async_workers_init(), 0);
		workers = true;
	}
	CHECK(async_waiter_create(SLOTS, &w) == 0);
	async_mutex_init(&mtx);
	CHECK(async_heap_init(&heap, "fuzz", heap_mem, sizeof(heap_mem)) == 0);
	as = host_as_create();
	CHECK(host_as_map(as, RO_BASE, ro_mem, REGION, ASYNC_BUF_READ) == 0);
	CHECK(host_as_map(as, RW_BASE, rw_mem, REGION, ASYNC_BUF_READ | ASYNC_BUF_WRITE) == 0);
	regs = async_regbuf_create(as);
	CHECK(regs);
	pbq = async_pbq_create(1, PBQ_CREDITS);
	CHECK(pbq);
}

static unsigned slots_in_use(void)
{
	unsigned i, n = 0;

	for (i = 0; i < SLOTS; i++)
		n += slots[i].in_use;
	return n;
}

/* Everything cancelled or completed; every final event must come, within 10 s. */
static void finish_ops(void)
{
	uint64_t end = async_port_now_ns() + 10000000000ULL;
	unsigned i;

	host_fail_alloc_after(0);
	for (i = 0; i < SLOTS; i++)
		cancel(i);
	while (slots_in_use() && async_port_now_ns() < end) {
		while (synth_complete_next(0)) /* the uncancellable ones */
			;
		drain(1000000);
	}
	for (i = 0; i < SLOTS; i++)
		if (slots[i].in_use)
			fprintf(stderr,
				"invariant failed: slot %u (kind %d) never posted its final "
				"event\n",
				i, slots[i].kind);
	CHECK_EQ(slots_in_use(), 0);
}

static void teardown(void)
{
	struct async_heap hs;
	unsigned i;

	finish_ops();
	CHECK_EQ(async_waiter_destroy(w), 0);
	async_pbq_destroy(pbq);
	for (i = 0; i < PBQ_IDS; i++)
		if (pb[i].state != P_NONE && !pb[i].released)
			async_buf_release(pb[i].b);
	for (i = 0; i < BUFS; i++) {
		while (bufs[i].b && bufs[i].borrows--)
			async_buf_unborrow(bufs[i].b);
		if (bufs[i].b)
			async_buf_release(bufs[i].b);
	}
	async_regbuf_destroy(regs);
	CHECK_EQ(host_as_pinned(as), 0);
	host_as_destroy(as);
	async_heap_stats(&heap, &hs);
	CHECK_EQ(hs.in_use, 0);
	CHECK(!mtx.held);
	CHECK_EQ(synth_deferred_count(), 0);
	CHECK_EQ(pools_in_use(), 0); /* waits a little: a timer may still hold its op */
	CHECK_EQ(host_timers_pending(), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	unsigned a, len, n;

	setup();
	while (in.n) {
		switch (next(&in) % 13) {
		case 0:
		case 1:
			submit(&in);
			break;
		case 2:
			synth_complete_pick(next(&in));
			break;
		case 3:
			cancel(next(&in) % SLOTS);
			break;
		case 4:
			drain(0);
			break;
		case 5:
			host_fail_alloc_after(1 + next(&in) % 8); /* a later allocation fails */
			break;
		case 6:
			buffer_step(&in);
			break;
		case 7:
			pbq_step(&in);
			break;
		case 8:
			regbuf_step(&in);
			break;
		case 9:
		case 10: /* a burst of data: up to 16 events, so the ring fills */
			a = next(&in);
			len = 1 + next(&in);
			for (n = 1 + next(&in) % 16; n; n--, len++)
				multi_deliver(a % SLOTS, len, (uint8_t)(a ^ len));
			break;
		case 11:
			post_now(&in);
			break;
		default:
			a = next(&in);
			multi_end(a % SLOTS, next(&in));
			break;
		}
	}
	teardown();
	return 0;
}
