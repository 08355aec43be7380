/*
 * waitq.c - wait queues (contract and the no-lost-wakeup rule in kernel/waitq.h).
 *
 * A waker unlinks each entry it wakes, so an entry is linked iff its thread
 * still waits for a wakeup from this queue; waitq_finish() unlinks it when
 * the thread stopped waiting for another reason (condition, deadline).
 */
#include <kernel/sched.h>
#include <kernel/waitq.h>
#include <uapi/errno.h>

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock);
	list_init(&wq->waiters);
}

void waitq_prepare(struct waitq *wq, struct waitq_entry *e)
{
	unsigned long f;

	e->thread = thread_current();
	sched_set_blocked();
	f = spin_lock_irqsave(&wq->lock);
	if (!list_linked(&e->node))
		list_add_tail(&wq->waiters, &e->node);
	spin_unlock_irqrestore(&wq->lock, f);
}

void waitq_finish(struct waitq *wq, struct waitq_entry *e)
{
	unsigned long f = spin_lock_irqsave(&wq->lock);

	if (list_linked(&e->node))
		list_del(&e->node);
	spin_unlock_irqrestore(&wq->lock, f);
	sched_set_running();
}

static unsigned waitq_wake(struct waitq *wq, unsigned max)
{
	unsigned long f = spin_lock_irqsave(&wq->lock);
	unsigned n = 0;
	struct list_node *node;

	while (n < max && (node = list_pop(&wq->waiters))) {
		sched_wake(list_entry(node, struct waitq_entry, node)->thread);
		n++;
	}
	spin_unlock_irqrestore(&wq->lock, f);
	return n;
}

unsigned waitq_wake_all(struct waitq *wq)
{
	return waitq_wake(wq, ~0u);
}

unsigned waitq_wake_one(struct waitq *wq)
{
	return waitq_wake(wq, 1);
}

int waitq_wait_event(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline_ns)
{
	struct waitq_entry e;
	int err = 0;

	list_init(&e.node);
	for (;;) {
		waitq_prepare(wq, &e);
		if (cond(arg))
			break;
		if (deadline_ns != WAITQ_FOREVER && clock_now_ns() >= deadline_ns) {
			err = -ETIMEDOUT;
			break;
		}
		sched_block_until(deadline_ns);
	}
	waitq_finish(wq, &e);
	return err;
}

int waitq_wait_locked(struct waitq *wq, struct spinlock *lock, unsigned long *flags,
		      uint64_t deadline_ns)
{
	struct waitq_entry e;

	list_init(&e.node);
	waitq_prepare(wq, &e);
	spin_unlock_irqrestore(lock, *flags);
	sched_block_until(deadline_ns);
	waitq_finish(wq, &e);
	*flags = spin_lock_irqsave(lock);
	if (deadline_ns != WAITQ_FOREVER && clock_now_ns() >= deadline_ns)
		return -ETIMEDOUT;
	return 0;
}
