/*
 * seq [FIRST [INCR]] LAST - print numbers from FIRST (default 1) by INCR
 * (default 1) while not past LAST, one per line, as coreutils seq does for
 * integers. Only integers: a fraction or other text is an error (exit 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/start.h>

static int parse(const char *s, long long *v)
{
	char *end;

	*v = strtol(s, &end, 10);
	if (end == s || *end) {
		fprintf(stderr, "seq: invalid argument: '%s' (integers only)\n", s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long long first = 1, incr = 1, last;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: seq [FIRST [INCR]] LAST\n");
		return 1;
	}
	if (parse(argv[argc - 1], &last) || (argc >= 3 && parse(argv[1], &first)) ||
	    (argc == 4 && parse(argv[2], &incr)))
		return 1;
	if (incr == 0) {
		fprintf(stderr, "seq: invalid Zero increment value: '%s'\n", argv[2]);
		return 1;
	}
	for (long long v = first; incr > 0 ? v <= last : v >= last;) {
		printf("%lld\n", v);
		if (__builtin_add_overflow(v, incr, &v))
			break; /* the next value is past any LAST */
	}
	return 0;
}
