/*
 * timer.c - one-shot kernel timers on a hierarchical timing wheel.
 *
 * Five levels: level 0 has 256 slots of one tick each, levels 1..4 have 64
 * slots each covering 256, 256*64, ... ticks. A timer goes into the level
 * whose span holds its distance from `clk` (the next tick to process), so
 * arm and cancel are O(1) list operations. Every 256 ticks a slot of level 1
 * is re-filed ("cascaded") into level 0, and so on upwards. Deadlines beyond
 * 2^32 ticks (49 days at 1 kHz) are clamped and re-filed when they come due.
 *
 * Wheel ticks are not counted interrupts: tick k is the moment the ns clock
 * reaches k * NSEC_PER_TICK. Each PIT interrupt processes every tick up to
 * the clock's current one, so a late or lost PIT interrupt (QEMU drops
 * edges when the host stalls the guest) delays timers but never shifts
 * them. A timer is filed for the first tick at or after its deadline, and
 * the clock is checked again when it comes due, so a callback never runs
 * before its deadline.
 *
 * Callbacks run from timer_tick() (PIT IRQ) with wheel_lock released, one at
 * a time; a timer stays on its slot, pending, until the moment it runs, so
 * cancel works up to then.
 */
#include <kernel/param.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>

#define L0_BITS	 8
#define LN_BITS	 6
#define L0_SIZE	 (1 << L0_BITS)
#define LN_SIZE	 (1 << LN_BITS)
#define LEVELS	 4 /* upper levels */
#define MAX_SPAN 0xffffffffULL

static struct spinlock wheel_lock = SPINLOCK_INIT;
static struct list_node wheel0[L0_SIZE];	 /* [L] */
static struct list_node wheeln[LEVELS][LN_SIZE]; /* [L] */
static uint64_t clk;				 /* [L] next tick to process */
static uint64_t fired;				 /* [L] */
static bool wheel_ready;			 /* [I] after timer_init */

static uint64_t ns_to_tick(uint64_t ns)
{
	return ns / NSEC_PER_TICK;
}

void timer_init(void)
{
	for (int i = 0; i < L0_SIZE; i++)
		list_init(&wheel0[i]);
	for (int l = 0; l < LEVELS; l++)
		for (int i = 0; i < LN_SIZE; i++)
			list_init(&wheeln[l][i]);
	clk = ns_to_tick(clock_now_ns());
	wheel_ready = true;
}

/* Files @t by t->expires; wheel_lock held. */
static void __wheel_add(struct ktimer *t)
{
	uint64_t delta;
	struct list_node *slot;

	if (t->expires < clk)
		t->expires = clk;
	delta = t->expires - clk;
	if (delta > MAX_SPAN) {
		t->expires = clk + MAX_SPAN;
		delta = MAX_SPAN;
	}
	if (delta < L0_SIZE) {
		slot = &wheel0[t->expires & (L0_SIZE - 1)];
	} else {
		int l = 0;

		while (l < LEVELS - 1 && delta >= (1ULL << (L0_BITS + (l + 1) * LN_BITS)))
			l++;
		slot = &wheeln[l][(t->expires >> (L0_BITS + l * LN_BITS)) & (LN_SIZE - 1)];
	}
	list_add_tail(slot, &t->node);
}

/* The first tick at or after @deadline_ns (__wheel_add clamps past and far ones). */
static uint64_t deadline_to_tick(uint64_t deadline_ns)
{
	uint64_t tick = ns_to_tick(deadline_ns);

	return tick * NSEC_PER_TICK < deadline_ns ? tick + 1 : tick;
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *t))
{
	list_init(&t->node);
	t->fn = fn;
	t->pending = false;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
	unsigned long f = spin_lock_irqsave(&wheel_lock);

	if (t->pending)
		list_del(&t->node);
	t->deadline_ns = deadline_ns;
	t->expires = deadline_to_tick(deadline_ns);
	t->pending = true;
	__wheel_add(t);
	spin_unlock_irqrestore(&wheel_lock, f);
}

bool ktimer_cancel(struct ktimer *t)
{
	unsigned long f = spin_lock_irqsave(&wheel_lock);
	bool was = t->pending;

	if (was) {
		list_del(&t->node);
		t->pending = false;
	}
	spin_unlock_irqrestore(&wheel_lock, f);
	return was;
}

bool ktimer_pending(struct ktimer *t)
{
	return __atomic_load_n(&t->pending, __ATOMIC_RELAXED);
}

/* Re-files every timer of upper-level slot (@level, @idx); returns @idx. */
static unsigned __cascade(int level, unsigned idx)
{
	struct list_node moving, *n;

	list_init(&moving);
	while ((n = list_pop(&wheeln[level][idx])))
		list_add_tail(&moving, n);
	while ((n = list_pop(&moving)))
		__wheel_add(list_entry(n, struct ktimer, node));
	return idx;
}

static void __cascade_all(void)
{
	for (int l = 0; l < LEVELS; l++)
		if (__cascade(l, (clk >> (L0_BITS + l * LN_BITS)) & (LN_SIZE - 1)))
			break;
}

/*
 * Runs the timers of slot clk, popping them one by one so that a callback
 * may cancel or arm any timer (one armed for the current tick lands in this
 * slot and runs in this loop). wheel_lock held on entry and exit, dropped
 * around each callback.
 */
static void __run_slot(unsigned long *flags)
{
	struct list_node *slot = &wheel0[clk & (L0_SIZE - 1)], *n;
	uint64_t now = clock_now_ns();

	while ((n = list_pop(slot))) {
		struct ktimer *t = list_entry(n, struct ktimer, node);

		if (t->expires > clk || t->deadline_ns > now) { /* clamped, or the TSC says early */
			t->expires = t->expires > clk ? t->expires : clk + 1;
			__wheel_add(t);
			continue;
		}
		t->pending = false;
		fired++;
		spin_unlock_irqrestore(&wheel_lock, *flags);
		t->fn(t);
		*flags = spin_lock_irqsave(&wheel_lock);
	}
}

void timer_tick(void)
{
	uint64_t now_tick = ns_to_tick(clock_now_ns());
	unsigned long f;

	if (!wheel_ready)
		return;
	f = spin_lock_irqsave(&wheel_lock);
	while (clk <= now_tick) {
		if ((clk & (L0_SIZE - 1)) == 0)
			__cascade_all();
		__run_slot(&f);
		clk++;
	}
	spin_unlock_irqrestore(&wheel_lock, f);
}

uint64_t timer_fired_count(void)
{
	return __atomic_load_n(&fired, __ATOMIC_RELAXED);
}
