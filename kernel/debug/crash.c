/*
 * crash.c - the `crash=` command-line option: deliberately fault from a
 * chain of three named, non-inlined functions (crash_outer -> crash_middle
 * -> crash_inner) so tests can check that the backtrace names them. The
 * empty asm after each call keeps gcc from turning it into a tail call,
 * which would drop the caller's frame.
 *
 * smap and smep touch a user page from ring 0: crash_inner first switches,
 * with interrupts off, to a fresh address space holding one user page at
 * CRASH_USER_VA (read/write data for smap, a `ret` for smep), then reads it
 * outside stac/clac or calls it. With SMAP/SMEP on that is a #PF that the
 * report names as such; without them the access works and crash_request
 * says it did not fault.
 */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/mmu.h>
#include <kernel/console.h>
#include <kernel/paging.h>
#include <kernel/pmm.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/crash.h>
#include <stdint.h>

/* volatile: the compiler must not see through them and reject the access */
static volatile uint64_t noncanonical_addr = 0x8000000000000000ULL;
static volatile uint64_t unmapped_addr = 0x10;	/* the user half is empty in the kernel's space */
static volatile int crash_zero, crash_ten = 10; /* not 1: gcc computes 1/x without dividing */

#define CRASH_USER_VA 0x400000ULL
#define OPCODE_RET    0xc3

static struct addr_space crash_space;

/*
 * Loads a new address space with one user page at CRASH_USER_VA (@exec: a
 * `ret` there, executable) and keeps interrupts off, so no switch reloads
 * CR3. The space is never freed: the crash ends the kernel, or a failed one
 * ends it with kernel_exit.
 */
static int crash_map_user_page(bool exec)
{
	uint64_t pa;
	int err = paging_space_create(&crash_space);

	if (err)
		return err;
	pa = pmm_alloc_zeroed();
	if (!pa)
		return -1;
	if (exec)
		*(uint8_t *)phys_to_virt(pa) = OPCODE_RET;
	err = paging_map(&crash_space, CRASH_USER_VA, pa, PTE_U | (exec ? 0 : PTE_W | PTE_NX));
	if (err)
		return err;
	arch_irq_disable();
	paging_switch(&crash_space);
	return 0;
}

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
	if (!strcmp(how, "smap") && !crash_map_user_page(false))
		(void)*(volatile uint64_t *)CRASH_USER_VA;
	if (!strcmp(how, "smep") && !crash_map_user_page(true))
		((void (*)(void))CRASH_USER_VA)();
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
	static const char *const known[] = {"panic", "pagefault", "divzero", "ud",
					    "gp",    "smap",	  "smep"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(how, known[i])) {
			printk("crash: %s\n", how);
			crash_outer(how);
			printk("crash: %s did not fault\n", how);
			return -1;
		}
	}
	printk("crash: unknown kind '%s' (panic|pagefault|divzero|ud|gp|smap|smep)\n", how);
	return -1;
}
