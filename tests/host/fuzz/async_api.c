/*
 * async_api - libFuzzer target: random sequences of the async API on one
 * thread (submit every op kind, complete, cancel, wait, buffers, registered
 * buffers) with the invariants checked as it goes and at the end:
 *   - every submitted op posts exactly one final event, to its own slot;
 *   - a borrowed-kind buffer is never released while borrowed (that panics);
 *   - every pool, heap chunk and pinned page is back to zero at the end,
 *     also when pool allocations fail on purpose (host_fail_alloc_after).
 * An invariant violation aborts, which libFuzzer reports as a crash.
 */
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>

#define SLOTS 16
#define BUFS  6

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "invariant failed: %s at %s:%d\n", #c, __FILE__,           \
				__LINE__);                                                         \
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

static struct async_waiter *w;
static bool outstanding[SLOTS];
static struct async_mutex mtx;
static unsigned char heap_mem[3 * ASYNC_SPILL_CHUNK + 16];
static struct async_heap heap;

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
	struct async_join_spec spec = {.policy = j->policy % 4,
				       .quorum = j->quorum % 5,
				       .flags = j->flags & 1,
				       .nchildren = j->n % 5,
				       .setup = kid_setup,
				       .arg = &k};

	return async_join(op, &spec);
}
static const struct async_layer fz_join_layer = {
    .name = "fz-join",
    .state_size = sizeof(struct fz_join),
    .start = fz_join_start,
};

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

static int build(struct async_op *op, struct input *in)
{
	unsigned kind = next(in) % 6, a = next(in);
	struct fz_join *j;

	switch (kind) {
	case 0:
		return synth_push(op, (enum synth_mode)(a % 4), a);
	case 1:
		return loop_push(op, 1 + a % 5, a & 0x80 ? SYNTH_SYNC : SYNTH_DEFERRED);
	case 2:
		j = async_push(op, &fz_join_layer);
		if (!j)
			return -ENOMEM;
		j->policy = (uint8_t)a;
		j->n = (uint8_t)next(in);
		j->quorum = (uint8_t)next(in);
		j->flags = (uint8_t)next(in);
		j->modes = (uint8_t)next(in);
		return 0;
	case 3:
		return async_push(op, &fz_crit_layer) ? 0 : -ENOMEM;
	default:
		if (a & 1)
			async_op_reserve(op, (a % 8) * 240);
		return deep_push(op, a % 12, a & 0x10 ? SYNTH_DEFERRED : SYNTH_SYNC);
	}
}

static void submit(struct input *in)
{
	unsigned slot = next(in) % SLOTS;
	struct async_handle h;
	struct async_op *op;

	if (async_waiter_arm(w, slot, &h)) {
		CHECK(outstanding[slot] || true);
		return;
	}
	op = async_op_alloc(&heap);
	if (!op) { /* injected pool failure */
		async_waiter_disarm(&h);
		return;
	}
	if (build(op, in) || async_op_submit(op, &h)) {
		async_waiter_disarm(&h);
		return;
	}
	outstanding[slot] = true;
}

static void drain(void)
{
	struct async_event ev[8];
	int i, n;

	while ((n = async_wait_event(w, ev, 8, 0)) > 0) {
		for (i = 0; i < n; i++) {
			CHECK(ev[i].slot < SLOTS);
			CHECK(outstanding[ev[i].slot]); /* exactly once */
			CHECK(!(ev[i].flags & ASYNC_EV_MORE));
			outstanding[ev[i].slot] = false;
		}
	}
}

/* ---- buffers ---- */

struct fz_buf {
	struct async_buf *b;
	unsigned borrows;
	bool kernel_borrowed; /* borrowed kind: release while borrowed must panic */
};
static struct fz_buf bufs[BUFS];
static struct async_port_as *as;
static struct async_regbuf_table *regs;
static char user_mem[4 * 4096];

static void release_it(void *arg)
{
	async_buf_release(arg);
}

static void buffer_step(struct input *in)
{
	unsigned i = next(in) % BUFS, what = next(in) % 5;
	struct fz_buf *f = &bufs[i];
	static char kmem[BUFS][64];
	int err;

	if (!f->b) {
		f->kernel_borrowed = what & 1;
		f->b = f->kernel_borrowed ? async_buf_borrowed(kmem[i], 64, ASYNC_BUF_WRITE)
					  : async_buf_owned(64);
		return;
	}
	if (what <= 1) {
		if (async_buf_borrow(f->b, ASYNC_BUF_WRITE) == 0)
			f->borrows++;
	} else if (what == 2 && f->borrows) {
		async_buf_unborrow(f->b);
		f->borrows--;
	} else if (what == 3 && f->kernel_borrowed && f->borrows) {
		CHECK(panics(release_it, f->b)); /* released while borrowed: a kernel bug */
	} else if (what == 3 && f->borrows == 0) {
		async_buf_release(f->b);
		f->b = NULL;
	} else {
		err = async_regbuf_register(regs, 0x10000 + (next(in) % 8) * 1000,
					    1 + next(in) * 16, ASYNC_BUF_READ);
		if (err >= 0 && (next(in) & 1))
			CHECK(async_regbuf_unregister(regs, (unsigned)err) == 0);
	}
}

static void setup(void)
{
	host_fail_alloc_after(0);
	memset(outstanding, 0, sizeof(outstanding));
	memset(bufs, 0, sizeof(bufs));
	CHECK(async_waiter_create(SLOTS, &w) == 0);
	async_mutex_init(&mtx);
	CHECK(async_heap_init(&heap, "fuzz", heap_mem, sizeof(heap_mem)) == 0);
	as = host_as_create();
	CHECK(host_as_map(as, 0x10000, user_mem, sizeof(user_mem), ASYNC_BUF_READ) == 0);
	regs = async_regbuf_create(as);
	CHECK(regs);
}

static void teardown(void)
{
	struct async_heap hs;
	unsigned i;

	host_fail_alloc_after(0);
	for (i = 0; i < SLOTS; i++)
		async_waiter_cancel(w, i);
	while (synth_complete_next(0))
		;
	drain();
	for (i = 0; i < SLOTS; i++)
		CHECK(!outstanding[i]);
	CHECK(async_waiter_destroy(w) == 0);
	for (i = 0; i < BUFS; i++) {
		while (bufs[i].b && bufs[i].borrows--)
			async_buf_unborrow(bufs[i].b);
		if (bufs[i].b)
			async_buf_release(bufs[i].b);
	}
	async_regbuf_destroy(regs);
	CHECK(host_as_pinned(as) == 0);
	host_as_destroy(as);
	async_heap_stats(&heap, &hs);
	CHECK(hs.in_use == 0);
	CHECK(!mtx.held);
	CHECK(synth_deferred_count() == 0);
	CHECK(pools_in_use_now() == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	setup();
	while (in.n) {
		switch (next(&in) % 7) {
		case 0:
		case 1:
			submit(&in);
			break;
		case 2:
			synth_complete_pick(next(&in));
			break;
		case 3:
			async_waiter_cancel(w, next(&in) % SLOTS);
			break;
		case 4:
			drain();
			break;
		case 5:
			host_fail_alloc_after(1 + next(&in) % 8); /* a later allocation fails */
			break;
		default:
			buffer_step(&in);
			break;
		}
	}
	teardown();
	return 0;
}
