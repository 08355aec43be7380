/*
 * uptime - the time of day (UTC, from the wall clock) and how long the
 * kernel has been up (the monotonic clock), busybox layout without the load
 * average, which the kernel does not keep: " 05:10:00 up 1 day,  2:03".
 */
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <tio/sysfmt.h>

int main(int argc, char **argv)
{
	long now = sys_clock_real(), up = sys_clock_ns();
	char out[128];

	(void)argc;
	(void)argv;
	if (now < 0 && now >= -4095)
		return cmd_err("uptime", "wall clock", now);
	sysfmt_uptime(out, sizeof(out), now / 1000000000L, (uint64_t)up / 1000000000ULL);
	fputs(out, stdout);
	return 0;
}
