/*
 * tcp_proto: one TCP engine against a hand-played peer. The test crafts each
 * segment (tests/host/lib/tcpsim.c builds it with an independent checksum)
 * and reads the engine's answers byte by byte from the link log: header
 * layout and options as RFC 9293 3.1 / RFC 7323 / RFC 2018 give them, window
 * scaling, RST handling (RFC 9293 3.10.7, RFC 5961), the out-of-order queue
 * with SACK blocks, delayed ACKs, malformed segments.
 */
#include "tcpsim.h"
#include "utest.h"

#include <async/pool.h>

#define PEER	 SIM_ADDR(0)
#define US	 SIM_ADDR(1)
#define PPORT	 5555
#define LPORT	 80
#define PEER_ISS 1000u

static const uint8_t syn_opts_ws7[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};
static const uint8_t syn_opts_plain[] = {2, 4, 0x05, 0xb4};

struct peer {
	struct sim *sim;
	struct tcp_sock *lis, *conn;
	uint32_t snd_nxt; /* the peer's next sequence number */
	uint32_t our_iss;
};

static void inject(struct peer *p, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		   uint16_t wnd, const uint8_t *opts, unsigned optlen, const void *data, size_t len)
{
	uint8_t seg[1600];
	size_t n =
	    sim_build(seg, PEER, US, PPORT, dport, seq, ack, flags, wnd, opts, optlen, data, len);

	sim_inject(p->sim, 1, PEER, US, seg, n);
}

static const struct sim_seg *last(struct peer *p)
{
	UT_ASSERT(p->sim->nlog > 0);
	return sim_log_at(p->sim, p->sim->nlog - 1);
}

/* A passive open on port 80 with the peer's SYN carrying @opts; leaves the connection accepted. */
static void handshake(struct peer *p, const uint8_t *opts, unsigned optlen, uint16_t wnd)
{
	const struct sim_seg *g;

	memset(p, 0, sizeof(*p));
	p->sim = sim_new(99);
	p->sim->blackhole[1] = true; /* answers are only logged */
	UT_EQ(tcp_open(&p->sim->st[1], &p->lis), 0);
	UT_EQ(tcp_bind(p->lis, 0, LPORT), 0);
	UT_EQ(tcp_listen(p->lis, 4), 0);
	inject(p, LPORT, PEER_ISS, 0, 0x02, 65535, opts, optlen, NULL, 0);
	g = last(p);
	UT_EQ(g->flags, 0x12);
	UT_EQ(g->ack, PEER_ISS + 1);
	p->our_iss = g->seq;
	p->snd_nxt = PEER_ISS + 1;
	inject(p, LPORT, p->snd_nxt, p->our_iss + 1, 0x10, wnd, NULL, 0, NULL, 0);
	UT_EQ(tcp_accept(p->lis, &p->conn), 0);
	UT_EQ(tcp_get_state(p->conn), TCP_ESTABLISHED);
}

static void count_in_use(struct async_pool *pool, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(pool, &st);
	if (!strcmp(st.name, "tcp_sock"))
		*(unsigned *)arg = st.in_use;
}

static unsigned socks_in_use(void)
{
	unsigned n = 0;

	async_pool_foreach(count_in_use, &n);
	return n;
}

static void done(struct peer *p)
{
	sim_free(p->sim);
}

static struct tcp_conn_stats stats_of(struct tcp_sock *s)
{
	struct tcp_conn_stats c;

	tcp_get_stats(s, &c);
	return c;
}

/* The SYN+ACK is exactly RFC 9293 3.1 with MSS, window scale and SACK-permitted (RFC 7323, 2018).
 */
static void test_synack_wire_format(void)
{
	static const uint8_t expect_opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 1, 1, 1, 4, 2};
	struct peer p;
	const struct sim_seg *g = NULL;
	unsigned i;

	handshake(&p, syn_opts_ws7, sizeof(syn_opts_ws7), 100);
	for (i = 0; i < p.sim->nlog; i++)
		if (sim_log_at(p.sim, i)->flags == 0x12)
			g = sim_log_at(p.sim, i);
	UT_ASSERT(g);
	UT_EQ(g->hdr[0] << 8 | g->hdr[1], LPORT);
	UT_EQ(g->hdr[2] << 8 | g->hdr[3], PPORT);
	UT_EQ(g->hdr[12], (20 + 12) / 4 << 4); /* data offset in words, reserved bits zero */
	UT_EQ(g->hlen, 32);
	UT_EQ(g->wnd, 65535);		   /* a SYN's window is never scaled (RFC 7323 2.2) */
	UT_EQ(g->hdr[18] | g->hdr[19], 0); /* urgent pointer */
	UT_ASSERT(!memcmp(g->hdr + 20, expect_opts, sizeof(expect_opts)));
	done(&p);
}

/* An active open's SYN offers the same options; a SYN+ACK without WS turns scaling off both ways.
 */
static void test_active_open_without_peer_wscale(void)
{
	static const uint8_t expect_opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 1, 1, 1, 4, 2};
	struct peer p;
	struct tcp_sock *c;
	const struct sim_seg *g;
	uint8_t data[3000] = {0};

	memset(&p, 0, sizeof(p));
	p.sim = sim_new(5);
	p.sim->blackhole[1] = true;
	UT_EQ(tcp_open(&p.sim->st[1], &c), 0);
	UT_EQ(tcp_bind(c, US, 4000), 0);
	UT_EQ(tcp_connect(c, US, PEER, PPORT), -EINPROGRESS);
	g = last(&p);
	UT_EQ(g->flags, 0x02);
	UT_EQ(g->ack, 0);
	UT_ASSERT(!memcmp(g->hdr + 20, expect_opts, sizeof(expect_opts)));
	p.our_iss = g->seq;
	{
		uint8_t seg[100];
		size_t n = sim_build(seg, PEER, US, PPORT, 4000, 7000, p.our_iss + 1, 0x12, 2000,
				     syn_opts_plain, sizeof(syn_opts_plain), NULL, 0);

		sim_inject(p.sim, 1, PEER, US, seg, n);
	}
	UT_EQ(tcp_get_state(c), TCP_ESTABLISHED);
	g = last(&p);
	UT_EQ(g->flags, 0x10);
	UT_EQ(g->ack, 7001);
	UT_EQ(g->wnd, 65535);		  /* unscaled: 65536 bytes free, the field's maximum */
	UT_EQ(stats_of(c).snd_wnd, 2000); /* taken unscaled */
	UT_EQ(tcp_send(c, data, 1800), 1800);
	g = last(&p);
	UT_EQ(g->len, 1800 - 1460); /* the last queued bytes go even below the MSS */
	UT_EQ(tcp_send(c, data, sizeof(data)), (long)sizeof(data));
	UT_EQ(last(&p)->len,
	      1800 - 1460); /* 200 bytes of window: less than half the largest, wait (SWS) */
	tcp_abort(c);
	done(&p);
}

/* The peer's window field is shifted by its WS option; ours by the shift we announced. */
static void test_window_scaling_both_ways(void)
{
	struct peer p;
	uint8_t data[1000] = {0};

	handshake(&p, syn_opts_ws7, sizeof(syn_opts_ws7), 100);
	UT_EQ(stats_of(p.conn).snd_wnd, 100 << 7);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x18, 100, NULL, 0, data, 1000);
	inject(&p, LPORT, p.snd_nxt + 1000, p.our_iss + 1, 0x18, 100, NULL, 0, data, 1000);
	UT_EQ(last(&p)->ack, p.snd_nxt + 2000);
	/* the SYN+ACK put the right edge at 65535; one more byte is not worth announcing (SWS) */
	UT_EQ(last(&p)->wnd, (65535 - 2000) >> 1);
	done(&p);
}

/* RFC 9293 3.10.7.1: a segment to a port nobody listens on gets a RST built from it. */
static void test_rst_from_closed_port(void)
{
	struct peer p;

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	inject(&p, 81, 5000, 0, 0x02, 1000, NULL, 0, "abc", 3); /* SYN with 3 bytes */
	UT_EQ(last(&p)->flags, 0x14);				/* RST+ACK */
	UT_EQ(last(&p)->seq, 0);
	UT_EQ(last(&p)->ack, 5000 + 1 + 3);
	inject(&p, 81, 5000, 777, 0x10, 1000, NULL, 0, NULL, 0); /* an ACK */
	UT_EQ(last(&p)->flags, 0x04);				 /* RST alone */
	UT_EQ(last(&p)->seq, 777);
	UT_EQ(p.sim->st[1].rsts_sent, 2);
	inject(&p, 81, 5000, 777, 0x04, 1000, NULL, 0, NULL, 0); /* a RST is never answered */
	UT_EQ(p.sim->st[1].rsts_sent, 2);
	/* a listener answers an ACK with a RST and ignores a RST */
	{
		uint8_t seg[64];
		size_t n = sim_build(seg, PEER, US, PPORT + 1, LPORT, 9, 4242, 0x10, 1000, NULL, 0,
				     NULL, 0);

		sim_inject(p.sim, 1, PEER, US, seg, n);
		UT_EQ(last(&p)->flags, 0x04);
		UT_EQ(last(&p)->seq, 4242);
		n = sim_build(seg, PEER, US, PPORT + 1, LPORT, 9, 0, 0x04, 1000, NULL, 0, NULL, 0);
		sim_inject(p.sim, 1, PEER, US, seg, n);
		UT_EQ(p.sim->st[1].rsts_sent, 3);
	}
	done(&p);
}

/* RFC 5961 3.2: only a RST at exactly RCV.NXT resets; elsewhere in the window it gets a challenge
 * ACK. */
static void test_rst_in_window_gets_challenge_ack_exact_rst_resets(void)
{
	struct peer p;
	unsigned n;
	char c;

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	n = p.sim->nlog;
	inject(&p, LPORT, p.snd_nxt + 100, 0, 0x04, 0, NULL, 0, NULL, 0);
	UT_EQ(tcp_get_state(p.conn), TCP_ESTABLISHED);
	UT_EQ(p.sim->nlog, n + 1);
	UT_EQ(last(&p)->flags, 0x10); /* the challenge ACK */
	UT_EQ(last(&p)->seq, p.our_iss + 1);
	UT_EQ(last(&p)->ack, p.snd_nxt);
	inject(&p, LPORT, p.snd_nxt + 1000000, 0, 0x04, 0, NULL, 0, NULL, 0); /* out of window */
	UT_EQ(tcp_get_state(p.conn), TCP_ESTABLISHED);
	UT_EQ(p.sim->nlog, n + 1);				    /* dropped silently */
	inject(&p, LPORT, p.snd_nxt, 0, 0x02, 0, NULL, 0, NULL, 0); /* a SYN: challenge ACK (4.2) */
	UT_EQ(tcp_get_state(p.conn), TCP_ESTABLISHED);
	UT_EQ(last(&p)->flags, 0x10);
	inject(&p, LPORT, p.snd_nxt, 0, 0x04, 0, NULL, 0, NULL, 0); /* exact */
	UT_EQ(tcp_get_state(p.conn), TCP_CLOSED);
	UT_EQ(tcp_poll(p.conn) & (TCP_EV_ERR | TCP_EV_HUP), TCP_EV_ERR | TCP_EV_HUP);
	UT_EQ(tcp_recv(p.conn, &c, 1), -ECONNRESET);
	tcp_close(p.conn);
	done(&p);
}

struct events {
	unsigned calls, mask;
};

static void count_events(struct tcp_sock *s, void *arg, unsigned ev)
{
	struct events *e = arg;

	(void)s;
	e->calls++;
	e->mask |= ev;
}

/* SYN-SENT: a RST acknowledging our SYN is "connection refused"; one with a bad ACK is ignored. */
static void test_connect_refused_and_bad_ack_in_syn_sent(void)
{
	struct sim *sim = sim_new(3);
	struct tcp_sock *c;
	struct events ev = {0};
	uint32_t iss;
	uint8_t seg[64];
	size_t n;

	sim->blackhole[1] = true;
	UT_EQ(tcp_open(&sim->st[1], &c), 0);
	tcp_set_notify(c, count_events, &ev);
	UT_EQ(tcp_connect(c, US, PEER, PPORT), -EINPROGRESS);
	iss = sim_log_at(sim, sim->nlog - 1)->seq;
	/* an ACK that is not for our SYN: RST <SEQ=SEG.ACK>, stay in SYN-SENT */
	n = sim_build(seg, PEER, US, PPORT, stats_of(c).lport, 1, iss + 5, 0x12, 100, NULL, 0, NULL,
		      0);
	sim_inject(sim, 1, PEER, US, seg, n);
	UT_EQ(tcp_get_state(c), TCP_SYN_SENT);
	UT_EQ(sim_log_at(sim, sim->nlog - 1)->flags, 0x04);
	UT_EQ(sim_log_at(sim, sim->nlog - 1)->seq, iss + 5);
	n = sim_build(seg, PEER, US, PPORT, stats_of(c).lport, 0, iss + 5, 0x14, 0, NULL, 0, NULL,
		      0);
	sim_inject(sim, 1, PEER, US, seg, n);
	UT_EQ(tcp_get_state(c), TCP_SYN_SENT); /* RST with an unacceptable ACK: ignored */
	UT_EQ(ev.calls, 0);
	n = sim_build(seg, PEER, US, PPORT, stats_of(c).lport, 0, iss + 1, 0x14, 0, NULL, 0, NULL,
		      0);
	sim_inject(sim, 1, PEER, US, seg, n);
	UT_EQ(tcp_get_state(c), TCP_CLOSED);
	UT_EQ(ev.calls, 1);
	UT_ASSERT(ev.mask & TCP_EV_CONNECT);
	UT_ASSERT(ev.mask & TCP_EV_ERR);
	UT_EQ(tcp_error(c), -ECONNREFUSED);
	tcp_close(c);
	UT_ASSERT(!sim->st[1].socks);
	sim_free(sim);
}

/* Closing with unread data aborts with a RST (RFC 9293 3.6, RFC 2525 2.17). */
static void test_close_with_unread_data_sends_rst(void)
{
	struct peer p;

	unsigned before;

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x18, 8192, NULL, 0, "data", 4);
	before = socks_in_use();
	tcp_close(p.conn);
	UT_EQ(last(&p)->flags & 0x04, 0x04);
	UT_EQ(last(&p)->seq, p.our_iss + 1);
	UT_EQ(socks_in_use(), before - 1); /* the control block is free at once */
	done(&p);
}

/* Out-of-order data is ACKed at once with a SACK block (RFC 2018), then reassembled when the hole
 * fills. */
static void test_ooo_segment_sack_and_reassembly(void)
{
	struct peer p;
	uint8_t a[100], b[100], got[300];
	const struct sim_seg *g;
	unsigned i;

	for (i = 0; i < 100; i++)
		a[i] = (uint8_t)i, b[i] = (uint8_t)(100 + i);
	handshake(&p, syn_opts_ws7, sizeof(syn_opts_ws7), 1000);
	inject(&p, LPORT, p.snd_nxt + 100, p.our_iss + 1, 0x10, 1000, NULL, 0, b, 100);
	g = last(&p);
	UT_EQ(g->ack, p.snd_nxt); /* a duplicate ACK, at once */
	UT_EQ(g->hlen, 20 + 12);  /* NOP NOP SACK(10) */
	UT_EQ(g->hdr[22], 5);
	UT_EQ(g->hdr[23], 10);
	UT_EQ((uint32_t)g->hdr[24] << 24 | g->hdr[25] << 16 | g->hdr[26] << 8 | g->hdr[27],
	      p.snd_nxt + 100);
	UT_EQ((uint32_t)g->hdr[28] << 24 | g->hdr[29] << 16 | g->hdr[30] << 8 | g->hdr[31],
	      p.snd_nxt + 200);
	UT_EQ(tcp_recv(p.conn, got, sizeof(got)), -EAGAIN);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x10, 1000, NULL, 0, a, 100);
	g = last(&p);
	UT_EQ(g->ack, p.snd_nxt + 200); /* the hole filled: ACK at once, no SACK left */
	UT_EQ(g->hlen, 20);
	UT_EQ(tcp_recv(p.conn, got, sizeof(got)), 200);
	for (i = 0; i < 200; i++)
		UT_EQ(got[i], i);
	done(&p);
}

/* Delayed ACK: one segment is ACKed after 200 ms, the second of two at once (RFC 5681 4.2). */
static void test_delayed_ack(void)
{
	struct peer p;
	uint8_t data[1460] = {0};
	unsigned n;

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	n = p.sim->nlog;
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x10, 8192, NULL, 0, data, 1460);
	UT_EQ(p.sim->nlog, n); /* nothing yet */
	UT_EQ(tcp_next_deadline(&p.sim->st[1]), p.sim->now + 200 * SIM_MS);
	sim_run_to(p.sim, p.sim->now + 200 * SIM_MS);
	UT_EQ(p.sim->nlog, n + 1);
	UT_EQ(last(&p)->ack, p.snd_nxt + 1460);
	inject(&p, LPORT, p.snd_nxt + 1460, p.our_iss + 1, 0x10, 8192, NULL, 0, data, 1460);
	UT_EQ(p.sim->nlog, n + 1);
	inject(&p, LPORT, p.snd_nxt + 2920, p.our_iss + 1, 0x10, 8192, NULL, 0, data, 1460);
	UT_EQ(p.sim->nlog, n + 2);
	UT_EQ(last(&p)->ack, p.snd_nxt + 3 * 1460);
	done(&p);
}

/*
 * Nobody reads: the window we advertise shrinks by what arrived and reaches
 * zero; data beyond it is not taken (ACKed with the same RCV.NXT) and nothing
 * that was taken is lost.
 */
static void test_receive_window_shrinks_nothing_dropped(void)
{
	struct peer p;
	static uint8_t data[1460], got[70000];
	uint32_t off = 0, len;
	long n, total = 0;

	handshake(&p, syn_opts_ws7, sizeof(syn_opts_ws7), 8192);
	while (off < 65536) {
		len = 65536 - off < 1460 ? 65536 - off : 1460;
		memset(data, (int)(off / 1460), sizeof(data));
		inject(&p, LPORT, p.snd_nxt + off, p.our_iss + 1, 0x10, 8192, NULL, 0, data, len);
		off += len;
	}
	sim_run_to(p.sim, p.sim->now + SIM_S);
	UT_EQ(last(&p)->wnd, 0);
	UT_EQ(last(&p)->ack, p.snd_nxt + 65536);
	inject(&p, LPORT, p.snd_nxt + off, p.our_iss + 1, 0x10, 8192, NULL, 0, data, 100);
	UT_EQ(last(&p)->ack, p.snd_nxt + 65536); /* not taken */
	UT_EQ(last(&p)->wnd, 0);
	while ((n = tcp_recv(p.conn, got + total, sizeof(got) - (size_t)total)) > 0)
		total += n;
	UT_EQ(total, 65536);
	UT_EQ(got[0], 0);
	UT_EQ(got[65535], 65535 / 1460);
	UT_EQ(last(&p)->wnd, 65536 >> 1); /* reading sent a window update, scaled by our shift 1 */
	done(&p);
}

/* Malformed segments are counted and dropped; the connection is unaffected. */
static void test_malformed_segments_dropped(void)
{
	struct peer p;
	uint8_t seg[100];
	size_t n;
	unsigned logged;
	static const uint8_t bad_opt[] = {30, 9, 0, 0}; /* an option's length beyond the header */

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	logged = p.sim->nlog;
	n = sim_build(seg, PEER, US, PPORT, LPORT, p.snd_nxt, p.our_iss + 1, 0x18, 8192, NULL, 0,
		      "xyz", 3);
	seg[16] ^= 1; /* checksum */
	sim_inject(p.sim, 1, PEER, US, seg, n);
	seg[16] ^= 1;
	seg[12] = 4 << 4; /* data offset 4 words */
	sim_inject(p.sim, 1, PEER, US, seg, n);
	seg[12] = 15 << 4; /* data offset beyond the segment */
	sim_inject(p.sim, 1, PEER, US, seg, n);
	sim_inject(p.sim, 1, PEER, US, seg, 19); /* shorter than a header */
	n = sim_build(seg, PEER, US, PPORT, LPORT, p.snd_nxt, p.our_iss + 1, 0x18, 8192, bad_opt,
		      sizeof(bad_opt), "xyz", 3);
	sim_inject(p.sim, 1, PEER, US, seg, n);
	UT_EQ(p.sim->st[1].bad_segs, 5);
	UT_EQ(p.sim->nlog, logged);
	UT_EQ(stats_of(p.conn).recv_q, 0);
	UT_EQ(tcp_get_state(p.conn), TCP_ESTABLISHED);
	done(&p);
}

/* The `ss`-like table names the state, queues and both ends. */
static void test_stats_table(void)
{
	struct peer p;
	char buf[1024];
	size_t full;

	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x18, 8192, NULL, 0, "hello", 5);
	tcp_format_stats(&p.sim->st[1], buf, sizeof(buf));
	UT_ASSERT(strstr(buf, "ESTAB      5 0 10.0.0.2:80           10.0.0.1:5555"));
	UT_ASSERT(strstr(buf, "LISTEN     0 4 0.0.0.0:80            0.0.0.0:*"));
	full = tcp_format_stats(&p.sim->st[1], buf, sizeof(buf));
	UT_EQ(full, strlen(buf));
	UT_EQ(tcp_format_stats(&p.sim->st[1], buf, 10), full); /* the length it wanted */
	UT_EQ(strlen(buf), 9);
	done(&p);
}

/* A retransmission that overlaps what was received is cut at RCV.NXT: only the new bytes are taken.
 */
static void test_overlapping_segment_trimmed(void)
{
	struct peer p;
	uint8_t data[300], got[400];
	unsigned i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	handshake(&p, syn_opts_plain, sizeof(syn_opts_plain), 8192);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x10, 8192, NULL, 0, data, 100);
	inject(&p, LPORT, p.snd_nxt + 50, p.our_iss + 1, 0x10, 8192, NULL, 0, data + 50, 250);
	UT_EQ(last(&p)->ack, p.snd_nxt + 300);
	UT_EQ(tcp_recv(p.conn, got, sizeof(got)), 300);
	UT_ASSERT(!memcmp(got, data, 300));
	done(&p);
}

/* SYN-RECEIVED: a repeated SYN means our SYN+ACK was lost; it is sent again at once. */
static void test_repeated_syn_gets_synack_again(void)
{
	struct peer p;
	const struct sim_seg *g;

	memset(&p, 0, sizeof(p));
	p.sim = sim_new(4);
	p.sim->blackhole[1] = true;
	UT_EQ(tcp_open(&p.sim->st[1], &p.lis), 0);
	UT_EQ(tcp_bind(p.lis, 0, LPORT), 0);
	UT_EQ(tcp_listen(p.lis, 4), 0);
	inject(&p, LPORT, PEER_ISS, 0, 0x02, 65535, NULL, 0, NULL, 0);
	p.our_iss = last(&p)->seq;
	inject(&p, LPORT, PEER_ISS, 0, 0x02, 65535, NULL, 0, NULL, 0);
	g = last(&p);
	UT_EQ(p.sim->nlog, 2);
	UT_EQ(g->flags, 0x12);
	UT_EQ(g->seq, p.our_iss);
	UT_EQ(g->ack, PEER_ISS + 1);
	UT_EQ(g->hdr[20], 2); /* MSS alone: the peer offered no WS nor SACK (RFC 7323 1.3) */
	UT_EQ(g->hlen, 24);
	done(&p);
}

/*
 * Regression (found by fuzz/tcp_input): data "beyond the FIN" received out of
 * order before the FIN must not survive it: after the FIN the stream ends
 * there, the ACK carries no SACK block for it, and reading gives end of stream.
 */
static void test_data_beyond_fin_discarded(void)
{
	struct peer p;
	uint8_t data[100] = {0}, got[200];

	handshake(&p, syn_opts_ws7, sizeof(syn_opts_ws7), 1000);
	inject(&p, LPORT, p.snd_nxt + 1, p.our_iss + 1, 0x10, 1000, NULL, 0, data, 100);
	inject(&p, LPORT, p.snd_nxt, p.our_iss + 1, 0x11, 1000, NULL, 0, NULL, 0);
	UT_EQ(tcp_get_state(p.conn), TCP_CLOSE_WAIT);
	UT_EQ(last(&p)->ack, p.snd_nxt + 1);
	UT_EQ(last(&p)->hlen, 20); /* no SACK block */
	UT_EQ(tcp_recv(p.conn, got, sizeof(got)), 0);
	done(&p);
}

static const struct utest tests[] = {
    UTEST(test_synack_wire_format),
    UTEST(test_active_open_without_peer_wscale),
    UTEST(test_window_scaling_both_ways),
    UTEST(test_rst_from_closed_port),
    UTEST(test_rst_in_window_gets_challenge_ack_exact_rst_resets),
    UTEST(test_connect_refused_and_bad_ack_in_syn_sent),
    UTEST(test_close_with_unread_data_sends_rst),
    UTEST(test_ooo_segment_sack_and_reassembly),
    UTEST(test_delayed_ack),
    UTEST(test_receive_window_shrinks_nothing_dropped),
    UTEST(test_malformed_segments_dropped),
    UTEST(test_stats_table),
    UTEST(test_overlapping_segment_trimmed),
    UTEST(test_repeated_syn_gets_synack_again),
    UTEST(test_data_beyond_fin_discarded),
};
UTEST_MAIN("tcp_proto", tests)
