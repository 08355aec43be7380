/*
 * kernel/sched.h - kernel threads and the preemptive round-robin scheduler.
 *
 *   thread_create(name, fn, arg, flags, &t)  starts fn(arg) on a new thread
 *   thread_join(t, &code)                     waits for exit, frees it (not for DETACHED)
 *   thread_exit(code)                         ends the current thread
 *   thread_sleep_until(deadline_ns) / thread_sleep_ns(ns)
 *   thread_yield()
 *
 * Threads and stacks come from static pools (PARAM_MAX_THREADS); creation
 * fails with -ENOMEM when they are exhausted. A thread runs until it blocks,
 * yields, or its time slice (PARAM_TIMESLICE_TICKS) ends at a timer tick.
 * One CPU is scheduled today; the locking is written so that the run queue
 * and thread states are only touched under the scheduler lock.
 *
 * Thread states (all transitions under the scheduler lock):
 *   READY   --picked by sched_switch()-->        RUNNING
 *   RUNNING --preempted / thread_yield()-->      READY
 *   RUNNING --waitq_prepare / sleep-->           BLOCKED (still on CPU until sched_block)
 *   BLOCKED --sched_wake()-->                    READY (or RUNNING if not yet switched out)
 *   RUNNING --thread_exit()-->                   ZOMBIE --join / reap--> freed
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <arch/x86_64/fpu.h>
#include <kernel/list.h>
#include <kernel/time.h>
#include <kernel/waitq.h>
#include <stdint.h>
#include <stdbool.h>

struct addr_space;
struct proc;
struct proc_charge_batch;

#define THREAD_DETACHED 0x1 /* freed at exit, cannot be joined */
#define THREAD_NAME_LEN 24

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_ZOMBIE };

/* Lock legend: [S] under the scheduler lock, [I] immutable after creation, [O] the thread itself.
 */
struct thread {
	uint64_t saved_rsp;	    /* [S] valid iff not running; first field: switch.S uses it */
	enum thread_state state;    /* [S] */
	struct list_node run_node;  /* [S] on the run queue iff READY */
	char name[THREAD_NAME_LEN]; /* [I] */
	unsigned id;		    /* [I] */
	unsigned flags;		    /* [I] THREAD_DETACHED */
	void (*fn)(void *arg);	    /* [I] */
	void *arg;		    /* [I] */
	void *stack;		    /* [I] base of the stack (NULL: boot stack) */
	int exit_code;		    /* [S] valid iff ZOMBIE */
	unsigned slice_left;	    /* [S] ticks before preemption */
	struct ktimer sleep_timer;  /* [O] armed by sched_block_until with a deadline */
	struct list_node all_node;  /* [S] on the list of live threads */
	uint64_t switches;	    /* [S] times switched in */
	struct waitq joinq;	    /* the joiner sleeps here */
	struct addr_space *as;	    /* [O] loaded at every switch in; NULL: the kernel's */
	struct proc *proc;	    /* [O] the process this thread runs, NULL for kernel threads */
	bool user_fpu;		    /* [S] has x87/SSE state: set with a process's space */
	struct arch_fpu_area fpu; /* [S] that state, valid iff user_fpu and not sched's fpu owner */
	void *async_ctx;	  /* [O] the async core's context slot (async_port_context_slot) */
	/* [O] the charge batch this thread runs (kernel/limits.h), or NULL */
	struct proc_charge_batch *charge_batch;
};

/* Turns the boot context into the first thread and starts the idle thread. */
void sched_init(void);
/* Starts preemption (called once the PIT runs). */
void sched_start_preemption(void);

int thread_create(const char *name, void (*fn)(void *arg), void *arg, unsigned flags,
		  struct thread **out);
int thread_join(struct thread *t, int *exit_code);
__attribute__((noreturn)) void thread_exit(int code);
void thread_yield(void);
/* Sleeps until clock_now_ns() >= @deadline_ns. */
void thread_sleep_until(uint64_t deadline_ns);
void thread_sleep_ns(uint64_t ns);
struct thread *thread_current(void);
/*
 * The current thread runs in @as from now on (a process thread, once), with
 * a clean x87/SSE state that the scheduler keeps for it from then on; NULL
 * makes it a kernel thread again (process teardown) and drops that state.
 */
void thread_set_space(struct addr_space *as, struct proc *p);

/* Low level, for waitq.c and the timer code. */
void sched_set_blocked(void);
void sched_set_running(void);
/* Switches away if the current thread is still BLOCKED; a timer wakes it at @deadline_ns. */
void sched_block_until(uint64_t deadline_ns);
void sched_wake(struct thread *t);
/* The IRQ exit path: preempts if a time slice ended or a woken thread waits for the idle CPU. */
void sched_irq_exit(void);
void sched_tick(void);
/* Calls @fn for every live thread (stats), under the scheduler lock: fn must not block. */
void sched_foreach_thread(void (*fn)(struct thread *t, void *arg), void *arg);
uint64_t sched_context_switches(void);

#endif
