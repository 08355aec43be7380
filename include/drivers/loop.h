/*
 * drivers/loop.h - loop devices: a regular file as a block device.
 *
 * Interface:
 *   loop_init()   registers /dev/loop0 .. loop7 (empty until bound)
 * and the ioctls of uapi/block.h on /dev/loopN (the losetup command):
 * TIO_LOOP_SET_FD, TIO_LOOP_SET_STATUS (the file's name, for listings),
 * TIO_LOOP_CLR_FD, TIO_LOOP_GET_STATUS.
 *
 * The device's size is the file's size at bind time, rounded down to whole
 * sectors; a request becomes the file's own I/O (the "vfs" frame and the
 * filesystem's frame pushed under the "loop" frame).
 */
#ifndef DRIVERS_LOOP_H
#define DRIVERS_LOOP_H

void loop_init(void);

#endif
