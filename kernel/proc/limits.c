/*
 * limits.c - per-process resource accounting against kernel/limits.h.
 *
 * Each process holds a usage counter per resource (struct proc.usage) and
 * all user processes together a total per resource (user_total), both under
 * limits_lock, the innermost lock of the kernel: it is taken under
 * proc_lock and from op completions in interrupt context, and nothing is
 * called while it is held. A charge checks both the process's limit and
 * the global user cap, then adds to both, in one critical section, so two
 * processes cannot both take the last unit.
 *
 * Descriptors that own pooled objects (a waiter, a provided-buffer queue)
 * never leave their process (spawn passes only files), so the object is
 * returned when the process closes its last descriptor of it; that is when
 * proc_fd_close uncharges what the object held.
 */
#include <arch/x86_64/trap.h>
#include <kernel/console.h>
#include <kernel/limits.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <fs/vfs.h>
#include <uapi/errno.h>

struct res_rule {
	const char *name; /* `stats` column */
	unsigned limit;	  /* per process */
	unsigned cap;	  /* all user processes together; 0: none (bounded per process) */
	int err;	  /* what a charge past the limit returns */
};

static const struct res_rule rules[PROC_RES_COUNT] = {
    [PROC_RES_OPS] = {"ops", LIMIT_PROC_OPS, LIMIT_USER_OPS, -EAGAIN},
    [PROC_RES_WAITERS] = {"waiters", LIMIT_PROC_WAITERS, LIMIT_USER_WAITERS, -EAGAIN},
    [PROC_RES_SLOTS] = {"slots", LIMIT_PROC_SLOTS, LIMIT_USER_SLOTS, -EAGAIN},
    [PROC_RES_BUFS] = {"bufs", LIMIT_PROC_BUFS, LIMIT_USER_BUFS, -EAGAIN},
    [PROC_RES_PBQS] = {"pbqs", LIMIT_PROC_PBQS, LIMIT_USER_PBQS, -EAGAIN},
    [PROC_RES_PBUFS] = {"pbufs", LIMIT_PROC_PBUFS, 0, -EAGAIN},
    [PROC_RES_REGBUFS] = {"regbufs", LIMIT_PROC_REGBUFS, 0, -EAGAIN},
    [PROC_RES_PINNED] = {"pinned", LIMIT_PROC_PINNED, 0, -EAGAIN},
    [PROC_RES_FILES] = {"files", LIMIT_PROC_FILES, LIMIT_USER_FILES, -EMFILE},
    [PROC_RES_CHILDREN] = {"children", LIMIT_PROC_CHILDREN, 0, -EAGAIN},
};

static struct spinlock limits_lock = SPINLOCK_INIT;
static unsigned user_total[PROC_RES_COUNT]; /* [L] limits_lock */

int proc_charge(struct proc *p, enum proc_res res, unsigned n)
{
	const struct res_rule *r = &rules[res];
	unsigned long f = spin_lock_irqsave(&limits_lock);
	int err = 0;

	if (n > r->limit - p->usage[res] || (r->cap && n > r->cap - user_total[res]))
		err = r->err;
	else {
		p->usage[res] += n;
		user_total[res] += n;
	}
	spin_unlock_irqrestore(&limits_lock, f);
	return err;
}

void proc_charge_force(struct proc *p, enum proc_res res, unsigned n)
{
	unsigned long f = spin_lock_irqsave(&limits_lock);

	p->usage[res] += n;
	user_total[res] += n;
	spin_unlock_irqrestore(&limits_lock, f);
}

void proc_uncharge(struct proc *p, enum proc_res res, unsigned n)
{
	unsigned long f = spin_lock_irqsave(&limits_lock);

	KASSERT(p->usage[res] >= n && user_total[res] >= n);
	p->usage[res] -= n;
	user_total[res] -= n;
	spin_unlock_irqrestore(&limits_lock, f);
}

/* ---- Charge batches (kernel/limits.h) ---- */

void proc_batch_begin(struct proc_charge_batch *b, struct proc *p, enum proc_res res)
{
	struct thread *t = thread_current();

	KASSERT(!t->charge_batch);
	b->p = p;
	b->res = res;
	b->credit = 0;
	t->charge_batch = b;
}

void proc_batch_end(struct proc_charge_batch *b)
{
	thread_current()->charge_batch = NULL;
	if (b->credit)
		proc_uncharge(b->p, b->res, b->credit);
}

/*
 * The current thread's batch for @p and @res, or NULL. Interrupt context
 * (which may have interrupted the batch's own thread in the middle of a
 * credit update) never uses a batch. Asked with arch_in_irq, not by
 * reading IF: no `pushf` per op, and the thread's own code with IF clear
 * (under an irqsave lock) cannot interrupt itself, so it may use its batch.
 */
static struct proc_charge_batch *batch_of(struct proc *p, enum proc_res res)
{
	struct proc_charge_batch *b;

	if (arch_in_irq())
		return NULL;
	b = thread_current()->charge_batch;
	return b && b->p == p && b->res == res ? b : NULL;
}

int proc_batch_charge(struct proc *p, enum proc_res res, unsigned n)
{
	struct proc_charge_batch *b = batch_of(p, res);

	if (b && b->credit >= n) {
		b->credit -= n;
		return 0;
	}
	return proc_charge(p, res, n);
}

void proc_batch_uncharge(struct proc *p, enum proc_res res, unsigned n)
{
	struct proc_charge_batch *b = batch_of(p, res);

	if (b)
		b->credit += n;
	else
		proc_uncharge(p, res, n);
}

unsigned proc_usage(const struct proc *p, enum proc_res res)
{
	return __atomic_load_n(&p->usage[res], __ATOMIC_RELAXED);
}

unsigned proc_limit(enum proc_res res)
{
	return rules[res].limit;
}

const char *proc_res_name(enum proc_res res)
{
	return rules[res].name;
}

/* Waiter slots are taken in whole blocks: that is what the slot pool loses. */
unsigned proc_slots_charge(unsigned nslots)
{
	return (nslots + ASYNC_SLOTS_PER_BLOCK - 1) / ASYNC_SLOTS_PER_BLOCK * ASYNC_SLOTS_PER_BLOCK;
}

static bool fd_is_last(const struct proc *p, const struct file *f)
{
	for (unsigned i = 0; i < PARAM_PROC_FDS; i++)
		if (p->fds[i] == f)
			return false;
	return true;
}

/* @f leaves @p for good: give back the pooled objects it owns. */
static void uncharge_file_objects(struct proc *p, struct file *f)
{
	struct async_waiter_stats ws;
	unsigned n = 0;

	if (f->kind == FILE_WAITER) {
		async_waiter_stats(f->waiter, &ws);
		proc_uncharge(p, PROC_RES_WAITERS, 1);
		proc_uncharge(p, PROC_RES_SLOTS, proc_slots_charge(ws.nslots));
	} else if (f->kind == FILE_PBQ) {
		for (unsigned i = 0; i < ASYNC_PBQ_MAX; i++)
			n += f->pbq_bufs[i] != NULL;
		proc_uncharge(p, PROC_RES_PBQS, 1);
		proc_uncharge(p, PROC_RES_PBUFS, n);
		proc_uncharge(p, PROC_RES_BUFS, n);
	}
}

void proc_fd_close(struct proc *p, unsigned fd)
{
	struct file *f = p->fds[fd];

	if (!f || f == PROC_FD_RESERVED)
		return; /* a reservation belongs to its ACCEPT, which installs or gives it back */
	p->fds[fd] = NULL;
	proc_uncharge(p, PROC_RES_FILES, 1);
	if (fd_is_last(p, f))
		uncharge_file_objects(p, f);
	file_put(f);
}

/* At exit, after teardown: anything still charged is an accounting leak. */
void proc_usage_check_idle(const struct proc *p)
{
	for (unsigned r = 0; r < PROC_RES_COUNT; r++)
		if (r != PROC_RES_CHILDREN && proc_usage(p, r))
			printk("limits: %s[%d] exits holding %u %s\n", p->name, p->pid,
			       proc_usage(p, r), rules[r].name);
}
