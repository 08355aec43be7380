/* utest.c - runner for utest.h suites. */
#include "utest.h"

jmp_buf utest_jmp;
char utest_msg[512];

static int selected(const char *name, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (!strcmp(argv[i], name))
			return 1;
	}
	return !any;
}

int utest_run(const char *suite, const struct utest *tests, size_t n, int argc, char **argv)
{
	/* volatile: they live across the setjmp below (a failed case longjmps back). */
	volatile size_t i;
	volatile int passed = 0, failed = 0;

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		if (setjmp(utest_jmp) == 0) {
			tests[i].fn();
			printf("TEST PASS %s/%s\n", suite, tests[i].name);
			passed++;
		} else {
			printf("TEST FAIL %s/%s: %s\n", suite, tests[i].name, utest_msg);
			failed++;
		}
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}
