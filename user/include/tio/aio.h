/*
 * tio/aio.h - the async API in a friendly form: thin helpers over struct
 * tio_sqe / struct tio_event (uapi/async.h) and the SYS_waiter_* calls.
 *
 *   struct aio_waiter w;
 *   aio_waiter_create(&w, 16);
 *   aio_recv(&w, 3, sock, buf, sizeof(buf));       // slot 3 is now armed
 *   n = aio_wait(&w, ev, 8, 0);                     // events; slot free after
 *                                                   // its final event
 * Two layers:
 *   - aio_prep_*(): fill a struct tio_sqe (pure: zeroes every field the
 *     opcode does not use, since the kernel rejects non-zero ones);
 *   - aio_*(): prep + aio_submit on a slot. Results are 0 or a negative
 *     errno; -EBUSY means the slot is still armed.
 *
 * Rings: aio_waiter_create gives the waiter shared submission/completion
 * rings (uapi/ring.h, tio/ring.h) when the kernel has them. Then
 *   - aio_wait copies events that are already in the CQ without a system
 *     call, and otherwise submits what is queued and waits in one
 *     SYS_ring_enter;
 *   - aio_queue writes the entry into the SQ, no system call: the queued
 *     entries go to the kernel together at the next aio_wait, aio_flush or
 *     aio_cancel (or when the SQ is full). An error of the op itself (bad
 *     opcode, descriptor, buffer) is then its slot's event, not aio_queue's
 *     answer; aio_queue answers only -EBUSY (the slot is armed: the library
 *     tracks final events it returned), -EINVAL (no such slot) and -EAGAIN
 *     (below).
 *   - aio_submit and the one-call helpers (aio_read, aio_recv, aio_accept...)
 *     are aio_queue, io_uring style: 0 means queued, and an error in
 *     starting the op (-EBADF, -EINVAL, -EOPNOTSUPP, -ENOMEM...) arrives
 *     later as the slot's final event, with the error as result. A caller
 *     that must act on the start error itself (take another path at once)
 *     says so and uses aio_submit_sync: one SYS_submit, answered now.
 *   - The SQ is full: aio_queue submits what is queued (one SYS_ring_enter,
 *     no wait) and queues; -EAGAIN if the kernel took none of it (e.g. the
 *     waiter's event space is full: collect events, then submit again).
 *   - A queued op has not started: memory it reads at start (CONNECT's
 *     address) must stay valid until the next aio_wait/aio_flush/aio_cancel,
 *     and a synchronous call that needs the op started first (close of its
 *     descriptor, a blocking call the op must precede) comes after aio_flush.
 * Without rings (a kernel that refuses SYS_ring_setup, as the host tests'
 * Linux shim does; or aio_waiter_create_sys) aio_queue, aio_submit and
 * aio_submit_sync are one SYS_submit each (the start error is their answer)
 * and aio_wait is one SYS_wait_event.
 * Provided buffer queues (struct aio_pbq) own their memory: nbufs buffers of
 * bufsize bytes, all given to the kernel at creation; after a TIO_EV_BUF
 * event, read aio_pbq_buf(q, ev.buf) and then hand it back with
 * aio_pbq_recycle() (SYS_pbq_recycle: the buffer is queued again).
 */
#ifndef TIO_AIO_H
#define TIO_AIO_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/async.h>
#include <uapi/net.h>

#include <tio/ring.h>

struct aio_waiter {
	int fd;		      /* [I] waiter descriptor */
	unsigned nslots;      /* [I] */
	struct aio_ring ring; /* valid iff ring.hdr: the waiter's rings */
	uint32_t *armed;      /* valid iff ring.hdr: bit per slot, set from aio_submit to the
				 final event's aio_wait */
};

struct aio_pbq {
	int fd;		/* [I] queue descriptor (the buf_index of PBQ ops) */
	unsigned nbufs; /* [I] */
	size_t bufsize; /* [I] */
	char *mem;	/* [I] nbufs * bufsize bytes, owned by the queue */
};

/* Pure: fill @sqe (every other field zeroed). */
void aio_prep_rw(struct tio_sqe *sqe, uint32_t op, int fd, void *buf, size_t len, uint64_t off);
void aio_prep_rw_fixed(struct tio_sqe *sqe, uint32_t op, int fd, unsigned buf_index, size_t buf_off,
		       size_t len, uint64_t off);
void aio_prep_accept(struct tio_sqe *sqe, int fd, struct tio_sockaddr_in *peer, int multishot);
void aio_prep_connect(struct tio_sqe *sqe, int fd, const struct tio_sockaddr_in *sa);
void aio_prep_recv_pbq(struct tio_sqe *sqe, int fd, int qfd, int multishot);
/* Multishot read of up to @len bytes from @off into buffers of queue @qfd (uapi/async.h). */
void aio_prep_read_pbq(struct tio_sqe *sqe, int fd, int qfd, uint64_t off, uint64_t len);

/* Waiters */
/* With rings when the kernel has them (see above). */
int aio_waiter_create(struct aio_waiter *w, unsigned nslots);
/* Without rings: SYS_submit and SYS_wait_event per call (benchmarks, ABI tests). */
int aio_waiter_create_sys(struct aio_waiter *w, unsigned nslots);
/* 1 if @w submits through rings. */
int aio_waiter_has_ring(const struct aio_waiter *w);
int aio_waiter_destroy(struct aio_waiter *w);
/* aio_queue with rings, SYS_submit without (see above). */
int aio_submit(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe);
/* One SYS_submit now, rings or not (queued entries are flushed first): its answer is the op's
 * start error. */
int aio_submit_sync(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe);
/* Up to @max events; waits up to @timeout_ns (0: poll, TIO_WAIT_FOREVER: no limit). Count (0 on
 * timeout) or -errno. */
int aio_wait(struct aio_waiter *w, struct tio_event *ev, unsigned max, uint64_t timeout_ns);
/* Batched submission (see Rings above): 0, -EBUSY, -EINVAL, -EAGAIN (the SQ is full and the
 * kernel takes none of it). */
int aio_queue(struct aio_waiter *w, unsigned slot, const struct tio_sqe *sqe);
/* Submits every queued entry now (one SYS_ring_enter; nothing without rings). */
int aio_flush(struct aio_waiter *w);
int aio_cancel(struct aio_waiter *w, unsigned slot);

/* One-call submissions */
int aio_read(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len, uint64_t off);
int aio_write(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len,
	      uint64_t off);
int aio_recv(struct aio_waiter *w, unsigned slot, int fd, void *buf, size_t len);
int aio_send(struct aio_waiter *w, unsigned slot, int fd, const void *buf, size_t len);
int aio_accept(struct aio_waiter *w, unsigned slot, int fd, struct tio_sockaddr_in *peer);
int aio_accept_multishot(struct aio_waiter *w, unsigned slot, int fd);
int aio_connect(struct aio_waiter *w, unsigned slot, int fd, const struct tio_sockaddr_in *sa);
int aio_recv_multishot(struct aio_waiter *w, unsigned slot, int fd, struct aio_pbq *q);

/* Registered buffers: index >= 0 or -errno. */
int aio_buf_register(void *addr, size_t len, int access);
int aio_buf_unregister(unsigned index);

/* Provided buffer queues */
int aio_pbq_create(struct aio_pbq *q, unsigned nbufs, size_t bufsize, unsigned nconsumers);
int aio_pbq_destroy(struct aio_pbq *q);
char *aio_pbq_buf(struct aio_pbq *q, unsigned id);
int aio_pbq_recycle(struct aio_pbq *q, unsigned id);

#endif
