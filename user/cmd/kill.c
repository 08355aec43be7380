/*
 * kill [-9|-KILL|-TERM|-s SIGNAL] PID... - stop processes (SYS_kill).
 *
 * Busybox syntax; there are no signals in this kernel, so every accepted
 * signal (KILL, TERM, 9, 15) means the same: the target exits at its next
 * return to user mode with status TIO_WKILLED | 9, its in-flight operations
 * cancelled. Any process but init (pid 1) may be stopped, detached or not.
 * Exit status 1 if any PID could not be stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

static int usage(void)
{
	fprintf(stderr, "usage: kill [-9|-KILL|-TERM|-s SIGNAL] PID...\n");
	return 1;
}

/* A signal name or number this kernel can deliver (all mean "kill"). */
static int signal_ok(const char *s)
{
	if (!strncmp(s, "SIG", 3))
		s += 3;
	return !strcmp(s, "9") || !strcmp(s, "KILL") || !strcmp(s, "15") || !strcmp(s, "TERM");
}

static int kill_one(const char *arg)
{
	char *end;
	long pid = strtol(arg, &end, 10);
	long r;

	if (*end || end == arg || pid <= 0) {
		fprintf(stderr, "kill: %s: not a process id\n", arg);
		return 1;
	}
	r = sys_kill((int)pid);
	return r < 0 ? cmd_err("kill", arg, r) : 0;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;

	if (i < argc && !strcmp(argv[i], "-s")) {
		if (i + 1 >= argc || !signal_ok(argv[i + 1]))
			return usage();
		i += 2;
	} else if (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (!signal_ok(argv[i] + 1))
			return usage();
		i++;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage();
	for (; i < argc; i++)
		status |= kill_one(argv[i]);
	return status;
}
