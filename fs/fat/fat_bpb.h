/*
 * fat_bpb.h - private to fs/fat: the boot sector (BPB) check, pure (no
 * kernel headers: bytes in, geometry or a reason out), so the host's fuzz
 * target tests/host/fuzz/fat_bpb.c runs the very code the kernel mounts with.
 */
#ifndef FS_FAT_FAT_BPB_H
#define FS_FAT_FAT_BPB_H

#include <stdint.h>

#define FAT_BPB_SECTOR 512 /* bytes per sector: the only size mounted (BLK_SECTOR) */

/*
 * The layout a sound boot sector describes. Invariants when fat_bpb_check
 * accepted it: every sector it names lies below total_sectors <= the
 * device's size, data_start + clusters * spc <= total_sectors, the FAT holds
 * an entry for clusters 0 .. clusters + 1, bits follows from the cluster
 * count, and on FAT32 root_cluster is a valid cluster (2 .. clusters + 1).
 */
struct fat_geom {
	unsigned bits;	       /* 12, 16 or 32 */
	unsigned spc;	       /* sectors per cluster, a power of two */
	unsigned nfats;	       /* copies of the FAT */
	uint32_t fat_start;    /* first sector of the first FAT */
	uint32_t fat_sectors;  /* sectors of one FAT */
	uint32_t root_start;   /* FAT12/16: first sector of the fixed root directory */
	uint32_t root_sectors; /* FAT12/16: its length; 0 on FAT32 */
	uint32_t data_start;   /* sector of cluster 2 */
	uint32_t clusters;     /* data clusters: valid numbers are 2 .. clusters + 1 */
	uint32_t root_cluster; /* FAT32: the root directory's first cluster */
	uint32_t total_sectors;
};

/* Checks boot sector @b (FAT_BPB_SECTOR bytes) of a device of @dev_sectors
 * sectors: NULL and @g filled, or the first problem found (a static string). */
const char *fat_bpb_check(const uint8_t *b, uint64_t dev_sectors, struct fat_geom *g);

#endif
