/*
 * loop.c - loop devices (contract: drivers/loop.h).
 *
 * The "loop" frame checks the device is bound, counts the request in and
 * pushes the backing file's I/O frame (vfs_io_push at byte offset lba * 512):
 * frames top first  <filesystem> vfs loop blk ... . Its resume counts the
 * request out; a short transfer (the file shrank under the device) is -EIO.
 * Unbinding is refused while a request is inside, so the file reference it
 * uses stays valid.
 *
 * Lock legend: [L] lo->lock; [B] fixed while bound (changed under the lock
 * with no request inside).
 */
#include <drivers/block.h>
#include <drivers/loop.h>
#include <kernel/console.h>
#include <kernel/list.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <lib/fmt.h>
#include <uapi/block.h>
#include <uapi/errno.h>

/* The descriptor table's lookup (kernel/syscall/syscall.c): a reference or NULL. */
struct file *fd_get(struct proc *p, uint64_t fd);

struct loop_dev {
	struct blk_dev dev; /* loop0..: sectors 0 while unbound */
	struct spinlock lock;
	struct file *file; /* [L] NULL while unbound, [B] */
	unsigned inflight; /* [L] requests inside the loop frame */
	char label[sizeof(((struct tio_loop_info *)0)->file)]; /* [L] the file's name */
};

struct loop_frame {
	struct blk_rq rq;    /* [I] */
	struct loop_dev *lo; /* [I] valid iff counted in */
};
ASYNC_FRAME_STATE_CHECK(struct loop_frame);

static struct loop_dev loop_devs[TIO_LOOP_MAX];
static struct blk_queue loop_queue; /* depth 0: the file's own I/O paces it */

static int64_t loop_out(struct loop_dev *lo, int64_t result)
{
	unsigned long f = spin_lock_irqsave(&lo->lock);

	lo->inflight--;
	spin_unlock_irqrestore(&lo->lock, f);
	return result;
}

static int64_t loop_start(struct async_op *op, void *state)
{
	struct loop_frame *s = state;
	struct loop_dev *lo = s->rq.dev->priv;
	unsigned long f = spin_lock_irqsave(&lo->lock);
	struct file *file = lo->file;
	int err;

	lo->inflight += file != NULL;
	spin_unlock_irqrestore(&lo->lock, f);
	if (!file)
		return -ENXIO;
	s->lo = lo;
	err = vfs_io_push(op, file, s->rq.buf, s->rq.boff, (uint64_t)s->rq.count * BLK_SECTOR,
			  s->rq.lba * BLK_SECTOR, s->rq.write);
	return err ? loop_out(lo, err) : ASYNC_CALL;
}

static int64_t loop_resume(struct async_op *op, void *state, int64_t result)
{
	struct loop_frame *s = state;

	(void)op;
	if (result >= 0 && result != (int64_t)s->rq.count * BLK_SECTOR)
		result = -EIO;
	return loop_out(s->lo, result);
}

static const struct async_layer loop_layer = {.name = "loop",
					      .state_size = sizeof(struct loop_frame),
					      .start = loop_start,
					      .resume = loop_resume};

static long loop_set_fd(struct loop_dev *lo, uint64_t fd)
{
	struct file *file = fd_get(proc_current(), fd);
	struct tio_stat st;
	unsigned long f;
	long err = 0;

	if (!file)
		return -EBADF;
	if (file->kind != FILE_VNODE || (file->vn->mode & S_IFMT) != S_IFREG) {
		file_put(file);
		return -EINVAL;
	}
	vnode_stat(file->vn, &st);
	f = spin_lock_irqsave(&lo->lock);
	if (lo->file) {
		err = -EBUSY;
	} else {
		lo->file = file;
		lo->dev.sectors = st.size / BLK_SECTOR;
		lo->dev.readonly = (file->flags & O_ACCMODE) == O_RDONLY;
		strlcpy(lo->label, "?", sizeof(lo->label));
	}
	spin_unlock_irqrestore(&lo->lock, f);
	if (err)
		file_put(file);
	return err;
}

static long loop_clr_fd(struct loop_dev *lo)
{
	unsigned long f = spin_lock_irqsave(&lo->lock);
	struct file *file = lo->inflight ? NULL : lo->file;
	long err = !lo->file ? -ENXIO : lo->inflight ? -EBUSY : 0;

	if (file) {
		lo->file = NULL;
		lo->dev.sectors = 0;
	}
	spin_unlock_irqrestore(&lo->lock, f);
	if (file)
		file_put(file);
	return err;
}

static long loop_status(struct loop_dev *lo, uint64_t arg, bool set)
{
	struct proc *p = proc_current();
	struct tio_loop_info li;
	unsigned long f;
	long err = 0;

	memset(&li, 0, sizeof(li));
	if (set && copy_from_user(p, &li, arg, sizeof(li)))
		return -EFAULT;
	li.file[sizeof(li.file) - 1] = '\0';
	f = spin_lock_irqsave(&lo->lock);
	if (!lo->file)
		err = -ENXIO;
	else if (set)
		strlcpy(lo->label, li.file, sizeof(lo->label));
	else {
		li.size = lo->dev.sectors * BLK_SECTOR;
		strlcpy(li.file, lo->label, sizeof(li.file));
	}
	spin_unlock_irqrestore(&lo->lock, f);
	if (err || set)
		return err;
	return copy_to_user(p, arg, &li, sizeof(li));
}

static long loop_ioctl(struct blk_dev *d, unsigned long req, uint64_t arg)
{
	struct loop_dev *lo = d->priv;

	switch (req) {
	case TIO_LOOP_SET_FD:
		return loop_set_fd(lo, arg);
	case TIO_LOOP_CLR_FD:
		return loop_clr_fd(lo);
	case TIO_LOOP_SET_STATUS:
		return loop_status(lo, arg, true);
	case TIO_LOOP_GET_STATUS:
		return loop_status(lo, arg, false);
	default:
		return -ENOTTY;
	}
}

static const struct blk_ops loop_ops = {.layer = &loop_layer, .ioctl = loop_ioctl};

void loop_init(void)
{
	blk_queue_init(&loop_queue, 0);
	for (unsigned i = 0; i < TIO_LOOP_MAX; i++) {
		struct loop_dev *lo = &loop_devs[i];

		spin_init(&lo->lock);
		lo->dev = (struct blk_dev){.type = "loop",
					   .major = 7,
					   .minor = i,
					   .max_sectors = 256,
					   .ops = &loop_ops,
					   .queue = &loop_queue,
					   .priv = lo};
		fmt_snprintf(lo->dev.name, sizeof(lo->dev.name), "loop%u", i);
		if (blk_register(&lo->dev))
			klog(LOG_ERR, "loop: cannot register %s: block device table full\n",
			     lo->dev.name);
	}
}
