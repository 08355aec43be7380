/*
 * test_async_chain.c - a 5-layer op that spills, completed by a timer IRQ,
 * and what introspection and the stats printer see while it is pending.
 *
 * The chain, bottom of the stack first: sys -> vfs -> fat -> part -> tdev.
 * The four upper frames carry CHAIN_FILL bytes of state (288-byte frames),
 * so three fit the 1 KiB inline stack and part + tdev spill into one chunk
 * of the kernel spill heap. fat re-arms once, like a fragmented read: after
 * the first device result it pushes part (and so tdev) again. Each resume
 * appends its level to a log and folds its level into the result as a
 * decimal digit, so the final value spells the order every frame ran in.
 * Each frame fills its state with a per-level byte at start and checks it
 * in resume, so a spilled frame that moved or was overwritten is caught.
 *
 * Resumes run in the timer IRQ: they cannot fail the case there, they count
 * what went wrong (chain_corrupt) for the case's thread to check.
 */
#include "test_async.h"

#include <kernel/console.h>
#include <lib/fmt.h>
#include <kernel/sched.h>
#include <kernel/stats.h>
#include <kernel/string.h>

#define CHAIN_LEVELS 4 /* frames above the device */
#define CHAIN_FILL   232
#define CHAIN_DEV_NS (100 * NSEC_PER_MSEC)
#define CHAIN_LOG    16

struct chain_frame {
	unsigned level;			/* [O] 1 (sys) .. 4 (part) */
	unsigned rearms;		/* [O] fat: device passes done */
	int64_t first;			/* [O] fat: result of the first pass */
	int64_t dev_result;		/* [O] what the device below will answer */
	unsigned char fill[CHAIN_FILL]; /* [O] level * 0x11 from start to resume */
};
ASYNC_FRAME_STATE_CHECK(struct chain_frame);
_Static_assert(4 * (sizeof(struct async_frame) + sizeof(struct chain_frame)) > ASYNC_STACK_BYTES,
	       "the four upper frames must overflow the inline stack");

static unsigned chain_log[CHAIN_LOG]; /* [irq] levels in resume order */
static unsigned chain_nlog;	      /* [irq] */
static unsigned long chain_corrupt;   /* [irq] fill patterns found damaged */

static int64_t chain_start(struct async_op *op, void *state);
static int64_t chain_resume(struct async_op *op, void *state, int64_t r);

static const char *fat_waiting_on(const void *state)
{
	const struct chain_frame *f = state;

	return f->rearms ? "second run" : "first run";
}

#define CHAIN_LAYER(lname, what)                                                                   \
	{                                                                                          \
		.name = lname, .state_size = sizeof(struct chain_frame), .start = chain_start,     \
		.resume = chain_resume, .waiting_on = what,                                        \
	}

static const struct async_layer chain_layers[CHAIN_LEVELS] = {
    CHAIN_LAYER("sys", NULL),
    CHAIN_LAYER("vfs", NULL),
    CHAIN_LAYER("fat", fat_waiting_on),
    CHAIN_LAYER("part", NULL),
};
static const char *const chain_names_top_first[CHAIN_LEVELS + 1] = {"tdev", "part", "fat", "vfs",
								    "sys"};

static int chain_push(struct async_op *op, unsigned level, int64_t dev_result)
{
	struct chain_frame *f = async_push(op, &chain_layers[level - 1]);

	if (!f)
		return (int)async_op_push_error(op);
	f->level = level;
	f->dev_result = dev_result;
	return 0;
}

static int64_t chain_start(struct async_op *op, void *state)
{
	struct chain_frame *f = state;
	int err;

	memset(f->fill, f->level * 0x11, sizeof(f->fill));
	if (f->level == CHAIN_LEVELS)
		err = tdev_push(op, CHAIN_DEV_NS, f->dev_result, 0);
	else
		err = chain_push(op, f->level + 1, f->dev_result);
	return err ? err : ASYNC_CALL;
}

static bool fill_intact(const struct chain_frame *f)
{
	for (unsigned i = 0; i < sizeof(f->fill); i++)
		if (f->fill[i] != (unsigned char)(f->level * 0x11))
			return false;
	return true;
}

static int64_t chain_resume(struct async_op *op, void *state, int64_t r)
{
	struct chain_frame *f = state;
	int err;

	if (!fill_intact(f))
		chain_corrupt++;
	if (chain_nlog < CHAIN_LOG)
		chain_log[chain_nlog++] = f->level;
	if (r < 0)
		return r;
	if (f->level == 3 && f->rearms++ == 0) {
		/* Fragmented read: the first run is in, fetch the second one. */
		f->first = r;
		err = chain_push(op, 4, f->dev_result + 1);
		return err ? err : ASYNC_CALL;
	}
	if (f->level == 3)
		r += f->first * 1000;
	return r * 10 + f->level;
}

/*
 * Device answers 7 then 8. part: 74, fat re-arms; 84, fat: 74084 * 10 + 3;
 * vfs and sys append 2 and 1.
 */
#define CHAIN_RESULT 74084321
static const unsigned chain_expect_log[] = {4, 3, 4, 3, 2, 1};

static struct async_op *chain_op(void)
{
	struct async_op *op = async_op_alloc(NULL);

	KT_ASSERT(op != NULL);
	KT_EQ(chain_push(op, 1, 7), 0);
	return op;
}

static void chain_reset(void)
{
	tdev_reset();
	chain_nlog = 0;
	chain_corrupt = 0;
}

static void check_chain_log(void)
{
	KT_EQ(chain_nlog, sizeof(chain_expect_log) / sizeof(chain_expect_log[0]));
	for (unsigned i = 0; i < chain_nlog; i++)
		KT_EQ(chain_log[i], chain_expect_log[i]);
	KT_EQ(chain_corrupt, 0);
}

KTEST(async_chain_spill_irq)
{
	struct kt_async_idle idle;
	struct async_op_stats os0, os;
	struct async_heap h0, h;
	struct async_waiter *w;
	struct async_event ev;
	uint64_t t0;

	kt_async_idle_take(&idle);
	chain_reset();
	async_op_stats(&os0);
	h0 = kt_async_heap();
	KT_EQ(h0.in_use, 0);
	KT_EQ(async_waiter_create(1, &w), 0);
	t0 = clock_now_ns();
	kt_async_submit(w, 0, chain_op());
	h = kt_async_heap();
	KT_EQ(h.in_use, 1); /* part + tdev share one chunk while pending */
	KT_EQ(h.spills, h0.spills + 1);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.slot, 0);
	KT_EQ(ev.result, CHAIN_RESULT);
	KT_ASSERT(clock_now_ns() >=
		  t0 + 2 * CHAIN_DEV_NS); /* two device runs, one after the other */
	check_chain_log();
	KT_EQ(tdev_stats.fired, 2);
	KT_EQ(tdev_stats.fired_irqs_on, 0);
	async_op_stats(&os);
	KT_EQ(os.spilled_frames, os0.spilled_frames + 4); /* part and tdev, twice */
	KT_EQ(os.sync_completions, os0.sync_completions); /* both came while parked */
	KT_EQ(os.rearms, os0.rearms + 1);		  /* fat's second fragment */
	KT_EQ(os.completed, os0.completed + 1);
	h = kt_async_heap();
	KT_EQ(h.spills, h0.spills + 2); /* one chunk per run, given back in between */
	KT_ASSERT(h.high_water >= 1);
	KT_EQ(h.failures, h0.failures);
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle); /* includes: the spill heap is back to zero chunks */
}

/* ---- Introspection of the pending chain ---- */

struct seen {
	unsigned ops, nframes, frames;
	const void *op;
	const char *state;
	const char *layer[CHAIN_LEVELS + 2];
	const char *waiting_on[CHAIN_LEVELS + 2];
	bool spilled[CHAIN_LEVELS + 2];
};

static void seen_op(const struct async_op_info *oi, void *arg)
{
	struct seen *s = arg;

	s->ops++;
	s->op = oi->op;
	s->state = oi->state;
	s->nframes = oi->nframes;
}

static void seen_frame(const struct async_frame_info *fi, void *arg)
{
	struct seen *s = arg;

	s->frames++;
	if (fi->depth < CHAIN_LEVELS + 2) {
		s->layer[fi->depth] = fi->layer;
		s->waiting_on[fi->depth] = fi->waiting_on;
		s->spilled[fi->depth] = fi->spilled;
	}
}

/* What the stats printer wrote, for the case to search. */
static char stats_out[2048];
static size_t stats_len;

static void stats_capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (stats_len < sizeof(stats_out))
		stats_len +=
		    fmt_vsnprintf(stats_out + stats_len, sizeof(stats_out) - stats_len, fmt, ap);
	va_end(ap);
}

static bool stats_has(const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= stats_len && i + n <= sizeof(stats_out); i++)
		if (!memcmp(stats_out + i, needle, n))
			return true;
	return false;
}

static void check_seen_chain(const struct seen *s, const char *fat_what)
{
	KT_EQ(s->ops, 1);
	KT_ASSERT(!strcmp(s->state, "pending"));
	KT_EQ(s->nframes, CHAIN_LEVELS + 1);
	KT_EQ(s->frames, CHAIN_LEVELS + 1);
	for (unsigned d = 0; d <= CHAIN_LEVELS; d++) {
		KT_ASSERT(s->layer[d] && !strcmp(s->layer[d], chain_names_top_first[d]));
		KT_EQ(s->spilled[d], d < 2); /* tdev and part went to the spill heap */
	}
	KT_ASSERT(s->waiting_on[0] && !strcmp(s->waiting_on[0], "timer irq"));
	KT_ASSERT(s->waiting_on[2] && !strcmp(s->waiting_on[2], fat_what));
	KT_ASSERT(s->waiting_on[1] == NULL);
}

KTEST(async_chain_introspect)
{
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_event ev;
	struct seen s = {0};
	char line[64];
	uint64_t t0;

	kt_async_idle_take(&idle);
	chain_reset();
	KT_EQ(async_waiter_create(1, &w), 0);
	t0 = clock_now_ns();
	kt_async_submit(w, 0, chain_op());
	/* In the first device run the op is parked in tdev (unless the host
	 * stalls the guest for most of a run: then the checks below fail). */
	thread_sleep_ns(CHAIN_DEV_NS / 3);
	async_introspect(seen_op, seen_frame, &s);
	check_seen_chain(&s, "first run");
	/* The stats printer lists the same op and its frames. */
	stats_len = 0;
	kernel_stats_print_async(stats_capture);
	kernel_stats_print_async(printk);
	fmt_snprintf(line, sizeof(line), "op %p pending", s.op);
	KT_ASSERT(stats_has(line));
	KT_ASSERT(stats_has("frames 5\n"));
	KT_ASSERT(stats_has("  #0 tdev: timer irq, "));
	KT_ASSERT(stats_has("  #1 part: -, "));
	KT_ASSERT(stats_has("  #2 fat: first run, "));
	KT_ASSERT(stats_has("  #4 sys: -, "));
	KT_ASSERT(stats_has("[spilled]"));
	fmt_snprintf(line, sizeof(line), "async heap kernel: chunks %u in use 1 ",
		     (unsigned)(ASYNC_KERNEL_HEAP_BYTES / ASYNC_SPILL_CHUNK));
	KT_ASSERT(stats_has(line));
	/* In the second run: the re-armed frames show again, fat says so. */
	thread_sleep_until(t0 + CHAIN_DEV_NS + CHAIN_DEV_NS / 3);
	memset(&s, 0, sizeof(s));
	async_introspect(seen_op, seen_frame, &s);
	check_seen_chain(&s, "second run");
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.result, CHAIN_RESULT);
	check_chain_log();
	/* Completed: introspection finds no op at all. */
	memset(&s, 0, sizeof(s));
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
	async_introspect(seen_op, seen_frame, &s);
	KT_EQ(s.ops, 0);
}

/*
 * A deadline that falls in the second device run: the device aborts, every
 * frame above sees -ETIMEDOUT on its way down (fat does not re-arm a failed
 * run), and the spilled frames go back to the heap.
 */
KTEST(async_chain_deadline)
{
	struct kt_async_idle idle;
	struct async_waiter *w;
	struct async_event ev;
	struct async_op *op;
	uint64_t t0;

	kt_async_idle_take(&idle);
	chain_reset();
	KT_EQ(async_waiter_create(1, &w), 0);
	t0 = clock_now_ns();
	op = chain_op();
	async_op_set_deadline(op, t0 + CHAIN_DEV_NS + CHAIN_DEV_NS / 2);
	kt_async_submit(w, 0, op);
	ev = kt_async_wait_one(w, NSEC_PER_SEC);
	KT_EQ(ev.result, -ETIMEDOUT);
	KT_ASSERT(clock_now_ns() >= t0 + CHAIN_DEV_NS + CHAIN_DEV_NS / 2);
	KT_EQ(tdev_stats.fired, 1);
	KT_EQ(tdev_stats.aborted, 1);
	check_chain_log(); /* every frame still resumed, in order, with the error */
	KT_EQ(async_waiter_destroy(w), 0);
	KT_ASYNC_IDLE(&idle);
}
