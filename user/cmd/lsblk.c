/* lsblk - list block devices: the kernel's TIO_KINFO_BLOCK report, verbatim. */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	char *text;
	long n = cmd_kinfo(TIO_KINFO_BLOCK, &text);

	(void)argc;
	(void)argv;
	if (n < 0)
		return cmd_err_dev("lsblk", "the block device list", n);
	fputs(text, stdout);
	free(text);
	return 0;
}
