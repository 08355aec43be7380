/*
 * blkio.c - the "blkio" frame: byte-granular reads and writes of a block
 * device file (/dev/NAME) at any offset and length (contract: drivers/block.h).
 *
 * The range is walked in steps, each one device request pushed below this
 * frame, re-armed from resume until the range is done:
 *
 *   RMW_LOCK       a write starts or ends inside a sector: wait for the disk's
 *                  RMW mutex (blk_dev.rmw) as an async frame, then ->
 *   PARTIAL_READ   the range starts or ends inside a sector: read that sector
 *                  into a bounce sector (static pool); a read copies its part
 *                  out and is done with the step; a write patches it ->
 *   PARTIAL_WRITE  writes the patched bounce sector back, then unlocks the
 *                  mutex (so a long write does not hold it over whole sectors)
 *   WHOLE          every whole sector up to the next partial one, straight
 *                  between the device and the caller's buffer (DMA into user
 *                  pages), split by blk_push() when longer than the device takes
 *
 * Short transfers: a failing step ends the walk with the bytes already done,
 * or the error when nothing was done. Reads past the end give 0 bytes, writes
 * past the end -ENOSPC, as on Linux.
 *
 * Ordering of partial-sector writes: each read-modify-write holds the RMW
 * mutex of the disk (the partition's parent for a partition, so hda1 and hda
 * share one) from its read to the end of its write-back, so concurrent
 * partial writes of one sector, through any file or device name of that disk,
 * all land, in the mutex's FIFO order. The mutex is an async one: a waiting
 * write holds no thread, no spinlock and no bounce sector. It is per disk, not
 * per sector: partial writes to different sectors of one disk are serialized
 * too (whole-sector writes and reads are not, and keep their fast path).
 * Not covered: a whole-sector write racing with a partial write of the same
 * sector can be undone by the RMW's write-back of the old bytes; and md and
 * loop devices lock their own mutex, not their members' (a partial write to
 * /dev/md0 is not ordered against one to a member disk directly). A read
 * racing with an RMW sees the sector before or after it: each device request
 * moves whole sectors.
 */
#include <drivers/block.h>
#include <kernel/list.h>
#include <uapi/errno.h>

enum blkio_step {
	BLKIO_NONE,
	BLKIO_RMW_LOCK,
	BLKIO_PARTIAL_READ,
	BLKIO_PARTIAL_WRITE,
	BLKIO_WHOLE
};

struct blk_bounce {
	unsigned char data[BLK_SECTOR];
};

ASYNC_POOL_DEFINE(blk_bounce_pool, "blk_bounce", struct blk_bounce, BLK_BOUNCE_MAX);

struct blkio {
	struct vfs_io io;	   /* [I] filled by the vfs frame */
	uint64_t pos, end;	   /* [O] next byte, end of the range (device offsets) */
	uint64_t step_len;	   /* [O] bytes the current step moves */
	struct blk_bounce *bounce; /* [O] taken for the first partial step */
	struct async_buf *bbuf;	   /* [O] the bounce as a buffer */
	uint8_t step;		   /* [O] enum blkio_step */
	bool rmw_locked;	   /* [O] holds blkio_rmw_mutex() */
};
ASYNC_FRAME_STATE_CHECK(struct blkio);

static struct blk_dev *blkio_dev(const struct blkio *s)
{
	return container_of(s->io.vn, struct blk_dev, vn);
}

/* The disk's mutex: partitions translate to their parent, so they share it. */
static struct async_mutex *blkio_rmw_mutex(const struct blkio *s)
{
	struct blk_dev *d = blkio_dev(s);

	while (d->parent)
		d = d->parent;
	return &d->rmw;
}

static void blkio_rmw_unlock(struct blkio *s)
{
	if (!s->rmw_locked)
		return;
	s->rmw_locked = false;
	async_mutex_unlock(blkio_rmw_mutex(s));
}

static int blkio_get_bounce(struct blkio *s)
{
	if (s->bounce)
		return 0;
	s->bounce = async_pool_alloc(&blk_bounce_pool);
	if (!s->bounce)
		return -ENOMEM;
	s->bbuf = async_buf_borrowed(s->bounce->data, BLK_SECTOR, ASYNC_BUF_READ | ASYNC_BUF_WRITE);
	if (!s->bbuf) {
		async_pool_free(&blk_bounce_pool, s->bounce);
		s->bounce = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void blkio_put_bounce(struct blkio *s)
{
	if (!s->bounce)
		return;
	async_buf_release(s->bbuf);
	async_pool_free(&blk_bounce_pool, s->bounce);
	s->bounce = NULL;
}

static int64_t blkio_push(struct async_op *op, struct blkio *s, uint64_t lba, uint32_t count,
			  bool write, struct async_buf *buf, uint64_t boff)
{
	struct blk_rq rq = {.dev = blkio_dev(s),
			    .lba = lba,
			    .count = count,
			    .write = write,
			    .buf = buf,
			    .boff = boff};
	int err = async_buf_borrow(buf, write ? ASYNC_BUF_READ : ASYNC_BUF_WRITE);

	if (err)
		return err;
	err = blk_push(op, &rq);
	if (err) {
		async_buf_unborrow(buf);
		return err;
	}
	return ASYNC_CALL;
}

/* Reads the sector at s->pos into the bounce (a write holds the RMW mutex). */
static int64_t blkio_partial_read(struct async_op *op, struct blkio *s)
{
	int64_t err = blkio_get_bounce(s);

	if (err)
		return err;
	s->step = BLKIO_PARTIAL_READ;
	return blkio_push(op, s, s->pos / BLK_SECTOR, 1, false, s->bbuf, 0);
}

/* The next step from s->pos, or the final result. */
static int64_t blkio_next(struct async_op *op, struct blkio *s)
{
	uint64_t in = s->pos % BLK_SECTOR, lba = s->pos / BLK_SECTOR;

	if (s->pos == s->end || async_op_cancel_reason(op))
		return (int64_t)(s->pos - s->io.off);
	if (in || s->end - s->pos < BLK_SECTOR) {
		s->step_len = BLK_SECTOR - in < s->end - s->pos ? BLK_SECTOR - in : s->end - s->pos;
		if (s->io.write) {
			/* Before the bounce: a waiting write holds none. */
			s->step = BLKIO_RMW_LOCK;
			return async_mutex_lock(blkio_rmw_mutex(s), op);
		}
		return blkio_partial_read(op, s);
	}
	s->step = BLKIO_WHOLE;
	s->step_len = (s->end - s->pos) / BLK_SECTOR * BLK_SECTOR;
	if (s->step_len / BLK_SECTOR > UINT32_MAX / 2)
		s->step_len = (uint64_t)(UINT32_MAX / 2) * BLK_SECTOR;
	return blkio_push(op, s, lba, (uint32_t)(s->step_len / BLK_SECTOR), s->io.write, s->io.buf,
			  s->io.boff + (s->pos - s->io.off));
}

/* The bounce sector was read: copy the caller's part out, or patch and write it back. */
static int64_t blkio_partial(struct async_op *op, struct blkio *s)
{
	uint64_t in = s->pos % BLK_SECTOR, boff = s->io.boff + (s->pos - s->io.off);

	if (!s->io.write) {
		blk_buf_copy(s->io.buf, boff, s->bounce->data + in, s->step_len, true);
		s->pos += s->step_len;
		return blkio_next(op, s);
	}
	blk_buf_copy(s->io.buf, boff, s->bounce->data + in, s->step_len, false);
	s->step = BLKIO_PARTIAL_WRITE;
	return blkio_push(op, s, s->pos / BLK_SECTOR, 1, true, s->bbuf, 0);
}

static int64_t blkio_done(struct blkio *s, int64_t result)
{
	blkio_rmw_unlock(s);
	blkio_put_bounce(s);
	if (result < 0 && s->pos > s->io.off)
		return (int64_t)(s->pos - s->io.off);
	return result;
}

static int64_t blkio_start(struct async_op *op, void *state)
{
	struct blkio *s = state;
	uint64_t size = blkio_dev(s)->sectors * BLK_SECTOR;
	int64_t r;

	if (s->io.off >= size && s->io.len)
		return s->io.write ? -ENOSPC : 0;
	s->pos = s->io.off;
	s->end = s->io.off + (s->io.len < size - s->io.off ? s->io.len : size - s->io.off);
	r = blkio_next(op, s);
	return r == ASYNC_CALL ? r : blkio_done(s, r);
}

static int64_t blkio_resume(struct async_op *op, void *state, int64_t result)
{
	struct blkio *s = state;
	int64_t r;

	if (s->step != BLKIO_RMW_LOCK)
		async_buf_unborrow(s->step == BLKIO_WHOLE ? s->io.buf : s->bbuf);
	if (result < 0) /* a cancelled RMW_LOCK wait does not hold the mutex */
		return blkio_done(s, result);
	switch (s->step) {
	case BLKIO_RMW_LOCK:
		s->rmw_locked = true;
		r = blkio_partial_read(op, s);
		break;
	case BLKIO_PARTIAL_READ:
		r = blkio_partial(op, s);
		break;
	case BLKIO_PARTIAL_WRITE:
		blkio_rmw_unlock(s);
		s->pos += s->step_len;
		r = blkio_next(op, s);
		break;
	default:
		s->pos += (uint64_t)result;
		r = blkio_next(op, s);
		break;
	}
	return r == ASYNC_CALL ? r : blkio_done(s, r);
}

static const char *blkio_waiting_on(const void *state)
{
	const struct blkio *s = state;

	if (s->step == BLKIO_RMW_LOCK)
		return "sector RMW lock";
	return s->step == BLKIO_WHOLE ? "sectors" : "partial sector";
}

const struct async_layer blk_io_layer = {
    .name = "blkio",
    .state_size = sizeof(struct blkio),
    .start = blkio_start,
    .resume = blkio_resume,
    .waiting_on = blkio_waiting_on,
};
