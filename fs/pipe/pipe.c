/*
 * pipe.c - pipes on the async core (contract: fs/pipe.h).
 *
 * A pipe is one object from a static pool: a ring buffer, two end vnodes
 * and two FIFOs of waiting frames. Every read and write frame queues itself
 * and calls pipe_kick(), the one engine, which under the pipe's lock takes
 * one step at a time:
 *
 *   head writer, no read end open     -> completes: bytes in so far, or -EPIPE
 *   head writer, room for its bytes   -> copies in (all at once for a write of
 *                                        <= TIO_PIPE_BUF, else what fits);
 *                                        completes once everything is in
 *   head reader, data buffered        -> copies out, completes with the count
 *   head reader, empty, no write end  -> completes with 0 (end of file)
 *
 * and completes the frame it took outside the lock (completion runs the
 * resume steps above, which take other locks, and may close files). A
 * completion can drop the last file of an end and so free the pipe: every
 * caller of pipe_kick() holds a pipe reference across it.
 *
 * Ends: an end vnode's reference count is its open files (plus a start's
 * temporary one). Its release marks the end closed and kicks, which fails
 * the writers or ends the readers of the other side.
 *
 * Lock legend: [I] immutable after create, [L] the pipe's lock (taken with
 * interrupts masked: cancel and timeouts may come from interrupt context),
 * [a] atomic.
 */
#include <fs/pipe.h>
#include <kernel/list.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <uapi/errno.h>

_Static_assert(PARAM_PIPE_BYTES >= TIO_PIPE_BUF, "a pipe must hold an atomic write");

enum { PIPE_RD, PIPE_WR };

struct pipe {
	struct vnode ends[2];		      /* [I] PIPE_RD, PIPE_WR; ino & 1 says which */
	unsigned refs;			      /* [a] open ends + running kicks */
	struct spinlock lock;		      /* protects the [L] fields */
	bool open[2];			      /* [L] the end still has files */
	struct list_node readers, writers;    /* [L] FIFOs of waiting pipe_frames */
	unsigned head, count;		      /* [L] data is [head, head + count) mod size */
	unsigned char data[PARAM_PIPE_BYTES]; /* [L] */
};

ASYNC_POOL_DEFINE(pipe_pool, "pipe", struct pipe, PARAM_MAX_PIPES);

struct pipe_frame {
	struct vfs_io io;      /* [I] first: filled by the vfs frame */
	struct async_op *op;   /* [I] */
	uint32_t token;	       /* [I] the op's pending period */
	struct pipe *pipe;     /* [I] */
	struct list_node node; /* [L] on readers or writers while waiting */
	uint64_t done;	       /* [L] bytes of a write already in the buffer */
};
ASYNC_FRAME_STATE_CHECK(struct pipe_frame);

/* The mount the ends point at: never in the mount table, never unmounted. */
static const struct vfs_fstype pipe_fstype = {.name = "pipefs"};
static struct vfs_mount pipe_mnt = {.type = &pipe_fstype, .source = "pipe"};
static uint64_t pipe_next_ino = 2; /* [a] even: the read end; +1 the write end */

static struct pipe *pipe_of(struct vnode *v)
{
	unsigned end = (unsigned)(v->ino & 1);

	return container_of(v - end, struct pipe, ends);
}

static void pipe_get(struct pipe *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

static void pipe_put(struct pipe *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		async_pool_free(&pipe_pool, p);
}

/* ---- The ring buffer ([L]) ---- */

/* Copies @n bytes of @io's buffer, from @boff on, into the ring's free space. */
static void __ring_put(struct pipe *p, struct vfs_io *io, uint64_t boff, unsigned n)
{
	unsigned tail = (p->head + p->count) % PARAM_PIPE_BYTES;
	unsigned first = PARAM_PIPE_BYTES - tail < n ? PARAM_PIPE_BYTES - tail : n;

	vfs_buf_copy_in(io->buf, boff, p->data + tail, first);
	if (n > first)
		vfs_buf_copy_in(io->buf, boff + first, p->data, n - first);
	p->count += n;
}

static void __ring_get(struct pipe *p, struct vfs_io *io, unsigned n)
{
	unsigned first = PARAM_PIPE_BYTES - p->head < n ? PARAM_PIPE_BYTES - p->head : n;

	vfs_buf_copy_out(io->buf, io->boff, p->data + p->head, first);
	if (n > first)
		vfs_buf_copy_out(io->buf, io->boff + first, p->data, n - first);
	p->head = (p->head + n) % PARAM_PIPE_BYTES;
	p->count -= n;
	if (!p->count)
		p->head = 0;
}

/* ---- The engine ---- */

/* Moves the head writer's bytes in; returns it (unlinked) with *res once it is done. */
static struct pipe_frame *__writer_step(struct pipe *p, int64_t *res)
{
	struct pipe_frame *w = list_entry(p->writers.next, struct pipe_frame, node);
	uint64_t left = w->io.len - w->done;
	unsigned room = PARAM_PIPE_BYTES - p->count;
	unsigned n = left < room ? (unsigned)left : room;

	if (!p->open[PIPE_RD]) {
		list_del(&w->node);
		*res = w->done ? (int64_t)w->done : -EPIPE;
		return w;
	}
	if (w->io.len <= TIO_PIPE_BUF && room < left)
		return NULL; /* atomic: all of it or nothing yet */
	__ring_put(p, &w->io, w->io.boff + w->done, n);
	w->done += n;
	if (w->done < w->io.len)
		return NULL;
	list_del(&w->node);
	*res = (int64_t)w->done;
	return w;
}

static struct pipe_frame *__reader_step(struct pipe *p, int64_t *res)
{
	struct pipe_frame *r = list_entry(p->readers.next, struct pipe_frame, node);
	unsigned n = r->io.len < p->count ? (unsigned)r->io.len : p->count;

	if (!n && p->open[PIPE_WR])
		return NULL;
	if (n)
		__ring_get(p, &r->io, n);
	list_del(&r->node);
	*res = n; /* 0: empty and no writer left, end of file */
	return r;
}

/* One step: a frame to complete (unlinked) with *res, or NULL when nothing can move. */
static struct pipe_frame *__pipe_step(struct pipe *p, int64_t *res)
{
	struct pipe_frame *f = NULL;

	if (!list_empty(&p->writers))
		f = __writer_step(p, res);
	if (!f && !list_empty(&p->readers))
		f = __reader_step(p, res); /* room it makes is used by the kick's next step */
	return f;
}

static void pipe_kick(struct pipe *p)
{
	pipe_get(p);
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&p->lock);
		int64_t res = 0;
		struct pipe_frame *f = __pipe_step(p, &res);

		spin_unlock_irqrestore(&p->lock, fl);
		if (!f)
			break;
		async_op_complete(f->op, f->token, res);
	}
	pipe_put(p);
}

/* ---- The I/O frame ---- */

static int64_t pipe_io_start(struct async_op *op, void *state)
{
	struct pipe_frame *s = state;
	struct pipe *p = pipe_of(s->io.vn);
	unsigned long fl;

	if (s->io.len == 0)
		return 0;
	s->op = op;
	s->token = async_op_token(op);
	s->pipe = p;
	list_init(&s->node);
	fl = spin_lock_irqsave(&p->lock);
	list_add_tail(s->io.write ? &p->writers : &p->readers, &s->node);
	spin_unlock_irqrestore(&p->lock, fl);
	pipe_kick(p); /* may complete this very op: the core takes that */
	return ASYNC_PENDING;
}

static void pipe_io_cancel(struct async_op *op, void *state)
{
	struct pipe_frame *s = state;
	struct pipe *p = s->pipe;
	int reason = async_op_cancel_reason(op);
	unsigned long fl = spin_lock_irqsave(&p->lock);
	bool mine = list_linked(&s->node);
	int64_t res = s->done ? (int64_t)s->done : reason;

	if (mine)
		list_del(&s->node);
	spin_unlock_irqrestore(&p->lock, fl);
	if (!mine)
		return;
	pipe_get(p); /* the completion may close the last file of an end */
	async_op_complete(op, s->token, res);
	pipe_kick(p); /* a cancelled head writer may have been holding others back */
	pipe_put(p);
}

static const char *pipe_io_waiting_on(const void *state)
{
	const struct pipe_frame *s = state;

	return s->io.write ? "pipe buffer space" : "pipe data";
}

static const struct async_layer pipe_io_layer = {
    .name = "pipe",
    .state_size = sizeof(struct pipe_frame),
    .start = pipe_io_start,
    .cancel = pipe_io_cancel,
    .waiting_on = pipe_io_waiting_on,
};

/* ---- Ends ---- */

static void pipe_stat(struct vnode *v, struct tio_stat *st)
{
	struct pipe *p = pipe_of(v);
	unsigned long fl = spin_lock_irqsave(&p->lock);

	st->size = p->count;
	spin_unlock_irqrestore(&p->lock, fl);
	st->dev = UINT32_MAX; /* no mount table entry */
	st->blksize = TIO_PIPE_BUF;
}

/* The last file of an end is gone. */
static void pipe_end_release(struct vnode *v)
{
	struct pipe *p = pipe_of(v);
	unsigned long fl = spin_lock_irqsave(&p->lock);

	p->open[v->ino & 1] = false;
	spin_unlock_irqrestore(&p->lock, fl);
	pipe_kick(p);
	pipe_put(p);
}

static const struct vnode_ops pipe_end_ops = {
    .stat = pipe_stat,
    .io = &pipe_io_layer,
    .release = pipe_end_release,
};

static struct file *pipe_end_file(struct pipe *p, unsigned end)
{
	struct file *f = file_alloc(FILE_VNODE);

	if (!f)
		return NULL;
	f->vn = &p->ends[end];
	f->flags = end == PIPE_RD ? O_RDONLY : O_WRONLY;
	__atomic_add_fetch(&pipe_mnt.refs, 1,
			   __ATOMIC_RELAXED); /* vnode_put at the file's close drops it */
	return f;
}

static void pipe_setup(struct pipe *p)
{
	uint64_t ino = __atomic_fetch_add(&pipe_next_ino, 2, __ATOMIC_RELAXED);

	spin_init(&p->lock);
	list_init(&p->readers);
	list_init(&p->writers);
	p->refs = 2;
	p->head = p->count = 0;
	for (unsigned end = PIPE_RD; end <= PIPE_WR; end++) {
		p->ends[end] = (struct vnode){.ops = &pipe_end_ops,
					      .mnt = &pipe_mnt,
					      .ino = ino + end,
					      .mode = S_IFIFO | 0600};
		p->open[end] = true;
	}
}

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = async_pool_alloc(&pipe_pool);

	if (!p)
		return -ENOMEM;
	pipe_setup(p);
	/* Each file takes over one end reference; an end with no file closes now. */
	*rd = pipe_end_file(p, PIPE_RD);
	*wr = *rd ? pipe_end_file(p, PIPE_WR) : NULL;
	p->ends[PIPE_RD].refs = *rd ? 1 : 0;
	p->ends[PIPE_WR].refs = *wr ? 1 : 0;
	if (*wr)
		return 0;
	if (*rd)
		file_put(*rd); /* closes the read end */
	else
		pipe_put(p);
	pipe_put(p); /* the write end, which never had a file */
	return -ENOMEM;
}
