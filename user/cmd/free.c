/*
 * free - memory in KiB, busybox layout (tio/sysfmt.h): total and used RAM
 * from the kernel's page allocator (the "pages" line of SYS_kinfo's pool
 * report). There is no swap and no page cache, so those columns are 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <tio/sysfmt.h>

#define PAGE_KB 4

int main(int argc, char **argv)
{
	char *text, out[512];
	uint64_t total, used;
	long n;
	int r;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: free\n");
		return 1;
	}
	n = cmd_kinfo(TIO_KINFO_POOLS, &text);
	if (n < 0)
		return cmd_err("free", "memory statistics", n);
	r = sysfmt_pools_pages(text, &total, &used);
	free(text);
	if (r < 0)
		return cmd_err("free", "page counts", r);
	sysfmt_free(out, sizeof(out), total * PAGE_KB, used * PAGE_KB);
	fputs(out, stdout);
	return 0;
}
