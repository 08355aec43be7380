/*
 * switch.S - the kernel thread context switch.
 *
 * struct thread *context_switch(struct thread *prev, struct thread *next)
 *   Saves the callee-saved registers on prev's stack and RSP in
 *   prev->saved_rsp (offset 0), loads next's, and returns prev - on next's
 *   stack, to whatever next was doing when it last switched out. Called with
 *   the scheduler lock held and interrupts masked; both stay so.
 *
 * A new thread's stack is built by thread.c to look like a switched-out one
 * whose return address is thread_entry: it passes prev on to
 * sched_thread_start(prev), which never returns.
 */
	.text
	.globl context_switch
context_switch:
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
	movq %rdi, %rax
	ret

	.globl thread_entry
thread_entry:
	movq %rax, %rdi
	call sched_thread_start
	ud2
