/*
 * drivers/drivers.h - bringing the device drivers up.
 *
 *   drivers_init()   PCI enumeration, then the ATA disks (and their partitions).
 *                    Called once from kmain with interrupts and threads running
 *                    and before the filesystems mount: the partition scan waits
 *                    for disk reads.
 */
#ifndef DRIVERS_DRIVERS_H
#define DRIVERS_DRIVERS_H

void drivers_init(void);

#endif
