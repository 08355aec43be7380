/*
 * log.c - printk/klog: formatting, log levels, and one lock around output.
 *
 * The lock makes each printk call atomic with respect to others (interrupt
 * handlers included: it masks interrupts). After console_panic_mode() the
 * lock is ignored: panic may have interrupted its holder, and getting the
 * message out matters more than tidy interleaving.
 */
#include <kernel/console.h>
#include <lib/fmt.h>
#include <kernel/spinlock.h>

static struct spinlock console_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO; /* [a] */
static bool lockless;		     /* [a] set once by panic */

void console_early_init(void)
{
	serial_init();
	vga_init();
}

void console_set_loglevel(int level)
{
	__atomic_store_n(&console_level, level, __ATOMIC_RELAXED);
}

int console_loglevel(void)
{
	return __atomic_load_n(&console_level, __ATOMIC_RELAXED);
}

void console_panic_mode(void)
{
	__atomic_store_n(&lockless, true, __ATOMIC_SEQ_CST);
}

static void console_putc(char c, void *ctx)
{
	(void)ctx;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
	vga_putc(c);
}

/* Returns whether the lock was taken; *flags gets the interrupt state to restore. */
static bool console_lock_take(unsigned long *flags)
{
	if (__atomic_load_n(&lockless, __ATOMIC_RELAXED)) {
		*flags = arch_irq_save();
		return false;
	}
	*flags = spin_lock_irqsave(&console_lock);
	return true;
}

static void console_lock_release(bool taken, unsigned long flags)
{
	if (taken)
		spin_unlock_irqrestore(&console_lock, flags);
	else
		arch_irq_restore(flags);
}

void vprintk(const char *fmt, va_list ap)
{
	unsigned long f;
	bool taken = console_lock_take(&f);

	fmt_format(console_putc, NULL, fmt, ap);
	console_lock_release(taken, f);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > console_loglevel())
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void console_write(const char *s, size_t n)
{
	unsigned long f;
	bool taken = console_lock_take(&f);

	for (size_t i = 0; i < n; i++)
		console_putc(s[i], NULL);
	console_lock_release(taken, f);
}
