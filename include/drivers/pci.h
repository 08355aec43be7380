/*
 * drivers/pci.h - the small PCI interface the NIC drivers use: find a
 * function by vendor/device, read and write its configuration space
 * (mechanism #1, ports 0xCF8/0xCFC), its BARs, bus mastering and its
 * legacy interrupt line.
 *
 * A bdf is bus << 8 | device << 3 | function. Every call is safe on any
 * bdf: an absent function reads as all ones. Thread or IRQ context; the
 * 0xCF8/0xCFC pair is used under one lock.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdint.h>
#include <stdbool.h>

#define PCI_BDF(bus, dev, fn) ((uint32_t)(bus) << 8 | (uint32_t)(dev) << 3 | (uint32_t)(fn))

/* The first function with this vendor and device id (bus 0..255 scanned), or -ENODEV. */
int pci_find(uint16_t vendor, uint16_t device, uint32_t *bdf);
/* The @nth (0, 1, ...) such function, or -ENODEV. */
int pci_find_nth(uint16_t vendor, uint16_t device, unsigned nth, uint32_t *bdf);
/* Configuration space dwords; @off is rounded down to a multiple of 4. */
uint32_t pci_read32(uint32_t bdf, unsigned off);
void pci_write32(uint32_t bdf, unsigned off, uint32_t v);
/* BAR @n (0..5): its base address (memory or I/O port), 0 if absent; *io says which. */
uint64_t pci_bar(uint32_t bdf, unsigned n, bool *io);
/* Sets the command register's memory, I/O and bus-master enables. */
void pci_enable_busmaster(uint32_t bdf);
/* The legacy interrupt line (ISA IRQ number) the firmware routed, or -ENODEV. */
int pci_irq(uint32_t bdf);

#endif
