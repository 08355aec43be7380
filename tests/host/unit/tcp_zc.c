/*
 * tcp_zc: zero-copy transmit (tcp_lower.output_ref, net/tcp/tcp_txref.c).
 * A lower that keeps reading a data segment's payload from the send ring
 * after output returns (a NIC's descriptors) holds it until tcp_txref_put;
 * meanwhile the engine must not reuse those ring bytes, even once the peer
 * has acknowledged them (the ACK can come before the card is done), nor give
 * the ring back to the pool when the connection ends. Over the simulated
 * link of tests/host/lib/tcpsim.c with sim_hold_payloads().
 */
#include "tcpsim.h"
#include "utest.h"

#include <async/pool.h>
#include <string.h>

#define PORT 8082
#define RING 65536 /* the engine's default TCP_RING_SIZE */

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)((off * 131 + (off >> 9)) % 253);
}

struct stream {
	uint64_t base; /* stream offset of the call's byte 0 */
	bool bad;
};

static void fill(void *arg, size_t off, void *dst, size_t n)
{
	struct stream *p = arg;

	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = pattern(p->base + off + i);
}

static void drain(void *arg, size_t off, const void *src, size_t n)
{
	struct stream *p = arg;

	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)src)[i] != pattern(p->base + off + i))
			p->bad = true;
}

/* Queues as much of the pattern from *@sent (up to @want) as the ring takes. */
static void send_more(struct tcp_sock *s, uint64_t *sent, uint64_t want)
{
	struct stream p = {.base = *sent};
	long n;

	while (*sent < want && (n = tcp_send_from(s, want - *sent, fill, &p)) > 0) {
		*sent += (uint64_t)n;
		p.base = *sent;
	}
}

/* Reads what @s holds, checking the pattern; false if a byte differed. */
static bool drain_all(struct tcp_sock *s, uint64_t *got)
{
	struct stream p = {.base = *got};
	long n;

	while ((n = tcp_recv_into(s, 1 << 20, drain, &p)) > 0) {
		*got += (uint64_t)n;
		p.base = *got;
	}
	return !p.bad;
}

static unsigned events;

static void record(struct tcp_sock *s, void *arg, unsigned ev)
{
	(void)s, (void)arg;
	events |= ev;
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
 * A whole ring is sent, received and acknowledged while the lower still
 * holds every segment: no room for new data (-EAGAIN, no TCP_EV_OUT) and the
 * held bytes unchanged. Giving back the oldest segment frees exactly its
 * bytes, announces TCP_EV_OUT, and the next send takes exactly that much;
 * the segments still held are intact and the receiver gets the pattern.
 */
static void test_acked_bytes_the_lower_holds_are_not_reused_until_released(void)
{
	struct sim *sim = sim_new(11);
	struct sim_pair p;
	uint64_t sent = 0, got = 0;
	uint32_t first_len;

	sim_hold_payloads(sim, 0);
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	tcp_set_notify(p.cli, record, NULL);
	send_more(p.cli, &sent, RING);
	UT_EQ(sent, (uint64_t)RING);
	while (got < RING && sim_step(sim, sim->now + 30 * SIM_S))
		UT_ASSERT(drain_all(p.srv, &got));
	sim_run_to(sim, sim->now + SIM_S); /* every byte acknowledged */
	UT_EQ(got, (uint64_t)RING);
	UT_ASSERT(sim->nheld[0] > 1);
	first_len = sim->held[0][0].len;
	UT_EQ(tcp_send(p.cli, "x", 1), -EAGAIN);
	UT_ASSERT(!(tcp_poll(p.cli) & TCP_EV_OUT));
	UT_ASSERT(sim_held_intact(sim, 0));
	events = 0;
	UT_ASSERT(sim_release(sim, 0, 0));
	UT_ASSERT(events & TCP_EV_OUT);
	UT_ASSERT(tcp_poll(p.cli) & TCP_EV_OUT);
	send_more(p.cli, &sent, 2 * RING);
	UT_EQ(sent, (uint64_t)RING + first_len);
	UT_ASSERT(sim_held_intact(sim, 0));
	while (sim->nheld[0])
		UT_ASSERT(sim_release(sim, 0, 0));
	send_more(p.cli, &sent, 2 * RING);
	while (got < 2 * RING && sim_step(sim, sim->now + 30 * SIM_S)) {
		UT_ASSERT(drain_all(p.srv, &got));
		while (sim->nheld[0])
			UT_ASSERT(sim_release(sim, 0, 0));
		send_more(p.cli, &sent, 2 * RING);
	}
	UT_EQ(got, 2 * (uint64_t)RING);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/*
 * A connection that ends while the lower holds segments of its send ring:
 * the ring stays out of the pool (the card may still read it) until the last
 * segment is given back, then returns to it.
 */
static void test_ring_of_an_ended_connection_is_freed_after_the_last_release(void)
{
	struct sim *sim = sim_new(12);
	struct sim_pair p;
	uint64_t sent = 0, got = 0;
	unsigned before = rings_in_use();

	sim_hold_payloads(sim, 0);
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	UT_EQ(rings_in_use(), before + 4);
	send_more(p.cli, &sent, 10000);
	while (got < 10000 && sim_step(sim, sim->now + 30 * SIM_S))
		UT_ASSERT(drain_all(p.srv, &got));
	UT_ASSERT(sim->nheld[0] > 0);
	tcp_abort(p.cli);
	UT_EQ(rings_in_use(), before + 3); /* the receive ring went; the send ring waits */
	while (sim->nheld[0] > 1)
		UT_ASSERT(sim_release(sim, 0, 0));
	UT_EQ(rings_in_use(), before + 3);
	UT_ASSERT(sim_release(sim, 0, 0));
	UT_EQ(rings_in_use(), before + 2);
	tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/*
 * 2 MiB through a link that drops 2% and reorders 3%, the lower giving each
 * segment back only after the next 8 were sent (a card completing late, so
 * ACKs often come first): retransmissions are held like first
 * transmissions, no held byte ever changes, and the stream arrives intact.
 */
static void test_lossy_transfer_with_late_releases_keeps_held_bytes_intact(void)
{
	struct sim *sim = sim_new(13);
	struct sim_pair p;
	uint64_t sent = 0, got = 0, want = 2 << 20;
	unsigned long released = 0;
	struct tcp_conn_stats cs;

	sim_hold_payloads(sim, 0);
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	sim->drop_pm = 20;
	sim->reorder_pm = 30;
	sim->jitter_ns = 5 * SIM_MS;
	for (;;) {
		send_more(p.cli, &sent, want);
		UT_ASSERT(drain_all(p.srv, &got));
		while (sim->nheld[0] > 8) {
			UT_ASSERT(sim_release(sim, 0, 0));
			released++;
		}
		if (got >= want || sim->now > 1600 * SIM_S)
			break;
		if (!sim_step(sim, sim->now + 60 * SIM_S) && sim->nheld[0])
			UT_ASSERT(sim_release(sim, 0, 0)); /* idle: the card finishes */
	}
	UT_EQ(got, want);
	UT_ASSERT(released > want / 1460);
	tcp_get_stats(p.cli, &cs);
	UT_ASSERT(cs.retransmits > 0);
	while (sim->nheld[0])
		UT_ASSERT(sim_release(sim, 0, 0));
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

/*
 * With csum_partial the engine leaves each data segment's checksum to the
 * lower: the field holds exactly the pseudo-header's folded sum (the sim
 * checks it against its own and completes the checksum, as the e1000 does
 * with TXSM); segments without payload keep a complete checksum (the sim's
 * plain output verifies every segment). 256 KiB arrive intact.
 */
static void test_csum_partial_data_segments_carry_the_pseudo_header_sum(void)
{
	struct sim *sim = sim_new(14);
	struct sim_pair p;
	uint64_t sent = 0, got = 0, want = 256 << 10;

	sim_hold_payloads_csum_partial(sim, 0);
	UT_EQ(sim_connect_pair(sim, &p, PORT), 0);
	for (;;) {
		send_more(p.cli, &sent, want);
		UT_ASSERT(drain_all(p.srv, &got));
		while (sim->nheld[0])
			UT_ASSERT(sim_release(sim, 0, 0));
		if (got >= want || !sim_step(sim, sim->now + 60 * SIM_S))
			break;
	}
	UT_EQ(got, want);
	UT_EQ(sim->bad_seeds, 0ul);
	tcp_abort(p.cli), tcp_abort(p.srv), tcp_close(p.lis);
	sim_free(sim);
}

static const struct utest tests[] = {
    UTEST(test_acked_bytes_the_lower_holds_are_not_reused_until_released),
    UTEST(test_ring_of_an_ended_connection_is_freed_after_the_last_release),
    UTEST(test_lossy_transfer_with_late_releases_keeps_held_bytes_intact),
    UTEST(test_csum_partial_data_segments_carry_the_pseudo_header_sum),
};
UTEST_MAIN("tcp_zc", tests)
