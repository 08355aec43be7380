/*
 * trap.c - the IDT, exception reports and IRQ dispatch.
 *
 * Vectors 0..31 are CPU exceptions: a catch armed by a test gets the first
 * one of its vector; anything else is reported (name, error code, registers,
 * CR2, backtrace) and panics - an exception in the kernel is a kernel bug.
 * Vectors 0x20..0x2f are ISA IRQs: EOI first (the handler may switch
 * threads and not come back for a while), then the registered handler, then
 * sched_irq_exit() which may preempt the interrupted thread.
 * From ring 3 (CS RPL 3) an exception is the process's fault, not the
 * kernel's: proc_fault() reports it and ends that process alone; and on the
 * way back to ring 3 after an IRQ, a process that was killed exits instead.
 * That includes #MF and #XM, the floating-point errors that user code
 * unmasks: the kernel itself never executes an x87 or SSE instruction that
 * could raise them (arch/x86_64/fpu.h), so from ring 0 they are bugs; and
 * #DB: a program that sets RFLAGS.TF is killed by its first single-step
 * trap (the syscall flag mask keeps TF out of ring 0, so the kernel never
 * takes one).
 * Two vectors are nobody's fault and not a process's: an NMI is counted and
 * ignored from either ring (nothing on this machine sends one for a reason;
 * QEMU's monitor command `nmi` does), and a machine check reports and panics
 * from either ring, since the hardware says it is broken.
 * #DF, NMI and #MC run on IST stacks of their own (trap.h). The NMI handler
 * takes no lock and faults on nothing: a fault inside it would iret, unblock
 * NMIs and let the next one reuse its stack.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/mmu.h>
#include <arch/x86_64/trap.h>
#include <kernel/console.h>
#include <kernel/ksyms.h>
#include <kernel/paging.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <uapi/errno.h>

#define IDT_VECTORS 48
#define VEC_NMI	    2
#define VEC_DF	    8
#define VEC_PF	    14
#define VEC_MC	    18

/* #PF error code bits */
#define PF_ERR_PRESENT 0x1 /* protection violation, not a missing page */
#define PF_ERR_WRITE   0x2
#define PF_ERR_USER    0x4
#define PF_ERR_FETCH   0x10

struct idt_entry {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct irq_slot {
	void (*fn)(void *arg); /* [I] after registration */
	void *arg;	       /* [I] */
	uint64_t count;	       /* [irq] */
};

extern const uint64_t isr_stub_table[IDT_VECTORS];

static struct idt_entry idt[IDT_VECTORS] __attribute__((aligned(16)));
static struct irq_slot irq_slots[IRQ_COUNT];
unsigned arch_irq_nesting;	       /* [irq] arch_in_irq() */
static struct trap_catch *armed_catch; /* [irq] tests only */
static uint64_t nmi_count;	       /* [irq] NMIs taken */
static uint64_t nmi_last_frame;	       /* [irq] where the last one's trap frame was */

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

static void idt_set(unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_entry){
	    .off_lo = handler & 0xffff,
	    .selector = 0x08,
	    .ist = ist,
	    .type = 0x8e, /* present, DPL 0, interrupt gate (IF cleared) */
	    .off_mid = (handler >> 16) & 0xffff,
	    .off_hi = handler >> 32,
	};
}

/* The IST index of vector @v (0: stay on the current stack or TSS.rsp0). */
static uint8_t vector_ist(unsigned v)
{
	switch (v) {
	case VEC_DF:
		return ARCH_IST_DF;
	case VEC_NMI:
		return ARCH_IST_NMI;
	case VEC_MC:
		return ARCH_IST_MC;
	default:
		return 0;
	}
}

void arch_trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)idt};

	gdt_init();
	arch_fpu_init();
	arch_cpu_protect_init();
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		idt_set(v, isr_stub_table[v], vector_ist(v));
	__asm__ volatile("lidt %0" : : "m"(p));
	pic_init();
}

static void dump_registers(const struct trap_frame *f)
{
	printk("  rip %016lx  rsp %016lx  rflags %016lx\n", f->rip, f->rsp, f->rflags);
	printk("  rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
	printk("  rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("  rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
	printk("  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
	printk("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  cs %04lx ss %04lx cr3 %016lx\n", f->cs, f->ss, arch_read_cr3());
}

static bool trap_try_catch(struct trap_frame *f)
{
	struct trap_catch *c = armed_catch;

	if (!c || c->vector != (int)f->vector)
		return false;
	armed_catch = NULL;
	c->caught = true;
	c->error = f->error;
	c->rip = f->rip;
	c->frame = (uint64_t)f;
	c->cr2 = f->vector == VEC_PF ? arch_read_cr2() : 0;
	c->rflags = f->rflags;
	c->handler_rflags = arch_read_rflags();
	/* Resume in klongjmp(c->env, 1), interrupts as they were; C code wants DF clear. */
	f->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_AC);
	f->rip = (uint64_t)klongjmp;
	f->rdi = (uint64_t)c->env;
	f->rsi = 1;
	/*
	 * The faulting stack may be the problem (#DF, #SS); and an interrupt can
	 * arrive the moment iret lands in klongjmp. So iret straight onto the
	 * stack that klongjmp is about to restore anyway.
	 */
	f->rsp = c->env[KJMP_RSP];
	return true;
}

/* Why a ring-0 page fault on a present user page happened: SMEP, SMAP, or neither. */
static const char *pf_user_page_reason(const struct trap_frame *f, uint64_t cr2)
{
	struct addr_space cur = {.pml4_phys = arch_read_cr3() & PTE_ADDR};
	uint64_t pte;

	if ((f->error & (PF_ERR_PRESENT | PF_ERR_USER)) != PF_ERR_PRESENT ||
	    paging_lookup(&cur, cr2, &pte) || !(pte & PTE_U))
		return NULL;
	if ((f->error & PF_ERR_FETCH) && arch_smep_enabled())
		return "SMEP: the kernel executed a user page";
	if (!(f->error & PF_ERR_FETCH) && arch_smap_enabled() && !(f->rflags & RFLAGS_AC))
		return "SMAP: the kernel touched a user page outside stac/clac";
	return NULL;
}

static void report_page_fault(const struct trap_frame *f)
{
	uint64_t cr2 = arch_read_cr2();
	const char *why = pf_user_page_reason(f, cr2);

	printk("  cr2 %016lx (%s, %s, %s)\n", cr2,
	       f->error & PF_ERR_PRESENT ? "protection" : "not present",
	       f->error & PF_ERR_FETCH	 ? "fetch"
	       : f->error & PF_ERR_WRITE ? "write"
					 : "read",
	       f->error & PF_ERR_USER ? "user" : "kernel");
	if (why)
		printk("  %s\n", why);
}

static __attribute__((noreturn)) void trap_report(struct trap_frame *f)
{
	uint64_t vec = f->vector;

	console_panic_mode();
	printk("\nEXCEPTION %s (vector %lu) error code 0x%lx\n", exception_names[vec], vec,
	       f->error);
	if (vec == VEC_PF)
		report_page_fault(f);
	dump_registers(f);
	printk("backtrace:\n");
	backtrace_print(f->rip, f->rbp);
	panic_reported("unhandled %s at %016lx", exception_names[vec], f->rip);
}

static void irq_dispatch(struct trap_frame *f)
{
	unsigned irq = (unsigned)f->vector - IRQ_VECTOR_BASE;
	struct irq_slot *s = &irq_slots[irq];

	if (pic_is_spurious(irq))
		return;
	pic_eoi(irq);
	s->count++;
	arch_irq_nesting++;
	if (s->fn)
		s->fn(s->arg);
	arch_irq_nesting--; /* before a switch to another thread */
	sched_irq_exit();
}

/* NMI context: no lock, no printk (it may have interrupted the console). */
static void nmi_dispatch(struct trap_frame *f)
{
	__atomic_store_n(&nmi_last_frame, (uint64_t)f, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nmi_count, 1, __ATOMIC_RELAXED);
}

uint64_t arch_nmi_count(void)
{
	return __atomic_load_n(&nmi_count, __ATOMIC_RELAXED);
}

uint64_t arch_nmi_last_frame(void)
{
	return __atomic_load_n(&nmi_last_frame, __ATOMIC_RELAXED);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == VEC_NMI) {
		nmi_dispatch(f);
		return;
	}
	if (f->vector >= IRQ_VECTOR_BASE) {
		irq_dispatch(f);
		if (f->cs & 3)
			proc_return_to_user();
		return;
	}
	if ((f->cs & 3) && f->vector != VEC_MC) {
		proc_fault(f->vector, f->error, f->rip, f->vector == VEC_PF ? arch_read_cr2() : 0);
		return;
	}
	if (trap_try_catch(f))
		return;
	trap_report(f);
}

const char *arch_exception_name(unsigned vector)
{
	return vector < 32 ? exception_names[vector] : "interrupt";
}

void arch_trap_catch_arm(struct trap_catch *c)
{
	c->caught = false;
	__atomic_store_n(&armed_catch, c, __ATOMIC_SEQ_CST);
}

void arch_trap_catch_disarm(void)
{
	__atomic_store_n(&armed_catch, NULL, __ATOMIC_SEQ_CST);
}

int arch_irq_register(unsigned irq, void (*fn)(void *arg), void *arg)
{
	if (irq >= IRQ_COUNT || irq_slots[irq].fn)
		return -EINVAL;
	irq_slots[irq].arg = arg;
	__atomic_store_n(&irq_slots[irq].fn, fn, __ATOMIC_RELEASE);
	arch_irq_unmask(irq);
	return 0;
}

uint64_t arch_irq_count(unsigned irq)
{
	return irq < IRQ_COUNT ? __atomic_load_n(&irq_slots[irq].count, __ATOMIC_RELAXED) : 0;
}
