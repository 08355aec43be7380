/*
 * rtl8139.c - Realtek RTL8139 in its classic mode: an 8 KiB receive ring
 * the card fills with [status, length, frame] records, and four transmit
 * slots, each a static 2 KiB buffer.
 *
 * Receive: poll() walks the ring from CAPR while the card says it is not
 * empty (CR.BUFE clear), hands each good frame to the stack (a frame that
 * wraps the ring's end is read contiguously: the ring has WRAP set and 1.5
 * KiB of slack after it), and moves CAPR past it. Transmit: xmit() copies
 * into the next slot if the card has released it (TSD.OWN) and writes its
 * length into TSD, which starts the DMA. C+ mode is not used.
 *
 * Lock legend: tx_* [N] (the stack's lock), rx_* [D] (the stack's thread).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <drivers/pci.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <net/netdev.h>
#include <uapi/errno.h>

#define RTL_VENDOR 0x10ec
#define RTL_DEVICE 0x8139
#define RTL_MAX	   2
#define RTL_RXRING 8192 /* 32 KiB measured slower host->guest (35 vs 56 MiB/s, median of 6) */
#define RTL_RXBUF  (RTL_RXRING + 16 + 1536) /* WRAP: a frame may run past the ring's end */
#define RTL_TXBUF  2048

enum {
	REG_IDR0 = 0x00,
	REG_TSD0 = 0x10,
	REG_TSAD0 = 0x20,
	REG_RBSTART = 0x30,
	REG_CR = 0x37,
	REG_CAPR = 0x38,
	REG_IMR = 0x3c,
	REG_ISR = 0x3e,
	REG_TCR = 0x40,
	REG_RCR = 0x44,
	REG_CONFIG1 = 0x52,
	REG_MSR = 0x58,
};

#define CR_BUFE	    0x01
#define CR_TE	    0x04
#define CR_RE	    0x08
#define CR_RST	    0x10
#define RCR_APM_AB  0x0a /* our MAC, broadcast */
#define RCR_WRAP    0x80
#define TSD_OWN	    (1u << 13)
#define RX_ROK	    0x0001
#define ISR_ROK	    0x0001
#define ISR_RER	    0x0002
#define ISR_RXOVW   0x0010
#define ISR_LINKCHG 0x0020
#define ISR_FOVW    0x0040
#define MSR_LINKB   0x04

struct rtl8139 {
	struct netdev dev;
	uint16_t io; /* [I] I/O port base (BAR0) */
	uint8_t rx_ring[RTL_RXBUF] __attribute__((aligned(16)));
	uint8_t tx_buf[4][RTL_TXBUF] __attribute__((aligned(RTL_TXBUF)));
	unsigned rx_off;  /* [D] offset of the next record in the ring */
	unsigned tx_next; /* [N] next transmit slot */
	bool tx_used[4];  /* [N] slot handed to the card at least once */
};

static struct rtl8139 rtl_cards[RTL_MAX];

static int rtl_xmit(struct netdev *d, const void *frame, size_t len)
{
	struct rtl8139 *c = d->priv;
	uint16_t tsd = (uint16_t)(c->io + REG_TSD0 + 4 * c->tx_next);

	if (len > 1792)
		return -EMSGSIZE;
	if (c->tx_used[c->tx_next] && !(inl(tsd) & TSD_OWN))
		return -EAGAIN; /* the card still reads this slot */
	memcpy(c->tx_buf[c->tx_next], frame, len);
	outl((uint16_t)(c->io + REG_TSAD0 + 4 * c->tx_next),
	     (uint32_t)virt_to_phys(c->tx_buf[c->tx_next]));
	outl(tsd, (uint32_t)len); /* OWN cleared: the card sends it */
	c->tx_used[c->tx_next] = true;
	c->tx_next = (c->tx_next + 1) % 4;
	return 0;
}

static unsigned rtl_poll(struct netdev *d, unsigned budget)
{
	struct rtl8139 *c = d->priv;
	unsigned n = 0;

	while (n < budget && !(inb((uint16_t)(c->io + REG_CR)) & CR_BUFE)) {
		const uint8_t *rec = c->rx_ring + c->rx_off;
		uint16_t status = (uint16_t)(rec[0] | rec[1] << 8);
		uint16_t len = (uint16_t)(rec[2] | rec[3] << 8); /* includes the 4-byte CRC */

		if (!(status & RX_ROK) || len < 4 + 14 || len > 1518 + 4) {
			/* A corrupt record: the ring cannot be walked further. Reset receive. */
			__atomic_add_fetch(&d->counters.rx_dropped, 1, __ATOMIC_RELAXED);
			outb((uint16_t)(c->io + REG_CR), CR_TE);
			outb((uint16_t)(c->io + REG_CR), CR_TE | CR_RE);
			c->rx_off = 0;
			outw((uint16_t)(c->io + REG_CAPR), (uint16_t)(0 - 16));
			break;
		}
		netdev_rx(d, rec + 4, len - 4u);
		c->rx_off = (c->rx_off + len + 4 + 3) & ~3u;
		c->rx_off %= RTL_RXRING;
		outw((uint16_t)(c->io + REG_CAPR), (uint16_t)(c->rx_off - 16));
		n++;
	}
	return n;
}

static bool rtl_irq_ack(struct netdev *d)
{
	struct rtl8139 *c = d->priv;
	uint16_t isr = inw((uint16_t)(c->io + REG_ISR));

	if (!isr || isr == 0xffff)
		return false;
	outw((uint16_t)(c->io + REG_ISR), isr); /* write-one-to-clear */
	return true;
}

static bool rtl_link_up(struct netdev *d)
{
	struct rtl8139 *c = d->priv;

	return !(inb((uint16_t)(c->io + REG_MSR)) & MSR_LINKB);
}

static const struct netdev_ops rtl_ops = {
    .kind = "rtl8139",
    .xmit = rtl_xmit,
    .poll = rtl_poll,
    .irq_ack = rtl_irq_ack,
    .link_up = rtl_link_up,
};

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
	outl((uint16_t)(c->io + REG_RBSTART), (uint32_t)virt_to_phys(c->rx_ring));
	outw((uint16_t)(c->io + REG_IMR), ISR_ROK | ISR_RER | ISR_RXOVW | ISR_FOVW | ISR_LINKCHG);
	outl((uint16_t)(c->io + REG_RCR), RCR_APM_AB | RCR_WRAP); /* 8 KiB ring: RBLEN 0 */
	outl((uint16_t)(c->io + REG_TCR), 0x03000700);		  /* default IFG, DMA burst */
	outb((uint16_t)(c->io + REG_CR), CR_RE | CR_TE);
	c->dev.ops = &rtl_ops;
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
