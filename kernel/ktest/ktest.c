/*
 * ktest.c - the in-kernel test runner behind `ktest=` (contract in kernel/ktest.h).
 *
 *   ktest=list    "KTEST CASE <name>" per case, then power off (exit 0)
 *   ktest=<name>  run one case; exit 0 if it passed, kernel_exit(1) if not
 *   ktest=all     run every case in link order, then a summary line
 *                 "kernel: N passed, N failed"; exit as for one case
 * Without `ktest=` the test kernel boots like the normal one.
 *
 * Failures: in the runner's own thread ktest_fail() jumps back to the
 * runner; in any other thread it records the first message and exits that
 * thread, and the case is failed when its function returns.
 */
#include <kernel/boot.h>
#include <kernel/console.h>
#include <lib/fmt.h>
#include <kernel/ktest.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/setjmp.h>
#include <kernel/string.h>

extern const struct ktest __start_ktests[], __stop_ktests[];

/* The linker-section bounds are two symbols: count by address, index from the start. */
static size_t ktest_count(void)
{
	return ((uintptr_t)__stop_ktests - (uintptr_t)__start_ktests) / sizeof(struct ktest);
}

static struct thread *runner; /* [I] while a case runs */
static kjmp_buf case_env;     /* [O] runner */
static char fail_msg[256];    /* [a] first failure of the running case */
static bool case_failed;      /* [a] */

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&case_failed, true, __ATOMIC_SEQ_CST))
		fmt_snprintf(fail_msg, sizeof(fail_msg), "%s:%d: %s", file, line, what);
	if (thread_current() == runner)
		klongjmp(case_env, 1);
	thread_exit(1);
}

/* Returns true if the case passed. */
static bool run_case(const struct ktest *t)
{
	case_failed = false;
	fail_msg[0] = '\0';
	runner = thread_current();
	if (!ksetjmp(case_env))
		t->fn();
	runner = NULL;
	if (__atomic_load_n(&case_failed, __ATOMIC_SEQ_CST)) {
		printk("TEST FAIL kernel/%s: %s\n", t->name, fail_msg);
		return false;
	}
	printk("TEST PASS kernel/%s\n", t->name);
	return true;
}

static void list_cases(void)
{
	for (size_t i = 0; i < ktest_count(); i++)
		printk("KTEST CASE %s\n", __start_ktests[i].name);
	kernel_poweroff();
}

static void run_all(void)
{
	unsigned passed = 0, failed = 0;

	for (size_t i = 0; i < ktest_count(); i++) {
		if (run_case(&__start_ktests[i]))
			passed++;
		else
			failed++;
	}
	printk("kernel: %u passed, %u failed\n", passed, failed);
	kernel_exit(failed ? KERNEL_EXIT_TEST_FAILED : 0);
}

void ktest_main(void)
{
	const char *sel = kernel_cmdline_get("ktest");

	if (!sel)
		return;
	if (!strcmp(sel, "list"))
		list_cases();
	if (!strcmp(sel, "all"))
		run_all();
	for (size_t i = 0; i < ktest_count(); i++)
		if (!strcmp(__start_ktests[i].name, sel))
			kernel_exit(run_case(&__start_ktests[i]) ? 0 : KERNEL_EXIT_TEST_FAILED);
	printk("TEST FAIL kernel/%s: no such case (ktest=list shows them)\n", sel);
	kernel_exit(KERNEL_EXIT_TEST_FAILED);
}
