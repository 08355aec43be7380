/*
 * tcp_stats.c - `ss -tan`-like text for every socket of a stack: state, queue
 * lengths, addresses, then the windows, congestion state and counters Linux's
 * `ss -tani` shows. Freestanding: no printf, a small appender.
 */
#include "tcp_int.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put_str(struct out *o, const char *s)
{
	for (; *s; s++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = *s;
}

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[21];
	int i = 20;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_str(o, tmp + i);
}

/* @v padded with spaces to @width characters. */
static void put_col(struct out *o, const char *s, size_t width)
{
	size_t n = 0;

	while (s[n])
		n++;
	put_str(o, s);
	for (; n < width; n++)
		put_str(o, " ");
}

static void put_addr(struct out *o, uint32_t a, uint16_t port, bool any)
{
	size_t start = o->len;
	int i;

	for (i = 3; i >= 0; i--) {
		put_u64(o, (a >> (8 * i)) & 0xff);
		if (i)
			put_str(o, ".");
	}
	put_str(o, ":");
	if (any && !port)
		put_str(o, "*");
	else
		put_u64(o, port);
	while (o->len - start < 22)
		put_str(o, " ");
}

static void put_kv(struct out *o, const char *k, uint64_t v)
{
	put_str(o, " ");
	put_str(o, k);
	put_str(o, ":");
	put_u64(o, v);
}

static void format_one(struct out *o, const struct tcp_sock *s)
{
	struct tcp_conn_stats c;

	tcp_get_stats(s, &c);
	put_col(o, tcp_state_name(c.state), 11);
	put_u64(o, c.recv_q);
	put_str(o, " ");
	put_u64(o, c.send_q);
	put_str(o, " ");
	put_addr(o, c.laddr, c.lport, false);
	put_addr(o, c.raddr, c.rport, c.state == TCP_LISTEN);
	if (c.state != TCP_LISTEN) {
		put_kv(o, "mss", c.mss);
		put_kv(o, "cwnd", c.cwnd);
		put_kv(o, "ssthresh", c.ssthresh);
		put_kv(o, "rcv_wnd", c.rcv_wnd);
		put_kv(o, "snd_wnd", c.snd_wnd);
		put_kv(o, "rto_ms", c.rto_ns / 1000000);
		put_kv(o, "rtt_us", c.srtt_ns / 1000);
		put_kv(o, "segs_in", c.segs_in);
		put_kv(o, "segs_out", c.segs_out);
		put_kv(o, "retrans", c.retransmits);
		put_kv(o, "fast_retrans", c.fast_retransmits);
		put_kv(o, "timeouts", c.timeouts);
		put_kv(o, "ooo", c.ooo_segs);
		put_kv(o, "probes", c.zero_win_probes);
		if (c.soft_error)
			put_kv(o, "soft_err", (uint64_t)-c.soft_error);
		if (c.pmtu)
			put_kv(o, "pmtu", c.pmtu);
	}
	put_str(o, "\n");
}

size_t tcp_format_stats(struct tcp_stack *st, char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	const struct tcp_sock *s;

	put_str(&o, "State      Recv-Q Send-Q Local Address:Port    Peer Address:Port\n");
	for (s = st->socks; s; s = s->next)
		if (!(s->flags & TCP_F_DEAD))
			format_one(&o, s);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len;
}

void tcp_get_stack_stats(const struct tcp_stack *st, struct tcp_stack_stats *out)
{
	out->bad_segs = st->bad_segs;
	out->rsts_sent = st->rsts_sent;
	out->no_sock_segs = st->no_sock_segs;
	out->syn_drops = st->syn_drops;
	out->tx_errors = st->tx_errors;
	out->tw_reclaimed = st->tw_reclaimed;
	out->icmp_ignored = st->icmp_ignored;
}
