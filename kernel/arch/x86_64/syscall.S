/*
 * syscall.S - the ring-3 entry and exit paths (contract: arch/x86_64/usermode.h).
 *
 * syscall_entry: the CPU put the user RIP in rcx and RFLAGS in r11, cleared
 * the flags in FMASK (RFLAGS_USER_MASK: IF, TF, DF, AC, NT, IOPL; a program
 * may set any of them but IOPL, and none may reach kernel code), and left RSP
 * on the user stack. We switch to the current thread's kernel stack, push a
 * struct trap_frame exactly as isr.S does (so exception reports and the
 * process code read one layout), run syscall_dispatch with interrupts on,
 * and sysretq with the program's own RFLAGS (IOPL forced to 0 and IF to 1,
 * whatever the frame says). Nothing here trusts the user RSP: it is only
 * stored and restored. TF set by the program stays out of ring 0 (FMASK
 * clears it before the first kernel instruction, so no single-step trap is
 * taken there); sysretq gives it back, and the program's next instruction
 * traps in ring 3 (#DB kills it, trap.c).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/usermode.h>
#include "frame_asm.h"

	.data
	.align 8
	.globl syscall_kernel_rsp
syscall_kernel_rsp:	.quad 0		/* [S] top of the current thread's kernel stack */
syscall_user_rsp:	.quad 0		/* scratch between entry and the first push (IF off) */

	.text
	.globl syscall_entry
syscall_entry:
	movq %rsp, syscall_user_rsp(%rip)
	movq syscall_kernel_rsp(%rip), %rsp
	pushq $USER_SS
	pushq syscall_user_rsp(%rip)
	pushq %r11			/* rflags */
	pushq $USER_CS
	pushq %rcx			/* rip */
	pushq $0			/* error */
	pushq $ARCH_SYSCALL_VECTOR
	PUSH_GPRS
	cld
	xorl %ebp, %ebp			/* backtraces stop at the user boundary */
	sti
	movq %rsp, %rdi
	call syscall_dispatch
	cli
	POP_GPRS
	addq $16, %rsp			/* vector, error */
	movq 0(%rsp), %rcx		/* rip: canonical, checked by syscall_dispatch */
	movq 16(%rsp), %r11		/* rflags */
	andq $~RFLAGS_IOPL, %r11
	orq $(RFLAGS_IF | RFLAGS_FIXED), %r11
	movq 24(%rsp), %rsp		/* user stack */
	sysretq

/*
 * void arch_enter_user(uint64_t rip, uint64_t rsp): never returns.
 * Clears every flag first (IF too: the rest must not be interrupted): iretq
 * with NT set is a #GP in ring 0, and the program starts with a sane RFLAGS
 * of its own: IF on, IOPL 0, everything else clear.
 */
	.globl arch_enter_user
arch_enter_user:
	pushq $RFLAGS_FIXED
	popfq
	pushq $USER_SS
	pushq %rsi
	pushq $(RFLAGS_IF | RFLAGS_FIXED)
	pushq $USER_CS
	pushq %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	iretq

	.section .note.GNU-stack, "", @progbits
