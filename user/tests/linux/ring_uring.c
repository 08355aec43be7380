/*
 * ring_uring.c - the shared rings of uapi/ring.h on Linux's io_uring, for
 * the Linux build of qbench (`make bench-linux`): the same program, its ring
 * benchmarks going through io_uring with raw system calls.
 *
 * Linked into that build only, where it supplies the shim's weak hooks
 * (shim.c): SYS_ring_setup makes an io_uring with the ring's SQ and CQ sizes
 * and lays out the tio region as the kernel does; SYS_ring_enter moves up to
 * @to_submit queued tio entries into io_uring SQEs (slot in user_data), makes
 * one io_uring_enter (submit them, wait for what @min_complete still lacks),
 * and copies the CQEs into the tio CQ. So completions reach the tio CQ at
 * SYS_ring_enter only (qbench always waits in it); CQEs that do not fit stay in
 * io_uring's CQ for the next call (hdr.flags TIO_RING_F_CQ_OVERFLOW meanwhile).
 *
 * Ops: NOP (IORING_OP_NOP; with timeout_ns, IORING_OP_TIMEOUT, whose expiry is
 * the NOP's success), READ and WRITE at an offset, into a plain buffer or a
 * registered one (READ_FIXED / WRITE_FIXED: the shim's registered buffers are
 * registered with io_uring at setup). Anything else completes with
 * -EOPNOTSUPP. Timeouts of SYS_ring_enter use IORING_ENTER_EXT_ARG (5.11+).
 * Not thread-safe, one program's rings only: a benchmark's backend. The
 * shim's SYS_submit and SYS_wait_event know nothing of these rings, so a
 * waiter with one takes its ops through the ring only (qbench's ring lines
 * do; its other waiters are made without rings).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/io_uring.h>
#include <uapi/async.h>
#include <uapi/ring.h>
#include <tio/sys_entry.h>

#define L_mmap		    9
#define L_io_uring_setup    425
#define L_io_uring_enter    426
#define L_io_uring_register 427
#define RU_RINGS	    4
#define RU_BUFS		    16
#define RU_SLOTS	    4096 /* timeouts kept per slot */
#define RU_TIMEOUT	    1	 /* the slot's op is an IORING_OP_TIMEOUT */

int shim_regbuf(unsigned i, char **addr, uint64_t *len);

struct ru_ring {
	int wfd, fd; /* fd < 0: free */
	struct tio_ring_hdr *hdr;
	struct tio_ring_sqe *tsq;
	struct tio_event *tcq;
	uint32_t sq_head, cq_tail; /* ours, copied out as the kernel's would be */
	unsigned *sq_head_u, *sq_tail_u, *sq_mask, *sq_array, *cq_head_u, *cq_tail_u, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	int fixed; /* the shim's registered buffers are io_uring's fixed ones */
	struct __kernel_timespec ts[RU_SLOTS];
	unsigned char kind[RU_SLOTS];
};

static struct ru_ring rings[RU_RINGS];

static void *ru_map(int fd, size_t len, uint64_t off)
{
	long p = lsys(L_mmap, 0, (long)len, 3 /* READ|WRITE */, 0x8001 /* SHARED|POPULATE */, fd,
		      (long)off);

	return p < 0 && p > -4096 ? NULL : (void *)p;
}

static struct ru_ring *ru_of(long wfd)
{
	for (int i = 0; i < RU_RINGS; i++)
		if (rings[i].hdr && rings[i].wfd == wfd)
			return &rings[i];
	return NULL;
}

static int ru_maps(struct ru_ring *r, const struct io_uring_params *p)
{
	char *sq =
	    ru_map(r->fd, p->sq_off.array + p->sq_entries * sizeof(unsigned), IORING_OFF_SQ_RING);
	char *cq = ru_map(r->fd, p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe),
			  IORING_OFF_CQ_RING);

	r->sqes = ru_map(r->fd, p->sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
	if (!sq || !cq || !r->sqes)
		return -ENOMEM;
	r->sq_head_u = (unsigned *)(sq + p->sq_off.head);
	r->sq_tail_u = (unsigned *)(sq + p->sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p->sq_off.array);
	r->cq_head_u = (unsigned *)(cq + p->cq_off.head);
	r->cq_tail_u = (unsigned *)(cq + p->cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	return 0;
}

/* The shim's registered buffers 0..n-1 become io_uring's fixed buffers 0..n-1. */
static void ru_register(struct ru_ring *r)
{
	struct ru_iovec {
		void *base;
		size_t len;
	} iov[RU_BUFS];
	unsigned n = 0;
	char *addr;
	uint64_t len;

	while (n < RU_BUFS && shim_regbuf(n, &addr, &len) == 0) {
		iov[n].base = addr;
		iov[n].len = len;
		n++;
	}
	r->fixed =
	    n && lsys(L_io_uring_register, r->fd, IORING_REGISTER_BUFFERS, (long)iov, n, 0, 0) == 0;
}

static void ru_layout(struct ru_ring *r, long addr, uint32_t sq, uint32_t cq)
{
	r->hdr = (struct tio_ring_hdr *)addr;
	memset(r->hdr, 0, sizeof(*r->hdr));
	r->hdr->sq_entries = sq;
	r->hdr->cq_entries = cq;
	r->hdr->sq_off = sizeof(struct tio_ring_hdr);
	r->hdr->cq_off = r->hdr->sq_off + sq * (uint32_t)sizeof(struct tio_ring_sqe);
	r->tsq = (struct tio_ring_sqe *)(addr + r->hdr->sq_off);
	r->tcq = (struct tio_event *)(addr + r->hdr->cq_off);
	r->sq_head = r->cq_tail = 0;
}

long shim_ring_setup(long wfd, long addr, long len, long sq, long cq)
{
	struct io_uring_params p;
	struct ru_ring *r = NULL;
	int err;

	for (int i = 0; i < RU_RINGS && !r; i++)
		r = rings[i].hdr ? NULL : &rings[i];
	if (!r)
		return -EAGAIN;
	if (sq < 1 || sq > TIO_RING_SQ_MAX || cq < 1 || cq > TIO_RING_CQ_MAX || (sq & (sq - 1)) ||
	    (cq & (cq - 1)) || (uint64_t)len < TIO_RING_BYTES(sq, cq) || (addr & 4095) ||
	    ru_of(wfd))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = (unsigned)(cq < sq ? sq : cq); /* io_uring wants cq >= sq */
	r->fd = (int)lsys(L_io_uring_setup, sq, (long)&p, 0, 0, 0, 0);
	if (r->fd < 0)
		return r->fd;
	err = ru_maps(r, &p);
	if (err)
		return err; /* the fd stays open: a benchmark's failure path */
	ru_register(r);
	r->wfd = (int)wfd;
	ru_layout(r, addr, (uint32_t)sq, (uint32_t)cq);
	return 0;
}

/* One tio entry as an io_uring SQE; 0, or the error to complete the slot with. */
static int ru_prep(struct ru_ring *r, const struct tio_ring_sqe *e, struct io_uring_sqe *s)
{
	const struct tio_sqe *t = &e->sqe;
	int fixed = (t->flags & TIO_SQE_REGBUF) != 0;
	char *base = NULL;
	uint64_t blen = 0;

	memset(s, 0, sizeof(*s));
	s->user_data = e->slot;
	if (e->slot >= RU_SLOTS)
		return -EINVAL;
	r->kind[e->slot] = 0;
	if (t->opcode == TIO_OP_NOP && !t->timeout_ns) {
		s->opcode = IORING_OP_NOP;
		return 0;
	}
	if (t->opcode == TIO_OP_NOP) {
		r->ts[e->slot].tv_sec = (long long)(t->timeout_ns / 1000000000ULL);
		r->ts[e->slot].tv_nsec = (long long)(t->timeout_ns % 1000000000ULL);
		r->kind[e->slot] = RU_TIMEOUT;
		s->opcode = IORING_OP_TIMEOUT;
		s->addr = (uint64_t)(uintptr_t)&r->ts[e->slot];
		s->len = 1;
		return 0;
	}
	if (t->opcode != TIO_OP_READ && t->opcode != TIO_OP_WRITE)
		return -EOPNOTSUPP;
	if (fixed && shim_regbuf(t->buf_index, &base, &blen))
		return -EINVAL;
	s->fd = t->fd;
	s->off = t->offset;
	s->len = (uint32_t)t->len;
	s->addr = fixed ? (uint64_t)(uintptr_t)base + t->addr : t->addr;
	if (fixed && r->fixed) {
		s->opcode = t->opcode == TIO_OP_READ ? IORING_OP_READ_FIXED : IORING_OP_WRITE_FIXED;
		s->buf_index = (uint16_t)t->buf_index;
	} else {
		s->opcode = t->opcode == TIO_OP_READ ? IORING_OP_READ : IORING_OP_WRITE;
	}
	return 0;
}

/* A tio event at the CQ tail, if there is room. */
static int ru_post(struct ru_ring *r, uint32_t slot, long res)
{
	uint32_t head = __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);
	struct tio_event *ev;

	if (r->cq_tail - head >= r->hdr->cq_entries)
		return 0;
	ev = &r->tcq[r->cq_tail & (r->hdr->cq_entries - 1)];
	ev->slot = slot;
	ev->flags = 0;
	ev->buf = 0;
	ev->result = res;
	__atomic_store_n(&r->hdr->cq_tail, ++r->cq_tail, __ATOMIC_RELEASE);
	return 1;
}

/* Moves the queued tio entries into io_uring's SQ; returns how many. */
static unsigned ru_submit(struct ru_ring *r, unsigned want)
{
	uint32_t tail = __atomic_load_n(&r->hdr->sq_tail, __ATOMIC_ACQUIRE);
	unsigned n = 0, utail = *r->sq_tail_u;

	while (n < want && r->sq_head != tail) {
		const struct tio_ring_sqe *e = &r->tsq[r->sq_head & (r->hdr->sq_entries - 1)];
		unsigned idx = utail & *r->sq_mask;
		int err;

		if (utail - __atomic_load_n(r->sq_head_u, __ATOMIC_ACQUIRE) > *r->sq_mask)
			break; /* io_uring's SQ is full */
		err = ru_prep(r, e, &r->sqes[idx]);
		if (err) {
			r->sqes[idx].opcode = IORING_OP_NOP;
			r->sqes[idx].user_data = e->slot | ((uint64_t)(uint32_t)-err << 32);
		}
		r->sq_array[idx] = idx;
		utail++;
		r->sq_head++;
		n++;
	}
	__atomic_store_n(r->sq_tail_u, utail, __ATOMIC_RELEASE);
	__atomic_store_n(&r->hdr->sq_head, r->sq_head, __ATOMIC_RELEASE);
	return n;
}

/* CQEs into the tio CQ while it has room. */
static void ru_reap(struct ru_ring *r)
{
	unsigned head = *r->cq_head_u, tail = __atomic_load_n(r->cq_tail_u, __ATOMIC_ACQUIRE);

	for (; head != tail; head++) {
		const struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
		uint32_t slot = (uint32_t)c->user_data, err = (uint32_t)(c->user_data >> 32);
		long res = err ? -(long)err : c->res;

		if (slot < RU_SLOTS && r->kind[slot] == RU_TIMEOUT && res == -ETIME)
			res = 0; /* a NOP's timeout ran out: its success */
		if (!ru_post(r, slot, res))
			break;
	}
	__atomic_store_n(r->cq_head_u, head, __ATOMIC_RELEASE);
	__atomic_store_n(&r->hdr->flags, head != tail ? TIO_RING_F_CQ_OVERFLOW : 0u,
			 __ATOMIC_RELEASE);
}

long shim_ring_enter(long wfd, long to_submit, long min, long timeout_ns)
{
	struct ru_ring *r = ru_of(wfd);
	struct __kernel_timespec ts = {.tv_sec = (long long)((uint64_t)timeout_ns / 1000000000ULL),
				       .tv_nsec =
					   (long long)((uint64_t)timeout_ns % 1000000000ULL)};
	struct io_uring_getevents_arg arg = {.ts = (uint64_t)(uintptr_t)&ts};
	unsigned n, ready, flags = 0;
	long err;

	if (!r)
		return -EINVAL;
	if ((unsigned long)min > r->hdr->cq_entries)
		return -EINVAL;
	n = ru_submit(r, (unsigned)to_submit);
	ready = r->cq_tail - __atomic_load_n(&r->hdr->cq_head, __ATOMIC_ACQUIRE);
	min = (unsigned long)min > ready ? min - ready : 0;
	if (min)
		flags |= IORING_ENTER_GETEVENTS;
	if (min && (uint64_t)timeout_ns != TIO_WAIT_FOREVER)
		flags |= IORING_ENTER_EXT_ARG;
	err = lsys(L_io_uring_enter, r->fd, n, min, flags,
		   (flags & IORING_ENTER_EXT_ARG) ? (long)&arg : 0,
		   (flags & IORING_ENTER_EXT_ARG) ? (long)sizeof(arg) : 0);
	ru_reap(r);
	if (err < 0 && err != -ETIME && err != -EINTR)
		return n ? (long)n : err;
	return n;
}
