/*
 * async_bench - host micro-benchmarks of the async core. Prints
 *   BENCH <name> <value> <unit>
 * Round trip = arm + alloc + push + submit -> device completes -> wait_event,
 * measured with 1 and with 10,000 other ops pending on the same waiter (the
 * two must be close: the ready ring makes wait_event independent of pending).
 * Usage: async_bench [iterations]   (default 200000)
 */
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* This thread's CPU time: unlike the wall clock, not inflated while other
 * programs on a loaded machine hold the CPU (the *_cpu_ns lines). */
static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct async_op *parked; /* the op the bench device holds */
static uint32_t parked_token;	/* its pending period */

static int64_t dev_start(struct async_op *op, void *state)
{
	(void)state;
	parked = op;
	parked_token = async_op_token(op);
	return ASYNC_PENDING;
}

static void dev_cancel(struct async_op *op, void *state)
{
	(void)state;
	async_op_complete(op, async_op_token(op), async_op_cancel_reason(op));
}

static const struct async_layer dev_layer = {
    .name = "bench-dev",
    .start = dev_start,
    .cancel = dev_cancel,
};

static void submit_dev(struct async_waiter *w, unsigned slot, struct async_heap *heap)
{
	struct async_handle h;
	struct async_op *op;

	/* The shared rings' path: arm and a cached op in one call (sys_ring.c). */
	if (async_op_alloc_armed(w, slot, heap, &h, &op) || !op || !async_push(op, &dev_layer) ||
	    async_op_submit(op, &h)) {
		fprintf(stderr, "bench: submit failed\n");
		exit(1);
	}
}

/* Wall-clock ns per round trip; *cpu: the same in this thread's CPU time. */
static double roundtrip_ns(unsigned pending, unsigned iters, double *cpu)
{
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0, t1, c0, c1;
	unsigned i;

	if (async_waiter_create(pending + 1, &w))
		exit(1);
	for (i = 0; i < pending; i++)
		submit_dev(w, i + 1, NULL);
	c0 = cpu_now_ns();
	t0 = async_port_now_ns();
	for (i = 0; i < iters; i++) {
		submit_dev(w, 0, NULL);
		async_op_complete(parked, parked_token, 1);
		if (async_wait_event(w, &ev, 1, 0) != 1 || ev.slot != 0)
			exit(1);
	}
	t1 = async_port_now_ns();
	c1 = cpu_now_ns();
	for (i = 0; i < pending; i++)
		async_waiter_cancel(w, i + 1);
	while (async_wait_event(w, &ev, 1, 0) == 1)
		;
	async_waiter_destroy(w);
	if (cpu)
		*cpu = (double)(c1 - c0) / iters;
	return (double)(t1 - t0) / iters;
}

static double batch32_ops_per_s(unsigned iters)
{
	struct async_waiter *w;
	struct async_event ev[32];
	struct async_op *held[32];
	uint32_t held_token[32];
	uint64_t t0, t1;
	unsigned i, j;
	int got;

	if (async_waiter_create(32, &w))
		exit(1);
	t0 = async_port_now_ns();
	for (i = 0; i < iters / 32; i++) {
		for (j = 0; j < 32; j++) {
			submit_dev(w, j, NULL);
			held[j] = parked;
			held_token[j] = parked_token;
		}
		for (j = 0; j < 32; j++)
			async_op_complete(held[j], held_token[j], 1);
		for (got = 0; got < 32;)
			got += async_wait_event(w, ev, 32, 0);
	}
	t1 = async_port_now_ns();
	async_waiter_destroy(w);
	return (double)(iters / 32 * 32) * 1e9 / (double)(t1 - t0);
}

static double deep_ns(unsigned depth, unsigned iters)
{
	static unsigned char mem[16384];
	struct async_heap heap;
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev;
	struct async_op *op;
	uint64_t t0, t1;
	unsigned i;

	async_heap_init(&heap, "bench", mem, sizeof(mem));
	if (async_waiter_create(1, &w))
		exit(1);
	t0 = async_port_now_ns();
	for (i = 0; i < iters; i++) {
		op = async_op_alloc(&heap);
		async_waiter_arm(w, 0, &h);
		deep_push(op, depth - 1, SYNTH_SYNC);
		async_op_submit(op, &h);
		if (async_wait_event(w, &ev, 1, 0) != 1 || ev.result != depth + 1)
			exit(1);
	}
	t1 = async_port_now_ns();
	async_waiter_destroy(w);
	return (double)(t1 - t0) / iters;
}

static int fan_setup(struct async_op *child, unsigned i, void *arg)
{
	(void)i;
	(void)arg;
	return synth_push(child, SYNTH_SYNC, 1);
}

static int64_t fan_start(struct async_op *op, void *state)
{
	struct async_join_spec spec = {
	    .policy = ASYNC_JOIN_ALL, .nchildren = 8, .setup = fan_setup};

	(void)state;
	return async_join(op, &spec);
}
static const struct async_layer fan_layer = {.name = "fan", .start = fan_start};

static double join8_ns(unsigned iters)
{
	struct async_waiter *w;
	struct async_handle h;
	struct async_event ev;
	struct async_op *op;
	uint64_t t0, t1;
	unsigned i;

	if (async_waiter_create(1, &w))
		exit(1);
	t0 = async_port_now_ns();
	for (i = 0; i < iters; i++) {
		op = async_op_alloc(NULL);
		async_waiter_arm(w, 0, &h);
		async_push(op, &fan_layer);
		async_op_submit(op, &h);
		if (async_wait_event(w, &ev, 1, 0) != 1 || ev.result != 8)
			exit(1);
	}
	t1 = async_port_now_ns();
	async_waiter_destroy(w);
	return (double)(t1 - t0) / iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of 5 runs, the two variants interleaved so machine load hits both alike;
 * out[0..1]: wall clock (1 and 10,000 pending), out[2..3]: thread CPU time. */
static void roundtrips(unsigned iters, double out[4])
{
	double a[5], b[5], ca[5], cb[5];
	int i;

	for (i = 0; i < 5; i++) {
		a[i] = roundtrip_ns(1, iters / 5, &ca[i]);
		b[i] = roundtrip_ns(10000, iters / 5, &cb[i]);
	}
	qsort(a, 5, sizeof(double), cmp_double);
	qsort(b, 5, sizeof(double), cmp_double);
	qsort(ca, 5, sizeof(double), cmp_double);
	qsort(cb, 5, sizeof(double), cmp_double);
	out[0] = a[2];
	out[1] = b[2];
	out[2] = ca[2];
	out[3] = cb[2];
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	double rt[4];

	roundtrip_ns(0, iters / 10, NULL); /* warm the pools and caches */
	roundtrips(iters, rt);
	printf("BENCH async_roundtrip_pending1_ns %.0f ns\n", rt[0]);
	printf("BENCH async_roundtrip_pending10000_ns %.0f ns\n", rt[1]);
	printf("BENCH async_roundtrip_pending1_cpu_ns %.0f ns\n", rt[2]);
	printf("BENCH async_roundtrip_pending10000_cpu_ns %.0f ns\n", rt[3]);
	printf("BENCH async_op_bytes %zu bytes\n", async_op_bytes());
	printf("BENCH async_batch32_ops_per_s %.0f ops/s\n", batch32_ops_per_s(iters));
	printf("BENCH async_deep3_inline_ns %.0f ns\n", deep_ns(3, iters / 4));
	printf("BENCH async_deep10_spilled_ns %.0f ns\n", deep_ns(10, iters / 4));
	printf("BENCH async_join8_ns %.0f ns\n", join8_ns(iters / 8));
	return pools_in_use() == 0 ? 0 : 1;
}
