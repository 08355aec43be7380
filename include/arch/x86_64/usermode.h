/*
 * arch/x86_64/usermode.h - ring 3: segments, the `syscall` entry, first entry.
 *
 *   arch_usermode_init()            EFER.SCE, STAR, LSTAR, FMASK (once, at boot)
 *   arch_set_kernel_stack(top)      stack for traps and syscalls from ring 3
 *                                   (TSS.rsp0 and the syscall entry's stack);
 *                                   the scheduler sets it at every switch
 *   arch_enter_user(rip, rsp)       iretq to ring 3 with zeroed registers
 *
 * A syscall arrives with interrupts masked (FMASK clears IF), switches to
 * the kernel stack, builds a struct trap_frame (vector ARCH_SYSCALL_VECTOR)
 * and calls syscall_dispatch(frame), which leaves the result in frame->rax.
 * The return is sysretq. sysretq to a non-canonical RIP would fault in ring 0
 * on the user's stack, so the dispatcher kills a process whose return
 * address is not below USER_TOP before it gets there (syscall.c).
 * One CPU: the saved user RSP lives in a global, not a per-CPU area.
 */
#ifndef ARCH_X86_64_USERMODE_H
#define ARCH_X86_64_USERMODE_H

#define GDT_USER_DATA	    0x18
#define GDT_USER_CODE	    0x20
#define USER_CS		    (GDT_USER_CODE | 3)
#define USER_SS		    (GDT_USER_DATA | 3)
#define ARCH_SYSCALL_VECTOR 0x80 /* trap_frame.vector of a syscall frame */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame;

void arch_usermode_init(void);
void arch_set_kernel_stack(uint64_t top);
__attribute__((noreturn)) void arch_enter_user(uint64_t rip, uint64_t rsp);

/* Called by syscall.S with interrupts on; sets f->rax. */
void syscall_dispatch(struct trap_frame *f);
#endif

#endif
