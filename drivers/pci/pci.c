/*
 * pci.c - configuration mechanism #1 and the lookups of drivers/pci.h.
 *
 * Only what the NIC drivers need: the firmware (SeaBIOS under QEMU) has
 * already assigned BARs and routed interrupt lines, so nothing is
 * reprogrammed here except the command register.
 */
#include <arch/x86_64/cpu.h>
#include <drivers/pci.h>
#include <kernel/spinlock.h>
#include <uapi/errno.h>

#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC

#define PCI_CMD_IO	0x1
#define PCI_CMD_MEM	0x2
#define PCI_CMD_MASTER	0x4
#define PCI_HDR_MULTIFN 0x80

static struct spinlock pci_lock = SPINLOCK_INIT;

uint32_t pci_read32(uint32_t bdf, unsigned off)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);
	uint32_t v;

	outl(PCI_ADDR, 0x80000000u | (bdf & 0xffff) << 8 | (off & 0xfc));
	v = inl(PCI_DATA);
	spin_unlock_irqrestore(&pci_lock, f);
	return v;
}

void pci_write32(uint32_t bdf, unsigned off, uint32_t v)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);

	outl(PCI_ADDR, 0x80000000u | (bdf & 0xffff) << 8 | (off & 0xfc));
	outl(PCI_DATA, v);
	spin_unlock_irqrestore(&pci_lock, f);
}

/* Functions of one device: 1, or 8 when function 0 says it is multi-function. */
static unsigned pci_nfuncs(uint32_t bus, uint32_t dev)
{
	return (pci_read32(PCI_BDF(bus, dev, 0), 0x0c) >> 16) & PCI_HDR_MULTIFN ? 8 : 1;
}

int pci_find_nth(uint16_t vendor, uint16_t device, unsigned nth, uint32_t *bdf)
{
	uint32_t want = (uint32_t)device << 16 | vendor;

	for (uint32_t bus = 0; bus < 256; bus++)
		for (uint32_t dev = 0; dev < 32; dev++) {
			if ((pci_read32(PCI_BDF(bus, dev, 0), 0) & 0xffff) == 0xffff)
				continue;
			for (uint32_t fn = 0; fn < pci_nfuncs(bus, dev); fn++) {
				if (pci_read32(PCI_BDF(bus, dev, fn), 0) != want || nth-- > 0)
					continue;
				*bdf = PCI_BDF(bus, dev, fn);
				return 0;
			}
		}
	return -ENODEV;
}

int pci_find(uint16_t vendor, uint16_t device, uint32_t *bdf)
{
	return pci_find_nth(vendor, device, 0, bdf);
}

uint64_t pci_bar(uint32_t bdf, unsigned n, bool *io)
{
	uint32_t lo, hi = 0;

	if (n > 5)
		return 0;
	lo = pci_read32(bdf, 0x10 + 4 * n);
	*io = lo & 1;
	if (*io)
		return lo & ~3u;
	if (((lo >> 1) & 3) == 2 && n < 5) /* 64-bit memory BAR: the next one is the high half */
		hi = pci_read32(bdf, 0x14 + 4 * n);
	return (uint64_t)hi << 32 | (lo & ~0xfu);
}

void pci_enable_busmaster(uint32_t bdf)
{
	uint32_t cmd = pci_read32(bdf, 0x04);

	pci_write32(bdf, 0x04, (cmd & 0xffff) | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

int pci_irq(uint32_t bdf)
{
	uint32_t line = pci_read32(bdf, 0x3c) & 0xff;

	return line < 16 ? (int)line : -ENODEV;
}
