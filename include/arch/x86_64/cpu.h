/*
 * arch/x86_64/cpu.h - port I/O, interrupt flag, control registers, MSRs, TSC.
 *
 * Thin inline wrappers over single instructions; no state. The interrupt
 * flag helpers are what spinlocks build on: arch_irq_save() returns the old
 * RFLAGS and disables interrupts, arch_irq_restore() puts IF back as it was.
 *
 * CPU protection features (kernel/arch/x86_64/cpu.c), set once at boot:
 *   arch_cpu_protect_init()     CR4.SMEP and CR4.SMAP on when CPUID leaf 7
 *                               offers them; logs "cpu: SMEP on, SMAP on"
 *   arch_smep_enabled(), arch_smap_enabled()   what it turned on
 *   arch_cpu_has_smep(), arch_cpu_has_smap()   what CPUID offers
 *   arch_user_access_begin()/end()   stac/clac around one kernel access to a
 *                               user virtual address (nothing without SMAP).
 *                               The user copies need neither: they go through
 *                               the direct map (see cpu.c).
 */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

/* RFLAGS bits (usable from assembler) */
#define RFLAGS_FIXED 0x2 /* bit 1 reads as 1; write it as 1 */
#define RFLAGS_TF    0x100
#define RFLAGS_IF    0x200
#define RFLAGS_DF    0x400
#define RFLAGS_IOPL  0x3000  /* I/O privilege level: 0, or ring 3 could use in/out and cli */
#define RFLAGS_NT    0x4000  /* nested task: iretq with NT set is #GP in long mode */
#define RFLAGS_AC    0x40000 /* alignment check in ring 3; with SMAP, "user access allowed" */

/*
 * Flags a user program may set that must never reach kernel code: the
 * syscall entry clears them (MSR_SFMASK), as Linux does. IF too, because the
 * entry still runs on the user's stack pointer for two instructions.
 */
#define RFLAGS_USER_MASK (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stdbool.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & RFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

static inline uint64_t arch_read_rflags(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags;
}

static inline bool arch_irq_enabled(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & RFLAGS_IF;
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* Sleeps until the next interrupt; sti;hlt is atomic, so no wakeup is lost. */
static inline void arch_wait_irq(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

static inline void arch_pause(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t arch_read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t arch_read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void arch_write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t arch_read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void arch_write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t arch_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void arch_write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void arch_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void arch_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t arch_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void arch_cpu_protect_init(void);
void arch_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
bool arch_cpu_has_smep(void);
bool arch_cpu_has_smap(void);
bool arch_smep_enabled(void);
bool arch_smap_enabled(void);

extern unsigned char arch_smap_on; /* [I] after arch_cpu_protect_init */

/* Opens SMAP's window: ring 0 may touch user pages until arch_user_access_end(). */
static inline void arch_user_access_begin(void)
{
	if (arch_smap_on)
		__asm__ volatile("stac" : : : "memory");
}

static inline void arch_user_access_end(void)
{
	if (arch_smap_on)
		__asm__ volatile("clac" : : : "memory");
}

__attribute__((noreturn)) static inline void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif /* __ASSEMBLER__ */

#endif
