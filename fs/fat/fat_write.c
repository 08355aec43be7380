/*
 * fat_write.c - the write half of FAT: the volume lock, cluster allocation
 * with every FAT copy kept in step, FSInfo and the dirty flag, file writes
 * (in a worker thread: they allocate), truncate, create, mkdir, unlink,
 * rmdir and rename (contract: fs/fat.h, locking in fat_int.h).
 *
 * Every change goes through the sector cache. A data write ends with the
 * device's dirty sectors written back, so the read frame's DMA straight from
 * the disk never sees stale data; directory and FAT changes of the other
 * calls stay dirty until sync, umount or poweroff (fat_flush).
 * Failure: a write or truncate that runs out of clusters frees what it took
 * and fails with -ENOSPC, so the FAT stays consistent; a device error is
 * returned as it is (-EIO) and the cache keeps the sector dirty.
 * Timestamps: this kernel has no wall clock yet, so new and changed entries
 * carry 1980-01-01 00:00, FAT's epoch.
 */
#include <fs/bcache.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

#define FAT_DATE_EPOCH 0x21 /* 1980-01-01 */
#define FAT_ATTR_ARCH  0x20

/* ---- The volume lock ---- */

void fat_lock(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&v->guard);

	while (v->locked)
		waitq_wait_locked(&v->lock_wq, &v->guard, &f, WAITQ_FOREVER);
	v->locked = true;
	spin_unlock_irqrestore(&v->guard, f);
}

void fat_unlock(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&v->guard);

	v->locked = false;
	spin_unlock_irqrestore(&v->guard, f);
	waitq_wake_one(&v->lock_wq);
}

/* ---- The FAT ---- */

/* [V] Writes byte @b at byte @off of every FAT copy. */
static int fat_put_byte(struct fat_vol *v, uint64_t off, uint8_t b)
{
	for (unsigned i = 0; i < v->nfats; i++) {
		uint64_t at = (uint64_t)(v->fat_start + i * v->fat_sectors) * BLK_SECTOR + off;
		int err = bcache_write(v->dev, at / BLK_SECTOR, at % BLK_SECTOR, &b, 1);

		if (err)
			return err;
	}
	return 0;
}

int fat_set(struct fat_vol *v, uint32_t c, uint32_t value)
{
	uint64_t off = v->bits == 12 ? c + c / 2 : (uint64_t)c * (v->bits / 8);
	uint8_t b[4];
	int err = 0;

	if (!fat_cluster_ok(v, c))
		return -EIO;
	if (v->bits == 12) { /* two nibble-shared bytes, maybe in two sectors */
		for (unsigned i = 0; i < 2; i++)
			err = err ? err
				  : bcache_read(v->dev, v->fat_start + (off + i) / BLK_SECTOR,
						(off + i) % BLK_SECTOR, b + i, 1);
		if (err)
			return err;
		if (c & 1) {
			b[0] = (uint8_t)((b[0] & 0x0f) | (value & 0xf) << 4);
			b[1] = (uint8_t)(value >> 4);
		} else {
			b[0] = (uint8_t)value;
			b[1] = (uint8_t)((b[1] & 0xf0) | ((value >> 8) & 0xf));
		}
		return fat_put_byte(v, off, b[0]) ?: fat_put_byte(v, off + 1, b[1]);
	}
	if (v->bits == 32) { /* the top 4 bits are reserved: keep them */
		err = bcache_read(v->dev, v->fat_start + off / BLK_SECTOR, off % BLK_SECTOR, b, 4);
		if (err)
			return err;
		value = (value & 0x0fffffff) | (fat_le32(b) & 0xf0000000);
	}
	for (unsigned i = 0; i < v->bits / 8 && !err; i++)
		err = fat_put_byte(v, off + i, (uint8_t)(value >> (8 * i)));
	return err;
}

static uint32_t fat_eoc(const struct fat_vol *v)
{
	return v->bits == 12 ? 0xfff : v->bits == 16 ? 0xffff : 0x0fffffff;
}

/* [V] A free cluster, now marked end-of-chain and zeroed: 0, -ENOSPC, -EIO. */
static int cluster_alloc(struct fat_vol *v, uint32_t *out)
{
	uint32_t c = v->next_free, next;
	int err;

	for (uint32_t i = 0; i < v->clusters; i++, c++) {
		if (!fat_cluster_ok(v, c))
			c = 2;
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (next)
			continue;
		err = fat_set(v, c, fat_eoc(v));
		for (unsigned s = 0; s < v->spc && !err; s++)
			err = bcache_zero(v->dev, fat_cluster_lba(v, c) + s);
		if (err)
			return err;
		v->next_free = c + 1;
		if (v->free_count != FAT_FREE_UNKNOWN && v->free_count)
			v->free_count--;
		*out = c;
		return 0;
	}
	return -ENOSPC;
}

/* [V] Frees the chain from @c (bounded: a loop cannot hold it). */
static int chain_free(struct fat_vol *v, uint32_t c)
{
	uint32_t next;
	int err;

	for (uint32_t n = 0; fat_cluster_ok(v, c) && n <= v->clusters; n++) {
		err = fat_next_sync(v, c, &next);
		if (!err)
			err = fat_set(v, c, 0);
		if (err)
			return err;
		if (v->free_count != FAT_FREE_UNKNOWN)
			v->free_count++;
		c = next;
	}
	return 0;
}

/* [V] The @k-th cluster (0-based) of the chain from @first in *out. */
static int chain_nth(struct fat_vol *v, uint32_t first, uint64_t k, uint32_t *out)
{
	uint32_t c = first, next;
	int err;

	if (k > v->clusters || !fat_cluster_ok(v, c))
		return -EIO;
	for (uint64_t i = 0; i < k; i++, c = next) {
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (!fat_cluster_ok(v, next))
			return -EIO;
	}
	*out = c;
	return 0;
}

/* ---- Boot sector, FSInfo, flush ---- */

static int set_dirty_flag(struct fat_vol *v, bool dirty)
{
	uint8_t b;
	int err = bcache_read(v->dev, 0, v->dirty_off, &b, 1);

	if (err)
		return err;
	b = dirty ? b | 1 : b & ~1;
	return bcache_write(v->dev, 0, v->dirty_off, &b, 1);
}

void fat_mount_rw(struct fat_vol *v, const uint8_t *boot)
{
	uint8_t fsi[BLK_SECTOR];

	v->nfats = boot[16];
	v->dirty_off = v->bits == 32 ? 65 : 37;
	v->next_free = 2;
	v->free_count = FAT_FREE_UNKNOWN;
	v->fsinfo = v->bits == 32 ? fat_le16(boot + 48) : 0;
	if (v->fsinfo && v->fsinfo < v->fat_start &&
	    !bcache_read(v->dev, v->fsinfo, 0, fsi, sizeof(fsi)) && fat_le32(fsi) == 0x41615252 &&
	    fat_le32(fsi + 484) == 0x61417272) {
		if (fat_le32(fsi + 488) <= v->clusters)
			v->free_count = fat_le32(fsi + 488);
		if (fat_cluster_ok(v, fat_le32(fsi + 492)))
			v->next_free = fat_le32(fsi + 492);
	} else {
		v->fsinfo = 0;
	}
	if (v->rw && !set_dirty_flag(v, true))
		bcache_sync(v->dev);
}

int fat_flush(struct fat_vol *v, bool clean)
{
	uint8_t b[8];
	int err = 0;

	if (!v->rw)
		return 0;
	if (v->fsinfo) {
		for (unsigned i = 0; i < 4; i++) {
			b[i] = (uint8_t)(v->free_count >> (8 * i));
			b[4 + i] = (uint8_t)(v->next_free >> (8 * i));
		}
		err = bcache_write(v->dev, v->fsinfo, 488, b, sizeof(b));
	}
	if (!err)
		err = bcache_sync(v->dev);
	if (!err && clean)
		err = set_dirty_flag(v, false) ?: bcache_sync(v->dev);
	return err;
}

/* ---- Directory entries of nodes ---- */

/* [V] Writes @n's first cluster, size and time into its short entry. */
static int entry_update(struct fat_node *n)
{
	struct fat_vol *v = n->vol;
	uint64_t lba = n->where / 16;
	unsigned off = (unsigned)(n->where % 16) * FAT_DIRENT;
	uint8_t e[FAT_DIRENT];
	int err;

	if (!n->where)
		return 0; /* the root has no entry */
	err = bcache_read(v->dev, lba, off, e, sizeof(e));
	if (err)
		return err;
	e[20] = (uint8_t)(n->first >> 16), e[21] = (uint8_t)(n->first >> 24);
	e[26] = (uint8_t)n->first, e[27] = (uint8_t)(n->first >> 8);
	for (unsigned i = 0; i < 4; i++)
		e[28 + i] = (uint8_t)(n->size >> (8 * i));
	e[22] = e[23] = 0;
	e[24] = FAT_DATE_EPOCH, e[25] = 0;
	n->mtime_ns = fat_time_ns(FAT_DATE_EPOCH, 0);
	return bcache_write(v->dev, lba, off, e, sizeof(e));
}

/* [V] Makes @n's chain exactly @want clusters long (allocating or freeing). */
static int chain_resize(struct fat_node *n, uint64_t want)
{
	struct fat_vol *v = n->vol;
	uint64_t have = 0;
	uint32_t last = 0, next, c;
	int err = 0;

	for (c = n->first; fat_cluster_ok(v, c) && have <= v->clusters; have++) {
		if (have == want) /* cut here: the previous cluster ends the chain */
			return (last ? fat_set(v, last, fat_eoc(v)) : 0) ?: chain_free(v, c) ?:
			       (last ? 0 : (n->first = 0, 0));
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		last = c;
		c = fat_is_eoc(v, next) ? 0 : next;
	}
	for (uint64_t added = 0; have + added < want && !err; added++) {
		err = cluster_alloc(v, &c);
		if (!err)
			err = last ? fat_set(v, last, c) : (n->first = c, 0);
		if (!err)
			last = c;
	}
	return err;
}

/* [V] Zeroes bytes [from, to) of @n's file (inside its chain). */
static int zero_range(struct fat_node *n, uint64_t from, uint64_t to)
{
	struct fat_vol *v = n->vol;
	uint64_t cs = (uint64_t)v->spc * BLK_SECTOR;
	static const uint8_t zeros[BLK_SECTOR];
	uint32_t c;
	int err;

	while (from < to) {
		uint64_t in = from % BLK_SECTOR,
			 len = BLK_SECTOR - in < to - from ? BLK_SECTOR - in : to - from;

		err = chain_nth(v, n->first, from / cs, &c);
		if (!err)
			err = bcache_write(v->dev, fat_cluster_lba(v, c) + (from % cs) / BLK_SECTOR,
					   (unsigned)in, zeros, len);
		if (err)
			return err;
		from += len;
	}
	return 0;
}

/* [V] Sets @n's size, growing (zeros) or shrinking its chain. */
static int resize(struct fat_node *n, uint64_t size)
{
	uint64_t cs = (uint64_t)n->vol->spc * BLK_SECTOR, old = n->size, old_first = n->first;
	int err;

	if (size > 0xffffffffu)
		return -EFBIG;
	err = chain_resize(n, (size + cs - 1) / cs);
	if (err == -ENOSPC) /* give back what was taken: the old length */
		chain_resize(n, (old + cs - 1) / cs);
	if (err)
		return err;
	if (size > old && old % cs && old_first)
		err = zero_range(n, old,
				 size < (old + cs - 1) / cs * cs ? size : (old + cs - 1) / cs * cs);
	if (err)
		return err;
	n->size = (uint32_t)size;
	return entry_update(n);
}

/* ---- File writes and truncate ---- */

/* [V] Copies the range of @io into @n's clusters through the cache. */
static int64_t write_data(struct fat_node *n, const struct vfs_io *io)
{
	struct fat_vol *v = n->vol;
	uint64_t cs = (uint64_t)v->spc * BLK_SECTOR, pos = io->off, end = io->off + io->len;
	uint32_t c, next;
	int err = chain_nth(v, n->first, pos / cs, &c);

	while (!err && pos < end) {
		uint64_t in = pos % BLK_SECTOR;
		uint64_t len = BLK_SECTOR - in < end - pos ? BLK_SECTOR - in : end - pos;

		err = bcache_write_buf(v->dev, fat_cluster_lba(v, c) + (pos % cs) / BLK_SECTOR,
				       (unsigned)in, io->buf, io->boff + (pos - io->off), len);
		pos += len;
		if (!err && pos < end && pos % cs == 0) {
			err = fat_next_sync(v, c, &next);
			if (!err && !fat_cluster_ok(v, next))
				err = -EIO;
			c = next;
		}
	}
	return err ? err : (int64_t)io->len;
}

/* The write step of the "fat" frame, in a worker thread (@arg: its struct vfs_io). */
int64_t fat_write_work(void *arg)
{
	const struct vfs_io *io = arg;
	struct fat_node *n = container_of(io->vn, struct fat_node, vn);
	struct fat_vol *v = n->vol;
	int64_t r = 0;

	if (!v->rw)
		return -EROFS;
	if (io->off + io->len > 0xffffffffu)
		return -EFBIG;
	fat_lock(v);
	if (io->off + io->len > n->size)
		r = resize(n, io->off + io->len);
	if (!r)
		r = write_data(n, io);
	if (r >= 0) {
		int err = entry_update(n);

		if (!err)
			err = bcache_sync(v->dev); /* the read frame reads data from the disk */
		if (err)
			r = err;
	}
	fat_unlock(v);
	return r;
}

int fat_truncate(struct vnode *vn, uint64_t size)
{
	struct fat_node *n = container_of(vn, struct fat_node, vn);
	int err;

	if (!n->vol->rw)
		return -EROFS;
	fat_lock(n->vol);
	err = resize(n, size);
	fat_unlock(n->vol);
	return err;
}

/* ---- Names ---- */

/* UTF-8 @name into UTF-16 @out: the unit count, or -EINVAL (bad UTF-8, too long). */
static int utf8_to_utf16(const char *name, uint16_t *out, unsigned cap)
{
	const uint8_t *p = (const uint8_t *)name;
	unsigned n = 0;

	while (*p) {
		uint32_t cp;
		unsigned more = *p < 0x80    ? 0
				: *p >= 0xf0 ? 3
				: *p >= 0xe0 ? 2
				: *p >= 0xc0 ? 1
					     : 9;

		if (more == 9)
			return -EINVAL;
		cp = more ? *p & (0x3f >> more) : *p;
		for (p++; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -EINVAL;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp >= 0x10000) {
			if (n + 2 > cap)
				return -EINVAL;
			out[n++] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			out[n++] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			if (n + 1 > cap)
				return -EINVAL;
			out[n++] = (uint16_t)cp;
		}
	}
	return (int)n;
}

static bool short_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("$%'-_@~`!(){}^#&", c) != NULL);
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

/* Does @name fit 8.3 exactly, each part in one case? Fills short11 and nt. */
static bool fits_83(const char *name, struct fat_newname *nm)
{
	const char *dot = strchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name), ext = dot ? strlen(dot + 1) : 0;
	int lower[2] = {0, 0}, upper_[2] = {0, 0};

	if (!base || base > 8 || ext > 3 || (dot && (!ext || strchr(dot + 1, '.'))))
		return false;
	memset(nm->short11, ' ', 11);
	for (size_t i = 0; i < base + (dot ? ext + 1 : 0); i++) {
		char c = name[i];
		int part = i > base;

		if (i == base)
			continue;
		if (!short_char_ok(upper(c)))
			return false;
		lower[part] += c >= 'a' && c <= 'z';
		upper_[part] += c >= 'A' && c <= 'Z';
		nm->short11[part ? 8 + i - base - 1 : i] = (uint8_t)upper(c);
	}
	if ((lower[0] && upper_[0]) || (lower[1] && upper_[1]))
		return false;
	nm->nt = (uint8_t)((lower[0] ? FAT_NT_LOWER_BASE : 0) | (lower[1] ? FAT_NT_LOWER_EXT : 0));
	return nm->short11[0] != 0xe5;
}

struct short_arg {
	const uint8_t *short11;
};

static int short_taken_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	const struct short_arg *a = arg;

	(void)lba, (void)slot;
	return e[0] && e[0] != 0xe5 && (e[11] & 0x3f) != FAT_ATTR_LFN && !memcmp(e, a->short11, 11);
}

/* [V] The basis name of a long name with a ~N tail not used in @dir. */
static int short_generate(struct fat_node *dir, const char *name, struct fat_newname *nm)
{
	const char *dot = strrchr(name, '.');
	char base[9] = "", ext[4] = "";
	size_t nb = 0, ne = 0;
	struct short_arg a = {nm->short11};

	for (const char *p = name; *p && (!dot || p < dot || dot == name); p++)
		if (*p != ' ' && *p != '.' && nb < 8)
			base[nb++] = short_char_ok(upper(*p)) ? upper(*p) : '_';
	for (const char *p = dot && dot != name ? dot + 1 : ""; *p && ne < 3; p++)
		if (*p != ' ')
			ext[ne++] = short_char_ok(upper(*p)) ? upper(*p) : '_';
	if (!nb)
		base[nb++] = '_';
	for (unsigned tail = 1; tail < 100; tail++) {
		unsigned digits = tail < 10 ? 1 : 2, keep = nb < 7 - digits ? nb : 7 - digits;
		int r;

		memset(nm->short11, ' ', 11);
		memcpy(nm->short11, base, keep);
		nm->short11[keep] = '~';
		if (digits == 2)
			nm->short11[keep + 1] = (uint8_t)('0' + tail / 10);
		nm->short11[keep + digits] = (uint8_t)('0' + tail % 10);
		memcpy(nm->short11 + 8, ext, ne);
		r = fat_dir_slots(dir, short_taken_fn, &a);
		if (r <= 0)
			return r;
	}
	return -EEXIST; /* 99 names with the same basis */
}

/* [V] The 8.3 and long forms of @name for @dir. */
static int name_prepare(struct fat_node *dir, const char *name, struct fat_newname *nm)
{
	size_t len = strlen(name);
	int n;

	if (!len || !strcmp(name, ".") || !strcmp(name, "..") || name[len - 1] == ' ' ||
	    name[len - 1] == '.')
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || strchr("\"*/:<>?\\|", *p))
			return -EINVAL;
	n = utf8_to_utf16(name, nm->lfn, FAT_LFN_MAX);
	if (n < 0)
		return n == -EINVAL && len > FAT_LFN_MAX ? -ENAMETOOLONG : n;
	nm->lfn_len = (unsigned)n;
	nm->nt = 0;
	if (fits_83(name, nm)) {
		struct short_arg a = {nm->short11};

		nm->lfn_len = 0;
		/* an 8.3 name may equal the generated alias of a long one */
		return fat_dir_slots(dir, short_taken_fn, &a) == 1 ? -EEXIST : 0;
	}
	return short_generate(dir, name, nm);
}

/* ---- Slots ---- */

struct free_arg {
	uint64_t *slots;
	unsigned need, run;
};

static int free_run_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	struct free_arg *a = arg;

	if (e[0] != 0 && e[0] != 0xe5) {
		a->run = 0;
		return 0;
	}
	a->slots[a->run++] = lba * 16 + slot;
	return a->run == a->need;
}

/* [V] Appends a zeroed cluster to directory @dir. */
static int dir_grow(struct fat_node *dir)
{
	struct fat_vol *v = dir->vol;
	uint32_t c = dir->first, next, add;
	int err;

	if (dir->fixed_root)
		return -ENOSPC; /* the FAT12/16 root has a fixed size */
	for (uint32_t n = 0; n <= v->clusters; n++) {
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (fat_is_eoc(v, next))
			break;
		if (!fat_cluster_ok(v, next))
			return -EIO;
		c = next;
	}
	err = cluster_alloc(v, &add);
	return err ? err : fat_set(v, c, add);
}

/* [V] Finds nm->slots for @need entries in @dir, growing it if needed. */
static int slots_find(struct fat_node *dir, struct fat_newname *nm, unsigned need)
{
	struct free_arg a = {.slots = nm->slots, .need = need};
	int r = fat_dir_slots(dir, free_run_fn, &a);

	if (r)
		return r < 0 ? r : 0;
	r = dir_grow(dir);
	if (r)
		return r;
	a.run = 0;
	r = fat_dir_slots(dir, free_run_fn, &a);
	return r < 0 ? r : r ? 0 : -ENOSPC;
}

static int slot_write(struct fat_vol *v, uint64_t where, const uint8_t *e)
{
	return bcache_write(v->dev, where / 16, (unsigned)(where % 16) * FAT_DIRENT, e, FAT_DIRENT);
}

/* The long-name part @ord (1-based) of @nm for short entry checksum @csum. */
static void lfn_entry(const struct fat_newname *nm, unsigned ord, bool last, uint8_t csum,
		      uint8_t *e)
{
	static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

	memset(e, 0, FAT_DIRENT);
	e[0] = (uint8_t)(ord | (last ? 0x40 : 0));
	e[11] = FAT_ATTR_LFN;
	e[13] = csum;
	for (unsigned i = 0; i < 13; i++) {
		unsigned k = (ord - 1) * 13 + i;
		uint16_t u = k < nm->lfn_len ? nm->lfn[k] : k == nm->lfn_len ? 0 : 0xffff;

		e[at[i]] = (uint8_t)u;
		e[at[i] + 1] = (uint8_t)(u >> 8);
	}
}

static uint8_t csum11(const uint8_t *n)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + n[i]);
	return sum;
}

/*
 * [V] Adds @name to @dir as short entry @tmpl (attributes, cluster, size;
 * its name bytes are replaced), long-name parts first. Where the short
 * entry went in *where.
 */
static int entry_add(struct fat_node *dir, const char *name, uint8_t *tmpl, uint64_t *where)
{
	struct fat_newname *nm = &dir->vol->name;
	unsigned parts, i;
	uint8_t e[FAT_DIRENT];
	int err = name_prepare(dir, name, nm);

	if (err)
		return err;
	parts = (nm->lfn_len + 12) / 13;
	err = slots_find(dir, nm, parts + 1);
	if (err)
		return err;
	memcpy(tmpl, nm->short11, 11);
	tmpl[12] = nm->nt;
	for (i = 0; i < parts && !err; i++) {
		lfn_entry(nm, parts - i, i == 0, csum11(nm->short11), e);
		err = slot_write(dir->vol, nm->slots[i], e);
	}
	if (!err)
		err = slot_write(dir->vol, nm->slots[parts], tmpl);
	*where = nm->slots[parts];
	return err;
}

struct erase_arg {
	struct fat_vol *v;
	uint64_t from, to;
	bool on;
	int err;
};

static int erase_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	struct erase_arg *a = arg;
	uint64_t w = lba * 16 + slot;
	uint8_t mark = 0xe5;

	(void)e;
	if (w == a->from)
		a->on = true;
	if (a->on && !a->err)
		a->err = bcache_write(a->v->dev, lba, slot * FAT_DIRENT, &mark, 1);
	return a->on && w == a->to;
}

/* [V] Marks the slots of entry @e (long-name parts and short entry) free. */
static int entry_erase(struct fat_node *dir, const struct fat_entry *e)
{
	struct erase_arg a = {.v = dir->vol, .from = e->first_where, .to = e->where};
	int r = fat_dir_slots(dir, erase_fn, &a);

	return r < 0 ? r : a.err ? a.err : r == 1 ? 0 : -EIO;
}

/* A short entry template: @attr, first cluster @c, size 0, FAT's epoch as its times. */
static void tmpl_init(uint8_t *t, uint8_t attr, uint32_t c)
{
	memset(t, 0, FAT_DIRENT);
	t[11] = attr;
	t[16] = t[18] = t[24] = FAT_DATE_EPOCH; /* created, accessed, written */
	t[20] = (uint8_t)(c >> 16), t[21] = (uint8_t)(c >> 24);
	t[26] = (uint8_t)c, t[27] = (uint8_t)(c >> 8);
}

/* ---- Namespace calls ---- */

static struct fat_node *dnode(struct vnode *v)
{
	return container_of(v, struct fat_node, vn);
}

/* [V] 0 if @name is free in @dir, -EEXIST, or the walk's error. */
static int name_free(struct fat_node *dir, const char *name)
{
	int r = fat_find(dir, name, &dir->vol->ent[1]);

	return r == -ENOENT ? 0 : r ? r : -EEXIST;
}

int fat_create(struct vnode *dirv, const char *name, uint32_t mode, struct vnode **out)
{
	struct fat_node *dir = dnode(dirv), *n = NULL;
	struct fat_vol *v = dir->vol;
	struct fat_entry *e = &v->ent[0];
	int err;

	(void)mode;
	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = name_free(dir, name);
	if (!err) {
		tmpl_init(e->raw, FAT_ATTR_ARCH, 0);
		err = entry_add(dir, name, e->raw, &e->where);
	}
	if (!err) {
		e->first_where = e->where;
		n = fat_node_get(v, e);
		err = n ? 0 : -ENOMEM;
	}
	fat_unlock(v);
	if (!err && out)
		*out = &n->vn;
	else if (n)
		vnode_put(&n->vn);
	return err;
}

/* [V] Writes "." and ".." into the new directory cluster @c of parent @dir. */
static int dir_dots(struct fat_node *dir, uint32_t c)
{
	uint8_t e[FAT_DIRENT];
	uint32_t up = dir->fixed_root || dir->first == dir->vol->root_cluster ? 0 : dir->first;
	int err;

	tmpl_init(e, FAT_ATTR_DIR, c);
	memset(e, ' ', 11);
	e[0] = '.';
	err = slot_write(dir->vol, fat_cluster_lba(dir->vol, c) * 16, e);
	if (err)
		return err;
	tmpl_init(e, FAT_ATTR_DIR, up);
	memset(e, ' ', 11);
	e[0] = e[1] = '.';
	return slot_write(dir->vol, fat_cluster_lba(dir->vol, c) * 16 + 1, e);
}

int fat_mkdir(struct vnode *dirv, const char *name)
{
	struct fat_node *dir = dnode(dirv);
	struct fat_vol *v = dir->vol;
	uint64_t where;
	uint32_t c = 0;
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = name_free(dir, name);
	if (!err)
		err = cluster_alloc(v, &c);
	if (!err)
		err = dir_dots(dir, c);
	if (!err) {
		tmpl_init(v->ent[0].raw, FAT_ATTR_DIR, c);
		err = entry_add(dir, name, v->ent[0].raw, &where);
	}
	if (err && c)
		chain_free(v, c);
	fat_unlock(v);
	return err;
}

static int any_entry_fn(const struct fat_entry *e, uint64_t index, void *arg)
{
	(void)e, (void)index, (void)arg;
	return 2;
}

static uint32_t entry_first(const struct fat_vol *v, const uint8_t *raw)
{
	return fat_le16(raw + 26) | (v->bits == 32 ? (uint32_t)fat_le16(raw + 20) << 16 : 0);
}

/* [V] May entry @e go away (the type asked, an empty directory, not in use)? */
static int removable(struct fat_node *dir, const struct fat_entry *e, bool is_dir)
{
	bool d = e->raw[11] & FAT_ATTR_DIR;
	struct fat_node tmp = {.vol = dir->vol};
	struct fat_node *live;
	int r;

	if (d != is_dir)
		return is_dir ? -ENOTDIR : -EISDIR;
	live = fat_node_find(dir->vol, e->where);
	if (live) {
		vnode_put(&live->vn);
		return -EBUSY; /* open or a cwd: its clusters must stay (documented) */
	}
	if (!d)
		return 0;
	tmp.first = entry_first(dir->vol, e->raw);
	r = fat_dir_walk(&tmp, 0, any_entry_fn, NULL);
	return r < 0 ? r : r ? -ENOTEMPTY : 0;
}

/* [V] Removes entry @e of @dir and frees its clusters. */
static int entry_remove(struct fat_node *dir, const struct fat_entry *e)
{
	int err = entry_erase(dir, e);

	return err ? err : chain_free(dir->vol, entry_first(dir->vol, e->raw));
}

int fat_remove(struct vnode *dirv, const char *name, bool is_dir)
{
	struct fat_node *dir = dnode(dirv);
	struct fat_vol *v = dir->vol;
	struct fat_entry *e = &v->ent[0];
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_find(dir, name, e);
	if (!err)
		err = removable(dir, e, is_dir);
	if (!err)
		err = entry_remove(dir, e);
	fat_unlock(v);
	return err;
}

/* [V] A directory moved to @ndir: its ".." names the new parent. */
static int dotdot_update(struct fat_node *ndir, uint32_t c)
{
	struct fat_vol *v = ndir->vol;
	uint32_t up = ndir->fixed_root || ndir->first == v->root_cluster ? 0 : ndir->first;
	uint8_t b[2];

	b[0] = (uint8_t)(up >> 16), b[1] = (uint8_t)(up >> 24);
	if (bcache_write(v->dev, fat_cluster_lba(v, c), FAT_DIRENT + 20, b, 2))
		return -EIO;
	b[0] = (uint8_t)up, b[1] = (uint8_t)(up >> 8);
	return bcache_write(v->dev, fat_cluster_lba(v, c), FAT_DIRENT + 26, b, 2);
}

/* [V] Under the lock: @o (in odir) becomes @nname in @ndir, replacing @t if found. */
static int __rename(struct fat_node *odir, struct fat_entry *o, struct fat_node *ndir,
		    const char *nname)
{
	struct fat_vol *v = odir->vol;
	struct fat_entry *t = &v->ent[1];
	bool is_dir = o->raw[11] & FAT_ATTR_DIR;
	uint8_t tmpl[FAT_DIRENT];
	uint64_t where;
	int err = fat_find(ndir, nname, t);
	bool same = !err && t->where == o->where;

	if (!err && !same) {
		err = removable(ndir, t, is_dir);
		if (!err)
			err = entry_remove(ndir, t);
		if (err)
			return err;
	} else if (err && err != -ENOENT) {
		return err;
	}
	memcpy(tmpl, o->raw, FAT_DIRENT);
	if (same) { /* a case-only rename: the new name is the entry's own */
		err = entry_erase(odir, o);
		if (!err)
			err = entry_add(ndir, nname, tmpl, &where);
	} else { /* the new entry first: a failure leaves the old one */
		err = entry_add(ndir, nname, tmpl, &where);
		if (!err)
			err = entry_erase(odir, o);
	}
	if (err)
		return err;
	fat_node_moved(v, o->where, where);
	if (is_dir && odir != ndir)
		err = dotdot_update(ndir, entry_first(v, tmpl));
	return err;
}

int fat_rename(struct vnode *odirv, const char *oname, struct vnode *ndirv, const char *nname)
{
	struct fat_node *odir = dnode(odirv), *ndir = dnode(ndirv);
	struct fat_vol *v = odir->vol;
	struct fat_entry *o = &v->ent[0];
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_find(odir, oname, o);
	if (!err && !(odir == ndir && !strcmp(oname, nname)))
		err = __rename(odir, o, ndir, nname);
	fat_unlock(v);
	return err;
}
