/*
 * e1000.c - Intel 82540EM (QEMU's default "e1000") on descriptor rings.
 *
 * Receive: E1000_RX descriptors, each over a 2 KiB buffer of this driver's
 * static pool (no allocation per frame); poll() hands each completed frame
 * to the stack and gives the descriptor back by moving RDT. Transmit:
 * E1000_TX descriptors; xmit() copies a frame into the descriptor's static
 * 2 KiB buffer; xmit_sg() copies only the headers there and points the next
 * descriptors at the sender's pages (physical addresses), so the payload is
 * read by the card where it is; its request completes in tx_reclaim() once
 * the card has set DD on the frame's last descriptor. A request with
 * csum_off has the card fill the TCP checksum (a context descriptor when the
 * offsets change, then extended data descriptors with TXSM). Descriptors between
 * tx_clean and tx_tail belong to the card.
 * Interrupts: receive timer, overrun, ring low, transmit done and link
 * change; irq_ack() reads ICR (read-to-clear). The card finds the rings and buffers by their
 * physical addresses (the kernel image is physically contiguous).
 *
 * Lock legend: tx_* [N] (the stack's lock: xmit runs under it), rx_* [D]
 * (the stack's thread only).
 */
#include <arch/x86_64/mmu.h>
#include <async/port.h>
#include <drivers/pci.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <net/netdev.h>
#include <uapi/errno.h>

#define E1000_VENDOR 0x8086
#define E1000_DEVICE 0x100e /* 82540EM */
#define E1000_MAX    2
#define E1000_RX     64 /* a 64 KiB window of frames (45); 32 ran host->guest at 4-9 MiB/s */
#define E1000_TX     32
#define E1000_BUF    2048

enum {
	REG_CTRL = 0x0000,
	REG_STATUS = 0x0008,
	REG_EERD = 0x0014,
	REG_ICR = 0x00c0,
	REG_IMS = 0x00d0,
	REG_IMC = 0x00d8,
	REG_RCTL = 0x0100,
	REG_TCTL = 0x0400,
	REG_TIPG = 0x0410,
	REG_RDBAL = 0x2800,
	REG_RDBAH = 0x2804,
	REG_RDLEN = 0x2808,
	REG_RDH = 0x2810,
	REG_RDT = 0x2818,
	REG_TDBAL = 0x3800,
	REG_TDBAH = 0x3804,
	REG_TDLEN = 0x3808,
	REG_TDH = 0x3810,
	REG_TDT = 0x3818,
	REG_MTA = 0x5200,
	REG_RAL = 0x5400,
	REG_RAH = 0x5404,
};

#define CTRL_SLU     (1u << 6)
#define CTRL_RST     (1u << 26)
#define STATUS_LU    (1u << 1)
#define RCTL_EN	     (1u << 1)
#define RCTL_BAM     (1u << 15)
#define RCTL_SECRC   (1u << 26)
#define TCTL_EN	     (1u << 1)
#define TCTL_PSP     (1u << 3)
#define ICR_TXDW     (1u << 0)
#define ICR_LSC	     (1u << 2)
#define ICR_RXDMT0   (1u << 4)
#define ICR_RXO	     (1u << 6)
#define ICR_RXT0     (1u << 7)
#define DESC_DD	     0x01
#define RXD_EOP	     0x02
#define TXD_CMD_EOP  0x01
#define TXD_CMD_IFCS 0x02
#define TXD_CMD_RS   0x08
#define TXD_CMD_DEXT 0x20 /* extended descriptor: context or data (not legacy) */
#define TXD_DTYP_D   0x10 /* byte 10 of an extended data descriptor: DTYP = data */
#define TXD_CTX_TCP  0x01 /* context TUCMD: the checksum is TCP's */
#define TXD_CTX_IP   0x02 /* context TUCMD: IPv4 */
#define TXD_TXSM     0x02 /* data POPTS: insert the TCP/UDP checksum */

struct e1000_rx_desc {
	uint64_t addr;
	uint16_t len, csum;
	uint8_t status, errors;
	uint16_t special;
} __attribute__((packed));

struct e1000_tx_desc {
	uint64_t addr;
	uint16_t len;
	uint8_t cso, cmd, status, css;
	uint16_t special;
} __attribute__((packed));

struct e1000 {
	struct netdev dev;
	volatile uint8_t *mmio; /* [I] BAR0 through the direct map */
	struct e1000_rx_desc rx_ring[E1000_RX] __attribute__((aligned(128)));
	struct e1000_tx_desc tx_ring[E1000_TX] __attribute__((aligned(128)));
	uint8_t rx_buf[E1000_RX][E1000_BUF] __attribute__((aligned(E1000_BUF)));
	uint8_t tx_buf[E1000_TX][E1000_BUF] __attribute__((aligned(E1000_BUF)));
	unsigned rx_next;		       /* [D] next descriptor the card completes */
	unsigned tx_tail;		       /* [N] next descriptor to fill */
	unsigned tx_clean;		       /* [N] oldest descriptor not reclaimed yet */
	struct netdev_txreq *tx_req[E1000_TX]; /* [N] on a frame's last descriptor (xmit_sg) */
	uint16_t ctx_start, ctx_off; /* [N] checksum context the card holds (0: none loaded) */
};

static struct e1000 e1000_cards[E1000_MAX];

static uint32_t rd(struct e1000 *c, unsigned reg)
{
	return *(volatile uint32_t *)(c->mmio + reg);
}

static void wr(struct e1000 *c, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(c->mmio + reg) = v;
}

static void e1000_tx_reclaim(struct netdev *d)
{
	struct e1000 *c = d->priv;

	while (c->tx_clean != c->tx_tail &&
	       (__atomic_load_n(&c->tx_ring[c->tx_clean].status, __ATOMIC_ACQUIRE) & DESC_DD)) {
		struct netdev_txreq *r = c->tx_req[c->tx_clean];

		c->tx_req[c->tx_clean] = NULL;
		c->tx_clean = (c->tx_clean + 1) % E1000_TX;
		if (r)
			r->done(r);
	}
}

/* Descriptors free for new frames (one always stays empty: tail == clean means none used). */
static unsigned e1000_tx_free(struct e1000 *c)
{
	e1000_tx_reclaim(&c->dev);
	return E1000_TX - 1 - (c->tx_tail + E1000_TX - c->tx_clean) % E1000_TX;
}

/*
 * Fills the descriptor at the tail: @pa for @len bytes, EOP|RS if @last. With @csum an
 * extended data descriptor asking for the checksum of the loaded context (TXSM; every
 * descriptor of such a frame is extended: the card takes POPTS from the first), else a
 * legacy one. The status byte is at offset 12 in every layout, so reclaim reads DD alike.
 */
static void e1000_tx_put(struct e1000 *c, uint64_t pa, size_t len, bool last, bool csum)
{
	struct e1000_tx_desc *t = &c->tx_ring[c->tx_tail];

	t->addr = pa;
	t->len = (uint16_t)len;
	t->status = 0;
	t->cmd =
	    TXD_CMD_IFCS | TXD_CMD_RS | (last ? TXD_CMD_EOP : 0); /* RS: DD on each, for reclaim */
	t->cso = csum ? TXD_DTYP_D : 0;
	t->css = csum ? TXD_TXSM : 0; /* POPTS in the extended layout */
	if (csum)
		t->cmd |= TXD_CMD_DEXT;
	c->tx_tail = (c->tx_tail + 1) % E1000_TX;
}

/*
 * A context descriptor at the tail (8254x manual 3.3.6): TCP checksum from @start to the
 * frame's end, stored at @off. The card keeps it for the frames that follow, so it is sent
 * only when the offsets change.
 */
static void e1000_tx_context(struct e1000 *c, uint16_t start, uint16_t off)
{
	struct e1000_tx_desc *t = &c->tx_ring[c->tx_tail];

	/* IPCSS/IPCSO/IPCSE (unused: the stack sums IP headers), TUCSS, TUCSO, TUCSE 0 (end) */
	t->addr = (uint64_t)start << 32 | (uint64_t)(off & 0xff) << 40;
	t->len = 0;
	t->cso = 0; /* DTYP 0: context */
	t->cmd = TXD_CMD_DEXT | TXD_CMD_RS | TXD_CTX_TCP | TXD_CTX_IP;
	t->status = 0;
	t->css = 0;
	t->special = 0;
	c->ctx_start = start;
	c->ctx_off = off;
	c->tx_tail = (c->tx_tail + 1) % E1000_TX;
}

static void e1000_tx_kick(struct e1000 *c)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	wr(c, REG_TDT, c->tx_tail);
}

static int e1000_xmit(struct netdev *d, const void *frame, size_t len)
{
	struct e1000 *c = d->priv;

	if (len > E1000_BUF)
		return -EMSGSIZE;
	if (e1000_tx_free(c) < 1)
		return -EAGAIN;
	memcpy(c->tx_buf[c->tx_tail], frame, len);
	e1000_tx_put(c, virt_to_phys(c->tx_buf[c->tx_tail]), len, true, false);
	e1000_tx_kick(c);
	return 0;
}

static int e1000_xmit_sg(struct netdev *d, struct netdev_txreq *r)
{
	struct e1000 *c = d->priv;
	unsigned pieces = netdev_txreq_pieces(r, E1000_TX / 2);
	struct netdev_txcur cur = netdev_txcur(r);
	uint64_t phys;
	size_t n;

	bool csum = r->csum_off != 0;
	bool ctx = csum && (c->ctx_start != r->csum_start || c->ctx_off != r->csum_off);

	if (r->hlen > E1000_BUF || pieces > E1000_TX / 2 || !r->len ||
	    (csum &&
	     (r->csum_off > 255 || r->csum_start > 255 || (size_t)r->csum_off + 2 > r->hlen)))
		return -EMSGSIZE;
	if (e1000_tx_free(c) < 1 + pieces + ctx)
		return -EAGAIN;
	if (ctx)
		e1000_tx_context(c, r->csum_start, r->csum_off);
	memcpy(c->tx_buf[c->tx_tail], r->hdr, r->hlen);
	e1000_tx_put(c, virt_to_phys(c->tx_buf[c->tx_tail]), r->hlen, false, csum);
	while (netdev_txcur_next(&cur, &phys, &n)) {
		if (!cur.left) /* the frame's last descriptor names the request */
			c->tx_req[c->tx_tail] = r;
		e1000_tx_put(c, phys, n, cur.left == 0, csum);
	}
	e1000_tx_kick(c);
	return 0;
}

static unsigned e1000_poll(struct netdev *d, unsigned budget)
{
	struct e1000 *c = d->priv;
	unsigned n = 0;

	while (n < budget) {
		struct e1000_rx_desc *r = &c->rx_ring[c->rx_next];

		if (!(__atomic_load_n(&r->status, __ATOMIC_ACQUIRE) & DESC_DD))
			break;
		/* Frames spanning descriptors (longer than a buffer) or with errors: dropped. */
		if ((r->status & RXD_EOP) && !r->errors && r->len <= E1000_BUF)
			netdev_rx(d, c->rx_buf[c->rx_next], r->len);
		else
			__atomic_add_fetch(&d->counters.rx_dropped, 1, __ATOMIC_RELAXED);
		r->status = 0;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		wr(c, REG_RDT, c->rx_next); /* the descriptor is the card's again */
		c->rx_next = (c->rx_next + 1) % E1000_RX;
		n++;
	}
	return n;
}

static bool e1000_irq_ack(struct netdev *d)
{
	return rd(d->priv, REG_ICR) != 0;
}

static bool e1000_link_up(struct netdev *d)
{
	return rd(d->priv, REG_STATUS) & STATUS_LU;
}

static const struct netdev_ops e1000_ops = {
    .kind = "e1000 (82540EM)",
    .xmit = e1000_xmit,
    .poll = e1000_poll,
    .irq_ack = e1000_irq_ack,
    .link_up = e1000_link_up,
    .xmit_sg = e1000_xmit_sg,
    .tx_reclaim = e1000_tx_reclaim,
    .tx_csum = true,
};

/* The MAC from the receive address registers (set from the EEPROM at reset). */
static void e1000_read_mac(struct e1000 *c)
{
	uint32_t lo = rd(c, REG_RAL), hi = rd(c, REG_RAH);

	for (int i = 0; i < 4; i++)
		c->dev.mac[i] = (uint8_t)(lo >> (8 * i));
	c->dev.mac[4] = (uint8_t)hi;
	c->dev.mac[5] = (uint8_t)(hi >> 8);
}

static void e1000_rings(struct e1000 *c)
{
	for (unsigned i = 0; i < E1000_RX; i++)
		c->rx_ring[i] = (struct e1000_rx_desc){.addr = virt_to_phys(c->rx_buf[i])};
	memset(c->tx_ring, 0, sizeof(c->tx_ring));
	wr(c, REG_RDBAL, (uint32_t)virt_to_phys(c->rx_ring));
	wr(c, REG_RDBAH, (uint32_t)(virt_to_phys(c->rx_ring) >> 32));
	wr(c, REG_RDLEN, sizeof(c->rx_ring));
	wr(c, REG_RDH, 0);
	wr(c, REG_RDT, E1000_RX - 1);
	wr(c, REG_TDBAL, (uint32_t)virt_to_phys(c->tx_ring));
	wr(c, REG_TDBAH, (uint32_t)(virt_to_phys(c->tx_ring) >> 32));
	wr(c, REG_TDLEN, sizeof(c->tx_ring));
	wr(c, REG_TDH, 0);
	wr(c, REG_TDT, 0);
}

static int e1000_setup(struct e1000 *c, struct pci_dev *pd)
{
	bool io;
	uint64_t bar = pci_bar(pd, 0, &io);
	uint64_t t0;

	if (!bar || io)
		return -ENODEV;
	pci_enable(pd, true);
	c->mmio = phys_to_virt(bar);
	wr(c, REG_IMC, 0xffffffff);
	wr(c, REG_CTRL, rd(c, REG_CTRL) | CTRL_RST);
	for (t0 = clock_now_ns(); (rd(c, REG_CTRL) & CTRL_RST) && clock_now_ns() - t0 < 10000000;)
		;
	wr(c, REG_IMC, 0xffffffff);
	wr(c, REG_CTRL, rd(c, REG_CTRL) | CTRL_SLU);
	e1000_read_mac(c);
	for (unsigned i = 0; i < 128; i++)
		wr(c, REG_MTA + 4 * i, 0);
	e1000_rings(c);
	wr(c, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC); /* 2 KiB buffers: BSIZE 0 */
	wr(c, REG_TIPG, 10 | 8 << 10 | 6 << 20);
	wr(c, REG_TCTL, TCTL_EN | TCTL_PSP | 0x10 << 4 | 0x40 << 12);
	c->dev.ops = &e1000_ops;
	c->dev.priv = c;
	c->dev.irq = pci_irq(pd);
	rd(c, REG_ICR);
	wr(c, REG_IMS, ICR_RXT0 | ICR_RXO | ICR_RXDMT0 | ICR_LSC | ICR_TXDW);
	return netdev_register(&c->dev);
}

int e1000_probe(void)
{
	struct pci_dev *pd;
	int found = 0;

	for (unsigned i = 0; i < E1000_MAX && (pd = pci_find_id(E1000_VENDOR, E1000_DEVICE, i));
	     i++) {
		int err = e1000_setup(&e1000_cards[i], pd);

		if (err)
			klog(LOG_WARN, "e1000 at %02x:%02x.%x: setup failed (%d)\n", pd->bus,
			     pd->slot, pd->fn, err);
		else
			found++;
	}
	return found;
}
