/*
 * fs/fat.h - the FAT12/16/32 filesystem ("vfat"), read-only, over a block device.
 *
 * Interface:
 *   fat_init()        registers the "vfat" type: mount -t vfat /dev/X DIR
 *   fat_automount()   at boot, after the drivers: every disk or partition whose
 *                     first sector is a valid FAT boot sector is mounted on
 *                     /mnt/NAME (a tmpfs is put on /mnt to hold the directories)
 *
 * Every mount is read-only (TIO_MNT_RDONLY is forced): the write half of the
 * filesystem is not built yet. A boot sector that fails validation refuses the
 * mount with -EINVAL and a kernel log line saying which field is wrong.
 */
#ifndef FS_FAT_H
#define FS_FAT_H

void fat_init(void);
void fat_automount(void);

#endif
