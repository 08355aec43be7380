/*
 * tcp_copy: the engine's zero-bounce calls tcp_send_from / tcp_recv_into
 * (include/net/tcp.h), which hand the ring's storage to the caller's callback
 * instead of copying through a contiguous buffer: the pieces are in stream
 * order, cover exactly the bytes counted, split where the ring wraps, and the
 * bytes arrive intact on the other engine over tests/host/lib/tcpsim.c.
 */
#include "tcpsim.h"
#include "utest.h"

#include <async/pool.h>

#define PORT 8081
#define RING 65536 /* the engine's default TCP_RING_SIZE: the wrap points below assume it */

static void close_pair(struct sim *sim, struct sim_pair *p)
{
	tcp_abort(p->cli);
	tcp_abort(p->srv);
	tcp_close(p->lis);
	sim_free(sim);
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)((off * 131 + (off >> 9)) % 253);
}

/* What a callback saw: its pieces (offset, length) in call order, and the bytes. */
struct pieces {
	unsigned n;
	size_t off[4], len[4];
	uint64_t base; /* stream offset of the call's byte 0 */
	bool bad;      /* a byte differed from the pattern */
};

static void fill(void *arg, size_t off, void *dst, size_t n)
{
	struct pieces *p = arg;

	if (p->n < 4) {
		p->off[p->n] = off;
		p->len[p->n] = n;
	}
	p->n++;
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = pattern(p->base + off + i);
}

static void drain(void *arg, size_t off, const void *src, size_t n)
{
	struct pieces *p = arg;

	if (p->n < 4) {
		p->off[p->n] = off;
		p->len[p->n] = n;
	}
	p->n++;
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)src)[i] != pattern(p->base + off + i))
			p->bad = true;
}

/* Reads everything @s holds now through tcp_recv_into, checking the pattern from @*got. */
static void drain_all(struct tcp_sock *s, uint64_t *got)
{
	struct pieces p = {.base = *got};
	long n;

	while ((n = tcp_recv_into(s, 1 << 20, drain, &p)) > 0) {
		*got += (uint64_t)n;
		p.base = *got;
	}
	UT_ASSERT(!p.bad);
}

struct flow {
	struct tcp_sock *rx;
	uint64_t got, want;
};

static bool flow_done(struct sim *sim, void *arg)
{
	struct flow *f = arg;

	(void)sim;
	drain_all(f->rx, &f->got);
	return f->got >= f->want;
}

/*
 * A send whose place in the send ring wraps past its end: the fill callback
 * gets two pieces, [0, RING - head) then the rest, and the receiver reads
 * the pattern intact.
 */
static void test_send_from_splits_at_the_ring_wrap_and_arrives_intact(void)
{
	struct sim *sim = sim_new(7);
	struct sim_pair p;
	struct pieces a = {.base = 0}, b = {.base = 40000};
	struct flow f;

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	f = (struct flow){.rx = p.srv, .want = 40000};
	UT_EQ(tcp_send_from(p.cli, 40000, fill, &a), 40000);
	UT_EQ(a.n, 1u);
	UT_ASSERT(sim_run(sim, flow_done, &f, sim->now + 30 * SIM_S));
	sim_run_to(sim, sim->now + SIM_S); /* all acknowledged: the ring's head is at 40000 */
	UT_EQ(tcp_send_from(p.cli, 40000, fill, &b), 40000);
	UT_EQ(b.n, 2u);
	UT_EQ(b.off[0], 0u);
	UT_EQ(b.len[0], (size_t)(RING - 40000));
	UT_EQ(b.off[1], (size_t)(RING - 40000));
	UT_EQ(b.len[1], (size_t)(40000 - (RING - 40000)));
	f.want = 80000;
	UT_ASSERT(sim_run(sim, flow_done, &f, sim->now + 30 * SIM_S));
	UT_EQ(f.got, 80000u);
	close_pair(sim, &p);
}

/*
 * With the peer unreachable nothing is acknowledged: a send larger than the
 * room left queues exactly the room (a short count, the callback covering
 * just that), and a send into a full ring is -EAGAIN without calling it.
 */
static void test_send_from_short_count_then_eagain_without_callback(void)
{
	struct sim *sim = sim_new(8);
	struct sim_pair p;
	struct pieces a = {.base = 0}, b = {.base = RING - 100}, c = {.base = RING};

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->blackhole[0] = true;
	UT_EQ(tcp_send_from(p.cli, RING - 100, fill, &a), RING - 100);
	UT_EQ(tcp_send_from(p.cli, 1000, fill, &b), 100);
	UT_EQ(b.n, 1u);
	UT_EQ(b.len[0], 100u);
	UT_EQ(tcp_send_from(p.cli, 1000, fill, &c), -EAGAIN);
	UT_EQ(c.n, 0u);
	close_pair(sim, &p);
}

/*
 * Received data that wraps in the receive ring reaches the drain callback as
 * two pieces in stream order; at the end of the stream tcp_recv_into returns
 * 0 without calling it.
 */
static void test_recv_into_splits_at_the_ring_wrap_then_eof(void)
{
	struct sim *sim = sim_new(9);
	struct sim_pair p;
	struct pieces a = {.base = 0}, b = {.base = 50000}, e = {.base = 100000};
	uint8_t buf[50000];

	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	UT_EQ(tcp_send(p.cli, buf, sizeof(buf)), (long)sizeof(buf));
	sim_run_to(sim, sim->now + 5 * SIM_S);
	UT_EQ(tcp_recv_into(p.srv, 1 << 20, drain, &a), 50000);
	UT_ASSERT(!a.bad);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(50000 + i);
	UT_EQ(tcp_send(p.cli, buf, sizeof(buf)), (long)sizeof(buf));
	UT_EQ(tcp_shutdown(p.cli, 1), 0);
	sim_run_to(sim, sim->now + 5 * SIM_S);
	UT_EQ(tcp_recv_into(p.srv, 1 << 20, drain, &b), 50000);
	UT_ASSERT(!b.bad);
	UT_EQ(b.n, 2u);
	UT_EQ(b.len[0], (size_t)(RING - 50000));
	UT_EQ(b.off[1], (size_t)(RING - 50000));
	UT_EQ(b.len[0] + b.len[1], 50000u);
	UT_EQ(tcp_recv_into(p.srv, 1 << 20, drain, &e), 0);
	UT_EQ(e.n, 0u);
	close_pair(sim, &p);
}

static const struct utest tests[] = {
    UTEST(test_send_from_splits_at_the_ring_wrap_and_arrives_intact),
    UTEST(test_send_from_short_count_then_eagain_without_callback),
    UTEST(test_recv_into_splits_at_the_ring_wrap_then_eof),
};
UTEST_MAIN("tcp_copy", tests)
