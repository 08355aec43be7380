/*
 * panic.c - panic, warnings and the way out of QEMU (contract in kernel/panic.h).
 *
 * panic() may run with any lock held, in any context, even re-entered from a
 * fault inside itself: it masks interrupts, switches the console to lockless
 * output, prints once, and exits. A second panic while the first is still
 * printing skips straight to the exit.
 */
#include <arch/x86_64/cpu.h>
#include <kernel/console.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>

#define ISA_DEBUG_EXIT_PORT   0xf4
#define PIIX4_PM1A_CNT	      0x604
#define PM1_SLP_EN_S5	      0x2000
#define POWEROFF_GRACE_CYCLES (1ULL << 32) /* about a second or two */

static int panic_depth;	       /* [a] */
static unsigned long warnings; /* [a] WARN_ONCE reports printed */

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_depth, __ATOMIC_RELAXED) != 0;
}

void kernel_poweroff(void)
{
	arch_irq_disable();
	outw(PIIX4_PM1A_CNT, PM1_SLP_EN_S5);
	/* QEMU stops the CPU soon, not at once: give it a moment before complaining. */
	for (uint64_t start = arch_rdtsc(); arch_rdtsc() - start < POWEROFF_GRACE_CYCLES;)
		arch_pause();
	printk("poweroff: ACPI S5 had no effect (not QEMU -M pc?), halting\n");
	arch_halt_forever();
}

void kernel_exit(int code)
{
	if (code == 0)
		kernel_poweroff();
	if (code < 1 || code > 127)
		code = 127;
	arch_irq_disable();
	outl(ISA_DEBUG_EXIT_PORT, (uint32_t)code);
	/* No isa-debug-exit device: the runner will see a timeout instead. */
	printk("kernel_exit(%d): no isa-debug-exit device, halting\n", code);
	arch_halt_forever();
}

/* Prints the message; a nested panic (one from inside this) exits at once. */
static void panic_begin(const char *fmt, va_list ap)
{
	arch_irq_disable();
	if (__atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST) > 0)
		kernel_exit(KERNEL_EXIT_PANIC);
	console_panic_mode();
	printk("\nPANIC: ");
	vprintk(fmt, ap);
	printk("\n");
}

static __attribute__((noreturn)) void panic_finish(bool with_backtrace)
{
	if (with_backtrace) {
		printk("backtrace:\n");
		backtrace_here();
	}
	kernel_exit(KERNEL_EXIT_PANIC);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_begin(fmt, ap);
	va_end(ap);
	panic_finish(true);
}

void panic_reported(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_begin(fmt, ap);
	va_end(ap);
	panic_finish(false);
}

void warn_print(const char *file, int line, const char *func, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&warnings, 1, __ATOMIC_RELAXED);
	printk("WARNING at %s:%d (%s): ", file, line, func);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	backtrace_here();
}

unsigned long warn_count(void)
{
	return __atomic_load_n(&warnings, __ATOMIC_RELAXED);
}
