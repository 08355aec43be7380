/*
 * dhcp.c - a DHCP client (RFC 2131) per interface: gets the lease at boot,
 * renews it at T1, rebinds at T2, and gives it up when it ends (4.4.5).
 *
 *   OFF --dhcp_start--> SELECTING --OFFER--> REQUESTING --ACK--> BOUND
 *   SELECTING/REQUESTING: the DISCOVER/REQUEST goes out again every
 *       DHCP_RETRY_NS (dhcp_tick); REQUESTING --NAK--> SELECTING
 *   BOUND --T1 (option 58, else lease/2; dhcp_renew=SECONDS overrides)--> RENEWING
 *   RENEWING --T2 (option 59, else lease*7/8)--> REBINDING
 *   RENEWING/REBINDING --ACK--> BOUND (new lease) ; --NAK--> SELECTING
 *   BOUND/RENEWING/REBINDING --the lease's end--> SELECTING (address removed)
 *   any --net_if_set (static address)--> OFF
 *
 * DISCOVER and the first REQUEST are broadcast (flags: broadcast) from port
 * 68 to 67. In RENEWING the REQUEST is unicast to the server that gave the
 * lease, from the leased address; in REBINDING it is broadcast to any
 * server; both carry the leased address in ciaddr and go again after half
 * the time left to T2 (RENEWING) or to the lease's end (REBINDING), at
 * least DHCP_RETRY_NS apart (RFC 2131 says at least 60 s: short test leases
 * need shorter). Replies are matched by xid and our MAC. Runs under
 * net_lock (ip_input and the stack's timers).
 */
#include <kernel/boot.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include "net_int.h"

#define DHCP_RETRY_NS (2ULL * 1000000000ULL)
#define DHCP_MSG_LEN  300 /* BOOTP's minimum message */
#define DHCPDISCOVER  1
#define DHCPOFFER     2
#define DHCPREQUEST   3
#define DHCPACK	      5
#define DHCPNAK	      6

static void dhcp_send(struct net_if *ifp, uint8_t type)
{
	uint8_t f[ETH_HDR + IP_HDR + UDP_HDR + DHCP_MSG_LEN] = {0};
	uint8_t *m = f + ETH_HDR + IP_HDR + UDP_HDR, *o = m + DHCP_FIXED;
	bool renew = ifp->dhcp == DHCP_RENEWING || ifp->dhcp == DHCP_REBINDING;
	bool unicast = ifp->dhcp == DHCP_RENEWING && ifp->dhcp_server;
	uint32_t src = renew ? ifp->addr : 0, dst = unicast ? ifp->dhcp_server : IP_BROADCAST;

	m[0] = 1; /* BOOTREQUEST */
	m[1] = 1;
	m[2] = 6;
	wire_put16(m + 4, (uint16_t)(ifp->dhcp_xid >> 16));
	wire_put16(m + 6, (uint16_t)ifp->dhcp_xid);
	if (!renew)
		wire_put16(m + 10, 0x8000); /* broadcast replies: we have no address yet */
	if (renew)
		wire_put32n(m + 12, ifp->addr);
	memcpy(m + 28, ifp->dev->mac, 6);
	wire_put16(m + 236, 0x6382);
	wire_put16(m + 238, 0x5363);
	*o++ = 53, *o++ = 1, *o++ = type;
	if (type == DHCPREQUEST && !renew) {
		*o++ = 50, *o++ = 4, wire_put32n(o, ifp->dhcp_offer), o += 4;
		*o++ = 54, *o++ = 4, wire_put32n(o, ifp->dhcp_server), o += 4;
	}
	*o++ = 55, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 51; /* mask, router, lease */
	*o = 255;
	wire_udp_build(f + ETH_HDR + IP_HDR, src, dst, 68, 67, DHCP_MSG_LEN);
	if (unicast) { /* through routing and ARP; a loss is retried like any other */
		net_ip_output(src, dst, IP_P_UDP, f, UDP_HDR + DHCP_MSG_LEN);
		return;
	}
	wire_ip_build(f + ETH_HDR, IP_P_UDP, src, IP_BROADCAST, UDP_HDR + DHCP_MSG_LEN,
		      ip_next_id(), NET_TTL);
	eth_output_bcast(ifp, f, sizeof(f));
}

static void dhcp_restart(struct net_if *ifp)
{
	ifp->dhcp = DHCP_SELECTING;
	ifp->dhcp_xid = (uint32_t)net_now() ^ (uint32_t)ifp->dev->mac[5] << 24;
	dhcp_send(ifp, DHCPDISCOVER);
	ifp->dhcp_next_ns = net_now() + DHCP_RETRY_NS;
}

/* Forgets the address (and the routes through it) and starts over. */
static void dhcp_unbind(struct net_if *ifp)
{
	ifp->addr = 0;
	ifp->gateway = 0;
	ifp->flags &= ~(unsigned)TIO_IFF_UP;
	dhcp_restart(ifp);
}

void dhcp_start(struct net_if *ifp)
{
	ifp->flags |= TIO_IFF_DHCP;
	dhcp_restart(ifp);
}

static void ip4_str(char *out, uint32_t a)
{
	const uint8_t *b = (const uint8_t *)&a;

	fmt_snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static void dhcp_bind(struct net_if *ifp, const struct dhcp_view *v)
{
	unsigned long long override;
	const char *r = kernel_cmdline_get("dhcp_renew");
	uint64_t lease = v->lease_s ? v->lease_s : 3600, now = net_now();
	uint64_t t1 = v->t1_s ? v->t1_s : lease / 2, t2 = v->t2_s ? v->t2_s : lease * 7 / 8;
	bool again = ifp->dhcp == DHCP_RENEWING || ifp->dhcp == DHCP_REBINDING;
	char a[16], g[16];

	ifp->addr = v->yiaddr;
	ifp->netmask = v->netmask ? v->netmask : 0x00ffffff; /* 255.255.255.0 */
	ifp->gateway = v->router;
	ifp->flags |= TIO_IFF_UP;
	if (r && !kstrtoull(r, &override) && override > 0)
		t1 = override;
	t2 = t2 > lease ? lease : t2; /* a server's odd T1/T2 still keep T1 <= T2 <= the end */
	t1 = t1 > t2 ? t2 : t1;
	ifp->dhcp_t1_at = now + t1 * 1000000000ULL;
	ifp->dhcp_t2_at = now + t2 * 1000000000ULL;
	ifp->dhcp_end_at = now + lease * 1000000000ULL;
	if (v->server_id)
		ifp->dhcp_server = v->server_id;
	ip4_str(a, ifp->addr);
	ip4_str(g, ifp->gateway);
	if (again) /* quietly: the console belongs to the shell by now */
		klog(LOG_DEBUG, "dhcp: %s renewed %s (lease %llus)\n", ifp->dev->name, a,
		     (unsigned long long)lease);
	else
		printk("dhcp: %s leased %s gateway %s (lease %llus)\n", ifp->dev->name, a, g,
		       (unsigned long long)lease);
	if (again)
		ifp->dhcp_renewals++;
	ifp->dhcp = DHCP_BOUND;
	ifp->dhcp_next_ns = ifp->dhcp_t1_at;
}

/* A REQUEST of ours is out: REQUESTING, RENEWING or REBINDING. */
static bool dhcp_awaits_ack(const struct net_if *ifp)
{
	return ifp->dhcp == DHCP_REQUESTING || ifp->dhcp == DHCP_RENEWING ||
	       ifp->dhcp == DHCP_REBINDING;
}

void dhcp_input(struct net_if *ifp, const struct udp_view *u)
{
	struct dhcp_view v;

	if (wire_dhcp_parse(u->payload, u->len, &v) || v.op != 2 || v.xid != ifp->dhcp_xid ||
	    memcmp(v.chaddr, ifp->dev->mac, 6))
		return;
	if (ifp->dhcp == DHCP_SELECTING && v.msg_type == DHCPOFFER && v.yiaddr) {
		ifp->dhcp_offer = v.yiaddr;
		ifp->dhcp_server = v.server_id;
		ifp->dhcp = DHCP_REQUESTING;
		dhcp_send(ifp, DHCPREQUEST);
		ifp->dhcp_next_ns = net_now() + DHCP_RETRY_NS;
	} else if (dhcp_awaits_ack(ifp) && v.msg_type == DHCPACK && v.yiaddr) {
		dhcp_bind(ifp, &v);
	} else if (dhcp_awaits_ack(ifp) && v.msg_type == DHCPNAK) {
		dhcp_unbind(ifp);
	}
}

/* The next REQUEST of RENEWING/REBINDING: half the time left to @until, at least
 * DHCP_RETRY_NS, never past @until. */
static uint64_t dhcp_retry_at(uint64_t now, uint64_t until)
{
	uint64_t half = until > now ? (until - now) / 2 : 0;

	half = half < DHCP_RETRY_NS ? DHCP_RETRY_NS : half;
	return now + half < until ? now + half : until;
}

/* BOUND, RENEWING, REBINDING at @now: the lease's end, T2, T1, or a retransmission. */
static void dhcp_lease_tick(struct net_if *ifp, uint64_t now)
{
	char a[16];

	if (now >= ifp->dhcp_end_at) {
		ip4_str(a, ifp->addr);
		printk("dhcp: %s lease of %s expired\n", ifp->dev->name, a);
		dhcp_unbind(ifp);
		return;
	}
	if (now >= ifp->dhcp_t2_at && ifp->dhcp != DHCP_REBINDING) {
		ifp->dhcp = DHCP_REBINDING;
		ifp->dhcp_xid++;
	} else if (ifp->dhcp == DHCP_BOUND) {
		ifp->dhcp = DHCP_RENEWING;
		ifp->dhcp_xid++;
	}
	dhcp_send(ifp, DHCPREQUEST);
	ifp->dhcp_next_ns =
	    dhcp_retry_at(now, ifp->dhcp == DHCP_RENEWING ? ifp->dhcp_t2_at : ifp->dhcp_end_at);
}

void dhcp_tick(struct net_if *ifp, uint64_t now)
{
	if (ifp->dhcp == DHCP_OFF || now < ifp->dhcp_next_ns)
		return;
	switch (ifp->dhcp) {
	case DHCP_SELECTING:
		dhcp_send(ifp, DHCPDISCOVER);
		ifp->dhcp_next_ns = now + DHCP_RETRY_NS;
		break;
	case DHCP_REQUESTING:
		dhcp_send(ifp, DHCPREQUEST);
		ifp->dhcp_next_ns = now + DHCP_RETRY_NS;
		break;
	default:
		dhcp_lease_tick(ifp, now);
		break;
	}
}
