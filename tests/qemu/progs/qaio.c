/*
 * qaio - the user runtime's async helpers over the shared rings
 * (tests/qemu/test_aio_rings.py). Counts are the kernel's: TIO_KINFO_SYSCALLS.
 *
 *   qaio nops N          N NOPs through aio_queue in rounds of 8 on a waiter
 *                        of aio_waiter_create, each round submitted by one
 *                        aio_flush and collected by 8 aio_wait calls; prints
 *                        "qaio nops: N events ok, S syscalls, ring R"
 *   qaio mkfile PATH N   writes N bytes of a fixed pseudo-random pattern
 *   qaio munmap          munmap next to a ring: other ranges go, the ring's
 *                        pages are refused (-EBUSY) while it lives and the
 *                        ring keeps working; "qaio munmap: ok" or FAIL lines
 *   qaio count PROG ARG...  runs /bin/PROG ARG..., and once it has exited (a
 *                        zombie) prints "qaio count: PROG S syscalls, status X"
 *   qaio calls NAME      the system calls of the running process NAME so far:
 *                        "qaio calls: NAME S" (S -3: no such process)
 *   qaio starterr        ops that cannot start (RECV on a descriptor nobody
 *                        holds, ACCEPT on one that is no socket), submitted
 *                        with the one-call helpers on a waiter with rings:
 *                        each answers 0 and the error comes as the slot's one
 *                        final event, after which the slot takes an op again;
 *                        aio_submit_sync and a waiter without rings answer it
 *                        at once. (ACCEPT on a socket that does not listen
 *                        fails once started: an event on either path.)
 *                        "qaio starterr: ok" or FAIL lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/ring.h>
#include <tio/start.h>
#include <tio/sys.h>
#include <uapi/proc.h>

#define ROUND	 8
#define REPORT	 8192
#define POLL_NS	 10000000ULL /* 10 ms between looks at the child */
#define WAIT_NS	 10000000000ULL
#define MAX_ARGS 16
#define QUIET_NS 100000000ULL /* no second event within this */
#define NO_FD	 999	      /* a descriptor number no process holds */

/* 1 if row @l's NAME column (the last: "... httpd" or "... /bin/httpd") is @name. */
static int row_named(const char *l, const char *name)
{
	const char *nl = strchr(l, '\n');
	size_t len = nl ? (size_t)(nl - l) : strlen(l), k = strlen(name);

	return len > k && (l[len - k - 1] == ' ' || l[len - k - 1] == '/') &&
	       !strncmp(l + len - k, name, k);
}

/*
 * The SYSCALLS column and STAT of the row of @pid, or (@pid < 0) of the first live process
 * whose name is @name; -ESRCH if none.
 */
static long syscalls_row(int pid, const char *name, char *stat)
{
	static char buf[REPORT];
	long n = sys_kinfo(TIO_KINFO_SYSCALLS, buf, sizeof(buf) - 1);

	if (n < 0)
		return n;
	buf[n < (long)sizeof(buf) - 1 ? n : (long)sizeof(buf) - 1] = '\0';
	for (char *l = strchr(buf, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char *end;
		long p = strtol(l + 1, &end, 10);

		while (*end == ' ')
			end++;
		if (pid >= 0 ? p != pid : (*end == 'Z' || !row_named(l + 1, name)))
			continue;
		*stat = *end;
		return strtol(end + 1, NULL, 10);
	}
	return -ESRCH;
}

static long syscalls_of(int pid, char *stat)
{
	return syscalls_row(pid, NULL, stat);
}

static int nops(unsigned n)
{
	struct aio_waiter w;
	struct tio_event ev[ROUND];
	struct tio_sqe nop = {.opcode = TIO_OP_NOP};
	unsigned ok = 0;
	long before, after;
	char st;
	int pid = (int)sys_getpid(), err;

	if ((err = aio_waiter_create(&w, ROUND)) < 0) {
		printf("qaio nops: waiter: %d\n", err);
		return 1;
	}
	before = syscalls_of(pid, &st);
	for (unsigned done = 0; done < n; done += ROUND) {
		unsigned got = 0;

		for (unsigned s = 0; s < ROUND; s++)
			if (aio_queue(&w, s, &nop))
				break;
		if (aio_flush(&w))
			break;
		/* One event per call: those already in the CQ cost no system call. */
		while (got < ROUND) {
			int k = aio_wait(&w, ev, 1, WAIT_NS);

			if (k <= 0)
				break;
			for (int i = 0; i < k; i++)
				ok += ev[i].slot < ROUND && ev[i].result == 0 && ev[i].flags == 0;
			got += (unsigned)k;
		}
		if (got != ROUND)
			break;
	}
	after = syscalls_of(pid, &st);
	/* The two kinfo calls themselves: the second one counts itself. */
	printf("qaio nops: %u events ok, %ld syscalls, ring %d\n", ok, after - before - 1,
	       aio_waiter_has_ring(&w));
	aio_waiter_destroy(&w);
	return ok != n;
}

#define PAGE 4096

static int failures;

static void check(const char *what, long got, long want)
{
	if (got != want) {
		printf("FAIL %s: %ld, expected %ld\n", what, got, want);
		failures++;
	}
}

/* One NOP through @r, its event read back from the CQ. */
static long ring_nop(struct aio_ring *r, unsigned slot)
{
	struct tio_sqe *s = aio_ring_sqe(r, slot);
	struct tio_event ev;
	long n;

	if (!s)
		return -ENOSPC;
	s->opcode = TIO_OP_NOP;
	n = aio_ring_wait(r, &ev, 1, WAIT_NS);
	return n == 1 ? (ev.slot == slot ? ev.result : -EIO) : (n < 0 ? n : -ETIMEDOUT);
}

static int munmap_checks(void)
{
	struct aio_ring r;
	long a = sys_mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE), b;
	char *ring;

	check("mmap", a < 0, 0);
	check("ring", aio_ring_create(&r, 4, 4, 8), 0);
	ring = (char *)r.hdr;
	check("munmap of another range", sys_munmap((void *)a, PAGE), 0);
	check("munmap of the rest", sys_munmap((char *)a + PAGE, 2 * PAGE), 0);
	check("munmap of the ring", sys_munmap(ring, r.len), -EBUSY);
	check("munmap of the ring's last page", sys_munmap(ring + r.len - PAGE, PAGE), -EBUSY);
	b = sys_mmap(NULL, PAGE, PROT_READ | PROT_WRITE);
	check("munmap of a range after the ring", sys_munmap((void *)b, PAGE), 0);
	check("the ring still works", ring_nop(&r, 1), 0);
	ring[r.len - 1] = 1; /* still mapped: a refused munmap left it alone */
	check("close", sys_close(r.wfd), 0);
	check("munmap of the ring once its waiter is closed", sys_munmap(ring, r.len), 0);
	printf("qaio munmap: %s\n", failures ? "failed" : "ok");
	return failures != 0;
}

static int mkfile(const char *path, unsigned long n)
{
	static char buf[4096];
	long fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint32_t x = 12345;

	if (fd < 0)
		return 1;
	while (n) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		for (size_t i = 0; i < k; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
		}
		if (write_all((int)fd, buf, k) < 0)
			return 1;
		n -= k;
	}
	return sys_close((int)fd) != 0;
}

/* Runs the program, reads its count once it is a zombie, then reaps it. */
static int count(int argc, char **argv)
{
	char path[64], st = 'R';
	const char *args[MAX_ARGS + 1];
	struct tio_spawn sp = {.path = path, .argv = args, .fds = {-1, -1, -1}};
	long pid, calls = -ESRCH;
	int status = -1, i;

	if (argc > MAX_ARGS)
		return 2;
	snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	args[i] = NULL;
	pid = sys_spawn(&sp);
	if (pid < 0) {
		printf("qaio count: spawn %s: %ld\n", path, pid);
		return 1;
	}
	for (i = 0; i < 6000 && (calls = syscalls_of((int)pid, &st)) >= 0 && st != 'Z'; i++)
		sys_sleep_ns(POLL_NS);
	sys_waitpid((int)pid, &status, 0);
	printf("qaio count: %s %ld syscalls, status %d\n", argv[0], calls, status);
	return calls < 0 || st != 'Z';
}

static int calls(const char *name)
{
	char st;

	printf("qaio calls: %s %ld\n", name, syscalls_row(-1, name, &st));
	return 0;
}

/*
 * The one final event of @slot after the helper answered @submitted: its result; 1 if the
 * helper answered anything but 0 (the error came at once, not as the event); -EIO if no event,
 * or more than one, came for the slot.
 */
static long start_error_event(struct aio_waiter *w, unsigned slot, int submitted)
{
	struct tio_event ev;

	if (submitted) {
		printf("qaio starterr: the submit answered %d\n", submitted);
		return 1;
	}
	if (aio_wait(w, &ev, 1, WAIT_NS) != 1 || ev.slot != slot || (ev.flags & TIO_EV_MORE))
		return -EIO;
	if (aio_wait(w, &ev, 1, QUIET_NS) != 0)
		return -EIO; /* a second event: not exactly once */
	return ev.result;
}

static int start_errors(void)
{
	long lsock = sys_socket(AF_INET, SOCK_STREAM, 0);
	struct aio_waiter w, plain;
	struct tio_sqe sqe;
	char buf[16];
	int bad = NO_FD;

	check("socket", lsock < 0, 0);
	check("waiter with rings", aio_waiter_create(&w, 4), 0);
	check("it has rings", aio_waiter_has_ring(&w), 1);
	check("recv on a closed descriptor: queued, then -EBADF as its event",
	      start_error_event(&w, 1, aio_recv(&w, 1, bad, buf, sizeof(buf))), -EBADF);
	check("accept on a socket that does not listen: queued, then -EINVAL as its event",
	      start_error_event(&w, 2, aio_accept(&w, 2, (int)lsock, NULL)), -EINVAL);
	check("accept on a descriptor that is no socket: queued, then -ENOTSOCK as its event",
	      start_error_event(&w, 2, aio_accept(&w, 2, w.fd, NULL)), -ENOTSOCK);
	check("the slot is free again after its error event",
	      start_error_event(&w, 1, aio_recv(&w, 1, bad, buf, sizeof(buf))), -EBADF);
	aio_prep_rw(&sqe, TIO_OP_RECV, bad, buf, sizeof(buf), 0);
	check("aio_submit_sync answers the start error at once", aio_submit_sync(&w, 3, &sqe),
	      -EBADF);
	check("waiter without rings", aio_waiter_create_sys(&plain, 2), 0);
	check("without rings aio_recv answers the start error at once",
	      aio_recv(&plain, 0, bad, buf, sizeof(buf)), -EBADF);
	aio_waiter_destroy(&plain);
	aio_waiter_destroy(&w);
	sys_close((int)lsock);
	printf("qaio starterr: %s\n", failures ? "failed" : "ok");
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "nops"))
		return nops((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "mkfile"))
		return mkfile(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "munmap"))
		return munmap_checks();
	if (argc >= 3 && !strcmp(argv[1], "count"))
		return count(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "calls"))
		return calls(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "starterr"))
		return start_errors();
	printf("usage: qaio nops N | mkfile PATH N | munmap | count PROG ARG... | calls NAME | "
	       "starterr\n");
	return 2;
}
