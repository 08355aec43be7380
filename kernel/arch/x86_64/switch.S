/*
 * switch.S - the kernel thread context switch.
 *
 * struct thread *context_switch(struct thread *prev, struct thread *next)
 *   Saves RFLAGS and the callee-saved registers on prev's stack and RSP in
 *   prev->saved_rsp (offset 0), loads next's, and returns prev - on next's
 *   stack, to whatever next was doing when it last switched out. Called with
 *   the scheduler lock held and interrupts masked; both stay so.
 *
 * RFLAGS is per thread: a flag one thread's kernel path holds (DF, AC inside
 * a stac window, anything a bug left set) must not leak into the next
 * thread. Before RFLAGS was saved here, NT carried in by a syscall followed
 * the kernel into a new thread and made its first iretq to ring 3 a #GP
 * (issue 7). IF is saved too, but is 0 on both sides.
 *
 * A new thread's stack is built by thread.c to look like a switched-out one
 * (RFLAGS = RFLAGS_FIXED: every flag clear) whose return address is
 * thread_entry: it passes prev on to sched_thread_start(prev), which never
 * returns.
 */
	.text
	.globl context_switch
context_switch:
	pushfq
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq (%rsi), %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	popfq
	movq %rdi, %rax
	ret

	.globl thread_entry
thread_entry:
	movq %rax, %rdi
	call sched_thread_start
	ud2

	.section .note.GNU-stack, "", @progbits
