/*
 * fpu.c - SSE on at boot, and the clean x87/SSE state (contract: arch/x86_64/fpu.h).
 *
 * Every x86-64 CPU has FXSR, SSE and SSE2, so nothing is probed. CR0.TS
 * stays clear: the scheduler moves the state at thread switches, never
 * lazily on first use, so #NM never happens. CR0.NE makes x87 errors #MF
 * exceptions rather than the legacy FERR# line to the PIC (IRQ 13), which
 * nothing here would handle.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <kernel/string.h>

#define CR0_MP	       (1UL << 1)  /* WAIT/FWAIT honour TS */
#define CR0_EM	       (1UL << 2)  /* x87 emulation: set, every x87/SSE op faults */
#define CR0_TS	       (1UL << 3)  /* task switched: the next FPU op raises #NM */
#define CR0_NE	       (1UL << 5)  /* native x87 error reporting (#MF) */
#define CR4_OSFXSR     (1UL << 9)  /* fxsave/fxrstor and SSE instructions allowed */
#define CR4_OSXMMEXCPT (1UL << 10) /* unmasked SSE exceptions raise #XM, not #UD */

#define FXSAVE_REGS_OFFSET 32 /* ST0-7, XMM0-15 follow the control/status words */

static struct arch_fpu_area fpu_clean; /* [I] after arch_fpu_init */

void arch_fpu_init(void)
{
	uint32_t mxcsr = ARCH_FPU_MXCSR_DEFAULT;

	arch_write_cr0((arch_read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	arch_write_cr4(arch_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	arch_fpu_save(&fpu_clean);
	/* ST0-7 and XMM0-15 hold whatever firmware left; new threads start from zeros. */
	memset(fpu_clean.bytes + FXSAVE_REGS_OFFSET, 0,
	       sizeof(fpu_clean.bytes) - FXSAVE_REGS_OFFSET);
}

void arch_fpu_reset(struct arch_fpu_area *a)
{
	memcpy(a, &fpu_clean, sizeof(*a));
}
