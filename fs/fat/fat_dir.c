/*
 * fat_dir.c - reading FAT directories: the sector walk over a cluster chain
 * (or the fixed FAT12/16 root), VFAT long names (UTF-16 parts checked by
 * their order numbers and the short entry's checksum, shown as UTF-8), 8.3
 * names with the NT lowercase flags (the entries of one sector: fat_dirent.c),
 * and FAT timestamps.
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

_Static_assert(FAT_DIRENT_PER_SECTOR == BLK_SECTOR / FAT_DIRENT,
	       "fat_dirent.c decodes BLK_SECTOR bytes");

/* Where a directory walk is: the next sector to read. */
struct dir_cursor {
	struct fat_node *dir;
	uint32_t clus; /* current cluster (cluster directories) */
	uint32_t sec;  /* next sector within the cluster, or of the fixed root */
	uint32_t hops; /* clusters followed: more than the volume has means a loop */
	uint64_t lba;  /* the sector produced by cursor_next */
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

/* The next directory sector read into @sec (its number in c->lba): 0, 1 at the end, -errno. */
static int cursor_read(struct dir_cursor *c, uint8_t sec[BLK_SECTOR])
{
	int r = cursor_next(c);

	return r ? r : bcache_read(c->dir->vol->dev, c->lba, 0, sec, BLK_SECTOR);
}

int fat_dir_walk(struct fat_node *dir, uint64_t start,
		 int (*fn)(const struct fat_entry *e, uint64_t index, void *arg), void *arg)
{
	struct dir_cursor c = {.dir = dir, .clus = dir->first};
	struct fat_lfn l = {.next_ord = 0};
	struct fat_entry ent;
	uint8_t sec[BLK_SECTOR];
	uint64_t index = 0;
	int r;

	if (!dir->fixed_root && !fat_cluster_ok(dir->vol, dir->first))
		return -EIO;
	for (;;) {
		r = cursor_read(&c, sec);
		if (r)
			return r < 0 ? r : 0;
		r = fat_dirent_sector(sec, c.lba, &l, &index, start, fn, arg, &ent);
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
		r = cursor_read(&c, sec);
		if (r)
			return r < 0 ? r : 0;
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
