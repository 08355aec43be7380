/*
 * tcp_sim: two TCP engines over the simulated link of tests/host/lib/tcpsim.c:
 * bulk transfer through loss, duplication and reordering, the handshake and
 * close variants of RFC 9293 3.5/3.6, TIME_WAIT, backlog, zero window.
 */
#include "tcpsim.h"
#include "utest.h"

#define PORT 8080

struct pair {
	struct tcp_sock *lis, *cli, *srv;
};

static bool accepted(struct sim *sim, void *arg)
{
	struct pair *p = arg;

	(void)sim;
	if (!p->srv)
		tcp_accept(p->lis, &p->srv);
	return p->srv && tcp_get_state(p->cli) == TCP_ESTABLISHED;
}

/* A listener on stack 1 and a connection to it from stack 0. */
static void connect_pair(struct sim *sim, struct pair *p)
{
	memset(p, 0, sizeof(*p));
	UT_EQ(tcp_open(&sim->st[1], &p->lis), 0);
	UT_EQ(tcp_bind(p->lis, 0, PORT), 0);
	UT_EQ(tcp_listen(p->lis, 8), 0);
	UT_EQ(tcp_open(&sim->st[0], &p->cli), 0);
	UT_EQ(tcp_connect(p->cli, SIM_ADDR(0), SIM_ADDR(1), PORT), -EINPROGRESS);
	UT_ASSERT(sim_run(sim, accepted, p, sim->now + 120 * SIM_S));
	UT_EQ(tcp_get_state(p->srv), TCP_ESTABLISHED);
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
	struct pair p;
	uint64_t t0;
	char ss[2048];

	sim->drop_pm = 20, sim->dup_pm = 10, sim->reorder_pm = 30;
	sim->delay_ns = 2 * SIM_MS, sim->jitter_ns = 6 * SIM_MS;
	connect_pair(sim, &p);
	memset(s, 0, sizeof(s));
	s[0] = (struct stream){.tx = p.cli, .rx = p.srv, .dir = 0, .total = 32u << 20};
	s[1] = (struct stream){.tx = p.srv, .rx = p.cli, .dir = 1, .total = 32u << 20};
	t0 = sim->now;
	UT_ASSERT(sim_run(sim, both_done, s, t0 + 600 * SIM_S));
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

static const struct utest tests[] = {
    UTEST(test_bulk_32mib_each_way_over_lossy_link),
};
UTEST_MAIN("tcp_sim", tests)
