/*
 * sysfuzz [-s SECONDS] [-n SEED] - fire random system calls with random
 * arguments for a bounded time (default 10 s), then report per-call counts.
 * The kernel must answer every call with a result, never crash or hang.
 *
 * What it never does (so that it stays bounded and harmless to others):
 *   - SYS_exit, SYS_poweroff, SYS_kill, SYS_spawn (no process control);
 *   - block: calls that may wait (read, write, recv, send, accept, connect,
 *     pread, pwrite, sendto, recvfrom) only get descriptors that are surely
 *     not open; waitpid gets WNOHANG, recv flags MSG_DONTWAIT, sleep_ns and
 *     wait_event a deadline of at most 1 ms;
 *   - touch descriptors 0-2 (they are the console), or munmap memory it did
 *     not get from its own random mmap calls.
 * Pointers are random: NULL, kernel-half, unmapped, or (half of the time)
 * into a scratch buffer, with lengths that sometimes run past its end.
 * Descriptors the calls create are tracked and closed every 64 calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define FUZZ_SCRATCH 8192
#define FUZZ_PAGE    4096
#define FUZZ_FDS     32
#define FUZZ_MAPS    16

enum fuzz_kind { K_PLAIN, K_BLOCKING, K_NEVER };

struct fuzz_call {
	const char *name;
	enum fuzz_kind kind;
};

static const struct fuzz_call calls[SYS_COUNT] = {
    [SYS_exit] = {"exit", K_NEVER},
    [SYS_spawn] = {"spawn", K_NEVER},
    [SYS_waitpid] = {"waitpid", K_PLAIN},
    [SYS_kill] = {"kill", K_NEVER},
    [SYS_getpid] = {"getpid", K_PLAIN},
    [SYS_mmap] = {"mmap", K_PLAIN},
    [SYS_munmap] = {"munmap", K_PLAIN},
    [SYS_clock_ns] = {"clock_ns", K_PLAIN},
    [SYS_sleep_ns] = {"sleep_ns", K_PLAIN},
    [SYS_uname] = {"uname", K_PLAIN},
    [SYS_poweroff] = {"poweroff", K_NEVER},
    [SYS_kinfo] = {"kinfo", K_PLAIN},
    [SYS_chdir] = {"chdir", K_PLAIN},
    [SYS_getcwd] = {"getcwd", K_PLAIN},
    [SYS_open] = {"open", K_PLAIN},
    [SYS_close] = {"close", K_PLAIN},
    [SYS_read] = {"read", K_BLOCKING},
    [SYS_write] = {"write", K_BLOCKING},
    [SYS_lseek] = {"lseek", K_PLAIN},
    [SYS_pread] = {"pread", K_BLOCKING},
    [SYS_pwrite] = {"pwrite", K_BLOCKING},
    [SYS_stat] = {"stat", K_PLAIN},
    [SYS_fstat] = {"fstat", K_PLAIN},
    [SYS_getdents] = {"getdents", K_PLAIN},
    [SYS_mkdir] = {"mkdir", K_PLAIN},
    [SYS_rmdir] = {"rmdir", K_PLAIN},
    [SYS_unlink] = {"unlink", K_PLAIN},
    [SYS_rename] = {"rename", K_PLAIN},
    [SYS_dup2] = {"dup2", K_PLAIN},
    [SYS_fsync] = {"fsync", K_PLAIN},
    [SYS_sync] = {"sync", K_PLAIN},
    [SYS_mount] = {"mount", K_PLAIN},
    [SYS_umount] = {"umount", K_PLAIN},
    [SYS_ioctl] = {"ioctl", K_PLAIN},
    [SYS_statfs] = {"statfs", K_PLAIN},
    [SYS_pipe] = {"pipe", K_PLAIN},
    [SYS_socket] = {"socket", K_PLAIN},
    [SYS_bind] = {"bind", K_PLAIN},
    [SYS_listen] = {"listen", K_PLAIN},
    [SYS_accept] = {"accept", K_BLOCKING},
    [SYS_connect] = {"connect", K_BLOCKING},
    [SYS_send] = {"send", K_BLOCKING},
    [SYS_recv] = {"recv", K_BLOCKING},
    [SYS_sendto] = {"sendto", K_BLOCKING},
    [SYS_recvfrom] = {"recvfrom", K_BLOCKING},
    [SYS_shutdown] = {"shutdown", K_PLAIN},
    [SYS_getsockname] = {"getsockname", K_PLAIN},
    [SYS_waiter_create] = {"waiter_create", K_PLAIN},
    [SYS_submit] = {"submit", K_PLAIN},
    [SYS_wait_event] = {"wait_event", K_PLAIN},
    [SYS_cancel] = {"cancel", K_PLAIN},
    [SYS_buf_register] = {"buf_register", K_PLAIN},
    [SYS_buf_unregister] = {"buf_unregister", K_PLAIN},
    [SYS_pbq_create] = {"pbq_create", K_PLAIN},
    [SYS_pbq_provide] = {"pbq_provide", K_PLAIN},
    [SYS_pbq_recycle] = {"pbq_recycle", K_PLAIN},
};

struct fuzz_count {
	uint64_t calls, ok, err;
};

static uint64_t rng;
/*
 * FUZZ_SCRATCH bytes in a mapping of their own, followed by an unmapped page:
 * a buffer that "runs off the end" runs into unmapped memory (the kernel must
 * answer -EFAULT or stop short), never into the fuzzer's own state.
 */
static char *scratch;
static int fds[FUZZ_FDS];
static unsigned nfds;
static long maps[FUZZ_MAPS];
static unsigned nmaps;
static struct fuzz_count count[SYS_COUNT];

static int scratch_map(void)
{
	long p = sys_mmap(NULL, FUZZ_SCRATCH + FUZZ_PAGE, PROT_READ | PROT_WRITE);

	if (p < 0)
		return (int)p;
	if (sys_munmap((void *)(p + FUZZ_SCRATCH), FUZZ_PAGE) < 0)
		return -1;
	scratch = (char *)p;
	return 0;
}

/* xorshift64*: small, fast, reproducible from the seed. */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static long rnd_ptr(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return (long)0xffff800000000000ULL + (long)(rnd() % 0x100000);
	case 2:
		return (long)(rnd() & 0x7fffffffffffULL);
	case 3:
		return (long)(scratch + FUZZ_SCRATCH - rnd() % 16); /* runs off the end */
	default:
		return (long)(scratch + rnd() % (FUZZ_SCRATCH / 2));
	}
}

static long rnd_len(void)
{
	switch (rnd() % 4) {
	case 0:
		return (long)(rnd() % 64);
	case 1:
		return (long)(rnd() % FUZZ_SCRATCH);
	case 2:
		return (long)rnd();
	default:
		return (long)(rnd() % (FUZZ_SCRATCH / 2));
	}
}

/* A descriptor: one the fuzzer made, or an invalid one; never 0-2. */
static long rnd_fd(int may_block)
{
	if (!may_block && nfds && rnd() % 2)
		return fds[rnd() % nfds];
	switch (rnd() % 3) {
	case 0:
		return -1 - (long)(rnd() % 4);
	case 1:
		return 100000 + (long)(rnd() % 1000);
	default:
		return (long)(int32_t)rnd() | 0x40000000L;
	}
}

static long rnd_arg(void)
{
	switch (rnd() % 4) {
	case 0:
		return (long)(rnd() % 16);
	case 1:
		return rnd_ptr();
	case 2:
		return rnd_len();
	default:
		return (long)rnd();
	}
}

/* Fills the scratch buffer's first half with random bytes (paths, sqes, structs). */
static void scramble(void)
{
	for (size_t i = 0; i < FUZZ_SCRATCH / 2; i += 8) {
		uint64_t v = rnd();

		memcpy(scratch + i, &v, 8);
	}
	if (rnd() % 2)
		scratch[rnd() % 64] = '\0'; /* short strings more often */
}

static long last_pipe_arg; /* where SYS_pipe was told to store its descriptors */

static int in_scratch(long p, size_t len)
{
	return p >= (long)scratch && p + (long)len <= (long)(scratch + FUZZ_SCRATCH);
}

/*
 * Calls that change the namespace only ever see paths under /sysfuzz/ (which
 * does not exist): a random "/" must not unmount root or unlink a real file.
 */
static void confine_path(long *arg, size_t at)
{
	if (*arg == 0 || !in_scratch(*arg, 1))
		return; /* NULL, kernel or unmapped pointers stay: they cannot name a file */
	memcpy(scratch + at, "/sysfuzz/", 9);
	*arg = (long)(scratch + at);
}

static void confine_paths(int n, long a[6])
{
	int writes = n == SYS_open && (a[1] & (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND));

	if (n == SYS_mkdir || n == SYS_rmdir || n == SYS_unlink || n == SYS_umount ||
	    n == SYS_rename || n == SYS_mount || writes || n == SYS_chdir)
		confine_path(&a[0], 0);
	if (n == SYS_rename || n == SYS_mount)
		confine_path(&a[1], 1024);
}

/* Arguments for @n, with the safety rules of the file comment applied. */
static void make_args(int n, long a[6])
{
	for (int i = 0; i < 6; i++)
		a[i] = rnd_arg();
	if (calls[n].kind == K_BLOCKING || n == SYS_close || n == SYS_dup2 || n == SYS_ioctl ||
	    n == SYS_fstat || n == SYS_lseek || n == SYS_getdents || n == SYS_fsync ||
	    n == SYS_shutdown || n == SYS_getsockname || n == SYS_bind || n == SYS_listen ||
	    n == SYS_submit || n == SYS_wait_event || n == SYS_cancel || n == SYS_pbq_provide ||
	    n == SYS_pbq_recycle)
		a[0] = rnd_fd(calls[n].kind == K_BLOCKING);
	if (n == SYS_dup2)
		a[1] = 3 + (long)(rnd() % 60);
	if (n == SYS_waitpid)
		a[2] |= WNOHANG;
	if (n == SYS_recv || n == SYS_recvfrom)
		a[3] |= MSG_DONTWAIT;
	if (n == SYS_sleep_ns)
		a[0] = (long)(rnd() % 1000000);
	if (n == SYS_wait_event)
		a[3] = 1 + (long)(rnd() % 1000000);
	if (n == SYS_munmap)
		a[0] = nmaps && rnd() % 2 ? maps[--nmaps] : (long)(rnd() & 0x7fffffffffffULL) | 1;
	if (n == SYS_submit) {
		struct tio_sqe *sqe = (struct tio_sqe *)(scratch + 2048);

		a[2] = (long)sqe;
		if (sqe->fd >= 0 && sqe->fd <= 2)
			sqe->fd = -1;
		if (sqe->opcode == TIO_OP_OPEN)
			sqe->opcode =
			    TIO_OP_NOP; /* async open could create or truncate real files */
	}
	if (n == SYS_pipe)
		last_pipe_arg = a[0];
	confine_paths(n, a);
}

static void track(int n, long r)
{
	if (r < 0)
		return;
	if (n == SYS_mmap && nmaps < FUZZ_MAPS)
		maps[nmaps++] = r;
	if ((n == SYS_open || n == SYS_socket || n == SYS_waiter_create || n == SYS_pbq_create ||
	     n == SYS_dup2) &&
	    r > 2 && nfds < FUZZ_FDS)
		fds[nfds++] = (int)r;
	if (n == SYS_pipe && nfds + 2 <= FUZZ_FDS && in_scratch(last_pipe_arg, 8)) {
		int p[2];

		memcpy(p, (void *)last_pipe_arg, sizeof(p));
		for (int i = 0; i < 2; i++)
			if (p[i] > 2)
				fds[nfds++] = p[i];
	}
}

static void close_tracked(void)
{
	for (unsigned i = 0; i < nfds; i++)
		sys_close(fds[i]);
	nfds = 0;
}

static void report(uint64_t total, uint64_t ns, uint64_t seed)
{
	printf("sysfuzz: %llu calls in %llu.%03llu s, seed %llu\n", (unsigned long long)total,
	       (unsigned long long)(ns / 1000000000ULL), (unsigned long long)(ns / 1000000 % 1000),
	       (unsigned long long)seed);
	printf("%-16s %10s %10s %10s\n", "call", "calls", "ok", "errors");
	for (int n = 0; n < SYS_COUNT; n++)
		if (count[n].calls)
			printf("%-16s %10llu %10llu %10llu\n", calls[n].name,
			       (unsigned long long)count[n].calls, (unsigned long long)count[n].ok,
			       (unsigned long long)count[n].err);
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	uint64_t secs = 10, seed = (uint64_t)sys_clock_ns(), total = 0;
	long t0, a[6];
	int c;

	while ((c = opt_next(&o, argc, argv, "s:n:")) != -1) {
		if (c == 's')
			secs = strtoull(o.arg, NULL, 10);
		else if (c == 'n')
			seed = strtoull(o.arg, NULL, 0);
		else {
			fprintf(stderr, "usage: sysfuzz [-s SECONDS] [-n SEED]\n");
			return 1;
		}
	}
	if (scratch_map() < 0) {
		fprintf(stderr, "sysfuzz: cannot map the scratch area\n");
		return 1;
	}
	rng = seed ^ 0x9e3779b97f4a7c15ULL; /* xorshift needs a non-zero state */
	if (!rng)
		rng = 1;
	printf("sysfuzz: seed %llu, %llu s\n", (unsigned long long)seed, (unsigned long long)secs);
	t0 = sys_clock_ns();
	while ((uint64_t)(sys_clock_ns() - t0) < secs * 1000000000ULL) {
		int n = (int)(rnd() % SYS_COUNT);

		if (!calls[n].name || calls[n].kind == K_NEVER)
			continue;
		scramble();
		make_args(n, a);
		long r = sys_call6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
		track(n, r);
		count[n].calls++;
		*(r >= 0 ? &count[n].ok : &count[n].err) += 1;
		if (++total % 64 == 0)
			close_tracked();
	}
	close_tracked();
	report(total, (uint64_t)(sys_clock_ns() - t0), seed);
	return 0;
}
