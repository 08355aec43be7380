/*
 * fat_io.c - the "fat" data frame: a file read as ONE op that loops over the
 * file's cluster runs (contract: fs/fat.h, frames in fs/vfs.h).
 *
 * Each step of the loop, re-armed from resume until the range is done:
 *
 *   FAT_STEP_FILL  a FAT sector (or a partial data sector) is not cached: a
 *                  "bcache" frame reads it below this one, then the step retries
 *   FAT_STEP_RUN   the clusters from the current one that follow each other on
 *                  disk are coalesced into one device request of whole sectors,
 *                  DMA straight into the caller's buffer (user pages included)
 *
 * A range that starts or ends inside a sector copies that part from the
 * sector cache. So a fragmented file is one op whose stack shows
 * vfs -> fat -> (bcache ->) part -> ata while a run is in flight, and no
 * thread is involved: the FAT is read through the cache without sleeping.
 *
 * Corruption ends the read with -EIO (what was read before is returned): a
 * chain that ends before the file's size, leaves the volume's clusters, or
 * goes on past the file's last cluster (a loop, checked when a read reaches
 * the end of the file). A write is one blocking
 * step in a worker thread (fat_write_work: it may allocate clusters).
 * Readahead (fat_ra.c): a caller's read that ends sequentially requests the
 * next window of the file before it completes; the next read first copies
 * what that window holds, or joins it while it is in flight (FAT_STEP_RA:
 * this frame is pending until the window's op ends), then goes on here.
 * The window's own read is this frame too, with @ra set.
 */
#include <fs/bcache.h>
#include <uapi/errno.h>
#include "fat_int.h"

enum fat_step { FAT_STEP_NONE, FAT_STEP_FILL, FAT_STEP_RUN, FAT_STEP_WORK, FAT_STEP_RA };

struct fat_io {
	struct vfs_io io;  /* [I] filled by the vfs frame */
	uint64_t pos, end; /* [O] next byte of the file, end of the range */
	uint32_t clus;	   /* [O] the cluster holding byte cidx * cluster size */
	uint32_t cidx;	   /* [O] its index in the file's chain */
	uint32_t run;	   /* [O] clusters of the run in flight, from @clus */
	uint8_t step;	   /* [O] enum fat_step */
	void *ra; /* [I] a readahead window's read: the window (fat_ra.c); NULL: a caller's */
};
ASYNC_FRAME_STATE_CHECK(struct fat_io);

static struct fat_node *io_node(const struct fat_io *s)
{
	return container_of(s->io.vn, struct fat_node, vn);
}

static uint64_t csize(const struct fat_vol *v)
{
	return (uint64_t)v->spc * BLK_SECTOR;
}

/*
 * A FAT sector or partial sector @lba is missing: read it into the cache.
 * ASYNC_CALL, an error, or -EAGAIN when it arrived meanwhile (step again).
 */
static int64_t fill(struct async_op *op, struct fat_io *s, uint64_t lba)
{
	int64_t r = bcache_push_fill(op, io_node(s)->vol->dev, lba);

	s->step = FAT_STEP_FILL;
	return r ? r : -EAGAIN;
}

/* Follows the chain to the cluster holding s->pos: 0, or a fill / error. */
static int64_t seek_cluster(struct async_op *op, struct fat_io *s)
{
	struct fat_vol *v = io_node(s)->vol;
	uint64_t target = s->pos / csize(v), miss;
	uint32_t next;
	int err;

	while (s->cidx < target) {
		err = fat_next_try(v, s->clus, &next, &miss);
		if (err == -EAGAIN)
			return fill(op, s, miss);
		if (err)
			return err;
		if (fat_is_eoc(v, next) || !fat_cluster_ok(v, next) || s->cidx >= v->clusters)
			return -EIO; /* size past the chain, out of range, or a loop */
		s->clus = next;
		s->cidx++;
	}
	return 0;
}

/*
 * When the run holds the file's last cluster, its FAT entry must end the
 * chain: a longer chain (a loop included) means the size and the chain
 * disagree, and the read fails instead of returning another file's data.
 */
static int64_t check_chain_end(struct async_op *op, struct fat_io *s)
{
	struct fat_node *n = io_node(s);
	uint64_t last = (n->size - 1) / csize(n->vol), miss;
	uint32_t next;
	int err;

	if (s->end != n->size || s->cidx + (uint64_t)s->run - 1 != last)
		return 0;
	err = fat_next_try(n->vol, s->clus + s->run - 1, &next, &miss);
	if (err == -EAGAIN)
		return fill(op, s, miss);
	if (err)
		return err;
	return fat_is_eoc(n->vol, next) ? 0 : -EIO;
}

/* Counts the clusters from s->clus that follow each other on disk into s->run. */
static int64_t measure_run(struct async_op *op, struct fat_io *s)
{
	struct fat_vol *v = io_node(s)->vol;
	uint64_t need = (s->end - s->cidx * csize(v) + csize(v) - 1) / csize(v), miss;
	uint32_t next;
	int err;

	s->run = 1;
	while (s->run < need && (uint64_t)(s->run + 1) * v->spc <= FAT_RUN_MAX) {
		err = fat_next_try(v, s->clus + s->run - 1, &next, &miss);
		if (err == -EAGAIN)
			return fill(op, s, miss);
		if (err)
			return err;
		if (next != s->clus + s->run || !fat_cluster_ok(v, next))
			break;
		s->run++;
	}
	return check_chain_end(op, s);
}

static int64_t push_run(struct async_op *op, struct fat_io *s, uint64_t lba, uint64_t bytes)
{
	struct blk_rq rq = {.dev = io_node(s)->vol->dev,
			    .lba = lba,
			    .count = (uint32_t)(bytes / BLK_SECTOR),
			    .buf = s->io.buf,
			    .boff = s->io.boff + (s->pos - s->io.off)};
	int err = async_buf_borrow(s->io.buf, ASYNC_BUF_WRITE);

	if (err)
		return err;
	err = blk_push(op, &rq);
	if (err) {
		async_buf_unborrow(s->io.buf);
		return err;
	}
	s->step = FAT_STEP_RUN;
	return ASYNC_CALL;
}

/* The next step from s->pos, or the final result. */
static int64_t fat_io_next(struct async_op *op, struct fat_io *s)
{
	struct fat_vol *v = io_node(s)->vol;

	while (s->pos < s->end && !async_op_cancel_reason(op)) {
		uint64_t run_end, lba;
		unsigned in = (unsigned)(s->pos % BLK_SECTOR);
		int64_t r = seek_cluster(op, s);
		uint64_t n;

		if (!r)
			r = measure_run(op, s);
		if (r == -EAGAIN)
			continue;
		if (r)
			return r;
		run_end = (s->cidx + (uint64_t)s->run) * csize(v);
		run_end = run_end < s->end ? run_end : s->end;
		lba = fat_cluster_lba(v, s->clus) + (s->pos - s->cidx * csize(v)) / BLK_SECTOR;
		if (!in && run_end - s->pos >= BLK_SECTOR)
			return push_run(op, s, lba, (run_end - s->pos) / BLK_SECTOR * BLK_SECTOR);
		n = BLK_SECTOR - in < run_end - s->pos ? BLK_SECTOR - in : run_end - s->pos;
		if (!bcache_try_copy_out(v->dev, lba, in, s->io.buf,
					 s->io.boff + (s->pos - s->io.off), n))
			s->pos += n;
		else if ((r = fill(op, s, lba)) != -EAGAIN)
			return r;
	}
	return (int64_t)(s->pos - s->io.off);
}

/* A run of @bytes finished: s->clus/s->cidx follow s->pos inside the run. */
static void run_done(struct fat_io *s, uint64_t bytes)
{
	uint64_t cs = csize(io_node(s)->vol), target;

	s->pos += bytes;
	target = s->pos / cs;
	if (target >= s->cidx + s->run)
		target = s->cidx + s->run - 1; /* the run's last cluster: the FAT goes on */
	s->clus += (uint32_t)(target - s->cidx);
	s->cidx = (uint32_t)target;
}

static int64_t fat_io_done(struct fat_io *s, int64_t r)
{
	if (r == ASYNC_CALL || r == ASYNC_PENDING)
		return r;
	if (r >= 0 && s->clus)
		fat_hint_set(io_node(s), s->cidx, s->clus);
	if (r >= 0 && s->clus && s->ra)
		fat_ra_end_pos(s->ra, s->cidx, s->clus);
	if (r < 0 && s->pos > s->io.off)
		r = (int64_t)(s->pos - s->io.off); /* a short read first, the error next time */
	if (r > 0 && !s->ra) /* the next window is requested before the caller hears of this one */
		fat_ra_read_done(io_node(s), s->io.off, s->pos, s->cidx, s->clus);
	return r;
}

/*
 * A caller's read from s->pos: first what a readahead window holds (or wait
 * for the window in flight), then the chain from the position hint.
 */
static int64_t fat_io_serve(struct async_op *op, struct fat_io *s)
{
	struct fat_node *n = io_node(s);
	uint32_t idx, clus;
	int64_t r;

	s->clus = n->first;
	s->cidx = 0;
	s->step = FAT_STEP_RA; /* before the window can end and complete the op */
	r = fat_ra_take(n, s->pos, s->end, s->io.buf, s->io.boff + (s->pos - s->io.off), op,
			&s->cidx, &s->clus);
	if (r == ASYNC_PENDING)
		return r;
	s->step = FAT_STEP_NONE;
	s->pos += (uint64_t)r;
	fat_hint_get(n, &idx, &clus);
	if (clus && idx > s->cidx && idx <= s->pos / csize(n->vol) &&
	    fat_cluster_ok(n->vol, clus)) {
		s->cidx = idx; /* go on from where the last read stopped */
		s->clus = clus;
	}
	return fat_io_next(op, s);
}

static int64_t fat_io_start(struct async_op *op, void *state)
{
	struct fat_io *s = state;
	struct fat_node *n = io_node(s);

	if (s->io.write) {
		s->step = FAT_STEP_WORK; /* it may allocate: a blocking step, in a worker */
		return s->io.len ? async_work(op, fat_write_work, &s->io) : 0;
	}
	if (vnode_is_dir(&n->vn))
		return -EISDIR;
	if (s->io.off >= n->size || !s->io.len)
		return 0;
	if (!fat_cluster_ok(n->vol, n->first))
		return -EIO; /* a non-empty file without a valid first cluster */
	s->pos = s->io.off;
	s->end = n->size - s->io.off < s->io.len ? n->size : s->io.off + s->io.len;
	if (!s->ra)
		return fat_io_done(s, fat_io_serve(op, s));
	if (!fat_cluster_ok(n->vol, s->clus) || s->cidx > s->pos / csize(n->vol)) {
		s->clus = n->first; /* the position it was given does not fit: walk */
		s->cidx = 0;
	}
	return fat_io_done(s, fat_io_next(op, s));
}

int fat_io_push_ra(struct async_op *op, struct vnode *vn, struct async_buf *buf, uint64_t off,
		   uint64_t len, uint32_t cidx, uint32_t clus, void *win)
{
	struct fat_io *s = async_push(op, &fat_io_layer);

	if (!s)
		return (int)async_op_push_error(op);
	s->io = (struct vfs_io){.vn = vn, .buf = buf, .off = off, .len = len};
	s->ra = win;
	s->cidx = cidx;
	s->clus = clus;
	return 0;
}

static int64_t fat_io_resume(struct async_op *op, void *state, int64_t result)
{
	struct fat_io *s = state;

	if (s->step == FAT_STEP_WORK)
		return result;
	if (s->step == FAT_STEP_RA) /* the window it joined ended (or a cancel) */
		return fat_io_done(s, result < 0 ? result : fat_io_serve(op, s));
	if (s->step == FAT_STEP_RUN)
		async_buf_unborrow(s->io.buf);
	if (result < 0)
		return fat_io_done(s, result);
	if (s->step == FAT_STEP_RUN)
		run_done(s, (uint64_t)result);
	return fat_io_done(s, fat_io_next(op, s));
}

static const char *fat_io_waiting_on(const void *state)
{
	const struct fat_io *s = state;

	return s->step == FAT_STEP_RUN	  ? "cluster run"
	       : s->step == FAT_STEP_WORK ? "write worker"
	       : s->step == FAT_STEP_RA	  ? "readahead window"
					  : "FAT sector";
}

/* Only a read joined to a readahead window is pending in this frame itself. */
static void fat_io_cancel(struct async_op *op, void *state)
{
	const struct fat_io *s = state;

	if (s->step == FAT_STEP_RA)
		fat_ra_unjoin(op);
}

const struct async_layer fat_io_layer = {
    .name = "fat",
    .state_size = sizeof(struct fat_io),
    .start = fat_io_start,
    .resume = fat_io_resume,
    .cancel = fat_io_cancel,
    .waiting_on = fat_io_waiting_on,
};
