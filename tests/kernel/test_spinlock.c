/*
 * test_spinlock.c - spinlocks: mutual exclusion under preemption (a lost
 * update would show in the total), interrupt state saved and restored,
 * and exclusion against an interrupt handler touching the same data.
 */
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>

#define ROUNDS 200000

static struct spinlock counter_lock = SPINLOCK_INIT;
static volatile uint64_t counter; /* [counter_lock] */

static void add_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long f = spin_lock_irqsave(&counter_lock);
		uint64_t v = counter;

		if ((i & 1023) == 0) /* widen the window: make preemption likely mid-update */
			for (volatile int d = 0; d < 2000; d++)
				;
		counter = v + 1;
		spin_unlock_irqrestore(&counter_lock, f);
	}
}

KTEST(spinlock_mutual_exclusion)
{
	struct thread *a, *b;

	counter = 0;
	KT_EQ(thread_create("add-a", add_many, NULL, 0, &a), 0);
	KT_EQ(thread_create("add-b", add_many, NULL, 0, &b), 0);
	KT_EQ(thread_join(a, NULL), 0);
	KT_EQ(thread_join(b, NULL), 0);
	KT_EQ(counter, 2 * ROUNDS);
}

KTEST(spinlock_irqsave_restores)
{
	struct spinlock l = SPINLOCK_INIT;
	unsigned long f, g;

	KT_ASSERT(arch_irq_enabled());
	f = spin_lock_irqsave(&l);
	KT_ASSERT(!arch_irq_enabled());
	KT_ASSERT(spin_is_locked(&l));
	spin_unlock_irqrestore(&l, f);
	KT_ASSERT(arch_irq_enabled());
	KT_ASSERT(!spin_is_locked(&l));

	arch_irq_disable(); /* nested in an irq-off section: stays off */
	g = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, g);
	KT_ASSERT(!arch_irq_enabled());
	arch_irq_enable();
}

static struct spinlock irq_lock = SPINLOCK_INIT;
static volatile uint64_t shared_pair[2]; /* [irq_lock] always equal outside the lock */
static volatile bool pair_torn;
static struct ktimer pair_timer;
static volatile int pair_checks;

static void pair_check(struct ktimer *t)
{
	__spin_lock(&irq_lock);
	if (shared_pair[0] != shared_pair[1])
		pair_torn = true;
	__spin_unlock(&irq_lock);
	if (++pair_checks < 50)
		ktimer_arm(t, clock_now_ns() + 100000);
}

KTEST(spinlock_excludes_irq_handler)
{
	pair_torn = false;
	pair_checks = 0;
	ktimer_init(&pair_timer, pair_check);
	ktimer_arm(&pair_timer, clock_now_ns());
	while (pair_checks < 50) {
		unsigned long f = spin_lock_irqsave(&irq_lock);

		shared_pair[0]++;
		for (volatile int d = 0; d < 100; d++)
			;
		shared_pair[1]++;
		spin_unlock_irqrestore(&irq_lock, f);
	}
	KT_ASSERT(!pair_torn);
}
