/*
 * drivers/md.h - md arrays without superblocks (mdadm --build semantics):
 * linear, raid0 (striped, chunk in KiB as mdadm) and raid1 (mirrored, with
 * faulty-member retry), over any block devices (disks, partitions, loops).
 *
 * Interface:
 *   md_init()   registers /dev/md0../dev/md3 (empty until built)
 * and the ioctls of uapi/block.h on /dev/mdN: TIO_MD_BUILD, TIO_MD_DETAIL,
 * TIO_MD_STOP (the mdadm command).
 */
#ifndef DRIVERS_MD_H
#define DRIVERS_MD_H

#define MD_ARRAYS	 4	     /* /dev/md0 .. md3 */
#define MD_DEFAULT_CHUNK (64 * 1024) /* raid0 chunk when none is given, as mdadm */

void md_init(void);

#endif
