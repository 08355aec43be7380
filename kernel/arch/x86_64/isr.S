/*
 * isr.S - entry stubs for vectors 0..47 (CPU exceptions and ISA IRQs).
 *
 * Each stub makes the stack look the same (a dummy error code where the CPU
 * pushes none, then the vector number), the common path saves every general
 * register into a struct trap_frame, clears DF and (with SMAP) AC, which an
 * entry from ring 3 keeps as the program left them (the CPU clears only TF,
 * NT, RF and IF through an interrupt gate), and calls trap_dispatch(frame). On return
 * it restores the registers and irets; trap_dispatch may have switched to
 * another thread and back in between (preemption), or rewritten the frame
 * (the test catch hook).
 */
#include "frame_asm.h"

	.macro ISR_NOERR vec
	.align 16
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
	.endm

	.macro ISR_ERR vec
	.align 16
isr_\vec:
	pushq $\vec
	jmp isr_common
	.endm

	.text
isr_common:
	PUSH_GPRS
	cld				/* the C ABI wants DF clear; ring 3 may have set it */
	SMAP_CLAC
	movq %rsp, %rdi
	call trap_dispatch
	POP_GPRS
	addq $16, %rsp			/* vector and error code */
	iretq

	ISR_NOERR 0
	ISR_NOERR 1
	ISR_NOERR 2
	ISR_NOERR 3
	ISR_NOERR 4
	ISR_NOERR 5
	ISR_NOERR 6
	ISR_NOERR 7
	ISR_ERR 8
	ISR_NOERR 9
	ISR_ERR 10
	ISR_ERR 11
	ISR_ERR 12
	ISR_ERR 13
	ISR_ERR 14
	ISR_NOERR 15
	ISR_NOERR 16
	ISR_ERR 17
	ISR_NOERR 18
	ISR_NOERR 19
	ISR_NOERR 20
	ISR_ERR 21
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28
	ISR_ERR 29
	ISR_ERR 30
	ISR_NOERR 31
	.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	ISR_NOERR \vec
	.endr

	.section .rodata
	.align 8
	.globl isr_stub_table
isr_stub_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\vec
	.endr
	.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad isr_\vec
	.endr
