/*
 * tio/ring.h - the shared submission/completion rings (uapi/ring.h) in a
 * friendly form.
 *
 *   struct aio_ring r;
 *   aio_ring_create(&r, 64, 32, 64);        // waiter of 64 slots, SQ 32, CQ 64
 *   sqe = aio_ring_sqe(&r, 5);              // slot 5; NULL when the SQ is full
 *   sqe->opcode = TIO_OP_NOP;
 *   aio_ring_enter(&r, 1, TIO_WAIT_FOREVER); // submit all queued, wait for 1 event
 *   n = aio_ring_peek(&r, ev, 8);           // events from user memory, no syscall
 *
 * Not thread-safe: one user of a ring at a time (programs have one thread).
 * Every function returns 0 / a count, or the kernel's negative errno.
 */
#ifndef TIO_RING_H
#define TIO_RING_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/ring.h>

struct aio_ring {
	int wfd;		  /* [I] the waiter descriptor */
	unsigned nslots;	  /* [I] */
	struct tio_ring_hdr *hdr; /* [I] the shared region */
	struct tio_ring_sqe *sq;  /* [I] */
	struct tio_event *cq;	  /* [I] */
	size_t len;		  /* [I] bytes mapped */
	uint32_t sq_tail;	  /* entries filled, published at the next enter */
};

/* mmap the region, create the waiter, SYS_ring_setup. */
int aio_ring_create(struct aio_ring *r, unsigned nslots, unsigned sq_entries, unsigned cq_entries);
/* Gives the existing waiter @wfd rings in a new region (aio_ring_create without the waiter). */
int aio_ring_attach(struct aio_ring *r, int wfd, unsigned nslots, unsigned sq_entries,
		    unsigned cq_entries);
/* Entries written by aio_ring_sqe and not yet taken by the kernel. */
unsigned aio_ring_queued(const struct aio_ring *r);
/* Closes the waiter (cancels and waits for its ops) and unmaps the region. */
int aio_ring_destroy(struct aio_ring *r);
/* The next SQ entry, zeroed and bound to @slot, or NULL while the SQ is full. */
struct tio_sqe *aio_ring_sqe(struct aio_ring *r, unsigned slot);
/* Publishes the filled entries and submits them all; waits for @min_complete events in the CQ. */
long aio_ring_enter(struct aio_ring *r, unsigned min_complete, uint64_t timeout_ns);
/* Events in the CQ now (a plain read of the shared indices). */
unsigned aio_ring_ready(const struct aio_ring *r);
/* Copies up to @max events out of the CQ and gives their entries back. No system call. */
unsigned aio_ring_peek(struct aio_ring *r, struct tio_event *ev, unsigned max);
/* aio_ring_peek, or if the CQ is empty aio_ring_enter(1, timeout) first. 0 on timeout. */
long aio_ring_wait(struct aio_ring *r, struct tio_event *ev, unsigned max, uint64_t timeout_ns);

#endif
