/*
 * drivers/fdc.h - the floppy: an 82077AA-compatible controller on IRQ 6 with
 * ISA DMA channel 2, drive A as /dev/fd0 (1.44 MB media: 80 cylinders, 2
 * heads, 18 sectors of 512 bytes).
 *
 * Interface:
 *   fdc_init()   resets the controller and registers fd0 when the CMOS says
 *                drive A is a 1.44 MB or 2.88 MB drive (media are taken as
 *                1.44 MB); requests then go through the block layer like any
 *                disk's. No disk in the drive: requests fail with -ENXIO.
 */
#ifndef DRIVERS_FDC_H
#define DRIVERS_FDC_H

void fdc_init(void);

#endif
