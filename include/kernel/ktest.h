/*
 * kernel/ktest.h - in-kernel test cases, run by the test kernel (ktest=).
 *
 *   KTEST(timer_cancel) { ... KT_ASSERT(x); KT_EQ(a, b); ... }
 *
 * A case registers itself in the "ktests" linker section; the runner
 * (kernel/ktest/ktest.c, linked only into build/kernel-test.*) prints the
 * shared test protocol:
 *   TEST PASS kernel/<name>
 *   TEST FAIL kernel/<name>: <file>:<line>: <what>
 * A failed assertion ends the case at once when it fails in the case's own
 * thread (klongjmp back to the runner); in a helper thread it records the
 * failure and ends that thread, and the case fails when it returns.
 * Cases must leave no thread, timer or pool object behind.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>

struct ktest {
	const char *name;
	void (*fn)(void);
};

#define KTEST(tname)                                                                               \
	static void ktest_fn_##tname(void);                                                        \
	static const struct ktest ktest_desc_##tname                                               \
	    __attribute__((section("ktests"), used, aligned(8))) = {#tname, ktest_fn_##tname};     \
	static void ktest_fn_##tname(void)

__attribute__((noreturn, format(printf, 3, 4))) void ktest_fail(const char *file, int line,
								const char *fmt, ...);

#define KT_ASSERT(c)                                                                               \
	do {                                                                                       \
		if (!(c))                                                                          \
			ktest_fail(__FILE__, __LINE__, "assertion failed: %s", #c);                \
	} while (0)

#define KT_EQ(a, b)                                                                                \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			ktest_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);  \
	} while (0)

/* The runner's entry, called by kmain when the runner is linked in. */
void ktest_main(void);

#endif
