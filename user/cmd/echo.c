/*
 * echo [-n] [ARG...] - print the arguments separated by spaces, then a
 * newline unless -n. Like busybox echo without -e: no escapes are expanded.
 */
#include <stdio.h>
#include <string.h>
#include <tio/start.h>

int main(int argc, char **argv)
{
	int i = 1, newline = 1, r = 0;

	if (i < argc && !strcmp(argv[i], "-n")) {
		newline = 0;
		i++;
	}
	for (; i < argc && r >= 0; i++) {
		r = fputs(argv[i], stdout);
		if (r >= 0 && i + 1 < argc)
			r = fputs(" ", stdout);
	}
	if (r >= 0 && newline)
		r = fputs("\n", stdout);
	if (r < 0) {
		fprintf(stderr, "echo: write error: %s\n", strerror(r));
		return 1;
	}
	return 0;
}
