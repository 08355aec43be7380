/* lspci - list PCI functions as `lspci -n` does: the kernel's TIO_KINFO_PCI report. */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	char *text;
	long n = cmd_kinfo(TIO_KINFO_PCI, &text);

	(void)argc;
	(void)argv;
	if (n < 0)
		return cmd_err_dev("lspci", "the PCI device list", n);
	fputs(text, stdout);
	free(text);
	return 0;
}
