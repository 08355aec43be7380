/*
 * tcp_out.c - the sender and the timers.
 *
 * Sending (tcp_output): as much of the send ring as min(snd_wnd, cwnd) allows,
 * in MSS-sized segments, with sender silly-window avoidance (RFC 9293
 * 3.8.6.2.1: a segment smaller than the MSS goes only when it carries the last
 * queued byte or the window is at least half the largest one seen); the FIN
 * rides on the segment with the last byte. Nagle is off (the socket layer
 * writes whole buffers).
 * Congestion control: RFC 5681 slow start and congestion avoidance, initial
 * window of 3.1, limited transmit (RFC 3042), fast retransmit on the third
 * duplicate ACK and NewReno fast
 * recovery (RFC 6582) with partial ACKs; with SACK (RFC 2018) a scoreboard of
 * the peer's blocks lets each duplicate ACK retransmit the next hole (RFC 6675
 * NextSeg rule 1, without its pipe estimate).
 * Retransmission timer: RFC 6298 (SRTT/RTTVAR with alpha 1/8, beta 1/4, K 4,
 * G 1 ms, RTO at least 1 s, at most 60 s, doubled per timeout, Karn's rule:
 * one segment timed at a time, never a retransmitted one), go-back-N from
 * snd_una on a timeout with cwnd at one segment.
 * Zero window: the persist timer sends a one-byte probe, backing off from
 * max(RTO, 1 s) to 60 s; probes never give up while they are answered.
 * Timers are deadlines in the control block; tcp_tick() runs those due.
 */
#include "tcp_int.h"

#define TCP_F_RTT_VALID 0x2000 /* srtt/rttvar hold a measurement */

uint64_t tcp_now(const struct tcp_stack *st)
{
	return st->lower->now_ns(st->ctx);
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* RFC 5681 3.1, equation 1: the initial window. */
void tcp_init_cc(struct tcp_sock *s)
{
	if (s->mss > 2190)
		s->cwnd = 2 * s->mss;
	else if (s->mss > 1095)
		s->cwnd = 3 * s->mss;
	else
		s->cwnd = 4 * s->mss;
	s->ssthresh = 0x7fffffff; /* "arbitrarily high" (3.1) */
	s->recover = s->iss;	  /* RFC 6582 3.2 step 1 */
}

void tcp_arm_rexmt(struct tcp_sock *s)
{
	s->t_rexmt = tcp_now(s->st) + s->rto;
}

/* RFC 6298 2.2 and 2.3. */
void tcp_rtt_sample(struct tcp_sock *s, uint64_t r)
{
	uint64_t var;

	if (!(s->flags & TCP_F_RTT_VALID)) {
		s->srtt = r;
		s->rttvar = r / 2;
		s->flags |= TCP_F_RTT_VALID;
	} else {
		uint64_t diff = s->srtt > r ? s->srtt - r : r - s->srtt;

		s->rttvar = (3 * s->rttvar + diff) / 4;
		s->srtt = (7 * s->srtt + r) / 8;
	}
	var = 4 * s->rttvar;
	s->rto = s->srtt + (var > TCP_CLOCK_G_NS ? var : TCP_CLOCK_G_NS);
	if (s->rto < TCP_RTO_MIN_NS)
		s->rto = TCP_RTO_MIN_NS;
	if (s->rto > TCP_RTO_MAX_NS)
		s->rto = TCP_RTO_MAX_NS;
}

static uint32_t unsent(const struct tcp_sock *s)
{
	uint32_t end = s->tx_seq + s->tx_len;

	return SEQ_GT(end, s->snd_nxt) ? end - s->snd_nxt : 0;
}

static bool fin_due(const struct tcp_sock *s)
{
	return (s->flags & TCP_F_FIN_Q) && SEQ_LEQ(s->snd_nxt, s->snd_fin_seq);
}

static uint32_t flight(const struct tcp_sock *s)
{
	return s->snd_max - s->snd_una;
}

void tcp_ack_now(struct tcp_sock *s)
{
	if (s->state >= TCP_SYN_RECEIVED)
		tcp_send_seg(s, s->snd_nxt, TCP_ACK, 0);
}

static void start_persist(struct tcp_sock *s)
{
	uint64_t base = s->rto > TCP_PERSIST_MIN_NS ? s->rto : TCP_PERSIST_MIN_NS;
	uint64_t d = base << (s->persist_shift < 8 ? s->persist_shift : 8);

	s->flags |= TCP_F_PERSIST;
	s->t_rexmt = 0;
	s->t_persist = tcp_now(s->st) + (d < TCP_PERSIST_MAX_NS ? d : TCP_PERSIST_MAX_NS);
}

static void stop_persist(struct tcp_sock *s)
{
	s->flags &= ~TCP_F_PERSIST;
	s->t_persist = 0;
	s->persist_shift = 0;
}

/* One segment at @seq: data if there is, the FIN if it is due there. Returns the sequence space
 * used. */
static uint32_t send_one(struct tcp_sock *s, uint32_t seq, uint32_t len, bool fin)
{
	uint8_t flags = TCP_ACK | (fin ? TCP_FIN : 0);

	if (len && seq + len == s->tx_seq + s->tx_len)
		flags |= TCP_PSH;
	if (SEQ_LT(seq, s->snd_max))
		s->stats.retransmits++;
	tcp_send_seg(s, seq, flags, len);
	return len + fin;
}

static bool may_send_data(const struct tcp_sock *s)
{
	return s->state == TCP_ESTABLISHED || s->state == TCP_CLOSE_WAIT ||
	       s->state == TCP_FIN_WAIT_1 || s->state == TCP_CLOSING || s->state == TCP_LAST_ACK;
}

/* Is a segment of @len (< the MSS and < what is queued) worth sending? RFC 9293 3.8.6.2.1. */
static bool sws_ok(const struct tcp_sock *s, uint32_t len)
{
	return len && len >= s->max_snd_wnd / 2;
}

/*
 * Limited transmit (RFC 3042): the first two duplicate ACKs each let one new
 * segment out beyond cwnd, so a small window still gets its third duplicate
 * ACK and a fast retransmit instead of a timeout.
 */
static uint32_t limited_transmit(const struct tcp_sock *s)
{
	return s->dupacks && s->dupacks < 3 && !(s->flags & TCP_F_RECOVERY) ? s->dupacks * s->mss
									    : 0;
}

void tcp_output(struct tcp_sock *s)
{
	uint32_t wnd, fl, avail, un, len, used;
	bool fin;

	if (!may_send_data(s)) {
		if (s->flags & TCP_F_ACK_NOW)
			tcp_ack_now(s);
		return;
	}
	for (;;) {
		wnd = min32(s->snd_wnd, s->cwnd + limited_transmit(s));
		fl = s->snd_nxt - s->snd_una;
		avail = wnd > fl ? wnd - fl : 0;
		un = unsent(s);
		len = min32(min32(un, avail), s->mss);
		fin = fin_due(s) && len == un;
		if (!len && !fin)
			break;
		if (len < un && len < s->mss && !sws_ok(s, len))
			break;
		if (!(s->flags & TCP_F_TIMING) && s->snd_nxt == s->snd_max && len) {
			s->flags |= TCP_F_TIMING;
			s->rtt_seq = s->snd_nxt;
			s->rtt_start = tcp_now(s->st);
		}
		used = send_one(s, s->snd_nxt, len, fin);
		s->snd_nxt += used;
		if (SEQ_GT(s->snd_nxt, s->snd_max))
			s->snd_max = s->snd_nxt;
		if (!s->t_rexmt)
			tcp_arm_rexmt(s);
		if (fin)
			break;
	}
	/* nothing in flight and data waits: a zero window, or one too small to use (SWS) */
	if (unsent(s) && s->snd_una == s->snd_max && !(s->flags & TCP_F_PERSIST))
		start_persist(s);
	if (s->flags & TCP_F_ACK_NOW)
		tcp_ack_now(s);
}

/* Retransmits the first unacknowledged segment (fast retransmit, partial ACK). */
static void rexmit_first(struct tcp_sock *s)
{
	uint32_t un = s->tx_seq + s->tx_len - s->snd_una;
	uint32_t len = min32(un, s->mss);
	bool fin = (s->flags & TCP_F_FIN_Q) && len == un && SEQ_GT(s->snd_max, s->snd_fin_seq);

	s->flags &= ~TCP_F_TIMING; /* Karn */
	send_one(s, s->snd_una, len, fin);
	if (SEQ_GT(s->snd_una + len, s->rexmit_hi))
		s->rexmit_hi = s->snd_una + len;
}

/* Drops scoreboard ranges at or below snd_una. */
static void sack_prune(struct tcp_sock *s)
{
	unsigned i, j;

	for (i = 0; i < s->nsacked;) {
		if (SEQ_LEQ(s->sacked[i].end, s->snd_una)) {
			for (j = i; j + 1 < s->nsacked; j++)
				s->sacked[j] = s->sacked[j + 1];
			s->nsacked--;
		} else {
			if (SEQ_LT(s->sacked[i].start, s->snd_una))
				s->sacked[i].start = s->snd_una;
			i++;
		}
	}
}

static void sack_add(struct tcp_sock *s, uint32_t start, uint32_t end)
{
	unsigned i, j;

	for (i = 0; i < s->nsacked;) {
		if (SEQ_LEQ(s->sacked[i].start, end) && SEQ_GEQ(s->sacked[i].end, start)) {
			if (SEQ_LT(s->sacked[i].start, start))
				start = s->sacked[i].start;
			if (SEQ_GT(s->sacked[i].end, end))
				end = s->sacked[i].end;
			for (j = i; j + 1 < s->nsacked; j++)
				s->sacked[j] = s->sacked[j + 1];
			s->nsacked--;
		} else {
			i++;
		}
	}
	if (s->nsacked == TCP_OOO_MAX)
		return; /* the scoreboard is a hint: missing a range only costs a retransmission */
	s->sacked[s->nsacked].start = start;
	s->sacked[s->nsacked].end = end;
	s->nsacked++;
}

/* Takes the SACK blocks of an ACK, each checked against what we sent (RFC 2018 3 and 8). */
void tcp_sack_update(struct tcp_sock *s, const struct tcp_seg *seg)
{
	unsigned i;

	if ((s->flags & TCP_F_SACK) && s->state >= TCP_ESTABLISHED)
		for (i = 0; i < seg->nsack; i++)
			if (SEQ_LT(seg->sack[i][0], seg->sack[i][1]) &&
			    SEQ_GT(seg->sack[i][0], s->snd_una) &&
			    SEQ_LEQ(seg->sack[i][1], s->snd_max))
				sack_add(s, seg->sack[i][0], seg->sack[i][1]);
	sack_prune(s);
}

/* Does a SACKed range cover @seq? Then returns its end, else @seq. */
static uint32_t sack_skip(const struct tcp_sock *s, uint32_t seq)
{
	unsigned i;

	for (i = 0; i < s->nsacked; i++)
		if (SEQ_LEQ(s->sacked[i].start, seq) && SEQ_LT(seq, s->sacked[i].end))
			return s->sacked[i].end;
	return seq;
}

/*
 * In recovery: retransmit the next hole below SACKed data that has not been
 * retransmitted yet (RFC 6675 NextSeg() rule 1). Returns whether it sent.
 */
static bool sack_rexmit(struct tcp_sock *s)
{
	uint32_t h = SEQ_GT(s->rexmit_hi, s->snd_una) ? s->rexmit_hi : s->snd_una, top = h, nx, len;
	unsigned i;

	for (nx = sack_skip(s, h); nx != h; nx = sack_skip(s, h))
		h = nx;
	nx = 0;
	for (i = 0; i < s->nsacked; i++) {
		if (SEQ_GT(s->sacked[i].end, top))
			top = s->sacked[i].end;
		if (SEQ_GT(s->sacked[i].start, h) && (!nx || SEQ_LT(s->sacked[i].start, nx)))
			nx = s->sacked[i].start;
	}
	if (!nx || !SEQ_LT(h, top) || !SEQ_LT(h, s->tx_seq + s->tx_len))
		return false;
	len = min32(min32(nx - h, s->mss), s->tx_seq + s->tx_len - h);
	s->flags &= ~TCP_F_TIMING;
	send_one(s, h, len, false);
	s->rexmit_hi = h + len;
	return true;
}

static void cc_on_new_ack(struct tcp_sock *s, uint32_t acked)
{
	if (s->flags & TCP_F_RECOVERY) {
		if (SEQ_GEQ(s->snd_una, s->recover)) { /* full ACK: RFC 6582 3.2 step 3 */
			s->cwnd = min32(s->ssthresh, flight(s) + s->mss);
			s->flags &= ~TCP_F_RECOVERY;
		} else { /* partial ACK: step 4, or the next SACK hole if that one went already */
			/*
			 * The next SACK hole first; with none left, the segment at
			 * snd_una again even if it was retransmitted already: it may
			 * be the retransmission that was lost, and waiting for the
			 * RTO costs more than a spurious copy.
			 */
			if (!s->nsacked || !sack_rexmit(s))
				rexmit_first(s);
			s->cwnd = s->cwnd > acked ? s->cwnd - acked : 0;
			s->cwnd += s->mss;
			tcp_arm_rexmt(s);
		}
		return;
	}
	if (s->cwnd < s->ssthresh)
		s->cwnd += min32(acked, s->mss); /* slow start, RFC 5681 eq 2 */
	else
		s->cwnd += s->mss * s->mss / s->cwnd ? s->mss * s->mss / s->cwnd : 1; /* eq 3 */
}

/* RFC 5681 3.2 and RFC 6582: the third duplicate ACK starts fast retransmit. */
static void cc_on_dup_ack(struct tcp_sock *s, uint32_t ack)
{
	uint32_t half;

	s->dupacks++;
	s->stats.dup_acks_in++;
	if (s->flags & TCP_F_RECOVERY) {
		s->cwnd += s->mss; /* step 5: inflate */
		if (s->nsacked)
			sack_rexmit(s);
		return;
	}
	if (s->dupacks != 3 || !SEQ_GT(ack, s->recover)) /* step 2 */
		return;
	half = flight(s) / 2;
	s->ssthresh = half > 2 * s->mss ? half : 2 * s->mss; /* eq 4 */
	s->recover = s->snd_max;
	s->flags |= TCP_F_RECOVERY;
	s->stats.fast_retransmits++;
	s->rexmit_hi = s->snd_una;
	rexmit_first(s);
	s->cwnd = s->ssthresh + 3 * s->mss;
}

/* After an acceptable ACK: timers, RTT, congestion window (RFC 6298 5.2/5.3, RFC 5681). */
void tcp_on_ack(struct tcp_sock *s, const struct tcp_seg *seg, uint32_t acked, bool dup)
{
	if (dup) {
		cc_on_dup_ack(s, seg->ack);
		return;
	}
	if (!acked)
		return;
	s->dupacks = 0;
	s->retries = 0;
	s->soft_error = 0; /* the path works again */
	if ((s->flags & TCP_F_TIMING) && SEQ_GT(seg->ack, s->rtt_seq)) {
		s->flags &= ~TCP_F_TIMING;
		tcp_rtt_sample(s, tcp_now(s->st) - s->rtt_start);
	}
	cc_on_new_ack(s, acked);
	if (s->snd_una == s->snd_max)
		s->t_rexmt = 0;
	else
		tcp_arm_rexmt(s);
}

void tcp_enter_time_wait(struct tcp_sock *s)
{
	tcp_set_state(s, TCP_TIME_WAIT);
	s->t_rexmt = s->t_persist = s->t_fw2 = s->t_ka = 0;
	s->t_2msl = tcp_now(s->st) + 2 * TCP_MSL_NS;
	tcp_rings_trim(s);
	tcp_post(s, TCP_EV_IN | TCP_EV_HUP);
}

/* RFC 1122 4.2.3.9: a soft error is reported when the connection gives up (Linux's sk_err_soft). */
int tcp_timeout_error(const struct tcp_sock *s)
{
	return s->soft_error ? s->soft_error : -ETIMEDOUT;
}

static void backoff(struct tcp_sock *s)
{
	s->rto = s->rto * 2 < TCP_RTO_MAX_NS ? s->rto * 2 : TCP_RTO_MAX_NS; /* RFC 6298 5.5 */
}

static void rexmt_handshake(struct tcp_sock *s)
{
	if (++s->retries > TCP_SYN_RETRIES) {
		tcp_drop(s, tcp_timeout_error(s));
		tcp_post(s, TCP_EV_CONNECT);
		return;
	}
	s->stats.timeouts++;
	s->stats.retransmits++;
	s->flags = (s->flags & ~TCP_F_TIMING) | TCP_F_SYN_RTO;
	backoff(s);
	tcp_send_seg(s, s->iss, s->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK, 0);
	tcp_arm_rexmt(s);
}

/* RFC 6298 5.4-5.6 and RFC 5681 eq 4: go back to snd_una with one segment of window. */
static void rexmt_timeout(struct tcp_sock *s)
{
	uint32_t half = flight(s) / 2;

	s->t_rexmt = 0;
	if (s->state == TCP_SYN_SENT || s->state == TCP_SYN_RECEIVED) {
		rexmt_handshake(s);
		return;
	}
	if (!s->snd_wnd && s->snd_max - s->snd_una <= 1 && unsent(s)) {
		start_persist(s); /* a closed window is not a lost segment */
		return;
	}
	if (++s->retries > TCP_RETRIES_MAX) {
		tcp_send_seg(s, s->snd_nxt, TCP_RST | TCP_ACK, 0);
		tcp_drop(s, tcp_timeout_error(s));
		return;
	}
	s->stats.timeouts++;
	if (s->retries == 1)
		s->ssthresh = half > 2 * s->mss ? half : 2 * s->mss;
	s->cwnd = s->mss;
	s->flags &= ~(TCP_F_RECOVERY | TCP_F_TIMING);
	s->recover = s->snd_max;
	s->dupacks = 0;
	s->nsacked = 0; /* RFC 2018 8: after a timeout, do not trust the scoreboard */
	s->snd_nxt = s->snd_una;
	backoff(s);
	tcp_output(s);
	tcp_arm_rexmt(s);
}

static void persist_timeout(struct tcp_sock *s)
{
	s->t_persist = 0;
	if (!unsent(s) && s->snd_una == s->snd_max) {
		stop_persist(s);
		return;
	}
	if (s->snd_wnd) { /* the SWS override timeout of RFC 9293 3.8.6.2.1: use the small window */
		uint32_t len = min32(min32(unsent(s), s->snd_wnd), s->mss);

		stop_persist(s);
		s->snd_nxt += send_one(s, s->snd_nxt, len, false);
		if (SEQ_GT(s->snd_nxt, s->snd_max))
			s->snd_max = s->snd_nxt;
		tcp_arm_rexmt(s);
		return;
	}
	s->stats.zero_win_probes++;
	send_one(s, s->snd_una, 1, false);
	if (s->snd_nxt == s->snd_una)
		s->snd_nxt = s->snd_una + 1;
	if (SEQ_GT(s->snd_nxt, s->snd_max))
		s->snd_max = s->snd_nxt;
	s->persist_shift++;
	start_persist(s);
}

/* Any segment from the peer: the connection is alive, wait a full idle time again. */
void tcp_ka_restart(struct tcp_sock *s)
{
	s->ka_sent = 0;
	s->t_ka = s->ka_idle && s->state >= TCP_ESTABLISHED && s->state <= TCP_CLOSE_WAIT
		      ? tcp_now(s->st) + s->ka_idle
		      : 0;
}

/* A probe is an ACK for SND.NXT - 1, which the peer must answer (RFC 9293 3.8.4). */
static void ka_timeout(struct tcp_sock *s)
{
	if (s->ka_sent >= s->ka_count) {
		tcp_drop(s, tcp_timeout_error(s));
		return;
	}
	s->ka_sent++;
	tcp_send_seg(s, s->snd_nxt - 1, TCP_ACK, 0);
	s->t_ka = tcp_now(s->st) + s->ka_intvl;
}

static void tick_one(struct tcp_sock *s, uint64_t now)
{
	if (s->t_2msl && now >= s->t_2msl) {
		tcp_drop(s, 0);
		return;
	}
	if (s->t_fw2 && now >= s->t_fw2) {
		tcp_drop(s, -ETIMEDOUT);
		return;
	}
	if (s->t_rexmt && now >= s->t_rexmt)
		rexmt_timeout(s);
	if (s->t_persist && now >= s->t_persist)
		persist_timeout(s);
	if (s->t_delack && now >= s->t_delack)
		tcp_ack_now(s);
	if (s->t_ka && now >= s->t_ka && !(s->flags & TCP_F_DEAD))
		ka_timeout(s);
}

void tcp_tick(struct tcp_stack *st)
{
	uint64_t now = tcp_now(st);
	struct tcp_sock *s;

	for (s = st->socks; s; s = s->next)
		if (!(s->flags & TCP_F_DEAD))
			tick_one(s, now);
	tcp_flush(st);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return b && b < a ? b : a;
}

uint64_t tcp_next_deadline(struct tcp_stack *st)
{
	uint64_t d = UINT64_MAX;
	const struct tcp_sock *s;

	for (s = st->socks; s; s = s->next) {
		if (s->flags & TCP_F_DEAD)
			continue;
		d = earliest(d, s->t_rexmt);
		d = earliest(d, s->t_delack);
		d = earliest(d, s->t_persist);
		d = earliest(d, s->t_2msl);
		d = earliest(d, s->t_fw2);
		d = earliest(d, s->t_ka);
	}
	return d;
}
