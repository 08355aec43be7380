/*
 * wire.c - parsers and builders of net/wire.h. Every length is checked
 * against the bytes actually present before it is used: a frame is never
 * trusted to describe itself.
 */
#include "wire.h"

#define EINVAL_ 22 /* uapi/errno.h values, spelt here so the host build needs no kernel header */
#define EPROTO_ 71

#define DHCP_MAGIC   0x63825363u
#define DHCP_OPT_PAD 0
#define DHCP_OPT_END 255

uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t wire_get32n(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void wire_put32n(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint16_t wire_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len > 1; p += 2, len -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint32_t wire_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint8_t b[4];
	uint32_t s = 0;

	wire_put32n(b, src);
	s += wire_get16(b) + wire_get16(b + 2);
	wire_put32n(b, dst);
	s += wire_get16(b) + wire_get16(b + 2);
	return s + proto + len;
}

int wire_eth_parse(const uint8_t *f, size_t len, struct eth_view *v)
{
	if (len < ETH_HDR)
		return -EINVAL_;
	v->dst = f;
	v->src = f + 6;
	v->type = wire_get16(f + 12);
	v->payload = f + ETH_HDR;
	v->len = len - ETH_HDR;
	return 0;
}

int wire_arp_parse(const uint8_t *p, size_t len, struct arp_view *v)
{
	/* Ethernet hardware (1), IPv4 protocol, 6-byte and 4-byte addresses only. */
	if (len < ARP_LEN || wire_get16(p) != 1 || wire_get16(p + 2) != ETH_P_IP || p[4] != 6 ||
	    p[5] != 4)
		return -EINVAL_;
	v->op = wire_get16(p + 6);
	if (v->op != 1 && v->op != 2)
		return -EINVAL_;
	v->sha = p + 8;
	v->spa = wire_get32n(p + 14);
	v->tha = p + 18;
	v->tpa = wire_get32n(p + 24);
	return 0;
}

int wire_ip_parse(const uint8_t *p, size_t len, struct ip_view *v)
{
	size_t ihl, total;
	uint16_t frag;

	if (len < IP_HDR || (p[0] >> 4) != 4)
		return -EINVAL_;
	ihl = (size_t)(p[0] & 15) * 4;
	total = wire_get16(p + 2);
	if (ihl < IP_HDR || total < ihl || total > len)
		return -EINVAL_;
	if (wire_csum(p, ihl, 0) != 0)
		return -EPROTO_;
	frag = wire_get16(p + 6);
	v->id = wire_get16(p + 4);
	v->more_frags = frag & 0x2000;
	v->frag_off = (uint16_t)((frag & 0x1fff) * 8);
	v->ttl = p[8];
	v->proto = p[9];
	v->src = wire_get32n(p + 12);
	v->dst = wire_get32n(p + 16);
	v->hdr = p;
	v->hdr_len = ihl;
	v->payload = p + ihl;
	v->len = total - ihl;
	return 0;
}

int wire_icmp_parse(const uint8_t *p, size_t len, struct icmp_view *v)
{
	if (len < ICMP_HDR_LEN)
		return -EINVAL_;
	if (wire_csum(p, len, 0) != 0)
		return -EPROTO_;
	v->type = p[0];
	v->code = p[1];
	v->id = wire_get16(p + 4);
	v->seq = wire_get16(p + 6);
	v->len = len;
	return 0;
}

int wire_udp_parse(const struct ip_view *ip, struct udp_view *v)
{
	const uint8_t *p = ip->payload;
	uint16_t ulen;

	if (ip->len < UDP_HDR)
		return -EINVAL_;
	ulen = wire_get16(p + 4);
	if (ulen < UDP_HDR || ulen > ip->len)
		return -EINVAL_;
	/* A zero checksum means the sender did not compute one (RFC 768). */
	if (wire_get16(p + 6) &&
	    wire_csum(p, ulen, wire_pseudo_sum(ip->src, ip->dst, IP_P_UDP, ulen)) != 0)
		return -EPROTO_;
	v->sport = wire_get16(p);
	v->dport = wire_get16(p + 2);
	v->payload = p + UDP_HDR;
	v->len = ulen - UDP_HDR;
	return 0;
}

/* One option of a DHCP reply, if it is one we use and its length is right. */
static void dhcp_option(struct dhcp_view *v, uint8_t code, const uint8_t *val, size_t olen)
{
	if (code == 53 && olen == 1)
		v->msg_type = val[0];
	else if (code == 54 && olen == 4)
		v->server_id = wire_get32n(val);
	else if (code == 1 && olen == 4)
		v->netmask = wire_get32n(val);
	else if (code == 3 && olen >= 4)
		v->router = wire_get32n(val);
	else if (code == 51 && olen == 4)
		v->lease_s = (uint32_t)wire_get16(val) << 16 | wire_get16(val + 2);
	else if (code == 58 && olen == 4)
		v->t1_s = (uint32_t)wire_get16(val) << 16 | wire_get16(val + 2);
	else if (code == 59 && olen == 4)
		v->t2_s = (uint32_t)wire_get16(val) << 16 | wire_get16(val + 2);
}

int wire_dhcp_parse(const uint8_t *p, size_t len, struct dhcp_view *v)
{
	size_t i = DHCP_FIXED;

	if (len < DHCP_FIXED || p[1] != 1 || p[2] != 6)
		return -EINVAL_;
	if (wire_get16(p + 236) != (DHCP_MAGIC >> 16) ||
	    wire_get16(p + 238) != (DHCP_MAGIC & 0xffff))
		return -EINVAL_;
	*v = (struct dhcp_view){.op = p[0],
				.xid = (uint32_t)wire_get16(p + 4) << 16 | wire_get16(p + 6),
				.yiaddr = wire_get32n(p + 16),
				.chaddr = p + 28};
	while (i < len && p[i] != DHCP_OPT_END) {
		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return -EINVAL_; /* an option running past the packet */
		dhcp_option(v, p[i], p + i + 2, p[i + 1]);
		i += 2 + (size_t)p[i + 1];
	}
	return v->msg_type ? 0 : -EINVAL_;
}

void wire_eth_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	for (int i = 0; i < 6; i++) {
		f[i] = dst[i];
		f[6 + i] = src[i];
	}
	wire_put16(f + 12, type);
}

void wire_arp_build(uint8_t *p, uint16_t op, const uint8_t *sha, uint32_t spa, const uint8_t *tha,
		    uint32_t tpa)
{
	wire_put16(p, 1);
	wire_put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	wire_put16(p + 6, op);
	for (int i = 0; i < 6; i++) {
		p[8 + i] = sha[i];
		p[18 + i] = tha[i];
	}
	wire_put32n(p + 14, spa);
	wire_put32n(p + 24, tpa);
}

void wire_ip_build(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, uint16_t payload_len,
		   uint16_t id, uint8_t ttl)
{
	p[0] = 0x45;
	p[1] = 0;
	wire_put16(p + 2, (uint16_t)(IP_HDR + payload_len));
	wire_put16(p + 4, id);
	wire_put16(p + 6, 0);
	p[8] = ttl;
	p[9] = proto;
	wire_put16(p + 10, 0);
	wire_put32n(p + 12, src);
	wire_put32n(p + 16, dst);
	wire_put16(p + 10, wire_csum(p, IP_HDR, 0));
}

void wire_udp_build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		    uint16_t payload_len)
{
	uint16_t ulen = (uint16_t)(UDP_HDR + payload_len), c;

	wire_put16(p, sport);
	wire_put16(p + 2, dport);
	wire_put16(p + 4, ulen);
	wire_put16(p + 6, 0);
	c = wire_csum(p, ulen, wire_pseudo_sum(src, dst, IP_P_UDP, ulen));
	wire_put16(p + 6, c ? c : 0xffff);
}
