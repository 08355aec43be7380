/*
 * test_arch.c - the x86-64 protections a user program relies on not to panic
 * the kernel (issue 7): the syscall flag mask, RFLAGS per thread, DF and AC
 * cleared on every interrupt entry, NMI and #MC on IST stacks of their own,
 * SMEP and SMAP on (qemu/run offers both under TCG) and enforced.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <arch/x86_64/trap.h>
#include <kernel/ktest.h>
#include <kernel/paging.h>
#include <kernel/param.h>
#include <kernel/pmm.h>
#include <kernel/sched.h>

#define MSR_FMASK    0xc0000084
#define VEC_BP	     3
#define VEC_NMI	     2
#define VEC_DF	     8
#define VEC_PF	     14
#define VEC_MC	     18
#define CR4_SMEP     (1UL << 20)
#define CR4_SMAP     (1UL << 21)
#define PF_PRESENT   0x1
#define PF_WRITE     0x2
#define PF_USER	     0x4
#define PF_FETCH     0x10
#define UVA	     0x400000ULL /* a user address, mapped only in the test's own space */
#define USER_MARKER  0x5eca11ed5eca11edULL
#define OPCODE_RET   0xc3
#define YIELD_ROUNDS 100

/* Sets @bits in RFLAGS (ring 0 may set any flag with popfq). */
static inline void rflags_set(uint64_t bits)
{
	__asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "r"(bits) : "memory", "cc");
}

static inline void rflags_clear(uint64_t bits)
{
	__asm__ volatile("pushfq; andq %0, (%%rsp); popfq" : : "r"(~bits) : "memory", "cc");
}

KTEST(syscall_entry_masks_user_flags)
{
	uint64_t mask = arch_rdmsr(MSR_FMASK);

	/* As Linux: TF, DF, IF, IOPL, AC, NT never reach kernel code through syscall. */
	KT_EQ(mask & RFLAGS_USER_MASK, RFLAGS_USER_MASK);
	KT_EQ(RFLAGS_USER_MASK, 0x47700);
}

struct flag_seen {
	volatile bool ran;
	volatile uint64_t first, later;
};

static void flags_thread(void *arg)
{
	struct flag_seen *s = arg;

	s->first = arch_read_rflags(); /* a new thread: must not inherit the creator's AC */
	s->ran = true;
	thread_yield();
	s->later = arch_read_rflags(); /* switched back in from a thread that holds AC */
}

/*
 * The creator holds AC (harmless in ring 0 but for SMAP's window) across
 * yields to a second thread: the second never sees it, and the creator has it
 * back each time. Before RFLAGS was saved per thread, a flag followed the
 * CPU from one thread into the next (NT that way made iretq #GP, issue 7).
 */
KTEST(context_switch_keeps_rflags_per_thread)
{
	struct flag_seen s = {0};
	struct thread *t;
	int code;

	KT_EQ(thread_create("flags", flags_thread, &s, 0, &t), 0);
	rflags_set(RFLAGS_AC);
	for (int i = 0; i < YIELD_ROUNDS && !s.ran; i++) {
		thread_yield();
		KT_ASSERT(arch_read_rflags() & RFLAGS_AC);
	}
	for (int i = 0; i < YIELD_ROUNDS && !s.later; i++)
		thread_yield();
	KT_ASSERT(arch_read_rflags() & RFLAGS_AC);
	rflags_clear(RFLAGS_AC);
	KT_EQ(thread_join(t, &code), 0);
	KT_ASSERT(s.ran && s.later);
	KT_EQ(s.first & (RFLAGS_AC | RFLAGS_NT | RFLAGS_DF | RFLAGS_TF), 0);
	KT_EQ(s.later & RFLAGS_AC, 0);
}

static void do_bp_with_df_ac(void)
{
	__asm__ volatile("pushfq\n\t"
			 "orq %0, (%%rsp)\n\t"
			 "popfq\n\t"
			 "int3"
			 :
			 : "r"((uint64_t)(RFLAGS_DF | RFLAGS_AC))
			 : "memory", "cc");
}

/* An exception or interrupt never runs its handler with the interrupted code's DF or AC. */
KTEST(interrupt_entry_clears_df_and_ac)
{
	struct trap_catch c = {.vector = VEC_BP};

	arch_trap_catch_arm(&c);
	if (!ksetjmp(c.env)) {
		do_bp_with_df_ac();
		arch_trap_catch_disarm();
		KT_ASSERT(!"int3 was not caught");
	}
	KT_ASSERT(c.caught);
	KT_EQ(c.rflags & (RFLAGS_DF | RFLAGS_AC), RFLAGS_DF | RFLAGS_AC);
	KT_EQ(c.handler_rflags & RFLAGS_DF, 0);
	if (arch_smap_enabled()) /* without SMAP, AC is meaningless in ring 0 and stays */
		KT_EQ(c.handler_rflags & RFLAGS_AC, 0);
	KT_EQ(arch_read_rflags() & (RFLAGS_DF | RFLAGS_AC), 0); /* resumed clean */
}

struct idt_gate {
	uint16_t off_lo, selector;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));

static unsigned gate_ist(unsigned vec)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p;

	__asm__ volatile("sidt %0" : "=m"(p));
	KT_ASSERT((vec + 1) * sizeof(struct idt_gate) - 1 <= p.limit);
	return ((const struct idt_gate *)p.base)[vec].ist & 7;
}

/* Every page of IST stack @ist is mapped in the kernel's space (and so in every space). */
static void check_ist_stack_mapped(unsigned ist)
{
	uint64_t top = arch_ist_top(ist), pa;

	KT_ASSERT(top != 0);
	KT_ASSERT(arch_on_ist_stack(ist, top - 8));
	for (uint64_t va = top - PARAM_IST_STACK_SIZE; va < top; va += PAGE_SIZE)
		KT_EQ(paging_translate(paging_kernel_space(), va, &pa), 0);
}

KTEST(nmi_mc_df_have_own_ist_stacks)
{
	unsigned df = gate_ist(VEC_DF), nmi = gate_ist(VEC_NMI), mc = gate_ist(VEC_MC);

	KT_ASSERT(df != 0 && nmi != 0 && mc != 0);
	KT_ASSERT(nmi != df && mc != df && nmi != mc);
	KT_EQ(nmi, ARCH_IST_NMI);
	KT_EQ(mc, ARCH_IST_MC);
	check_ist_stack_mapped(df);
	check_ist_stack_mapped(nmi);
	check_ist_stack_mapped(mc);
	KT_ASSERT(!arch_on_ist_stack(nmi, arch_ist_top(df) - 8)); /* three different stacks */
	KT_ASSERT(!arch_on_ist_stack(mc, arch_ist_top(nmi) - 8));
}

/* `int $2` enters through the NMI gate: it must run on the NMI stack and come back. */
KTEST(nmi_runs_on_its_ist_stack_and_returns)
{
	uint64_t before = arch_nmi_count();

	__asm__ volatile("int $2" : : : "memory");
	KT_EQ(arch_nmi_count(), before + 1);
	KT_ASSERT(arch_on_ist_stack(ARCH_IST_NMI, arch_nmi_last_frame()));
}

static void do_int18(void)
{
	__asm__ volatile("int $18");
}

KTEST(machine_check_runs_on_its_ist_stack)
{
	struct trap_catch c = {.vector = VEC_MC};

	arch_trap_catch_arm(&c);
	if (!ksetjmp(c.env)) {
		do_int18();
		arch_trap_catch_disarm();
		KT_ASSERT(!"int $18 was not caught");
	}
	KT_ASSERT(arch_on_ist_stack(ARCH_IST_MC, c.frame));
}

KTEST(smep_smap_on_when_offered)
{
	uint64_t cr4 = arch_read_cr4();

	KT_EQ(!!(cr4 & CR4_SMEP), arch_cpu_has_smep());
	KT_EQ(!!(cr4 & CR4_SMAP), arch_cpu_has_smap());
	KT_EQ(arch_smep_enabled(), arch_cpu_has_smep());
	KT_EQ(arch_smap_enabled(), arch_cpu_has_smap());
	/* qemu/run's CPU model offers both under TCG: the cases below need them. */
	KT_ASSERT(arch_cpu_has_smep());
	KT_ASSERT(arch_cpu_has_smap());
}

/* A space of its own with one user page at UVA; the test thread switches to it. */
struct user_page {
	struct addr_space as;
	uint64_t pa;
	unsigned long irq;
};

static void user_page_enter(struct user_page *u, uint64_t flags)
{
	KT_EQ(paging_space_create(&u->as), 0);
	u->pa = pmm_alloc_zeroed();
	KT_ASSERT(u->pa != 0);
	KT_EQ(paging_map(&u->as, UVA, u->pa, PTE_U | flags), 0);
	/* No preemption while CR3 is not the thread's own: a switch back would reload it. */
	u->irq = arch_irq_save();
	paging_switch(&u->as);
}

static void user_page_leave(struct user_page *u)
{
	paging_switch(paging_kernel_space());
	arch_irq_restore(u->irq);
	KT_EQ(paging_unmap(&u->as, UVA, NULL), 0);
	pmm_free_page(u->pa);
	paging_space_destroy(&u->as);
}

static void do_user_read(void)
{
	(void)*(volatile uint64_t *)UVA;
}

static void do_user_exec(void)
{
	((void (*)(void))UVA)();
}

/* Outside stac/clac a kernel read of a user page faults (protection, kernel, read); inside, it
 * works. */
KTEST(smap_blocks_kernel_access_to_user_page)
{
	struct trap_catch c = {.vector = VEC_PF};
	struct user_page u;
	uint64_t got;

	KT_ASSERT(arch_smap_enabled());
	user_page_enter(&u, PTE_W | PTE_NX);
	*(uint64_t *)phys_to_virt(u.pa) = USER_MARKER;
	arch_trap_catch_arm(&c);
	if (!ksetjmp(c.env)) {
		do_user_read();
		arch_trap_catch_disarm();
	}
	arch_user_access_begin();
	got = *(volatile uint64_t *)UVA;
	arch_user_access_end();
	user_page_leave(&u);
	KT_ASSERT(c.caught);
	KT_EQ(c.cr2, UVA);
	KT_EQ(c.error & (PF_PRESENT | PF_USER | PF_WRITE | PF_FETCH), PF_PRESENT);
	KT_EQ(got, USER_MARKER);
}

/* Ring 0 calling into a user page faults on the instruction fetch. */
KTEST(smep_blocks_kernel_exec_of_user_page)
{
	struct trap_catch c = {.vector = VEC_PF};
	struct user_page u;

	KT_ASSERT(arch_smep_enabled());
	user_page_enter(&u, 0); /* user, read-only, executable */
	*(uint8_t *)phys_to_virt(u.pa) = OPCODE_RET;
	arch_trap_catch_arm(&c);
	if (!ksetjmp(c.env)) {
		do_user_exec();
		arch_trap_catch_disarm();
	}
	user_page_leave(&u);
	KT_ASSERT(c.caught);
	KT_EQ(c.cr2, UVA);
	KT_EQ(c.rip, UVA);
	KT_EQ(c.error & (PF_PRESENT | PF_USER | PF_FETCH), PF_PRESENT | PF_FETCH);
}
