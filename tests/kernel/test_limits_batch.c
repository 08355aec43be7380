/*
 * test_limits_batch.c - the charge batch of include/kernel/limits.h: units
 * a thread's ops give back inside its batch are kept as credit for the next
 * charge, and an interrupt handler never touches that credit (it may have
 * interrupted the thread in the middle of a credit update), whatever the
 * batch's owner is doing.
 */
#include <kernel/ktest.h>
#include <kernel/limits.h>
#include <kernel/proc.h>
#include <kernel/time.h>

static struct proc bp; /* only its counters are used */

struct irq_uncharge {
	struct ktimer t;
	bool ran; /* [a] */
};

/* Runs in the timer interrupt, as an op's finish hook there would. */
static void uncharge_from_irq(struct ktimer *t)
{
	struct irq_uncharge *u = (struct irq_uncharge *)t;

	proc_batch_uncharge(&bp, PROC_RES_OPS, 1);
	__atomic_store_n(&u->ran, true, __ATOMIC_RELEASE);
}

KTEST(limits_batch_credit_is_kept_in_the_thread_and_never_used_by_an_interrupt)
{
	struct irq_uncharge u = {.ran = false};
	struct proc_charge_batch b;
	uint64_t give_up;

	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 0u);
	proc_batch_begin(&b, &bp, PROC_RES_OPS);
	KT_EQ(proc_batch_charge(&bp, PROC_RES_OPS, 1), 0); /* no credit yet: a real charge */
	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 1u);
	proc_batch_uncharge(&bp, PROC_RES_OPS, 1); /* the thread's own: kept as credit */
	KT_EQ(b.credit, 1u);
	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 1u);
	KT_EQ(proc_batch_charge(&bp, PROC_RES_OPS, 1), 0); /* paid from the credit */
	KT_EQ(b.credit, 0u);
	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 1u);

	/* The same unit given back by an interrupt handler while the batch runs. */
	ktimer_init(&u.t, uncharge_from_irq);
	ktimer_arm(&u.t, clock_now_ns() + 2 * NSEC_PER_MSEC);
	give_up = clock_now_ns() + 10 * NSEC_PER_SEC;
	while (!__atomic_load_n(&u.ran, __ATOMIC_ACQUIRE) && clock_now_ns() < give_up)
		__asm__ volatile("pause");
	KT_ASSERT(__atomic_load_n(&u.ran, __ATOMIC_ACQUIRE));
	KT_EQ(b.credit, 0u);			  /* not into the thread's credit */
	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 0u); /* straight back to the process */
	proc_batch_end(&b);
	KT_EQ(proc_usage(&bp, PROC_RES_OPS), 0u);
}
