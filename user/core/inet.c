/*
 * inet.c - IPv4 addresses and ICMP echo packets (tio/inet.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/inet.h>

int inet_parse(const char *s, uint32_t *addr_be)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;

		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[-(int)digits] == '0'))
			return -EINVAL;
		b[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	memcpy(addr_be, b, 4);
	return 0;
}

void inet_format(char *out, uint32_t addr_be)
{
	uint8_t b[4];

	memcpy(b, &addr_be, 4);
	snprintf(out, INET_ADDRSTRLEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

uint16_t inet_htons(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

uint16_t inet_ntohs(uint16_t v)
{
	return inet_htons(v);
}

int inet_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (unsigned)(*s - '0')) > 65535)
			return -EINVAL;
	}
	if (v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return inet_htons((uint16_t)~sum); /* stored as bytes hi, lo */
}

void icmp_echo_build(uint8_t *pkt, size_t len, uint16_t id, uint16_t seq)
{
	uint16_t ck;

	memset(pkt, 0, ICMP_HDR);
	pkt[0] = ICMP_ECHO_REQUEST;
	pkt[4] = (uint8_t)(id >> 8);
	pkt[5] = (uint8_t)id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	for (size_t i = ICMP_HDR; i < len; i++)
		pkt[i] = (uint8_t)i;
	ck = inet_checksum(pkt, len);
	memcpy(pkt + 2, &ck, 2);
}

int icmp_parse_reply(const uint8_t *buf, size_t len, struct icmp_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (len >= 20 && (buf[0] >> 4) == 4) {
		size_t ihl = (size_t)(buf[0] & 15) * 4;

		if (ihl < 20 || ihl > len || buf[9] != 1 /* ICMP */)
			return -EINVAL;
		r->ttl = buf[8];
		buf += ihl;
		len -= ihl;
	}
	if (len < ICMP_HDR || buf[0] != ICMP_ECHO_REPLY || buf[1] != 0)
		return -EINVAL;
	if (inet_checksum(buf, len) != 0)
		return -EINVAL;
	r->id = (uint16_t)(buf[4] << 8 | buf[5]);
	r->seq = (uint16_t)(buf[6] << 8 | buf[7]);
	r->icmp_len = len;
	return 0;
}
