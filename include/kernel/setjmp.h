/*
 * kernel/setjmp.h - non-local jumps inside one kernel thread's stack.
 *
 * Used by the test runner (a failed assertion ends the case) and by the trap
 * catch hook. kjmp_buf holds the callee-saved registers, RSP and the return
 * address. Never jump to a buffer set by another thread or by a function
 * that has returned.
 */
#ifndef KERNEL_SETJMP_H
#define KERNEL_SETJMP_H

typedef unsigned long kjmp_buf[8]; /* rbx rbp r12 r13 r14 r15 rsp rip */
#define KJMP_RSP 6		   /* index of the saved stack pointer */

__attribute__((returns_twice)) int ksetjmp(kjmp_buf env);
__attribute__((noreturn)) void klongjmp(kjmp_buf env, int val);

#endif
