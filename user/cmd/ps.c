/*
 * ps - the process list from SYS_kinfo(TIO_KINFO_PROCS), as the kernel
 * formats it: PID, PPID, STAT (R runnable, S sleeping in the kernel,
 * Z zombie), OPS (async operations in flight on the process's behalf) and
 * NAME. No options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	char *text;
	long n;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: ps\n");
		return 1;
	}
	n = cmd_kinfo(TIO_KINFO_PROCS, &text);
	if (n < 0)
		return cmd_err("ps", "the process list", n);
	fputs(text, stdout);
	free(text);
	return 0;
}
