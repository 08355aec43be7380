/*
 * tcp_icmp.c - ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927)
 * and path-MTU discovery (RFC 1191).
 *
 * Interface (include/net/tcp.h): the IP layer calls tcp_icmp_unreach for a
 * destination unreachable and tcp_icmp_frag_needed for "fragmentation needed
 * and DF set", with the quoted segment's addresses, ports and sequence number.
 *
 * Trust: an ICMP error is easy to forge (RFC 5927). It is believed only when
 * it quotes a connection of ours and a sequence number in flight, [SND.UNA,
 * SND.MAX); even then it never aborts a synchronized connection: a
 * destination unreachable there is a soft error, remembered and reported
 * only if the connection then times out, and a path MTU is never believed
 * below TCP_PMTU_MIN. In SYN-SENT a destination unreachable ends the
 * connection attempt, as Linux does (nothing is lost but a handshake).
 *
 * The path-MTU cache: st->pmtu[], TCP_PMTU_CACHE destinations, each kept
 * TCP_PMTU_TTL_NS (RFC 1191 6.3: after that the interface's MTU is tried
 * again by new connections; a connection keeps the MSS it lowered to).
 * When full, the entry nearest to expiry is replaced.
 */
#include "tcp_int.h"

/* The connection that sent the quoted segment, if @seq is in flight on it (RFC 5927 4.1). */
static struct tcp_sock *quoted_conn(struct tcp_stack *st, uint32_t src, uint16_t sport,
				    uint32_t dst, uint16_t dport, uint32_t seq)
{
	for (struct tcp_sock *s = st->socks; s; s = s->next) {
		if ((s->flags & TCP_F_DEAD) || s->state == TCP_LISTEN || s->state == TCP_CLOSED ||
		    s->state == TCP_TIME_WAIT || s->laddr != src || s->lport != sport ||
		    s->raddr != dst || s->rport != dport)
			continue;
		if (SEQ_LT(seq, s->snd_una) || SEQ_GEQ(seq, s->snd_max))
			break; /* forged, or about data already acknowledged */
		return s;
	}
	st->icmp_ignored++;
	return NULL;
}

void tcp_icmp_unreach(struct tcp_stack *st, uint32_t src, uint16_t sport, uint32_t dst,
		      uint16_t dport, uint32_t seq, int err)
{
	struct tcp_sock *s = quoted_conn(st, src, sport, dst, dport, seq);

	if (!s)
		goto out_flush;
	if (s->state == TCP_SYN_SENT) {
		tcp_drop(s, err);
		tcp_post(s, TCP_EV_CONNECT);
	} else {
		s->soft_error = err; /* the retransmissions go on */
		s->stats.icmp_soft_errors++;
	}
out_flush:
	tcp_flush(st);
}

uint32_t tcp_pmtu_get(struct tcp_stack *st, uint32_t dst)
{
	uint64_t now = tcp_now(st);

	for (unsigned i = 0; i < TCP_PMTU_CACHE; i++)
		if (st->pmtu[i].addr == dst && st->pmtu[i].expires > now &&
		    st->pmtu[i].mtu < st->cfg.mtu)
			return st->pmtu[i].mtu;
	return st->cfg.mtu;
}

static void pmtu_put(struct tcp_stack *st, uint32_t dst, uint32_t mtu)
{
	uint64_t now = tcp_now(st);
	struct tcp_pmtu *e = &st->pmtu[0];

	for (unsigned i = 0; i < TCP_PMTU_CACHE; i++) {
		if (st->pmtu[i].addr == dst) {
			e = &st->pmtu[i];
			break;
		}
		if (st->pmtu[i].expires < e->expires)
			e = &st->pmtu[i];
	}
	if (e->addr == dst && e->expires > now && e->mtu <= mtu)
		return; /* a larger next-hop MTU than known: a stale or forged report */
	e->addr = dst;
	e->mtu = mtu;
	e->expires = now + TCP_PMTU_TTL_NS;
}

/* The path to the peer carries at most @mtu: smaller segments, and the lost ones again. */
static void pmtu_lower(struct tcp_sock *s, uint32_t mtu)
{
	uint32_t mss = mtu - 40;

	if (mss >= s->mss)
		return; /* already small enough: one report per segment in flight */
	s->mss = (uint16_t)mss;
	s->stats.pmtu = mtu;
	s->stats.pmtu_updates++;
	/* Not congestion (RFC 1191 6.4): cwnd stays, the segments in flight were too big. */
	if (s->state < TCP_ESTABLISHED)
		return;
	s->flags &= ~(TCP_F_RECOVERY | TCP_F_TIMING); /* Karn: what follows is a retransmission */
	s->dupacks = 0;
	s->snd_nxt = s->snd_una;
	tcp_output(s);
	tcp_arm_rexmt(s);
}

void tcp_icmp_frag_needed(struct tcp_stack *st, uint32_t src, uint16_t sport, uint32_t dst,
			  uint16_t dport, uint32_t seq, uint32_t mtu)
{
	struct tcp_sock *s = quoted_conn(st, src, sport, dst, dport, seq);

	if (!s)
		goto out_flush;
	if (mtu < TCP_PMTU_MIN)
		mtu = TCP_PMTU_MIN;
	if (mtu >= st->cfg.mtu)
		goto out_flush;
	pmtu_put(st, dst, mtu);
	pmtu_lower(s, mtu);
out_flush:
	tcp_flush(st);
}
