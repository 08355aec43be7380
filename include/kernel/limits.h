/*
 * kernel/limits.h - per-process resource limits and the kernel's reserve in
 * the global pools, in one place (the other build-time sizes: kernel/param.h,
 * async/config.h).
 *
 * Every pooled resource a process can hold beyond one system call has a
 * per-process limit; the pool-backed ones also have a global cap for all
 * user processes together, below the pool's size, so the rest of the pool is
 * a reserve only the kernel's own operations (the synchronous I/O of every
 * system call, kernel-internal ops, file objects of the kernel) dip into.
 * The per-process limits are chosen so that two processes at all their
 * limits still fit under the caps with room to spare (checked below): a
 * hostile process, or two, cannot starve the others.
 *
 *   proc_charge(p, res, n)     0, or the resource's error (-EAGAIN, -ENOMEM,
 *                              -EMFILE) when @p or all user processes are at
 *                              the limit; nothing is charged then
 *   proc_uncharge(p, res, n)   gives @n back (any context, IRQ included)
 *   proc_charge_force(p, res, n)  charges past the limit (a synchronous call's pin)
 *   proc_slots_charge(nslots)  what a waiter of @nslots costs (whole blocks)
 *   proc_usage(p, res)         what @p holds now (a snapshot)
 *   proc_limit(res)            the per-process limit
 *   proc_res_name(res)         the column name `stats` prints
 *   proc_fd_close(p, fd)       drops descriptor @fd and uncharges what it held
 *                              (the owner's thread only: the fd table is [O])
 *   proc_usage_check_idle(p)   at exit: prints what is still charged (a bug)
 *   proc_batch_begin/end(b, p, res), proc_batch_charge/uncharge(p, res, n)
 *                              a charge batch: see below
 *
 * Counters: struct proc.usage[] and the totals, under limits_lock (innermost;
 * taken under proc_lock and in interrupt context).
 *
 * Charged where the resource is taken, uncharged where it is returned: ops
 * (SYS_submit, uncharged by the op's bottom frame when it completes), waiters
 * and slots (SYS_waiter_create, the last descriptor closed), buffer
 * descriptors, provided and registered buffers (SYS_pbq_provide,
 * SYS_buf_register/unregister, the queue's last descriptor), pinned pages
 * (the port's user pinning), descriptors (every fd table entry), children
 * (spawn, and the child's struct proc freed), mapped pages (uvm: data pages
 * plus the page-table pages of the user half).
 */
#ifndef KERNEL_LIMITS_H
#define KERNEL_LIMITS_H

#include <async/config.h>
#include <kernel/param.h>

/* ---- Per-process limits ---- */
#define LIMIT_PROC_OPS	    384			 /* async ops in flight (SYS_submit): one per connection */
#define LIMIT_PROC_WAITERS  4			 /* waiters (each also a descriptor) */
#define LIMIT_PROC_SLOTS    512			 /* waiter slots, counted in whole slot blocks */
#define LIMIT_PROC_BUFS	    48			 /* buffer descriptors held past a call */
#define LIMIT_PROC_PBQS	    4			 /* provided-buffer queues */
#define LIMIT_PROC_PBUFS    32			 /* buffers provided to queues, all queues */
#define LIMIT_PROC_REGBUFS  16			 /* registered buffers */
#define LIMIT_PROC_PINNED   1024			 /* user pages pinned for I/O (4 MiB) */
#define LIMIT_PROC_FILES    PARAM_PROC_FDS	 /* open descriptors (the fd table: -EMFILE) */
#define LIMIT_PROC_CHILDREN 4			 /* children alive or unreaped, detached ones too */
#define LIMIT_PROC_PAGES    PARAM_PROC_MAX_PAGES /* mapped pages + page-table pages (-ENOMEM) */

/* ---- Global caps on all user processes together (pool size minus the kernel's reserve) ---- */
#define LIMIT_USER_OPS	    (ASYNC_OPS_MAX - 64)    /* of the async op pool */
#define LIMIT_USER_WAITERS  (ASYNC_WAITERS_MAX - 4) /* of the waiter pool */
#define LIMIT_USER_SLOTS    ((ASYNC_SLOT_BLOCKS_MAX - 8) * ASYNC_SLOTS_PER_BLOCK) /* slot blocks */
#define LIMIT_USER_BUFS	    (ASYNC_BUFS_MAX - 64)      /* of the buffer descriptor pool */
#define LIMIT_USER_PBQS	    (ASYNC_PBQ_QUEUES_MAX - 4) /* of the queue pool */
#define LIMIT_USER_FILES    (PARAM_MAX_FILES - 16)     /* descriptors, bounds file objects */
#define LIMIT_PROCS_RESERVE 2	 /* process slots only init (pid 1) and the kernel may spawn into */
#define LIMIT_PAGES_RESERVE 1024 /* free frames user mappings never take (4 MiB) */

/* Two processes at every limit still leave each pool usable by the others. */
_Static_assert(LIMIT_PROC_OPS * 2 < LIMIT_USER_OPS, "op limits");
_Static_assert(LIMIT_PROC_WAITERS * 2 < LIMIT_USER_WAITERS, "waiter limits");
_Static_assert(LIMIT_PROC_SLOTS * 2 < LIMIT_USER_SLOTS, "slot limits");
_Static_assert(LIMIT_PROC_BUFS * 2 < LIMIT_USER_BUFS, "buffer limits");
_Static_assert(LIMIT_PROC_PBQS * 2 < LIMIT_USER_PBQS, "queue limits");
_Static_assert(LIMIT_PROC_PBUFS + LIMIT_PROC_REGBUFS <= LIMIT_PROC_BUFS, "buffers are buffers");
/* ... their children included (each holds 3 descriptors) ... */
_Static_assert((LIMIT_PROC_FILES + 3 * LIMIT_PROC_CHILDREN) * 2 < LIMIT_USER_FILES, "descriptors");
/* ... and room for init, a command it runs and that command's child. */
_Static_assert((1 + LIMIT_PROC_CHILDREN) * 2 + 3 <= PARAM_MAX_PROCS - LIMIT_PROCS_RESERVE,
	       "children");

enum proc_res {
	PROC_RES_OPS,
	PROC_RES_WAITERS,
	PROC_RES_SLOTS,
	PROC_RES_BUFS,
	PROC_RES_PBQS,
	PROC_RES_PBUFS,
	PROC_RES_REGBUFS,
	PROC_RES_PINNED,
	PROC_RES_FILES,
	PROC_RES_CHILDREN,
	PROC_RES_COUNT
};

struct proc;

int proc_charge(struct proc *p, enum proc_res res, unsigned n);
void proc_uncharge(struct proc *p, enum proc_res res, unsigned n);
/* Charges past the limit: for what lasts one system call (a synchronous read's pin). */
void proc_charge_force(struct proc *p, enum proc_res res, unsigned n);
unsigned proc_usage(const struct proc *p, enum proc_res res);
unsigned proc_limit(enum proc_res res);
const char *proc_res_name(enum proc_res res);
void proc_fd_close(struct proc *p, unsigned fd);
/* Slots a waiter of @nslots is charged: whole blocks, what the slot pool loses. */
unsigned proc_slots_charge(unsigned nslots);
/* Exit, after teardown: warns (printk) about anything still charged to @p. */
void proc_usage_check_idle(const struct proc *p);

/*
 * A charge batch: one thread starting many ops in one system call
 * (SYS_ring_enter) keeps the units its ops give back for the next op instead
 * of returning each through limits_lock, so a batch of ops that complete
 * inside their submit takes the lock twice (the first charge and the end)
 * instead of twice per op. The batch is the current thread's
 * (thread.charge_batch) between begin and end, on that thread's stack:
 *
 *   struct proc_charge_batch b;
 *   proc_batch_begin(&b, p, PROC_RES_OPS);
 *   ... proc_batch_charge(p, PROC_RES_OPS, 1) ... proc_batch_uncharge(...) ...
 *   proc_batch_end(&b);      // gives the unused credit back to @p
 *
 * proc_batch_charge/uncharge behave as proc_charge/uncharge everywhere else:
 * in another thread, in interrupt context (arch_in_irq), for another process or
 * resource, or with no batch running. Units held as credit stay charged to
 * @p, so a limit is never exceeded; @p's usage reads at most the credit
 * higher until the end (the credit is at most the ops the batch saw finish).
 */
struct proc_charge_batch {
	struct proc *p;	   /* [I] */
	enum proc_res res; /* [I] */
	unsigned credit; /* [O] charged to @p, held by nothing: reused, or given back at the end */
};

void proc_batch_begin(struct proc_charge_batch *b, struct proc *p, enum proc_res res);
void proc_batch_end(struct proc_charge_batch *b);
int proc_batch_charge(struct proc *p, enum proc_res res, unsigned n);
void proc_batch_uncharge(struct proc *p, enum proc_res res, unsigned n);

#endif
