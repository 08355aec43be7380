/*
 * fat_ra.c - readahead of FAT files (contract: fat_int.h "fat_ra_*").
 *
 * When a read of a file ends and the access was sequential (it started at 0
 * or where the previous read of the node ended), the next PARAM_FAT_RA_BYTES
 * of the file are requested at once into a window: a kernel op runs the "fat"
 * read frame over the window's memory (the same runs, FAT fills and chain
 * checks as a user read), so the device already works on them while the
 * caller consumes the data it got. The next read copies what a ready window
 * holds and goes on from there with DMA straight into its own buffer (large
 * aligned reads stay zero-copy past the window); a read that finds its
 * window still in flight joins it: its frame waits (ASYNC_PENDING) until the
 * window's op ends, then copies.
 *
 * Windows are a static array (no allocation). States, under fat_ra_lock:
 *
 *   FREE --ra_claim() (fat_ra_read_done)--> BUSY --ra_done(bytes, gen kept)--> READY
 *    ^                                        |                                  |
 *    +-------- ra_done(error, stale, orphan) -+                                  |
 *    +-- fat_ra_take() consumed it to its end, ra_claim() reuses it (LRU), -----+
 *        fat_ra_invalidate(), fat_ra_keep()
 *
 * Consistency with writes: n->ra_gen moves at the start and at the end of
 * every write and truncate (fat_ra_invalidate, under the volume lock); a
 * window is used only while its gen is the node's, and nothing is launched
 * while the gen is odd (a change under way). A window in flight across a
 * change is dropped when it ends, and the read that joined it reads the disk.
 *
 * Lifetime: a BUSY window's op uses its node without a vnode reference, so
 * readahead never makes umount -EBUSY. Instead the node's last put while a
 * window of it is BUSY hands the freeing to ra_done (fat_ra_keep), and
 * umount waits until no window of the volume is BUSY (fat_ra_drain).
 */
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

enum ra_state { RA_FREE, RA_BUSY, RA_READY };

struct fat_ra {
	struct fat_node *node;	 /* [R] the file, valid unless FREE */
	uint64_t off;		 /* [R] file offset of data[0] */
	uint64_t len;		 /* [R] bytes asked (BUSY) or held (READY) */
	uint64_t used;		 /* [R] LRU tick: launch or last copy */
	uint32_t gen;		 /* [R] node->ra_gen at the launch */
	uint32_t start_cidx;	 /* [R] a chain position at or before @off (cluster index, */
	uint32_t start_clus;	 /* [R] and number): where the window's walk started */
	uint32_t end_cidx;	 /* [R] READY: a position at or before @off + @len (0 0: none), */
	uint32_t end_clus;	 /* [R] where the walk ended: the next read goes on from it */
	unsigned copying;	 /* [R] readers copying out of @data: not reused meanwhile */
	uint8_t state;		 /* [R] enum ra_state */
	struct async_op *waiter; /* [R] BUSY: the read joined to this window, or NULL */
	uint32_t wtoken;	 /* [R] valid iff @waiter: its pending period */
	struct async_buf *buf;	 /* [O] BUSY: @data as the op's buffer */
	uint8_t data[PARAM_FAT_RA_BYTES] __attribute__((aligned(BLK_SECTOR)));
};

static struct fat_ra fat_ra_win[PARAM_FAT_RA_WINDOWS]; /* [R] */
static struct spinlock fat_ra_lock = SPINLOCK_INIT;
static uint64_t ra_tick;				 /* [R] */
static unsigned long ra_launched, ra_joined, ra_dropped; /* [R] */
static unsigned long ra_hits, ra_hit_bytes;		 /* [R] */

/* [R] The usable window of @n holding file byte @pos, or NULL. */
static struct fat_ra *__ra_find(struct fat_node *n, uint64_t pos)
{
	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++) {
		struct fat_ra *w = &fat_ra_win[i];

		if (w->state != RA_FREE && w->node == n && w->gen == n->ra_gen && w->off <= pos &&
		    pos < w->off + w->len)
			return w;
	}
	return NULL;
}

/* [R] A window to launch into: a free one, else the least recently used ready one. */
static struct fat_ra *__ra_victim(void)
{
	struct fat_ra *best = NULL;

	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++) {
		struct fat_ra *w = &fat_ra_win[i];

		if (w->state == RA_FREE)
			return w;
		if (w->state == RA_READY && !w->copying && (!best || w->used < best->used))
			best = w;
	}
	return best;
}

/* [R] @w holds nothing any more. */
static void __ra_free(struct fat_ra *w)
{
	w->state = RA_FREE;
	w->node = NULL;
}

/* The window's op ended with @res (bytes read or -errno). Any context. */
static void ra_done(struct async_op *op, int64_t res, void *arg)
{
	struct fat_ra *w = arg;
	struct fat_node *n = w->node, *orphan = NULL;
	struct async_buf *buf = w->buf;
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	struct async_op *waiter = w->waiter;
	uint32_t token = w->wtoken;

	(void)op;
	w->waiter = NULL;
	w->buf = NULL;
	if (res > 0 && !n->ra_orphan && w->gen == n->ra_gen) {
		w->state = RA_READY;
		w->len = (uint64_t)res;
	} else {
		ra_dropped++;
		__ra_free(w);
	}
	if (!--n->ra_busy && n->ra_orphan)
		orphan = n;
	spin_unlock_irqrestore(&fat_ra_lock, f);
	if (buf) {
		async_buf_unborrow(buf);
		async_buf_release(buf);
	}
	if (waiter)
		async_op_complete(waiter, token, 0); /* it looks again: ready, or read it itself */
	if (orphan)
		fat_node_free(orphan);
}

/* Starts the op that reads window @w (claimed BUSY) from chain position (@cidx, @clus). */
static void ra_launch(struct fat_ra *w, uint32_t cidx, uint32_t clus)
{
	struct async_op *op = async_op_alloc(async_kernel_heap());
	struct async_buf *buf =
	    async_buf_borrowed(w->data, w->len, ASYNC_BUF_READ | ASYNC_BUF_WRITE);
	int err = op && buf ? async_buf_borrow(buf, ASYNC_BUF_WRITE) : -ENOMEM;

	if (!err) {
		w->buf = buf; /* ra_done gives it back */
		err = fat_io_push_ra(op, &w->node->vn, buf, w->off, w->len, cidx, clus, w);
		if (err)
			async_op_discard(op);
		else if (!(err = async_op_submit_fn(op, ra_done, w)))
			return;
		ra_done(NULL, err, w); /* gives the buffer back (a failed submit freed the op) */
		return;
	}
	if (op)
		async_op_discard(op);
	if (buf)
		async_buf_release(buf);
	ra_done(NULL, err, w);
}

void fat_ra_read_done(struct fat_node *n, uint64_t off, uint64_t end, uint32_t cidx, uint32_t clus)
{
	uint64_t size = n->size; /* as the read frame saw it: no lock (fat_int.h) */
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	bool seq = !off || off == n->ra_next;
	struct fat_ra *w = NULL;

	n->ra_next = end;
	if (seq && !(n->ra_gen & 1) && !n->ra_orphan && end < size && !__ra_find(n, end))
		w = __ra_victim();
	if (w) {
		w->state = RA_BUSY;
		w->node = n;
		w->off = end;
		w->len = size - end < PARAM_FAT_RA_BYTES ? size - end : PARAM_FAT_RA_BYTES;
		w->gen = n->ra_gen;
		w->start_cidx = cidx;
		w->start_clus = clus;
		w->end_cidx = w->end_clus = 0;
		w->used = ++ra_tick;
		w->waiter = NULL;
		n->ra_busy++;
		ra_launched++;
	}
	spin_unlock_irqrestore(&fat_ra_lock, f);
	if (w)
		ra_launch(w, cidx, clus);
}

void fat_ra_end_pos(void *win, uint32_t cidx, uint32_t clus)
{
	struct fat_ra *w = win;
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);

	w->end_cidx = cidx;
	w->end_clus = clus;
	spin_unlock_irqrestore(&fat_ra_lock, f);
}

/* [R] Moves (*cidx, *clus) to the furthest chain position @w knows at or before byte @pos. */
static void __ra_pos(const struct fat_ra *w, uint64_t pos, uint32_t *cidx, uint32_t *clus)
{
	uint64_t at = pos / ((uint64_t)w->node->vol->spc * BLK_SECTOR);

	if (w->end_clus && w->end_cidx <= at && w->end_cidx > *cidx) {
		*cidx = w->end_cidx;
		*clus = w->end_clus;
	} else if (w->start_clus && w->start_cidx <= at && w->start_cidx > *cidx) {
		*cidx = w->start_cidx;
		*clus = w->start_clus;
	}
}

int64_t fat_ra_take(struct fat_node *n, uint64_t pos, uint64_t end, struct async_buf *buf,
		    uint64_t boff, struct async_op *op, uint32_t *cidx, uint32_t *clus)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	struct fat_ra *w = __ra_find(n, pos);
	uint64_t k = 0;

	if (w && w->state == RA_BUSY) {
		if (w->waiter) { /* another reader waits on it: read the disk */
			spin_unlock_irqrestore(&fat_ra_lock, f);
			return 0;
		}
		w->waiter = op;
		w->wtoken = async_op_token(op);
		ra_joined++;
		spin_unlock_irqrestore(&fat_ra_lock, f);
		return ASYNC_PENDING;
	}
	if (w) {
		k = w->off + w->len - pos < end - pos ? w->off + w->len - pos : end - pos;
		w->copying++;
	}
	spin_unlock_irqrestore(&fat_ra_lock, f);
	if (!w)
		return 0;
	blk_buf_copy(buf, boff, w->data + (pos - w->off), k, true);
	f = spin_lock_irqsave(&fat_ra_lock);
	w->used = ++ra_tick;
	ra_hits++;
	ra_hit_bytes += k;
	__ra_pos(w, pos + k, cidx, clus);
	if (!--w->copying && pos + k == w->off + w->len && w->state == RA_READY)
		__ra_free(w); /* consumed: a sequential reader does not come back */
	spin_unlock_irqrestore(&fat_ra_lock, f);
	return (int64_t)k;
}

void fat_ra_unjoin(struct async_op *op)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	struct fat_ra *w = NULL;
	uint32_t token = 0;

	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS && !w; i++)
		if (fat_ra_win[i].waiter == op)
			w = &fat_ra_win[i];
	if (w) {
		w->waiter = NULL;
		token = w->wtoken;
	}
	spin_unlock_irqrestore(&fat_ra_lock, f);
	if (w) /* else ra_done took it off and completes it */
		async_op_complete(op, token, -ECANCELED);
}

void fat_ra_invalidate(struct fat_node *n)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);

	n->ra_gen++;
	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++)
		if (fat_ra_win[i].node == n && fat_ra_win[i].state == RA_READY &&
		    !fat_ra_win[i].copying)
			__ra_free(&fat_ra_win[i]); /* BUSY ones are dropped by ra_done */
	spin_unlock_irqrestore(&fat_ra_lock, f);
}

bool fat_ra_keep(struct fat_node *n)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	bool keep = n->ra_busy > 0;

	n->ra_orphan = keep; /* its windows in flight are dropped when they end */
	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++)
		if (fat_ra_win[i].node == n && fat_ra_win[i].state == RA_READY)
			__ra_free(&fat_ra_win[i]); /* nobody copies: no reference is left */
	spin_unlock_irqrestore(&fat_ra_lock, f);
	return keep;
}

/* Windows of @v in flight. */
static unsigned ra_busy_on(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	unsigned busy = 0;

	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++)
		busy += fat_ra_win[i].state == RA_BUSY && fat_ra_win[i].node->vol == v;
	spin_unlock_irqrestore(&fat_ra_lock, f);
	return busy;
}

void fat_ra_drain(struct fat_vol *v)
{
	while (ra_busy_on(v)) /* bounded: each op ends, by the device or its watchdog */
		thread_sleep_ns(1000000);
}

void fat_ra_report(void (*print)(void *arg, const char *fmt, ...), void *arg)
{
	unsigned long f = spin_lock_irqsave(&fat_ra_lock);
	unsigned long launched = ra_launched, joined = ra_joined, dropped = ra_dropped;
	unsigned long hits = ra_hits, bytes = ra_hit_bytes;
	unsigned busy = 0, ready = 0;

	for (unsigned i = 0; i < PARAM_FAT_RA_WINDOWS; i++) {
		busy += fat_ra_win[i].state == RA_BUSY;
		ready += fat_ra_win[i].state == RA_READY;
	}
	spin_unlock_irqrestore(&fat_ra_lock, f);
	print(arg,
	      "fatra: %u windows of %u KiB, %u busy %u ready; launched %lu joined %lu dropped %lu "
	      "hits %lu (%lu bytes)\n",
	      PARAM_FAT_RA_WINDOWS, PARAM_FAT_RA_BYTES / 1024, busy, ready, launched, joined,
	      dropped, hits, bytes);
}
