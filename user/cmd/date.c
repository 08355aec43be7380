/*
 * date [-u] [+FORMAT] - print the wall-clock time (SYS_clock_real: the CMOS
 * RTC at boot plus the monotonic clock) in UTC, by default as coreutils
 * `date -u`: "Wed Dec  2 05:10:00 UTC 2026". FORMAT specifiers: tio/datefmt.h.
 * There are no time zones: -u is accepted and changes nothing. Setting the
 * clock is not supported.
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/datefmt.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	const char *fmt = DATEFMT_DEFAULT;
	char out[1024];
	long ns;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "-u"))
		i++;
	if (i < argc && argv[i][0] == '+')
		fmt = argv[i++] + 1;
	if (i < argc) {
		fprintf(stderr, "usage: date [-u] [+FORMAT] (setting the time is not supported)\n");
		return 1;
	}
	ns = sys_clock_real();
	if (ns < 0 && ns >= -4095)
		return cmd_err("date", "wall clock", ns);
	datefmt(out, sizeof(out), fmt, ns / 1000000000L, ns % 1000000000L);
	printf("%s\n", out);
	return 0;
}
