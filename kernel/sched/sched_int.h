/*
 * sched_int.h - shared between sched.c and thread.c only.
 *
 * Lock legend for the scheduler: sched_lock covers the run queue, every
 * thread's state/run_node/all_node, sched_cur and the counters. It is taken
 * with interrupts masked and is held across context_switch(); the thread
 * that runs next releases it (its own sched path, or sched_thread_start()).
 */
#ifndef KERNEL_SCHED_INT_H
#define KERNEL_SCHED_INT_H

#include <kernel/sched.h>
#include <kernel/spinlock.h>

extern struct spinlock sched_lock;
extern struct list_node sched_all_threads; /* [S] */

/* Makes @t READY and queues it; sched_lock held. */
void __sched_enqueue(struct thread *t);
/* Installs @t as the running thread at boot; sched_lock held. */
void __sched_set_current(struct thread *t, struct thread *idle);
/* @t has no x87/SSE state any more (teardown, free); sched_lock held. */
void __sched_fpu_drop(struct thread *t);
/* Frees a ZOMBIE's stack and object; sched_lock held. */
void __thread_free(struct thread *t);

/*
 * The lowest word of every thread stack: no guard pages exist (stacks are
 * pool objects), so an overflow is caught, after the fact, at the next switch.
 */
#define THREAD_STACK_CANARY 0x5354414b43414e59ULL
bool thread_stack_ok(const struct thread *t);

struct thread *context_switch(struct thread *prev, struct thread *next);
void thread_entry(void);
__attribute__((noreturn)) void sched_thread_start(struct thread *prev);

#endif
