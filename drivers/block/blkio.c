/*
 * blkio.c - the "blkio" frame: byte-granular reads and writes of a block
 * device file (/dev/NAME) at any offset and length (contract: drivers/block.h).
 *
 * The range is walked in steps, each one device request pushed below this
 * frame, re-armed from resume until the range is done:
 *
 *   PARTIAL_READ   the range starts or ends inside a sector: read that sector
 *                  into a bounce sector (static pool); a read copies its part
 *                  out and is done with the step; a write patches it ->
 *   PARTIAL_WRITE  writes the patched bounce sector back
 *   WHOLE          every whole sector up to the next partial one, straight
 *                  between the device and the caller's buffer (DMA into user
 *                  pages), split by blk_push() when longer than the device takes
 *
 * Short transfers: a failing step ends the walk with the bytes already done,
 * or the error when nothing was done. Reads past the end give 0 bytes, writes
 * past the end -ENOSPC, as on Linux.
 *
 * Read-modify-write is not atomic against a concurrent write to the same
 * sector through another file: like a raw Linux device without O_DIRECT
 * alignment, the later write of the whole sector wins.
 */
#include <drivers/block.h>
#include <kernel/list.h>
#include <uapi/errno.h>

enum blkio_step { BLKIO_NONE, BLKIO_PARTIAL_READ, BLKIO_PARTIAL_WRITE, BLKIO_WHOLE };

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
};
ASYNC_FRAME_STATE_CHECK(struct blkio);

static struct blk_dev *blkio_dev(const struct blkio *s)
{
	return container_of(s->io.vn, struct blk_dev, vn);
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

/* The next step from s->pos, or the final result. */
static int64_t blkio_next(struct async_op *op, struct blkio *s)
{
	uint64_t in = s->pos % BLK_SECTOR, lba = s->pos / BLK_SECTOR;
	int64_t err;

	if (s->pos == s->end || async_op_cancel_reason(op))
		return (int64_t)(s->pos - s->io.off);
	if (in || s->end - s->pos < BLK_SECTOR) {
		err = blkio_get_bounce(s);
		if (err)
			return err;
		s->step = BLKIO_PARTIAL_READ;
		s->step_len = BLK_SECTOR - in < s->end - s->pos ? BLK_SECTOR - in : s->end - s->pos;
		return blkio_push(op, s, lba, 1, false, s->bbuf, 0);
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
	struct async_buf *used = s->step == BLKIO_WHOLE ? s->io.buf : s->bbuf;
	int64_t r;

	async_buf_unborrow(used);
	if (result < 0)
		return blkio_done(s, result);
	switch (s->step) {
	case BLKIO_PARTIAL_READ:
		r = blkio_partial(op, s);
		break;
	case BLKIO_PARTIAL_WRITE:
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

	return s->step == BLKIO_WHOLE ? "sectors" : "partial sector";
}

const struct async_layer blk_io_layer = {
    .name = "blkio",
    .state_size = sizeof(struct blkio),
    .start = blkio_start,
    .resume = blkio_resume,
    .waiting_on = blkio_waiting_on,
};
