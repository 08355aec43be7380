/*
 * gdt.c - the GDT and TSS. Segments are flat; the GDT exists for the code
 * selectors (kernel and user ring 3) and for the TSS, whose IST entries
 * give three vectors a known-good stack of their own (arch/x86_64/trap.h):
 * IST1 double faults, so a kernel stack overflow still reports instead of
 * triple-faulting; IST2 NMI and IST3 #MC, which can arrive at any
 * instruction, including the syscall entry's first two, which still run on
 * the user's stack pointer in ring 0.
 * Runs once at boot; nothing here changes afterwards except TSS.rsp0, which
 * the scheduler sets at every switch (arch_set_kernel_stack). The syscall
 * MSRs are set here too: STAR's selector bases must match this GDT's order
 * (sysret loads CS = base + 16, SS = base + 8: user data 0x18, user code 0x20).
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/trap.h>
#include <arch/x86_64/usermode.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <stdint.h>

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS	  0x28 /* 0x18 user data, 0x20 user code (arch/x86_64/usermode.h) */

#define MSR_EFER  0xc0000080
#define MSR_STAR  0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE  0x1

extern uint64_t syscall_kernel_rsp;
void syscall_entry(void);

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
/* One stack per IST index in use; ist_stacks[i] is IST i+1. */
static unsigned char ist_stacks[ARCH_IST_COUNT][PARAM_IST_STACK_SIZE] __attribute__((aligned(16)));

static void gdt_set_tss(unsigned slot)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[slot + 1] = base >> 32;
}

static void gdt_load(void)
{
	struct gdt_ptr p = {.limit = sizeof(gdt) - 1, .base = (uint64_t)gdt};

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
			 : "rax", "memory");
}

bool arch_on_ist_stack(unsigned ist, uint64_t addr)
{
	const unsigned char *s;

	if (ist < 1 || ist > ARCH_IST_COUNT)
		return false;
	s = ist_stacks[ist - 1];
	return addr >= (uint64_t)s && addr < (uint64_t)s + PARAM_IST_STACK_SIZE;
}

bool arch_on_df_stack(uint64_t addr)
{
	return arch_on_ist_stack(ARCH_IST_DF, addr);
}

uint64_t arch_ist_top(unsigned ist)
{
	return ist >= 1 && ist <= 7 ? tss.ist[ist - 1] : 0;
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff; /* kernel code, 64-bit */
	gdt[2] = 0x00cf92000000ffff; /* kernel data */
	gdt[3] = 0x00cff2000000ffff; /* user data (DPL 3) */
	gdt[4] = 0x00affa000000ffff; /* user code, 64-bit (DPL 3) */
	memset(&tss, 0, sizeof(tss));
	for (unsigned i = 0; i < ARCH_IST_COUNT; i++)
		tss.ist[i] = (uint64_t)(ist_stacks[i] + PARAM_IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss);
	gdt_set_tss(5);
	gdt_load();
}

void arch_set_kernel_stack(uint64_t top)
{
	tss.rsp[0] = top;
	syscall_kernel_rsp = top;
}

void arch_usermode_init(void)
{
	arch_wrmsr(MSR_EFER, arch_rdmsr(MSR_EFER) | EFER_SCE);
	arch_wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DATA - 8) << 48) | ((uint64_t)GDT_KCODE << 32));
	arch_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	arch_wrmsr(MSR_FMASK, RFLAGS_USER_MASK);
}
