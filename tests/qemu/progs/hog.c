/*
 * hog - the hostile neighbour of tests/qemu/test_limits.py (not a user
 * command): it takes everything it is allowed of every pooled resource and
 * holds it, so the test can check that other processes still work, that
 * `stats` shows the hog at its limits and that `kill` gives everything back.
 *
 *   hog               grabs, in order: waiter slots, waiters, ops (NOPs parked
 *                     with a 30-year timeout), registered buffers, buffer
 *                     queues, provided buffers, buffer descriptors, pinned
 *                     pages, descriptors, children, mapped pages. One line per
 *                     limit: "hog: <what> limit <n> <errno> ok" or
 *                     "hog: <what> FAIL ...", then "hog: ready <pid> <child
 *                     pids...>", then sleeps until killed.
 *   hog child         sleeps until killed (the hog's children, every other one
 *                     detached: only `kill` can end those)
 *   hog bomb          spawns detached copies of itself until refused; each
 *                     copy does the same, so the tree fills the process table
 *                     as far as the table's reserve lets it; prints
 *                     "bomb: <pid> spawned N, then <errno>", sleeps until killed
 *   hog churn SECS    for SECS seconds, random takes and returns of every
 *                     resource (waiters, queues, provided and registered
 *                     buffers, ops, descriptors, dup2, mmap, children), then
 *                     exits holding whatever it holds: the accounting must
 *                     come back to zero by exit or kill ("churn: done N")
 *   hog exit          exits at once (churn's children)
 *   hog work          a file workload on /tmp, async reads and a spawn;
 *                     prints "work: ok" or the first check that failed
 *   hog mmaploop N    N times: mmap 511 pages, touch them, munmap; its own
 *                     pages (data + page tables, from `stats`' limits table)
 *                     must be what they were; prints "mmaploop: ok N, ..."
 *                     or "mmaploop: FAIL ..."
 *
 * The expected counts mirror include/kernel/limits.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define FOREVER_NS 1000000000000000000ULL /* a NOP's timeout: 31 years */
#define PAGE	   4096UL

enum {
	LIM_OPS = 384,
	LIM_WAITERS = 4,
	LIM_SLOTS = 512,
	LIM_BUFS = 48,
	LIM_PBQS = 4,
	LIM_PBUFS = 32,
	LIM_REGBUFS = 16,
	LIM_PINNED = 1024,
	LIM_FILES = 384,
	LIM_CHILDREN = 4,
	REGBUF_PAGES = 62,  /* 16 x 62 + 32 x 1 = 1024 pinned pages: the pin limit */
	WAITER_SLOTS = 128, /* LIM_WAITERS x 128 = LIM_SLOTS, room for LIM_OPS */
};

/* It takes all it can get, not just up to the limit: on a kernel without
 * limits it would empty every pool (up to GRAB_MAX of a kind). */
#define GRAB_MAX 512

static int wfd[GRAB_MAX], qfd[GRAB_MAX], kids[GRAB_MAX];
static int nwaiters, nqueues, nkids, failures;

/* One verdict line: the limit was reached at @want with @err_want. */
static void verdict(const char *what, int got, long err, int want, long err_want)
{
	if (got == want && err == err_want) {
		printf("hog: %s limit %d %ld ok\n", what, got, err);
		return;
	}
	printf("hog: %s FAIL: %d taken, then %ld (want %d, then %ld)\n", what, got, err, want,
	       err_want);
	failures++;
}

static void grab_waiters(void)
{
	long r = sys_waiter_create(16384);

	verdict("slots", r < 0 ? 0 : 1, r < 0 ? r : 0, 0, -EAGAIN);
	while (nwaiters < GRAB_MAX && (r = sys_waiter_create(WAITER_SLOTS)) >= 0)
		wfd[nwaiters++] = (int)r;
	verdict("waiters", nwaiters, r, LIM_WAITERS, -EAGAIN);
}

static long park_nop(int slot)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP, .timeout_ns = FOREVER_NS};

	return sys_submit(wfd[slot / WAITER_SLOTS], (unsigned)slot % WAITER_SLOTS, &sqe);
}

static void grab_ops(void)
{
	long r;
	int n = 0;

	while (n < nwaiters * WAITER_SLOTS && (r = park_nop(n)) == 0)
		n++;
	verdict("ops", n, r, LIM_OPS, -EAGAIN);
}

static void *map(unsigned long pages)
{
	long r = sys_mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE);

	return r < 0 ? NULL : (void *)r;
}

static void grab_regbufs(void)
{
	long r = 0;
	int n = 0;

	while (n < GRAB_MAX) {
		char *b = map(REGBUF_PAGES);

		if (!b || (r = sys_buf_register(b, REGBUF_PAGES * PAGE, TIO_BUF_READ)) < 0)
			break;
		n++;
	}
	verdict("regbufs", n, r, LIM_REGBUFS, -EAGAIN);
}

static void grab_pbufs(void)
{
	char *b = map(GRAB_MAX);
	long r = 0;
	int n = 0;

	while (nqueues < GRAB_MAX && (r = sys_pbq_create(64, 1)) >= 0)
		qfd[nqueues++] = (int)r;
	verdict("pbqs", nqueues, r, LIM_PBQS, -EAGAIN);
	while (b && nqueues && n < GRAB_MAX &&
	       (r = sys_pbq_provide(qfd[n % nqueues], (unsigned)(n / nqueues), b + n * PAGE,
				    PAGE)) == 0)
		n++;
	verdict("pbufs", n, r, LIM_PBUFS, -EAGAIN);
}

/* Frees one op (cancel, reap) and tries a READ with a user buffer: no descriptor left. */
static void check_bufs(int fd)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_READ, .fd = fd, .len = 16};
	static char buf[16];
	struct tio_event ev;
	long r = sys_cancel(wfd[0], 0);

	if (r == 0)
		r = sys_wait_event(wfd[0], &ev, 1, 10000000000ULL) == 1 ? 0 : -1;
	sqe.addr = (uint64_t)(uintptr_t)buf;
	if (r == 0)
		r = sys_submit(wfd[0], 0, &sqe);
	verdict("bufs", LIM_BUFS, r, LIM_BUFS, -EAGAIN);
	if (park_nop(0) != 0) { /* back to the op limit */
		printf("hog: ops FAIL: cannot re-park the cancelled op\n");
		failures++;
	}
}

/*
 * Swaps one registered buffer for a page larger one: refused by the pin limit
 * alone (the buffer counts stay under theirs), then put back. A synchronous
 * read still works at the limit (its pin is transient).
 */
static void check_pinned(int fd)
{
	static char buf[64];
	char *big = map(REGBUF_PAGES + 1), *same = map(REGBUF_PAGES);
	long r = sys_buf_unregister(0);

	if (r == 0 && big)
		r = sys_buf_register(big, (REGBUF_PAGES + 1) * PAGE, TIO_BUF_READ);
	verdict("pinned", LIM_PINNED, r, LIM_PINNED, -EAGAIN);
	if (!same || sys_buf_register(same, REGBUF_PAGES * PAGE, TIO_BUF_READ) < 0 ||
	    sys_read(fd, buf, sizeof(buf)) <= 0) {
		printf("hog: pinned FAIL: cannot re-register, or read at the limit\n");
		failures++;
	}
}

static void grab_files(void)
{
	long r = 0;
	int open = 0;

	for (int fd = 0; fd < LIM_FILES; fd++)
		open += sys_dup2(fd, fd) == fd; /* open descriptors of every kind */
	while (open < GRAB_MAX && (r = sys_open("/etc/motd", O_RDONLY, 0)) >= 0)
		open++;
	verdict("files", open, r, LIM_FILES, -EMFILE);
}

static void grab_children(void)
{
	static const char *argv[] = {"hog", "child", NULL};
	struct tio_spawn s = {.path = "/bin/hog", .argv = argv, .fds = {-1, -1, -1}};
	long r = 0;

	/* Every other child detached: those count against the limit too. */
	while (nkids < GRAB_MAX &&
	       (s.flags = nkids % 2 ? 0 : TIO_SPAWN_DETACH, r = sys_spawn(&s)) > 0)
		kids[nkids++] = (int)r;
	verdict("children", nkids, r, LIM_CHILDREN, -EAGAIN);
}

static void grab_pages(void)
{
	long r;
	unsigned long chunks = 0;

	while ((r = sys_mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE)) >= 0 && chunks < 1000)
		chunks++;
	printf("hog: pages %lu mapped in 64-page chunks, then %ld\n", chunks * 64, r);
	verdict("pages", r == -ENOMEM, r, 1, -ENOMEM);
}

__attribute__((noreturn)) static void hog(void)
{
	int fd;

	grab_waiters();
	grab_ops();
	grab_regbufs();
	grab_pbufs();
	fd = (int)sys_open("/etc/motd", O_RDONLY, 0);
	check_bufs(fd);
	check_pinned(fd);
	grab_files();
	grab_children();
	grab_pages();
	printf("hog: ready %ld", sys_getpid());
	for (int i = 0; i < nkids; i++)
		printf(" %d", kids[i]);
	printf("\nhog: %d failures\n", failures);
	for (;;)
		sys_sleep_ns(FOREVER_NS);
}

#define WCHECK(c)                                                                                  \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("work: FAIL %s (line %d)\n", #c, __LINE__);                         \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static int work_aio(int fd, const char *data, size_t len)
{
	static char got[4][4096];
	struct tio_event ev[4];
	long w = sys_waiter_create(4);
	int n = 0;

	WCHECK(w >= 0);
	for (unsigned i = 0; i < 4; i++) {
		struct tio_sqe sqe = {.opcode = TIO_OP_READ, .fd = fd, .len = 4096};

		sqe.addr = (uint64_t)(uintptr_t)got[i];
		sqe.offset = i * 4096;
		WCHECK(sys_submit((int)w, i, &sqe) == 0);
	}
	while (n < 4) {
		long r = sys_wait_event((int)w, ev + n, 4 - (unsigned)n, 10000000000ULL);

		WCHECK(r > 0);
		n += (int)r;
	}
	for (int i = 0; i < 4; i++)
		WCHECK(ev[i].result == 4096 &&
		       !memcmp(got[ev[i].slot], data + ev[i].slot * 4096, 4096));
	WCHECK(len >= 4 * 4096 && sys_close((int)w) == 0);
	return 0;
}

static int work(void)
{
	static char data[64 * 1024], back[64 * 1024];
	static const char *argv[] = {"echo", "work-child", NULL};
	struct tio_spawn s = {.path = "/bin/echo", .argv = argv, .fds = {-1, -1, -1}};
	int status = -1;
	long fd, pid;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	fd = sys_open("/tmp/work.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	WCHECK(fd >= 0);
	WCHECK(sys_write((int)fd, data, sizeof(data)) == (long)sizeof(data));
	WCHECK(sys_pread((int)fd, back, sizeof(back), 0) == (long)sizeof(back));
	WCHECK(!memcmp(data, back, sizeof(data)));
	if (work_aio((int)fd, data, sizeof(data)))
		return 1;
	WCHECK(sys_close((int)fd) == 0 && sys_unlink("/tmp/work.dat") == 0);
	pid = sys_spawn(&s);
	WCHECK(pid > 0);
	WCHECK(sys_waitpid((int)pid, &status, 0) == pid && status == 0);
	printf("work: ok\n");
	return 0;
}

/* This process's "pages" column (the last) in `stats`' limits table, or -1. */
static long own_pages(void)
{
	static char text[8192];
	long n = sys_kinfo(TIO_KINFO_LIMITS, text, sizeof(text) - 1), pid = sys_getpid();
	char *line = text, *next, *end;

	if (n < 0 || n >= (long)sizeof(text) - 1)
		return -1;
	text[n] = 0;
	for (; *line; line = next) {
		next = strchr(line, '\n');
		if (!next)
			return -1;
		*next++ = 0;
		if (strtol(line, &end, 10) == pid && end != line)
			return strtol(strrchr(line, ' ') + 1, NULL, 10);
	}
	return -1;
}

static int mmaploop(long n)
{
	long before = own_pages(), after;

	for (long i = 0; i < n; i++) {
		long r = sys_mmap(NULL, 511 * PAGE, PROT_READ | PROT_WRITE);

		if (r < 0) {
			printf("mmaploop: FAIL mmap %ld at iteration %ld\n", r, i);
			return 1;
		}
		((volatile char *)r)[0] = 1;
		((volatile char *)r)[510 * PAGE] = 1;
		if ((r = sys_munmap((void *)r, 511 * PAGE)) != 0) {
			printf("mmaploop: FAIL munmap %ld at iteration %ld\n", r, i);
			return 1;
		}
	}
	after = own_pages();
	if (before < 0 || after != before) {
		printf("mmaploop: FAIL pages charged before %ld, after %ld\n", before, after);
		return 1;
	}
	printf("mmaploop: ok %ld, pages charged before and after %ld\n", n, after);
	return 0;
}

__attribute__((noreturn)) static void bomb(void)
{
	static const char *argv[] = {"hog", "bomb", NULL};
	struct tio_spawn s = {
	    .path = "/bin/hog", .argv = argv, .fds = {-1, -1, -1}, .flags = TIO_SPAWN_DETACH};
	long r = 0;
	int n = 0;

	while (n < GRAB_MAX && (r = sys_spawn(&s)) > 0)
		n++;
	printf("bomb: %ld spawned %d, then %ld\n", sys_getpid(), n, r);
	for (;;)
		sys_sleep_ns(FOREVER_NS);
}

static unsigned long rng = 88172645463325252UL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* One random take or return; results are ignored (errors are part of the game). */
static void churn_step(char *region, unsigned pages)
{
	static const char *argv[] = {"hog", "exit", NULL};
	struct tio_spawn sp = {.path = "/bin/hog", .argv = argv, .fds = {-1, -1, -1}};
	static const uint64_t timeouts[] = {0, 1000000, FOREVER_NS};
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP};
	struct tio_event ev[8];
	int fd = 3 + (int)rnd(LIM_FILES - 3);
	char *page = region + rnd(pages) * PAGE;
	long r;

	switch (rnd(15)) {
	case 0:
		sys_waiter_create(1 + rnd(200));
		break;
	case 1:
		sys_close(fd);
		break;
	case 2:
		sys_dup2(fd, 3 + (int)rnd(LIM_FILES - 3));
		break;
	case 3:
		sys_pbq_create(64, 1);
		break;
	case 4:
		sys_pbq_provide(fd, rnd(64), page, PAGE);
		break;
	case 5:
		sys_buf_register(region, (1 + rnd(14)) * PAGE, TIO_BUF_READ | TIO_BUF_WRITE);
		break;
	case 6:
		sys_buf_unregister(rnd(32));
		break;
	case 7:
		sqe.timeout_ns = timeouts[rnd(3)];
		sys_submit(fd, rnd(200), &sqe);
		break;
	case 8:
		sqe.opcode = rnd(2) ? TIO_OP_READ : TIO_OP_WRITE;
		sqe.fd = fd; /* never 0-2: a read of the console would take the shell's input */
		sqe.addr = (uint64_t)(uintptr_t)page;
		sqe.len = 1 + rnd(PAGE);
		sys_submit(fd, rnd(200), &sqe);
		break;
	case 9:
		sys_wait_event(fd, ev, 8, 0);
		break;
	case 10:
		sys_cancel(fd, rnd(200));
		break;
	case 11:
		sys_open("/etc/motd", O_RDONLY, 0);
		break;
	case 12:
		r = sys_mmap(NULL, (1 + rnd(300)) * PAGE, PROT_READ | PROT_WRITE);
		if (r > 0 && rnd(2))
			sys_munmap((void *)r, PAGE);
		break;
	case 13:
		if (rnd(8) == 0)
			sys_spawn(&sp);
		break;
	default:
		sys_pread(fd, page, 1 + rnd(PAGE), 0);
		break;
	}
}

static int churn(long secs)
{
	const unsigned pages = 64;
	char *region = map(pages);
	long end = sys_clock_ns() + secs * 1000000000L, steps = 0;

	if (!region)
		return 1;
	rng ^= (unsigned long)sys_getpid() * 2654435761UL;
	/* A short sleep now and then: a busy process starves the shell today (the
	 * scheduler does not preempt it), and the test must be able to type `kill`. */
	while (sys_clock_ns() < end) {
		churn_step(region, pages);
		if (++steps % 256 == 0)
			sys_sleep_ns(1000000);
	}
	printf("churn: done %ld\n", steps);
	return 0; /* exit with everything still held */
}

int main(int argc, char **argv)
{
	if (argc == 1)
		hog();
	if (!strcmp(argv[1], "child"))
		for (;;)
			sys_sleep_ns(FOREVER_NS);
	if (!strcmp(argv[1], "bomb"))
		bomb();
	if (!strcmp(argv[1], "exit"))
		return 0;
	if (!strcmp(argv[1], "churn") && argc == 3)
		return churn(strtol(argv[2], NULL, 10));
	if (!strcmp(argv[1], "work"))
		return work();
	if (!strcmp(argv[1], "mmaploop") && argc == 3)
		return mmaploop(strtol(argv[2], NULL, 10));
	fprintf(stderr, "usage: hog [child | work | mmaploop N]\n");
	return 2;
}
