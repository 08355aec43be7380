/*
 * arch/x86_64/fpu.h - the x87/SSE register state of user threads.
 *
 *   arch_fpu_init()          once at boot, before any user code: turns SSE on
 *                            (CR0.MP|NE, not EM/TS; CR4.OSFXSR|OSXMMEXCPT) and
 *                            records the clean state (fninit, MXCSR 0x1f80)
 *   arch_fpu_reset(a)        a := that clean state (a new user thread)
 *   arch_fpu_save(a)         fxsave the registers into a
 *   arch_fpu_restore(a)      fxrstor them from a
 *
 * The kernel is built -mgeneral-regs-only and never touches these
 * registers, so they hold user state only and change hands only where the
 * scheduler says so (kernel/sched/sched.c): traps and syscalls need not
 * save them. An area restored here only ever comes from arch_fpu_reset() or
 * arch_fpu_save(), so its MXCSR has no reserved bits set and fxrstor cannot
 * fault. Unmasked exceptions that user code raises arrive as #MF (x87) or
 * #XM (SSE) in ring 3 and kill the process (trap.c); a pending x87
 * exception saved with the state is raised again by the owner's next x87
 * instruction, never in the kernel (fxsave/fxrstor do not raise it).
 */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include <stdint.h>

#define ARCH_FPU_AREA_SIZE     512    /* the FXSAVE image */
#define ARCH_FPU_MXCSR_DEFAULT 0x1f80 /* all SSE exceptions masked, round to nearest */

struct arch_fpu_area {
	uint8_t bytes[ARCH_FPU_AREA_SIZE];
} __attribute__((aligned(16))); /* fxsave/fxrstor fault on a misaligned area */

void arch_fpu_init(void);
void arch_fpu_reset(struct arch_fpu_area *a);

static inline void arch_fpu_save(struct arch_fpu_area *a)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*a));
}

static inline void arch_fpu_restore(const struct arch_fpu_area *a)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*a));
}

#endif
