/*
 * sys_pbq.c - the consumer side of provided-buffer queues (uapi/async.h):
 * SYS_pbq_recycle, and READ with TIO_SQE_PBQ | TIO_SQE_MULTISHOT, which
 * reads a file chunk by chunk into buffers it takes from a queue.
 *
 * A PBQ read is an op with one "pbqread" frame at the bottom; for each chunk
 * it takes the oldest queued buffer (consumer 0 of the queue), pushes the vfs
 * frame the plain READ uses over it, and when the chunk is read posts a
 * TIO_EV_MORE | TIO_EV_BUF event naming the buffer id. The user reads the
 * buffer and gives it back with SYS_pbq_recycle. The final event says why
 * the reading stopped:
 *
 *   0          @len bytes were read, or end of file
 *   -ENOBUFS   no buffer was queued for the next chunk: recycle, submit again
 *              at the offset after the bytes delivered
 *   -EAGAIN    the waiter's event ring was full: the chunk just read is
 *              dropped (its buffer goes back to the queue); collect events
 *              and submit again at the offset after the bytes delivered
 *   < 0        the read's own error, or the cancel reason
 *
 * The frame holds a reference to the file and to the queue's descriptor for
 * the op's life, so neither goes away under it (closing the queue while a
 * read runs is safe: the queue is destroyed when the op lets go).
 */
#include <net/net.h>
#include <uapi/async.h>
#include <uapi/errno.h>
#include "syscall_int.h"

/* A descriptor of kind @kind (referenced), or NULL. */
static struct file *fd_get_kind(struct proc *p, uint64_t fd, enum file_kind kind)
{
	struct file *f = fd_get(p, fd);

	if (f && f->kind != kind) {
		file_put(f);
		return NULL;
	}
	return f;
}

SYSCALL_DECL(pbq_recycle)
{
	struct file *qf = fd_get_kind(p, a[0], FILE_PBQ);
	int err;

	if (!qf)
		return -EBADF;
	err = a[1] >= ASYNC_PBQ_MAX ? -EINVAL : async_pbq_recycle(qf->pbq, (unsigned)a[1]);
	if (!err)
		net_pbq_refilled(qf->pbq); /* a stream receive may wait for a buffer */
	file_put(qf);
	return err;
}

struct pbqread_frame {
	struct file *file;     /* [O] the file read, put when the op ends */
	struct file *qfile;    /* [O] the queue's descriptor, put when the op ends */
	struct async_buf *buf; /* [O] the buffer of the chunk in flight, NULL between chunks */
	unsigned id;	       /* [O] @buf's id, valid iff buf */
	uint64_t off;	       /* [O] offset of the next chunk */
	uint64_t left;	       /* [O] bytes still to read */
};
ASYNC_FRAME_STATE_CHECK(struct pbqread_frame);

static int64_t pbqread_end(struct pbqread_frame *s, int64_t result)
{
	file_put(s->file);
	file_put(s->qfile);
	return result;
}

/* Takes a buffer and starts reading the next chunk into it, or ends the op. */
static int64_t pbqread_next(struct async_op *op, struct pbqread_frame *s)
{
	struct async_buf *b;
	uint64_t len;
	int id, err;

	if (s->left == 0)
		return pbqread_end(s, 0);
	id = async_pbq_take(s->qfile->pbq, 0, &b);
	if (id < 0)
		return pbqread_end(s, -ENOBUFS);
	len = async_buf_len(b) < s->left ? async_buf_len(b) : s->left;
	err = vfs_io_push(op, s->file, b, 0, len, s->off, false);
	if (err) {
		async_buf_unborrow(b);
		async_pbq_recycle(s->qfile->pbq, (unsigned)id);
		return pbqread_end(s, err);
	}
	s->buf = b;
	s->id = (unsigned)id;
	return ASYNC_CALL;
}

static int64_t pbqread_start(struct async_op *op, void *state)
{
	return pbqread_next(op, state);
}

static int64_t pbqread_resume(struct async_op *op, void *state, int64_t result)
{
	struct pbqread_frame *s = state;
	int err = 0;

	async_buf_unborrow(s->buf); /* the take's borrow: the chunk is written */
	s->buf = NULL;
	if (result > 0)
		err = async_op_post_more(op, result, ASYNC_EV_BUF, s->id);
	if (result <= 0 || err) {
		/* Nothing for the user in it: back to the queue. */
		async_pbq_recycle(s->qfile->pbq, s->id);
		return pbqread_end(s, result < 0 ? result : err);
	}
	s->off += (uint64_t)result;
	s->left -= (uint64_t)result; /* the vfs frame reads at most the chunk's length */
	return pbqread_next(op, s);
}

static const char *pbqread_waiting_on(const void *state)
{
	(void)state;
	return "provided-buffer read";
}

static const struct async_layer pbqread_layer = {.name = "pbqread",
						 .state_size = sizeof(struct pbqread_frame),
						 .start = pbqread_start,
						 .resume = pbqread_resume,
						 .waiting_on = pbqread_waiting_on};

int sys_pbq_read_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe)
{
	struct file *f = fd_get_kind(p, (uint64_t)(int64_t)sqe->fd, FILE_VNODE);
	struct file *qf = fd_get_kind(p, sqe->buf_index, FILE_PBQ);
	struct pbqread_frame *s;
	int err = 0;

	if (!f || !qf)
		err = -EBADF;
	else if (sqe->len == 0 || sqe->offset == TIO_OFFSET_CUR)
		err = -EINVAL;
	else if (!(s = async_push(op, &pbqread_layer)))
		err = (int)async_op_push_error(op);
	if (err) {
		if (f)
			file_put(f);
		if (qf)
			file_put(qf);
		return err;
	}
	*s = (struct pbqread_frame){.file = f, .qfile = qf, .off = sqe->offset, .left = sqe->len};
	return 0;
}
