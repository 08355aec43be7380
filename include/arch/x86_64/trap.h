/*
 * arch/x86_64/trap.h - CPU exceptions and hardware interrupts.
 *
 *   arch_trap_init()                  GDT, TSS (IST stacks for #DF, NMI, #MC), SSE on
 *                                     (arch_fpu_init), SMEP/SMAP on (arch_cpu_protect_init),
 *                                     IDT, remapped PIC
 *   arch_irq_register(irq, fn, arg)   handler for ISA IRQ 0..15; unmasks it
 *   arch_irq_mask(irq)/unmask(irq)
 *   struct trap_catch                 test hook: expect one exception and recover
 *
 * An exception that nobody expects prints its name, error code, registers,
 * CR2 for page faults and a backtrace, then panics. IRQ handlers run with
 * interrupts masked and must not sleep; the IRQ exit path may preempt the
 * interrupted thread (sched_irq_exit()).
 */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>
#include <stdbool.h>
#include <kernel/setjmp.h>

#define IRQ_VECTOR_BASE 0x20 /* ISA IRQ n arrives on vector 0x20 + n */
#define IRQ_COUNT	16
#define IRQ_PIT		0
#define IRQ_COM1	4

/*
 * Interrupt stack table: these vectors always switch to a stack of their
 * own (TSS.ist[n-1]), whatever RSP was. #DF because the stack may be the
 * fault; NMI and #MC because they can hit any instruction, including the
 * syscall entry before it has left the user's stack.
 */
#define ARCH_IST_DF    1
#define ARCH_IST_NMI   2
#define ARCH_IST_MC    3
#define ARCH_IST_COUNT 3

/* Saved by isr.S, in this order (lowest address first). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/*
 * Test hook: arm it, run the faulting code; when exception @vector happens
 * on this CPU, the handler records error code and CR2 and longjmps to @env
 * (setjmp returns 1), with DF and AC clear whatever the trapped code had.
 * Only for tests: one catch may be armed at a time.
 */
struct trap_catch {
	int vector;		 /* [I] exception to catch */
	kjmp_buf env;		 /* [I] where to resume */
	uint64_t error;		 /* [irq] error code of the caught exception */
	uint64_t cr2;		 /* [irq] faulting address for #PF */
	uint64_t rip;		 /* [irq] address of the faulting instruction */
	uint64_t frame;		 /* [irq] where the handler found the trap frame (which stack) */
	uint64_t rflags;	 /* [irq] RFLAGS of the code that trapped */
	uint64_t handler_rflags; /* [irq] RFLAGS the handler itself ran with */
	bool caught;		 /* [irq] */
};

void arch_trap_init(void);
void arch_trap_catch_arm(struct trap_catch *c);
void arch_trap_catch_disarm(void);
/* "#PF page fault" etc. for vectors 0..31. */
const char *arch_exception_name(unsigned vector);

int arch_irq_register(unsigned irq, void (*fn)(void *arg), void *arg);
void arch_irq_mask(unsigned irq);
void arch_irq_unmask(unsigned irq);
/* Interrupts handled so far on @irq (diagnostics, tests). */
uint64_t arch_irq_count(unsigned irq);
/*
 * Hardware-interrupt handlers running now (nested ones counted), 0 in thread
 * context: one CPU, written only by irq_dispatch with interrupts off. A
 * plain load instead of reading RFLAGS (`pushf`, a helper call under TCG),
 * and true to its name where IF is not: a thread with IF clear is not in
 * an interrupt.
 */
extern unsigned arch_irq_nesting;
static inline bool arch_in_irq(void)
{
	return __atomic_load_n(&arch_irq_nesting, __ATOMIC_RELAXED) != 0;
}

/* Called by isr.S. */
void trap_dispatch(struct trap_frame *f);

/* gdt.c / pic.c internals shared inside the arch folder */
void gdt_init(void);
/* True if @addr lies on the double-fault IST stack (tests). */
bool arch_on_df_stack(uint64_t addr);
/* True if @addr lies on IST stack @ist (ARCH_IST_*); the TSS's entry for @ist (tests). */
bool arch_on_ist_stack(unsigned ist, uint64_t addr);
uint64_t arch_ist_top(unsigned ist);
/* NMIs taken so far, and the trap frame address of the last one (tests, diagnostics). */
uint64_t arch_nmi_count(void);
uint64_t arch_nmi_last_frame(void);
void pic_init(void);
void pic_eoi(unsigned irq);
bool pic_is_spurious(unsigned irq);

#endif
