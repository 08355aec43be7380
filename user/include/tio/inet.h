/*
 * tio/inet.h - IPv4 text forms and ICMP echo packets for ifconfig, ping and
 * nc. Pure; host-tested.
 *
 * Addresses are kept in network byte order, as in struct tio_sockaddr_in.
 */
#ifndef TIO_INET_H
#define TIO_INET_H

#include <stddef.h>
#include <stdint.h>

#define INET_ADDRSTRLEN	  16
#define ICMP_ECHO_REPLY	  0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HDR	  8 /* type, code, checksum, id, seq */

/* Strict dotted quad ("10.0.2.15"); 0 or -EINVAL. */
int inet_parse(const char *s, uint32_t *addr_be);
/* Dotted quad into @out (INET_ADDRSTRLEN bytes). */
void inet_format(char *out, uint32_t addr_be);
uint16_t inet_htons(uint16_t v);
uint16_t inet_ntohs(uint16_t v);
/* Decimal port 1..65535; 0 or -EINVAL. */
int inet_parse_port(const char *s, uint16_t *port);

/* RFC 1071 Internet checksum over @len bytes (result in network order). */
uint16_t inet_checksum(const void *data, size_t len);
/* Builds an echo request of @len bytes (>= ICMP_HDR): header + pattern payload. */
void icmp_echo_build(uint8_t *pkt, size_t len, uint16_t id, uint16_t seq);

struct icmp_reply {
	uint16_t id, seq;
	uint8_t ttl;	 /* from the IP header, 0 if the kernel gave none */
	size_t icmp_len; /* ICMP bytes (header + payload) */
};

/*
 * Parses what a raw ICMP socket returned: with or without the IPv4 header
 * (both are accepted: the first nibble tells). 0 for a valid echo reply,
 * -EINVAL for anything else (other types, bad checksum, truncated).
 */
int icmp_parse_reply(const uint8_t *buf, size_t len, struct icmp_reply *r);

#endif
