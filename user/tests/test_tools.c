/*
 * test_tools.c - the pure cores of date, grep, df -h, sort -n and wc
 * against the references they imitate: the C library's timegm/gmtime and
 * strftime (which coreutils date uses), GNU numfmt and grep run through
 * popen, and hand-checked coreutils outputs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lib/civil.h>
#include <tio/bre.h>
#include <tio/datefmt.h>
#include <tio/help.h>
#include <tio/sysfmt.h>
#include <tio/textutil.h>
#include "utest.h"

#define STREQ(got, want)                                                                           \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (strcmp(g_, w_))                                                                \
			UT_FAIL("%s: got \"%.200s\", want \"%.200s\"", #got, g_, w_);              \
	} while (0)

/* Days <-> dates agree with timegm/gmtime from 1600 to 2400, weekdays too. */
static void test_civil_matches_libc(void)
{
	for (int64_t days = -135140; days < 157000; days += 13) {
		time_t t = (time_t)(days * 86400);
		struct tm tm;
		int64_t y;
		unsigned m, d;

		gmtime_r(&t, &tm);
		civil_from_days(days, &y, &m, &d);
		UT_EQ(y, tm.tm_year + 1900);
		UT_EQ(m, tm.tm_mon + 1);
		UT_EQ(d, tm.tm_mday);
		UT_EQ(civil_weekday(days), tm.tm_wday);
		UT_EQ(civil_to_days(y, m, d), days);
	}
}

/*
 * Every specifier against strftime, over a spread of instants, in TZ=UTC0 as
 * `date -u` runs (so %Z is "UTC" and %s needs no zone correction).
 */
static void test_datefmt_matches_strftime(void)
{
	static const char *const fmts[] = {"%a %b %e %H:%M:%S %Z %Y",
					   "%A %B %d %C %D %F",
					   "%h %I %j %k %l %m %M %p",
					   "%r %R %S %T %u %w %x %X",
					   "%y %Y %z %% %n%t|",
					   "%c",
					   "plain %s"};
	char ours[256], libc[256];

	setenv("TZ", "UTC0", 1);
	tzset();
	for (int64_t s = -86400LL * 365 * 3; s < 4102444800LL; s += 86400 * 3 + 3601 * 5 + 17) {
		time_t t = (time_t)s;
		struct tm tm;

		localtime_r(&t, &tm);
		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
			datefmt(ours, sizeof(ours), fmts[i], s, 0);
			strftime(libc, sizeof(libc), fmts[i], &tm);
			STREQ(ours, libc);
		}
	}
}

/* coreutils `date -u` default and %N, and a format longer than the buffer. */
static void test_datefmt_default_and_cut(void)
{
	char out[64];

	datefmt(out, sizeof(out), DATEFMT_DEFAULT, 1796188200, 5);
	STREQ(out, "Wed Dec  2 05:10:00 UTC 2026");
	datefmt(out, sizeof(out), "%s.%N %q", 1796188200, 5);
	STREQ(out, "1796188200.000000005 %q");
	UT_EQ(datefmt(out, 8, "%Y-%m-%d", 0, 0), 7);
	STREQ(out, "1970-01");
}

static void shell_out(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	UT_ASSERT(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	pclose(f);
}

/* human_size == `numfmt --to=iec --round=up` (df -h's rounding) on edge values. */
static void test_human_size_matches_numfmt(void)
{
	static const unsigned long long v[] = {0,
					       1,
					       1023,
					       1024,
					       1025,
					       1536,
					       10239,
					       10240,
					       10241,
					       102400,
					       1048575,
					       1048576,
					       1048577,
					       10485759,
					       1048064,
					       4294967296,
					       5000000000,
					       1099511627775ULL,
					       123456789012ULL};
	char cmd[4096] = "numfmt --to=iec --round=up", want[4096], got[4096] = "",
	     one[HUMAN_SIZE_MAX];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %llu", v[i]);
		human_size(one, v[i]);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s\n", one);
	}
	shell_out(cmd, want, sizeof(want));
	STREQ(got, want);
}

/* bre_match selects the same lines as GNU grep -G for each pattern. */
static void test_bre_matches_grep(void)
{
	static const char *const lines[] = {"hello world", "Hello",  "abc",  "aXc",   "ac",
					    "abbbc",	   "a.c",    "x*y",  "*star", "end$",
					    "tab\there",   "",	     "[br]", "-dash", "a]b",
					    "cost $5",	   "^caret", "zzz"};
	static const char *const pats[] = {
	    "hello",  "^H",	   "c$",      "a.c",	 "ab*c",     "a\\.c", "^$",    "[A-Z]",
	    "[^a-z]", "*star",	   "x\\*y",   "[]]",	 "[a-]",     "^\\^",  "\\$",   "end\\$",
	    "b*",     "l\\{2\\}x", ".*o.*o",  "[x-z]z$", "**",	     "^**",   "ab**c", "a*a*a*c",
	    "^.*$",   "t$",	   "^[^ ]*$", "[.]c",	 "\\[br\\]", ""};
	FILE *f = fopen("bre_lines.txt", "w");
	char want[4096], got[4096], cmd[256];

	UT_ASSERT(f);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fprintf(f, "%s\n", lines[i]);
	fclose(f);
	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
		if (!strcmp(pats[p], "l\\{2\\}x"))
			continue; /* intervals are not supported: documented */
		for (int icase = 0; icase < 2; icase++) {
			got[0] = '\0';
			for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
				if (bre_match(pats[p], lines[i], strlen(lines[i]), icase))
					snprintf(got + strlen(got), sizeof(got) - strlen(got),
						 "%s\n", lines[i]);
			snprintf(cmd, sizeof(cmd), "LC_ALL=C grep %s -G -e '%s' bre_lines.txt",
				 icase ? "-i" : "", pats[p]);
			shell_out(cmd, want, sizeof(want));
			if (strcmp(got, want))
				UT_FAIL("pattern '%s' icase %d: got \"%.150s\", grep \"%.150s\"",
					pats[p], icase, got, want);
		}
	}
	remove("bre_lines.txt");
	UT_EQ(bre_check("a[bc"), -22);
	UT_EQ(bre_check("a\\"), -22);
	UT_EQ(bre_check("[]a]"), 0);
	UT_EQ(bre_check("\\(ab\\)"), -EOPNOTSUPP);
	UT_EQ(bre_check("a\\{2\\}"), -EOPNOTSUPP);
	UT_EQ(bre_check("\\(a\\)\\1"), -EOPNOTSUPP);
	UT_EQ(bre_check("a\\.b\\*c\\[\\\\"), 0);
}

/*
 * Stars that nest ("a*a*a*...b") on a long line: a backtracking matcher
 * takes exponential time here (found by the fuzzer); the NFA answers at once.
 */
static void test_bre_many_stars_long_line(void)
{
	static char line[20000];

	memset(line, 'a', sizeof(line));
	UT_ASSERT(!bre_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", line, sizeof(line), 0));
	memset(line, '*', sizeof(line));
	UT_ASSERT(!bre_match("***********************x", line, sizeof(line), 0));
	UT_ASSERT(bre_match("*a*a*a*a*a*$", line, sizeof(line), 0));
}

static void test_num_cmp_like_sort_n(void)
{
	UT_ASSERT(num_cmp("9", "10") < 0);
	UT_ASSERT(num_cmp("-1", "0") < 0);
	UT_ASSERT(num_cmp("-10", "-9") < 0);
	UT_ASSERT(num_cmp("1.5", "1.25") > 0);
	UT_ASSERT(num_cmp("  007", "7") == 0);
	UT_ASSERT(num_cmp("abc", "0") == 0); /* no number is zero */
	UT_ASSERT(num_cmp("-0", "0") == 0);
	UT_ASSERT(num_cmp("-", "1") < 0);
	UT_ASSERT(num_cmp("2x", "10y") < 0);
}

/* coreutils wc's widths: one count of one file unpadded; stdin 7; else digits of the total. */
static void test_wc_width_like_coreutils(void)
{
	struct wc_counts c = {0};

	UT_EQ(wc_width(1, 1, 0, 0), 1);
	UT_EQ(wc_width(3, 1, 0, 0), 7);
	UT_EQ(wc_width(3, 1, 1, 14), 2);
	UT_EQ(wc_width(3, 2, 1, 1235), 4);
	UT_EQ(wc_width(1, 2, 1, 5), 1);
	wc_count(&c, "one two\n  thr", 13);
	wc_count(&c, "ee\tfour\n", 8);
	UT_EQ(c.lines, 2);
	UT_EQ(c.words, 4);
	UT_EQ(c.bytes, 21);
	wc_count(&c, "\001 x\001y \200 z\n", 10);
	UT_EQ(c.words, 6); /* "\001" and "\200" alone are no words */
}

/* busybox 1.36 free's layout (procps/free.c: "%12llu %11llu ..." after "Mem:   "). */
static void test_free_busybox_layout(void)
{
	char out[512];

	sysfmt_free(out, sizeof(out), 261628, 8964);
	STREQ(out,
	      "              total        used        free      shared  buff/cache   available\n"
	      "Mem:         261628        8964      252664           0           0      252664\n"
	      "Swap:             0           0           0\n");
}

static void test_pools_pages_parse(void)
{
	uint64_t total = 0, used = 0;

	UT_EQ(sysfmt_pools_pages("pool inuse high cap fail\nx 1 2 3 0\n"
				 "pages                  2241      -  65407      0\n",
				 &total, &used),
	      0);
	UT_EQ(total, 65407);
	UT_EQ(used, 2241);
	UT_EQ(sysfmt_pools_pages("pool inuse\n", &total, &used), -22);
	UT_EQ(sysfmt_pools_pages("pages 9 - 3 0\n", &total, &used), -22); /* used > total */
	UT_EQ(sysfmt_pools_pages("pages x\n", &total, &used), -22);
}

/* busybox uptime: minutes under an hour, H:MM, then days. */
static void test_uptime_busybox_layout(void)
{
	char out[128];

	sysfmt_uptime(out, sizeof(out), 1796188200, 59);
	STREQ(out, " 05:10:00 up 0 min\n");
	sysfmt_uptime(out, sizeof(out), 1796188200 + 3, 3 * 3600 + 7 * 60);
	STREQ(out, " 05:10:03 up  3:07\n");
	sysfmt_uptime(out, sizeof(out), 1796188200, 86400 + 120);
	STREQ(out, " 05:10:00 up 1 day, 2 min\n");
	sysfmt_uptime(out, sizeof(out), 1796188200, 3 * 86400 + 11 * 3600);
	STREQ(out, " 05:10:00 up 3 days, 11:00\n");
}

/* The help table: sorted within its groups, built-ins first, no duplicates. */
static void test_help_table_ordered(void)
{
	const struct help_entry *e, *prev = NULL;

	for (unsigned i = 0; (e = help_entry(i)); prev = e, i++) {
		UT_ASSERT(e->summary && strncmp(e->summary, e->name, strlen(e->name)) == 0);
		if (prev && prev->builtin == e->builtin && strcmp(prev->name, e->name) >= 0)
			UT_FAIL("help table out of order at %s", e->name);
		if (prev)
			UT_ASSERT(prev->builtin >= e->builtin);
	}
	UT_ASSERT(help_find("grep") && !help_find("grep")->builtin);
	UT_ASSERT(help_find("cd") && help_find("cd")->builtin);
	UT_ASSERT(!help_find("nosuch"));
}

static const struct utest tests[] = {
    UTEST(test_civil_matches_libc),	 UTEST(test_datefmt_matches_strftime),
    UTEST(test_datefmt_default_and_cut), UTEST(test_human_size_matches_numfmt),
    UTEST(test_bre_matches_grep),	 UTEST(test_bre_many_stars_long_line),
    UTEST(test_num_cmp_like_sort_n),	 UTEST(test_wc_width_like_coreutils),
    UTEST(test_free_busybox_layout),	 UTEST(test_pools_pages_parse),
    UTEST(test_uptime_busybox_layout),	 UTEST(test_help_table_ordered),
};

UTEST_MAIN("user_tools", tests)
