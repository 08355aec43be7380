/*
 * sys_ring.c - submission and completion rings shared with the process
 * (uapi/ring.h): SYS_ring_setup, SYS_ring_enter.
 *
 * A ring belongs to one waiter. Setup pins the process's region and attaches
 * the ring to the waiter as its sink (async_waiter_set_sink), so every event
 * of the waiter is written straight into the shared CQ by the post that makes
 * it, in whatever context that runs (an IRQ, a worker, the submitter). The
 * ring goes away with the waiter: closing the waiter (or exit) cancels its
 * ops, waits for them, and the waiter's destroy calls ring_release, which
 * unpins the region.
 *
 * Trust and memory: the kernel reaches the region only through the direct
 * map of the pinned frames (r->page[]), never through the process's page
 * tables, so nothing the process does to its mappings meanwhile matters
 * (munmap of the region's pages is -EBUSY anyway: the pin is listed as a
 * hold, uvm_hold, so that the process can still unmap its other memory). Of the shared header the
 * kernel only reads sq_tail and cq_head, each once per use, with acquire
 * loads; its own indices (sq_head, cq_tail) live here and are only copied
 * out, with release stores after the entries they publish. Each SQ entry is
 * copied once into kernel memory before anything looks at it, so a process
 * rewriting it meanwhile changes nothing the kernel does.
 *
 * Locking: cq_tail, overflow and held [W] belong to the waiter's lock (the
 * sink callbacks run under it; enter peeks at cq_tail and held without it,
 * with atomic loads, and takes what it sees as of a moment in the call);
 * sq_head [E] to the one SYS_ring_enter that holds @entering; the rest is
 * [I] after setup.
 */
#include <arch/x86_64/mmu.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <uapi/errno.h>
#include <uapi/ring.h>
#include "syscall_int.h"

#define RING_SLICE_NS 50000000ULL /* a blocked ring_enter re-checks for kill this often */
#define RING_PAGE     4096u
#define RING_NOW_MAX  32u /* NOPs posted per lock section */

_Static_assert(sizeof(struct tio_ring_hdr) == 64, "ring header layout");
_Static_assert(sizeof(struct tio_ring_sqe) == 64, "ring sqe layout");
_Static_assert(sizeof(struct tio_event) == sizeof(struct async_event), "event layout");

struct sys_ring {
	struct async_sink sink;			/* [I] first member: see ring_of() */
	struct async_port_as *as;		/* [I] the space the region is pinned in */
	struct async_sg sg[TIO_RING_PAGES_MAX]; /* [I] the pin */
	unsigned nsg;				/* [I] */
	int hold;				/* [I] the region's uvm_hold entry */
	uint8_t *page[TIO_RING_PAGES_MAX];	/* [I] direct-map address of each page */
	struct tio_ring_hdr *hdr;		/* [I] page[0] */
	uint32_t sq_entries, cq_entries;	/* [I] powers of two */
	uint32_t sq_off, cq_off;		/* [I] */
	uint32_t sq_head;			/* [E] */
	uint32_t cq_tail;			/* [W] == (uint32_t)async_waiter_sunk() */
	uint32_t overflow;			/* [W] events held since setup */
	unsigned held;				/* [W] events held now */
	int entering;				/* [a] a SYS_ring_enter runs */
};

ASYNC_POOL_DEFINE(sys_ring_pool, "ring", struct sys_ring, ASYNC_WAITERS_MAX);

static struct sys_ring *ring_of(struct async_sink *s)
{
	return (struct sys_ring *)s;
}

/* Kernel address of byte @off of the region; entries never straddle pages. */
static void *ring_at(struct sys_ring *r, uint32_t off)
{
	return r->page[off / RING_PAGE] + off % RING_PAGE;
}

/* ---- The sink: runs under the waiter's lock, any context ---- */

static bool ring_push(struct async_sink *s, const struct async_event *ev)
{
	struct sys_ring *r = ring_of(s);
	uint32_t head = __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);

	/* Full, or a head that is not between tail - entries and tail: hold it. */
	if (r->cq_tail - head >= r->cq_entries)
		return false;
	/* A struct copy: two plain moves, no call. */
	*(struct async_event *)ring_at(r, r->cq_off + (r->cq_tail & (r->cq_entries - 1)) *
							  (uint32_t)sizeof(*ev)) = *ev;
	__atomic_store_n(&r->cq_tail, r->cq_tail + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->hdr->cq_tail, r->cq_tail, __ATOMIC_RELEASE);
	return true;
}

static void ring_held(struct async_sink *s, unsigned held, bool new_event)
{
	struct sys_ring *r = ring_of(s);

	if (new_event)
		__atomic_store_n(&r->hdr->cq_overflow, ++r->overflow, __ATOMIC_RELAXED);
	__atomic_store_n(&r->held, held, __ATOMIC_RELAXED);
	__atomic_store_n(&r->hdr->flags, held ? TIO_RING_F_CQ_OVERFLOW : 0u, __ATOMIC_RELEASE);
}

static void ring_release(struct async_sink *s)
{
	struct sys_ring *r = ring_of(s);

	uvm_unhold(r->as, r->hold);
	async_port_user_unpin(r->as, r->sg, r->nsg);
	async_pool_free(&sys_ring_pool, r);
}

/* ---- Setup ---- */

static bool pow2_in(uint64_t n, uint64_t max)
{
	return n && n <= max && !(n & (n - 1));
}

/* Pins [addr, addr + len) and records each page's direct-map address. */
static int ring_pin(struct proc *p, struct sys_ring *r, uint64_t addr, uint64_t len)
{
	int n = async_port_user_pin(&p->as, addr, len, ASYNC_BUF_READ | ASYNC_BUF_WRITE, r->sg,
				    TIO_RING_PAGES_MAX);
	unsigned i, pages = 0;

	if (n < 0)
		return n;
	r->as = &p->as;
	r->nsg = (unsigned)n;
	r->hold = uvm_hold(p, addr, len); /* munmap refuses these pages, not all */
	if (r->hold < 0) {
		async_port_user_unpin(r->as, r->sg, r->nsg);
		return r->hold;
	}
	for (i = 0; i < r->nsg; i++)
		for (uint64_t off = 0; off < r->sg[i].len; off += RING_PAGE)
			r->page[pages++] = phys_to_virt(r->sg[i].phys + off);
	return 0;
}

static void ring_init_hdr(struct sys_ring *r, uint32_t sq, uint32_t cq)
{
	r->hdr = (struct tio_ring_hdr *)r->page[0];
	r->sq_entries = sq;
	r->cq_entries = cq;
	r->sq_off = sizeof(struct tio_ring_hdr);
	r->cq_off = r->sq_off + sq * (uint32_t)sizeof(struct tio_ring_sqe);
	memset(r->hdr, 0, sizeof(*r->hdr));
	r->hdr->sq_entries = sq;
	r->hdr->cq_entries = cq;
	r->hdr->sq_off = r->sq_off;
	r->hdr->cq_off = r->cq_off;
	r->sink.push = ring_push;
	r->sink.held = ring_held;
	r->sink.release = ring_release;
}

/* a: wfd, addr, len, sq_entries, cq_entries */
SYSCALL_DECL(ring_setup)
{
	struct file *wf = fd_get(p, a[0]);
	struct sys_ring *r = NULL;
	int err = -EINVAL;

	if (!wf || wf->kind != FILE_WAITER) {
		err = -EBADF;
		goto out_put;
	}
	if (!pow2_in(a[3], TIO_RING_SQ_MAX) || !pow2_in(a[4], TIO_RING_CQ_MAX) ||
	    (a[1] % RING_PAGE) || (a[2] % RING_PAGE) || a[2] > TIO_RING_PAGES_MAX * RING_PAGE ||
	    TIO_RING_BYTES(a[3], a[4]) > a[2])
		goto out_put;
	r = async_pool_zalloc(&sys_ring_pool);
	err = r ? ring_pin(p, r, a[1], a[2]) : -ENOMEM;
	if (err)
		goto out_free;
	ring_init_hdr(r, (uint32_t)a[3], (uint32_t)a[4]);
	err = async_waiter_set_sink(wf->waiter, &r->sink);
	if (!err)
		goto out_put;
	uvm_unhold(r->as, r->hold);
	async_port_user_unpin(r->as, r->sg, r->nsg);
out_free:
	if (r)
		async_pool_free(&sys_ring_pool, r);
out_put:
	if (wf)
		file_put(wf);
	return err;
}

/* ---- Enter: submit, flush, wait ---- */

/*
 * One SYS_ring_enter's submission run: entries are consumed in order; each
 * either completes inline (docs/async.md "Inline completion": no op, its
 * final event posted by the submitting thread) or becomes an op. Events
 * reach the CQ in submission order: the NOPs gathered in @now are posted
 * before anything after them starts, and an op's held final event
 * (@posts) before the first NOP after it is gathered.
 */
struct ring_run {
	struct proc *p;
	struct sys_ring *r;
	struct async_waiter *w;
	struct async_post_batch posts;
	struct proc_charge_batch batch; /* valid iff @charging: begun by the first op */
	bool charging;
	struct async_event now[RING_NOW_MAX]; /* plain NOPs consumed, events not yet posted */
	unsigned nnow;
	long done; /* entries consumed */
};

/* Posts the gathered NOPs; on a slot that cannot be armed, that entry and the
 * ones after it go back to the queue (a NOP has nothing to undo). */
static int run_post_now(struct ring_run *run)
{
	int err = 0;
	unsigned n = run->nnow ? async_waiter_post_now(run->w, run->now, run->nnow, &err) : 0;

	run->r->sq_head -= run->nnow - n;
	run->done -= run->nnow - n;
	run->nnow = 0;
	return err;
}

/* Before the run's first op: ops finishing in this run pay for the next. */
static void run_charge(struct ring_run *run)
{
	if (!run->charging) {
		proc_batch_begin(&run->batch, run->p, PROC_RES_OPS);
		run->charging = true;
	}
}

/*
 * A READ or WRITE that may complete inline (sys_async_rw_candidate): inline
 * if its file's data is in memory (sys_async_rw_now), else an op. Its slot
 * is armed first, on its own: a read or write done inline cannot be taken
 * back if the slot then could not be armed.
 */
static int run_start_rw(struct ring_run *run, const struct tio_ring_sqe *e)
{
	struct async_handle h;
	int64_t res;
	int err;

	async_post_batch_end(&run->posts); /* events stay in submission order */
	err = async_waiter_arm(run->w, e->slot, &h);
	if (err)
		return err;
	if (sys_async_rw_now(run->p, &e->sqe, &res)) {
		async_waiter_post(&h, res, 0, 0);
		return 0;
	}
	run_charge(run);
	err = sys_async_start(run->p, &h, &e->sqe);
	if (err)
		async_waiter_post(&h, err, 0, 0); /* its error is its completion */
	return 0;
}

/* @e as an op, on its slot; an error only if the slot could not be armed. */
static int run_start(struct ring_run *run, const struct tio_ring_sqe *e)
{
	struct async_handle h;
	struct async_op *op;
	int err;

	if (!e->resv && sys_async_rw_candidate(&e->sqe))
		return run_start_rw(run, e);
	run_charge(run);
	/* Post the previous op's held final event, arm the slot and take an
	 * op from the waiter's cache: one lock section. The op holds its
	 * own final event in @posts if it finishes inside its submit. */
	err = async_op_alloc_armed_batch(&run->posts, run->w, e->slot, &run->p->heap, &h, &op);
	if (err)
		return err;
	if (e->resv && op)
		async_op_discard(op);
	err = e->resv ? -EINVAL : sys_async_start_op(run->p, &h, &e->sqe, op);
	if (err) {
		async_post_batch_end(&run->posts); /* events stay in submission order */
		async_waiter_post(&h, err, 0, 0);  /* its error is its completion */
	}
	return 0;
}

/*
 * Starts up to @want queued entries. Returns how many were consumed, or the
 * error of the first one if its slot could not be armed.
 */
static long ring_submit(struct proc *p, struct sys_ring *r, struct async_waiter *w, uint64_t want)
{
	uint32_t tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	uint32_t queued = tail - r->sq_head;
	struct ring_run run; /* not zeroed whole: @now is only read up to @nnow */
	int err = 0;

	if (queued > r->sq_entries)
		return -EINVAL;
	run.p = p;
	run.r = r;
	run.w = w;
	run.posts = (struct async_post_batch){0};
	run.nnow = 0;
	run.done = 0;
	run.charging = false;
	while (!err && (uint64_t)run.done < want && (uint32_t)run.done < queued) {
		uint32_t off = r->sq_off + (r->sq_head & (r->sq_entries - 1)) *
					       (uint32_t)sizeof(struct tio_ring_sqe);
		struct tio_ring_sqe e;

		e = *(const struct tio_ring_sqe *)ring_at(r, off); /* the one read of the entry */
		if (!e.resv && sys_async_nop_now(&e.sqe)) {
			if (!run.nnow)
				async_post_batch_end(&run.posts);
			run.now[run.nnow++] = (struct async_event){.slot = e.slot};
			r->sq_head++;
			run.done++;
			if (run.nnow == RING_NOW_MAX)
				err = run_post_now(&run);
			continue;
		}
		err = run_post_now(&run);
		if (!err)
			err = run_start(&run, &e);
		if (!err) {
			r->sq_head++; /* on error the entry stays queued */
			run.done++;
		}
	}
	if (!err)
		err = run_post_now(&run);
	async_post_batch_end(&run.posts);
	if (run.charging)
		proc_batch_end(&run.batch);
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	return run.done ? run.done : err;
}

/* Events in the CQ (-1u if the process's cq_head is not within the last cq_entries). */
static uint32_t ring_ready(struct sys_ring *r, uint32_t tail)
{
	uint32_t ready = tail - __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);

	return ready > r->cq_entries ? UINT32_MAX : ready;
}

/*
 * Sleeps until @min events are in the CQ, @timeout_ns passes or @p is killed.
 * Most calls find them there already: that check reads cq_tail lock-free
 * (an event posted meanwhile is one that came after the look) and no clock.
 */
static int ring_wait(struct proc *p, struct sys_ring *r, struct async_waiter *w, uint64_t min,
		     uint64_t timeout_ns)
{
	uint32_t ready = ring_ready(r, __atomic_load_n(&r->cq_tail, __ATOMIC_RELAXED));
	unsigned long sunk, target;
	uint64_t now, deadline;

	if (min > r->cq_entries || ready == UINT32_MAX)
		return -EINVAL;
	if (ready >= min)
		return 0;
	sunk = async_waiter_sunk(w); /* the CQ's tail as of now, and the count to wait on */
	ready = ring_ready(r, (uint32_t)sunk);
	if (ready == UINT32_MAX)
		return -EINVAL;
	if (ready >= min)
		return 0;
	target = sunk + (min - ready);
	now = clock_now_ns();
	deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
	for (;;) {
		uint64_t t = clock_now_ns(), left = deadline > t ? deadline - t : 0;

		if (async_waiter_wait_sunk(w, target,
					   left < RING_SLICE_NS ? left : RING_SLICE_NS) ||
		    left == 0 || proc_killed(p))
			return 0;
	}
}

/* a: wfd, to_submit, min_complete, timeout_ns */
SYSCALL_DECL(ring_enter)
{
	struct file *wf = fd_get(p, a[0]);
	struct async_sink *sink;
	struct sys_ring *r;
	long ret;
	int err;

	if (!wf || wf->kind != FILE_WAITER) {
		ret = -EBADF;
		goto out_put;
	}
	sink = async_waiter_sink(wf->waiter);
	if (!sink) {
		ret = -EINVAL; /* no ring on this waiter */
		goto out_put;
	}
	r = ring_of(sink);
	if (__atomic_exchange_n(&r->entering, 1, __ATOMIC_ACQUIRE)) {
		ret = -EBUSY;
		goto out_put;
	}
	ret = ring_submit(p, r, wf->waiter, a[1]);
	if (__atomic_load_n(&r->held, __ATOMIC_RELAXED))
		async_waiter_flush(wf->waiter, NULL); /* into the room the process made */
	if (ret >= 0 && a[2]) {
		err = ring_wait(p, r, wf->waiter, a[2], a[3]);
		if (err && ret == 0)
			ret = err;
	}
	__atomic_store_n(&r->entering, 0, __ATOMIC_RELEASE);
out_put:
	if (wf)
		file_put(wf);
	return ret;
}
