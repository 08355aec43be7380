/*
 * main.c (event loop) - the example port's test plan, run by `make test` as
 * the host suite build/host/tests/eventloop (ASan + UBSan). Each case is one
 * check of docs/porting.md's test plan on a single-threaded port:
 *
 *   registry_sees_every_pool              the first check: async_pool_count()
 *   no_threads_blocking_step_fails_with_enodev
 *   nop_op_completes_inside_submit        and its lock round trips
 *   poll_timeout_0_drives_nothing         async_wait_event(.., 0) runs no pump
 *   {signal,poll}_past_deadline_times_out a deadline already past
 *   signal_completion_before_deadline_disarms_timer
 *   {signal,poll}_1000_reads_on_one_waiter  partition over ramdisk, 48 in flight
 *
 * After each case every pool is idle again.
 */
#include "ramdisk.h"
#include "utest.h"

#define TICK_NS	  200000ull /* the "interrupt": every 200 us */
#define LONG_WAIT 10000000000ull
#define SLOTS	  64
#define WINDOW	  48
#define READS	  1000
#define MAX_N	  4 /* sectors per read */

static const struct part part = {.first = 64, .count = 128};

static void add_in_use(struct async_pool *p, void *arg)
{
	struct async_pool_stats st;

	async_pool_stats(p, &st);
	*(unsigned *)arg += st.in_use;
}

static unsigned pools_in_use(void)
{
	unsigned n = 0;

	async_pool_foreach(add_in_use, &n);
	return n;
}

static void count_pool(struct async_pool *p, void *arg)
{
	(void)p;
	(*(unsigned *)arg)++;
}

/* EVLOOP_EXPECTED_POOLS: the ASYNC_POOL_DEFINE lines of what is linked, counted by the build. */
static void registry_sees_every_pool(void)
{
	unsigned seen = 0;

	async_pool_foreach(count_pool, &seen);
	UT_EQ(async_pool_count(), EVLOOP_EXPECTED_POOLS);
	UT_EQ(seen, EVLOOP_EXPECTED_POOLS);
}

/* ---- A layer that needs a blocking step, on a port without threads ---- */

static int64_t lookup(void *arg)
{
	(void)arg;
	return 1;
}

static int64_t blocking_start(struct async_op *op, void *state)
{
	(void)state;
	return async_work(op, lookup, NULL);
}

static const struct async_layer blocking_layer = {.name = "blocking", .start = blocking_start};

static int64_t nop_start(struct async_op *op, void *state)
{
	(void)op;
	(void)state;
	return 0;
}

static const struct async_layer nop_layer = {.name = "nop", .start = nop_start};

/* Arms slot 0 of @w and submits a one-frame op of @layer. */
static void submit_one(struct async_waiter *w, const struct async_layer *layer)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);

	UT_ASSERT(op);
	UT_ASSERT(async_push(op, layer));
	UT_EQ(async_waiter_arm(w, 0, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
}

static void no_threads_blocking_step_fails_with_enodev(void)
{
	struct async_waiter *w;
	struct async_event ev;

	UT_EQ(evloop_start(EVLOOP_POLL, TICK_NS), 0);
	UT_EQ(async_workers_init(), -ENOSYS);
	UT_EQ(async_waiter_create(1, &w), 0);
	submit_one(w, &blocking_layer);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1); /* at once, not queued forever */
	UT_EQ(ev.result, -ENODEV);
	UT_EQ(async_waiter_destroy(w), 0);
	evloop_stop();
	UT_EQ(pools_in_use(), 0);
}

static void nop_op_completes_inside_submit(void)
{
	struct async_waiter *w;
	struct async_event ev;
	unsigned long before;

	UT_EQ(evloop_start(EVLOOP_POLL, TICK_NS), 0);
	UT_EQ(async_waiter_create(1, &w), 0);
	before = evloop_lock_calls();
	submit_one(w, &nop_layer);
	UT_EQ(async_wait_event(w, &ev, 1, 0), 1);
	printf("eventloop: a NOP op (arm, alloc, submit, wait_event) took %lu lock round trips\n",
	       evloop_lock_calls() - before);
	UT_EQ(ev.result, 0);
	UT_EQ(async_waiter_destroy(w), 0);
	evloop_stop();
	UT_EQ(pools_in_use(), 0);
}

/* ---- Reads through the partition ---- */

struct reader {
	struct async_waiter *w;
	struct async_buf *buf[SLOTS];
	uint64_t lba[SLOTS];
	unsigned n[SLOTS];
	unsigned submitted, done;
	unsigned char mem[SLOTS][MAX_N * RAMDISK_SECTOR];
};

static struct reader rd;

/* Submits read number rd.submitted on @slot, with @deadline_ns (0: none). */
static void submit_read(unsigned slot, uint64_t deadline_ns)
{
	struct async_handle h;
	struct async_op *op = async_op_alloc(NULL);

	UT_ASSERT(op);
	rd.lba[slot] = rd.submitted * 7 % (part.count - MAX_N);
	rd.n[slot] = 1 + rd.submitted % MAX_N;
	rd.buf[slot] = async_buf_borrowed(rd.mem[slot], sizeof(rd.mem[slot]), ASYNC_BUF_WRITE);
	UT_ASSERT(rd.buf[slot]);
	UT_EQ(part_push_read(op, &part, rd.lba[slot], rd.n[slot], rd.buf[slot]), 0);
	if (deadline_ns)
		async_op_set_deadline(op, deadline_ns);
	UT_EQ(async_waiter_arm(rd.w, slot, &h), 0);
	UT_EQ(async_op_submit(op, &h), 0);
	rd.submitted++;
}

/* Each sector of the read says which disk sector it came from. */
static void check_read(const struct async_event *ev)
{
	unsigned s = ev->slot, i;
	char want[32];

	UT_EQ(ev->result, rd.n[s] * RAMDISK_SECTOR);
	for (i = 0; i < rd.n[s]; i++) {
		snprintf(want, sizeof(want), "sector %u", (unsigned)(part.first + rd.lba[s] + i));
		UT_ASSERT(!strcmp((const char *)rd.mem[s] + i * RAMDISK_SECTOR, want));
	}
	async_buf_release(rd.buf[s]);
	rd.done++;
}

static void reader_open(enum evloop_mode mode, unsigned latency)
{
	memset(&rd, 0, sizeof(rd));
	ramdisk_init();
	ramdisk_set_latency(latency);
	evloop_set_device(ramdisk_irq);
	UT_EQ(evloop_start(mode, TICK_NS), 0);
	UT_EQ(async_waiter_create(SLOTS, &rd.w), 0);
}

static void reader_close(void)
{
	UT_EQ(ramdisk_queued(), 0);
	UT_EQ(async_waiter_destroy(rd.w), 0);
	evloop_stop();
	UT_EQ(pools_in_use(), 0);
}

/* Events now: signal mode sleeps in the core (cond_wait); poll mode pumps itself. */
static int next_events(enum evloop_mode mode, struct async_event *ev, unsigned max)
{
	unsigned pumps = 0;
	int n;

	if (mode == EVLOOP_SIGNAL)
		return async_wait_event(rd.w, ev, max, LONG_WAIT);
	while ((n = async_wait_event(rd.w, ev, max, 0)) == 0 && pumps++ < 1000000)
		evloop_pump();
	return n;
}

/* 1,000 reads, WINDOW in flight; returns how many completed inside their submission. */
static unsigned long thousand_reads(enum evloop_mode mode, unsigned latency)
{
	struct async_event ev[16];
	struct async_op_stats st0, st1;
	unsigned long locks;
	int n, i;

	reader_open(mode, latency);
	async_op_stats(&st0);
	locks = evloop_lock_calls();
	for (i = 0; i < WINDOW; i++)
		submit_read((unsigned)i, 0);
	while (rd.done < READS) {
		n = next_events(mode, ev, 16);
		UT_ASSERT(n > 0);
		for (i = 0; i < n; i++) {
			check_read(&ev[i]);
			if (rd.submitted < READS)
				submit_read(ev[i].slot, 0);
		}
	}
	async_op_stats(&st1);
	printf("eventloop: %s: %u reads, %lu completed while their submitter still ran them, "
	       "%.1f lock round trips per read (ticks included)\n",
	       mode == EVLOOP_SIGNAL ? "signal" : "poll", rd.done,
	       st1.sync_completions - st0.sync_completions,
	       (double)(evloop_lock_calls() - locks) / READS);
	UT_EQ(rd.submitted, READS);
	reader_close();
	return st1.sync_completions - st0.sync_completions;
}

static void signal_1000_reads_on_one_waiter(void)
{
	thousand_reads(EVLOOP_SIGNAL, 1);
}

static void poll_1000_reads_on_one_waiter(void)
{
	thousand_reads(EVLOOP_POLL, 1);
}

/* Plan item (a): the device completes inside its start, every time; no recursion, one event each.
 */
static void poll_1000_reads_completed_inside_start(void)
{
	UT_EQ(thousand_reads(EVLOOP_POLL, 0), READS);
}

/*
 * async_wait_event with timeout 0 returns what is there and never calls
 * cond_wait, so in a poll-driven port it never runs the pump: the request stays
 * queued however often the program polls. A timeout > 0 pumps (cond_wait).
 * Also prints what one read costs in lock round trips, pumps without work left out.
 */
static void poll_timeout_0_drives_nothing(void)
{
	struct async_event ev;
	unsigned long locks, empty_pumps = 0;
	int i;

	reader_open(EVLOOP_POLL, 1);
	locks = evloop_lock_calls();
	submit_read(0, 0);
	while (evloop_pump() == 0) /* an empty pump costs one device lock round trip */
		empty_pumps++;
	UT_EQ(async_wait_event(rd.w, &ev, 1, 0), 1);
	printf("eventloop: one read through part + ramdisk (arm, alloc, buffer, submit, "
	       "interrupt, wait_event) took %lu lock round trips\n",
	       evloop_lock_calls() - locks - empty_pumps);
	check_read(&ev);

	submit_read(0, 0);
	for (i = 0; i < 100; i++)
		UT_EQ(async_wait_event(rd.w, &ev, 1, 0), 0);
	UT_EQ(ramdisk_queued(), 1);
	UT_EQ(async_wait_event(rd.w, &ev, 1, LONG_WAIT), 1); /* pumps inside cond_wait */
	check_read(&ev);
	reader_close();
}

/* A deadline already past when the op is submitted: the op times out, the request is cancelled. */
static void past_deadline_times_out(enum evloop_mode mode)
{
	struct async_event ev;

	reader_open(mode, 1000000); /* only the timer can end it */
	submit_read(0, async_port_now_ns() - 1);
	UT_EQ(async_wait_event(rd.w, &ev, 1, LONG_WAIT), 1);
	UT_EQ(ev.result, -ETIMEDOUT);
	async_buf_release(rd.buf[0]);
	reader_close();
}

/* A completion before the deadline disarms the timer and the op goes back to its pool. */
static void signal_completion_before_deadline_disarms_timer(void)
{
	struct async_event ev;

	reader_open(EVLOOP_SIGNAL, 1);
	submit_read(0, async_port_now_ns() + LONG_WAIT);
	UT_EQ(async_wait_event(rd.w, &ev, 1, LONG_WAIT), 1);
	check_read(&ev);
	UT_EQ(evloop_timers_pending(), 0);
	reader_close();
}

static void signal_past_deadline_times_out(void)
{
	past_deadline_times_out(EVLOOP_SIGNAL);
}

static void poll_past_deadline_times_out(void)
{
	past_deadline_times_out(EVLOOP_POLL);
}

static const struct utest tests[] = {
    UTEST(registry_sees_every_pool),
    UTEST(no_threads_blocking_step_fails_with_enodev),
    UTEST(nop_op_completes_inside_submit),
    UTEST(poll_timeout_0_drives_nothing),
    UTEST(signal_completion_before_deadline_disarms_timer),
    UTEST(signal_past_deadline_times_out),
    UTEST(poll_past_deadline_times_out),
    UTEST(signal_1000_reads_on_one_waiter),
    UTEST(poll_1000_reads_on_one_waiter),
    UTEST(poll_1000_reads_completed_inside_start),
};
UTEST_MAIN("eventloop", tests)
