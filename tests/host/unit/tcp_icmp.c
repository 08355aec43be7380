/*
 * tcp_icmp: ICMP errors about the engine's segments (RFC 1122 4.2.3.9, RFC
 * 5927) and path-MTU discovery (RFC 1191), through tcp_icmp_unreach and
 * tcp_icmp_frag_needed, on the simulated link of tests/host/lib/tcpsim.c.
 * The PMTU cases play the router in a link filter: a segment of stack 0 above
 * the path MTU is dropped and answered (after the engine call that sent it
 * returns: the engine is not reentrant) with "fragmentation needed".
 */
#include "tcpsim.h"
#include "utest.h"

#define PORT 8080
#define A    SIM_ADDR(0)
#define B    SIM_ADDR(1)

static struct tcp_conn_stats stats_of(struct tcp_sock *s)
{
	struct tcp_conn_stats c;

	tcp_get_stats(s, &c);
	return c;
}

static uint64_t icmp_ignored(struct tcp_stack *st)
{
	struct tcp_stack_stats c;

	tcp_get_stack_stats(st, &c);
	return c.icmp_ignored;
}

static bool errored(struct sim *sim, void *arg)
{
	(void)sim;
	return tcp_poll(arg) & TCP_EV_ERR;
}

/* The sequence number of stack 0's last segment, which carries @len bytes. */
static uint32_t sent_seq(struct sim *sim, uint32_t len)
{
	const struct sim_seg *g = sim_log_at(sim, sim->nlog - 1);

	UT_EQ(g->from, 0);
	UT_EQ(g->len, len);
	return g->seq;
}

/* A connected pair, then stack 1 goes silent: what stack 0 sends is lost. */
static struct sim *pair_then_blackhole(struct sim_pair *p)
{
	struct sim *sim = sim_new(7);

	UT_EQ(sim_connect_pair(sim, p, PORT), 0);
	sim->blackhole[0] = true;
	return sim;
}

/*
 * A host unreachable quoting a segment in flight of an established
 * connection is a soft error: the connection stays, the retransmissions go
 * on, stats show the error; when the retransmissions run out the connection
 * ends with it instead of -ETIMEDOUT (RFC 1122 4.2.3.9, as Linux's
 * sk_err_soft).
 */
static void test_unreach_on_established_is_soft_and_reported_on_timeout(void)
{
	struct sim_pair p;
	struct sim *sim = pair_then_blackhole(&p);
	struct tcp_conn_stats c;
	uint32_t una;

	UT_EQ(tcp_send(p.cli, "hello", 5), 5);
	una = sent_seq(sim, 5);
	tcp_icmp_unreach(&sim->st[0], A, stats_of(p.cli).lport, B, PORT, una, -EHOSTUNREACH);
	c = stats_of(p.cli);
	UT_EQ(c.state, TCP_ESTABLISHED);
	UT_EQ(c.soft_error, -EHOSTUNREACH);
	UT_EQ(c.icmp_soft_errors, 1);
	UT_EQ(tcp_poll(p.cli) & TCP_EV_ERR, 0);
	sim_run_to(sim, sim->now + 5 * SIM_S);
	UT_ASSERT(stats_of(p.cli).retransmits >= 2); /* still trying */
	UT_ASSERT(sim_run(sim, errored, p.cli, sim->now + 3600 * SIM_S));
	UT_EQ(tcp_error(p.cli), -EHOSTUNREACH);
	sim_free(sim);
}

/* Without an ICMP error the same silence ends with -ETIMEDOUT; with one and then an ACK of new
 * data, the error is forgotten (the path works) and the timeout is -ETIMEDOUT again. */
static void test_soft_error_forgotten_after_new_ack(void)
{
	struct sim_pair p;
	struct sim *sim = sim_new(8);
	uint32_t seq;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(tcp_send(p.cli, "a", 1), 1);
	seq = sent_seq(sim, 1);
	tcp_icmp_unreach(&sim->st[0], A, stats_of(p.cli).lport, B, PORT, seq, -ENETUNREACH);
	UT_EQ(stats_of(p.cli).soft_error, -ENETUNREACH);
	sim_run_to(sim, sim->now + 2 * SIM_S); /* the ACK comes */
	UT_EQ(stats_of(p.cli).send_q, 0);
	UT_EQ(stats_of(p.cli).soft_error, 0);
	sim->blackhole[0] = true;
	UT_EQ(tcp_send(p.cli, "b", 1), 1);
	UT_ASSERT(sim_run(sim, errored, p.cli, sim->now + 3600 * SIM_S));
	UT_EQ(tcp_error(p.cli), -ETIMEDOUT);
	sim_free(sim);
}

/*
 * RFC 5927 4.1: an error quoting a sequence number not in flight (below
 * SND.UNA or at/after SND.MAX), or ports of no connection, is ignored and
 * counted.
 */
static void test_quote_outside_flight_or_of_no_connection_ignored(void)
{
	struct sim_pair p;
	struct sim *sim = pair_then_blackhole(&p);
	uint16_t lport;
	uint32_t seq;

	lport = stats_of(p.cli).lport;
	UT_EQ(tcp_send(p.cli, "0123456789", 10), 10);
	seq = sent_seq(sim, 10);
	tcp_icmp_unreach(&sim->st[0], A, lport, B, PORT, seq + 10, -EHOSTUNREACH); /* SND.MAX */
	tcp_icmp_unreach(&sim->st[0], A, lport, B, PORT, seq - 1, -EHOSTUNREACH);  /* acked */
	tcp_icmp_unreach(&sim->st[0], A, lport, B, PORT + 1, seq, -EHOSTUNREACH);  /* no conn */
	tcp_icmp_frag_needed(&sim->st[0], A, lport, B, PORT, seq + 4000, 600);
	UT_EQ(icmp_ignored(&sim->st[0]), 4);
	UT_EQ(stats_of(p.cli).soft_error, 0);
	UT_EQ(stats_of(p.cli).mss, 1460);
	tcp_icmp_unreach(&sim->st[0], A, lport, B, PORT, seq + 9, -EHOSTUNREACH); /* in flight */
	UT_EQ(stats_of(p.cli).soft_error, -EHOSTUNREACH);
	UT_EQ(icmp_ignored(&sim->st[0]), 4);
	sim_free(sim);
}

/* In SYN-SENT a port unreachable quoting our SYN ends the attempt at once (-ECONNREFUSED, as
 * Linux); one quoting another sequence number does not. */
static void test_unreach_in_syn_sent_fails_connect_only_for_our_syn(void)
{
	struct sim *sim = sim_new(9);
	struct tcp_sock *c;
	uint32_t iss;

	sim->blackhole[0] = true;
	UT_EQ(tcp_open(&sim->st[0], &c), 0);
	UT_EQ(tcp_bind(c, A, 4000), 0);
	UT_EQ(tcp_connect(c, A, B, PORT), -EINPROGRESS);
	iss = sim_log_at(sim, sim->nlog - 1)->seq;
	tcp_icmp_unreach(&sim->st[0], A, 4000, B, PORT, iss + 1, -ECONNREFUSED);
	UT_EQ(tcp_get_state(c), TCP_SYN_SENT);
	tcp_icmp_unreach(&sim->st[0], A, 4000, B, PORT, iss, -ECONNREFUSED);
	UT_EQ(tcp_get_state(c), TCP_CLOSED);
	UT_EQ(tcp_error(c), -ECONNREFUSED);
	tcp_close(c);
	sim_free(sim);
}

/* The router of the PMTU cases: drops stack 0's segments above @mtu and remembers them. */
struct router {
	uint32_t mtu;
	unsigned dropped, npend, too_big_after;
	struct {
		uint16_t sport, dport;
		uint32_t seq;
	} pend[64];
	bool told; /* an ICMP was delivered */
};

static bool router_filter(struct sim *sim, const struct sim_seg *s, void *arg)
{
	struct router *r = arg;

	(void)sim;
	if (s->from != 0 || s->hlen + s->len + 20 <= r->mtu)
		return true;
	if (r->told)
		r->too_big_after++;
	r->dropped++;
	if (r->npend < 64) {
		r->pend[r->npend].sport = s->sport;
		r->pend[r->npend].dport = s->dport;
		r->pend[r->npend].seq = s->seq;
		r->npend++;
	}
	return false;
}

/* Delivers the router's pending "fragmentation needed" messages to stack 0. */
static void router_tell(struct sim *sim, struct router *r)
{
	for (unsigned i = 0; i < r->npend; i++)
		tcp_icmp_frag_needed(&sim->st[0], A, r->pend[i].sport, B, r->pend[i].dport,
				     r->pend[i].seq, r->mtu);
	if (r->npend)
		r->told = true;
	r->npend = 0;
}

/* Sends @total bytes from @tx to @rx through the router; true when all arrived intact. */
static bool transfer(struct sim *sim, struct router *r, struct tcp_sock *tx, struct tcp_sock *rx,
		     size_t total)
{
	static uint8_t buf[8192];
	uint64_t limit = sim->now + 600 * SIM_S;
	size_t sent = 0, got = 0;
	bool intact = true;
	long n;

	while (got < total && sim->now < limit) {
		while (sent < total) {
			size_t want = total - sent < sizeof(buf) ? total - sent : sizeof(buf);

			for (size_t i = 0; i < want; i++)
				buf[i] = (uint8_t)((sent + i) * 31 / 7);
			if ((n = tcp_send(tx, buf, want)) <= 0)
				break;
			sent += (size_t)n;
		}
		while ((n = tcp_recv(rx, buf, sizeof(buf))) > 0) {
			for (long i = 0; i < n; i++)
				intact &= buf[i] == (uint8_t)((got + (size_t)i) * 31 / 7);
			got += (size_t)n;
		}
		router_tell(sim, r);
		if (!sim_step(sim, limit))
			break;
	}
	if (!intact || got != total)
		fprintf(stderr,
			"transfer: %zu of %zu sent, %zu got, intact %d, now %llu ms, mss %u, "
			"dropped %u\n",
			sent, total, got, intact, (unsigned long long)(sim->now / SIM_MS),
			stats_of(tx).mss, r->dropped);
	return intact && got == total;
}

/*
 * RFC 1191 through a router whose next hop carries 1000 bytes: the first
 * full-sized segments are dropped and answered with "fragmentation needed";
 * the sender lowers its MSS to 960 at once (one update for all the reports),
 * sends the lost data again in segments that fit, and 256 KiB arrive intact
 * with no segment too big after the report. The path MTU is cached: a second
 * connection to the same host starts with MSS 960 and loses nothing.
 */
static void test_frag_needed_lowers_mss_and_data_arrives_intact(void)
{
	struct sim *sim = sim_new(11);
	struct router r = {.mtu = 1000};
	struct sim_pair p, q;
	struct tcp_conn_stats c;

	sim->filter = router_filter;
	sim->filter_arg = &r;
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(stats_of(p.cli).mss, 1460);
	UT_ASSERT(transfer(sim, &r, p.cli, p.srv, 256 * 1024));
	c = stats_of(p.cli);
	UT_EQ(c.mss, 960);
	UT_EQ(c.pmtu, 1000);
	UT_EQ(c.pmtu_updates, 1);
	UT_ASSERT(r.dropped >= 1);
	UT_EQ(r.too_big_after, 0);
	UT_EQ(c.timeouts, 0); /* sent again at the report, not after an RTO */
	UT_EQ(tcp_pmtu_get(&sim->st[0], B), 1000);
	UT_EQ(tcp_pmtu_get(&sim->st[0], SIM_ADDR(5)), 1500);

	r.dropped = 0;
	UT_EQ(sim_connect_pair(sim, &q, PORT + 1), 0);
	UT_EQ(stats_of(q.cli).mss, 960);
	UT_ASSERT(transfer(sim, &r, q.cli, q.srv, 64 * 1024));
	UT_EQ(r.dropped, 0);
	sim_free(sim);
}

/*
 * RFC 5927 7.2: a next-hop MTU below TCP_PMTU_MIN (552) is raised to it; a
 * larger one than the path MTU known changes nothing; after TCP_PMTU_TTL_NS
 * (10 min) the cache entry is gone and new connections use the full MTU.
 */
static void test_frag_needed_clamped_and_cache_expires(void)
{
	struct sim_pair p;
	struct sim *sim = pair_then_blackhole(&p);
	uint16_t lport = stats_of(p.cli).lport;
	uint32_t seq;

	UT_EQ(tcp_send(p.cli, "0123456789", 10), 10);
	seq = sent_seq(sim, 10);
	tcp_icmp_frag_needed(&sim->st[0], A, lport, B, PORT, seq, 68);
	UT_EQ(stats_of(p.cli).mss, 512);
	UT_EQ(stats_of(p.cli).pmtu, 552);
	tcp_icmp_frag_needed(&sim->st[0], A, lport, B, PORT, seq, 1200);
	UT_EQ(stats_of(p.cli).mss, 512);
	UT_EQ(tcp_pmtu_get(&sim->st[0], B), 552);
	UT_EQ(stats_of(p.cli).pmtu_updates, 1);
	sim_run_to(sim, sim->now + 601 * SIM_S);
	UT_EQ(tcp_pmtu_get(&sim->st[0], B), 1500);
	sim_free(sim);
}

static const struct utest tests[] = {
    UTEST(test_unreach_on_established_is_soft_and_reported_on_timeout),
    UTEST(test_soft_error_forgotten_after_new_ack),
    UTEST(test_quote_outside_flight_or_of_no_connection_ignored),
    UTEST(test_unreach_in_syn_sent_fails_connect_only_for_our_syn),
    UTEST(test_frag_needed_lowers_mss_and_data_arrives_intact),
    UTEST(test_frag_needed_clamped_and_cache_expires),
};
UTEST_MAIN("tcp_icmp", tests)
