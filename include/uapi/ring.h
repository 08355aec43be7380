/*
 * uapi/ring.h - submission and completion rings shared between a process and
 * the kernel, on top of a waiter (uapi/async.h).
 *
 * Setup: mmap a page-aligned region, create a waiter, then
 * SYS_ring_setup(wfd, addr, len, sq_entries, cq_entries). The kernel pins the
 * region (it stays pinned until the waiter is closed; meanwhile munmap of any
 * of its pages is -EBUSY and leaves them mapped, while munmap of the process's
 * other memory works as without a ring) and lays it out as:
 *
 *   offset 0                 struct tio_ring_hdr (64 bytes)
 *   hdr.sq_off (= 64)        sq_entries x struct tio_ring_sqe (64 bytes each)
 *   hdr.cq_off               cq_entries x struct tio_event (16 bytes each)
 *
 * Both counts are powers of two (1..TIO_RING_SQ_MAX, 1..TIO_RING_CQ_MAX);
 * the region must hold the layout (TIO_RING_BYTES) and be at most
 * TIO_RING_PAGES_MAX pages. The waiter must be idle (nothing armed, no event
 * queued) and get one ring only. From then on its events go to the CQ.
 *
 * Indices are free-running uint32_t counters; entry i lives at i & (n - 1).
 *
 * Submitting: write the entry at sq_tail, then store sq_tail + 1 with release
 * ordering (__atomic_store_n(..., __ATOMIC_RELEASE)); queue as many as fit
 * (sq_tail - sq_head <= sq_entries). SYS_ring_enter(wfd, to_submit,
 * min_complete, timeout_ns) takes up to @to_submit entries from sq_head,
 * copies each once, arms its slot and starts it, exactly as SYS_submit.
 * It stops at the first entry whose slot cannot be armed (-EBUSY: slot in
 * use, -EINVAL: no such slot, -EAGAIN: the waiter's event space is full):
 * that entry stays queued. Any later error of an entry (bad opcode, bad fd,
 * bad buffer...) is that slot's completion, with the error as result.
 * The kernel stores the new sq_head (release) before it returns; an entry
 * may be reused once sq_head has passed it.
 *
 * Completing: the kernel writes an event at cq_tail and stores cq_tail + 1
 * with release ordering, from any context, as the op completes. Read cq_tail
 * with acquire ordering, read the events up to it, then store cq_head (release)
 * to give the entries back. No system call is needed to see events that are
 * already in the CQ. A slot is free again once its final event (no
 * TIO_EV_MORE) is in the CQ.
 *
 * A full CQ: nothing is dropped. The kernel holds the events that do not fit
 * (at most one per armed slot, plus multishot events within the waiter's
 * event space), sets TIO_RING_F_CQ_OVERFLOW in hdr.flags while it holds any,
 * and counts every held event in hdr.cq_overflow. Each SYS_ring_enter moves
 * held events into the CQ as room allows (to_submit 0 does just that).
 *
 * Waiting: SYS_ring_enter with min_complete > 0 returns once at least
 * @min_complete events are in the CQ, after @timeout_ns (relative;
 * TIO_WAIT_FOREVER: no limit), or when the process is killed. The result is
 * the number of entries submitted (a timeout is not an error: look at the
 * CQ), or the error of the first entry when none was submitted.
 * min_complete > cq_entries is -EINVAL.
 *
 * Trust: the kernel keeps its own copy of sq_head and cq_tail and reads
 * sq_tail and cq_head once per use. A process that writes nonsense into them
 * (sq_tail more than sq_entries past sq_head, cq_head ahead of cq_tail or
 * more than cq_entries behind) gets -EINVAL from SYS_ring_enter, or garbage
 * in its own CQ; events the kernel cannot place are held, not lost. The
 * kernel never writes outside the pinned region. A second SYS_ring_enter on
 * the same ring while one runs is -EBUSY.
 */
#ifndef UAPI_RING_H
#define UAPI_RING_H

#include <stdint.h>
#include <uapi/async.h>

#define TIO_RING_SQ_MAX	   256
#define TIO_RING_CQ_MAX	   1024
#define TIO_RING_PAGES_MAX 16

#define TIO_RING_F_CQ_OVERFLOW 0x1 /* hdr.flags: the kernel holds events that did not fit */

struct tio_ring_hdr {
	uint32_t sq_head;     /* kernel writes: the next entry the kernel takes */
	uint32_t sq_tail;     /* process writes: one past the last queued entry */
	uint32_t cq_head;     /* process writes: the next event the process reads */
	uint32_t cq_tail;     /* kernel writes: one past the last event */
	uint32_t sq_entries;  /* kernel writes at setup */
	uint32_t cq_entries;  /* kernel writes at setup */
	uint32_t sq_off;      /* byte offset of the SQ array */
	uint32_t cq_off;      /* byte offset of the CQ array */
	uint32_t flags;	      /* TIO_RING_F_* (kernel writes) */
	uint32_t cq_overflow; /* events that found the CQ full and were held */
	uint32_t resv[6];
};

/* One queued submission: the slot of the waiter and the operation. */
struct tio_ring_sqe {
	uint32_t slot;
	uint32_t resv; /* must be zero (-EINVAL as the slot's completion otherwise) */
	struct tio_sqe sqe;
};

#define TIO_RING_BYTES(sq, cq)                                                                     \
	(sizeof(struct tio_ring_hdr) + (uint64_t)(sq) * sizeof(struct tio_ring_sqe) +              \
	 (uint64_t)(cq) * sizeof(struct tio_event))

#endif
