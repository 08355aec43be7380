/*
 * file.c - open files, the VFS I/O frame, and the synchronous wait on it
 * (contract: fs/vfs.h).
 *
 * The "vfs" frame sits under the filesystem's frame: its start borrows the
 * buffer, picks the offset (the file position for TIO_OFFSET_CUR, the end
 * for O_APPEND writes) and pushes the filesystem's frame; its resume moves
 * the file position by the bytes transferred and unborrows. Because a start
 * that returns a result pops its frame without a resume, the vfs frame
 * always goes through the lower frame (ASYNC_CALL), so its resume runs
 * exactly once on every path.
 */
#include <arch/x86_64/mmu.h>
#include <fs/vfs.h>
#include <kernel/param.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <net/net.h>
#include <uapi/errno.h>

ASYNC_POOL_DEFINE(file_pool, "file", struct file, PARAM_MAX_FILES);

struct file *file_alloc(enum file_kind kind)
{
	struct file *f = async_pool_zalloc(&file_pool);

	if (!f)
		return NULL;
	f->kind = kind;
	f->refs = 1;
	spin_init(&f->lock);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

/* Cancels everything armed on @w and drains it until it can be destroyed. */
static void waiter_drain_destroy(struct async_waiter *w)
{
	struct async_waiter_stats s;
	struct async_event ev[8];

	async_waiter_stats(w, &s);
	for (unsigned i = 0; i < s.nslots; i++)
		async_waiter_cancel(w, i);
	while (async_waiter_destroy(w) == -EBUSY)
		async_wait_event(w, ev, 8, 10000000); /* relative: 10 ms */
}

static void pbq_release(struct file *f)
{
	async_pbq_destroy(f->pbq);
	for (unsigned i = 0; i < ASYNC_PBQ_MAX; i++)
		if (f->pbq_bufs[i])
			async_buf_release(f->pbq_bufs[i]);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->kind == FILE_VNODE) {
		vnode_put(f->vn); /* a counted reference: it held the mount */
	} else if (f->kind == FILE_WAITER) {
		waiter_drain_destroy(f->waiter);
	} else if (f->kind == FILE_PBQ) {
		pbq_release(f);
	} else if (f->kind == FILE_SOCKET && f->sock) { /* none: an ACCEPT's unused reservation */
		net_sock_release(f->sock);
	}
	async_pool_free(&file_pool, f);
}

/* The checks of open(2) on an existing vnode. */
static int open_check(struct vnode *v, unsigned flags)
{
	bool writes = (flags & O_ACCMODE) != O_RDONLY;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (vnode_is_dir(v) && writes)
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !vnode_is_dir(v))
		return -ENOTDIR;
	if (writes && (v->mode & S_IFMT) == S_IFREG && (v->mnt->flags & TIO_MNT_RDONLY))
		return -EROFS;
	if ((flags & O_TRUNC) && writes && (v->mode & S_IFMT) == S_IFREG)
		return v->ops->truncate ? v->ops->truncate(v, 0) : -EROFS;
	return 0;
}

static int open_create(const char *abs, uint32_t mode, struct vnode **out)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *dir;
	int err = vfs_lookup_parent(abs, &dir, name);

	if (err)
		return err == -EBUSY ? -EISDIR : err;
	if (!vnode_is_dir(dir))
		err = -ENOTDIR;
	else if ((dir->mnt->flags & TIO_MNT_RDONLY) || !dir->ops->create)
		err = -EROFS;
	else
		err = dir->ops->create(dir, name, S_IFREG | (mode & 0777), out);
	vnode_put(dir);
	return err;
}

int vfs_open(const char *abs, unsigned flags, uint32_t mode, struct file **out)
{
	struct vnode *v;
	struct file *f;
	int err;

	/* Creating a regular file that must be a directory: refused before the
	 * create, which would otherwise happen and then fail open_check. */
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	err = vfs_lookup(abs, &v);
	if (err == -ENOENT && (flags & O_CREAT))
		err = open_create(abs, mode, &v);
	else if (!err && (flags & O_CREAT) && (flags & O_EXCL))
		err = -EEXIST, vnode_put(v);
	if (err)
		return err;
	err = open_check(v, flags);
	if (err)
		goto out_put;
	f = file_alloc(FILE_VNODE);
	if (!f) {
		err = -ENOMEM;
		goto out_put;
	}
	f->vn = v; /* the lookup's counted reference: it holds the mount */
	f->flags = flags;
	*out = f;
	return 0;
out_put:
	vnode_put(v);
	return err;
}

int vfs_readdir(struct file *f, uint64_t index, struct vfs_dirent *out)
{
	struct vnode *v = f->vn;

	if (f->kind != FILE_VNODE || !vnode_is_dir(v))
		return -ENOTDIR;
	if (index < 2) {
		out->ino = v->ino;
		out->type = DT_DIR;
		strlcpy(out->name, index ? ".." : ".", sizeof(out->name));
		return 0;
	}
	return v->ops->readdir ? v->ops->readdir(v, index - 2, out) : -ENOENT;
}

/* ---- Buffer copies: kernel data or the pinned pages' scatter-gather list ---- */

static void buf_copy(struct async_buf *buf, uint64_t boff, void *k, size_t n, bool out)
{
	unsigned char *data = async_buf_data(buf);
	const struct async_sg *sg;
	unsigned nsg = async_buf_sg(buf, &sg);
	unsigned char *kp = k;

	if (data) {
		if (out)
			memcpy(data + boff, kp, n);
		else
			memcpy(kp, data + boff, n);
		return;
	}
	for (unsigned i = 0; i < nsg && n; i++) {
		size_t piece;

		if (boff >= sg[i].len) {
			boff -= sg[i].len;
			continue;
		}
		piece = sg[i].len - boff < n ? sg[i].len - boff : n;
		if (out)
			memcpy(phys_to_virt(sg[i].phys + boff), kp, piece);
		else
			memcpy(kp, phys_to_virt(sg[i].phys + boff), piece);
		kp += piece;
		n -= piece;
		boff = 0;
	}
}

void vfs_buf_copy_out(struct async_buf *buf, uint64_t boff, const void *src, size_t n)
{
	buf_copy(buf, boff, (void *)src, n, true);
}

void vfs_buf_copy_in(struct async_buf *buf, uint64_t boff, void *dst, size_t n)
{
	buf_copy(buf, boff, dst, n, false);
}

/* ---- The vfs frame ---- */

struct vfs_frame {
	struct file *file;     /* [I] NULL for a kernel read of @vn */
	struct vnode *vn;      /* [I] */
	struct async_buf *buf; /* [I] */
	uint64_t boff;	       /* [I] */
	uint64_t len, off;     /* [O] off is final once the lower frame is pushed */
	bool write, cur;       /* [I] cur: position from and back into the file */
	bool borrowed;	       /* [O] */
};
ASYNC_FRAME_STATE_CHECK(struct vfs_frame);

static int64_t vfs_frame_check(struct vfs_frame *s)
{
	unsigned acc = s->file ? s->file->flags & O_ACCMODE : O_RDONLY;

	if (s->file && s->file->kind != FILE_VNODE)
		return -EBADF;
	if ((s->write && acc == O_RDONLY) || (!s->write && acc == O_WRONLY))
		return -EBADF;
	if (vnode_is_dir(s->vn))
		return -EISDIR;
	if (!s->vn->ops->io)
		return -EINVAL;
	return 0;
}

static void vfs_frame_pick_offset(struct vfs_frame *s)
{
	struct tio_stat st;
	unsigned long f;

	if (!s->cur)
		return;
	if (s->write && (s->file->flags & O_APPEND)) {
		vnode_stat(s->vn, &st);
		s->off = st.size;
		return;
	}
	f = spin_lock_irqsave(&s->file->lock);
	s->off = s->file->offset;
	spin_unlock_irqrestore(&s->file->lock, f);
}

static int64_t vfs_frame_start(struct async_op *op, void *state)
{
	struct vfs_frame *s = state;
	struct vfs_io *io;
	int64_t err = vfs_frame_check(s);

	if (err)
		return err;
	err = async_buf_borrow(s->buf, s->write ? ASYNC_BUF_READ : ASYNC_BUF_WRITE);
	if (err)
		return err;
	s->borrowed = true;
	vfs_frame_pick_offset(s);
	io = async_push(op, s->vn->ops->io);
	if (!io) {
		async_buf_unborrow(s->buf);
		return async_op_push_error(op);
	}
	*io = (struct vfs_io){.vn = s->vn,
			      .buf = s->buf,
			      .boff = s->boff,
			      .off = s->off,
			      .len = s->len,
			      .write = s->write};
	return ASYNC_CALL;
}

static int64_t vfs_frame_resume(struct async_op *op, void *state, int64_t result)
{
	struct vfs_frame *s = state;
	unsigned long f;

	(void)op;
	if (result > 0 && s->cur) {
		f = spin_lock_irqsave(&s->file->lock);
		s->file->offset = s->off + (uint64_t)result;
		spin_unlock_irqrestore(&s->file->lock, f);
	}
	if (s->borrowed)
		async_buf_unborrow(s->buf);
	return result;
}

static const struct async_layer vfs_layer = {
    .name = "vfs",
    .state_size = sizeof(struct vfs_frame),
    .start = vfs_frame_start,
    .resume = vfs_frame_resume,
};

static int push_frame(struct async_op *op, struct file *f, struct vnode *vn, struct async_buf *buf,
		      uint64_t boff, uint64_t len, uint64_t off, bool write)
{
	struct vfs_frame *s = async_push(op, &vfs_layer);

	if (!s)
		return (int)async_op_push_error(op);
	s->file = f;
	s->vn = vn;
	s->buf = buf;
	s->boff = boff;
	s->len = len;
	s->off = off;
	s->write = write;
	s->cur = f && off == TIO_OFFSET_CUR;
	return 0;
}

int vfs_io_push(struct async_op *op, struct file *f, struct async_buf *buf, uint64_t boff,
		uint64_t len, uint64_t off, bool write)
{
	if (f->kind != FILE_VNODE)
		return -EBADF;
	return push_frame(op, f, f->vn, buf, boff, len, off, write);
}

bool vfs_io_now(struct file *f, struct async_buf *buf, uint64_t boff, uint64_t len, uint64_t off,
		bool write, int64_t *res)
{
	struct vfs_frame s = {.file = f,
			      .vn = f->vn,
			      .buf = buf,
			      .boff = boff,
			      .len = len,
			      .off = off,
			      .write = write,
			      .cur = off == TIO_OFFSET_CUR};
	struct vfs_io io;

	if (f->kind != FILE_VNODE || !f->vn->ops->io_now)
		return false;
	*res = vfs_frame_check(&s);
	if (*res)
		return true;
	vfs_frame_pick_offset(&s);
	io = (struct vfs_io){
	    .vn = s.vn, .buf = buf, .boff = boff, .off = s.off, .len = len, .write = write};
	*res = vfs_frame_resume(NULL, &s, f->vn->ops->io_now(&io)); /* the offset, as the frame's */
	return true;
}

/* ---- Waiting for one op from a thread ---- */

struct sync_wait {
	struct waitq *wq;     /* [I] the process's (kill wakes it) or a local one */
	struct proc *proc;    /* [I] NULL for kernel threads */
	struct spinlock lock; /* sync_done holds it until its last touch of this struct */
	bool done;	      /* [a] */
	bool cancelled;	      /* [O] the waiter cancelled the op because it was killed */
	int64_t res;	      /* valid iff done */
};

static void sync_done(struct async_op *op, int64_t res, void *arg)
{
	struct sync_wait *w = arg;

	unsigned long f = spin_lock_irqsave(&w->lock);

	(void)op;
	w->res = res;
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	waitq_wake_all(w->wq);
	spin_unlock_irqrestore(&w->lock, f);
}

static bool sync_cond(void *arg)
{
	struct sync_wait *w = arg;

	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE) ||
	       (!w->cancelled && w->proc && proc_killed(w->proc));
}

int64_t vfs_sync_io(struct async_op *op)
{
	struct waitq local;
	struct sync_wait w = {.proc = proc_current()};
	unsigned long fl;
	int err;

	waitq_init(&local);
	spin_init(&w.lock);
	w.wq = w.proc ? &w.proc->wq : &local;
	async_op_get(op); /* so a kill can still cancel it */
	err = async_op_submit_fn(op, sync_done, &w);
	if (err) {
		async_op_put(op);
		return err;
	}
	for (;;) {
		waitq_wait_event(w.wq, sync_cond, &w, WAITQ_FOREVER);
		if (__atomic_load_n(&w.done, __ATOMIC_ACQUIRE))
			break;
		w.cancelled = true; /* killed: stop the op, then wait for its completion */
		async_op_cancel(op, -ECANCELED);
	}
	/* A completion on another thread may be between setting done and waking
	 * w.wq: @w and the waitq live on this stack, so let it finish first. */
	fl = spin_lock_irqsave(&w.lock);
	spin_unlock_irqrestore(&w.lock, fl);
	async_op_put(op);
	return w.res;
}

long vfs_kread(struct vnode *vn, uint64_t off, void *dst, size_t len)
{
	struct async_buf *buf = async_buf_borrowed(dst, len, ASYNC_BUF_WRITE);
	struct async_op *op;
	int64_t r;

	if (!buf)
		return -ENOMEM;
	op = async_op_alloc(async_kernel_heap());
	if (!op) {
		async_buf_release(buf);
		return -ENOMEM;
	}
	r = push_frame(op, NULL, vn, buf, 0, len, off, false);
	if (r)
		async_op_discard(op);
	else
		r = vfs_sync_io(op);
	async_buf_release(buf);
	return (long)r;
}
