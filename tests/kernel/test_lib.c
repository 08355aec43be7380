/*
 * test_lib.c - kernel library: formatting, string helpers, the command line.
 */
#include <kernel/boot.h>
#include <lib/fmt.h>
#include <kernel/ktest.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <uapi/errno.h>

static bool fmt_is(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fmt_is(const char *want, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return !strcmp(buf, want);
}

static const char *volatile null_str; /* volatile: gcc must not see the NULL */

KTEST(lib_format)
{
	char small[5];

	KT_ASSERT(fmt_is("42 -7 ff FF", "%d %i %x %X", 42, -7, 255, 255));
	KT_ASSERT(fmt_is("0x1f|  abc|abc  |", "%#x|%5s|%-5s|", 31, "abc", "abc"));
	KT_ASSERT(fmt_is("-0042 0042", "%05d %04u", -42, 42));
	KT_ASSERT(fmt_is("18446744073709551615 -9223372036854775808", "%lu %ld", ~0UL,
			 (long)(-9223372036854775807L - 1)));
	KT_ASSERT(fmt_is("0xdeadbeef", "%p", (void *)0xdeadbeef));
	KT_ASSERT(fmt_is("ab (null) %", "%.2s %s %%", "abc", null_str));
	KT_EQ(fmt_snprintf(small, sizeof(small), "%s", "truncated"), 9);
	KT_ASSERT(!strcmp(small, "trun"));
}

KTEST(lib_strings)
{
	unsigned long long v;
	char buf[4];
	const char abc[] = "abc", abd[] = "abd";

	KT_EQ(kstrtoull("1234", &v), 0);
	KT_EQ(v, 1234);
	KT_EQ(kstrtoull("0x1F", &v), 0);
	KT_EQ(v, 31);
	KT_EQ(kstrtoull("12a", &v), -EINVAL);
	KT_EQ(kstrtoull("", &v), -EINVAL);
	KT_EQ(strlcpy(buf, "hello", sizeof(buf)), 5);
	KT_ASSERT(!strcmp(buf, "hel"));
	KT_ASSERT(strcmp(abc, abd) < 0 && strcmp(abd, abc) > 0);
	KT_ASSERT(strncmp(abc, abd, 2) == 0 && strncmp(abc, abd, 3) < 0);
	KT_ASSERT(memcmp(abc, abd, 3) < 0 && memcmp(abc, abd, 2) == 0);
}

KTEST(lib_cmdline)
{
	/* The runner was selected by ktest=<something>, so that key exists with a value. */
	KT_ASSERT(kernel_cmdline_get("ktest") != NULL);
	KT_ASSERT(kernel_cmdline_has("ktest"));
	KT_ASSERT(!kernel_cmdline_has("no-such-option"));
	KT_ASSERT(kernel_cmdline_get("no-such-option") == NULL);
}

static int warn_site(int x)
{
	if (WARN_ONCE(x < 0, "negative input %d (expected by the test)", x))
		return -EINVAL;
	return 0;
}

KTEST(lib_warn_once)
{
	unsigned long w0 = warn_count();

	KT_EQ(warn_site(1), 0);
	KT_EQ(warn_count(), w0);
	KT_EQ(warn_site(-1), -EINVAL);
	KT_EQ(warn_count(), w0 + 1);
	KT_EQ(warn_site(-2), -EINVAL); /* fails the request again, prints no more */
	KT_EQ(warn_count(), w0 + 1);
}
