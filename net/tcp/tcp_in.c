/*
 * tcp_in.c - segment arrival (RFC 9293 3.10.7) and the state machine.
 *
 *                          tcp_listen            tcp_connect: SYN
 *        CLOSED ---------------------> LISTEN    CLOSED -----------> SYN-SENT
 *  LISTEN   --SYN/SYN+ACK (new child, input_listen)------------> SYN-RECEIVED
 *  SYN-SENT --SYN+ACK/ACK (input_syn_sent)---------------------> ESTABLISHED
 *  SYN-SENT --SYN/SYN+ACK (simultaneous open, input_syn_sent)--> SYN-RECEIVED
 *  SYN-RECEIVED --ACK of our SYN (ack_synrcvd)-----------------> ESTABLISHED
 *  ESTABLISHED --tcp_shutdown(WR)/tcp_close: FIN---------------> FIN-WAIT-1
 *  ESTABLISHED --FIN/ACK (process_fin)-------------------------> CLOSE-WAIT
 *  CLOSE-WAIT --tcp_shutdown(WR)/tcp_close: FIN----------------> LAST-ACK
 *  FIN-WAIT-1 --ACK of FIN (ack_fin)---------------------------> FIN-WAIT-2
 *  FIN-WAIT-1 --FIN/ACK (simultaneous close, process_fin)------> CLOSING
 *  FIN-WAIT-2 --FIN/ACK (process_fin)--------------------------> TIME-WAIT
 *  CLOSING    --ACK of FIN (ack_fin)---------------------------> TIME-WAIT
 *  LAST-ACK   --ACK of FIN (ack_fin)---------------------------> CLOSED
 *  TIME-WAIT  --2 MSL (tcp_tick)-------------------------------> CLOSED
 *  any synchronized state --RST with SEG.SEQ == RCV.NXT--------> CLOSED
 *
 * RSTs and SYNs in a synchronized state follow RFC 5961: only a RST at exactly
 * RCV.NXT resets; one elsewhere in the window, and any SYN, get a challenge
 * ACK. Out-of-order data is written into the receive ring at its offset and
 * remembered as a range (up to TCP_OOO_MAX; a segment that would need more is
 * dropped and retransmitted later); the ranges are also the SACK blocks we send.
 */
#include "tcp_int.h"

static struct tcp_sock *lookup(struct tcp_stack *st, uint32_t src, uint32_t dst,
			       const struct tcp_seg *seg)
{
	struct tcp_sock *s, *listener = NULL;

	for (s = st->socks; s; s = s->next) {
		if ((s->flags & TCP_F_DEAD) || s->lport != seg->dport)
			continue;
		if (s->state == TCP_LISTEN) {
			if (!s->laddr || s->laddr == dst)
				listener = s;
		} else if (s->state != TCP_CLOSED && s->laddr == dst && s->raddr == src &&
			   s->rport == seg->sport) {
			return s;
		}
	}
	return listener;
}

/* MSS, window scale and SACK-permitted from a SYN (RFC 9293 3.7.1, RFC 7323 1.3, RFC 2018 2). */
static void apply_syn_options(struct tcp_sock *s, const struct tcp_seg *seg)
{
	uint32_t ours = tcp_pmtu_get(s->st, s->raddr) - 40,
		 mss = seg->has_mss ? seg->mss : TCP_DEFAULT_MSS;

	if (mss > ours)
		mss = ours;
	s->mss = (uint16_t)(mss < 64 ? 64 : mss); /* a tiny MSS is a resource attack */
	if (seg->has_wscale) {
		s->flags |= TCP_F_WSCALE;
		s->snd_wscale = seg->wscale;
	} else {
		s->flags &= ~TCP_F_WSCALE;
		s->snd_wscale = s->rcv_wscale = 0;
	}
	if (seg->sack_perm)
		s->flags |= TCP_F_SACK;
}

static void init_rcv(struct tcp_sock *s, const struct tcp_seg *seg)
{
	s->irs = seg->seq;
	s->rcv_nxt = seg->seq + 1;
	s->rcv_adv = s->rcv_nxt;
	s->snd_wnd = seg->wnd; /* a SYN's window is never scaled */
	s->max_snd_wnd = s->snd_wnd;
	s->snd_wl1 = seg->seq;
	s->snd_wl2 = seg->ack;
}

static void input_listen(struct tcp_sock *l, uint32_t src, uint32_t dst, const struct tcp_seg *seg)
{
	struct tcp_stack *st = l->st;
	struct tcp_sock *c;

	if (seg->flags & TCP_RST)
		return;
	if (seg->flags & TCP_ACK) {
		tcp_send_rst_reply(st, src, dst, seg);
		return;
	}
	if (!(seg->flags & TCP_SYN))
		return;
	if (l->nchildren >= l->backlog) {
		st->syn_drops++; /* the peer retransmits its SYN; we may have room then */
		return;
	}
	c = tcp_sock_new(st);
	if (!c || !tcp_rings_alloc(c)) {
		st->syn_drops++;
		if (c)
			tcp_drop(c, 0);
		return;
	}
	c->parent = l;
	l->nchildren++;
	c->laddr = dst;
	c->lport = l->lport;
	c->raddr = src;
	c->rport = seg->sport;
	init_rcv(c, seg);
	apply_syn_options(c, seg);
	c->iss = tcp_new_iss(st, c);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->tx_seq = c->iss + 1;
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->flags |= TCP_F_TIMING;
	c->rtt_seq = c->iss;
	c->rtt_start = tcp_now(st);
	tcp_send_seg(c, c->iss, TCP_SYN | TCP_ACK, 0);
	tcp_arm_rexmt(c);
}

static void established(struct tcp_sock *s, const struct tcp_seg *seg)
{
	s->snd_una = seg->ack;
	s->t_rexmt = 0;
	s->retries = 0;
	if ((s->flags & TCP_F_TIMING) && SEQ_GT(seg->ack, s->rtt_seq))
		tcp_rtt_sample(s, tcp_now(s->st) - s->rtt_start);
	else if (s->flags & TCP_F_SYN_RTO)
		s->rto = TCP_RTO_SYN_FALLBACK; /* RFC 6298 5.7 */
	s->flags &= ~TCP_F_TIMING;
	tcp_init_cc(s);
	tcp_set_state(s, (s->flags & TCP_F_FIN_Q) ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED);
	tcp_ka_restart(s);
	if (s->parent)
		tcp_child_established(s);
	else
		tcp_post(s, TCP_EV_CONNECT | TCP_EV_OUT);
}

static void input_syn_sent(struct tcp_sock *s, uint32_t src, uint32_t dst,
			   const struct tcp_seg *seg)
{
	bool ack = seg->flags & TCP_ACK;

	if (ack && (SEQ_LEQ(seg->ack, s->iss) || SEQ_GT(seg->ack, s->snd_max))) {
		tcp_send_rst_reply(s->st, src, dst, seg);
		return;
	}
	if (seg->flags & TCP_RST) {
		if (ack) {
			tcp_drop(s, -ECONNREFUSED);
			tcp_post(s, TCP_EV_CONNECT);
		}
		return;
	}
	if (!(seg->flags & TCP_SYN))
		return;
	init_rcv(s, seg);
	apply_syn_options(s, seg);
	if (ack) {
		established(s, seg);
		s->flags |= TCP_F_ACK_NOW;
		return;
	}
	tcp_set_state(s, TCP_SYN_RECEIVED); /* simultaneous open */
	s->flags &= ~TCP_F_TIMING;
	tcp_send_seg(s, s->iss, TCP_SYN | TCP_ACK, 0);
}

/* RFC 9293 3.10.7.4 first check, the four cases; with a zero window an exact-sequence segment
 * passes so its ACK is used. */
static bool acceptable(const struct tcp_sock *s, uint32_t seq, uint32_t seglen)
{
	uint32_t wnd = tcp_rcv_window(s), nxt = s->rcv_nxt;

	if (!wnd)
		return seq == nxt;
	if (SEQ_GEQ(seq, nxt) && SEQ_LT(seq, nxt + wnd))
		return true;
	return seglen && SEQ_GEQ(seq + seglen - 1, nxt) && SEQ_LT(seq + seglen - 1, nxt + wnd);
}

/* Cuts what lies before RCV.NXT and beyond the window off @seg. */
static void trim(const struct tcp_sock *s, struct tcp_seg *seg)
{
	uint32_t d, wnd = tcp_rcv_window(s);

	if (SEQ_LT(seg->seq, s->rcv_nxt)) {
		d = s->rcv_nxt - seg->seq;
		if (seg->flags & TCP_SYN) {
			seg->flags &= ~TCP_SYN;
			seg->seq++;
			d--;
		}
		if (d > seg->len) {
			d = seg->len;
			seg->flags &= ~TCP_FIN;
		}
		seg->data += d;
		seg->len -= d;
		seg->seq += d;
	}
	if (SEQ_GT(seg->seq + seg->len, s->rcv_nxt + wnd)) {
		seg->len = s->rcv_nxt + wnd - seg->seq;
		seg->flags &= ~TCP_FIN;
	}
}

static void reset_received(struct tcp_sock *s)
{
	if (s->state == TCP_SYN_RECEIVED && s->parent) {
		tcp_drop(s, 0); /* back to LISTEN: the listener never saw this child */
		return;
	}
	if (s->state == TCP_SYN_RECEIVED)
		tcp_drop(s, -ECONNREFUSED);
	else if (s->state >= TCP_CLOSING)
		tcp_drop(s, 0);
	else
		tcp_drop(s, -ECONNRESET);
}

static void process_fin(struct tcp_sock *s)
{
	s->rcv_nxt++;
	s->nooo = 0; /* nothing follows a FIN: ranges beyond it were a peer's invention */
	s->flags = (s->flags | TCP_F_FIN_RCVD | TCP_F_ACK_NOW) & ~TCP_F_OOO_FIN;
	tcp_post(s, TCP_EV_IN);
	switch (s->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(s, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if (SEQ_GT(s->snd_una, s->snd_fin_seq))
			tcp_enter_time_wait(s);
		else
			tcp_set_state(s, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(s);
		break;
	default:
		break;
	}
}

/* Adds [start, end) to the out-of-order ranges, merged, newest first (RFC 2018 4). */
static bool ooo_add(struct tcp_sock *s, uint32_t start, uint32_t end)
{
	struct tcp_range r = {start, end};
	unsigned i, j;

	for (i = 0; i < s->nooo;) {
		if (SEQ_LEQ(s->ooo[i].start, r.end) && SEQ_GEQ(s->ooo[i].end, r.start)) {
			if (SEQ_LT(s->ooo[i].start, r.start))
				r.start = s->ooo[i].start;
			if (SEQ_GT(s->ooo[i].end, r.end))
				r.end = s->ooo[i].end;
			for (j = i; j + 1 < s->nooo; j++)
				s->ooo[j] = s->ooo[j + 1];
			s->nooo--;
		} else {
			i++;
		}
	}
	if (s->nooo == TCP_OOO_MAX)
		return false;
	for (j = s->nooo; j > 0; j--)
		s->ooo[j] = s->ooo[j - 1];
	s->ooo[0] = r;
	s->nooo++;
	return true;
}

/* Moves RCV.NXT over out-of-order ranges it has reached. Returns whether any was. */
static bool ooo_merge(struct tcp_sock *s)
{
	bool moved = false, again = true;
	unsigned i, j;

	while (again) {
		again = false;
		for (i = 0; i < s->nooo; i++) {
			if (SEQ_GT(s->ooo[i].start, s->rcv_nxt))
				continue;
			if (SEQ_GT(s->ooo[i].end, s->rcv_nxt)) {
				s->rx_len += s->ooo[i].end - s->rcv_nxt;
				s->rcv_nxt = s->ooo[i].end;
			}
			for (j = i; j + 1 < s->nooo; j++)
				s->ooo[j] = s->ooo[j + 1];
			s->nooo--;
			moved = again = true;
			break;
		}
	}
	return moved;
}

static void ring_put(struct tcp_sock *s, uint32_t off, const uint8_t *src, uint32_t len)
{
	uint32_t idx = (s->rx_head + s->rx_len + off) % TCP_RING_SIZE;
	uint32_t first = TCP_RING_SIZE - idx;

	if (len <= first) {
		memcpy(s->rx->data + idx, src, len);
		return;
	}
	memcpy(s->rx->data + idx, src, first);
	memcpy(s->rx->data, src + first, len - first);
}

/* Delayed ACK (RFC 5681 4.2): every second segment, or after TCP_DELACK_NS. */
static void ack_later(struct tcp_sock *s)
{
	if (++s->acks_owed >= 2)
		s->flags |= TCP_F_ACK_NOW;
	else if (!s->t_delack)
		s->t_delack = tcp_now(s->st) + TCP_DELACK_NS;
}

static void rcv_data(struct tcp_sock *s, const struct tcp_seg *seg)
{
	uint32_t off = seg->seq - s->rcv_nxt;

	s->stats.bytes_in += seg->len;
	if (s->flags & TCP_F_SHUT_RD) { /* read side closed: consume and discard */
		if (!off)
			s->rcv_nxt += seg->len;
		s->flags |= TCP_F_ACK_NOW;
		return;
	}
	ring_put(s, off, seg->data, seg->len);
	if (off) {
		s->stats.ooo_segs++;
		ooo_add(s, seg->seq, seg->seq + seg->len);
		s->flags |= TCP_F_ACK_NOW; /* a duplicate ACK at once (RFC 5681 4.2) */
		return;
	}
	s->rcv_nxt += seg->len;
	s->rx_len += seg->len;
	if (ooo_merge(s))
		s->flags |= TCP_F_ACK_NOW; /* a hole filled: ACK at once */
	else
		ack_later(s);
	tcp_post(s, TCP_EV_IN);
}

/* Removes acknowledged bytes from the send ring and reports what the ACK did. */
static uint32_t take_ack(struct tcp_sock *s, uint32_t ack)
{
	uint32_t acked = ack - s->snd_una, n = ack - s->tx_seq;

	if (n > s->tx_len)
		n = s->tx_len;
	s->tx_seq += n;
	s->tx_head = (s->tx_head + n) % TCP_RING_SIZE;
	s->tx_len -= n;
	s->snd_una = ack;
	if (SEQ_LT(s->snd_nxt, ack))
		s->snd_nxt = ack;
	if (n)
		tcp_post(s, TCP_EV_OUT);
	return acked;
}

static void update_window(struct tcp_sock *s, const struct tcp_seg *seg)
{
	if (SEQ_LT(s->snd_wl1, seg->seq) ||
	    (s->snd_wl1 == seg->seq && SEQ_LEQ(s->snd_wl2, seg->ack))) {
		s->snd_wnd = seg->wnd << s->snd_wscale;
		s->snd_wl1 = seg->seq;
		s->snd_wl2 = seg->ack;
		if (s->snd_wnd > s->max_snd_wnd)
			s->max_snd_wnd = s->snd_wnd;
		if (s->snd_wnd && (s->flags & TCP_F_PERSIST)) {
			s->flags &= ~TCP_F_PERSIST;
			s->t_persist = 0;
			s->persist_shift = 0;
		}
	}
}

/* Our FIN acknowledged: the closing transitions. Returns false if the socket is gone. */
static bool ack_fin(struct tcp_sock *s)
{
	if (!(s->flags & TCP_F_FIN_Q) || !SEQ_GT(s->snd_una, s->snd_fin_seq))
		return true;
	if (s->state == TCP_FIN_WAIT_1) {
		tcp_set_state(s, TCP_FIN_WAIT_2);
		if (!(s->flags & TCP_F_USER))
			s->t_fw2 = tcp_now(s->st) + TCP_FIN_WAIT2_NS;
	} else if (s->state == TCP_CLOSING) {
		tcp_enter_time_wait(s);
	} else if (s->state == TCP_LAST_ACK) {
		tcp_drop(s, 0);
		return false;
	}
	return true;
}

/* RFC 9293 3.10.7.4 fifth check. Returns false if the segment is done with. */
static bool process_ack(struct tcp_sock *s, uint32_t src, uint32_t dst, const struct tcp_seg *seg)
{
	bool dup;
	uint32_t acked = 0;

	if (s->state == TCP_SYN_RECEIVED) {
		if (!SEQ_GT(seg->ack, s->snd_una) || SEQ_GT(seg->ack, s->snd_max)) {
			tcp_send_rst_reply(s->st, src, dst, seg);
			return false;
		}
		established(s, seg);
		s->snd_wnd = seg->wnd << s->snd_wscale;
		s->max_snd_wnd = s->snd_wnd;
		s->snd_wl1 = seg->seq;
		s->snd_wl2 = seg->ack;
	}
	if (SEQ_GT(seg->ack, s->snd_max)) {
		s->flags |= TCP_F_ACK_NOW; /* acknowledges something not yet sent */
		return false;
	}
	dup = seg->ack == s->snd_una && !seg->len && !(seg->flags & (TCP_SYN | TCP_FIN)) &&
	      (seg->wnd << s->snd_wscale) == s->snd_wnd && s->snd_max != s->snd_una;
	if (SEQ_GT(seg->ack, s->snd_una))
		acked = take_ack(s, seg->ack);
	update_window(s, seg);
	tcp_sack_update(s, seg);
	tcp_on_ack(s, seg, acked, dup);
	return ack_fin(s);
}

static void input_sync(struct tcp_sock *s, uint32_t src, uint32_t dst, struct tcp_seg *seg)
{
	uint32_t seglen = seg->len + !!(seg->flags & TCP_SYN) + !!(seg->flags & TCP_FIN);

	if (s->state == TCP_SYN_RECEIVED && (seg->flags & TCP_SYN) && !(seg->flags & TCP_ACK) &&
	    seg->seq == s->irs) {
		tcp_send_seg(s, s->iss, TCP_SYN | TCP_ACK, 0); /* our SYN+ACK was lost */
		return;
	}
	if (!acceptable(s, seg->seq, seglen)) {
		if (s->state == TCP_TIME_WAIT && (seg->flags & TCP_FIN))
			s->t_2msl = tcp_now(s->st) + 2 * TCP_MSL_NS; /* the peer lost our ACK */
		if (!(seg->flags & TCP_RST))
			s->flags |= TCP_F_ACK_NOW;
		return;
	}
	if (seg->flags & TCP_RST) {
		if (seg->seq == s->rcv_nxt)
			reset_received(s);
		else
			s->flags |= TCP_F_ACK_NOW; /* challenge ACK, RFC 5961 3.2 */
		return;
	}
	seglen = seg->len;
	trim(s, seg);
	if (seg->len != seglen)
		s->flags |=
		    TCP_F_ACK_NOW; /* data beyond the window, a probe among it: say where we are */
	if (seg->flags & TCP_SYN) {
		s->flags |= TCP_F_ACK_NOW; /* challenge ACK, RFC 5961 4.2 */
		return;
	}
	if (!(seg->flags & TCP_ACK) || !process_ack(s, src, dst, seg))
		return;
	if (s->ka_idle)
		tcp_ka_restart(s);
	if (seg->len && s->state >= TCP_ESTABLISHED && s->state <= TCP_FIN_WAIT_2 &&
	    s->state != TCP_CLOSE_WAIT)
		rcv_data(s, seg);
	if (seg->flags & TCP_FIN) {
		uint32_t fin_seq = seg->seq + seg->len;

		if (fin_seq == s->rcv_nxt && !(s->flags & TCP_F_FIN_RCVD)) {
			process_fin(s);
		} else if (SEQ_GT(fin_seq, s->rcv_nxt)) {
			s->flags |= TCP_F_OOO_FIN;
			s->rcv_fin_seq = fin_seq;
		}
	}
	if ((s->flags & TCP_F_OOO_FIN) && s->rcv_nxt == s->rcv_fin_seq)
		process_fin(s);
}

void tcp_input(struct tcp_stack *st, uint32_t src, uint32_t dst, const void *bytes, size_t len)
{
	struct tcp_iov whole = {bytes, len};
	struct tcp_seg seg;
	struct tcp_sock *s;

	if (tcp_parse(bytes, len, &seg) < 0 || tcp_checksum(src, dst, &whole, 1) != 0) {
		st->bad_segs++;
		return;
	}
	s = lookup(st, src, dst, &seg);
	if (!s) {
		st->no_sock_segs++;
		tcp_send_rst_reply(st, src, dst, &seg);
		return;
	}
	s->stats.segs_in++;
	if (s->state == TCP_LISTEN)
		input_listen(s, src, dst, &seg);
	else if (s->state == TCP_SYN_SENT)
		input_syn_sent(s, src, dst, &seg);
	else
		input_sync(s, src, dst, &seg);
	if (!(s->flags & TCP_F_DEAD) && s->state != TCP_LISTEN)
		tcp_output(s);
	tcp_flush(st);
}
