/*
 * rtl8139.c - Realtek RTL8139: PCI probe, reset, MAC, link state, the
 * interrupt acknowledge, the choice of mode, and the classic mode.
 *
 * Mode: C+ (rtl8139_cp.c: descriptor rings, frames DMA'd into pool buffers,
 * transmission from the sender's pages) on a chip that has it, PCI revision
 * 0x20 or later (QEMU's rtl8139 is an RTL8139C+); the classic mode on an
 * older chip, or on any with `rtl8139=classic` on the command line. The
 * boot log and the `stats` line name the mode ("rtl8139 (C+ mode)").
 *
 * Classic mode: an 8 KiB receive ring the card fills with [status, length,
 * frame] records, and four transmit slots, each a static 2 KiB buffer.
 * Receive: poll() walks the ring from CAPR while the card says it is not
 * empty (CR.BUFE clear), hands each good frame to the stack (a frame that
 * wraps the ring's end is read contiguously: the ring has WRAP set and 1.5
 * KiB of slack after it), and moves CAPR past it. Transmit: xmit() copies
 * into the next slot if the card has released it (TSD.OWN) and writes its
 * length into TSD, which starts the DMA.
 *
 * Lock legend: tx_* [N] (the stack's lock), rx_* [D] (the stack's thread).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <drivers/pci.h>
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <net/netdev.h>
#include <uapi/errno.h>

#include "rtl8139_int.h"

#define RTL_VENDOR    0x10ec
#define RTL_DEVICE    0x8139
#define RTL_MAX	      2
#define RTL_REV_CPLUS 0x20 /* PCI revision of the first chips with C+ mode */
#define TSD_OWN	      (1u << 13)
#define RX_ROK	      0x0001

static struct rtl8139 rtl_cards[RTL_MAX];

static int rtl_xmit(struct netdev *d, const void *frame, size_t len)
{
	struct rtl8139 *rc = d->priv;
	struct rtl_classic *c = &rc->classic;
	uint16_t tsd = (uint16_t)(rc->io + REG_TSD0 + 4 * c->tx_next);

	if (len > 1792) /* the classic mode's largest frame */
		return -EMSGSIZE;
	if (c->tx_used[c->tx_next] && !(inl(tsd) & TSD_OWN))
		return -EAGAIN; /* the card still reads this slot */
	memcpy(c->tx_buf[c->tx_next], frame, len);
	outl((uint16_t)(rc->io + REG_TSAD0 + 4 * c->tx_next),
	     (uint32_t)virt_to_phys(c->tx_buf[c->tx_next]));
	outl(tsd, (uint32_t)len); /* OWN cleared: the card sends it */
	c->tx_used[c->tx_next] = true;
	c->tx_next = (c->tx_next + 1) % 4;
	return 0;
}

static unsigned rtl_poll(struct netdev *d, unsigned budget)
{
	struct rtl8139 *rc = d->priv;
	struct rtl_classic *c = &rc->classic;
	unsigned n = 0;

	while (n < budget && !(inb((uint16_t)(rc->io + REG_CR)) & CR_BUFE)) {
		const uint8_t *rec = c->rx_ring + c->rx_off;
		uint16_t status = (uint16_t)(rec[0] | rec[1] << 8);
		uint16_t len = (uint16_t)(rec[2] | rec[3] << 8); /* includes the 4-byte CRC */

		if (!(status & RX_ROK) || len < 4 + 14 || len > 1518 + 4) {
			/* A corrupt record: the ring cannot be walked further. Reset receive. */
			__atomic_add_fetch(&d->counters.rx_dropped, 1, __ATOMIC_RELAXED);
			outb((uint16_t)(rc->io + REG_CR), CR_TE);
			outb((uint16_t)(rc->io + REG_CR), CR_TE | CR_RE);
			c->rx_off = 0;
			outw((uint16_t)(rc->io + REG_CAPR), (uint16_t)(0 - 16));
			break;
		}
		netdev_rx(d, rec + 4, len - 4u);
		c->rx_off = (c->rx_off + len + 4 + 3) & ~3u;
		c->rx_off %= RTL_CLASSIC_RXRING;
		outw((uint16_t)(rc->io + REG_CAPR), (uint16_t)(c->rx_off - 16));
		n++;
	}
	return n;
}

bool rtl_irq_ack(struct netdev *d)
{
	struct rtl8139 *c = d->priv;
	uint16_t isr = inw((uint16_t)(c->io + REG_ISR));

	if (!isr || isr == 0xffff)
		return false;
	outw((uint16_t)(c->io + REG_ISR), isr); /* write-one-to-clear */
	return true;
}

bool rtl_link_up(struct netdev *d)
{
	struct rtl8139 *c = d->priv;

	return !(inb((uint16_t)(c->io + REG_MSR)) & MSR_LINKB);
}

static const struct netdev_ops rtl_ops = {
    .kind = "rtl8139 (classic mode)",
    .xmit = rtl_xmit,
    .poll = rtl_poll,
    .irq_ack = rtl_irq_ack,
    .link_up = rtl_link_up,
};

static void rtl_classic_start(struct rtl8139 *c)
{
	memset(&c->classic, 0, sizeof(c->classic));
	outl((uint16_t)(c->io + REG_RBSTART), (uint32_t)virt_to_phys(c->classic.rx_ring));
	outw((uint16_t)(c->io + REG_IMR), ISR_ROK | ISR_RER | ISR_RXOVW | ISR_FOVW | ISR_LINKCHG);
	outl((uint16_t)(c->io + REG_RCR), RCR_APM_AB | RCR_WRAP); /* 8 KiB ring: RBLEN 0 */
	outl((uint16_t)(c->io + REG_TCR), 0x03000700);		  /* default IFG, DMA burst */
	outb((uint16_t)(c->io + REG_CR), CR_RE | CR_TE);
	c->dev.ops = &rtl_ops;
}

/* C+ if the chip has it and the command line does not say rtl8139=classic. */
static bool rtl_use_cplus(const struct pci_dev *pd)
{
	const char *mode = kernel_cmdline_get("rtl8139");

	return pd->rev >= RTL_REV_CPLUS && !(mode && !strcmp(mode, "classic"));
}

/* Receive descriptors for C+ mode: RTL_CP_RX, or rtl8139.rx=N (2..RTL_CP_RX) for a test. */
static unsigned rtl_cp_rx_count(void)
{
	const char *arg = kernel_cmdline_get("rtl8139.rx");
	unsigned long long n;

	if (!arg || kstrtoull(arg, &n) || n < 2 || n > RTL_CP_RX)
		return RTL_CP_RX;
	return (unsigned)n;
}

static int rtl_setup(struct rtl8139 *c, struct pci_dev *pd)
{
	bool io;
	uint64_t bar = pci_bar(pd, 0, &io);
	uint64_t t0;

	if (!bar || !io)
		return -ENODEV;
	pci_enable(pd, true);
	c->io = (uint16_t)bar;
	outb((uint16_t)(c->io + REG_CONFIG1), 0); /* power on */
	outb((uint16_t)(c->io + REG_CR), CR_RST);
	for (t0 = clock_now_ns();
	     (inb((uint16_t)(c->io + REG_CR)) & CR_RST) && clock_now_ns() - t0 < 10000000;)
		;
	for (int i = 0; i < 6; i++)
		c->dev.mac[i] = inb((uint16_t)(c->io + REG_IDR0 + i));
	if (rtl_use_cplus(pd))
		rtl_cp_start(c, rtl_cp_rx_count());
	else
		rtl_classic_start(c);
	c->dev.priv = c;
	c->dev.irq = pci_irq(pd);
	return netdev_register(&c->dev);
}

int rtl8139_probe(void)
{
	struct pci_dev *pd;
	int found = 0;

	for (unsigned i = 0; i < RTL_MAX && (pd = pci_find_id(RTL_VENDOR, RTL_DEVICE, i)); i++) {
		int err = rtl_setup(&rtl_cards[i], pd);

		if (err)
			klog(LOG_WARN, "rtl8139 at %02x:%02x.%x: setup failed (%d)\n", pd->bus,
			     pd->slot, pd->fn, err);
		else
			found++;
	}
	return found;
}
