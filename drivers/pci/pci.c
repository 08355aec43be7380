/*
 * pci.c - PCI enumeration through configuration mechanism #1 (contract:
 * drivers/pci.h).
 *
 * A function exists when its vendor ID is not 0xffff; functions 1..7 of a
 * slot are probed only when function 0's header type has the multi-function
 * bit. The BIOS (SeaBIOS under QEMU) has assigned the BARs; they are read,
 * not moved. The configuration ports are one global pair, so every access
 * takes pci_lock.
 */
#include <drivers/pci.h>
#include <drivers/portio.h>
#include <kernel/console.h>
#include <kernel/spinlock.h>
#include <uapi/errno.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

#define PCI_COMMAND    0x04
#define PCI_CMD_IO     0x1
#define PCI_CMD_MEMORY 0x2
#define PCI_CMD_MASTER 0x4

static struct spinlock pci_lock = SPINLOCK_INIT;
static struct pci_dev pci_devs[PCI_DEVS_MAX]; /* [I] after pci_init */
static unsigned pci_ndevs;		      /* [I] after pci_init */

static uint32_t cfg_read(unsigned bus, unsigned slot, unsigned fn, unsigned off)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);
	uint32_t v;

	outl(PCI_ADDR, 0x80000000u | bus << 16 | slot << 11 | fn << 8 | (off & 0xfc));
	v = inl(PCI_DATA);
	spin_unlock_irqrestore(&pci_lock, f);
	return v;
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d->bus, d->slot, d->fn, off);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	unsigned long f = spin_lock_irqsave(&pci_lock);

	outl(PCI_ADDR, 0x80000000u | d->bus << 16 | d->slot << 11 | d->fn << 8 | (off & 0xfc));
	outl(PCI_DATA, v);
	spin_unlock_irqrestore(&pci_lock, f);
}

static void pci_record(unsigned bus, unsigned slot, unsigned fn, uint32_t id)
{
	struct pci_dev *d;
	uint32_t cls;

	if (pci_ndevs == PCI_DEVS_MAX) {
		klog(LOG_WARN, "pci: more than %d functions, %02x:%02x.%x ignored\n", PCI_DEVS_MAX,
		     bus, slot, fn);
		return;
	}
	d = &pci_devs[pci_ndevs++];
	cls = cfg_read(bus, slot, fn, 0x08);
	*d = (struct pci_dev){.bus = (uint8_t)bus,
			      .slot = (uint8_t)slot,
			      .fn = (uint8_t)fn,
			      .vendor = (uint16_t)id,
			      .device = (uint16_t)(id >> 16),
			      .class = (uint8_t)(cls >> 24),
			      .subclass = (uint8_t)(cls >> 16),
			      .prog_if = (uint8_t)(cls >> 8),
			      .rev = (uint8_t)cls,
			      .irq_line = (uint8_t)cfg_read(bus, slot, fn, 0x3c)};
	if ((cfg_read(bus, slot, fn, 0x0c) >> 16 & 0x7f) == 0)
		for (unsigned i = 0; i < 6; i++)
			d->bar[i] = cfg_read(bus, slot, fn, 0x10 + 4 * i);
	klog(LOG_INFO, "pci %02x:%02x.%x %04x:%04x class %02x%02x\n", bus, slot, fn, d->vendor,
	     d->device, d->class, d->subclass);
}

void pci_init(void)
{
	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned slot = 0; slot < 32; slot++) {
			uint32_t id = cfg_read(bus, slot, 0, 0);
			bool multi;

			if ((id & 0xffff) == 0xffff)
				continue;
			multi = cfg_read(bus, slot, 0, 0x0c) >> 16 & 0x80;
			pci_record(bus, slot, 0, id);
			for (unsigned fn = 1; multi && fn < 8; fn++) {
				id = cfg_read(bus, slot, fn, 0);
				if ((id & 0xffff) != 0xffff)
					pci_record(bus, slot, fn, id);
			}
		}
}

struct pci_dev *pci_find_class(uint8_t class, uint8_t subclass, unsigned index)
{
	for (unsigned i = 0; i < pci_ndevs; i++)
		if (pci_devs[i].class == class && pci_devs[i].subclass == subclass && !index--)
			return &pci_devs[i];
	return NULL;
}

struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, unsigned index)
{
	for (unsigned i = 0; i < pci_ndevs; i++)
		if (pci_devs[i].vendor == vendor && pci_devs[i].device == device && !index--)
			return &pci_devs[i];
	return NULL;
}

uint64_t pci_bar(const struct pci_dev *d, unsigned n, bool *io)
{
	uint32_t lo = n < 6 ? d->bar[n] : 0;

	*io = lo & 1;
	if (*io)
		return lo & ~3u;
	if ((lo >> 1 & 3) == 2 && n < 5) /* 64-bit memory BAR: the next one is the high half */
		return (uint64_t)d->bar[n + 1] << 32 | (lo & ~0xfu);
	return lo & ~0xfu;
}

int pci_irq(const struct pci_dev *d)
{
	return d->irq_line < 16 ? d->irq_line : -ENODEV;
}

uint16_t pci_bar_io(const struct pci_dev *d, unsigned n)
{
	return n < 6 && (d->bar[n] & 1) ? (uint16_t)(d->bar[n] & 0xfffc) : 0;
}

void pci_enable(struct pci_dev *d, bool bus_master)
{
	uint32_t cmd = pci_read32(d, PCI_COMMAND);

	cmd |= PCI_CMD_IO | PCI_CMD_MEMORY | (bus_master ? PCI_CMD_MASTER : 0);
	pci_write32(d, PCI_COMMAND,
		    cmd & 0xffff); /* status bits (high half) are write-1-to-clear */
}

void pci_report(void (*print)(void *arg, const char *fmt, ...), void *arg)
{
	for (unsigned i = 0; i < pci_ndevs; i++) {
		const struct pci_dev *d = &pci_devs[i];

		if (d->rev)
			print(arg, "%02x:%02x.%x %02x%02x: %04x:%04x (rev %02x)\n", d->bus, d->slot,
			      d->fn, d->class, d->subclass, d->vendor, d->device, d->rev);
		else
			print(arg, "%02x:%02x.%x %02x%02x: %04x:%04x\n", d->bus, d->slot, d->fn,
			      d->class, d->subclass, d->vendor, d->device);
	}
}
