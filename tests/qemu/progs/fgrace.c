/*
 * fgrace - forces the ^C race of a starting foreground job (run as init:
 * tests/qemu/test_tty_fg.py). It plays a shell that is slow to name its job:
 *
 *   1. TIO_TTY_FGBEGIN, spawn /bin/cat reading the console into a pipe,
 *      print "fgrace: spawned";
 *   2. copy cat's lines to the console as "fgrace: cat: LINE" until one is
 *      "after" (the test sends "go", then ^C and "after" in one burst: cat
 *      has read the ^C, with no job set, before it reads "after");
 *   3. only then TIO_TTY_SETFG {cat}, as the shell does after its spawns.
 *
 * The held ^C must kill cat at that SETFG: "fgrace: cat killed by ^C" and
 * exit 0. If cat is still running 20 s later (the ^C was lost), it prints
 * "fgrace: cat not killed" and kills cat itself, exit 1. The 20 s are no
 * speed limit: a kill ends cat at once, the wait only bounds the failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <uapi/tty.h>

#define MS	      1000000ULL
#define GIVE_UP_MS    20000
#define KILLED_BY_INT (TIO_WKILLED | 2)

/* Copies cat's output line by line until the line "after"; -1 on EOF or error. */
static int copy_until_after(int fd)
{
	char line[128];
	size_t len = 0;
	char c;

	for (;;) {
		long n = sys_read(fd, &c, 1);

		if (n <= 0)
			return -1;
		if (c != '\n' && len < sizeof(line) - 1) {
			line[len++] = c;
			continue;
		}
		line[len] = '\0';
		printf("fgrace: cat: %s\n", line);
		if (!strcmp(line, "after"))
			return 0;
		len = 0;
	}
}

/* Waits up to GIVE_UP_MS for @pid; its status, or -ETIMEDOUT. */
static long wait_bounded(int pid)
{
	int ws = 0;

	for (int ms = 0; ms < GIVE_UP_MS; ms += 10) {
		long r = sys_waitpid(pid, &ws, WNOHANG);

		if (r == pid)
			return ws;
		if (r < 0)
			return r;
		sys_sleep_ns(10 * MS);
	}
	return -ETIMEDOUT;
}

int main(int argc, char **argv)
{
	const char *cat_argv[] = {"cat", NULL};
	struct tio_spawn sp = {.path = "/bin/cat", .argv = cat_argv};
	struct tio_tty_fg fg = {0};
	int fds[2], ws = 0;
	long pid, st;

	(void)argc;
	(void)argv;
	printf("fgrace: fgbegin %ld\n", sys_ioctl(stdin, TIO_TTY_FGBEGIN, NULL));
	if (sys_pipe(fds) < 0)
		return printf("fgrace: no pipe\n"), 1;
	sp.fds[0] = -1;
	sp.fds[1] = fds[1];
	sp.fds[2] = -1;
	pid = sys_spawn(&sp);
	sys_close(fds[1]);
	if (pid < 0)
		return printf("fgrace: spawn cat: %s\n", strerror((int)pid)), 1;
	printf("fgrace: spawned\n");
	if (copy_until_after(fds[0]) < 0)
		return printf("fgrace: cat ended before \"after\"\n"), 1;
	fg.n = 1;
	fg.pids[0] = (int)pid;
	sys_ioctl(stdin, TIO_TTY_SETFG, &fg);
	st = wait_bounded((int)pid);
	fg.n = 0;
	sys_ioctl(stdin, TIO_TTY_SETFG, &fg);
	if (st == KILLED_BY_INT)
		return printf("fgrace: cat killed by ^C\n"), 0;
	if (st == -ETIMEDOUT) {
		printf("fgrace: cat not killed\n");
		sys_kill((int)pid);
		sys_waitpid((int)pid, &ws, 0);
	} else {
		printf("fgrace: cat ended with status 0x%lx\n", st);
	}
	return 1;
}
