/*
 * ata.c - the PIIX IDE controller and its drives: PCI discovery, IDENTIFY,
 * registration as hda..hdd (contract: drivers/ata.h). The command path is
 * in ata_io.c.
 *
 * The controller runs in legacy (compatibility) mode: command blocks 0x1f0
 * and 0x170, control 0x3f6 and 0x376, IRQ 14 and 15. Its BAR 4 holds the
 * bus-master block (8 bytes per channel). Without the PCI function (or with
 * BAR 4 unset) the channels still work, by PIO.
 *
 * Probing polls with interrupts masked on the drive (nIEN), once at boot:
 * select, IDENTIFY (0xec), wait for BSY to clear, then either data (an ATA
 * disk), an error with the ATAPI signature 0x14/0xeb in the LBA registers (a
 * CD-ROM: logged, skipped), or nothing (no drive).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <drivers/ata.h>
#include <drivers/pci.h>
#include <drivers/portio.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include "ata_int.h"

static struct ata_prd ata_prd_tables[2][ATA_PRD_MAX] __attribute__((aligned(4096)));
static struct ata_chan ata_chans[2];
static struct ata_drive ata_drives[4];

static const struct {
	uint16_t base, ctrl;
	unsigned irq, major;
} ata_legacy[2] = {{0x1f0, 0x3f6, 14, 3}, {0x170, 0x376, 15, 22}};

enum ata_probe { ATA_NONE, ATA_DISK, ATA_ATAPI };

static void ata_select(struct ata_chan *ch, bool slave)
{
	outb(ch->base + ATA_DRIVE, 0xa0 | (slave ? 0x10 : 0));
	for (int i = 0; i < 4; i++)
		inb(ch->ctrl); /* 400 ns for the drive to answer */
}

/* IDENTIFY into @id: what sits at (ch, slave). */
static enum ata_probe ata_identify(struct ata_chan *ch, bool slave, uint16_t id[256])
{
	int st;

	ata_select(ch, slave);
	outb(ch->base + ATA_COUNT, 0);
	outb(ch->base + ATA_LBA0, 0);
	outb(ch->base + ATA_LBA1, 0);
	outb(ch->base + ATA_LBA2, 0);
	outb(ch->base + ATA_COMMAND, 0xec);
	st = inb(ch->base + ATA_STATUS);
	if (st == 0 || st == 0xff)
		return ATA_NONE;
	st = ata_wait_not_busy(ch);
	if (st < 0)
		return ATA_NONE;
	if (inb(ch->base + ATA_LBA1) == 0x14 && inb(ch->base + ATA_LBA2) == 0xeb)
		return ATA_ATAPI;
	if ((st & ATA_SR_ERR) || !(st & ATA_SR_DRQ))
		return ATA_NONE;
	insw(ch->base + ATA_DATA, id, 256);
	return ATA_DISK;
}

/* IDENTIFY strings are big-endian word pairs, padded with spaces. */
static void ata_string(const uint16_t *words, unsigned nwords, char *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nwords; i++) {
		out[n++] = (char)(words[i] >> 8);
		out[n++] = (char)words[i];
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void ata_add_disk(struct ata_chan *ch, unsigned unit, const uint16_t id[256])
{
	struct ata_drive *dr = &ata_drives[ch->index * 2 + unit];
	uint64_t lba28 = id[60] | (uint32_t)id[61] << 16;
	uint64_t lba48 =
	    id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48;
	int err;

	dr->ch = ch;
	dr->slave = unit;
	dr->lba48 = (id[83] & (1u << 10)) && lba48;
	ata_string(&id[27], 20, dr->model);
	dr->dev = (struct blk_dev){.type = "disk",
				   .major = ata_legacy[ch->index].major,
				   .minor = unit * 64,
				   .sectors = dr->lba48 ? lba48 : lba28,
				   .max_sectors = ATA_MAX_SECTORS,
				   .ops = &ata_blk_ops,
				   .queue = &ch->queue,
				   .priv = dr};
	fmt_snprintf(dr->dev.name, sizeof(dr->dev.name), "hd%c", 'a' + ch->index * 2 + unit);
	if (!(id[49] & (1u << 9)) || !dr->dev.sectors) {
		klog(LOG_WARN, "ata %s: '%s' has no LBA addressing: skipped\n", dr->dev.name,
		     dr->model);
		return;
	}
	klog(LOG_INFO, "ata %s: '%s' %lu sectors (%lu MiB), %s, %s\n", dr->dev.name, dr->model,
	     dr->dev.sectors, dr->dev.sectors >> 11, dr->lba48 ? "LBA48" : "LBA28",
	     ch->bm && !ata_force_pio ? "DMA" : "PIO");
	err = blk_register(&dr->dev);
	if (err) {
		klog(LOG_ERR, "ata %s: cannot register: error %d\n", dr->dev.name, err);
		return;
	}
	blk_scan_partitions(&dr->dev);
}

/* Probes both drives with the channel's interrupt off, then registers the disks
 * with it on (the partition scan reads them through the normal path). */
static void ata_probe_chan(struct ata_chan *ch)
{
	static uint16_t id[2][256]; /* boot only, one probe at a time */
	bool disk[2] = {false, false};

	outb(ch->ctrl, ATA_CTL_NIEN);
	for (unsigned unit = 0; unit < 2; unit++) {
		enum ata_probe what = ata_identify(ch, unit, id[unit]);

		if (what == ATA_ATAPI)
			klog(LOG_INFO, "ata hd%c: ATAPI device (CD-ROM): not supported, skipped\n",
			     'a' + ch->index * 2 + unit);
		disk[unit] = what == ATA_DISK;
	}
	if (!disk[0] && !disk[1])
		return;
	ata_select(ch, false);
	inb(ch->base + ATA_STATUS);
	if (arch_irq_register(ch->irq, ata_irq, ch)) {
		klog(LOG_ERR, "ata: IRQ %u is taken: channel %u unusable\n", ch->irq, ch->index);
		return;
	}
	outb(ch->ctrl, 0); /* the drives interrupt from now on */
	for (unsigned unit = 0; unit < 2; unit++)
		if (disk[unit])
			ata_add_disk(ch, unit, id[unit]);
}

static void ata_parse_cmdline(void)
{
	const char *v = kernel_cmdline_get("ata");

	if (!v)
		return;
	const char *lose = strstr(v, "lose=");

	ata_force_pio = strstr(v, "pio") != NULL;
	ata_force_lba48 = strstr(v, "lba48") != NULL;
	if (lose) {
		ata_lose_lba = 0;
		for (lose += 5; *lose >= '0' && *lose <= '9'; lose++)
			ata_lose_lba = ata_lose_lba * 10 + (uint64_t)(*lose - '0');
	}
}

void ata_init(void)
{
	struct pci_dev *pd = pci_find_class(0x01, 0x01, 0); /* mass storage, IDE */
	uint16_t bm = pd ? pci_bar_io(pd, 4) : 0;

	ata_parse_cmdline();
	if (pd)
		pci_enable(pd, true);
	else
		klog(LOG_INFO, "ata: no PCI IDE function: legacy ports, PIO only\n");
	for (unsigned c = 0; c < 2; c++) {
		struct ata_chan *ch = &ata_chans[c];

		ata_chan_init_io(ch);
		ch->index = c;
		ch->base = ata_legacy[c].base;
		ch->ctrl = ata_legacy[c].ctrl;
		ch->irq = ata_legacy[c].irq;
		ch->bm = bm ? (uint16_t)(bm + 8 * c) : 0;
		ch->prd = ata_prd_tables[c];
		ata_probe_chan(ch);
	}
}
