/*
 * fat_dir.c - reading FAT directories: the sector walk over a cluster chain
 * (or the fixed FAT12/16 root), VFAT long names (UTF-16 parts checked by
 * their order numbers and the short entry's checksum, shown as UTF-8), 8.3
 * names with the NT lowercase flags, and FAT timestamps.
 *
 * Runs in thread context (lookup, readdir): sectors come through the cache
 * with bcache_read, which may sleep. Corrupt directories end the walk with
 * -EIO: a chain that leaves the volume's clusters, or one longer than the
 * 65536 entries a FAT directory may have (a loop). A long name whose parts do not fit together
 * is ignored and the 8.3 name is shown, as Windows and Linux do.
 */
#include <fs/bcache.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <lib/civil.h>
#include <uapi/errno.h>
#include "fat_int.h"

/* Where a directory walk is: the next sector to read. */
struct dir_cursor {
	struct fat_node *dir;
	uint32_t clus; /* current cluster (cluster directories) */
	uint32_t sec;  /* next sector within the cluster, or of the fixed root */
	uint32_t hops; /* clusters followed: more than the volume has means a loop */
	uint64_t lba;  /* the sector produced by cursor_next */
};

/* Long-name parts gathered before the short entry they belong to. */
struct lfn_state {
	uint16_t units[FAT_LFN_MAX + 13];
	unsigned next_ord; /* the order number the next part must have; 0: none pending */
	unsigned parts;	   /* parts the name has */
	uint8_t csum;
	uint64_t first_where; /* the slot of the first part */
};

/* The next directory sector in c->lba: 0, 1 at the end, -EIO corrupt. */
static int cursor_next(struct dir_cursor *c)
{
	struct fat_vol *v = c->dir->vol;
	uint32_t next;
	int err;

	if (c->dir->fixed_root) {
		if (c->sec >= v->root_sectors)
			return 1;
		c->lba = v->root_start + c->sec++;
		return 0;
	}
	if (c->sec == v->spc) {
		err = fat_next_sync(v, c->clus, &next);
		if (err)
			return err;
		if (fat_is_eoc(v, next))
			return 1;
		if (!fat_cluster_ok(v, next) || ++c->hops > v->clusters ||
		    (uint64_t)c->hops * v->spc * (BLK_SECTOR / FAT_DIRENT) >= FAT_DIR_ENTRIES_MAX)
			return -EIO;
		c->clus = next;
		c->sec = 0;
	}
	c->lba = fat_cluster_lba(v, c->clus) + c->sec++;
	return 0;
}

static uint8_t short_csum(const uint8_t *name11)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
	return sum;
}

/* Appends code point @cp as UTF-8 to @out (length *len, capacity @cap). */
static void utf8_put(char *out, size_t cap, size_t *len, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*len + n < cap) {
		memcpy(out + *len, b, n);
		*len += n;
	}
}

/* The gathered long name as UTF-8 in @out; false if it is unusable. */
static bool lfn_to_utf8(const struct lfn_state *l, char *out, size_t cap)
{
	size_t len = 0, n = l->parts * 13;

	for (size_t i = 0; i < n && l->units[i]; i++) {
		uint32_t u = l->units[i];

		if (u >= 0xd800 && u < 0xdc00 && i + 1 < n && l->units[i + 1] >= 0xdc00 &&
		    l->units[i + 1] < 0xe000) {
			u = 0x10000 + ((u - 0xd800) << 10) + (l->units[i + 1] - 0xdc00);
			i++;
		} else if (u >= 0xd800 && u < 0xe000) {
			u = '?'; /* an unpaired surrogate */
		}
		if (u == '/')
			return false;
		utf8_put(out, cap, &len, u);
	}
	out[len] = '\0';
	return len > 0;
}

/* A long-name part: keeps it if it continues the name being gathered. */
static void lfn_part(struct lfn_state *l, const uint8_t *e, uint64_t where)
{
	static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
	unsigned ord = e[0] & 0x1f;

	if (e[0] & 0x40) {
		l->first_where = where;
		l->parts = ord;
		l->next_ord = ord;
		l->csum = e[13];
	}
	if (!ord || ord != l->next_ord || e[13] != l->csum || ord * 13 > FAT_LFN_MAX + 13) {
		l->next_ord = 0;
		return;
	}
	for (unsigned i = 0; i < 13; i++)
		l->units[(ord - 1) * 13 + i] = fat_le16(e + at[i]);
	l->next_ord = ord - 1; /* 0 after part 1: complete, waiting for the short entry */
	if (ord == 1)
		l->next_ord = 0x100; /* complete */
}

/* The 8.3 name of short entry @e with the NT case flags, e.g. "readme.TXT". */
static void short_name(const uint8_t *e, char out[13])
{
	size_t len = 0;
	int base = 8, ext = 3;

	while (base > 0 && e[base - 1] == ' ')
		base--;
	while (ext > 0 && e[8 + ext - 1] == ' ')
		ext--;
	for (int i = 0; i < base + (ext ? ext + 1 : 0); i++) {
		bool in_ext = i > base;
		uint8_t c = i < base ? e[i] : i == base ? '.' : e[8 + i - base - 1];

		if (i == 0 && c == 0x05)
			c = 0xe5;
		if (c >= 0x80 || c < 0x20 || c == '/')
			c = '_'; /* an OEM code page letter: no table for it here */
		if (c >= 'A' && c <= 'Z' &&
		    (e[12] & (in_ext ? FAT_NT_LOWER_EXT : FAT_NT_LOWER_BASE)) && i != base)
			c = (uint8_t)(c - 'A' + 'a');
		out[len++] = (char)c;
	}
	out[len] = '\0';
}

/* Fills @out for short entry @e at @where, using the long name if it belongs to it. */
static void entry_make(struct lfn_state *l, const uint8_t *e, uint64_t where, struct fat_entry *out)
{
	memcpy(out->raw, e, FAT_DIRENT);
	out->where = where;
	short_name(e, out->short_name);
	out->first_where = where;
	if (l->next_ord != 0x100 || l->csum != short_csum(e) ||
	    !lfn_to_utf8(l, out->name, sizeof(out->name)))
		strlcpy(out->name, out->short_name, sizeof(out->name));
	else
		out->first_where = l->first_where;
	l->next_ord = 0;
}

/* Is @e an entry the walk reports? (not free, not a label, not "." or "..") */
static bool entry_shown(const uint8_t *e)
{
	if (e[0] == 0xe5 || (e[11] & FAT_ATTR_VOLUME))
		return false;
	return !(e[0] == '.' && (e[1] == ' ' || (e[1] == '.' && e[2] == ' ')));
}

/* One sector's entries; 1 at the directory's end mark, else @fn's value or 0. */
static int walk_sector(const uint8_t *sec, uint64_t lba, struct lfn_state *l, uint64_t *index,
		       uint64_t start, int (*fn)(const struct fat_entry *, uint64_t, void *),
		       void *arg, struct fat_entry *ent)
{
	for (unsigned i = 0; i < BLK_SECTOR / FAT_DIRENT; i++) {
		const uint8_t *e = sec + i * FAT_DIRENT;
		int r;

		if (e[0] == 0)
			return 1;
		if (e[0] != 0xe5 && (e[11] & 0x3f) == FAT_ATTR_LFN) {
			lfn_part(l, e, lba * 16 + i);
			continue;
		}
		if (!entry_shown(e)) {
			l->next_ord = 0;
			continue;
		}
		if ((*index)++ < start) {
			l->next_ord = 0;
			continue;
		}
		entry_make(l, e, lba * 16 + i, ent);
		r = fn(ent, *index - 1, arg);
		if (r)
			return r;
	}
	return 0;
}

int fat_dir_walk(struct fat_node *dir, uint64_t start,
		 int (*fn)(const struct fat_entry *e, uint64_t index, void *arg), void *arg)
{
	struct dir_cursor c = {.dir = dir, .clus = dir->first};
	struct lfn_state l = {.next_ord = 0};
	struct fat_entry ent;
	uint8_t sec[BLK_SECTOR];
	uint64_t index = 0;
	int r;

	if (!dir->fixed_root && !fat_cluster_ok(dir->vol, dir->first))
		return -EIO;
	for (;;) {
		r = cursor_next(&c);
		if (r)
			return r < 0 ? r : 0;
		r = bcache_read(dir->vol->dev, c.lba, 0, sec, sizeof(sec));
		if (r)
			return r;
		r = walk_sector(sec, c.lba, &l, &index, start, fn, arg, &ent);
		if (r)
			return r == 1 ? 0 : r;
	}
}

int fat_dir_slots(struct fat_node *dir,
		  int (*fn)(uint64_t lba, unsigned slot, const uint8_t *e, void *arg), void *arg)
{
	struct dir_cursor c = {.dir = dir, .clus = dir->first};
	uint8_t sec[BLK_SECTOR];
	int r;

	if (!dir->fixed_root && !fat_cluster_ok(dir->vol, dir->first))
		return -EIO;
	for (;;) {
		r = cursor_next(&c);
		if (r)
			return r < 0 ? r : 0;
		r = bcache_read(dir->vol->dev, c.lba, 0, sec, sizeof(sec));
		if (r)
			return r;
		for (unsigned i = 0; i < BLK_SECTOR / FAT_DIRENT; i++)
			if (fn(c.lba, i, sec + i * FAT_DIRENT, arg))
				return 1;
	}
}

int64_t fat_time_ns(uint16_t date, uint16_t time)
{
	unsigned m = (date >> 5) & 0xf, d = date & 0x1f;
	int64_t s;

	if (m < 1 || m > 12 || d < 1)
		return 0; /* no date recorded */
	s = civil_to_days(1980 + (date >> 9), m, d) * 86400 + (time >> 11) * 3600 +
	    ((time >> 5) & 0x3f) * 60 + (time & 0x1f) * 2;
	return s * 1000000000LL;
}

/*
 * The wall clock (kernel/time: the CMOS RTC read at boot plus the monotonic
 * clock) as a FAT date and time. FAT keeps local time; this kernel has only
 * UTC, so that is what goes on disk. A clock before 1980 (an unreadable RTC
 * counts from 1970) is stamped as FAT's epoch, 1980-01-01 00:00.
 */
void fat_stamp_now(uint16_t *date, uint16_t *time)
{
	int64_t s = clock_realtime_ns() / 1000000000LL, y;
	unsigned m, d, sec;

	civil_from_days(s / 86400, &y, &m, &d);
	if (y < 1980 || y > 2107) {
		*date = FAT_DATE_EPOCH, *time = 0;
		return;
	}
	sec = (unsigned)(s % 86400);
	*date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
	*time = (uint16_t)((sec / 3600) << 11 | (sec / 60 % 60) << 5 | (sec % 60) / 2);
}
