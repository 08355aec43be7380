/*
 * fat_check.c - the read-write mount's check of a volume's cluster chains
 * (contract: fat_int.h, fat_check_chains).
 *
 * Writes free and allocate clusters trusting that every cluster in use
 * belongs to exactly one chain, ending in an end-of-chain mark. A corrupt
 * volume breaks that two ways, and either lets a write corrupt another file:
 *  - cross-linked chains: two files (or a loop) reach the same cluster, so
 *    freeing or extending one frees or extends the other;
 *  - a chain that runs into a free cluster: the allocator may hand that
 *    cluster to a new file while the old one still reads and frees it.
 * So before the first change to a volume mounted read-write (fat_writable,
 * under the volume lock), every chain reachable from the root directory is
 * followed once, marking its clusters in a bitmap: a cluster reached twice,
 * a free one reached, or a directory that cannot be read makes the volume
 * read-only from then on (its dirty flag cleared again: nothing was
 * changed; reads stay as safe as on any read-only volume; writes get
 * -EROFS). Reading needs no check, so mounting stays as fast as it was.
 * Directories are found by sweeps over a second bitmap of directories still
 * to walk, so nothing recurses and every cluster and directory sector is read
 * once: the check is bounded by the volume's size. Chains that leave the
 * volume or end in a bad-cluster mark are left to the reads (-EIO) and the
 * writes, which stop at the break: no valid cluster lies behind it.
 *
 * The bitmaps are static, for volumes of up to PARAM_FAT_CHECK_CLUSTERS clusters,
 * and shared: one check at a time ([B]: held while check_busy is ours). A
 * larger volume is changed without the check (logged once per mount).
 */
#include <fs/bcache.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

#define WORD_BITS 64

static uint64_t check_used[PARAM_FAT_CHECK_CLUSTERS / WORD_BITS];    /* [B] reached by a chain */
static uint64_t check_pending[PARAM_FAT_CHECK_CLUSTERS / WORD_BITS]; /* [B] directories to walk */
static struct spinlock check_guard = SPINLOCK_INIT;
static bool check_busy; /* [check_guard] the bitmaps ([B]) are taken */

/* One check: the volume, a window on one FAT sector, and what went wrong. */
struct check {
	struct fat_vol *v;
	uint64_t lba;		 /* the FAT sector in @sec, 0: none */
	uint8_t sec[BLK_SECTOR]; /* that sector's bytes */
	const char *why;	 /* the first problem found, NULL: none */
	uint32_t at;		 /* the cluster it was found at */
	int err;		 /* a device error (-errno) */
};

static void bitmaps_take(void)
{
	unsigned long f;

	for (;;) {
		f = spin_lock_irqsave(&check_guard);
		if (!check_busy) {
			check_busy = true;
			spin_unlock_irqrestore(&check_guard, f);
			return;
		}
		spin_unlock_irqrestore(&check_guard, f);
		thread_sleep_ns(1000000); /* another mount's check: rare, and short */
	}
}

static void bitmaps_give(void)
{
	unsigned long f = spin_lock_irqsave(&check_guard);

	check_busy = false;
	spin_unlock_irqrestore(&check_guard, f);
}

/* [B] Sets bit @c of @map: its old value. */
static bool bit_set(uint64_t *map, uint32_t c)
{
	uint64_t m = 1ull << (c % WORD_BITS);
	bool was = map[c / WORD_BITS] & m;

	map[c / WORD_BITS] |= m;
	return was;
}

/* The FAT entry of @c, reading whole FAT sectors into the window: 0 or -errno. */
static int next_of(struct check *k, uint32_t c, uint32_t *next)
{
	struct fat_vol *v = k->v;
	uint64_t off = v->bits == 12 ? c + c / 2 : (uint64_t)c * (v->bits / 8);
	uint64_t lba = v->fat_start + off / BLK_SECTOR;
	unsigned in = (unsigned)(off % BLK_SECTOR);
	int err;

	if (v->bits == 12 && in == BLK_SECTOR - 1)
		return fat_next_sync(v, c, next); /* straddles two sectors */
	if (lba != k->lba) {
		err = bcache_read(v->dev, lba, 0, k->sec, BLK_SECTOR);
		if (err)
			return err;
		k->lba = lba;
	}
	if (v->bits == 12) {
		*next = fat_le16(k->sec + in);
		*next = c & 1 ? *next >> 4 : *next & 0xfff;
	} else {
		*next = v->bits == 16 ? fat_le16(k->sec + in) : fat_le32(k->sec + in) & 0x0fffffff;
	}
	return 0;
}

static void problem(struct check *k, const char *why, uint32_t c)
{
	if (!k->why) {
		k->why = why;
		k->at = c;
	}
}

/* [B] Marks the chain from @c; a directory's first cluster joins the ones to walk. */
static void mark_chain(struct check *k, uint32_t c, bool dir)
{
	struct fat_vol *v = k->v;
	uint32_t next;
	int err;

	if (!fat_cluster_ok(v, c))
		return; /* empty, or out of the volume: reads and writes fail with -EIO */
	if (dir)
		bit_set(check_pending, c);
	while (!k->why && !k->err) {
		if (bit_set(check_used, c)) {
			problem(k, "cross-linked cluster chains (or a loop)", c);
			return;
		}
		err = next_of(k, c, &next);
		if (err) {
			k->err = err;
			return;
		}
		if (!next) {
			problem(k, "a cluster chain runs into a free cluster", c);
			return;
		}
		if (fat_is_eoc(v, next) || !fat_cluster_ok(v, next))
			return;
		c = next;
	}
}

static int entry_fn(const struct fat_entry *e, uint64_t index, void *arg)
{
	struct check *k = arg;
	const uint8_t *r = e->raw;
	uint32_t first =
	    fat_le16(r + 26) | (k->v->bits == 32 ? (uint32_t)fat_le16(r + 20) << 16 : 0);

	(void)index;
	mark_chain(k, first, r[11] & FAT_ATTR_DIR);
	return k->why || k->err;
}

/* [B] Walks the directory at @first (0: the fixed root), marking its entries' chains. */
static void walk_dir(struct check *k, uint32_t first)
{
	struct fat_node dir = {.vol = k->v, .first = first, .fixed_root = !first};
	int r = fat_dir_walk(&dir, 0, entry_fn, k);

	if (r < 0 && !k->err)
		k->err = r; /* unreadable or corrupt: its files cannot be vouched for */
}

/* [B] Walks every directory waiting in check_pending until none is left. */
static void sweep(struct check *k)
{
	uint32_t words = (k->v->clusters + 2 + WORD_BITS - 1) / WORD_BITS;
	bool found = true;

	while (found && !k->why && !k->err) {
		found = false;
		for (uint32_t i = 0; i < words && !k->why && !k->err; i++)
			while (check_pending[i] && !k->why && !k->err) {
				unsigned b = (unsigned)__builtin_ctzll(check_pending[i]);

				check_pending[i] &= ~(1ull << b);
				walk_dir(k, i * WORD_BITS + b);
				found = true;
			}
	}
}

int fat_check_chains(struct fat_vol *v)
{
	static struct check k; /* [B] (a sector is too big for the stack of a walk) */
	uint32_t words = (v->clusters + 2 + WORD_BITS - 1) / WORD_BITS;
	int err;

	if (v->clusters + 2 > PARAM_FAT_CHECK_CLUSTERS) {
		klog(LOG_WARN, "vfat: %s: %u clusters: chains not checked for cross-links\n",
		     v->dev->name, v->clusters);
		return 0;
	}
	bitmaps_take();
	k = (struct check){.v = v};
	memset(check_used, 0, words * sizeof(uint64_t));
	memset(check_pending, 0, words * sizeof(uint64_t));
	if (v->bits == 32)
		mark_chain(&k, v->root_cluster, true);
	else
		walk_dir(&k, 0);
	sweep(&k);
	err = k.err ? k.err : k.why ? -EIO : 0;
	if (k.why)
		klog(LOG_WARN, "vfat: %s: %s at cluster %u\n", v->dev->name, k.why, k.at);
	bitmaps_give();
	return err;
}

int fat_writable(struct fat_vol *v)
{
	int err;

	if (!v->rw)
		return -EROFS;
	if (v->checked)
		return 0;
	err = fat_check_chains(v);
	if (!err) {
		v->checked = true;
		return 0;
	}
	klog(LOG_WARN, "vfat: %s: chains not trusted (error %d): read-only from now on\n",
	     v->dev->name, err);
	if (fat_flush(v, true)) /* nothing was changed: the dirty flag goes (FSInfo as read) */
		klog(LOG_WARN, "vfat: %s: cannot clear the dirty flag\n", v->dev->name);
	v->rw = false;
	__atomic_or_fetch(&v->mnt->flags, TIO_MNT_RDONLY, __ATOMIC_RELAXED); /* `mount` shows ro */
	return -EROFS;
}
