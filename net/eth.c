/*
 * eth.c - Ethernet II framing and ARP (RFC 826) with a bounded cache.
 *
 * ARP entry states (one arp_entry each):
 *
 *   FREE --arp_resolve (miss)--> PENDING --reply or request from it--> VALID
 *   PENDING --NET_ARP_TRIES requests unanswered (arp_tick)--> FREE, waiters fail
 *   VALID --NET_ARP_TTL_NS (arp_tick), or reused for a new miss--> FREE
 *
 * A send that needs an unresolved address queues its list node on the
 * PENDING entry (at most NET_ARP_WAITERS) and waits as an async op; the
 * entry's resolution or failure calls net_send_resolved() for each waiter,
 * under net_lock, exactly once, and a cancel takes the node off first
 * (arp_unqueue), so each waiter is finished by one side only.
 * Frames the kernel originates itself (TCP segments, ICMP messages, through
 * eth_output_ip) are copied into a held frame (arp_held_pool, NET_ARP_HELD
 * frames in all, NET_ARP_HELD_PER per entry) on the PENDING entry's held
 * list, sent in order when the reply comes, and dropped (counted in the
 * card's tx-drop) when the entry fails: so the first RST or SYN to a new
 * neighbour leaves after one round trip of ARP instead of waiting for a
 * retransmission. With the queue full the frame is refused (-ENOBUFS).
 * Everything here runs under net_lock.
 */
#include <async/pool.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "net_int.h"

enum arp_state { ARP_FREE, ARP_PENDING, ARP_VALID };

struct arp_entry {
	enum arp_state state;	  /* [N] */
	uint32_t ip;		  /* [N] */
	uint8_t mac[6];		  /* [N] valid iff ARP_VALID */
	struct net_if *ifp;	  /* [N] */
	uint64_t deadline;	  /* [N] VALID: expiry; PENDING: next request */
	unsigned tries;		  /* [N] requests sent while PENDING */
	struct list_node waiters; /* [N] sends waiting, PENDING only */
	struct list_node held;	  /* [N] struct arp_held, oldest first; PENDING only */
	unsigned nheld;		  /* [N] length of held, <= NET_ARP_HELD_PER */
};

/* A frame of the kernel's own waiting for its next hop. [N] */
struct arp_held {
	struct list_node link; /* on an entry's held list */
	size_t len;
	uint8_t frame[ETH_HDR + NETDEV_MTU];
};

ASYNC_POOL_DEFINE(arp_held_pool, "arpheld", struct arp_held, NET_ARP_HELD);

static struct arp_entry arp_cache[NET_ARP_ENTRIES];
static const uint8_t eth_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t eth_zero[6];

static int eth_xmit(struct net_if *ifp, const uint8_t *frame, size_t len)
{
	struct netdev *d = ifp->dev;
	int err = d->ops->xmit(d, frame, len < 60 ? 60 : len); /* pad to the minimum frame */

	if (err) {
		__atomic_add_fetch(&d->counters.tx_dropped, 1, __ATOMIC_RELAXED);
		return err;
	}
	__atomic_add_fetch(&d->counters.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&d->counters.tx_bytes, len, __ATOMIC_RELAXED);
	return 0;
}

static void arp_send(struct net_if *ifp, uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	uint8_t f[ETH_HDR + ARP_LEN + 18] = {0};

	wire_eth_build(f, op == 1 ? eth_bcast : tha, ifp->dev->mac, ETH_P_ARP);
	wire_arp_build(f + ETH_HDR, op, ifp->dev->mac, ifp->addr, op == 1 ? eth_zero : tha, tpa);
	eth_xmit(ifp, f, sizeof(f));
}

static struct arp_entry *arp_find(uint32_t ip)
{
	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++)
		if (arp_cache[i].state != ARP_FREE && arp_cache[i].ip == ip)
			return &arp_cache[i];
	return NULL;
}

/* A free entry, else the valid one closest to expiry; NULL if all are pending. */
static struct arp_entry *arp_victim(void)
{
	struct arp_entry *best = NULL;

	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++) {
		struct arp_entry *e = &arp_cache[i];

		if (e->state == ARP_FREE)
			return e;
		if (e->state == ARP_VALID && (!best || e->deadline < best->deadline))
			best = e;
	}
	return best;
}

/* A new entry: no waiters, nothing held. */
static void arp_entry_init(struct arp_entry *e)
{
	list_init(&e->waiters);
	list_init(&e->held);
	e->nheld = 0;
}

/* Finishes every waiter of @e and sends or drops its held frames: resolved with @mac, or
 * failed with NULL. */
static void arp_flush(struct arp_entry *e, const uint8_t *mac)
{
	struct list_node *n;

	while ((n = list_pop(&e->waiters)))
		net_send_resolved(n, mac);
	while ((n = list_pop(&e->held))) {
		struct arp_held *h = list_entry(n, struct arp_held, link);

		if (mac) {
			wire_eth_build(h->frame, mac, e->ifp->dev->mac, ETH_P_IP);
			eth_xmit(e->ifp, h->frame, h->len);
		} else {
			__atomic_add_fetch(&e->ifp->dev->counters.tx_dropped, 1, __ATOMIC_RELAXED);
		}
		async_pool_free(&arp_held_pool, h);
	}
	e->nheld = 0;
}

static void arp_learn(struct net_if *ifp, uint32_t ip, const uint8_t *mac, bool create)
{
	struct arp_entry *e = arp_find(ip);

	if (!e && (!create || !(e = arp_victim())))
		return;
	if (e->state == ARP_FREE)
		arp_entry_init(e);
	e->ip = ip;
	e->ifp = ifp;
	memcpy(e->mac, mac, 6);
	e->state = ARP_VALID;
	e->deadline = net_now() + NET_ARP_TTL_NS;
	arp_flush(e, e->mac);
}

static void arp_input(struct net_if *ifp, const uint8_t *p, size_t len)
{
	struct arp_view a;
	bool for_us;

	if (wire_arp_parse(p, len, &a) || a.spa == 0)
		return;
	for_us = ifp->addr && a.tpa == ifp->addr;
	arp_learn(ifp, a.spa, a.sha, for_us); /* refresh a known sender; add one that asks us */
	if (for_us && a.op == 1)
		arp_send(ifp, 2, a.sha, a.spa);
}

void eth_input(struct net_if *ifp, const uint8_t *frame, size_t len)
{
	struct eth_view e;

	if (wire_eth_parse(frame, len, &e))
		return;
	if (memcmp(e.dst, ifp->dev->mac, 6) && memcmp(e.dst, eth_bcast, 6))
		return;
	if (e.type == ETH_P_ARP)
		arp_input(ifp, e.payload, e.len);
	else if (e.type == ETH_P_IP)
		ip_input(ifp, e.payload, e.len);
}

int arp_resolve(struct net_if *ifp, uint32_t nexthop, uint8_t *mac, struct list_node *node)
{
	struct arp_entry *e;
	unsigned n = 0;

	if (nexthop == IP_BROADCAST) {
		memcpy(mac, eth_bcast, 6);
		return 0;
	}
	e = arp_find(nexthop);
	if (e && e->state == ARP_VALID) {
		memcpy(mac, e->mac, 6);
		return 0;
	}
	if (!e) {
		if (!(e = arp_victim()))
			return -ENOBUFS;
		*e =
		    (struct arp_entry){.state = ARP_PENDING, .ip = nexthop, .ifp = ifp, .tries = 1};
		arp_entry_init(e);
		e->deadline = net_now() + NET_ARP_RETRY_NS;
		arp_send(ifp, 1, NULL, nexthop);
	}
	if (!node)
		return -EAGAIN;
	for (struct list_node *i = e->waiters.next; i != &e->waiters; i = i->next)
		n++;
	if (n >= NET_ARP_WAITERS)
		return -ENOBUFS;
	list_add_tail(&e->waiters, node);
	return 1;
}

bool arp_unqueue(struct list_node *node)
{
	if (!list_linked(node))
		return false;
	list_del(node);
	return true;
}

void arp_tick(uint64_t now)
{
	for (unsigned i = 0; i < NET_ARP_ENTRIES; i++) {
		struct arp_entry *e = &arp_cache[i];

		if (e->state == ARP_FREE || now < e->deadline)
			continue;
		if (e->state == ARP_VALID) {
			e->state = ARP_FREE;
		} else if (e->tries >= NET_ARP_TRIES) {
			e->state = ARP_FREE;
			arp_flush(e, NULL);
		} else {
			e->tries++;
			e->deadline = now + NET_ARP_RETRY_NS;
			arp_send(e->ifp, 1, NULL, e->ip);
		}
	}
}

/* Keeps a copy of @frame on @nexthop's PENDING entry: 0, or -ENOBUFS (queue full). */
static int arp_hold(uint32_t nexthop, const uint8_t *frame, size_t len)
{
	struct arp_entry *e = arp_find(nexthop);
	struct arp_held *h;

	if (!e || e->state != ARP_PENDING || e->nheld >= NET_ARP_HELD_PER ||
	    len > sizeof(h->frame) || !(h = async_pool_alloc(&arp_held_pool)))
		return -ENOBUFS;
	memcpy(h->frame, frame, len);
	h->len = len;
	list_add_tail(&e->held, &h->link);
	e->nheld++;
	return 0;
}

int eth_output_ip(struct net_if *ifp, uint32_t nexthop, uint8_t *frame, size_t len)
{
	uint8_t mac[6];
	int err = arp_resolve(ifp, nexthop, mac, NULL);

	if (err == -EAGAIN)
		return arp_hold(nexthop, frame, len);
	if (err)
		return err;
	wire_eth_build(frame, mac, ifp->dev->mac, ETH_P_IP);
	return eth_xmit(ifp, frame, len);
}

int eth_output_bcast(struct net_if *ifp, uint8_t *frame, size_t len)
{
	wire_eth_build(frame, eth_bcast, ifp->dev->mac, ETH_P_IP);
	return eth_xmit(ifp, frame, len);
}

int eth_output_mac(struct net_if *ifp, const uint8_t *mac, uint8_t *frame, size_t len)
{
	wire_eth_build(frame, mac, ifp->dev->mac, ETH_P_IP);
	return eth_xmit(ifp, frame, len);
}
