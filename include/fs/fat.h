/*
 * fs/fat.h - the FAT12/16/32 filesystem ("vfat"), read-write, over a block device.
 *
 * Interface:
 *   fat_init()        registers the "vfat" type: mount -t vfat /dev/X DIR
 *   fat_automount()   at boot, after the drivers: every disk or partition whose
 *                     first sector is a valid FAT boot sector is mounted on
 *                     /mnt/NAME (a tmpfs is put on /mnt to hold the directories)
 *   fat_sync_all(c)   sync and poweroff: every volume's changes to the disk
 *
 * A read-write volume has its dirty flag set while mounted; umount and
 * poweroff write everything back and clear it. A boot sector that fails
 * validation refuses the mount with -EINVAL and a kernel log line saying
 * which field is wrong. The first change to a read-write volume checks its
 * cluster chains: if they cannot be trusted (two share a cluster, one loops
 * or runs into a free cluster, a directory is unreadable) the volume turns
 * read-only, logged, and the change gets -EROFS: a write would free or
 * extend another file's clusters.
 */
#ifndef FS_FAT_H
#define FS_FAT_H

#include <stdbool.h>

void fat_init(void);
void fat_automount(void);
/* Writes back every mounted FAT volume (sync); @clean also clears their dirty
 * flags (poweroff). Thread context. 0 or the first error. */
int fat_sync_all(bool clean);
/* The readahead counters: one line for `blkstat` (SYS_kinfo). */
void fat_ra_report(void (*print)(void *arg, const char *fmt, ...), void *arg);

#endif
