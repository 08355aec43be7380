/*
 * bcache.c - the sector cache (contract: fs/bcache.h).
 *
 * Each slot is one sector of one device. States, under bc_lock:
 *
 *   EMPTY --slot_claim()--> LOADING --slot_finish(ok)--------------> VALID
 *     ^                        |                                      |
 *     +-- slot_finish(error, --+      slot_claim() of another sector -+
 *         last loader)               (once it has no loaders left)
 *
 * A sector is read without holding bc_lock (blk_rw_sync sleeps, a fill frame
 * waits for the device). Readers that miss the same sector while it is
 * LOADING all become its loaders and each reads it into the slot: they write
 * the same bytes. The slot turns VALID as soon as the FIRST of them succeeds
 * (its read wrote the whole sector), not when the last is done: with many
 * readers of one cold sector (async READs of one file, each going back to
 * the cache after its fill) a loader that finished joined again before the
 * others were done, the count never reached zero, and the slot stayed
 * LOADING for ever while its sector was read again and again (a livelock
 * that stalled httpd on a FAT disk). Once VALID, nobody joins (slot_claim
 * answers "cached"), so the loaders still in flight drain: they only rewrite
 * the bytes already there. A slot with loaders is never reclaimed and never
 * modified (a late read would overwrite the change: modify waits for it);
 * nobody copies from a LOADING slot, so a reader never sees a half-read
 * sector. The slot turns EMPTY only when every loader failed.
 */
#include <drivers/block.h>
#include <fs/bcache.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <uapi/errno.h>

enum bc_state { BC_EMPTY, BC_LOADING, BC_VALID };

struct bc_slot {
	struct blk_dev *dev;		/* [C] valid unless EMPTY */
	uint64_t lba;			/* [C] */
	uint64_t used;			/* [C] LRU tick of the last hit or fill */
	unsigned loaders;		/* [C] reads in flight into @data (> 0 if LOADING) */
	bool dirty;			/* [C] changed since read or written back (VALID only) */
	bool writing;			/* [C] being written back: not reclaimed meanwhile */
	int16_t hnext;			/* [C] next slot (index + 1, 0: none) in its hash bucket */
	uint8_t state;			/* [C] enum bc_state */
	unsigned char data[BLK_SECTOR]; /* [C] readable iff VALID */
};

/* The fill frame: one device read into a slot. */
struct bc_fill {
	struct bc_slot *slot;  /* [O] claimed, this frame is one of its loaders */
	struct async_buf *buf; /* [O] the slot's bytes as a buffer */
};
ASYNC_FRAME_STATE_CHECK(struct bc_fill);

#define BC_RUN_MAX	       64     /* sectors of one write-back request (32 KiB) */
#define BC_HASH		       1024   /* buckets of the (dev, lba) index, a power of two */
#define BC_LATE_LOADER_WAIT_NS 100000 /* a write's poll for late loaders of its sector */
_Static_assert(PARAM_BCACHE_BLOCKS < 32767, "slot numbers + 1 fit the index's int16_t");

static struct bc_slot bc_slots[PARAM_BCACHE_BLOCKS]; /* [C] */
static struct spinlock bc_lock = SPINLOCK_INIT;
static uint64_t bc_tick;			    /* [C] */
static unsigned long bc_hits, bc_misses, bc_errors; /* [C] */
static unsigned bc_dirty;			    /* [C] dirty slots */

/*
 * The index: every slot that was ever given a sector is in the bucket of its
 * (dev, lba), chained through hnext; only slot_claim gives a slot another
 * sector (__unhash, then __hash). EMPTY slots may stay in their bucket:
 * __find skips them, and it never sees two non-EMPTY slots of one sector.
 */
static int16_t bc_head[BC_HASH]; /* [C] first slot (index + 1, 0: none) of each bucket */

static unsigned bc_bucket(const struct blk_dev *dev, uint64_t lba)
{
	return (unsigned)((lba * 2654435761u) ^ ((uintptr_t)dev >> 6)) & (BC_HASH - 1);
}

/* [C] The slot holding @lba of @dev, or NULL. */
static struct bc_slot *__find(struct blk_dev *dev, uint64_t lba)
{
	for (int i = bc_head[bc_bucket(dev, lba)]; i; i = bc_slots[i - 1].hnext) {
		struct bc_slot *s = &bc_slots[i - 1];

		if (s->state != BC_EMPTY && s->dev == dev && s->lba == lba)
			return s;
	}
	return NULL;
}

/* [C] Takes @s out of its bucket (a slot never given a sector is in none). */
static void __unhash(struct bc_slot *s)
{
	int16_t *pp, me = (int16_t)(s - bc_slots + 1);

	if (!s->dev)
		return;
	for (pp = &bc_head[bc_bucket(s->dev, s->lba)]; *pp; pp = &bc_slots[*pp - 1].hnext)
		if (*pp == me) {
			*pp = s->hnext;
			return;
		}
}

/* [C] Puts @s, just given its sector, in that sector's bucket. */
static void __hash(struct bc_slot *s)
{
	int16_t *head = &bc_head[bc_bucket(s->dev, s->lba)];

	s->hnext = *head;
	*head = (int16_t)(s - bc_slots + 1);
}

/* [C] The least recently used slot nobody is loading, or NULL. */
static struct bc_slot *__victim(void)
{
	struct bc_slot *best = NULL;

	for (unsigned i = 0; i < PARAM_BCACHE_BLOCKS; i++) {
		struct bc_slot *s = &bc_slots[i];

		if (s->loaders)
			continue; /* a read still writes into it */
		if (s->state == BC_EMPTY)
			return s;
		if (s->state == BC_VALID && !s->dirty && !s->writing &&
		    (!best || s->used < best->used))
			best = s;
	}
	return best;
}

/*
 * Makes the caller a loader of @lba's slot: 0 with *out set (read the sector
 * into (*out)->data, then slot_finish), 1 when it is already VALID (nothing
 * to read), or -ENOMEM when every slot is being loaded.
 */
static int slot_claim(struct blk_dev *dev, uint64_t lba, struct bc_slot **out)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);
	struct bc_slot *s = __find(dev, lba);
	int r = 0;

	if (s && s->state == BC_VALID) {
		r = 1;
	} else if (s) {
		s->loaders++;
	} else if ((s = __victim())) {
		__unhash(s);
		*s = (struct bc_slot){.dev = dev, .lba = lba, .loaders = 1, .state = BC_LOADING};
		__hash(s);
		bc_misses++;
	} else {
		r = -ENOMEM;
	}
	*out = s;
	spin_unlock_irqrestore(&bc_lock, f);
	return r;
}

/*
 * A loader of @s is done with @result (bytes or -errno): 0 when the sector is
 * cached (by this read or another loader's), else the error.
 */
static int slot_finish(struct bc_slot *s, int64_t result)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);
	int err = result < 0 ? (int)result : 0;

	s->loaders--;
	if (err)
		bc_errors++;
	if (!err && s->state == BC_LOADING) {
		s->state = BC_VALID; /* this read wrote the whole sector */
		s->used = ++bc_tick;
	} else if (err && s->state == BC_LOADING && s->loaders == 0) {
		s->state = BC_EMPTY; /* every loader failed */
	}
	if (s->state == BC_VALID)
		err = 0; /* a late loader's failure: the sector is there anyway */
	spin_unlock_irqrestore(&bc_lock, f);
	return err;
}

/* [C] A hit: the VALID slot of @lba, counted, or NULL. */
static struct bc_slot *__hit(struct blk_dev *dev, uint64_t lba, unsigned off, size_t n)
{
	struct bc_slot *s = __find(dev, lba);

	if (!s || s->state != BC_VALID || off > BLK_SECTOR || n > BLK_SECTOR - off)
		return NULL;
	s->used = ++bc_tick;
	bc_hits++;
	return s;
}

int bcache_try_read(struct blk_dev *dev, uint64_t lba, unsigned off, void *dst, size_t n)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);
	struct bc_slot *s = __hit(dev, lba, off, n);

	if (s)
		memcpy(dst, s->data + off, n);
	spin_unlock_irqrestore(&bc_lock, f);
	return s ? 0 : -EAGAIN;
}

int bcache_try_copy_out(struct blk_dev *dev, uint64_t lba, unsigned off, struct async_buf *buf,
			uint64_t boff, size_t n)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);
	struct bc_slot *s = __hit(dev, lba, off, n);

	if (s)
		vfs_buf_copy_out(buf, boff, s->data + off, n);
	spin_unlock_irqrestore(&bc_lock, f);
	return s ? 0 : -EAGAIN;
}

/*
 * Thread context: makes @lba of @dev cached (read from the device, or zeros
 * when @zero: the caller overwrites the whole sector). 0 or -errno. When
 * every slot is dirty, writes them back first.
 */
static int slot_load(struct blk_dev *dev, uint64_t lba, bool zero)
{
	struct bc_slot *s;
	int err = slot_claim(dev, lba, &s);

	if (err == -ENOMEM) {
		err = bcache_sync(NULL);
		if (!err)
			err = slot_claim(dev, lba, &s);
	}
	if (err)
		return err < 0 ? err : 0;
	if (zero) {
		memset(s->data, 0, BLK_SECTOR);
		return slot_finish(s, 0);
	}
	return slot_finish(s, blk_rw_sync(dev, lba, 1, s->data, false));
}

int bcache_read(struct blk_dev *dev, uint64_t lba, unsigned off, void *dst, size_t n)
{
	int err;

	if (off > BLK_SECTOR || n > BLK_SECTOR - off)
		return -EINVAL;
	/* A slot filled here may be replaced before the copy: then read again. */
	for (unsigned tries = 0; tries < 8; tries++) {
		if (!bcache_try_read(dev, lba, off, dst, n))
			return 0;
		err = slot_load(dev, lba, false);
		if (err)
			return err;
	}
	return -EAGAIN; /* the cache is thrashing: let the caller fail the request */
}

/*
 * [C] Applies a change to the cached sector if it is VALID: 1 if done, 0 if
 * it is not cached, -EBUSY while a late loader's read still writes into it.
 */
static int __modify(struct blk_dev *dev, uint64_t lba, unsigned off, size_t n, const void *src,
		    struct async_buf *buf, uint64_t boff)
{
	struct bc_slot *s = __find(dev, lba);

	if (!s || s->state != BC_VALID)
		return 0;
	if (s->loaders)
		return -EBUSY;
	if (buf)
		vfs_buf_copy_in(buf, boff, s->data + off, n);
	else if (src)
		memcpy(s->data + off, src, n);
	else
		memset(s->data + off, 0, n);
	if (!s->dirty)
		bc_dirty++;
	s->dirty = true;
	s->used = ++bc_tick;
	return 1;
}

static int modify(struct blk_dev *dev, uint64_t lba, unsigned off, size_t n, const void *src,
		  struct async_buf *buf, uint64_t boff)
{
	bool whole = off == 0 && n == BLK_SECTOR;
	unsigned long f;
	int done, err;

	if (off > BLK_SECTOR || n > BLK_SECTOR - off)
		return -EINVAL;
	for (unsigned tries = 0; tries < 8;) {
		f = spin_lock_irqsave(&bc_lock);
		done = __modify(dev, lba, off, n, src, buf, boff);
		spin_unlock_irqrestore(&bc_lock, f);
		if (done == 1)
			return bc_dirty > PARAM_BCACHE_BLOCKS / 2 ? bcache_sync(dev) : 0;
		if (done == -EBUSY) { /* a device read ends soon and nobody joins a VALID slot */
			thread_sleep_ns(BC_LATE_LOADER_WAIT_NS);
			continue;
		}
		tries++;
		err = slot_load(dev, lba, whole);
		if (err)
			return err;
	}
	return -EAGAIN;
}

int bcache_write(struct blk_dev *dev, uint64_t lba, unsigned off, const void *src, size_t n)
{
	return modify(dev, lba, off, n, src, NULL, 0);
}

int bcache_write_buf(struct blk_dev *dev, uint64_t lba, unsigned off, struct async_buf *buf,
		     uint64_t boff, size_t n)
{
	return modify(dev, lba, off, n, NULL, buf, boff);
}

int bcache_zero(struct blk_dev *dev, uint64_t lba)
{
	return modify(dev, lba, 0, BLK_SECTOR, NULL, NULL, 0);
}

/* [C] Is @s a dirty sector nobody writes back now (of @dev, unless NULL)? */
static bool __writable(const struct bc_slot *s, const struct blk_dev *dev)
{
	return s && s->state == BC_VALID && s->dirty && !s->writing && (!dev || s->dev == dev);
}

/* [C] @s is being written back from @to (a later change sets it dirty again). */
static void __write_take(struct bc_slot *s, uint8_t *to)
{
	s->writing = true;
	s->dirty = false;
	bc_dirty--;
	memcpy(to, s->data, BLK_SECTOR);
}

/*
 * Writes slot @s back if it is dirty (and of @dev, unless NULL), with the
 * dirty sectors that follow it on the device in the same request (up to
 * BC_RUN_MAX, through bc_run_buf when no other write-back uses it): a file
 * write's data sectors go out in a few requests, not one each. 0 or -errno.
 */
static int slot_writeback(struct bc_slot *s, struct blk_dev *dev)
{
	static uint8_t bc_run_buf[BC_RUN_MAX * BLK_SECTOR]; /* [C] owned by bc_run_busy's setter */
	static bool bc_run_busy;			    /* [C] */
	uint8_t copy[BLK_SECTOR], *buf = copy;
	unsigned long f = spin_lock_irqsave(&bc_lock);
	bool go = __writable(s, dev);
	struct blk_dev *d = s->dev;
	uint64_t lba = s->lba;
	unsigned n = 0;
	int64_t r;

	if (go && !bc_run_busy) {
		bc_run_busy = true;
		buf = bc_run_buf;
	}
	if (go)
		for (struct bc_slot *t = s; n < (buf == copy ? 1 : BC_RUN_MAX) && __writable(t, d);
		     t = __find(d, lba + n)) {
			__write_take(t, buf + (size_t)n++ * BLK_SECTOR);
		}
	spin_unlock_irqrestore(&bc_lock, f);
	if (!go)
		return 0;
	r = blk_rw_sync(d, lba, n, buf, true);
	f = spin_lock_irqsave(&bc_lock);
	for (unsigned i = 0; i < n; i++) { /* writing slots are never replaced: still there */
		struct bc_slot *t = __find(d, lba + i);

		t->writing = false;
		if (r < 0 && !t->dirty) {
			t->dirty = true; /* kept for the next sync */
			bc_dirty++;
		}
	}
	if (buf != copy)
		bc_run_busy = false;
	if (r < 0)
		bc_errors++;
	spin_unlock_irqrestore(&bc_lock, f);
	return r < 0 ? (int)r : 0;
}

int bcache_sync(struct blk_dev *dev)
{
	int err = 0, e;

	for (unsigned i = 0; i < PARAM_BCACHE_BLOCKS; i++) {
		e = slot_writeback(&bc_slots[i], dev);
		if (e && !err)
			err = e;
	}
	return err;
}

static int64_t bc_fill_start(struct async_op *op, void *state)
{
	struct bc_fill *s = state;
	struct blk_rq rq = {.dev = s->slot->dev, .lba = s->slot->lba, .count = 1};
	int err;

	s->buf = async_buf_borrowed(s->slot->data, BLK_SECTOR, ASYNC_BUF_READ | ASYNC_BUF_WRITE);
	if (!s->buf)
		return slot_finish(s->slot, -ENOMEM);
	rq.buf = s->buf;
	err = async_buf_borrow(s->buf, ASYNC_BUF_WRITE);
	if (!err) {
		err = blk_push(op, &rq);
		if (!err)
			return ASYNC_CALL;
		async_buf_unborrow(s->buf);
	}
	async_buf_release(s->buf);
	return slot_finish(s->slot, err);
}

static int64_t bc_fill_resume(struct async_op *op, void *state, int64_t result)
{
	struct bc_fill *s = state;

	(void)op;
	async_buf_unborrow(s->buf);
	async_buf_release(s->buf);
	return slot_finish(s->slot, result);
}

static const char *bc_fill_waiting_on(const void *state)
{
	(void)state;
	return "sector fill";
}

static const struct async_layer bc_fill_layer = {
    .name = "bcache",
    .state_size = sizeof(struct bc_fill),
    .start = bc_fill_start,
    .resume = bc_fill_resume,
    .waiting_on = bc_fill_waiting_on,
};

int64_t bcache_push_fill(struct async_op *op, struct blk_dev *dev, uint64_t lba)
{
	struct bc_slot *slot;
	struct bc_fill *s;
	int r = slot_claim(dev, lba, &slot);

	if (r < 0)
		return r;
	if (r == 1)
		return 0; /* it arrived meanwhile */
	s = async_push(op, &bc_fill_layer);
	if (!s) {
		slot_finish(slot, -ENOMEM);
		return async_op_push_error(op);
	}
	s->slot = slot;
	return ASYNC_CALL;
}

void bcache_forget(struct blk_dev *dev)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);

	for (unsigned i = 0; i < PARAM_BCACHE_BLOCKS; i++)
		if (bc_slots[i].dev == dev && bc_slots[i].state == BC_VALID && !bc_slots[i].dirty &&
		    !bc_slots[i].writing && !bc_slots[i].loaders)
			bc_slots[i].state = BC_EMPTY;
	spin_unlock_irqrestore(&bc_lock, f);
}

void bcache_report(void (*print)(void *arg, const char *fmt, ...), void *arg)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);
	unsigned long hits = bc_hits, misses = bc_misses, errors = bc_errors;
	unsigned valid = 0, dirty = bc_dirty;

	for (unsigned i = 0; i < PARAM_BCACHE_BLOCKS; i++)
		valid += bc_slots[i].state == BC_VALID;
	spin_unlock_irqrestore(&bc_lock, f);
	print(arg, "bcache: %u/%u sectors cached, hits %lu misses %lu errors %lu dirty %u\n", valid,
	      PARAM_BCACHE_BLOCKS, hits, misses, errors, dirty);
}

void bcache_usage(struct blk_dev *dev, struct bcache_usage *u)
{
	unsigned long f = spin_lock_irqsave(&bc_lock);

	*u = (struct bcache_usage){0};
	for (unsigned i = 0; i < PARAM_BCACHE_BLOCKS; i++) {
		const struct bc_slot *s = &bc_slots[i];

		if (s->state == BC_EMPTY || s->dev != dev)
			continue;
		u->cached++;
		u->dirty += s->dirty;
		u->busy += s->loaders || s->writing;
	}
	spin_unlock_irqrestore(&bc_lock, f);
}
