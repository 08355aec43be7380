/*
 * tcp_sim: two TCP engines over the simulated link of tests/host/lib/tcpsim.c:
 * bulk transfer through loss, duplication and reordering, the handshake and
 * close variants of RFC 9293 3.5/3.6, TIME_WAIT, backlog, zero window.
 */
#include "tcpsim.h"
#include "utest.h"

#include <async/pool.h>

#define PORT 8080

static uint64_t timeouts(struct tcp_sock *s)
{
	struct tcp_conn_stats c;

	tcp_get_stats(s, &c);
	return c.timeouts;
}

/* The byte at @off of the stream in direction @dir: not periodic in the ring size. */
static uint8_t pattern(int dir, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dir << 40;

	return (uint8_t)(x >> 29 ^ off >> 11);
}

struct stream {
	struct tcp_sock *tx, *rx;
	int dir;
	uint64_t total, sent, got;
	bool bad, eof, shut;
};

static void pump(struct stream *s)
{
	uint8_t buf[8192];
	long n;
	size_t i, want;

	while (s->sent < s->total) {
		want =
		    s->total - s->sent < sizeof(buf) ? (size_t)(s->total - s->sent) : sizeof(buf);
		for (i = 0; i < want; i++)
			buf[i] = pattern(s->dir, s->sent + i);
		n = tcp_send(s->tx, buf, want);
		if (n <= 0)
			break;
		s->sent += (uint64_t)n;
	}
	if (s->sent == s->total && !s->shut) {
		UT_EQ(tcp_shutdown(s->tx, 1), 0);
		s->shut = true;
	}
	while ((n = tcp_recv(s->rx, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(s->dir, s->got + i))
				s->bad = true;
		s->got += (uint64_t)n;
	}
	if (n == 0)
		s->eof = true;
}

static bool both_done(struct sim *sim, void *arg)
{
	struct stream *s = arg;

	(void)sim;
	pump(&s[0]);
	pump(&s[1]);
	return s[0].eof && s[1].eof;
}

static bool all_closed(struct sim *sim, void *arg)
{
	(void)arg;
	return !sim->st[0].socks && !sim->st[1].socks;
}

/*
 * 32 MiB each way at once through a link that drops 2%, duplicates 1% and
 * reorders 3% of the segments: every byte arrives, in order, and both ends
 * see end of stream, in bounded simulated time; then both close and every
 * control block is freed after TIME_WAIT.
 */
static void test_bulk_32mib_each_way_over_lossy_link(void)
{
	struct sim *sim = sim_new(42);
	struct stream s[2];
	struct sim_pair p;
	uint64_t t0;
	char ss[2048];

	sim->drop_pm = 20, sim->dup_pm = 10, sim->reorder_pm = 30;
	sim->delay_ns = 2 * SIM_MS, sim->jitter_ns = 6 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	memset(s, 0, sizeof(s));
	s[0] = (struct stream){.tx = p.cli, .rx = p.srv, .dir = 0, .total = 32u << 20};
	s[1] = (struct stream){.tx = p.srv, .rx = p.cli, .dir = 1, .total = 32u << 20};
	t0 = sim->now;
	UT_ASSERT(sim_run(sim, both_done, s, t0 + 120 * SIM_S)); /* deterministic: 48 s */
	printf("bulk: %.1f simulated s, %lu segments, %lu dropped, %lu duplicated, %lu reordered\n",
	       (double)(sim->now - t0) / 1e9, sim->sent, sim->dropped, sim->duplicated,
	       sim->reordered);
	tcp_format_stats(&sim->st[0], ss, sizeof(ss));
	printf("%s", ss);
	UT_ASSERT(!s[0].bad && !s[1].bad);
	UT_EQ(s[0].got, 32u << 20);
	UT_EQ(s[1].got, 32u << 20);
	tcp_close(p.cli);
	tcp_close(p.srv);
	tcp_close(p.lis);
	UT_ASSERT(sim_run(sim, all_closed, NULL, sim->now + 300 * SIM_S));
	sim_free(sim);
}

static bool both_established(struct sim *sim, void *arg)
{
	struct tcp_sock **s = arg;

	(void)sim;
	return tcp_get_state(s[0]) == TCP_ESTABLISHED && tcp_get_state(s[1]) == TCP_ESTABLISHED;
}

static unsigned count_segs(struct sim *sim, int from, uint8_t flags)
{
	unsigned i, n = 0;

	for (i = 0; i < sim->nlog && i < SIM_LOG_MAX; i++)
		if (sim_log_at(sim, i)->from == from && sim_log_at(sim, i)->flags == flags)
			n++;
	return n;
}

/*
 * RFC 9293 figure 8: both ends send a SYN, the SYNs cross, each answers the
 * other's SYN with SYN+ACK from SYN-RECEIVED, and both reach ESTABLISHED.
 */
static void test_simultaneous_open(void)
{
	struct sim *sim = sim_new(7);
	struct tcp_sock *s[2];
	char buf[16];
	int i;

	sim->delay_ns = 10 * SIM_MS;
	for (i = 0; i < 2; i++) {
		UT_EQ(tcp_open(&sim->st[i], &s[i]), 0);
		UT_EQ(tcp_bind(s[i], SIM_ADDR(i), (uint16_t)(1000 + i)), 0);
	}
	UT_EQ(tcp_connect(s[0], SIM_ADDR(0), SIM_ADDR(1), 1001), -EINPROGRESS);
	UT_EQ(tcp_connect(s[1], SIM_ADDR(1), SIM_ADDR(0), 1000), -EINPROGRESS);
	UT_ASSERT(sim_step(sim, UINT64_MAX)); /* both SYNs arrive */
	UT_EQ(tcp_get_state(s[0]), TCP_SYN_RECEIVED);
	UT_EQ(tcp_get_state(s[1]), TCP_SYN_RECEIVED);
	UT_ASSERT(sim_run(sim, both_established, s, sim->now + 10 * SIM_S));
	for (i = 0; i < 2; i++) {
		UT_EQ(count_segs(sim, i, 0x02), 1); /* SYN */
		UT_EQ(count_segs(sim, i, 0x12), 1); /* SYN+ACK */
		UT_EQ(timeouts(s[i]), 0);	    /* no retransmission needed */
	}
	UT_EQ(tcp_send(s[0], "hello", 5), 5);
	sim_run_to(sim, sim->now + SIM_S);
	UT_EQ(tcp_recv(s[1], buf, sizeof(buf)), 5);
	UT_ASSERT(!memcmp(buf, "hello", 5));
	tcp_abort(s[0]);
	tcp_abort(s[1]);
	sim_free(sim);
}

struct close_watch {
	struct tcp_sock *s[2];
	bool closing[2];
};

static bool both_time_wait(struct sim *sim, void *arg)
{
	struct close_watch *w = arg;
	int i;

	(void)sim;
	for (i = 0; i < 2; i++)
		if (tcp_get_state(w->s[i]) == TCP_CLOSING)
			w->closing[i] = true;
	return tcp_get_state(w->s[0]) == TCP_TIME_WAIT && tcp_get_state(w->s[1]) == TCP_TIME_WAIT;
}

/* RFC 9293 figure 13: both FINs cross; each end goes FIN-WAIT-1, CLOSING, TIME-WAIT. */
static void test_simultaneous_close(void)
{
	struct sim *sim = sim_new(8);
	struct close_watch w;
	struct sim_pair p;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	memset(&w, 0, sizeof(w));
	w.s[0] = p.cli, w.s[1] = p.srv;
	UT_EQ(tcp_shutdown(p.cli, 1), 0);
	UT_EQ(tcp_shutdown(p.srv, 1), 0);
	UT_EQ(tcp_get_state(p.cli), TCP_FIN_WAIT_1);
	UT_EQ(tcp_get_state(p.srv), TCP_FIN_WAIT_1);
	UT_ASSERT(sim_run(sim, both_time_wait, &w, sim->now + 10 * SIM_S));
	UT_ASSERT(w.closing[0] && w.closing[1]);
	sim_run_to(sim, sim->now + 61 * SIM_S);
	UT_EQ(tcp_get_state(p.cli), TCP_CLOSED);
	UT_EQ(tcp_get_state(p.srv), TCP_CLOSED);
	UT_EQ(tcp_recv(p.cli, &w, 1), 0); /* a clean end: end of stream, no error */
	tcp_close(p.cli), tcp_close(p.srv), tcp_close(p.lis);
	UT_ASSERT(!sim->st[0].socks && !sim->st[1].socks);
	sim_free(sim);
}

static bool state_is(struct sim *sim, void *arg)
{
	struct tcp_sock **s = arg;

	(void)sim;
	return tcp_get_state(s[0]) == (enum tcp_state)(uintptr_t)s[1];
}

static void run_until_state(struct sim *sim, struct tcp_sock *s, enum tcp_state st, uint64_t lim)
{
	struct tcp_sock *a[2] = {s, (struct tcp_sock *)(uintptr_t)st};

	UT_ASSERT(sim_run(sim, state_is, a, sim->now + lim));
}

static bool drop_final_ack(struct sim *sim, const struct sim_seg *s, void *arg)
{
	int *dropped = arg;

	(void)sim;
	if (s->from == 0 && s->flags == 0x10 && !*dropped) {
		*dropped = 1;
		return false;
	}
	return true;
}

/*
 * The active closer stays in TIME-WAIT for exactly 2*MSL (60 s), and a
 * retransmitted FIN (its ACK was lost) is ACKed again and restarts the 2*MSL
 * timer (RFC 9293 3.10.7.4, TIME-WAIT).
 */
static void test_time_wait_lasts_2msl_and_restarts_on_fin(void)
{
	struct sim *sim = sim_new(9);
	struct sim_pair p;
	uint64_t t_tw, t_fin2 = 0;
	int dropped = 0;
	unsigned i, fins = 0;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(tcp_shutdown(p.cli, 1), 0);
	run_until_state(sim, p.srv, TCP_CLOSE_WAIT, 10 * SIM_S);
	/* the server's FIN; the client's ACK of it is lost */
	sim->filter = drop_final_ack, sim->filter_arg = &dropped;
	UT_EQ(tcp_shutdown(p.srv, 1), 0);
	run_until_state(sim, p.cli, TCP_TIME_WAIT, 10 * SIM_S);
	t_tw = sim->now;
	run_until_state(sim, p.srv, TCP_CLOSED, 10 * SIM_S); /* after its FIN's retransmission */
	UT_EQ(dropped, 1);
	for (i = 0; i < sim->nlog; i++)
		if (sim_log_at(sim, i)->from == 1 && (sim_log_at(sim, i)->flags & 0x01) &&
		    ++fins == 2)
			t_fin2 = sim_log_at(sim, i)->at;
	UT_EQ(fins, 2);
	UT_EQ(t_fin2 - t_tw, 1 * SIM_S - sim->delay_ns); /* the server's RTO is 1 s */
	run_until_state(sim, p.cli, TCP_CLOSED, 120 * SIM_S);
	/* 2*MSL counted from the retransmitted FIN's arrival, not from the first entry */
	UT_EQ(sim->now - (t_fin2 + sim->delay_ns), 60 * SIM_S);
	tcp_close(p.cli), tcp_close(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static void count_rings(struct async_pool *pool, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(pool, &st);
	if (!strcmp(st.name, "tcp_ring"))
		*(unsigned *)arg = st.in_use;
}

static unsigned rings_in_use(void)
{
	unsigned n = 0;

	async_pool_foreach(count_rings, &n);
	return n;
}

/*
 * Without a lost ACK: TIME-WAIT ends exactly 2*MSL after it began, and holds
 * only its control block meanwhile (both rings go back to the pool).
 */
static void test_time_wait_duration(void)
{
	struct sim *sim = sim_new(10);
	struct sim_pair p;
	uint64_t t_tw;
	unsigned rings;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(tcp_shutdown(p.cli, 1), 0);
	run_until_state(sim, p.srv, TCP_CLOSE_WAIT, 10 * SIM_S);
	rings = rings_in_use();
	UT_EQ(tcp_shutdown(p.srv, 1), 0);
	run_until_state(sim, p.cli, TCP_TIME_WAIT, 10 * SIM_S);
	t_tw = sim->now;
	UT_EQ(rings_in_use(), rings - 2);
	sim_run_to(sim, t_tw + 60 * SIM_S - 1);
	UT_EQ(tcp_get_state(p.cli), TCP_TIME_WAIT);
	sim_run_to(sim, t_tw + 60 * SIM_S);
	UT_EQ(tcp_get_state(p.cli), TCP_CLOSED);
	UT_EQ(tcp_get_state(p.srv), TCP_CLOSED); /* LAST-ACK ended with our ACK */
	tcp_close(p.cli), tcp_close(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static struct tcp_conn_stats stats_of(struct tcp_sock *s)
{
	struct tcp_conn_stats c;

	tcp_get_stats(s, &c);
	return c;
}

/* Send times of the segments from @from carrying sequence @seq with data, in order. */
static unsigned send_times(struct sim *sim, int from, uint32_t seq, uint64_t *t, unsigned max)
{
	unsigned i, n = 0;

	for (i = 0; i < sim->nlog && i < SIM_LOG_MAX && n < max; i++) {
		const struct sim_seg *g = sim_log_at(sim, i);

		if (g->from == from && g->seq == seq && g->len)
			t[n++] = g->at;
	}
	return n;
}

static bool sock_error(struct sim *sim, void *arg)
{
	(void)sim;
	return tcp_poll(arg) & TCP_EV_ERR;
}

/*
 * RFC 6298 against its own formulas, with a 250 ms one-way delay:
 *  - handshake sample R = 500 ms (2.2): SRTT = 500, RTTVAR = 250,
 *    RTO = SRTT + max(G, 4 * RTTVAR) = 1500 ms;
 *  - a 100-byte segment ACKed by a delayed ACK (200 ms): R' = 700 ms (2.3):
 *    RTTVAR = 3/4 * 250 + 1/4 * |500 - 700| = 237.5, SRTT = 7/8 * 500 + 1/8 * 700
 *    = 525, RTO = 525 + 950 = 1475 ms;
 *  - then no ACK comes back: the segment is retransmitted after 1475 ms and each
 *    further wait doubles (5.5) up to the 60 s maximum (2.5), and after
 *    TCP_RETRIES_MAX timeouts the connection fails with -ETIMEDOUT.
 */
static void test_rto_follows_rfc6298_and_backs_off(void)
{
	struct sim *sim = sim_new(11);
	struct sim_pair p;
	uint64_t t[20], expect = 1475 * SIM_MS;
	uint32_t seq;
	char buf[100] = {0};
	unsigned n, k;

	sim->delay_ns = 250 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(stats_of(p.cli).srtt_ns, 500 * SIM_MS);
	UT_EQ(stats_of(p.cli).rto_ns, 1500 * SIM_MS);
	UT_EQ(tcp_send(p.cli, buf, 100), 100);
	sim_run_to(sim, sim->now + 2 * SIM_S);
	UT_EQ(tcp_recv(p.srv, buf, sizeof(buf)), 100);
	UT_EQ(stats_of(p.cli).srtt_ns, 525 * SIM_MS);
	UT_EQ(stats_of(p.cli).rto_ns, 1475 * SIM_MS);

	sim->blackhole[1] = true;
	seq = sim_log_at(sim, sim->nlog - 1)->ack; /* the server's last ACK: our next sequence */
	UT_EQ(tcp_send(p.cli, buf, 100), 100);
	UT_ASSERT(sim_run(sim, sock_error, p.cli, sim->now + 3600 * SIM_S));
	n = send_times(sim, 0, seq, t, 20);
	UT_EQ(n, 1 + 12); /* the first transmission and TCP_RETRIES_MAX retransmissions */
	for (k = 1; k < n; k++) {
		UT_EQ(t[k] - t[k - 1], expect);
		expect = expect * 2 < 60 * SIM_S ? expect * 2 : 60 * SIM_S;
	}
	UT_EQ(tcp_recv(p.cli, buf, sizeof(buf)), -ETIMEDOUT);
	UT_EQ(tcp_get_state(p.cli), TCP_CLOSED);
	tcp_close(p.cli), tcp_close(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/* RFC 6298 2.1 and 5.5 for a SYN: initial RTO 1 s, doubling; -ETIMEDOUT after the last retry. */
static void test_syn_retransmission_backoff(void)
{
	struct sim *sim = sim_new(12);
	struct tcp_sock *c;
	uint64_t t[10];
	unsigned i, n = 0;

	sim->blackhole[0] = true;
	UT_EQ(tcp_open(&sim->st[0], &c), 0);
	UT_EQ(tcp_connect(c, SIM_ADDR(0), SIM_ADDR(1), 80), -EINPROGRESS);
	UT_ASSERT(sim_run(sim, sock_error, c, sim->now + 3600 * SIM_S));
	for (i = 0; i < sim->nlog; i++)
		if (sim_log_at(sim, i)->flags == 0x02 && n < 10)
			t[n++] = sim_log_at(sim, i)->at;
	UT_EQ(n, 7); /* SYN and TCP_SYN_RETRIES retransmissions */
	for (i = 1; i < n; i++)
		UT_EQ(t[i] - t[i - 1], (1ULL << (i - 1)) * SIM_S);
	UT_EQ(sim->now - t[n - 1], 60 * SIM_S); /* 64 s, capped at the 60 s maximum (2.5) */
	UT_EQ(tcp_error(c), -ETIMEDOUT);
	tcp_close(c);
	sim_free(sim);
}

/* RFC 5681 3.1: with an MSS of 1460 the first flight is IW = 3 segments. */
static void test_initial_window_is_three_segments(void)
{
	struct sim *sim = sim_new(13);
	static uint8_t buf[20000];
	struct sim_pair p;
	unsigned i, first = 0;
	uint64_t t0;

	sim->delay_ns = 50 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	t0 = sim->now;
	UT_EQ(tcp_send(p.cli, buf, sizeof(buf)), (long)sizeof(buf));
	for (i = 0; i < sim->nlog; i++)
		if (sim_log_at(sim, i)->from == 0 && sim_log_at(sim, i)->len &&
		    sim_log_at(sim, i)->at == t0) {
			UT_EQ(sim_log_at(sim, i)->len, 1460);
			first++;
		}
	UT_EQ(first, 3);
	UT_EQ(stats_of(p.cli).cwnd, 3 * 1460);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

struct drop_one {
	uint32_t base;
	bool have_base, done;
	uint32_t seq;
};

static bool drop_third_segment(struct sim *sim, const struct sim_seg *s, void *arg)
{
	struct drop_one *d = arg;

	(void)sim;
	if (s->from != 0 || !s->len)
		return true;
	if (!d->have_base) {
		d->base = s->seq;
		d->have_base = true;
	}
	if (!d->done && s->seq == d->base + 2 * 1460) {
		d->done = true;
		d->seq = s->seq;
		return false;
	}
	return true;
}

/* Reads the all-zero stream of the zero-window test. */
static bool got_all_zero(struct sim *sim, void *arg)
{
	struct stream *s = arg;
	uint8_t buf[8192];
	long n, i;

	(void)sim;
	memset(buf, 0, sizeof(buf));
	while (s->sent < s->total) {
		size_t want = s->total - s->sent < sizeof(buf) ? s->total - s->sent : sizeof(buf);

		if ((n = tcp_send(s->tx, buf, want)) <= 0)
			break;
		s->sent += (uint64_t)n;
	}
	while ((n = tcp_recv(s->rx, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			s->bad |= buf[i] != 0;
		s->got += (uint64_t)n;
	}
	return s->got == s->total;
}

static bool got_all(struct sim *sim, void *arg)
{
	struct stream *s = arg;

	(void)sim;
	pump(s);
	return s->got == s->total;
}

/*
 * One lost segment among many: the receiver's duplicate ACKs (sent at once
 * for out-of-order data, RFC 5681 4.2) make the sender retransmit it after the
 * third duplicate (3.2), well before the RTO, with no timeout.
 */
static void test_fast_retransmit_on_third_dup_ack(void)
{
	struct sim *sim = sim_new(14);
	struct drop_one d = {0};
	struct stream s = {0};
	struct sim_pair p;
	uint64_t t[4];
	unsigned i, dups = 0, rexmit_at = 0, seen = 0;
	uint16_t prev_wnd = 0;
	bool have_prev = false;

	sim->delay_ns = 5 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->filter = drop_third_segment, sim->filter_arg = &d;
	s = (struct stream){.tx = p.cli, .rx = p.srv, .total = 40 * 1460};
	UT_ASSERT(sim_run(sim, got_all, &s, sim->now + 60 * SIM_S));
	UT_ASSERT(!s.bad);
	UT_ASSERT(d.done);
	UT_EQ(stats_of(p.cli).fast_retransmits, 1);
	UT_EQ(stats_of(p.cli).timeouts, 0);
	UT_EQ(send_times(sim, 0, d.seq, t, 4), 2);
	UT_ASSERT(t[1] - t[0] < SIM_S);
	/* exactly three duplicate ACKs had reached the sender when it retransmitted */
	for (i = 0; i < sim->nlog; i++) {
		const struct sim_seg *g = sim_log_at(sim, i);

		if (g->from == 0 && g->seq == d.seq && g->len && ++seen == 2) {
			rexmit_at = i;
			break;
		}
	}
	for (i = 0; i < rexmit_at; i++) {
		const struct sim_seg *g = sim_log_at(sim, i);

		/* a duplicate: same ACK, no data, same window as the one before (RFC 5681 2) */
		if (g->from == 1 && g->ack == d.seq && !g->len && g->at + sim->delay_ns <= t[1]) {
			if (have_prev && g->wnd == prev_wnd)
				dups++;
			prev_wnd = g->wnd;
			have_prev = true;
		}
	}
	UT_EQ(dups, 3);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

struct zw {
	int drop_next_from_srv;
	unsigned dropped;
};

static bool drop_window_update(struct sim *sim, const struct sim_seg *s, void *arg)
{
	struct zw *z = arg;

	(void)sim;
	if (s->from == 1 && z->drop_next_from_srv) {
		z->drop_next_from_srv--;
		z->dropped++;
		return false;
	}
	return true;
}

/*
 * A receiver that does not read: the data waits in its ring (64 KiB, nothing
 * dropped), its advertised window falls to zero, and the sender probes it with
 * one byte at intervals that start at max(RTO, 1 s) and double up to 60 s,
 * for as long as it takes (ten minutes here) without giving up. When the
 * reader reads, the window update is lost too; the next probe finds the
 * window open and the rest of the data flows.
 */
static void test_zero_window_probes_back_off_and_recover(void)
{
	struct sim *sim = sim_new(15);
	struct stream s = {0};
	struct zw z = {0};
	struct sim_pair p;
	static uint8_t buf[65536];
	uint64_t t[32], expect = 2 * SIM_S;
	unsigned i, n = 0, zero_wnd = 0;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	s = (struct stream){.tx = p.cli, .rx = p.srv, .total = 200000};
	while (s.sent < s.total) { /* fill without reading */
		long k = tcp_send(p.cli, buf,
				  sizeof(buf) < s.total - s.sent ? sizeof(buf) : s.total - s.sent);
		if (k == -EAGAIN) {
			if (stats_of(p.cli).zero_win_probes >= 10)
				break;
			UT_ASSERT(sim_step(sim, sim->now + 600 * SIM_S));
			continue;
		}
		UT_ASSERT(k > 0);
		for (i = 0; i < (unsigned)k; i++)
			buf[i] = 0;
		s.sent += (uint64_t)k;
	}
	sim_run_to(sim, sim->now + 600 * SIM_S);
	UT_EQ(stats_of(p.srv).recv_q, 65536); /* every byte kept */
	UT_EQ(tcp_get_state(p.cli), TCP_ESTABLISHED);
	for (i = 0; i < sim->nlog && i < SIM_LOG_MAX; i++) {
		const struct sim_seg *g = sim_log_at(sim, i);

		if (g->from == 1 && !g->wnd && (g->flags & 0x10))
			zero_wnd++;
		if (g->from == 0 && g->len == 1 && n < 32)
			t[n++] = g->at;
	}
	UT_ASSERT(zero_wnd > 0);
	UT_ASSERT(n >= 9);
	UT_EQ(stats_of(p.cli).zero_win_probes, n);
	for (i = 1; i < n; i++) {
		UT_EQ(t[i] - t[i - 1], expect);
		expect = expect * 2 < 60 * SIM_S ? expect * 2 : 60 * SIM_S;
	}
	/* read: the window update is lost, a probe recovers */
	sim->filter = drop_window_update, sim->filter_arg = &z;
	z.drop_next_from_srv = 1;
	s.got = 0;
	memset(buf, 0, sizeof(buf));
	UT_ASSERT(sim_run(sim, got_all_zero, &s, sim->now + 120 * SIM_S));
	UT_EQ(z.dropped, 1);
	UT_EQ(s.got, 200000);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static bool three_settled(struct sim *sim, void *arg)
{
	struct tcp_sock **c = arg;

	(void)sim;
	return tcp_get_state(c[0]) == TCP_ESTABLISHED && tcp_get_state(c[1]) == TCP_ESTABLISHED;
}

/*
 * A listener with backlog 2: two connections complete and wait for accept; a
 * third client's SYN is dropped (no SYN+ACK, no RST: it retries, as Linux's
 * clients expect), and once the application accepts one, the third client's
 * retransmitted SYN gets in.
 */
static void test_backlog_full_drops_syn_until_accept(void)
{
	struct sim *sim = sim_new(16);
	struct tcp_sock *lis, *c[3], *a;
	unsigned i, synacks_to_third = 0;

	UT_EQ(tcp_open(&sim->st[1], &lis), 0);
	UT_EQ(tcp_bind(lis, 0, PORT), 0);
	UT_EQ(tcp_listen(lis, 2), 0);
	for (i = 0; i < 3; i++) {
		UT_EQ(tcp_open(&sim->st[0], &c[i]), 0);
		UT_EQ(tcp_connect(c[i], SIM_ADDR(0), SIM_ADDR(1), PORT), -EINPROGRESS);
	}
	UT_ASSERT(sim_run(sim, three_settled, c, sim->now + 10 * SIM_S));
	sim_run_to(sim, sim->now + 500 * SIM_MS);
	UT_EQ(tcp_get_state(c[2]), TCP_SYN_SENT);
	UT_ASSERT(sim->st[1].syn_drops >= 1);
	for (i = 0; i < sim->nlog; i++)
		if (sim_log_at(sim, i)->from == 1 &&
		    sim_log_at(sim, i)->dport == stats_of(c[2]).lport)
			synacks_to_third++;
	UT_EQ(synacks_to_third, 0);
	UT_EQ(tcp_accept(lis, &a), 0);
	run_until_state(sim, c[2], TCP_ESTABLISHED, 10 * SIM_S);
	sim_run_to(sim, sim->now + SIM_S); /* its ACK reaches the listener */
	UT_EQ(tcp_accept(lis, &a), 0);
	UT_EQ(tcp_accept(lis, &a), 0);
	UT_EQ(tcp_accept(lis, &a), -EAGAIN);
	tcp_stack_destroy(&sim->st[1]);
	sim_free(sim);
}

/*
 * The socket layer's side of the contract, as a multishot accept and a
 * multishot receive into provided buffers would use it: everything runs from
 * notify callbacks. Only two 4 KiB buffers exist and the "application"
 * returns one every 50 ms, so most of the time no buffer is free: the data
 * waits in the receive ring and the window shrinks, nothing is dropped, and all
 * of it arrives. The callback finally closes the socket from inside itself.
 */
#define PBUF_SIZE 4096
struct ms {
	struct tcp_sock *lis, *conn;
	uint8_t bufs[2][PBUF_SIZE];
	bool free_buf[2];
	uint64_t got, accepts, in_events;
	bool bad, eof, closed;
};

static void ms_recv(struct ms *m)
{
	long n;
	int b, i;

	for (b = 0; b < 2 && !m->eof; b++) {
		if (!m->free_buf[b])
			continue;
		n = tcp_recv(m->conn, m->bufs[b], PBUF_SIZE);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			m->eof = true;
			break;
		}
		for (i = 0; i < n; i++)
			m->bad |= m->bufs[b][i] != pattern(0, m->got + (uint64_t)i);
		m->got += (uint64_t)n;
		m->free_buf[b] = false; /* the completion holds it until recycled */
	}
	if (m->eof && !m->closed) {
		tcp_close(m->conn); /* from inside the callback: freed only after it returns */
		m->closed = true;
	}
}

static void ms_conn_notify(struct tcp_sock *s, void *arg, unsigned ev)
{
	struct ms *m = arg;

	(void)s;
	m->in_events += !!(ev & TCP_EV_IN);
	if (ev & (TCP_EV_IN | TCP_EV_HUP))
		ms_recv(m);
}

static void ms_lis_notify(struct tcp_sock *s, void *arg, unsigned ev)
{
	struct ms *m = arg;
	struct tcp_sock *c;

	if (!(ev & TCP_EV_ACCEPT))
		return;
	while (tcp_accept(s, &c) == 0) {
		m->accepts++;
		m->conn = c;
		tcp_set_notify(c, ms_conn_notify, m);
		ms_recv(m); /* data may have come with the handshake's end */
	}
}

static bool ms_done(struct sim *sim, void *arg)
{
	struct stream *s = arg;

	(void)sim;
	pump(s);
	return false;
}

static void test_notify_driven_receive_with_scarce_buffers(void)
{
	struct sim *sim = sim_new(17);
	static struct ms m;
	struct stream s = {0};
	struct tcp_sock *cli;
	uint64_t t;
	unsigned i, min_wnd = 65535;

	memset(&m, 0, sizeof(m));
	m.free_buf[0] = m.free_buf[1] = true;
	UT_EQ(tcp_open(&sim->st[1], &m.lis), 0);
	tcp_set_notify(m.lis, ms_lis_notify, &m);
	UT_EQ(tcp_bind(m.lis, 0, PORT), 0);
	UT_EQ(tcp_listen(m.lis, 4), 0);
	UT_EQ(tcp_open(&sim->st[0], &cli), 0);
	UT_EQ(tcp_connect(cli, SIM_ADDR(0), SIM_ADDR(1), PORT), -EINPROGRESS);
	s = (struct stream){.tx = cli, .rx = cli, .dir = 0, .total = 1 << 20};
	for (t = sim->now; !m.closed && sim->now < t + 600 * SIM_S;) {
		sim_run(sim, ms_done, &s, sim->now + 50 * SIM_MS);
		m.free_buf[m.got / PBUF_SIZE % 2] = true; /* recycle one buffer */
		if (m.conn && !m.closed)
			ms_recv(&m); /* a provided buffer came back: retry the pending receive */
	}
	UT_ASSERT(m.closed);
	UT_EQ(m.accepts, 1);
	UT_ASSERT(!m.bad);
	UT_EQ(m.got, 1 << 20);
	UT_ASSERT(m.in_events > 10); /* data announced as it came, not only at the end */
	for (i = 0; i < sim->nlog && i < SIM_LOG_MAX; i++)
		if (sim_log_at(sim, i)->from == 1 && sim_log_at(sim, i)->wnd < min_wnd)
			min_wnd = sim_log_at(sim, i)->wnd;
	UT_ASSERT(min_wnd < PBUF_SIZE); /* the window closed down while no buffer was free */
	tcp_close(cli);
	tcp_close(m.lis);
	sim_free(sim);
}

/*
 * Keep-alive (RFC 9293 3.8.4) is off by default: an idle connection sends
 * nothing for three hours. Turned on (2 h idle, 75 s interval, 9 probes), it
 * probes after 2 h of silence with SEG.SEQ = SND.NXT - 1; the peer's answer
 * keeps the connection; when the peer is gone, the connection fails with
 * -ETIMEDOUT after the 9 unanswered probes.
 */
static void test_keepalive_off_by_default_then_probes(void)
{
	struct sim *sim = sim_new(18);
	struct sim_pair p;
	unsigned n, i, probes = 0;
	uint64_t t0, t_first = 0;
	const struct sim_seg *g;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim_run_to(sim, sim->now + SIM_S);
	n = sim->nlog;
	sim_run_to(sim, sim->now + 3 * 3600 * SIM_S);
	UT_EQ(sim->nlog, n);
	t0 = sim->now;
	tcp_set_keepalive(p.cli, 2 * 3600 * SIM_S, 75 * SIM_S, 9);
	sim_run_to(sim, t0 + 2 * 3600 * SIM_S + SIM_S);
	UT_EQ(sim->nlog, n + 2); /* the probe and the peer's ACK */
	g = sim_log_at(sim, n);
	UT_EQ(g->at, t0 + 2 * 3600 * SIM_S);
	UT_EQ(g->from, 0);
	UT_EQ(g->seq, sim_log_at(sim, n + 1)->ack - 1);
	UT_EQ(tcp_get_state(p.cli), TCP_ESTABLISHED);
	sim->blackhole[1] = true;
	UT_ASSERT(sim_run(sim, sock_error, p.cli, sim->now + 4 * 3600 * SIM_S));
	for (i = n + 2; i < sim->nlog; i++)
		if (sim_log_at(sim, i)->from == 0 && !probes++)
			t_first = sim_log_at(sim, i)->at;
	UT_EQ(probes, 9);
	UT_EQ(t_first, sim_log_at(sim, n + 1)->at + sim->delay_ns + 2 * 3600 * SIM_S);
	UT_EQ(sim->now, t_first + 9 * 75 * SIM_S);
	UT_EQ(tcp_error(p.cli), -ETIMEDOUT);
	tcp_abort(p.srv), tcp_close(p.cli), tcp_close(p.lis);
	sim_free(sim);
}

struct drop_set {
	uint32_t base;
	bool have_base;
	unsigned which[3], done;
};

static bool drop_three_segments(struct sim *sim, const struct sim_seg *s, void *arg)
{
	struct drop_set *d = arg;
	unsigned i;

	(void)sim;
	if (s->from != 0 || !s->len)
		return true;
	if (!d->have_base) {
		d->base = s->seq;
		d->have_base = true;
	}
	for (i = 0; i < 3; i++)
		if (!(d->done & 1u << i) && s->seq == d->base + d->which[i] * 1460) {
			d->done |= 1u << i;
			return false;
		}
	return true;
}

/*
 * Three segments lost in one window: the receiver's SACK blocks tell the
 * sender where every hole is, so it retransmits all three within one round
 * trip of the fast retransmit (RFC 6675 style), where NewReno alone needs a
 * round trip per hole; no timeout.
 */
static void test_sack_recovers_three_losses_in_one_round_trip(void)
{
	struct sim *sim = sim_new(19);
	struct drop_set d = {.which = {30, 34, 38}};
	struct stream s = {0};
	struct sim_pair p;
	uint64_t t[3][4];
	unsigned i;

	sim->delay_ns = 20 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->filter = drop_three_segments, sim->filter_arg = &d;
	s = (struct stream){.tx = p.cli, .rx = p.srv, .total = 80 * 1460};
	UT_ASSERT(sim_run(sim, got_all, &s, sim->now + 60 * SIM_S));
	UT_ASSERT(!s.bad);
	UT_EQ(d.done, 7);
	UT_EQ(stats_of(p.cli).timeouts, 0);
	for (i = 0; i < 3; i++) /* a third copy may follow a partial ACK (NewReno's rule) */
		UT_ASSERT(send_times(sim, 0, d.base + d.which[i] * 1460, t[i], 4) >= 2);
	UT_ASSERT(t[1][1] - t[0][1] < 40 * SIM_MS); /* within one round trip */
	UT_ASSERT(t[2][1] - t[0][1] < 40 * SIM_MS);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/* An output failure of the IP layer (no ARP entry yet ...) is counted; the retransmission timer
 * recovers. */
static void test_output_failure_counted_and_retransmitted(void)
{
	struct sim *sim = sim_new(20);
	struct sim_pair p;
	char buf[16];

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->fail_output[0] = true;
	UT_EQ(tcp_send(p.cli, "abc", 3), 3);
	UT_EQ(sim->st[0].tx_errors, 1);
	sim->fail_output[0] = false;
	sim_run_to(sim, sim->now + 2 * SIM_S);
	UT_EQ(tcp_recv(p.srv, buf, sizeof(buf)), 3);
	UT_EQ(stats_of(p.cli).timeouts, 1);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static bool drop_first_data(struct sim *sim, const struct sim_seg *s, void *arg)
{
	bool *done = arg;

	(void)sim;
	if (s->from == 0 && s->len && !*done) {
		*done = true;
		return false;
	}
	return true;
}

/*
 * Limited transmit (RFC 3042): five segments, the first lost, an initial
 * window of three. The two duplicate ACKs for segments 2 and 3 each release
 * one new segment (4, then 5), whose duplicate ACK is the third: a fast
 * retransmit, no timeout.
 */
static void test_limited_transmit_turns_small_window_loss_into_fast_retransmit(void)
{
	struct sim *sim = sim_new(21);
	struct stream s = {0};
	struct sim_pair p;
	bool done = false;

	sim->delay_ns = 20 * SIM_MS;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->filter = drop_first_data, sim->filter_arg = &done;
	s = (struct stream){.tx = p.cli, .rx = p.srv, .total = 5 * 1460};
	UT_ASSERT(sim_run(sim, got_all, &s, sim->now + 60 * SIM_S));
	UT_ASSERT(done && !s.bad);
	UT_EQ(stats_of(p.cli).fast_retransmits, 1);
	UT_EQ(stats_of(p.cli).timeouts, 0);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static bool drop_first_syn(struct sim *sim, const struct sim_seg *s, void *arg)
{
	bool *done = arg;

	(void)sim;
	if (s->from == 0 && s->flags == 0x02 && !*done) {
		*done = true;
		return false;
	}
	return true;
}

/*
 * RFC 6298 5.7: the SYN was lost and retransmitted, so the handshake gives no
 * RTT sample (Karn) and the RTO for the data starts at 3 s, not at the 1 s
 * initial value.
 */
static void test_rto_is_3s_after_a_lost_syn(void)
{
	struct sim *sim = sim_new(22);
	struct sim_pair p;
	bool done = false;

	sim->filter = drop_first_syn, sim->filter_arg = &done;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_ASSERT(done);
	UT_EQ(stats_of(p.cli).rto_ns, 3 * SIM_S);
	UT_EQ(stats_of(p.cli).srtt_ns, 0);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/*
 * An orphan (closed by the application) whose peer never closes stays in
 * FIN-WAIT-2 for 60 s, then its control block is freed; the peer, still in
 * CLOSE-WAIT, is not told (as in Linux, tcp_fin_timeout).
 */
static void test_orphan_fin_wait_2_times_out(void)
{
	struct sim *sim = sim_new(23);
	struct sim_pair p;
	uint64_t t;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	tcp_close(p.cli);
	sim_run_to(sim, sim->now + SIM_S);
	t = sim->now;
	UT_ASSERT(sim->st[0].socks != NULL);
	UT_EQ(tcp_get_state(p.srv), TCP_CLOSE_WAIT);
	sim_run_to(sim, t + 58 * SIM_S);
	UT_ASSERT(sim->st[0].socks != NULL);
	sim_run_to(sim, t + 60 * SIM_S);
	UT_ASSERT(sim->st[0].socks == NULL);
	tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/* Closing a listener resets the connections still waiting in its accept queue. */
static void test_listener_close_resets_queued_connections(void)
{
	struct sim *sim = sim_new(24);
	struct tcp_sock *lis, *c;
	char b;

	UT_EQ(tcp_open(&sim->st[1], &lis), 0);
	UT_EQ(tcp_bind(lis, 0, PORT), 0);
	UT_EQ(tcp_listen(lis, 4), 0);
	UT_EQ(tcp_open(&sim->st[0], &c), 0);
	UT_EQ(tcp_connect(c, SIM_ADDR(0), SIM_ADDR(1), PORT), -EINPROGRESS);
	sim_run_to(sim, sim->now + SIM_S);
	UT_EQ(tcp_get_state(c), TCP_ESTABLISHED);
	tcp_close(lis);
	UT_ASSERT(sim->st[1].socks == NULL);
	sim_run_to(sim, sim->now + SIM_S);
	UT_EQ(tcp_get_state(c), TCP_CLOSED);
	UT_EQ(tcp_recv(c, &b, 1), -ECONNRESET);
	tcp_close(c);
	sim_free(sim);
}

static void tcp_sock_cap(struct async_pool *pool, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(pool, &st);
	if (!strcmp(st.name, "tcp_sock"))
		*(unsigned *)arg = st.capacity;
}

/*
 * More connections than control blocks, each leaving one in TIME-WAIT (the
 * client closes first) well inside 2*MSL: once the pool is empty, a new
 * socket takes the oldest orphaned TIME-WAIT block (counted in
 * tw_reclaimed) instead of tcp_open failing with -ENOMEM.
 */
static void test_time_wait_block_reclaimed_when_pool_is_empty(void)
{
	struct sim *sim = sim_new(25);
	struct tcp_stack_stats ss;
	struct tcp_sock *lis;
	unsigned cap = 0;
	uint64_t start;
	char b;

	async_pool_foreach(tcp_sock_cap, &cap);
	UT_ASSERT(cap > 0);
	UT_EQ(tcp_open(&sim->st[1], &lis), 0);
	UT_EQ(tcp_bind(lis, 0, PORT), 0);
	UT_EQ(tcp_listen(lis, 4), 0);
	start = sim->now;
	for (unsigned i = 0; i < cap + 8; i++) {
		struct sim_pair p = {.lis = lis};

		UT_EQ(tcp_open(&sim->st[0], &p.cli), 0);
		UT_EQ(tcp_connect(p.cli, SIM_ADDR(0), SIM_ADDR(1), PORT), -EINPROGRESS);
		UT_ASSERT(sim_run(sim, sim_pair_accepted, &p, sim->now + 10 * SIM_S));
		tcp_close(p.cli);
		run_until_state(sim, p.srv, TCP_CLOSE_WAIT, 10 * SIM_S);
		UT_EQ(tcp_recv(p.srv, &b, 1), 0);
		tcp_close(p.srv);
		run_until_state(sim, p.cli, TCP_TIME_WAIT, 10 * SIM_S);
	}
	UT_ASSERT(sim->now - start < 60 * SIM_S); /* no TIME-WAIT ended by itself */
	tcp_get_stack_stats(&sim->st[0], &ss);
	UT_ASSERT(ss.tw_reclaimed >= 8);
	tcp_close(lis);
	sim_free(sim);
}

static const struct utest tests[] = {
    UTEST(test_bulk_32mib_each_way_over_lossy_link),
    UTEST(test_simultaneous_open),
    UTEST(test_simultaneous_close),
    UTEST(test_time_wait_duration),
    UTEST(test_time_wait_lasts_2msl_and_restarts_on_fin),
    UTEST(test_rto_follows_rfc6298_and_backs_off),
    UTEST(test_syn_retransmission_backoff),
    UTEST(test_initial_window_is_three_segments),
    UTEST(test_fast_retransmit_on_third_dup_ack),
    UTEST(test_zero_window_probes_back_off_and_recover),
    UTEST(test_backlog_full_drops_syn_until_accept),
    UTEST(test_notify_driven_receive_with_scarce_buffers),
    UTEST(test_keepalive_off_by_default_then_probes),
    UTEST(test_sack_recovers_three_losses_in_one_round_trip),
    UTEST(test_output_failure_counted_and_retransmitted),
    UTEST(test_limited_transmit_turns_small_window_loss_into_fast_retransmit),
    UTEST(test_rto_is_3s_after_a_lost_syn),
    UTEST(test_orphan_fin_wait_2_times_out),
    UTEST(test_listener_close_resets_queued_connections),
    UTEST(test_time_wait_block_reclaimed_when_pool_is_empty),
};
UTEST_MAIN("tcp_sim", tests)
