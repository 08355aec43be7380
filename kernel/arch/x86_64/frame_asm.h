/*
 * frame_asm.h - assembler macros that save and restore the general-purpose
 * registers of a struct trap_frame (include/arch/x86_64/trap.h), shared by the
 * interrupt stubs (isr.S) and the syscall entry (syscall.S), and SMAP_CLAC,
 * which the interrupt stubs run on entry. The push order
 * is the reverse of the struct's field order: keep the two in step.
 */
#ifndef ARCH_X86_64_FRAME_ASM_H
#define ARCH_X86_64_FRAME_ASM_H

/* clang-format off */
.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/*
 * Clears RFLAGS.AC when SMAP is on (arch_smap_on, set once at boot; clac
 * itself is #UD on a CPU without SMAP). An interrupt or exception from ring
 * 3 keeps the user's AC, and an interrupt inside a stac window keeps the
 * kernel's: either way the handler must not run with SMAP's window open.
 * Clobbers the arithmetic flags only; iretq restores RFLAGS from the frame.
 */
.macro SMAP_CLAC
	testb $1, arch_smap_on(%rip)
	jz .Lno_smap\@
	clac
.Lno_smap\@:
.endm
/* clang-format on */

#endif
