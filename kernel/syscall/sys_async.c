/*
 * sys_async.c - the async API (uapi/async.h): waiters as descriptors,
 * submissions built into ops, events, cancel, registered buffers and
 * provided-buffer queues.
 *
 * A READ/WRITE submission becomes an op with two frames: "sysio" at the
 * bottom (owns the file reference and the buffer, releases both when the
 * op completes) and the vfs frame on top, the same frame the synchronous
 * read/write use. NOP completes at once, or parks until its timeout (then
 * -ETIMEDOUT) or a cancel (-ECANCELED). OPEN and STAT run their lookup in
 * a worker (it may read a disk: see build_meta); FSYNC runs at submit and
 * posts its result through the slot like any op. RECV and SEND on a socket
 * are built by sys_net.c (RECV also multishot into provided buffers:
 * TIO_SQE_PBQ | TIO_SQE_MULTISHOT, fd and buf_index only), and so are
 * ACCEPT (fd, aux = peer address or 0; with TIO_SQE_MULTISHOT, fd only) and
 * CONNECT (fd, addr/len = the address). READ with TIO_SQE_PBQ
 * | TIO_SQE_MULTISHOT reads into provided buffers (sys_pbq.c); those flags
 * on any other opcode are -EINVAL. A user buffer of one op must fit
 * ASYNC_SG_MAX physical ranges (at least 60 KiB): longer ones are -EINVAL
 * (the synchronous calls split instead).
 *
 * Limits (kernel/limits.h): every submitted op is charged to its process
 * (one op, plus one buffer descriptor for a READ/WRITE on user memory) and
 * carries a finish hook (async_op_on_finish: it was a "quota" frame at the
 * bottom of its stack) that gives the charge back when the op completes,
 * however it ends; through SYS_ring_enter the op unit goes through the
 * thread's charge batch (kernel/limits.h). An op that never
 * starts (refused at submit) is uncharged here. Waiters, provided-buffer
 * queues, provided and registered buffers are charged when made and
 * uncharged when the process lets go of them (kernel/proc/limits.c).
 */
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <net/net.h>
#include <uapi/async.h>
#include <uapi/errno.h>
#include "syscall_int.h"

#define WAIT_EVENTS_MAX 64	    /* events one wait_event call returns at most */
#define WAIT_SLICE_NS	50000000ULL /* a blocked wait_event re-checks for kill this often */

/* A waiter descriptor's file (referenced), or NULL. */
static struct file *waiter_get(struct proc *p, uint64_t fd, enum file_kind kind)
{
	struct file *f = fd_get(p, fd);

	if (f && f->kind != kind) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* Charges a waiter of @nslots slots to @p. */
static int waiter_charge(struct proc *p, unsigned nslots)
{
	int err = proc_charge(p, PROC_RES_WAITERS, 1);

	if (!err) {
		err = proc_charge(p, PROC_RES_SLOTS, proc_slots_charge(nslots));
		if (err)
			proc_uncharge(p, PROC_RES_WAITERS, 1);
	}
	return err;
}

static void waiter_uncharge(struct proc *p, unsigned nslots)
{
	proc_uncharge(p, PROC_RES_WAITERS, 1);
	proc_uncharge(p, PROC_RES_SLOTS, proc_slots_charge(nslots));
}

SYSCALL_DECL(waiter_create)
{
	unsigned nslots = (unsigned)a[0];
	struct async_waiter *w;
	struct file *f;
	int err;

	if (a[0] == 0 || a[0] > ASYNC_WAITER_SLOTS_MAX)
		return -EINVAL;
	err = waiter_charge(p, nslots);
	if (err)
		return err;
	err = async_waiter_create(nslots, &w);
	if (err)
		goto out_uncharge;
	f = file_alloc(FILE_WAITER);
	if (!f) {
		async_waiter_destroy(w);
		err = -ENOMEM;
		goto out_uncharge;
	}
	f->waiter = w;
	err = fd_install(p, f);
	if (err >= 0)
		return err;
out_uncharge:
	waiter_uncharge(p, nslots);
	return err;
}

/* ---- The charge: given back when the op finishes (async_op_on_finish) ---- */

/* The op unit goes through the thread's charge batch, if one runs (SYS_ring_enter). */
static void op_uncharge(struct proc *p, unsigned bufs)
{
	proc_batch_uncharge(p, PROC_RES_OPS, 1);
	if (bufs)
		proc_uncharge(p, PROC_RES_BUFS, bufs);
}

static int op_charge(struct proc *p, unsigned bufs)
{
	int err = proc_batch_charge(p, PROC_RES_OPS, 1);

	if (!err && bufs && (err = proc_charge(p, PROC_RES_BUFS, bufs)))
		proc_batch_uncharge(p, PROC_RES_OPS, 1);
	return err;
}

/* @arg: the process, alive until its ops are drained (exit closes waiters first). */
static void op_finish_uncharge(void *arg, unsigned bufs)
{
	op_uncharge(arg, bufs);
}

/* ---- Frames of submitted ops ---- */

struct sysio_frame {
	struct file *file;     /* [O] released at completion */
	struct async_buf *buf; /* [O] */
	bool regbuf;	       /* [I] buf is a borrowed registered buffer (unborrow, not release) */
};
ASYNC_FRAME_STATE_CHECK(struct sysio_frame);

static int64_t sysio_start(struct async_op *op, void *state)
{
	(void)op;
	(void)state;
	return -EINVAL; /* never the top frame: the vfs frame sits on it */
}

static int64_t sysio_resume(struct async_op *op, void *state, int64_t result)
{
	struct sysio_frame *s = state;

	(void)op;
	if (s->regbuf)
		async_buf_unborrow(s->buf);
	else
		async_buf_release(s->buf);
	file_put(s->file);
	return result;
}

static const struct async_layer sysio_layer = {.name = "sysio",
					       .state_size = sizeof(struct sysio_frame),
					       .start = sysio_start,
					       .resume = sysio_resume};

struct value_frame {
	int64_t value;	/* [I] the result to post */
	bool park;	/* [I] NOP with a timeout: wait for the deadline or a cancel */
	uint32_t token; /* [O] the op's pending period, valid once parked */
};
ASYNC_FRAME_STATE_CHECK(struct value_frame);

static int64_t value_start(struct async_op *op, void *state)
{
	struct value_frame *s = state;

	if (!s->park)
		return s->value;
	s->token = async_op_token(op);
	return ASYNC_PENDING;
}

static void value_cancel(struct async_op *op, void *state)
{
	struct value_frame *s = state;

	async_op_complete(op, s->token, async_op_cancel_reason(op));
}

static const char *value_waiting_on(const void *state)
{
	(void)state;
	return "timeout";
}

static const struct async_layer value_layer = {.name = "nop",
					       .state_size = sizeof(struct value_frame),
					       .start = value_start,
					       .cancel = value_cancel,
					       .waiting_on = value_waiting_on};

/* ---- Building an op from a struct tio_sqe ---- */

static int push_value(struct async_op *op, int64_t value, bool park)
{
	struct value_frame *s = async_push(op, &value_layer);

	if (!s)
		return (int)async_op_push_error(op);
	s->value = value;
	s->park = park;
	return 0;
}

/* The buffer of a READ/WRITE: pinned user memory or a borrowed registered buffer. */
static struct async_buf *sqe_buf(struct proc *p, const struct tio_sqe *sqe, bool write,
				 uint64_t *boff, int *err)
{
	unsigned access = write ? ASYNC_BUF_READ : ASYNC_BUF_WRITE;
	struct async_buf *b;

	*boff = 0;
	if (!(sqe->flags & TIO_SQE_REGBUF))
		return async_buf_user(&p->as, sqe->addr, sqe->len, access, err);
	if (!p->regbufs) {
		*err = -EBADF;
		return NULL;
	}
	b = async_regbuf_get(p->regbufs, sqe->buf_index, access, err);
	if (b && (sqe->addr > async_buf_len(b) || sqe->len > async_buf_len(b) - sqe->addr)) {
		async_buf_unborrow(b);
		*err = -EINVAL;
		return NULL;
	}
	*boff = sqe->addr;
	return b;
}

static int build_rw(struct proc *p, struct async_op *op, const struct tio_sqe *sqe, bool write)
{
	struct file *f = fd_get(p, (uint64_t)(int64_t)sqe->fd);
	struct sysio_frame *s;
	uint64_t boff;
	int err;

	if (!f || f->kind != FILE_VNODE || sqe->len == 0) {
		if (f)
			file_put(f);
		return f ? -EINVAL : -EBADF;
	}
	s = async_push(op, &sysio_layer);
	if (!s) {
		file_put(f);
		return (int)async_op_push_error(op);
	}
	s->file = f;
	s->regbuf = sqe->flags & TIO_SQE_REGBUF;
	s->buf = sqe_buf(p, sqe, write, &boff, &err);
	if (!s->buf) {
		file_put(f);
		return err;
	}
	err = vfs_io_push(op, f, s->buf, boff, sqe->len, sqe->offset, write);
	if (err)
		sysio_resume(op, s, 0); /* releases both */
	return err;
}

/*
 * OPEN and STAT: the path lookup may read the disk (a FAT directory through
 * the block cache), so it runs in a worker thread as a frame of the op and
 * never in the submitting thread. Frames (top first): worker, meta, path.
 * The path frame holds the absolute path copied at submit (it fills a frame);
 * the meta frame the rest. The worker copies to user memory and installs the
 * fd through the process's page tables and fd table: the process stays alive
 * until its ops are drained (op_finish_uncharge). A running step is not interrupted:
 * a deadline or cancel while it runs completes the op when it returns, with
 * the step's result (an installed fd is the caller's); while it is still
 * queued the op ends with -ETIMEDOUT / -ECANCELED and the step never runs.
 */
struct path_frame {
	char abs[TIO_PATH_MAX]; /* [I] */
};
ASYNC_FRAME_STATE_CHECK(struct path_frame);

struct meta_frame {
	struct proc *p;		       /* [I] */
	const struct path_frame *path; /* [I] the frame below, stable while this one exists */
	uint64_t aux;		       /* [I] STAT: the user struct tio_stat */
	uint32_t flags, mode;	       /* [I] OPEN */
	uint8_t opcode;		       /* [I] TIO_OP_OPEN or TIO_OP_STAT */
};
ASYNC_FRAME_STATE_CHECK(struct meta_frame);

/* Worker thread: may sleep on the disk. */
static int64_t meta_work(void *arg)
{
	const struct meta_frame *s = arg;
	struct tio_stat st;
	struct vnode *v;
	struct file *f;
	int err;

	if (s->opcode == TIO_OP_OPEN) {
		err = vfs_open(s->path->abs, s->flags, s->mode, &f);
		return err ? err : fd_install(s->p, f);
	}
	err = vfs_lookup(s->path->abs, &v);
	if (err)
		return err;
	vnode_stat(v, &st);
	vnode_put(v);
	return copy_to_user(s->p, s->aux, &st, sizeof(st));
}

static int64_t meta_start(struct async_op *op, void *state)
{
	return async_work(op, meta_work, state);
}

static int64_t path_start(struct async_op *op, void *state)
{
	(void)op;
	(void)state;
	return -EINVAL; /* never the top frame: the meta frame sits on it */
}

static const struct async_layer path_layer = {
    .name = "path", .state_size = sizeof(struct path_frame), .start = path_start};
static const struct async_layer meta_layer = {
    .name = "meta", .state_size = sizeof(struct meta_frame), .start = meta_start};

static int build_meta(struct proc *p, struct async_op *op, const struct tio_sqe *sqe)
{
	struct path_frame *path = async_push(op, &path_layer);
	struct meta_frame *s;
	int err;

	if (!path)
		return (int)async_op_push_error(op);
	err = user_path(p, sqe->addr, path->abs);
	if (err)
		return push_value(op, err, false); /* a bad path is the op's result, as before */
	s = async_push(op, &meta_layer);
	if (!s)
		return (int)async_op_push_error(op);
	*s = (struct meta_frame){.p = p,
				 .path = path,
				 .aux = sqe->aux,
				 .flags = (uint32_t)sqe->len,
				 .mode = (uint32_t)sqe->offset,
				 .opcode = sqe->opcode};
	return 0;
}

static int64_t run_fsync(struct proc *p, const struct tio_sqe *sqe)
{
	struct file *f = fd_get(p, (uint64_t)(int64_t)sqe->fd);

	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* The tio_sqe fields each opcode reads (uapi/async.h: the others must be zero). */
enum { SQE_FD = 1, SQE_ADDR = 2, SQE_LEN = 4, SQE_OFFSET = 8, SQE_AUX = 16, SQE_INDEX = 32 };
static const unsigned char sqe_fields[TIO_OP_COUNT] = {
    [TIO_OP_READ] = SQE_FD | SQE_ADDR | SQE_LEN | SQE_OFFSET,
    [TIO_OP_WRITE] = SQE_FD | SQE_ADDR | SQE_LEN | SQE_OFFSET,
    [TIO_OP_FSYNC] = SQE_FD,
    [TIO_OP_RECV] = SQE_FD | SQE_ADDR | SQE_LEN,
    [TIO_OP_SEND] = SQE_FD | SQE_ADDR | SQE_LEN,
    [TIO_OP_ACCEPT] = SQE_FD | SQE_AUX,
    [TIO_OP_CONNECT] = SQE_FD | SQE_ADDR | SQE_LEN,
    [TIO_OP_OPEN] = SQE_ADDR | SQE_LEN | SQE_OFFSET,
    [TIO_OP_STAT] = SQE_ADDR | SQE_AUX,
};

/* A provided-buffer read names the queue in buf_index instead of a buffer address. */
#define SQE_PBQ_READ	 (SQE_FD | SQE_LEN | SQE_OFFSET | SQE_INDEX)
#define TIO_SQE_PBQ_READ (TIO_SQE_PBQ | TIO_SQE_MULTISHOT)

static bool sqe_unused_fields(const struct tio_sqe *s)
{
	unsigned used = sqe_fields[s->opcode] | ((s->flags & TIO_SQE_REGBUF) ? SQE_INDEX : 0);

	if (s->flags & TIO_SQE_PBQ)
		used = s->opcode == TIO_OP_RECV ? (SQE_FD | SQE_INDEX) : SQE_PBQ_READ;
	if (s->opcode == TIO_OP_ACCEPT && (s->flags & TIO_SQE_MULTISHOT))
		used = SQE_FD; /* no peer address: one event per connection */
	return (!(used & SQE_FD) && s->fd) || (!(used & SQE_ADDR) && s->addr) ||
	       (!(used & SQE_LEN) && s->len) || (!(used & SQE_OFFSET) && s->offset) ||
	       (!(used & SQE_AUX) && s->aux) || (!(used & SQE_INDEX) && s->buf_index);
}

/* REGBUF on READ/WRITE; PBQ and MULTISHOT together on READ and RECV, without REGBUF;
 * MULTISHOT alone on ACCEPT. */
static bool sqe_flags_bad(const struct tio_sqe *s)
{
	uint32_t pbq = s->flags & TIO_SQE_PBQ_READ;

	if (s->opcode == TIO_OP_ACCEPT)
		return (s->flags & ~(uint32_t)TIO_SQE_MULTISHOT) != 0;
	if (s->flags & ~(uint32_t)(TIO_SQE_REGBUF | TIO_SQE_PBQ_READ))
		return true;
	if (pbq &&
	    (pbq != TIO_SQE_PBQ_READ || (s->opcode != TIO_OP_READ && s->opcode != TIO_OP_RECV) ||
	     (s->flags & TIO_SQE_REGBUF)))
		return true;
	return (s->flags & TIO_SQE_REGBUF) && s->opcode != TIO_OP_READ && s->opcode != TIO_OP_WRITE;
}

/* Opcode, flags, unused fields and OPEN's flags; the rest is checked while building. */
static int sqe_check(const struct tio_sqe *s)
{
	if (sqe_is_nop(s)) /* the common case first */
		return 0;
	if (s->opcode >= TIO_OP_COUNT)
		return -EINVAL;
	if (sqe_flags_bad(s) || sqe_unused_fields(s))
		return -EINVAL;
	if (s->opcode == TIO_OP_OPEN && (s->len & ~SYS_OPEN_FLAGS))
		return -EINVAL;
	return 0;
}

static int build_op(struct proc *p, struct async_op *op, const struct tio_sqe *sqe)
{
	switch (sqe->opcode) {
	case TIO_OP_NOP:
		return push_value(op, 0, sqe->timeout_ns != 0);
	case TIO_OP_READ:
		if (sqe->flags & TIO_SQE_PBQ)
			return sys_pbq_read_push(p, op, sqe);
		return build_rw(p, op, sqe, false);
	case TIO_OP_WRITE:
		return build_rw(p, op, sqe, true);
	case TIO_OP_RECV:
	case TIO_OP_SEND:
		return sys_net_push(p, op, sqe);
	case TIO_OP_ACCEPT:
	case TIO_OP_CONNECT:
		return sys_net_conn_push(p, op, sqe);
	case TIO_OP_OPEN:
	case TIO_OP_STAT:
		return build_meta(p, op, sqe);
	default:
		return push_value(op, run_fsync(p, sqe), false);
	}
}

/* now + @ns, saturated: a huge relative timeout must not wrap to a past deadline. */
static uint64_t deadline_after(uint64_t ns)
{
	uint64_t now = clock_now_ns();

	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

/* Buffer descriptors an op of @sqe holds while in flight. */
static unsigned sqe_bufs(const struct tio_sqe *sqe)
{
	return (sqe->opcode == TIO_OP_READ || sqe->opcode == TIO_OP_WRITE) &&
	       !(sqe->flags & TIO_SQE_REGBUF);
}

/*
 * The op: the opcode's frames and the hook that gives its charge back;
 * submitted, or discarded on error. @op: already bound to @h (async_op_alloc_armed), or NULL: one
 * is bound here, from the waiter's op cache when it has one.
 */
static int submit_op(struct proc *p, const struct tio_sqe *sqe, const struct async_handle *h,
		     struct async_op *op)
{
	int err;

	if (!op)
		op = async_op_alloc_for(h, &p->heap);
	if (!op)
		return -ENOMEM;
	err = build_op(p, op, sqe);
	if (err) {
		async_op_discard(op);
		return err;
	}
	if (sqe->timeout_ns)
		async_op_set_deadline(op, deadline_after(sqe->timeout_ns));
	async_op_on_finish(op, op_finish_uncharge, p, sqe_bufs(sqe));
	return async_op_submit(op, h);
}

int sys_async_start_op(struct proc *p, const struct async_handle *h, const struct tio_sqe *sqe,
		       struct async_op *op)
{
	int err = sqe_check(sqe);

	if (!err)
		err = op_charge(p, sqe_bufs(sqe));
	if (err) {
		if (op)
			async_op_discard(op); /* the slot stays armed, without an op */
		return err;
	}
	err = submit_op(p, sqe, h, op);
	if (err)
		op_uncharge(p, sqe_bufs(sqe)); /* never started: its finish hook did not run */
	return err;
}

bool sys_async_rw_now(struct proc *p, const struct tio_sqe *sqe, int64_t *res)
{
	bool write = sqe->opcode == TIO_OP_WRITE, done = false;
	struct async_buf *b;
	struct file *f;
	uint64_t boff;
	int err;

	if (!sys_async_rw_candidate(sqe))
		return false;
	f = fd_get(p, (uint64_t)(int64_t)sqe->fd);
	if (!f)
		return false;
	b = f->kind == FILE_VNODE ? sqe_buf(p, sqe, write, &boff, &err) : NULL;
	if (b) {
		done = vfs_io_now(f, b, boff, sqe->len, sqe->offset, write, res);
		async_buf_unborrow(b);
	}
	file_put(f);
	return done;
}

/*
 * Starts @sqe's op on the armed slot @h, charged to @p (SYS_submit and the
 * rings): on error nothing is charged and the slot is still armed.
 */
int sys_async_start(struct proc *p, const struct async_handle *h, const struct tio_sqe *sqe)
{
	return sys_async_start_op(p, h, sqe, NULL);
}

SYSCALL_DECL(submit)
{
	struct file *wf = waiter_get(p, a[0], FILE_WAITER);
	unsigned slot = a[1] > UINT32_MAX ? UINT32_MAX : (unsigned)a[1];
	struct async_handle h;
	struct tio_sqe sqe;
	int64_t res;
	int err;

	if (!wf)
		return -EBADF;
	err = copy_from_user(p, &sqe, a[2], sizeof(sqe));
	if (!err)
		err = sqe_check(&sqe); /* before the slot is armed: a bad sqe arms nothing */
	if (!err && sys_async_nop_now(&sqe)) { /* inline: arm and post in one section */
		async_waiter_post_now(wf->waiter, &(struct async_event){.slot = slot}, 1, &err);
		goto out_put;
	}
	if (!err)
		err = async_waiter_arm(wf->waiter, slot, &h);
	if (err)
		goto out_put;
	if (sys_async_rw_now(p, &sqe, &res)) {
		async_waiter_post(&h, res, 0, 0);
		goto out_put;
	}
	err = sys_async_start(p, &h, &sqe);
	if (err)
		async_waiter_disarm(&h);
out_put:
	file_put(wf);
	return err;
}

SYSCALL_DECL(wait_event)
{
	struct file *wf = waiter_get(p, a[0], FILE_WAITER);
	struct async_event ev[WAIT_EVENTS_MAX];
	uint64_t now = clock_now_ns(), deadline = a[3] > UINT64_MAX - now ? UINT64_MAX : now + a[3];
	unsigned max = a[2] > WAIT_EVENTS_MAX ? WAIT_EVENTS_MAX : (unsigned)a[2];
	int n = 0;

	_Static_assert(sizeof(struct async_event) == sizeof(struct tio_event), "event layout");
	if (!wf)
		return -EBADF;
	/* Probe the user array with zeros first, so no event is taken that cannot be delivered. */
	memset(ev, 0, max * sizeof(ev[0]));
	if (max == 0 || copy_to_user(p, a[1], ev, max * sizeof(ev[0]))) {
		file_put(wf);
		return max ? -EFAULT : -EINVAL;
	}
	/* Slices, so a kill is noticed while the waiter stays quiet. */
	do {
		uint64_t t = clock_now_ns(), left = deadline > t ? deadline - t : 0;

		n = async_wait_event(wf->waiter, ev, max,
				     left < WAIT_SLICE_NS ? left : WAIT_SLICE_NS);
	} while (n == 0 && clock_now_ns() < deadline && !proc_killed(p));
	file_put(wf);
	if (n > 0 && copy_to_user(p, a[1], ev, (size_t)n * sizeof(ev[0])))
		return -EFAULT;
	return n;
}

SYSCALL_DECL(cancel)
{
	struct file *wf = waiter_get(p, a[0], FILE_WAITER);
	int err;

	if (!wf)
		return -EBADF;
	err = a[1] > UINT32_MAX ? -EINVAL : async_waiter_cancel(wf->waiter, (unsigned)a[1]);
	file_put(wf);
	return err;
}

/* A provided or registered buffer: one descriptor plus one of @res. */
static int buf_charge(struct proc *p, enum proc_res res)
{
	int err = proc_charge(p, res, 1);

	if (!err && (err = proc_charge(p, PROC_RES_BUFS, 1)))
		proc_uncharge(p, res, 1);
	return err;
}

static void buf_uncharge(struct proc *p, enum proc_res res)
{
	proc_uncharge(p, res, 1);
	proc_uncharge(p, PROC_RES_BUFS, 1);
}

SYSCALL_DECL(buf_register)
{
	int r;

	if (a[2] == 0 || (a[2] & ~(uint64_t)(TIO_BUF_READ | TIO_BUF_WRITE)) || a[1] == 0)
		return -EINVAL;
	if (!p->regbufs && !(p->regbufs = async_regbuf_create(&p->as)))
		return -ENOMEM;
	r = buf_charge(p, PROC_RES_REGBUFS);
	if (r)
		return r;
	r = async_regbuf_register(p->regbufs, a[0], a[1], (unsigned)a[2]);
	if (r < 0)
		buf_uncharge(p, PROC_RES_REGBUFS);
	return r;
}

SYSCALL_DECL(buf_unregister)
{
	int err;

	if (!p->regbufs || a[0] >= ASYNC_REGBUF_MAX)
		return -EINVAL;
	err = async_regbuf_unregister(p->regbufs, (unsigned)a[0]);
	if (!err)
		buf_uncharge(p, PROC_RES_REGBUFS);
	return err;
}

SYSCALL_DECL(pbq_create)
{
	struct async_pbq *q;
	struct file *f;
	int r;

	if (a[0] == 0 || a[0] > ASYNC_PBQ_MAX || a[1] == 0 || a[1] > ASYNC_PBQ_CONSUMERS_MAX)
		return -EINVAL;
	if (proc_charge(p, PROC_RES_PBQS, 1))
		return -EAGAIN;
	q = async_pbq_create((unsigned)a[1], (unsigned)a[0]);
	f = q ? file_alloc(FILE_PBQ) : NULL;
	if (!f) {
		if (q)
			async_pbq_destroy(q);
		proc_uncharge(p, PROC_RES_PBQS, 1);
		return -ENOMEM;
	}
	f->pbq = q;
	r = fd_install(p, f); /* an empty queue: dropping it frees no buffer */
	if (r < 0)
		proc_uncharge(p, PROC_RES_PBQS, 1);
	return r;
}

SYSCALL_DECL(pbq_provide)
{
	struct file *qf = waiter_get(p, a[0], FILE_PBQ);
	struct async_buf *b;
	bool fresh;
	int err;

	if (!qf)
		return -EBADF;
	if (a[1] >= ASYNC_PBQ_MAX) {
		file_put(qf);
		return -EINVAL;
	}
	/* A new id costs a buffer; a taken one given back replaces its old buffer. */
	fresh = !qf->pbq_bufs[a[1]];
	err = fresh ? buf_charge(p, PROC_RES_PBUFS) : 0;
	if (err)
		goto out_put;
	b = async_buf_user(&p->as, a[2], a[3], ASYNC_BUF_WRITE, &err);
	if (b) {
		err = async_pbq_provide(qf->pbq, (unsigned)a[1], b);
		if (err) {
			async_buf_release(b);
		} else {
			if (qf->pbq_bufs[a[1]])
				async_buf_release(qf->pbq_bufs[a[1]]);
			qf->pbq_bufs[a[1]] = b;
			net_pbq_refilled(qf->pbq); /* a stream receive may wait for it */
		}
	}
	if (err && fresh)
		buf_uncharge(p, PROC_RES_PBUFS);
out_put:
	file_put(qf);
	return err;
}
