/*
 * stats - the kernel's own accounting: every static pool (in use, high-water,
 * capacity, failures), the async operations in flight with their frames,
 * the block devices' counters, each process's use of its resources against
 * the per-process limits, and the network's interfaces and sockets (SYS_kinfo).
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

static int show(int what, const char *title)
{
	char *text;
	long n = cmd_kinfo(what, &text);

	if (n < 0)
		return cmd_err("stats", title, n);
	printf("%s:\n%s", title, text);
	if (n && text[n - 1] != '\n')
		printf("\n");
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show(TIO_KINFO_POOLS, "pools") | show(TIO_KINFO_OPS, "async ops") |
	       show(TIO_KINFO_BLKSTAT, "block devices") | show(TIO_KINFO_LIMITS, "limits") |
	       show(TIO_KINFO_NET, "network");
}
