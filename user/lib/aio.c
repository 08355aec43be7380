/*
 * aio.c - submissions, waits and buffer queues over the async system calls
 * (tio/aio.h), through the waiter's shared rings when it has them (tio/ring.h).
 * Every function returns the kernel's answer unchanged, except aio_queue
 * (and so aio_submit and the one-call helpers on a waiter with rings), which
 * answers for the slot bookkeeping it keeps (-EBUSY, -EINVAL) and for a full
 * SQ (-EAGAIN), and leaves the rest to the op's event.
 */
#include <errno.h>
#include <stdlib.h>
#include <tio/aio.h>
#include <tio/sys.h>

#define AIO_SQ_MIN 4  /* SQ entries of a ring, at least (and at most TIO_RING_SQ_MAX) */
#define AIO_CQ_MIN 16 /* CQ entries, at least; twice the SQ, for multishot events */

static unsigned pow2_between(unsigned n, unsigned lo, unsigned hi)
{
	unsigned p = lo;

	while (p < n && p < hi)
		p *= 2;
	return p;
}

static int waiter_open(struct aio_waiter *w, unsigned nslots)
{
	long fd = sys_waiter_create(nslots);

	if (fd < 0)
		return (int)fd;
	w->fd = (int)fd;
	w->nslots = nslots;
	w->ring.hdr = NULL;
	w->armed = NULL;
	return 0;
}

/* Rings are a fast path: when they cannot be had the waiter keeps the system calls. */
static void waiter_ring(struct aio_waiter *w)
{
	unsigned sq = pow2_between(w->nslots, AIO_SQ_MIN, TIO_RING_SQ_MAX);
	unsigned cq = pow2_between(2 * sq, AIO_CQ_MIN, TIO_RING_CQ_MAX);

	w->armed = calloc((w->nslots + 31) / 32, sizeof(uint32_t));
	if (w->armed && aio_ring_attach(&w->ring, w->fd, w->nslots, sq, cq) == 0)
		return;
	free(w->armed);
	w->armed = NULL;
}

int aio_waiter_create(struct aio_waiter *w, unsigned nslots)
{
	int err = waiter_open(w, nslots);

	if (!err)
		waiter_ring(w);
	return err;
}

int aio_waiter_create_sys(struct aio_waiter *w, unsigned nslots)
{
	return waiter_open(w, nslots);
}

int aio_waiter_has_ring(const struct aio_waiter *w)
{
	return w->ring.hdr != NULL;
}

/* Closing cancels and waits for the ops; the region's munmap is best effort (it is refused
 * while other pinned memory of the process is in use, see SYS_munmap). */
int aio_waiter_destroy(struct aio_waiter *w)
{
	long err = sys_close(w->fd);

	if (w->ring.hdr && !err) {
		sys_munmap(w->ring.hdr, w->ring.len);
		free(w->armed);
		w->ring.hdr = NULL;
		w->armed = NULL;
	}
	return (int)err;
}

static int slot_armed(const struct aio_waiter *w, unsigned slot)
{
	return (w->armed[slot / 32] >> (slot % 32)) & 1;
}

/*
 * Submits every queued entry and, with @min > 0, waits for @min events. An entry whose
 * slot the kernel cannot arm yet (-EAGAIN: the waiter's event space is full) stays queued
 * and makes the call fail before it waits, so the wait is then its own call.
 */
static long ring_flush(struct aio_waiter *w, unsigned min, uint64_t timeout_ns)
{
	long r = aio_ring_enter(&w->ring, min, timeout_ns);

	if (r < 0 && min)
		r = sys_ring_enter(w->fd, 0, min, timeout_ns);
	return r;
}

/* Events already in the CQ; a final event frees its slot for aio_submit. */
static unsigned ring_take(struct aio_waiter *w, struct tio_event *ev, unsigned max)
{
	unsigned n = aio_ring_peek(&w->ring, ev, max);

	for (unsigned i = 0; i < n; i++)
		if (!(ev[i].flags & TIO_EV_MORE) && ev[i].slot < w->nslots)
			w->armed[ev[i].slot / 32] &= ~(1u << (ev[i].slot % 32));
	return n;
}

int aio_queue(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe)
{
	struct tio_sqe *e;

	if (!w->ring.hdr)
		return (int)sys_submit(w->fd, slot, sqe);
	if (slot >= w->nslots)
		return -EINVAL;
	if (slot_armed(w, slot))
		return -EBUSY;
	e = aio_ring_sqe(&w->ring, slot);
	if (!e) {
		ring_flush(w, 0, 0); /* the SQ is full: hand it to the kernel */
		e = aio_ring_sqe(&w->ring, slot);
		if (!e)
			return -EAGAIN;
	}
	*e = *sqe;
	w->armed[slot / 32] |= 1u << (slot % 32);
	return 0;
}

static int ring_wait(struct aio_waiter *w, struct tio_event *ev, unsigned max, uint64_t timeout_ns)
{
	unsigned n;
	long r;

	if (max == 0)
		return -EINVAL;
	n = ring_take(w, ev, max);
	if (n && !aio_ring_queued(&w->ring) &&
	    (n == max ||
	     !(__atomic_load_n(&w->ring.hdr->flags, __ATOMIC_ACQUIRE) & TIO_RING_F_CQ_OVERFLOW)))
		return (int)n; /* no system call at all */
	r = ring_flush(w, n || !timeout_ns ? 0 : 1, n ? 0 : timeout_ns);
	if (r < 0 && !n)
		return (int)r;
	return (int)(n + ring_take(w, ev + n, max - n));
}

int aio_flush(struct aio_waiter *w)
{
	long r = w->ring.hdr && aio_ring_queued(&w->ring) ? ring_flush(w, 0, 0) : 0;

	return r < 0 ? (int)r : 0;
}

/* With rings, io_uring style: queued, and a start error is the op's event (see tio/aio.h). */
int aio_submit(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe)
{
	return aio_queue(w, slot, sqe);
}

/* SYS_submit even with rings: its answer is the op's start error, for callers that act on it. */
int aio_submit_sync(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe)
{
	int err;

	aio_flush(w); /* ops start in the order they were given */
	err = (int)sys_submit(w->fd, slot, sqe);
	if (!err && w->ring.hdr && slot < w->nslots)
		w->armed[slot / 32] |= 1u << (slot % 32);
	return err;
}

int aio_wait(struct aio_waiter *w, struct tio_event *ev, unsigned max, uint64_t timeout_ns)
{
	if (w->ring.hdr)
		return ring_wait(w, ev, max, timeout_ns);
	return (int)sys_wait_event(w->fd, ev, max, timeout_ns);
}

/* A queued entry is submitted first, so that there is an op to cancel. */
int aio_cancel(struct aio_waiter *w, unsigned slot)
{
	aio_flush(w);
	return (int)sys_cancel(w->fd, slot);
}

int aio_read(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len, uint64_t off)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_READ, fd, buf, len, off);
	return aio_submit(w, slot, &sqe);
}

int aio_write(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len,
	      uint64_t off)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_WRITE, fd, (void *)buf, len, off);
	return aio_submit(w, slot, &sqe);
}

int aio_recv(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_RECV, fd, buf, len, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_send(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len)
{
	struct tio_sqe sqe;

	aio_prep_rw(&sqe, TIO_OP_SEND, fd, (void *)buf, len, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_accept(struct aio_waiter *w, unsigned slot, int fd, struct tio_sockaddr_in *peer)
{
	struct tio_sqe sqe;

	aio_prep_accept(&sqe, fd, peer, 0);
	return aio_submit(w, slot, &sqe);
}

int aio_accept_multishot(struct aio_waiter *w, unsigned slot, int fd)
{
	struct tio_sqe sqe;

	aio_prep_accept(&sqe, fd, NULL, 1);
	return aio_submit(w, slot, &sqe);
}

int aio_connect(struct aio_waiter *w, unsigned slot, int fd, const struct tio_sockaddr_in *sa)
{
	struct tio_sqe sqe;

	aio_prep_connect(&sqe, fd, sa);
	return aio_submit(w, slot, &sqe);
}

int aio_recv_multishot(struct aio_waiter *w, unsigned slot, int fd, struct aio_pbq *q)
{
	struct tio_sqe sqe;

	aio_prep_recv_pbq(&sqe, fd, q->fd, 1);
	return aio_submit(w, slot, &sqe);
}

int aio_buf_register(void *addr, size_t len, int access)
{
	return (int)sys_buf_register(addr, len, access);
}

int aio_buf_unregister(unsigned index)
{
	return (int)sys_buf_unregister(index);
}

int aio_pbq_create(struct aio_pbq *q, unsigned nbufs, size_t bufsize, unsigned nconsumers)
{
	long fd;
	int err;

	q->mem = malloc(nbufs * bufsize);
	if (!q->mem)
		return -ENOMEM;
	fd = sys_pbq_create(nbufs, nconsumers);
	if (fd < 0) {
		err = (int)fd;
		goto out_free;
	}
	q->fd = (int)fd;
	q->nbufs = nbufs;
	q->bufsize = bufsize;
	for (unsigned id = 0; id < nbufs; id++) {
		err = (int)sys_pbq_provide(q->fd, id, aio_pbq_buf(q, id), bufsize);
		if (err < 0)
			goto out_close;
	}
	return 0;

out_close:
	sys_close(q->fd);
out_free:
	free(q->mem);
	return err;
}

int aio_pbq_destroy(struct aio_pbq *q)
{
	int r = (int)sys_close(q->fd);

	free(q->mem);
	return r;
}

char *aio_pbq_buf(struct aio_pbq *q, unsigned id)
{
	return id < q->nbufs ? q->mem + (size_t)id * q->bufsize : NULL;
}

int aio_pbq_recycle(struct aio_pbq *q, unsigned id)
{
	if (id >= q->nbufs)
		return -EINVAL;
	return (int)sys_pbq_recycle(q->fd, id);
}
