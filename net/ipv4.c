/*
 * ipv4.c - IPv4 input and output (RFC 791), fragment reassembly in bounded
 * memory, and ICMP echo (RFC 792).
 *
 * Input: a datagram is accepted when addressed to the interface, to a
 * broadcast address, or to anything while the interface has no address yet
 * (a DHCP offer may be unicast to the address being offered). Fragments go
 * to one of NET_REASM_SLOTS slots of NET_REASM_BYTES each, keyed by (src,
 * dst, id, proto), with a bitmap of the 8-byte blocks that arrived; a slot
 * completes when the last fragment has set the length and every block is
 * there, and expires NET_REASM_TTL_NS after its first fragment. A datagram
 * larger than a slot, or one arriving with every slot busy, is dropped.
 * Output: net_ip_output sends one datagram; one larger than NETDEV_MTU (up to
 * NET_FRAG_MAX bytes: an echo reply to a big ping) leaves in fragments, as a
 * socket's datagram does (frag_out, the one fragmenter: one ID, payloads of
 * multiples of 8 bytes, MF on all but the last); TTL is NET_TTL. TCP segments
 * carry DF (path-MTU discovery, RFC 1191): they are never fragmented.
 *
 * ICMP errors (RFC 792, RFC 1122 3.2.2): a UDP datagram unicast to us for a
 * port nobody is bound to is answered with destination unreachable, port
 * unreachable (its IP header and up to ICMP_ERR_QUOTE bytes after it), at
 * most NET_ICMP_ERR_RATE a second. A destination unreachable about one of
 * our UDP datagrams goes to its connected socket, one about a TCP segment to
 * the engine, with the errno Linux gives (icmp_unreach_errno): a
 * "fragmentation needed" with its next-hop MTU (RFC 1191; estimated from the
 * plateau table when the router gives 0) to tcp_icmp_frag_needed, any other
 * code to tcp_icmp_unreach (which ends a connection in SYN-SENT and is a soft
 * error otherwise). Everything here runs under net_lock.
 */
#include <kernel/string.h>
#include <uapi/errno.h>
#include "net_int.h"

struct reasm_slot {
	bool used;			    /* [N] */
	uint32_t src, dst;		    /* [N] */
	uint16_t id;			    /* [N] */
	uint8_t proto, ttl;		    /* [N] */
	size_t total;			    /* [N] payload length, 0 until the last fragment */
	uint64_t expires;		    /* [N] */
	uint8_t have[NET_REASM_BYTES / 64]; /* [N] bit per 8-byte block received */
	uint8_t data[NET_REASM_BYTES];	    /* [N] */
};

#define ICMP_UNREACH	   3
#define ICMP_PORT_UNREACH  3
#define ICMP_FRAG_NEEDED   4
#define IP_DF		   0x4000
#define ICMP_ERR_QUOTE	   548 /* quoted bytes: the error stays within 576 (RFC 1812 4.3.2.3) */
#define ICMP_ERR_WINDOW_NS 1000000000ULL

static struct reasm_slot reasm[NET_REASM_SLOTS];
static uint64_t icmp_err_window; /* [N] start of the current second of ICMP errors */
static unsigned icmp_err_sent;	 /* [N] errors sent in it */
static uint16_t ip_id;
static uint8_t echo_out[ETH_HDR + IP_HDR + NET_FRAG_MAX]; /* [N] an echo reply, built whole */
static unsigned long ip_dropped; /* [N] malformed or undeliverable datagrams */

uint16_t ip_next_id(void)
{
	return ++ip_id;
}

void ip_set_df(uint8_t *h)
{
	wire_put16(h + 6, IP_DF);
	wire_put16(h + 10, 0);
	wire_put16(h + 10, wire_csum(h, IP_HDR, 0));
}

/*
 * The fragmenter: @len bytes of datagram body @l4 in fragments of at most
 * NETDEV_MTU bytes, to @mac (resolved by the caller) or, with @mac NULL,
 * to @nexthop through ARP (a fragment for an unresolved next hop waits in
 * the ARP queue like any kernel frame). 0 or the first error.
 */
static int frag_out(struct net_if *ifp, const uint8_t *mac, uint32_t nexthop, uint32_t src,
		    uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint8_t f[ETH_HDR + NETDEV_MTU];
	uint8_t *h = f + ETH_HDR;
	size_t step = (NETDEV_MTU - IP_HDR) & ~(size_t)7, n;
	uint16_t id = ip_next_id();
	int err;

	for (size_t off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		memcpy(h + IP_HDR, l4 + off, n);
		wire_ip_build(h, proto, src, dst, (uint16_t)n, id, NET_TTL);
		wire_put16(h + 6, (uint16_t)((off + n < len ? 0x2000 : 0) | off / 8));
		wire_put16(h + 10, 0);
		wire_put16(h + 10, wire_csum(h, IP_HDR, 0));
		err = mac ? eth_output_mac(ifp, mac, f, ETH_HDR + IP_HDR + n)
			  : eth_output_ip(ifp, nexthop, f, ETH_HDR + IP_HDR + n);
		if (err)
			return err;
	}
	return 0;
}

int net_ip_output(uint32_t src, uint32_t dst, uint8_t proto, uint8_t *frame, size_t plen)
{
	uint32_t nexthop;
	struct net_if *ifp = net_route(dst, &nexthop);

	if (!ifp)
		return -ENETUNREACH;
	src = src ? src : ifp->addr;
	if (plen > NETDEV_MTU - IP_HDR) {
		if (proto == IP_P_TCP || plen > NET_FRAG_MAX)
			return -EMSGSIZE; /* TCP is sent with DF: its MSS keeps it below */
		return frag_out(ifp, NULL, nexthop, src, dst, proto, frame + ETH_HDR + IP_HDR,
				plen);
	}
	wire_ip_build(frame + ETH_HDR, proto, src, dst, (uint16_t)plen, ip_next_id(), NET_TTL);
	if (proto == IP_P_TCP)
		ip_set_df(frame + ETH_HDR);
	return eth_output_ip(ifp, nexthop, frame, ETH_HDR + IP_HDR + plen);
}

int ip_output_frags(struct net_if *ifp, const uint8_t *mac, uint32_t src, uint32_t dst,
		    uint8_t proto, const uint8_t *l4, size_t len)
{
	return frag_out(ifp, mac, 0, src, dst, proto, l4, len);
}

/* The quoted header @h of a datagram that may have been reassembled: as the whole datagram's
 * (its total length, no fragment fields), so the sender can match it. */
static void quote_whole(uint8_t *h, size_t total)
{
	wire_put16(h + 2, (uint16_t)total);
	wire_put16(h + 6, 0);
	wire_put16(h + 10, 0);
	wire_put16(h + 10, wire_csum(h, (size_t)(h[0] & 15) * 4, 0));
}

/* Answers @ip (unicast to us, no socket for it) with destination unreachable @code. */
static void icmp_unreach(const struct ip_view *ip, uint8_t code)
{
	uint8_t f[ETH_HDR + IP_HDR + ICMP_HDR_LEN + IP_HDR + ICMP_ERR_QUOTE];
	uint8_t *icmp = f + ETH_HDR + IP_HDR;
	size_t hl = ip->hdr_len; /* at most 60 */
	size_t room = IP_HDR + ICMP_ERR_QUOTE - hl, quote = ip->len < room ? ip->len : room;
	uint64_t now = net_now();

	if (now - icmp_err_window >= ICMP_ERR_WINDOW_NS) {
		icmp_err_window = now;
		icmp_err_sent = 0;
	}
	if (icmp_err_sent >= NET_ICMP_ERR_RATE)
		return; /* a flood of strays gets no flood of answers */
	icmp_err_sent++;
	memset(icmp, 0, ICMP_HDR_LEN);
	icmp[0] = ICMP_UNREACH;
	icmp[1] = code;
	memcpy(icmp + ICMP_HDR_LEN, ip->hdr, hl);
	quote_whole(icmp + ICMP_HDR_LEN, hl + ip->len);
	memcpy(icmp + ICMP_HDR_LEN + hl, ip->payload, quote);
	wire_put16(icmp + 2, wire_csum(icmp, ICMP_HDR_LEN + hl + quote, 0));
	net_ip_output(ip->dst, ip->src, IP_P_ICMP, f, ICMP_HDR_LEN + hl + quote);
}

/* Linux's errno for a destination unreachable code (icmp_err_convert). */
static int icmp_unreach_errno(uint8_t code)
{
	switch (code) {
	case 0:	 /* net unreachable */
	case 6:	 /* net unknown */
	case 9:	 /* net administratively prohibited */
	case 11: /* net unreachable for TOS */
		return -ENETUNREACH;
	case 2:
		return -ENOPROTOOPT;
	case ICMP_PORT_UNREACH:
		return -ECONNREFUSED;
	case 4:
		return -EMSGSIZE;
	case 7: /* host unknown */
		return -EHOSTDOWN;
	default:
		return -EHOSTUNREACH;
	}
}

/*
 * RFC 1191 7: a router that gives no next-hop MTU (0, the old format) or a bogus one (not below
 * the quoted datagram's length @qtotal): the largest plateau below that length.
 */
static uint32_t pmtu_estimate(uint32_t mtu, uint32_t qtotal)
{
	static const uint16_t plateau[] = {32000, 17914, 8166, 4352, 2002,
					   1492,  1006,	 508,  296,  68};

	if (mtu && mtu < qtotal)
		return mtu;
	for (unsigned i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < qtotal)
			return plateau[i];
	return 68;
}

/* A destination unreachable quoting our TCP segment (the quote's 8 bytes hold the ports and
 * the sequence number) to the engine. */
static void tcp_icmp_error(const struct ip_view *ip, const uint8_t *q, size_t qhl, uint32_t src,
			   uint32_t dst)
{
	uint16_t sport = wire_get16(q + qhl), dport = wire_get16(q + qhl + 2);
	uint32_t seq = (uint32_t)wire_get16(q + qhl + 4) << 16 | wire_get16(q + qhl + 6);

	if (ip->payload[1] == ICMP_FRAG_NEEDED)
		net_tcp_icmp_frag_needed(
		    src, sport, dst, dport, seq,
		    pmtu_estimate(wire_get16(ip->payload + 6), wire_get16(q + 2)));
	else
		net_tcp_icmp_unreach(src, sport, dst, dport, seq,
				     icmp_unreach_errno(ip->payload[1]));
}

/* A destination unreachable quoting a datagram of ours: to the socket it came from. */
static void icmp_error_input(const struct net_if *ifp, const struct ip_view *ip)
{
	const uint8_t *q = ip->payload + ICMP_HDR_LEN; /* the quoted IP header */
	size_t qlen = ip->len - ICMP_HDR_LEN, qhl;
	uint32_t src, dst;

	if (ip->len < ICMP_HDR_LEN + IP_HDR + 8 || (q[0] >> 4) != 4)
		return;
	qhl = (size_t)(q[0] & 15) * 4;
	if (qhl < IP_HDR || qlen < qhl + 8 || (wire_get16(q + 6) & 0x1fff))
		return; /* RFC 792: the header and 8 bytes of the datagram (its first fragment) */
	src = wire_get32n(q + 12);
	dst = wire_get32n(q + 16);
	if (src != ifp->addr)
		return;
	if (q[9] == IP_P_UDP)
		sock_icmp_error(src, wire_get16(q + qhl), dst, wire_get16(q + qhl + 2),
				icmp_unreach_errno(ip->payload[1]));
	else if (q[9] == IP_P_TCP)
		tcp_icmp_error(ip, q, qhl, src, dst);
}

/* Answers an echo request, in fragments when it is larger than the MTU (it came in fragments). */
static void icmp_echo_reply(const struct ip_view *ip)
{
	uint8_t *icmp = echo_out + ETH_HDR + IP_HDR;

	if (ip->len > NET_FRAG_MAX)
		return; /* cannot happen: reassembly keeps at most NET_REASM_BYTES */
	memcpy(icmp, ip->payload, ip->len);
	icmp[0] = ICMP_REPLY;
	wire_put16(icmp + 2, 0);
	wire_put16(icmp + 2, wire_csum(icmp, ip->len, 0));
	net_ip_output(ip->dst == IP_BROADCAST ? 0 : ip->dst, ip->src, IP_P_ICMP, echo_out, ip->len);
}

/* A whole datagram (maybe reassembled): hand it to its protocol. */
static void ip_deliver(struct net_if *ifp, const struct ip_view *ip)
{
	struct icmp_view ic;
	struct udp_view u;

	switch (ip->proto) {
	case IP_P_ICMP:
		if (wire_icmp_parse(ip->payload, ip->len, &ic))
			break;
		if (ic.type == ICMP_ECHO && ic.code == 0 && ifp->addr)
			icmp_echo_reply(ip);
		else if (ic.type == ICMP_UNREACH && ifp->addr)
			icmp_error_input(ifp, ip);
		sock_deliver_icmp(ip);
		return;
	case IP_P_UDP:
		if (wire_udp_parse(ip, &u))
			break;
		if (u.dport == 68 && u.sport == 67 && ifp->dhcp != DHCP_OFF)
			dhcp_input(ifp, &u);
		else if (!sock_deliver_udp(ip, &u) && ifp->addr && ip->dst == ifp->addr)
			icmp_unreach(ip, ICMP_PORT_UNREACH);
		return;
	case IP_P_TCP:
		net_tcp_input(ip); /* the engine checks the checksum and lengths */
		return;
	default:
		break;
	}
	ip_dropped++;
}

static struct reasm_slot *reasm_find(const struct ip_view *ip)
{
	struct reasm_slot *free = NULL;

	for (unsigned i = 0; i < NET_REASM_SLOTS; i++) {
		struct reasm_slot *r = &reasm[i];

		if (r->used && r->src == ip->src && r->dst == ip->dst && r->id == ip->id &&
		    r->proto == ip->proto)
			return r;
		if (!r->used && !free)
			free = r;
	}
	if (free) {
		memset(free->have, 0, sizeof(free->have));
		free->used = true;
		free->src = ip->src;
		free->dst = ip->dst;
		free->id = ip->id;
		free->proto = ip->proto;
		free->ttl = ip->ttl;
		free->total = 0;
		free->expires = net_now() + NET_REASM_TTL_NS;
	}
	return free;
}

static bool reasm_complete(const struct reasm_slot *r)
{
	if (!r->total)
		return false;
	for (size_t b = 0; b < (r->total + 7) / 8; b++)
		if (!(r->have[b / 8] & (1u << (b % 8))))
			return false;
	return true;
}

static void ip_reassemble(struct net_if *ifp, const struct ip_view *ip)
{
	size_t end = (size_t)ip->frag_off + ip->len;
	struct reasm_slot *r;

	/* Every fragment but the last carries a multiple of 8 bytes. */
	if (end > NET_REASM_BYTES || (ip->more_frags && (ip->len % 8 || !ip->len)) ||
	    !(r = reasm_find(ip))) {
		ip_dropped++;
		return;
	}
	memcpy(r->data + ip->frag_off, ip->payload, ip->len);
	for (size_t b = ip->frag_off / 8; b < (end + 7) / 8; b++)
		r->have[b / 8] |= (uint8_t)(1u << (b % 8));
	if (!ip->more_frags)
		r->total = end;
	if (!reasm_complete(r))
		return;
	struct ip_view whole = *ip;

	whole.payload = r->data;
	whole.len = r->total;
	whole.frag_off = 0;
	whole.more_frags = false;
	r->used = false;
	ip_deliver(ifp, &whole);
}

void ip_reasm_tick(uint64_t now)
{
	for (unsigned i = 0; i < NET_REASM_SLOTS; i++)
		if (reasm[i].used && now >= reasm[i].expires)
			reasm[i].used = false;
}

static bool ip_for_us(const struct net_if *ifp, uint32_t dst)
{
	uint32_t bcast = ifp->addr | ~ifp->netmask;

	return !ifp->addr || dst == ifp->addr || dst == IP_BROADCAST || dst == bcast;
}

void ip_input(struct net_if *ifp, const uint8_t *pkt, size_t len)
{
	struct ip_view ip;

	if (wire_ip_parse(pkt, len, &ip) || !ip_for_us(ifp, ip.dst)) {
		ip_dropped++;
		return;
	}
	if (ip.more_frags || ip.frag_off)
		ip_reassemble(ifp, &ip);
	else
		ip_deliver(ifp, &ip);
}
