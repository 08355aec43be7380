/*
 * drivers/ata.h - ATA disks on the PIIX IDE controller: both channels,
 * master and slave (hda hdb on the primary, hdc hdd on the secondary).
 *
 * Interface:
 *   ata_init()   finds the IDE function on PCI, probes the four drives with
 *                IDENTIFY, registers each disk as a block device (and its
 *                partitions); ATAPI drives are logged and skipped.
 *
 * Kernel command line: ata=pio forces PIO (no bus-master DMA), ata=lba48
 * uses the 48-bit commands for every request on drives that have them
 * (both exist so tests reach each path on small images); ata=lose=N drops the
 * completion interrupt of the first command covering sector N (fault injection:
 * the watchdog then resets the channel and the request fails with -EIO).
 * Options combine with commas: ata=pio,lose=100.
 */
#ifndef DRIVERS_ATA_H
#define DRIVERS_ATA_H

void ata_init(void);

#endif
