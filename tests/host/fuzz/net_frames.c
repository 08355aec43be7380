/*
 * net_frames - libFuzzer target: the stack's parsing path from an Ethernet
 * frame down to ARP, IPv4, ICMP, UDP and DHCP (net/wire.c, the code that
 * reads untrusted bytes in net/eth.c, net/ipv4.c and net/dhcp.c), with the
 * dispatch those files do: Ethernet type -> ARP or IPv4 -> protocol -> UDP
 * port 67/68 -> DHCP. Checked on every input:
 *   - no read outside the frame (ASan: the input is copied into a buffer of
 *     exactly its size);
 *   - every view a parser returns lies inside the frame it parsed, lengths
 *     agree with the headers (IPv4 total length, UDP length);
 *   - a datagram the parser accepts has a valid header checksum, and a UDP
 *     one with a nonzero checksum field has a valid pseudo-header sum;
 *   - the builders' output parses back to what was built (ARP, IPv4, UDP).
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../net/wire.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "net_frames: %s (line %d)\n", #c, __LINE__);               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int inside(const uint8_t *base, size_t len, const uint8_t *p, size_t n)
{
	return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static void roundtrip_builders(const struct ip_view *ip)
{
	uint8_t f[IP_HDR + UDP_HDR + 64] = {0};
	struct ip_view back;
	struct udp_view u;
	struct arp_view a;
	uint8_t mac[6] = {1, 2, 3, 4, 5, 6};

	for (int i = 0; i < 64; i++)
		f[IP_HDR + UDP_HDR + i] = (uint8_t)(ip->id + i);
	wire_udp_build(f + IP_HDR, ip->src, ip->dst, ip->id, 68, 64);
	wire_ip_build(f, IP_P_UDP, ip->src, ip->dst, UDP_HDR + 64, ip->id, ip->ttl);
	CHECK(wire_ip_parse(f, sizeof(f), &back) == 0);
	CHECK(back.src == ip->src && back.dst == ip->dst && back.len == UDP_HDR + 64);
	CHECK(wire_udp_parse(&back, &u) == 0 && u.sport == ip->id && u.dport == 68 && u.len == 64);
	wire_arp_build(f, 2, mac, ip->src, mac, ip->dst);
	CHECK(wire_arp_parse(f, ARP_LEN, &a) == 0 && a.op == 2 && a.spa == ip->src &&
	      a.tpa == ip->dst && !memcmp(a.sha, mac, 6));
}

static void udp_path(const struct ip_view *ip)
{
	struct udp_view u;
	struct dhcp_view d;
	uint16_t field;

	if (wire_udp_parse(ip, &u))
		return;
	CHECK(inside(ip->payload, ip->len, u.payload, u.len));
	CHECK(u.len + UDP_HDR == wire_get16(ip->payload + 4));
	field = wire_get16(ip->payload + 6);
	if (field)
		CHECK(wire_csum(ip->payload, u.len + UDP_HDR,
				wire_pseudo_sum(ip->src, ip->dst, IP_P_UDP,
						(uint16_t)(u.len + UDP_HDR))) == 0);
	if ((u.dport == 68 || u.dport == 67) && wire_dhcp_parse(u.payload, u.len, &d) == 0) {
		CHECK(d.msg_type != 0);
		CHECK(inside(u.payload, u.len, d.chaddr, 6));
	}
}

static void ip_path(const uint8_t *p, size_t len)
{
	struct ip_view ip;
	struct icmp_view ic;

	if (wire_ip_parse(p, len, &ip))
		return;
	CHECK(ip.hdr == p && ip.hdr_len >= IP_HDR && ip.hdr_len <= 60);
	CHECK(inside(p, len, ip.payload, ip.len));
	CHECK(ip.hdr_len + ip.len == wire_get16(p + 2));
	CHECK(wire_csum(p, ip.hdr_len, 0) == 0);
	CHECK(ip.frag_off <= 0x1fff * 8);
	if (ip.proto == IP_P_ICMP && wire_icmp_parse(ip.payload, ip.len, &ic) == 0)
		CHECK(ic.len == ip.len && wire_csum(ip.payload, ip.len, 0) == 0);
	if (ip.proto == IP_P_UDP)
		udp_path(&ip);
	roundtrip_builders(&ip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	struct eth_view e;
	struct arp_view a;
	struct dhcp_view d;

	memcpy(f, data, size);
	if (wire_eth_parse(f, size, &e) == 0) {
		CHECK(inside(f, size, e.payload, e.len) && e.len + ETH_HDR == size);
		if (e.type == ETH_P_ARP && wire_arp_parse(e.payload, e.len, &a) == 0)
			CHECK(inside(e.payload, e.len, a.sha, 6) &&
			      inside(e.payload, e.len, a.tha, 6));
		if (e.type == ETH_P_IP)
			ip_path(e.payload, e.len);
	}
	/* The bare payload parsers too: mutations reach their option loops faster. */
	if (wire_dhcp_parse(f, size, &d) == 0)
		CHECK(inside(f, size, d.chaddr, 6));
	ip_path(f, size);
	free(f);
	return 0;
}
