/*
 * rtl8139_cp.c - the RTL8139C+ in C+ mode: a receive and a transmit ring of
 * 16-byte descriptors (64-bit buffer addresses, OWN and EOR bits), as the
 * RTL8139C(L)+ datasheet describes and QEMU's model implements.
 *
 * Receive: RTL_CP_RX descriptors, each over a 2 KiB buffer of this card's
 * static pool (no allocation per frame). The card writes a frame and its
 * CRC straight into the buffer, the length and status into opts1, and
 * clears OWN; poll() hands the frame to the stack from there (no copy out of
 * a ring) and gives the descriptor back (OWN set again, last). The card moves
 * to descriptor 0 after the one with EOR: each time poll() follows it there
 * it counts a ring wrap (rx-wraps). With no descriptor free the card drops
 * the frame and counts it in its missed-packet register (MPC), which poll()
 * folds into rx-missed; TCP sends such frames again. `rtl8139.rx=N` on the
 * command line puts EOR on descriptor N-1 (2 <= N <= RTL_CP_RX), a ring
 * small enough for a test to make the card run out of descriptors.
 *
 * Transmit: RTL_CP_TX descriptors. xmit() copies a frame into its
 * descriptor's static 2 KiB buffer. xmit_sg() copies only the headers there
 * and points the next descriptors at the sender's pages (physical
 * addresses): FS on the first, LS on the last, and the first one's OWN set
 * after all the others', so the card never starts a half-built frame. The
 * request completes in tx_reclaim() once the card has cleared OWN on the
 * frame's last descriptor. A write of NPQ to TPPOLL makes the card read the
 * ring; it raises TOK when it has sent.
 *
 * Memory order: a descriptor's addr and size are written before OWN (release),
 * and the card's writes are read after seeing OWN clear (acquire).
 *
 * Lock legend: tx_* [N] (the stack's lock: xmit runs under it), rx_* [D]
 * (the stack's thread only).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <async/port.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#include "rtl8139_int.h"

#define DESC_OWN     (1u << 31)
#define DESC_EOR     (1u << 30)
#define DESC_FS	     (1u << 29)
#define DESC_LS	     (1u << 28)
#define RX_RES	     (1u << 20) /* receive error summary */
#define RX_LEN_MASK  0x1fffu	/* received length, CRC included */
#define TX_TES	     (1u << 23) /* transmit error summary */
#define TX_LEN_MASK  0xffffu
#define RTL_CP_CRC   4
#define RTL_CP_SGMAX (RTL_CP_TX / 2) /* payload pieces of one xmit_sg frame */

_Static_assert(sizeof(struct rtl_cp_desc) == 16, "the card reads 16-byte descriptors");
_Static_assert(RTL_CP_BUF <= RX_LEN_MASK, "the buffer size must fit opts1");
_Static_assert(RTL_CP_TX <= 64, "QEMU's model wraps the transmit ring at 64");

static uint32_t rx_opts(const struct rtl_cp *cp, unsigned i)
{
	return DESC_OWN | (i == cp->rx_count - 1 ? DESC_EOR : 0) | RTL_CP_BUF;
}

/* Descriptor @i is the card's again (its addr never changes). */
static void rtl_cp_rx_give(struct rtl_cp *cp, unsigned i)
{
	cp->rx_ring[i].opts2 = 0;
	__atomic_store_n(&cp->rx_ring[i].opts1, rx_opts(cp, i), __ATOMIC_RELEASE);
}

/* A whole frame in one buffer, without error, of a sane length (CRC included). */
static bool rtl_cp_rx_good(uint32_t opts1)
{
	uint32_t len = opts1 & RX_LEN_MASK;

	return (opts1 & (DESC_FS | DESC_LS)) == (DESC_FS | DESC_LS) && !(opts1 & RX_RES) &&
	       len >= 14 + RTL_CP_CRC && len <= NETDEV_FRAME_MAX + RTL_CP_CRC && len <= RTL_CP_BUF;
}

/* Folds the card's missed-frame count (no descriptor was free) into rx_missed. */
static void rtl_cp_count_missed(struct rtl8139 *c)
{
	uint32_t missed = inl((uint16_t)(c->io + REG_MPC)) & 0xffffff;

	if (!missed)
		return;
	outl((uint16_t)(c->io + REG_MPC), 0);
	__atomic_add_fetch(&c->dev.counters.rx_missed, missed, __ATOMIC_RELAXED);
}

static unsigned rtl_cp_poll(struct netdev *d, unsigned budget)
{
	struct rtl8139 *c = d->priv;
	struct rtl_cp *cp = &c->cp;
	unsigned n = 0;

	rtl_cp_count_missed(c);
	while (n < budget) {
		unsigned i = cp->rx_next;
		uint32_t opts1 = __atomic_load_n(&cp->rx_ring[i].opts1, __ATOMIC_ACQUIRE);

		if (opts1 & DESC_OWN)
			break;
		if (rtl_cp_rx_good(opts1))
			netdev_rx(d, cp->rx_buf[i], (opts1 & RX_LEN_MASK) - RTL_CP_CRC);
		else
			__atomic_add_fetch(&d->counters.rx_dropped, 1, __ATOMIC_RELAXED);
		rtl_cp_rx_give(cp, i);
		cp->rx_next = (i + 1) % cp->rx_count;
		if (!cp->rx_next)
			__atomic_add_fetch(&d->counters.rx_ring_wraps, 1, __ATOMIC_RELAXED);
		n++;
	}
	return n;
}

static void rtl_cp_tx_reclaim(struct netdev *d)
{
	struct rtl8139 *c = d->priv;
	struct rtl_cp *cp = &c->cp;

	while (cp->tx_clean != cp->tx_tail) {
		unsigned i = cp->tx_clean;
		uint32_t opts1 = __atomic_load_n(&cp->tx_ring[i].opts1, __ATOMIC_ACQUIRE);
		struct netdev_txreq *r = cp->tx_req[i];

		if (opts1 & DESC_OWN)
			break;
		if ((opts1 & (DESC_LS | TX_TES)) == (DESC_LS | TX_TES))
			__atomic_add_fetch(&d->counters.tx_dropped, 1, __ATOMIC_RELAXED);
		cp->tx_req[i] = NULL;
		cp->tx_clean = (i + 1) % RTL_CP_TX;
		if (r)
			r->done(r);
	}
}

/* Descriptors free for new frames (one always stays empty: tail == clean means none used). */
static unsigned rtl_cp_tx_free(struct rtl8139 *c)
{
	struct rtl_cp *cp = &c->cp;

	rtl_cp_tx_reclaim(&c->dev);
	return RTL_CP_TX - 1 - (cp->tx_tail + RTL_CP_TX - cp->tx_clean) % RTL_CP_TX;
}

/*
 * Fills the descriptor at the tail: @pa for @len bytes with @flags (FS, LS).
 * OWN goes on now unless the descriptor is its frame's first (FS): the caller
 * hands that one over last, with rtl_cp_tx_own().
 */
static unsigned rtl_cp_tx_put(struct rtl_cp *cp, uint64_t pa, size_t len, uint32_t flags)
{
	unsigned i = cp->tx_tail;
	struct rtl_cp_desc *t = &cp->tx_ring[i];
	uint32_t opts1 =
	    flags | (i == RTL_CP_TX - 1 ? DESC_EOR : 0) | ((uint32_t)len & TX_LEN_MASK);

	t->addr = pa;
	t->opts2 = 0;
	__atomic_store_n(&t->opts1, (flags & DESC_FS) ? opts1 : opts1 | DESC_OWN, __ATOMIC_RELEASE);
	cp->tx_tail = (i + 1) % RTL_CP_TX;
	return i;
}

/* Hands frame-start descriptor @i to the card and tells the card to look. */
static void rtl_cp_tx_own(struct rtl8139 *c, unsigned i)
{
	struct rtl_cp_desc *t = &c->cp.tx_ring[i];

	__atomic_store_n(&t->opts1, t->opts1 | DESC_OWN, __ATOMIC_RELEASE);
	outb((uint16_t)(c->io + REG_TPPOLL), TPPOLL_NPQ);
}

static int rtl_cp_xmit(struct netdev *d, const void *frame, size_t len)
{
	struct rtl8139 *c = d->priv;
	struct rtl_cp *cp = &c->cp;
	unsigned i;

	if (len > RTL_CP_BUF)
		return -EMSGSIZE;
	if (rtl_cp_tx_free(c) < 1)
		return -EAGAIN;
	memcpy(cp->tx_buf[cp->tx_tail], frame, len);
	i = rtl_cp_tx_put(cp, virt_to_phys(cp->tx_buf[cp->tx_tail]), len, DESC_FS | DESC_LS);
	rtl_cp_tx_own(c, i);
	return 0;
}

/* One descriptor per piece of the payload; the last one has LS and names @r. */
static void rtl_cp_tx_payload(struct rtl_cp *cp, struct netdev_txreq *r)
{
	struct netdev_txcur cur = netdev_txcur(r);
	uint64_t phys;
	size_t n;

	while (netdev_txcur_next(&cur, &phys, &n)) {
		if (!cur.left)
			cp->tx_req[cp->tx_tail] = r;
		rtl_cp_tx_put(cp, phys, n, cur.left ? 0 : DESC_LS);
	}
}

static int rtl_cp_xmit_sg(struct netdev *d, struct netdev_txreq *r)
{
	struct rtl8139 *c = d->priv;
	struct rtl_cp *cp = &c->cp;
	unsigned pieces = netdev_txreq_pieces(r, RTL_CP_SGMAX);
	unsigned first;

	if (r->hlen > RTL_CP_BUF || pieces > RTL_CP_SGMAX || !r->len ||
	    r->hlen + r->len > NETDEV_FRAME_MAX)
		return -EMSGSIZE;
	if (rtl_cp_tx_free(c) < 1 + pieces)
		return -EAGAIN;
	memcpy(cp->tx_buf[cp->tx_tail], r->hdr, r->hlen);
	first = rtl_cp_tx_put(cp, virt_to_phys(cp->tx_buf[cp->tx_tail]), r->hlen, DESC_FS);
	rtl_cp_tx_payload(cp, r);
	rtl_cp_tx_own(c, first);
	return 0;
}

static const struct netdev_ops rtl_cp_ops = {
    .kind = "rtl8139 (C+ mode)",
    .xmit = rtl_cp_xmit,
    .poll = rtl_cp_poll,
    .irq_ack = rtl_irq_ack,
    .link_up = rtl_link_up,
    .xmit_sg = rtl_cp_xmit_sg,
    .tx_reclaim = rtl_cp_tx_reclaim,
};

static void rtl_cp_rings(struct rtl8139 *c)
{
	struct rtl_cp *cp = &c->cp;
	uint64_t rx = virt_to_phys(cp->rx_ring), tx = virt_to_phys(cp->tx_ring);

	memset(cp->tx_ring, 0, sizeof(cp->tx_ring));
	memset(cp->rx_ring, 0, sizeof(cp->rx_ring));
	for (unsigned i = 0; i < cp->rx_count; i++) {
		cp->rx_ring[i].addr = virt_to_phys(cp->rx_buf[i]);
		rtl_cp_rx_give(cp, i);
	}
	cp->rx_next = cp->tx_tail = cp->tx_clean = 0;
	outl((uint16_t)(c->io + REG_RDSAR), (uint32_t)rx);
	outl((uint16_t)(c->io + REG_RDSAR + 4), (uint32_t)(rx >> 32));
	outl((uint16_t)(c->io + REG_TSAD0), (uint32_t)tx);
	outl((uint16_t)(c->io + REG_TSAD0 + 4), (uint32_t)(tx >> 32));
}

void rtl_cp_start(struct rtl8139 *c, unsigned rx_count)
{
	c->cp.rx_count = rx_count;
	/* C+ first: enabling the receiver and transmitter (CR) restarts both at descriptor 0. */
	outw((uint16_t)(c->io + REG_CPCR), CPCR_RXEN | CPCR_TXEN);
	rtl_cp_rings(c);
	outl((uint16_t)(c->io + REG_MPC), 0);
	outw((uint16_t)(c->io + REG_IMR),
	     ISR_ROK | ISR_RER | ISR_TOK | ISR_TER | ISR_RXOVW | ISR_FOVW | ISR_LINKCHG);
	outl((uint16_t)(c->io + REG_RCR), RCR_APM_AB);
	outl((uint16_t)(c->io + REG_TCR), 0x03000700); /* default IFG, DMA burst */
	outb((uint16_t)(c->io + REG_CR), CR_RE | CR_TE);
	c->dev.ops = &rtl_cp_ops;
}
