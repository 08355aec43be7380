/*
 * fatbench - a benchmark program for tests/qemu/bench_fat.py (not a user
 * command): creates N files of 100 bytes in DIR (open O_CREAT, write, close),
 * then sync, and prints the time it took from the first create to the end of
 * the sync, on the monotonic clock:
 *
 *   fatbench DIR N   ->  "fatbench created N files in NS ns"
 *
 * Any failure prints "fatbench FAIL <step> <errno>" and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

static const char payload[100] = "fatbench: a small file, one hundred bytes of it, enough for one "
				 "cluster on any volume";

int main(int argc, char **argv)
{
	char path[TIO_PATH_MAX];
	long n, t0, fd, r;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		printf("usage: fatbench DIR N\n");
		return 2;
	}
	t0 = sys_clock_ns();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%05ld.txt", argv[1], i);
		fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			printf("fatbench FAIL open %ld\n", fd);
			return 1;
		}
		r = sys_write((int)fd, payload, sizeof(payload));
		sys_close((int)fd);
		if (r != (long)sizeof(payload)) {
			printf("fatbench FAIL write %ld\n", r);
			return 1;
		}
	}
	r = sys_sync();
	if (r < 0) {
		printf("fatbench FAIL sync %ld\n", r);
		return 1;
	}
	printf("fatbench created %ld files in %ld ns\n", n, sys_clock_ns() - t0);
	return 0;
}
