/*
 * net/wire.h - the on-the-wire formats of Ethernet II, ARP, IPv4, ICMP, UDP
 * and DHCP: parsers that validate untrusted bytes into views, and builders.
 *
 * Pure functions over byte arrays: no kernel state, no allocation, so the
 * same file compiles on the host for the libFuzzer target
 * (tests/host/netfuzz/fuzz_net.c). A parser returns 0 and fills its view,
 * or -EINVAL (or -EPROTO for a bad checksum) for anything malformed; a view
 * points into the parsed buffer. IPv4 addresses are uint32_t in network
 * byte order (their bytes in memory are the address's bytes); ports,
 * lengths and ids are host order.
 */
#ifndef NET_WIRE_H
#define NET_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ETH_HDR	     14
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ARP_LEN	     28
#define IP_HDR	     20
#define IP_P_ICMP    1
#define IP_P_TCP     6
#define IP_P_UDP     17
#define UDP_HDR	     8
#define ICMP_HDR_LEN 8
#define ICMP_ECHO    8
#define ICMP_REPLY   0
#define DHCP_FIXED   240 /* BOOTP header + magic cookie */
#define IP_BROADCAST 0xffffffffu

struct eth_view {
	const uint8_t *dst, *src;
	uint16_t type;
	const uint8_t *payload;
	size_t len;
};

struct arp_view {
	uint16_t op; /* 1 request, 2 reply */
	const uint8_t *sha, *tha;
	uint32_t spa, tpa;
};

struct ip_view {
	uint8_t ttl, proto;
	uint16_t id, frag_off; /* frag_off in bytes */
	bool more_frags;
	uint32_t src, dst;
	const uint8_t *hdr, *payload;
	size_t hdr_len, len; /* len: payload bytes (total length minus header) */
};

struct icmp_view {
	uint8_t type, code;
	uint16_t id, seq;
	size_t len; /* whole ICMP message */
};

struct udp_view {
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t len;
};

struct dhcp_view {
	uint8_t op, msg_type;
	uint32_t xid, yiaddr;
	const uint8_t *chaddr;
	uint32_t server_id, netmask, router, lease_s; /* 0 when absent */
	uint32_t t1_s, t2_s;			      /* options 58, 59; 0 when absent */
};

uint16_t wire_get16(const uint8_t *p);
uint32_t wire_get32n(const uint8_t *p); /* four bytes as a network-order uint32 */
void wire_put16(uint8_t *p, uint16_t v);
void wire_put32n(uint8_t *p, uint32_t v);
/* Internet checksum of @len bytes folded onto @sum (a partial one's-complement sum). */
uint16_t wire_csum(const void *data, size_t len, uint32_t sum);
/* The partial sum of the UDP/TCP pseudo header. */
uint32_t wire_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

int wire_eth_parse(const uint8_t *f, size_t len, struct eth_view *v);
int wire_arp_parse(const uint8_t *p, size_t len, struct arp_view *v);
int wire_ip_parse(const uint8_t *p, size_t len, struct ip_view *v);
int wire_icmp_parse(const uint8_t *p, size_t len, struct icmp_view *v);
int wire_udp_parse(const struct ip_view *ip, struct udp_view *v);
int wire_dhcp_parse(const uint8_t *p, size_t len, struct dhcp_view *v);

void wire_eth_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type);
void wire_arp_build(uint8_t *p, uint16_t op, const uint8_t *sha, uint32_t spa, const uint8_t *tha,
		    uint32_t tpa);
/* A 20-byte header, checksum filled, no fragmentation (DF clear). */
void wire_ip_build(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, uint16_t payload_len,
		   uint16_t id, uint8_t ttl);
/* UDP header over @payload_len bytes that follow it; checksum filled. */
void wire_udp_build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		    uint16_t payload_len);

#endif
