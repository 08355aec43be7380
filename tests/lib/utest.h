/*
 * utest.h - the host unit-test framework: table-driven, one binary per suite.
 *
 *   static void test_foo(void) { UT_ASSERT(x == 1); UT_EQ(a, b); }
 *   static const struct utest tests[] = { UTEST(test_foo), ... };
 *   UTEST_MAIN("suite", tests)
 *
 * Each case runs in turn; a failed assertion ends that case only (longjmp) and
 * the rest still run. A case may also be killed by a crash: the binary then
 * dies and the test runner counts the suite as failed.
 *
 * Output is the project's test protocol, shared with the kernel tests:
 *   TEST PASS <suite>/<case>
 *   TEST FAIL <suite>/<case>: <file>:<line>: <what>
 *   <suite>: N passed, N failed
 * Arguments: case names to run (default: all); --list prints the names.
 */
#ifndef UTEST_H
#define UTEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

struct utest {
	const char *name;
	void (*fn)(void);
};

#define UTEST(fn)                                                                                  \
	{                                                                                          \
#fn, fn                                                                            \
	}

extern jmp_buf utest_jmp;
extern char utest_msg[512];

#define UT_FAIL(...)                                                                               \
	do {                                                                                       \
		int n_ = snprintf(utest_msg, sizeof(utest_msg), "%s:%d: ", __FILE__, __LINE__);    \
		snprintf(utest_msg + n_, sizeof(utest_msg) - (size_t)n_, __VA_ARGS__);             \
		longjmp(utest_jmp, 1);                                                             \
	} while (0)

#define UT_ASSERT(c)                                                                               \
	do {                                                                                       \
		if (!(c))                                                                          \
			UT_FAIL("assertion failed: %s", #c);                                       \
	} while (0)

/* Integer equality that prints both sides. */
#define UT_EQ(a, b)                                                                                \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			UT_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);                         \
	} while (0)

int utest_run(const char *suite, const struct utest *tests, size_t n, int argc, char **argv);

#define UTEST_MAIN(suite, table)                                                                   \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return utest_run(suite, table, sizeof(table) / sizeof(table[0]), argc, argv);      \
	}

#endif
