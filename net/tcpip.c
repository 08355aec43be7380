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
 */
#include <kernel/string.h>
#include <lib/fmt.h>
#include <net/tcp.h>
#include <uapi/errno.h>
#include "net_int.h"

static struct tcp_stack net_tcp; /* [N] */
static bool net_tcp_up;		 /* [I] after net_tcp_init */

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

static uint64_t tcpip_now(void *ctx)
{
	(void)ctx;
	return net_now();
}

static const struct tcp_lower tcpip_lower = {
    .output = tcpip_output,
    .now_ns = tcpip_now,
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

	if (net_tcp_up)
		tcp_get_stack_stats(&net_tcp, &c);
	spin_unlock_irqrestore(&net_lock, f);
	fmt_snprintf(buf, cap,
		     "tcp no-socket %llu rsts-sent %llu bad %llu syn-drops %llu tx-errors %llu "
		     "tw-reclaimed %llu icmp-ignored %llu",
		     (unsigned long long)c.no_sock_segs, (unsigned long long)c.rsts_sent,
		     (unsigned long long)c.bad_segs, (unsigned long long)c.syn_drops,
		     (unsigned long long)c.tx_errors, (unsigned long long)c.tw_reclaimed,
		     (unsigned long long)c.icmp_ignored);
}
