/* sleep SECONDS - pause (SYS_sleep_ns); whole seconds only. */
#include <stdio.h>
#include <stdlib.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long s;
	long r;

	if (argc != 2 || (s = strtoul(argv[1], &end, 10), *end)) {
		fprintf(stderr, "usage: sleep SECONDS\n");
		return 1;
	}
	r = sys_sleep_ns((uint64_t)s * 1000000000ULL);
	return r < 0 ? cmd_err("sleep", "sleep", r) : 0;
}
