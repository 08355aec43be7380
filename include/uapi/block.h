/*
 * uapi/block.h - block device requests: md arrays (mdadm) and loop devices
 * (losetup), as ioctls on the device's /dev node.
 */
#ifndef UAPI_BLOCK_H
#define UAPI_BLOCK_H

#include <stdint.h>

/* ioctl on /dev/mdN (md driver) */
#define TIO_MD_BUILD  0x4d01 /* arg: struct tio_md_build; -EBUSY if the array runs */
#define TIO_MD_DETAIL 0x4d02 /* arg: struct tio_md_detail (filled); -ENXIO if not running */
#define TIO_MD_STOP   0x4d03 /* arg: NULL; -EBUSY while requests are in flight */
#define TIO_MD_LINEAR (-1)
#define TIO_MD_DEVS   8
struct tio_md_build {
	int32_t level; /* 0, 1 or TIO_MD_LINEAR */
	uint32_t ndevs;
	char devs[TIO_MD_DEVS][32]; /* member device paths */
	uint32_t chunk;		    /* bytes, raid0: a power of two >= 4096; 0: 64 KiB */
};
struct tio_md_detail {
	int32_t level;
	uint32_t ndevs;
	uint64_t size;	 /* bytes */
	uint32_t chunk;	 /* bytes, RAID0 */
	uint32_t failed; /* bitmask of failed members */
	char devs[TIO_MD_DEVS][32];
};

/* ioctl on /dev/loopN (loop driver) */
#define TIO_LOOP_SET_FD	    0x4c00 /* arg: fd of a regular file; -EBUSY if bound */
#define TIO_LOOP_CLR_FD	    0x4c01 /* arg: NULL; -EBUSY while requests are in flight */
#define TIO_LOOP_SET_STATUS 0x4c04 /* arg: struct tio_loop_info; only @file is taken (a label) */
#define TIO_LOOP_GET_STATUS 0x4c05 /* arg: struct tio_loop_info (filled); -ENXIO if unbound */
#define TIO_LOOP_MAX	    8
struct tio_loop_info {
	uint64_t offset;
	uint64_t size;
	char file[256]; /* backing file path */
};

#endif
