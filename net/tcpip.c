/*
 * tcpip.c - the TCP engine (net/tcp/, include/net/tcp.h) joined to the IPv4
 * stack: one engine instance, net_tcp, under net_lock.
 *
 * Below: ip_deliver hands every protocol-6 datagram to net_tcp_input; the
 * engine's output builds the IPv4 packet with net_ip_output (through ARP: a
 * segment for an unresolved next hop waits in the ARP queue, see eth.c);
 * its clock is net_now(). Timers: the stack's thread (iface.c) calls
 * net_tcp_tick when the clock reaches net_tcp_deadline(), and sleeps no
 * later than that deadline.
 *
 * Byte order: the engine speaks host order, the IPv4 layer network order
 * (struct ip_view, net_ip_output); the conversion is here and only here.
 *
 * Zero-copy transmit (output_ref): a data segment whose route leaves by a
 * card with scatter-gather (netdev ops->xmit_sg) and whose next hop is
 * resolved goes to the card as a header buffer (Ethernet, IPv4 and TCP
 * headers, copied by the driver) plus one descriptor per contiguous piece of
 * the payload in the connection's send ring (two when the ring wraps, more if
 * a piece crossed physically discontiguous pages): the payload is not copied.
 * The engine leaves the TCP checksum to us (csum_partial: the field holds the
 * pseudo-header's sum): the card fills it (ops->tx_csum), or it is summed
 * here over the header and the ring pieces in place (netcsumoffload=off, a
 * card without tx_csum), or over the copy's sources for a copied one. The
 * engine keeps those ring bytes as they are until tcp_txref_put (net/tcp.h,
 * tcp_txref.c); the card's done() only queues the segment on tcp_tx_finished,
 * and net_tcp_tx_done (the stack's thread, after the drivers' tx_reclaim) or
 * the next output gives it back to the engine: done() runs inside the
 * drivers, where the engine's notify callbacks must not run. Everything else
 * (no SG, ARP pending, netzerocopy=off, the tcptx pool empty, the card's ring
 * full) is copied, as before: counted in tcp_tx_copied. At done the first and
 * last bytes of the payload are compared with what was sent: a change means
 * the ring was reused under the card (tcp_tx_overwritten, expected 0).
 */
#include <arch/x86_64/mmu.h>
#include <async/pool.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <net/tcp.h>
#include <uapi/errno.h>
#include "net_int.h"

#define TCPIP_TX_SG    4 /* two ring pieces, each split at most once at a page boundary */
#define TCPIP_TX_PROBE 8 /* payload bytes compared at each end when the card is done */

/* A segment a card reads from the send ring. [N] */
struct tcpip_tx {
	struct netdev_txreq req;	 /* the card's request; req.sg points at sg */
	struct async_sg sg[TCPIP_TX_SG]; /* the payload's physical ranges */
	struct tcp_txref *ref;		 /* the engine's hold on those ring bytes */
	struct list_node link;		 /* on tcp_tx_finished once the card is done */
	const uint8_t *first, *last;	 /* where the probes were taken */
	size_t probe;			 /* bytes in each probe */
	uint8_t head[TCPIP_TX_PROBE], tail[TCPIP_TX_PROBE];
};

ASYNC_POOL_DEFINE(tcpip_tx_pool, "tcptx", struct tcpip_tx, NET_TCP_TXS);

static struct tcp_stack net_tcp; /* [N] */
static bool net_tcp_up;		 /* [I] after net_tcp_init */
bool net_csum_offload_off; /* [I] netcsumoffload=off: SG cards get the checksum computed here */
static struct list_node tcp_tx_finished = {&tcp_tx_finished, &tcp_tx_finished}; /* [N] */
static uint64_t tcp_tx_zero_copy, tcp_tx_copied, tcp_tx_overwritten;		/* [N] */

static uint32_t to_host(uint32_t n)
{
	return __builtin_bswap32(n);
}

static uint32_t to_net(uint32_t h)
{
	return __builtin_bswap32(h);
}

/* The engine's segment (header + payload, in pieces) as one IPv4 datagram. */
static int tcpip_output(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov,
			unsigned n)
{
	uint8_t f[ETH_HDR + NETDEV_MTU];
	uint8_t *seg = f + ETH_HDR + IP_HDR;
	size_t len = 0;

	(void)ctx;
	for (unsigned i = 0; i < n; i++) {
		if (iov[i].len > NETDEV_MTU - IP_HDR - len)
			return -EMSGSIZE; /* the engine's MSS keeps it below: a bug upstream */
		memcpy(seg + len, iov[i].base, iov[i].len);
		len += iov[i].len;
	}
	return net_ip_output(to_net(src), to_net(dst), IP_P_TCP, f, len);
}

/* The card is done with the payload (driver context, under net_lock): queue it for the engine. */
static void tcpip_tx_done(struct netdev_txreq *r)
{
	struct tcpip_tx *t = container_of(r, struct tcpip_tx, req);

	list_add_tail(&tcp_tx_finished, &t->link);
}

/* Gives every finished segment's ring bytes back to the engine. */
static void tcpip_tx_release(void)
{
	while (!list_empty(&tcp_tx_finished)) {
		struct tcpip_tx *t = list_entry(tcp_tx_finished.next, struct tcpip_tx, link);

		list_del(&t->link);
		if (memcmp(t->first, t->head, t->probe) || memcmp(t->last, t->tail, t->probe)) {
			if (!tcp_tx_overwritten++)
				klog(LOG_WARN,
				     "tcp: a send ring was reused before the card read it\n");
		}
		tcp_txref_put(&net_tcp, t->ref);
		async_pool_free(&tcpip_tx_pool, t);
	}
}

/* Appends the physical ranges of [p, p + len) to t->sg (a new range where pages are not
 * physically contiguous): false if they do not fit. */
static bool tcpip_tx_sg(struct tcpip_tx *t, const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = PAGE_SIZE - ((uintptr_t)p & (PAGE_SIZE - 1));
		uint64_t pa = virt_to_phys(p);
		struct async_sg *last = t->req.nsg ? &t->sg[t->req.nsg - 1] : NULL;

		n = n < len ? n : len;
		if (last && last->phys + last->len == pa) {
			last->len += (uint32_t)n;
		} else {
			if (t->req.nsg == TCPIP_TX_SG)
				return false;
			t->sg[t->req.nsg++] = (struct async_sg){.phys = pa, .len = (uint32_t)n};
		}
		p += n;
		len -= n;
	}
	return true;
}

/* Remembers the payload's first and last bytes, to see at done whether they changed. */
static void tcpip_tx_probe(struct tcpip_tx *t, const struct tcp_iov *iov, unsigned n)
{
	const struct tcp_iov *a = &iov[1], *z = &iov[n - 1];

	t->probe = TCPIP_TX_PROBE;
	if (a->len < t->probe)
		t->probe = a->len;
	if (z->len < t->probe)
		t->probe = z->len;
	t->first = a->base;
	t->last = (const uint8_t *)z->base + z->len - t->probe;
	memcpy(t->head, t->first, t->probe);
	memcpy(t->tail, t->last, t->probe);
}

/* Completes the checksum of a csum_partial segment whose header piece iov[0] is @tcp, a
 * writable copy (@src, @dst host order): the engine's sum over the header and the payload
 * where it is. */
static void tcpip_csum_fill(uint8_t *tcp, uint32_t src, uint32_t dst, const struct tcp_iov *iov,
			    unsigned n)
{
	wire_put16(tcp + 16, 0);
	wire_put16(tcp + 16, tcp_checksum(src, dst, iov, n));
}

/*
 * The TCP header at @tcp (a copy of iov[0]) holds the pseudo-header's sum: the card completes
 * the checksum if it can (tx_csum), else the engine's checksum is computed here over the copy
 * of the header and the payload's ring pieces in place (@src, @dst host order).
 */
static void tcpip_tx_csum(struct netdev *d, struct netdev_txreq *r, uint8_t *tcp, uint32_t src,
			  uint32_t dst, const struct tcp_iov *iov, unsigned n)
{
	struct tcp_iov v[3];

	if (d->ops->tx_csum && !net_csum_offload_off) {
		r->csum_start = ETH_HDR + IP_HDR;
		r->csum_off = ETH_HDR + IP_HDR + 16;
		return;
	}
	memcpy(v, iov, n * sizeof(*v)); /* n <= 3: tcpip_output_sg */
	v[0].base = tcp;
	tcpip_csum_fill(tcp, src, dst, v, n);
}

/* The card reads the payload from the ring: TCP_OUT_HELD, or -errno to fall back to a copy. */
static int tcpip_output_sg(struct net_if *ifp, const uint8_t *mac, uint32_t src, uint32_t dst,
			   const struct tcp_iov *iov, unsigned n, struct tcp_txref *ref)
{
	uint8_t h[ETH_HDR + IP_HDR + 60];
	struct tcpip_tx *t;
	size_t plen = 0;
	int err;

	if (iov[0].len > 60 || n > 3 || !(t = async_pool_zalloc(&tcpip_tx_pool)))
		return -ENOBUFS;
	t->req.sg = t->sg;
	for (unsigned i = 1; i < n; i++) {
		if (!tcpip_tx_sg(t, iov[i].base, iov[i].len))
			goto out_free;
		plen += iov[i].len;
	}
	memcpy(h + ETH_HDR + IP_HDR, iov[0].base, iov[0].len);
	tcpip_tx_csum(ifp->dev, &t->req, h + ETH_HDR + IP_HDR, to_host(src), to_host(dst), iov, n);
	wire_ip_build(h + ETH_HDR, IP_P_TCP, src, dst, (uint16_t)(iov[0].len + plen), ip_next_id(),
		      NET_TTL);
	ip_set_df(h + ETH_HDR); /* as net_ip_output's TCP: path-MTU discovery */
	wire_eth_build(h, mac, ifp->dev->mac, ETH_P_IP);
	t->req.hdr = h;
	t->req.hlen = ETH_HDR + IP_HDR + iov[0].len;
	t->req.len = plen;
	t->req.done = tcpip_tx_done;
	t->ref = ref;
	tcpip_tx_probe(t, iov, n);
	err = ifp->dev->ops->xmit_sg(ifp->dev, &t->req);
	if (err)
		goto out_free;
	__atomic_add_fetch(&ifp->dev->counters.tx_packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ifp->dev->counters.tx_zero_copy, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ifp->dev->counters.tx_bytes, t->req.hlen + plen, __ATOMIC_RELAXED);
	tcp_tx_zero_copy++;
	return TCP_OUT_HELD;
out_free:
	async_pool_free(&tcpip_tx_pool, t);
	return -ENOBUFS;
}

/* A copied csum_partial segment: its checksum completed over a copy of the header and the
 * payload where it is, then the segment copied as any other. */
static int tcpip_output_copy(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov,
			     unsigned n)
{
	uint8_t tcp[60];
	struct tcp_iov v[3];

	if (n > 3 || iov[0].len > sizeof(tcp))
		return -EMSGSIZE; /* the engine sends a header and at most two pieces */
	memcpy(tcp, iov[0].base, iov[0].len);
	memcpy(v, iov, n * sizeof(*v));
	v[0].base = tcp;
	tcpip_csum_fill(tcp, src, dst, v, n);
	return tcpip_output(ctx, src, dst, v, n);
}

/* A data segment: zero copy where the route's card and the next hop allow, else a copy. */
static int tcpip_output_ref(void *ctx, uint32_t src, uint32_t dst, const struct tcp_iov *iov,
			    unsigned n, struct tcp_txref *ref)
{
	uint32_t nexthop, s = to_net(src), d = to_net(dst);
	struct net_if *ifp;
	uint8_t mac[6];

	tcpip_tx_release(); /* inside the engine: posts events, the caller flushes */
	if (ref && !net_zero_copy_off && (ifp = net_route(d, &nexthop)) && ifp->dev->ops->xmit_sg &&
	    !arp_resolve(ifp, nexthop, mac, NULL) &&
	    tcpip_output_sg(ifp, mac, s ? s : ifp->addr, d, iov, n, ref) == TCP_OUT_HELD)
		return TCP_OUT_HELD;
	tcp_tx_copied++;
	return tcpip_output_copy(ctx, src, dst, iov, n);
}

void net_tcp_tx_done(void)
{
	if (net_tcp_up)
		tcpip_tx_release();
}

static uint64_t tcpip_now(void *ctx)
{
	(void)ctx;
	return net_now();
}

static const struct tcp_lower tcpip_lower = {
    .output = tcpip_output,
    .now_ns = tcpip_now,
    .output_ref = tcpip_output_ref,
    .csum_partial = true,
};

void net_tcp_init(void)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct tcp_config cfg = {
	    .mtu = NETDEV_MTU,
	    /* ISNs: clock plus secret (RFC 6528); the boot time is the entropy we have. */
	    .iss_secret = (uint32_t)(net_now() * 2654435761u),
	};

	tcp_stack_init(&net_tcp, &tcpip_lower, NULL, &cfg);
	net_tcp_up = true;
	spin_unlock_irqrestore(&net_lock, f);
}

void net_tcp_input(const struct ip_view *ip)
{
	if (net_tcp_up)
		tcp_input(&net_tcp, to_host(ip->src), to_host(ip->dst), ip->payload, ip->len);
}

void net_tcp_tick(uint64_t now)
{
	if (net_tcp_up && now >= tcp_next_deadline(&net_tcp))
		tcp_tick(&net_tcp);
}

void net_tcp_icmp_unreach(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
			  int err)
{
	if (net_tcp_up)
		tcp_icmp_unreach(&net_tcp, to_host(src), sport, to_host(dst), dport, seq, err);
}

void net_tcp_icmp_frag_needed(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			      uint32_t seq, uint32_t mtu)
{
	if (net_tcp_up)
		tcp_icmp_frag_needed(&net_tcp, to_host(src), sport, to_host(dst), dport, seq, mtu);
}

uint64_t net_tcp_deadline(void)
{
	return net_tcp_up ? tcp_next_deadline(&net_tcp) : UINT64_MAX;
}

struct tcp_stack *net_tcp_stack(void)
{
	return &net_tcp;
}

void net_tcp_line(char *buf, size_t cap)
{
	unsigned long f = spin_lock_irqsave(&net_lock);
	struct tcp_stack_stats c = {0};

	uint64_t zc = tcp_tx_zero_copy, copied = tcp_tx_copied, overwritten = tcp_tx_overwritten;

	if (net_tcp_up)
		tcp_get_stack_stats(&net_tcp, &c);
	spin_unlock_irqrestore(&net_lock, f);
	fmt_snprintf(buf, cap,
		     "tcp no-socket %llu rsts-sent %llu bad %llu syn-drops %llu tx-errors %llu "
		     "tw-reclaimed %llu icmp-ignored %llu zero-copy %llu copied %llu overwritten %llu",
		     (unsigned long long)c.no_sock_segs, (unsigned long long)c.rsts_sent,
		     (unsigned long long)c.bad_segs, (unsigned long long)c.syn_drops,
		     (unsigned long long)c.tx_errors, (unsigned long long)c.tw_reclaimed,
		     (unsigned long long)c.icmp_ignored, (unsigned long long)zc,
		     (unsigned long long)copied, (unsigned long long)overwritten);
}
