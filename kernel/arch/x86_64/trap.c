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
 * could raise them (arch/x86_64/fpu.h), so from ring 0 they are bugs.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/fpu.h>
#include <arch/x86_64/trap.h>
#include <kernel/console.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <uapi/errno.h>

#define IDT_VECTORS 48
#define VEC_DF	    8
#define VEC_PF	    14

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
static struct trap_catch *armed_catch; /* [irq] tests only */

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

void arch_trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = {sizeof(idt) - 1, (uint64_t)idt};

	gdt_init();
	arch_fpu_init();
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		idt_set(v, isr_stub_table[v], v == VEC_DF ? 1 : 0);
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
	/* Resume in klongjmp(c->env, 1), interrupts as they were. */
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

static __attribute__((noreturn)) void trap_report(struct trap_frame *f)
{
	uint64_t vec = f->vector;

	console_panic_mode();
	printk("\nEXCEPTION %s (vector %lu) error code 0x%lx\n", exception_names[vec], vec,
	       f->error);
	if (vec == VEC_PF)
		printk("  cr2 %016lx (%s, %s, %s)\n", arch_read_cr2(),
		       f->error & 1 ? "protection" : "not present", f->error & 2 ? "write" : "read",
		       f->error & 4 ? "user" : "kernel");
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
	if (s->fn)
		s->fn(s->arg);
	sched_irq_exit();
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= IRQ_VECTOR_BASE) {
		irq_dispatch(f);
		if (f->cs & 3)
			proc_return_to_user();
		return;
	}
	if (f->cs & 3) {
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
