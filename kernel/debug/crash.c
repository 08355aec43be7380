/*
 * crash.c - the `crash=` command-line option: deliberately fault from a
 * chain of three named, non-inlined functions (crash_outer -> crash_middle
 * -> crash_inner) so tests can check that the backtrace names them. The
 * empty asm after each call keeps gcc from turning it into a tail call,
 * which would drop the caller's frame.
 */
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/crash.h>
#include <stdint.h>

/* volatile: the compiler must not see through them and reject the access */
static volatile uint64_t noncanonical_addr = 0x8000000000000000ULL;
static volatile uint64_t unmapped_addr = 0x10;	/* the user half is empty in the kernel's space */
static volatile int crash_zero, crash_ten = 10; /* not 1: gcc computes 1/x without dividing */

static __attribute__((noinline)) void crash_inner(const char *how)
{
	if (!strcmp(how, "panic"))
		panic("crash=panic requested on the command line");
	if (!strcmp(how, "pagefault"))
		*(volatile uint64_t *)unmapped_addr = 1;
	if (!strcmp(how, "divzero"))
		crash_zero = crash_ten / crash_zero;
	if (!strcmp(how, "ud"))
		__asm__ volatile("ud2");
	if (!strcmp(how, "gp"))
		(void)*(volatile uint64_t *)noncanonical_addr;
	__asm__ volatile("");
}

static __attribute__((noinline)) void crash_middle(const char *how)
{
	crash_inner(how);
	__asm__ volatile("");
}

static __attribute__((noinline)) void crash_outer(const char *how)
{
	crash_middle(how);
	__asm__ volatile("");
}

int crash_request(const char *how)
{
	static const char *const known[] = {"panic", "pagefault", "divzero", "ud", "gp"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(how, known[i])) {
			printk("crash: %s\n", how);
			crash_outer(how);
			printk("crash: %s did not fault\n", how);
			return -1;
		}
	}
	printk("crash: unknown kind '%s' (panic|pagefault|divzero|ud|gp)\n", how);
	return -1;
}
