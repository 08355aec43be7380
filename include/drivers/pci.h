/*
 * drivers/pci.h - the PCI bus through configuration mechanism #1 (ports
 * 0xcf8/0xcfc): enumeration at boot, BARs, bus mastering, and the lspci list.
 *
 * Interface:
 *   pci_init()                          scans every bus/slot/function once
 *   pci_find_class(class, sub, i)       the i-th function of that class, or NULL
 *   pci_find_id(vendor, device, i)      the i-th function with these ids, or NULL
 *   pci_bar_io(d, n)                    I/O port base of BAR n (0 if not an I/O BAR)
 *   pci_bar(d, n, &io)                  BAR n's base (memory, 64-bit ones whole, or I/O)
 *   pci_irq(d)                          the legacy IRQ the firmware routed, or -ENODEV
 *   pci_enable(d, bus_master)           I/O + memory decoding on, bus mastering if asked
 *   pci_report(print, arg)              `lspci -n` lines: "00:01.1 0101: 8086:7010"
 *
 * The table is filled once by pci_init() before any driver runs and never
 * changes after: every field is [I].
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdint.h>
#include <stdbool.h>

#define PCI_DEVS_MAX 32 /* functions recorded */

struct pci_dev {
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if, rev;
	uint8_t irq_line;
	uint32_t bar[6]; /* raw BAR values */
};

void pci_init(void);
struct pci_dev *pci_find_class(uint8_t class, uint8_t subclass, unsigned index);
struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, unsigned index);
uint16_t pci_bar_io(const struct pci_dev *d, unsigned n);
uint64_t pci_bar(const struct pci_dev *d, unsigned n, bool *io);
int pci_irq(const struct pci_dev *d);
void pci_enable(struct pci_dev *d, bool bus_master);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_report(void (*print)(void *arg, const char *fmt, ...), void *arg);

#endif
