/*
 * net/netdev.h - what a network card driver offers the stack, and what the
 * stack offers it.
 *
 * A driver fills a struct netdev (mac, ops, priv) and calls
 * netdev_register(), which names it ethN, attaches its interrupt line and
 * makes it an interface of the stack. From then on:
 *   - ops->irq_ack runs in IRQ context: acknowledge the card's cause
 *     register and say whether the card raised the interrupt (lines are
 *     shared); the stack then wakes its thread.
 *   - ops->poll runs in the stack's thread only: hand each received frame
 *     to netdev_rx() (the frame may be reused once it returns: the stack
 *     copies what it keeps) and give the descriptor back to the card.
 *   - ops->xmit runs under the stack's lock, so the driver's transmit ring
 *     needs no lock of its own: -EAGAIN when the ring is full.
 *   - ops->xmit_sg (optional) sends a frame whose payload stays in the
 *     sender's pages (physical ranges): the card reads it from there. The
 *     request's done() runs, under the stack's lock, once the card no longer
 *     needs the pages; ops->tx_reclaim (under the stack's lock, from the
 *     stack's thread) is where the driver finds finished requests. With
 *     ops->tx_csum the card also fills the frame's TCP/UDP checksum on request.
 *
 * Lock legend: [I] set before netdev_register, [N] under the stack's lock,
 * [D] the driver's (poll and irq_ack only), [a] atomic.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define NETDEV_MTU	 1500
#define NETDEV_FRAME_MAX 1518 /* Ethernet II frame without FCS */

struct netdev;
struct async_sg;

/* A frame for xmit_sg: @hdr (copied at once) then @len payload bytes from @off into @sg. */
struct netdev_txreq {
	const void *hdr;
	size_t hlen;
	const struct async_sg *sg;
	unsigned nsg;
	uint64_t off;
	size_t len;
	void (*done)(struct netdev_txreq *r); /* the card is done with the payload's pages */
	/* With ops->tx_csum, csum_off != 0: the card stores at frame offset @csum_off the
	 * checksum of the frame's bytes from @csum_start to its end (the field holds the seed,
	 * e.g. a pseudo-header sum). 0: the frame is sent as it is. */
	uint16_t csum_start, csum_off;
};

struct netdev_ops {
	const char *kind; /* driver name, for the log */
	/* Queues one frame (copied before return). 0, -EAGAIN ring full, -EMSGSIZE. */
	int (*xmit)(struct netdev *d, const void *frame, size_t len);
	/* Receives: netdev_rx() per frame, at most @budget frames; returns how many. */
	unsigned (*poll)(struct netdev *d, unsigned budget);
	/* IRQ context: true if this card raised the interrupt (and it is now acknowledged). */
	bool (*irq_ack)(struct netdev *d);
	/* Link state as the card reports it. */
	bool (*link_up)(struct netdev *d);
	/* Optional: 0 queued (done() follows), -EAGAIN ring full, -EMSGSIZE too many pieces. */
	int (*xmit_sg)(struct netdev *d, struct netdev_txreq *r);
	/* Optional, with xmit_sg: calls done() of every request the card has finished. */
	void (*tx_reclaim)(struct netdev *d);
	/* xmit_sg computes a TCP/UDP checksum on request (netdev_txreq.csum_off). The card
	 * does scatter-gather iff xmit_sg is set. */
	bool tx_csum;
};

/* Counters, as ifconfig shows them. [a] */
struct netdev_counters {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped, irqs;
	uint64_t tx_zero_copy; /* frames whose payload the card read from the sender's pages */
	/* Frames the card dropped because no receive buffer was free (rtl8139 in C+ mode). */
	uint64_t rx_missed;
	/* Times poll followed the card from its receive ring's last descriptor to the first. */
	uint64_t rx_ring_wraps;
};

struct netdev {
	char name[16];			 /* [I] ethN, set by netdev_register */
	uint8_t mac[6];			 /* [I] */
	int irq;			 /* [I] ISA IRQ line, -1 for none (polled) */
	const struct netdev_ops *ops;	 /* [I] */
	void *priv;			 /* [I] the driver's */
	struct netdev_counters counters; /* [a] */
	struct netdev *irq_next;	 /* [I] next device sharing @irq */
};

/* Makes @d interface ethN: 0, or -ENOSPC (too many interfaces), -EBUSY (IRQ taken). */
int netdev_register(struct netdev *d);
/* Driver poll: one received frame of @len bytes. Stack thread only. */
void netdev_rx(struct netdev *d, const void *frame, size_t len);
/*
 * Walks xmit_sg's payload of @r in pieces of contiguous memory:
 *   struct netdev_txcur cur = netdev_txcur(r);
 *   while (netdev_txcur_next(&cur, &phys, &n)) ... cur.left == 0 on the last piece
 */
struct netdev_txcur {
	const struct netdev_txreq *r;
	unsigned i;   /* the next range of r->sg */
	uint64_t off; /* bytes of it (and of the ranges after) still to skip */
	size_t left;  /* payload bytes after the piece returned last */
};
struct netdev_txcur netdev_txcur(const struct netdev_txreq *r);
bool netdev_txcur_next(struct netdev_txcur *c, uint64_t *phys, size_t *n);
/* The payload's pieces: how many, or @max + 1 if more (or if the ranges end short of it). */
unsigned netdev_txreq_pieces(const struct netdev_txreq *r, unsigned max);

/* Drivers in this tree: each probes PCI and registers what it finds (0 if none). */
int e1000_probe(void);
int rtl8139_probe(void);

#endif
