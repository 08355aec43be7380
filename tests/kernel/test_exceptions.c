/*
 * test_exceptions.c - CPU exceptions reach their handler with the right
 * vector, error code and CR2 (caught through the trap_catch test hook and
 * resumed), and the symbol table names the kernel's functions.
 */
#include <arch/x86_64/trap.h>
#include <kernel/ksyms.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

#define VEC_DE	     0
#define VEC_UD	     6
#define VEC_GP	     13
#define VEC_PF	     14
#define PF_ERR_WRITE 0x2

static volatile uint64_t bad_addr;
static volatile int zero;

/* Runs @fault with a catch for @vector armed; returns whether it was caught. */
static bool expect_trap(struct trap_catch *c, int vector, void (*fault)(void))
{
	c->vector = vector;
	arch_trap_catch_arm(c);
	if (!ksetjmp(c->env)) {
		fault();
		arch_trap_catch_disarm();
		return false;
	}
	return c->caught;
}

static void do_ud(void)
{
	__asm__ volatile("ud2");
}

static void do_pf_write(void)
{
	*(volatile uint64_t *)bad_addr = 42;
}

static void do_gp(void)
{
	(void)*(volatile uint64_t *)bad_addr;
}

static void do_de(void)
{
	zero = 10 / zero;
}

KTEST(exception_ud_caught)
{
	struct trap_catch c;

	KT_ASSERT(expect_trap(&c, VEC_UD, do_ud));
	KT_ASSERT(c.rip >= (uint64_t)do_ud && c.rip < (uint64_t)do_ud + 16);
}

KTEST(exception_pagefault_cr2)
{
	struct trap_catch c;

	bad_addr = 0x1000; /* user half: nothing mapped in the kernel's space */
	KT_ASSERT(expect_trap(&c, VEC_PF, do_pf_write));
	KT_EQ(c.cr2, 0x1000);
	KT_ASSERT(c.error & PF_ERR_WRITE);
	KT_ASSERT(!(c.error & 1)); /* not present */
}

KTEST(exception_gp_noncanonical)
{
	struct trap_catch c;

	bad_addr = 0x8000000000000000ULL;
	KT_ASSERT(expect_trap(&c, VEC_GP, do_gp));
}

KTEST(exception_divide_error)
{
	struct trap_catch c;

	zero = 0;
	KT_ASSERT(expect_trap(&c, VEC_DE, do_de));
}

KTEST(exception_catch_is_one_shot)
{
	struct trap_catch c;

	KT_ASSERT(expect_trap(&c, VEC_UD, do_ud));
	/* The handler disarmed it: the same catch structure, re-armed, works again. */
	c.caught = false;
	KT_ASSERT(expect_trap(&c, VEC_UD, do_ud));
}

KTEST(ksyms_names_functions)
{
	uint64_t off = 1;
	const char *name = ksyms_lookup((uint64_t)do_gp, &off);

	KT_ASSERT(ksyms_count() > 50);
	KT_ASSERT(name && !strcmp(name, "do_gp"));
	KT_EQ(off, 0);
	name = ksyms_lookup((uint64_t)ksyms_lookup + 3, &off);
	KT_ASSERT(name && !strcmp(name, "ksyms_lookup"));
	KT_EQ(off, 3);
	KT_ASSERT(ksyms_address("kmain") != 0);
	KT_EQ(ksyms_address("ksyms_lookup"), (uint64_t)ksyms_lookup);
	KT_EQ(ksyms_address("no_such_function_anywhere"), 0);
}

#define VEC_DF 8

/*
 * A push with RSP pointing at unmapped memory faults, and the CPU cannot
 * push the #PF frame on that stack either: a double fault, which must be
 * delivered on its own IST stack. The catch hook longjmps back to a sane stack.
 */
static void do_df(void)
{
	__asm__ volatile("movq %%rsp, %%rbx\n\t"
			 "movq $0x2000, %%rsp\n\t"
			 "pushq $0\n\t"
			 "movq %%rbx, %%rsp"
			 :
			 :
			 : "rbx", "memory");
}

KTEST(exception_double_fault_on_ist_stack)
{
	struct trap_catch c;

	KT_ASSERT(expect_trap(&c, VEC_DF, do_df));
	KT_EQ(c.error, 0); /* #DF always pushes 0 */
	KT_ASSERT(arch_on_df_stack(c.frame));
}
