/*
 * tcp_bench - the TCP engine's CPU cost on the host: two engines over the
 * simulated link of tests/host/lib/tcpsim.c, one bulk transfer each, timed in
 * wall-clock time (the simulated clock does not matter here). What it
 * measures is the engine's per-byte work (segmentation, checksums both ways,
 * ring copies, ACK processing) plus the link's memcpy, not any network.
 *   BENCH tcp_engine_lossless_mib_s   512 MiB one way, no impairment
 *   BENCH tcp_engine_lossy_mib_s      128 MiB one way, 1% drop, 1% reorder
 */
#include "tcpsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct xfer {
	struct tcp_sock *lis, *tx, *rx;
	uint64_t total, sent, got;
	bool shut;
};

static bool step(struct sim *sim, void *arg)
{
	static uint8_t buf[65536];
	struct xfer *x = arg;
	long n;

	(void)sim;
	if (!x->rx && tcp_accept(x->lis, &x->rx) < 0)
		return false;
	while (x->sent < x->total && (n = tcp_send(x->tx, buf, sizeof(buf))) > 0)
		x->sent += (uint64_t)n;
	while ((n = tcp_recv(x->rx, buf, sizeof(buf))) > 0)
		x->got += (uint64_t)n;
	return x->got >= x->total;
}

static double run(uint64_t seed, unsigned drop_pm, unsigned reorder_pm, uint64_t bytes)
{
	struct sim *sim = sim_new(seed);
	struct xfer x = {.total = bytes};
	struct timespec a, b;

	sim->drop_pm = drop_pm, sim->reorder_pm = reorder_pm, sim->jitter_ns = 3 * SIM_MS;
	if (tcp_open(&sim->st[1], &x.lis) || tcp_bind(x.lis, 0, 80) || tcp_listen(x.lis, 1) ||
	    tcp_open(&sim->st[0], &x.tx) ||
	    tcp_connect(x.tx, SIM_ADDR(0), SIM_ADDR(1), 80) != -EINPROGRESS)
		abort();
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (!sim_run(sim, step, &x, sim->now + 3600 * SIM_S))
		abort();
	clock_gettime(CLOCK_MONOTONIC, &b);
	sim_free(sim);
	return (double)bytes / (1 << 20) /
	       ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

int main(void)
{
	printf("BENCH tcp_engine_lossless_mib_s %.0f MiB/s\n", run(1, 0, 0, 512u << 20));
	printf("BENCH tcp_engine_lossy_mib_s %.0f MiB/s\n", run(2, 10, 10, 128u << 20));
	return 0;
}
