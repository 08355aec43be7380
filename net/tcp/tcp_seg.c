/*
 * tcp_seg.c - the TCP wire format (RFC 9293 3.1): parsing a received segment
 * with its options, the checksum with the IPv4 pseudo-header, and building
 * and sending segments.
 *
 * Header layout (network byte order):
 *   0 source port, 2 destination port, 4 sequence number, 8 acknowledgment
 *   number, 12 data offset (high 4 bits, in 32-bit words) and 4 reserved bits,
 *   13 flags (CWR ECE URG ACK PSH RST SYN FIN), 14 window, 16 checksum,
 *   18 urgent pointer, 20 options (up to 40 bytes), then the payload.
 * Options we send: MSS (kind 2), window scale (3) and SACK-permitted (4) on
 * SYNs, SACK blocks (5) otherwise; NOP (1) pads. We parse every kind and skip
 * the ones we do not use (timestamps, 8, are recognized and not echoed: a peer
 * that gets no timestamp on our SYN does not use them, RFC 7323 3.2).
 * Parsing trusts nothing: a length that leaves the header, a data offset below
 * 5 or beyond the segment, a bad checksum all drop the segment.
 */
#include "tcp_int.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Adds @len bytes to a ones-complement sum; *odd says whether a byte is pending. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len, bool *odd)
{
	size_t i;

	for (i = 0; i < len; i++) {
		sum += *odd ? p[i] : (uint32_t)p[i] << 8;
		*odd = !*odd;
	}
	return sum;
}

/* The TCP pseudo-header's sum (RFC 9293 3.1) for a segment of @iov, not folded. */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n)
{
	uint8_t pseudo[12];
	uint32_t total = 0;
	bool odd = false;

	for (unsigned i = 0; i < n; i++)
		total += (uint32_t)iov[i].len;
	put32(pseudo, src);
	put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = 6; /* IPPROTO_TCP */
	put16(pseudo + 10, (uint16_t)total);
	return csum_add(0, pseudo, sizeof(pseudo), &odd);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t tcp_checksum(uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n)
{
	uint32_t sum = pseudo_sum(src, dst, iov, n);
	bool odd = false; /* the pseudo-header is 12 bytes: no byte pending after it */

	for (unsigned i = 0; i < n; i++)
		sum = csum_add(sum, iov[i].base, iov[i].len, &odd);
	return (uint16_t)~csum_fold(sum);
}

/* The pseudo-header's sum, folded and not complemented: the seed of an offloaded checksum. */
uint16_t tcp_pseudo_sum(uint32_t src, uint32_t dst, const struct tcp_iov *iov, unsigned n)
{
	return csum_fold(pseudo_sum(src, dst, iov, n));
}

/* Parses the options area; a malformed option list is -EINVAL (RFC 9293 3.1: drop). */
static int parse_options(const uint8_t *p, unsigned len, struct tcp_seg *seg)
{
	unsigned i = 0, olen, k;

	while (i < len) {
		uint8_t kind = p[i];

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			if (olen != 4)
				return -EINVAL;
			seg->has_mss = true;
			seg->mss = get16(p + i + 2);
			break;
		case TCPOPT_WSCALE:
			if (olen != 3)
				return -EINVAL;
			seg->has_wscale = true;
			seg->wscale = p[i + 2] > 14 ? 14 : p[i + 2]; /* RFC 7323 2.3 */
			break;
		case TCPOPT_SACK_PERM:
			if (olen != 2)
				return -EINVAL;
			seg->sack_perm = true;
			break;
		case TCPOPT_SACK:
			if ((olen - 2) % 8 != 0 || olen == 2)
				return -EINVAL;
			for (k = 0; k < (olen - 2u) / 8 && k < 4; k++) {
				seg->sack[k][0] = get32(p + i + 2 + 8 * k);
				seg->sack[k][1] = get32(p + i + 6 + 8 * k);
			}
			seg->nsack = k;
			break;
		case TCPOPT_TS:
			if (olen != 10)
				return -EINVAL;
			seg->has_ts = true;
			break;
		default:
			break; /* unknown kinds are skipped by their length (RFC 9293 3.2) */
		}
		i += olen;
	}
	return 0;
}

int tcp_parse(const void *bytes, size_t len, struct tcp_seg *seg)
{
	const uint8_t *p = bytes;
	unsigned off;

	if (len < TCP_HDR_MIN || len > 65535)
		return -EINVAL;
	off = (unsigned)(p[12] >> 4) * 4;
	if (off < TCP_HDR_MIN || off > len)
		return -EINVAL;
	memset(seg, 0, sizeof(*seg));
	seg->sport = get16(p);
	seg->dport = get16(p + 2);
	seg->seq = get32(p + 4);
	seg->ack = get32(p + 8);
	seg->flags = p[13] & 0x3f;
	seg->wnd = get16(p + 14);
	seg->data = p + off;
	seg->len = (uint32_t)(len - off);
	return parse_options(p + TCP_HDR_MIN, off - TCP_HDR_MIN, seg);
}

struct tcp_hdr_args {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
};

/*
 * Hands the segment to the lower: through output_ref with @ref (a data
 * segment of a send ring, NULL if none) when the lower has it, and @ref goes
 * on its ring's held list if the lower keeps it. in_output tells
 * tcp_txref_put, which the lower may call meanwhile, not to flush.
 */
static int lower_output(struct tcp_stack *st, const struct tcp_hdr_args *a,
			const struct tcp_iov *iov, unsigned n, struct tcp_txref *ref)
{
	int rc;

	st->in_output++;
	if (st->lower->output_ref && n > 1)
		rc = st->lower->output_ref(st->ctx, a->src, a->dst, iov, n, ref);
	else
		rc = st->lower->output(st->ctx, a->src, a->dst, iov, n);
	st->in_output--;
	if (ref && rc == TCP_OUT_HELD)
		tcp_txref_hold(ref);
	else if (ref)
		tcp_txref_drop(ref);
	return rc;
}

/* Builds the header into @hdr (with @optlen bytes of options already at hdr+20) and sends it. */
static int emit(struct tcp_stack *st, const struct tcp_hdr_args *a, uint8_t *hdr, unsigned optlen,
		struct tcp_iov *iov, unsigned n, struct tcp_txref *ref)
{
	unsigned hlen = TCP_HDR_MIN + optlen;

	put16(hdr, a->sport);
	put16(hdr + 2, a->dport);
	put32(hdr + 4, a->seq);
	put32(hdr + 8, a->ack);
	hdr[12] = (uint8_t)((hlen / 4) << 4);
	hdr[13] = a->flags;
	put16(hdr + 14, a->wnd);
	put16(hdr + 16, 0);
	put16(hdr + 18, 0);
	iov[0].base = hdr;
	iov[0].len = hlen;
	if (st->lower->output_ref && st->lower->csum_partial && n > 1)
		put16(hdr + 16, tcp_pseudo_sum(a->src, a->dst, iov, n)); /* the lower finishes it */
	else
		put16(hdr + 16, tcp_checksum(a->src, a->dst, iov, n));
	if (lower_output(st, a, iov, n, ref) < 0) {
		st->tx_errors++; /* no route, no ARP entry yet, ring full: retransmission covers it
				  */
		return -EIO;
	}
	return 0;
}

void tcp_send_rst_reply(struct tcp_stack *st, uint32_t src, uint32_t dst, const struct tcp_seg *seg)
{
	uint8_t hdr[TCP_HDR_MIN];
	struct tcp_iov iov[1];
	struct tcp_hdr_args a = {.src = dst, .dst = src, .sport = seg->dport, .dport = seg->sport};

	if (seg->flags & TCP_RST)
		return; /* never answer a RST (RFC 9293 3.10.7.1) */
	if (seg->flags & TCP_ACK) {
		a.seq = seg->ack;
		a.flags = TCP_RST;
	} else {
		a.ack = seg->seq + seg->len + !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN);
		a.flags = TCP_RST | TCP_ACK;
	}
	st->rsts_sent++;
	emit(st, &a, hdr, 0, iov, 1, NULL);
}

uint32_t tcp_rcv_window(const struct tcp_sock *s)
{
	return s->rx ? TCP_RING_SIZE - s->rx_len : 0;
}

static unsigned syn_options(const struct tcp_sock *s, uint8_t *o, bool synack)
{
	unsigned n = 0;
	uint32_t mtu = s->st->cfg.mtu ? s->st->cfg.mtu : 1500;

	o[n++] = TCPOPT_MSS;
	o[n++] = 4;
	put16(o + n, (uint16_t)(mtu - 40));
	n += 2;
	if (!synack || (s->flags & TCP_F_WSCALE)) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WSCALE;
		o[n++] = 3;
		o[n++] = s->rcv_wscale;
	}
	if (!synack || (s->flags & TCP_F_SACK)) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = 2;
	}
	return n;
}

/* SACK blocks (RFC 2018 4): the most recent range first, at most 3 with no timestamps. */
static unsigned sack_options(const struct tcp_sock *s, uint8_t *o)
{
	unsigned n = 0, i, k = s->nooo < 3 ? s->nooo : 3;

	if (!(s->flags & TCP_F_SACK) || !k)
		return 0;
	o[n++] = TCPOPT_NOP;
	o[n++] = TCPOPT_NOP;
	o[n++] = TCPOPT_SACK;
	o[n++] = (uint8_t)(2 + 8 * k);
	for (i = 0; i < k; i++) {
		put32(o + n, s->ooo[i].start);
		put32(o + n + 4, s->ooo[i].end);
		n += 8;
	}
	return n;
}

/*
 * The window field: the space left in the receive ring, but a small increase
 * is not announced (receiver SWS avoidance, RFC 9293 3.8.6.2.2), and the right
 * edge never moves left (3.8.6.2.1). SYNs carry it unscaled (RFC 7323 2.2).
 */
static uint16_t window_field(struct tcp_sock *s, bool syn)
{
	uint32_t avail = tcp_rcv_window(s), cur = 0, adv;
	uint32_t step = s->mss < TCP_RING_SIZE / 2 ? s->mss : TCP_RING_SIZE / 2;
	unsigned shift = (s->flags & TCP_F_WSCALE) && !syn ? s->rcv_wscale : 0;

	if (SEQ_GT(s->rcv_adv, s->rcv_nxt))
		cur = s->rcv_adv - s->rcv_nxt;
	if (avail > cur && avail - cur < step)
		avail = cur;
	adv = avail >> shift;
	if (adv > 65535)
		adv = 65535;
	if (SEQ_GT(s->rcv_nxt + (adv << shift), s->rcv_adv))
		s->rcv_adv = s->rcv_nxt + (adv << shift);
	s->stats.rcv_wnd = adv << shift;
	return (uint16_t)adv;
}

/* Points @iov at @len bytes of the send ring starting at sequence @seq. */
static unsigned tx_pieces(const struct tcp_sock *s, uint32_t seq, uint32_t len, struct tcp_iov *iov)
{
	uint32_t idx = (s->tx_head + (seq - s->tx_seq)) % TCP_RING_SIZE;
	uint32_t first = TCP_RING_SIZE - idx;

	if (!len)
		return 0;
	iov[0].base = s->tx->data + idx;
	if (len <= first) {
		iov[0].len = len;
		return 1;
	}
	iov[0].len = first;
	iov[1].base = s->tx->data;
	iov[1].len = len - first;
	return 2;
}

/*
 * Sends one segment of connection @s: @len payload bytes of the send ring at
 * @seq, @flags as given (ACK carries rcv_nxt). Any ACK we send settles the ACK
 * we owed (delayed ACK).
 */
void tcp_send_seg(struct tcp_sock *s, uint32_t seq, uint8_t flags, uint32_t len)
{
	uint8_t hdr[TCP_HDR_MAX];
	struct tcp_iov iov[3];
	unsigned optlen = 0, n;
	struct tcp_hdr_args a = {.src = s->laddr,
				 .dst = s->raddr,
				 .sport = s->lport,
				 .dport = s->rport,
				 .seq = seq,
				 .flags = flags};

	if (flags & TCP_SYN)
		optlen = syn_options(s, hdr + TCP_HDR_MIN, flags & TCP_ACK);
	else if (flags & TCP_ACK)
		optlen = sack_options(s, hdr + TCP_HDR_MIN);
	if (flags & TCP_ACK) {
		a.ack = s->rcv_nxt;
		s->acks_owed = 0;
		s->t_delack = 0;
		s->flags &= ~TCP_F_ACK_NOW;
	}
	if (!(flags & TCP_RST) || (flags & TCP_ACK))
		a.wnd = window_field(s, flags & TCP_SYN);
	n = 1 + tx_pieces(s, seq, len, iov + 1);
	s->stats.segs_out++;
	s->stats.bytes_out += len;
	emit(s->st, &a, hdr, optlen, iov, n,
	     n > 1 && s->st->lower->output_ref ? tcp_txref_new(s, seq) : NULL);
}
