/*
 * uapi/async.h - the async API as user programs see it.
 *
 * A process creates a waiter with N slots (SYS_waiter_create -> a descriptor),
 * submits one operation per free slot (SYS_submit with a struct tio_sqe), and
 * collects completions with SYS_wait_event: each struct tio_event says which
 * slot finished and its result (>= 0 bytes/fd, < 0 -errno). A slot is free
 * again once its final event (no TIO_EV_MORE) has been returned.
 *
 * Buffers: by default the kernel pins the user range [addr, addr+len) for the
 * life of the op. With TIO_SQE_REGBUF, @buf_index names a buffer registered
 * once with SYS_buf_register (pinned once, cheap per op); @addr is then an
 * offset into it. With TIO_SQE_PBQ (RECV, and READ with TIO_SQE_MULTISHOT),
 * the kernel takes a buffer from the provided-buffer queue @buf_index when
 * data arrives and the event carries TIO_EV_BUF and the buffer id. Buffers
 * are given to a queue once with SYS_pbq_provide (an id already given is
 * -EEXIST); after reading an event's buffer, give it back with
 * SYS_pbq_recycle(qfd, id) (-EINVAL if that id is not taken).
 *
 * Multishot (TIO_SQE_MULTISHOT, for ACCEPT, and RECV or READ with
 * TIO_SQE_PBQ): one submission posts an event per connection / datagram /
 * chunk with TIO_EV_MORE, until a final event (error, EOF or cancel) frees
 * the slot. A provided-buffer READ (fd, buf_index = queue, offset, len; addr
 * zero; TIO_OFFSET_CUR is -EINVAL) reads up to @len bytes from @offset, one
 * buffer per chunk; its final event is 0 (all read, or end of file),
 * -ENOBUFS (no buffer queued: recycle and resubmit after the bytes
 * delivered), -EAGAIN (the event ring was full: the last chunk was dropped,
 * collect events and resubmit after the bytes delivered), or an error.
 * SYS_submit is -EAGAIN while the waiter's event ring is full (uncollected
 * multishot events plus one entry kept for each armed slot's final event).
 */
#ifndef UAPI_ASYNC_H
#define UAPI_ASYNC_H

#include <stdint.h>

enum tio_opcode {
	TIO_OP_NOP = 0,	  /* completes at once with result 0 (or after timeout_ns) */
	TIO_OP_READ = 1,  /* fd, addr/len, offset (TIO_OFFSET_CUR: file position) */
	TIO_OP_WRITE = 2, /* fd, addr/len, offset */
	TIO_OP_RECV = 3,  /* fd, addr/len or TIO_SQE_PBQ; result 0 = peer closed */
	TIO_OP_SEND = 4,  /* fd, addr/len */
	TIO_OP_ACCEPT =
	    5, /* fd = listening socket; result = new fd; aux = struct tio_sockaddr_in * or 0 */
	TIO_OP_CONNECT = 6, /* fd, addr = struct tio_sockaddr_in *, len = its size */
	TIO_OP_FSYNC = 7,   /* fd */
	TIO_OP_OPEN = 8,    /* addr = path, len = open flags, offset = mode; result = fd */
	TIO_OP_STAT = 9,    /* addr = path, aux = struct tio_stat * */
	TIO_OP_COUNT
};

#define TIO_SQE_MULTISHOT 0x1 /* keep posting events (ACCEPT, RECV with PBQ) */
#define TIO_SQE_REGBUF	  0x2 /* buf_index = registered buffer, addr = offset in it */
#define TIO_SQE_PBQ	  0x4 /* buf_index = provided-buffer queue fd */

#define TIO_OFFSET_CUR UINT64_MAX

/* SYS_wait_event timeouts: 0 polls, TIO_WAIT_FOREVER blocks until an event arrives. */
#define TIO_WAIT_FOREVER UINT64_MAX

/* One submission. Fields an opcode does not use must be zero (-EINVAL otherwise). */
struct tio_sqe {
	uint32_t opcode; /* enum tio_opcode */
	uint32_t flags;	 /* TIO_SQE_* */
	int32_t fd;
	uint32_t buf_index; /* registered buffer index or queue fd, per flags */
	uint64_t addr;
	uint64_t len;
	uint64_t offset;
	uint64_t timeout_ns; /* relative deadline; 0: none. Expiry completes with -ETIMEDOUT */
	uint64_t aux;
};

#define TIO_EV_MORE 0x1 /* multishot: more events follow for this slot */
#define TIO_EV_BUF  0x2 /* @buf is the provided buffer that holds the data */

/* One completion, as returned by SYS_wait_event. */
struct tio_event {
	uint32_t slot;
	uint16_t flags; /* TIO_EV_* */
	uint16_t buf;
	int64_t result;
};

/* access bits for SYS_buf_register */
#define TIO_BUF_READ  0x1 /* the kernel may read it (the buffer is a source: write/send) */
#define TIO_BUF_WRITE 0x2 /* the kernel may write it (the buffer is a destination: read/recv) */

#endif
