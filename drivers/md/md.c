/*
 * md.c - md arrays: the "md" frame maps a request on the array to pieces on
 * its members and runs them as a join, one child per piece, in parallel
 * (contract: drivers/md.h).
 *
 *   linear  members concatenated; a request crossing a member boundary is
 *           one piece per member it touches
 *   raid0   chunk-sized stripes, member = stripe % n; one piece per chunk
 *   raid1   writes: one piece per working member, the same range on each;
 *           reads: one member (round robin) for short reads, a long read
 *           split in equal parts over the working members
 *
 * raid1 failure handling (md_frame_resume): a member whose piece failed is
 * marked faulty; the failed read pieces are mapped again onto the members
 * still working and run as a new join, until they succeed or no member is
 * left (-EIO). Each round marks at least one more member faulty, so there are
 * at most n rounds. A write succeeds when at least one member took it. A
 * degraded array keeps serving from the rest; faulty marks last until stop.
 *
 * Lock legend: [L] md->lock, [a] atomic, [R] fixed while the array runs
 * (build and stop change them only under the lock with no request inside).
 */
#include <drivers/block.h>
#include <drivers/md.h>
#include <kernel/console.h>
#include <kernel/list.h>
#include <kernel/proc.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <lib/fmt.h>
#include <uapi/block.h>
#include <uapi/errno.h>

#define MD_PIECES 8 /* pieces (join children) of one md request */

struct md_array {
	struct blk_dev dev; /* md0..: sectors 0 while stopped */
	struct spinlock lock;
	bool running;			     /* [L] */
	unsigned inflight;		     /* [L] requests inside the md frame */
	int level;			     /* [R] TIO_MD_LINEAR, 0, 1 */
	unsigned n;			     /* [R] members */
	struct blk_dev *member[TIO_MD_DEVS]; /* [R] */
	uint32_t chunk;			     /* [R] raid0 chunk, sectors */
	uint64_t per_member;		     /* [R] raid0 / raid1: sectors used of each member */
	uint32_t failed;		     /* [a] raid1: faulty members (bit i = member i) */
	unsigned rr;			     /* [a] raid1: next member for a short read */
};

struct md_piece {
	uint64_t lba;	/* on the member */
	uint16_t off;	/* sectors from the start of the request */
	uint16_t count; /* sectors */
	uint8_t member;
};

struct md_frame {
	struct blk_rq rq;		  /* [I] */
	struct md_array *md;		  /* [I] */
	uint8_t npieces;		  /* [O] */
	int64_t results[MD_PIECES];	  /* [O] filled by the join */
	struct md_piece piece[MD_PIECES]; /* [O] */
};
ASYNC_FRAME_STATE_CHECK(struct md_frame);

static struct md_array md_arrays[MD_ARRAYS];
static struct blk_queue md_queue; /* depth 0: arrays only map */

static const char *md_level_type(int level)
{
	return level == 0 ? "raid0" : level == 1 ? "raid1" : "linear";
}

static bool md_working(const struct md_array *md, unsigned i)
{
	return !(__atomic_load_n(&md->failed, __ATOMIC_RELAXED) & (1u << i));
}

static void md_add(struct md_frame *s, unsigned member, uint64_t lba, uint32_t off, uint32_t n)
{
	s->piece[s->npieces++] = (struct md_piece){
	    .lba = lba, .off = (uint16_t)off, .count = (uint16_t)n, .member = (uint8_t)member};
}

static void md_map_linear(struct md_frame *s)
{
	uint64_t lba = s->rq.lba, base = 0;
	uint32_t done = 0;

	for (unsigned i = 0; i < s->md->n && done < s->rq.count; i++) {
		uint64_t size = s->md->member[i]->sectors;

		if (lba + done < base + size) {
			uint64_t in = lba + done - base;
			uint32_t n =
			    (uint32_t)(size - in < s->rq.count - done ? size - in
								      : s->rq.count - done);

			md_add(s, i, in, done, n);
			done += n;
		}
		base += size;
	}
}

static void md_map_raid0(struct md_frame *s)
{
	const struct md_array *md = s->md;
	uint32_t done = 0;

	while (done < s->rq.count) {
		uint64_t lba = s->rq.lba + done, stripe = lba / md->chunk;
		uint32_t in = (uint32_t)(lba % md->chunk);
		uint32_t n =
		    md->chunk - in < s->rq.count - done ? md->chunk - in : s->rq.count - done;

		md_add(s, (unsigned)(stripe % md->n), stripe / md->n * md->chunk + in, done, n);
		done += n;
	}
}

/* raid1 reads of [off, off+count) of the request over the working members: 0 or -EIO. */
static int md_map_raid1_read(struct md_frame *s, uint32_t off, uint32_t count)
{
	struct md_array *md = s->md;
	unsigned work[TIO_MD_DEVS], k = 0, parts;

	for (unsigned i = 0; i < md->n; i++)
		if (md_working(md, i))
			work[k++] = i;
	if (!k)
		return -EIO;
	parts = count >= 16 * k ? k : 1; /* short reads: one member, in turn */
	if (parts > MD_PIECES - (unsigned)s->npieces)
		parts = MD_PIECES - (unsigned)s->npieces;
	for (unsigned p = 0, first = __atomic_fetch_add(&md->rr, 1, __ATOMIC_RELAXED); p < parts;
	     p++) {
		uint32_t a = count * p / parts, b = count * (p + 1) / parts;

		md_add(s, work[(first + p) % k], s->rq.lba + off + a, off + a, b - a);
	}
	return 0;
}

static int md_map(struct md_frame *s)
{
	s->npieces = 0;
	if (s->md->level == TIO_MD_LINEAR)
		md_map_linear(s);
	else if (s->md->level == 0)
		md_map_raid0(s);
	else if (!s->rq.write)
		return md_map_raid1_read(s, 0, s->rq.count);
	else
		for (unsigned i = 0; i < s->md->n; i++)
			if (md_working(s->md, i))
				md_add(s, i, s->rq.lba, 0, s->rq.count);
	return s->npieces ? 0 : -EIO;
}

static int md_setup(struct async_op *child, unsigned i, void *arg)
{
	struct md_frame *s = arg;
	const struct md_piece *p = &s->piece[i];
	struct blk_rq rq = {.dev = s->md->member[p->member],
			    .lba = p->lba,
			    .count = p->count,
			    .write = s->rq.write,
			    .buf = s->rq.buf,
			    .boff = s->rq.boff + (uint64_t)p->off * BLK_SECTOR};

	return blk_push(child, &rq);
}

static int64_t md_run(struct async_op *op, struct md_frame *s)
{
	struct async_join_spec spec = {.policy = ASYNC_JOIN_ALL,
				       .nchildren = s->npieces,
				       .setup = md_setup,
				       .arg = s,
				       .results = s->results};

	if (s->md->level != 1)
		spec.flags = ASYNC_JOIN_CANCEL_ON_ERROR;
	return async_join(op, &spec);
}

static int64_t md_finish(struct md_frame *s, int64_t result)
{
	unsigned long f = spin_lock_irqsave(&s->md->lock);

	s->md->inflight--;
	spin_unlock_irqrestore(&s->md->lock, f);
	return result;
}

static int64_t md_frame_start(struct async_op *op, void *state)
{
	struct md_frame *s = state;
	struct md_array *md = s->rq.dev->priv;
	unsigned long f = spin_lock_irqsave(&md->lock);
	bool running = md->running;
	int64_t r;

	md->inflight += running;
	spin_unlock_irqrestore(&md->lock, f);
	if (!running)
		return -ENXIO;
	s->md = md;
	r = md_map(s);
	if (!r)
		r = md_run(op, s);
	return r == ASYNC_CALL ? r : md_finish(s, r);
}

/* raid1: marks the members of failed pieces faulty; true if some piece failed. */
static bool md_mark_failures(struct md_frame *s)
{
	bool any = false;

	for (unsigned i = 0; i < s->npieces; i++) {
		const struct md_piece *p = &s->piece[i];
		uint32_t bit = 1u << p->member;

		if (s->results[i] >= 0)
			continue;
		any = true;
		if (!(__atomic_fetch_or(&s->md->failed, bit, __ATOMIC_RELAXED) & bit))
			klog(LOG_ERR,
			     "md %s: %s failed a %s at sector %lu (error %ld): marked faulty\n",
			     s->md->dev.name, s->md->member[p->member]->name,
			     s->rq.write ? "write" : "read", p->lba, (long)s->results[i]);
	}
	return any;
}

/* raid1 read: the failed pieces again, on the members still working. */
static int64_t md_retry_reads(struct async_op *op, struct md_frame *s)
{
	struct md_piece failed[MD_PIECES];
	unsigned nf = 0;

	for (unsigned i = 0; i < s->npieces; i++)
		if (s->results[i] < 0)
			failed[nf++] = s->piece[i];
	s->npieces = 0;
	for (unsigned i = 0; i < nf; i++)
		if (md_map_raid1_read(s, failed[i].off, failed[i].count))
			return -EIO;
	klog(LOG_WARN, "md %s: %u piece(s) of a read retried on the other members\n",
	     s->md->dev.name, nf);
	return md_run(op, s);
}

static int64_t md_frame_resume(struct async_op *op, void *state, int64_t result)
{
	struct md_frame *s = state;
	int64_t bytes = (int64_t)s->rq.count * BLK_SECTOR, r = bytes;

	if (s->md->level != 1) {
		r = result < 0 ? result : bytes;
	} else if (md_mark_failures(s)) {
		bool some_write_ok = false;

		for (unsigned i = 0; i < s->npieces; i++)
			some_write_ok |= s->results[i] >= 0;
		if (async_op_cancel_reason(op))
			r = async_op_cancel_reason(op);
		else if (s->rq.write)
			r = some_write_ok ? bytes : -EIO;
		else
			r = md_retry_reads(op, s);
	}
	return r == ASYNC_CALL ? r : md_finish(s, r);
}

static const struct async_layer md_layer = {
    .name = "md",
    .state_size = sizeof(struct md_frame),
    .start = md_frame_start,
    .resume = md_frame_resume,
};

/* ---- Control: build, detail, stop ---- */

static int md_member(struct md_array *md, const char *path, struct blk_dev **out)
{
	struct blk_dev *d;

	if (strncmp(path, "/dev/", 5))
		return -EINVAL;
	d = blk_find(path + 5);
	if (!d || !d->sectors)
		return -ENODEV;
	if (d == &md->dev)
		return -EINVAL;
	for (unsigned i = 0; i < md->n; i++)
		if (md->member[i] == d)
			return -EINVAL;
	*out = d;
	return 0;
}

/* Fills the array's geometry from a validated build request. [L] held, not running. */
static int md_geometry(struct md_array *md, const struct tio_md_build *b)
{
	uint64_t min = UINT64_MAX, sum = 0;

	for (unsigned i = 0; i < md->n; i++) {
		uint64_t s = md->member[i]->sectors;

		min = s < min ? s : min;
		sum += s;
	}
	md->chunk = (b->chunk ? b->chunk : MD_DEFAULT_CHUNK) / BLK_SECTOR;
	md->dev.max_sectors = 256;
	if (md->level == TIO_MD_LINEAR) {
		md->dev.sectors = sum;
	} else if (md->level == 0) {
		md->per_member = min / md->chunk * md->chunk;
		md->dev.sectors = md->per_member * md->n;
		md->dev.max_sectors =
		    md->chunk * (MD_PIECES - 1) < 2048 ? md->chunk * (MD_PIECES - 1) : 2048;
	} else {
		md->per_member = min;
		md->dev.sectors = min;
	}
	return md->dev.sectors ? 0 : -EINVAL;
}

static long md_build(struct md_array *md, const struct tio_md_build *b)
{
	unsigned long f;
	struct blk_dev *members[TIO_MD_DEVS];
	int err = 0;

	if (b->ndevs < 1 || b->ndevs > TIO_MD_DEVS ||
	    (b->level != 0 && b->level != 1 && b->level != TIO_MD_LINEAR))
		return -EINVAL;
	if (b->chunk && (b->chunk < 4096 || (b->chunk & (b->chunk - 1)) || b->chunk > (1u << 24)))
		return -EINVAL;
	f = spin_lock_irqsave(&md->lock);
	if (md->running) {
		spin_unlock_irqrestore(&md->lock, f);
		return -EBUSY;
	}
	md->n = 0;
	for (unsigned i = 0; i < b->ndevs && !err; i++) {
		err = md_member(md, b->devs[i], &members[i]);
		if (!err)
			md->member[md->n++] = members[i];
	}
	md->level = b->level;
	md->failed = 0;
	if (!err)
		err = md_geometry(md, b);
	if (!err) {
		md->dev.type = md_level_type(md->level);
		md->running = true;
	} else {
		md->dev.sectors = 0;
	}
	spin_unlock_irqrestore(&md->lock, f);
	if (!err)
		klog(LOG_INFO, "md %s: %s of %u members, %lu sectors\n", md->dev.name, md->dev.type,
		     md->n, md->dev.sectors);
	return err;
}

static long md_detail(struct md_array *md, struct tio_md_detail *d)
{
	unsigned long f = spin_lock_irqsave(&md->lock);

	if (!md->running) {
		spin_unlock_irqrestore(&md->lock, f);
		return -ENXIO;
	}
	d->level = md->level;
	d->ndevs = md->n;
	d->size = md->dev.sectors * BLK_SECTOR;
	d->chunk = md->level == 0 ? md->chunk * BLK_SECTOR : 0;
	d->failed = __atomic_load_n(&md->failed, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < md->n; i++)
		fmt_snprintf(d->devs[i], sizeof(d->devs[i]), "/dev/%s", md->member[i]->name);
	spin_unlock_irqrestore(&md->lock, f);
	return 0;
}

static long md_stop(struct md_array *md)
{
	unsigned long f = spin_lock_irqsave(&md->lock);
	long err = !md->running ? -ENXIO : md->inflight ? -EBUSY : 0;

	if (!err) {
		md->running = false;
		md->dev.sectors = 0;
	}
	spin_unlock_irqrestore(&md->lock, f);
	return err;
}

static long md_ioctl(struct blk_dev *d, unsigned long req, uint64_t arg)
{
	struct md_array *md = d->priv;
	struct proc *p = proc_current();
	struct tio_md_build b;
	struct tio_md_detail det;
	long err;

	switch (req) {
	case TIO_MD_BUILD:
		err = copy_from_user(p, &b, arg, sizeof(b));
		for (unsigned i = 0; !err && i < TIO_MD_DEVS; i++)
			b.devs[i][sizeof(b.devs[i]) - 1] = '\0';
		return err ? err : md_build(md, &b);
	case TIO_MD_DETAIL:
		memset(&det, 0, sizeof(det));
		err = md_detail(md, &det);
		return err ? err : copy_to_user(p, arg, &det, sizeof(det));
	case TIO_MD_STOP:
		return md_stop(md);
	default:
		return -ENOTTY;
	}
}

static const struct blk_ops md_ops = {.layer = &md_layer, .ioctl = md_ioctl};

void md_init(void)
{
	blk_queue_init(&md_queue, 0);
	for (unsigned i = 0; i < MD_ARRAYS; i++) {
		struct md_array *md = &md_arrays[i];

		spin_init(&md->lock);
		md->dev = (struct blk_dev){.type = "md",
					   .major = 9,
					   .minor = i,
					   .max_sectors = 256,
					   .ops = &md_ops,
					   .queue = &md_queue,
					   .priv = md};
		fmt_snprintf(md->dev.name, sizeof(md->dev.name), "md%u", i);
		if (blk_register(&md->dev))
			klog(LOG_ERR, "md: cannot register %s: block device table full\n",
			     md->dev.name);
	}
}
