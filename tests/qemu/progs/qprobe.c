/*
 * qprobe - a test program for the QEMU shell tests (not a user command):
 * it does, on purpose, what a program must not do, so the tests can check
 * that the kernel kills just this process and reports it, or it measures
 * the kernel's syscall path.
 *
 *   qprobe pf | wpf | kpf | gp | ud | de   fault: NULL read, write to text,
 *                                          kernel-half read, non-canonical
 *                                          read, ud2, divide by zero
 *   qprobe rate N                          N getpid calls; prints ns per call
 *   qprobe badptr                          syscalls with bad pointers must fail
 *                                          with -EFAULT; prints "badptr ok"
 *   qprobe spin                            loops until killed
 *   qprobe kill                            spawn/kill/waitpid (WNOHANG, detach, errors);
 *                                          prints "kill ok" or the failed check
 *   qprobe sleep                           sleeps a minute (a kill target)
 *   qprobe read                            reads one line from stdin and echoes it
 *   qprobe killread                        kills a child blocked reading the console;
 *                                          prints "killread ok"
 *   qprobe park                            one NOP op parked 2 s on a waiter (for stats)
 *   qprobe aio                             the async syscalls end to end; prints
 *                                          "aio ok" or the first check that failed
 *   qprobe regress                         the review's regression checks (and its
 *                                          helpers: inflight, waitforever, argc ...), one line
 *                                          each: "regress ok <bug>" or
 *                                          "regress FAIL <bug>: <check> (line N)"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

static volatile int zero;

static int fault(const char *how)
{
	if (!strcmp(how, "pf"))
		return *(volatile int *)0;
	if (!strcmp(how, "wpf"))
		*(volatile char *)(uintptr_t)main = 0;
	if (!strcmp(how, "kpf"))
		return *(volatile int *)0xffffffff80100000UL;
	if (!strcmp(how, "gp"))
		return *(volatile int *)0x8000000000000000UL;
	if (!strcmp(how, "ud"))
		__asm__ volatile("ud2");
	if (!strcmp(how, "de")) {
		unsigned x = 1;

		/* In asm: the compiler may drop a C division whose result is unused. */
		__asm__ volatile("xorl %%edx, %%edx; divl %1" : "+a"(x) : "r"(zero) : "rdx");
		return (int)x;
	}
	return -1;
}

static int rate(long n)
{
	long t0 = sys_clock_ns();

	for (long i = 0; i < n; i++)
		sys_getpid();
	printf("qprobe: %ld ns per syscall\n", (sys_clock_ns() - t0) / (n ? n : 1));
	return 0;
}

static int badptr(void)
{
	static const char *const paths[] = {(const char *)0, (const char *)0xffffffff80100000UL,
					    (const char *)0x7ffffffff000UL};
	char buf[16];
	int bad = 0;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		bad |= sys_open(paths[i], O_RDONLY, 0) != -EFAULT;
	bad |= sys_write(1, (const void *)0xffff800000000000UL, 16) != -EFAULT;
	bad |= sys_read(0, (void *)0x400000, 1) != -EFAULT; /* text: not writable */
	bad |= sys_getcwd((char *)0xffffffff80000000UL, 64) != -EFAULT;
	bad |= sys_uname((struct tio_utsname *)8) != -EFAULT;
	bad |= sys_stat("/etc/motd", (struct tio_stat *)0x400000) != -EFAULT;
	bad |= sys_read(99, buf, sizeof(buf)) != -EBADF;
	bad |= sys_call6(9999, 0, 0, 0, 0, 0, 0) != -ENOSYS;
	printf("badptr %s\n", bad ? "FAILED" : "ok");
	return bad;
}

#define AIO_CHECK(c)                                                                               \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("aio FAILED: %s (line %d)\n", #c, __LINE__);                        \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Submits @sqe on @slot and waits for its one event: the result. */
static long aio_one(int w, unsigned slot, const struct tio_sqe *sqe)
{
	struct tio_event ev;
	long r = sys_submit(w, slot, sqe);

	if (r < 0)
		return r;
	r = sys_wait_event(w, &ev, 1, 2000000000ULL);
	if (r != 1 || ev.slot != slot)
		return -9999;
	return (long)ev.result;
}

static int aio(void)
{
	static char file[4096], abuf[4096];
	struct tio_sqe sqe;
	struct tio_event ev[8];
	struct tio_stat st;
	long fd = sys_open("/etc/motd", O_RDONLY, 0), n = sys_read((int)fd, file, sizeof(file));
	int w = (int)sys_waiter_create(8), reg;

	AIO_CHECK(fd >= 0 && n > 0 && w >= 0);
	memset(&sqe, 0, sizeof(sqe));
	AIO_CHECK(aio_one(w, 0, &sqe) == 0); /* NOP */
	sqe.timeout_ns = 20000000;
	AIO_CHECK(aio_one(w, 1, &sqe) == -ETIMEDOUT);
	sqe = (struct tio_sqe){.opcode = TIO_OP_READ,
			       .fd = (int)fd,
			       .addr = (uintptr_t)abuf,
			       .len = sizeof(abuf),
			       .offset = 0};
	AIO_CHECK(aio_one(w, 2, &sqe) == n && !memcmp(abuf, file, (size_t)n));
	reg = (int)sys_buf_register(abuf, sizeof(abuf), TIO_BUF_WRITE);
	AIO_CHECK(reg >= 0);
	memset(abuf, 0, sizeof(abuf));
	sqe = (struct tio_sqe){.opcode = TIO_OP_READ,
			       .flags = TIO_SQE_REGBUF,
			       .fd = (int)fd,
			       .buf_index = (uint32_t)reg,
			       .addr = 100,
			       .len = 50,
			       .offset = 3};
	AIO_CHECK(aio_one(w, 3, &sqe) == 50 && !memcmp(abuf + 100, file + 3, 50));
	AIO_CHECK(sys_buf_unregister((unsigned)reg) == 0);
	sqe = (struct tio_sqe){
	    .opcode = TIO_OP_STAT, .addr = (uintptr_t) "/etc/motd", .aux = (uintptr_t)&st};
	AIO_CHECK(aio_one(w, 4, &sqe) == 0 && st.size == (uint64_t)n);
	sqe = (struct tio_sqe){.opcode = TIO_OP_OPEN,
			       .addr = (uintptr_t) "/tmp/aio",
			       .len = O_WRONLY | O_CREAT | O_TRUNC,
			       .offset = 0644};
	long wfd = aio_one(w, 5, &sqe);
	AIO_CHECK(wfd >= 0);
	sqe = (struct tio_sqe){.opcode = TIO_OP_WRITE,
			       .fd = (int)wfd,
			       .addr = (uintptr_t)file,
			       .len = (uint64_t)n,
			       .offset = TIO_OFFSET_CUR};
	AIO_CHECK(aio_one(w, 6, &sqe) == n);
	/* An op that would wait a minute: cancel completes it now. */
	sqe = (struct tio_sqe){.opcode = TIO_OP_NOP, .timeout_ns = 60000000000ULL};
	AIO_CHECK(sys_submit(w, 7, &sqe) == 0);
	AIO_CHECK(sys_submit(w, 7, &sqe) == -EBUSY);
	AIO_CHECK(sys_wait_event(w, ev, 8, 0) == 0);
	AIO_CHECK(sys_cancel(w, 7) == 0);
	AIO_CHECK(sys_wait_event(w, ev, 8, 1000000000) == 1 && ev[0].result == -ECANCELED);
	/* Several events in one call. */
	memset(&sqe, 0, sizeof(sqe));
	for (unsigned i = 0; i < 4; i++)
		AIO_CHECK(sys_submit(w, i, &sqe) == 0);
	AIO_CHECK(sys_wait_event(w, ev, 8, 1000000000) == 4);
	sqe.opcode = TIO_OP_RECV;
	AIO_CHECK(sys_submit(w, 0, &sqe) == -ENOTSOCK); /* fd 0: the console, not a socket */
	sqe.opcode = 99;
	AIO_CHECK(sys_submit(w, 0, &sqe) == -EINVAL);
	AIO_CHECK(sys_submit(w, 8, &sqe) == -EINVAL || sys_submit(w, 8, &sqe) == -ENOSYS);
	AIO_CHECK(sys_submit((int)fd, 0, &sqe) == -EBADF);
	AIO_CHECK(sys_submit(w, 0, (const struct tio_sqe *)8) == -EFAULT);
	AIO_CHECK(sys_close(w) == 0 && sys_close((int)wfd) == 0);
	fd = sys_open("/tmp/aio", O_RDONLY, 0);
	AIO_CHECK(sys_read((int)fd, abuf, sizeof(abuf)) == n && !memcmp(abuf, file, (size_t)n));
	printf("aio ok\n");
	return 0;
}

static int killtest(void)
{
	const char *spin[] = {"qprobe", "spin", NULL}, *sleep[] = {"qprobe", "sleep", NULL};
	const char *echo[] = {"echo", "detached child", NULL};
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = spin, .fds = {-1, -1, -1}};
	int status = -1;
	long pid = sys_spawn(&s), pid2;

	AIO_CHECK(pid > 0 && sys_waitpid((int)pid, &status, WNOHANG) == 0);
	AIO_CHECK(sys_kill((int)pid) == 0);
	AIO_CHECK(sys_waitpid((int)pid, &status, 0) == pid && status == (TIO_WKILLED | 9));
	AIO_CHECK(sys_waitpid((int)pid, &status, WNOHANG) == -ECHILD);
	s.argv = sleep; /* blocked in a syscall: the kill wakes it */
	pid = sys_spawn(&s);
	AIO_CHECK(pid > 0 && sys_sleep_ns(50000000) == 0 && sys_kill((int)pid) == 0);
	AIO_CHECK(sys_waitpid(-1, &status, 0) == pid && status == (TIO_WKILLED | 9));
	s = (struct tio_spawn){
	    .path = "/bin/echo", .argv = echo, .fds = {-1, -1, -1}, .flags = TIO_SPAWN_DETACH};
	pid2 = sys_spawn(&s);
	AIO_CHECK(pid2 > 0 && sys_waitpid((int)pid2, &status, 0) == -ECHILD);
	s.flags = 0;
	s.path = "/etc/motd";
	AIO_CHECK(sys_spawn(&s) == -ENOEXEC);
	s.path = "/nope";
	AIO_CHECK(sys_spawn(&s) == -ENOENT);
	s.path = "/bin/echo";
	s.fds[0] = 31;
	AIO_CHECK(sys_spawn(&s) == -EBADF);
	s.fds[0] = -1;
	s.flags = 0x100;
	AIO_CHECK(sys_spawn(&s) == -EINVAL);
	AIO_CHECK(sys_kill(1) == -EPERM && sys_kill(12345) == -ESRCH);
	AIO_CHECK(sys_waitpid(-1, &status, WNOHANG) == -ECHILD);
	sys_sleep_ns(100000000); /* the detached echo prints before we do */
	printf("kill ok\n");
	return 0;
}

static int killread(void)
{
	const char *rd[] = {"qprobe", "read", NULL};
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = rd, .fds = {-1, -1, -1}};
	int status = -1;
	long pid = sys_spawn(&s);

	AIO_CHECK(pid > 0 && sys_sleep_ns(100000000) == 0);
	AIO_CHECK(sys_waitpid((int)pid, &status, WNOHANG) == 0); /* still blocked in read */
	AIO_CHECK(sys_kill((int)pid) == 0);
	AIO_CHECK(sys_waitpid((int)pid, &status, 0) == pid && status == (TIO_WKILLED | 9));
	printf("killread ok\n");
	return 0;
}

static int readline(void)
{
	char buf[128];
	long n = sys_read(0, buf, sizeof(buf) - 1);

	if (n >= 0) {
		buf[n] = '\0';
		printf("read: %s", buf);
	}
	return n < 0;
}

static int park(void)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP, .timeout_ns = 2000000000ULL};
	int w = (int)sys_waiter_create(1);

	return !(w >= 0 && aio_one(w, 0, &sqe) == -ETIMEDOUT);
}

/* ---- Regression checks: each is named after the bug it pins (test_syscalls.py) ---- */

#define RCHECK(c)                                                                                  \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			*why = #c;                                                                 \
			return __LINE__;                                                           \
		}                                                                                  \
	} while (0)

/* A length whose page count wrapped to zero got an empty mapping and success. */
static int mmap_len_wraps(const char **why)
{
	long r = sys_mmap(NULL, ~(size_t)0, PROT_READ | PROT_WRITE);

	RCHECK(r < 0);
	r = sys_mmap(NULL, ~(size_t)0 - 4094, PROT_READ | PROT_WRITE);
	RCHECK(r < 0);
	return 0;
}

/* mmap took (int) of prot: bit 32 and up were dropped, not refused. */
static int mmap_prot_truncated(const char **why)
{
	RCHECK(sys_call6(SYS_mmap, 0, 4096, (1L << 32) | PROT_READ, 0, 0, 0) == -EINVAL);
	return 0;
}

/* munmap with a wrapping length did nothing and returned 0. */
static int munmap_len_wraps(const char **why)
{
	long p = sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE);

	RCHECK(p > 0);
	RCHECK(sys_munmap((void *)p, ~(size_t)0) == -EINVAL);
	*(volatile char *)p = 1; /* still mapped */
	RCHECK(sys_munmap((void *)p, 4096) == 0);
	return 0;
}

/* now + timeout_ns wrapped: a NOP meant to wait "forever" timed out at once. */
static int nop_timeout_wraps(const char **why)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP, .timeout_ns = ~0ULL};
	struct tio_event ev;
	long w = sys_waiter_create(1);

	RCHECK(w >= 0);
	RCHECK(sys_submit((int)w, 0, &sqe) == 0);
	RCHECK(sys_wait_event((int)w, &ev, 1, 50000000) == 0);
	RCHECK(sys_cancel((int)w, 0) == 0);
	RCHECK(sys_wait_event((int)w, &ev, 1, 1000000000) == 1 && ev.result == -ECANCELED);
	RCHECK(sys_close((int)w) == 0);
	return 0;
}

/* A getdents copy that faulted after some records returned -EFAULT, and
 * the records already written were consumed: the next call skipped them. */
static int getdents_fault_loses_entries(const char **why)
{
	long page = sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE); /* a guard page follows */
	long fd = sys_open("/", O_RDONLY | O_DIRECTORY, 0);
	char good[512];
	struct tio_dirent *d = (struct tio_dirent *)(page + 4096 - 16), *g = (void *)good;
	long r;

	RCHECK(page > 0 && fd >= 0);
	r = sys_getdents((int)fd, d, 256); /* "." fits, ".." would cross into the guard */
	RCHECK(r == 16 && !strcmp(d->name, "."));
	r = sys_getdents((int)fd, good, sizeof(good));
	RCHECK(r > 0 && !strcmp(g->name, ".."));
	RCHECK(sys_lseek((int)fd, 0, SEEK_SET) == 0);			      /* back to "." */
	RCHECK(sys_getdents((int)fd, (void *)(page + 4096), 256) == -EFAULT); /* nothing fits */
	sys_close((int)fd);
	sys_munmap((void *)page, 4096);
	return 0;
}

/* waitpid took (int) of a 64-bit pid: 2^32 + pid waited for pid. */
static int waitpid_pid_truncated(const char **why)
{
	const char *spin[] = {"qprobe", "spin", NULL};
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = spin, .fds = {-1, -1, -1}};
	long pid = sys_spawn(&s), r;
	int status;

	RCHECK(pid > 0);
	r = sys_call6(SYS_waitpid, (1L << 32) | pid, 0, WNOHANG, 0, 0, 0);
	sys_kill((int)pid);
	RCHECK(sys_waitpid((int)pid, &status, 0) == pid);
	RCHECK(r == -EINVAL);
	return 0;
}

/* TIO_OP_OPEN took any flag bits (SYS_open refuses unknown ones). */
static int aio_open_flags_unchecked(const char **why)
{
	struct tio_sqe sqe = {
	    .opcode = TIO_OP_OPEN, .addr = (uintptr_t) "/etc/motd", .len = O_RDONLY | 0x40000000};
	long w = sys_waiter_create(1);

	RCHECK(w >= 0);
	RCHECK(sys_submit((int)w, 0, &sqe) == -EINVAL);
	sys_close((int)w);
	return 0;
}

/* uapi/async.h: "Fields an opcode does not use must be zero (-EINVAL)":
 * only NOP was checked. */
static int sqe_unused_fields_accepted(const char **why)
{
	static char buf[64];
	struct tio_stat st;
	struct tio_sqe stat = {
	    .opcode = TIO_OP_STAT, .fd = 5, .addr = (uintptr_t) "/etc/motd", .aux = (uintptr_t)&st};
	struct tio_sqe fsync = {.opcode = TIO_OP_FSYNC, .fd = 1, .len = 7};
	struct tio_sqe read = {
	    .opcode = TIO_OP_READ, .buf_index = 3, .addr = (uintptr_t)buf, .len = sizeof(buf)};
	struct tio_sqe nop = {.opcode = TIO_OP_NOP, .buf_index = 1};
	long w = sys_waiter_create(1), fd = sys_open("/etc/motd", O_RDONLY, 0);

	RCHECK(w >= 0 && fd >= 0);
	read.fd = (int)fd;
	RCHECK(sys_submit((int)w, 0, &stat) == -EINVAL);
	RCHECK(sys_submit((int)w, 0, &fsync) == -EINVAL);
	RCHECK(sys_submit((int)w, 0, &read) == -EINVAL);
	RCHECK(sys_submit((int)w, 0, &nop) == -EINVAL);
	read.buf_index = 0; /* the same READ, well formed, still works */
	RCHECK(aio_one((int)w, 0, &read) > 0);
	sys_close((int)fd);
	sys_close((int)w);
	return 0;
}

/* rename into a path under a regular file linked the entry under that file. */
static int rename_into_file(const char **why)
{
	long a = sys_open("/tmp/rf-a", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long f = sys_open("/tmp/rf-f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	struct tio_stat st;

	RCHECK(a >= 0 && f >= 0);
	sys_close((int)a);
	sys_close((int)f);
	RCHECK(sys_rename("/tmp/rf-a", "/tmp/rf-f/x") == -ENOTDIR);
	RCHECK(sys_stat("/tmp/rf-a", &st) == 0);
	RCHECK(sys_unlink("/tmp/rf-f") == 0 && sys_unlink("/tmp/rf-a") == 0);
	return 0;
}

/* rename of a missing path onto itself returned 0. */
static int rename_missing_onto_itself(const char **why)
{
	RCHECK(sys_rename("/tmp/no-such", "/tmp/no-such") == -ENOENT);
	RCHECK(sys_rename("/tmp/no-such/x", "/tmp/no-such/x") == -ENOENT);
	return 0;
}

/* ---- Checks of behaviour found sound in the review (they pin it) ---- */

static int munmap_stack_image_refused(const char **why)
{
	long sp = (long)&why;

	RCHECK(sys_munmap((void *)(sp & ~4095L), 4096) == -EINVAL);
	RCHECK(sys_munmap((void *)0x400000, 4096) == -EINVAL);
	RCHECK(sys_munmap(NULL, 4096) == -EINVAL);
	RCHECK(sys_munmap((void *)0x6fff00000000L, 4096) == -EINVAL); /* beyond every mmap */
	return 0;
}

static int kinfo_short_buffer(const char **why)
{
	char b[64];
	long r, full;

	memset(b, 'Z', sizeof(b));
	r = sys_kinfo(TIO_KINFO_POOLS, b, 10);
	RCHECK(r > 10 && b[9] != 'Z' && b[10] == 'Z');
	full = sys_kinfo(TIO_KINFO_POOLS, NULL, 0);
	RCHECK(full > 10);
	RCHECK(sys_kinfo(TIO_KINFO_POOLS, (char *)0x400000, 64) == -EFAULT); /* text */
	RCHECK(sys_kinfo(99, b, sizeof(b)) == -EINVAL);
	return 0;
}

static long spawn_argv(const char *const *argv)
{
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = argv, .fds = {-1, -1, -1}};
	int status = -1;
	long pid = sys_spawn(&s);

	if (pid < 0)
		return pid;
	return sys_waitpid((int)pid, &status, 0) == pid ? status : -9999;
}

static int spawn_argv_limits(const char **why)
{
	static char big[3000];
	static const char *argv[70];
	const char *none[] = {NULL};

	for (unsigned i = 0; i < 70; i++)
		argv[i] = "argc";
	argv[64] = NULL;
	RCHECK(spawn_argv(argv) == 64); /* PARAM_ARGS_MAX arguments: the child sees them */
	argv[64] = "argc";
	argv[65] = NULL;
	RCHECK(spawn_argv(argv) == -E2BIG);
	memset(big, 'b', sizeof(big) - 1);
	argv[1] = argv[2] = big;
	argv[3] = NULL;
	RCHECK(spawn_argv(argv) == -E2BIG); /* 6000 bytes of strings */
	RCHECK(spawn_argv(none) == -EINVAL);
	RCHECK(spawn_argv((const char *const *)8) == -EFAULT);
	return 0;
}

static int getdents_tiny_buffer(const char **why)
{
	char buf[256];
	long fd = sys_open("/", O_RDONLY, 0);

	RCHECK(fd >= 0);
	RCHECK(sys_getdents((int)fd, buf, 8) == -EINVAL);
	RCHECK(sys_getdents((int)fd, buf, 0) == -EINVAL);
	RCHECK(sys_getdents((int)fd, buf, 16) == 16 &&
	       !strcmp(((struct tio_dirent *)buf)->name, "."));
	RCHECK(sys_getdents(0, buf, sizeof(buf)) == -ENOTDIR);
	sys_close((int)fd);
	return 0;
}

static int path_limits(const char **why)
{
	static char name[300];
	struct tio_stat st;
	long fd;

	memset(name, 'n', sizeof(name) - 1);
	memcpy(name, "/tmp/", 5);
	name[5 + 256] = '\0'; /* a 256-byte component */
	RCHECK(sys_open(name, O_RDONLY, 0) == -ENAMETOOLONG);
	name[5 + 256] = 'n'; /* a 299-byte path */
	RCHECK(sys_open(name, O_RDONLY, 0) == -ENAMETOOLONG);
	RCHECK(sys_open("", O_RDONLY, 0) == -ENOENT);
	RCHECK(sys_mkdir("/tmp/pl", 0755) == 0);
	fd = sys_open("/tmp//pl/./../pl/f", O_WRONLY | O_CREAT, 0644);
	RCHECK(fd >= 0 && sys_close((int)fd) == 0);
	RCHECK(sys_stat("/tmp/pl/f", &st) == 0 && (st.mode & S_IFMT) == S_IFREG);
	RCHECK(sys_stat("/../../tmp/pl/f/", &st) == 0);
	RCHECK(sys_rmdir("/tmp/pl") == -ENOTEMPTY);
	RCHECK(sys_rename("/tmp/pl", "/tmp/pl/sub") == -EINVAL);
	RCHECK(sys_unlink("/tmp/pl/f") == 0 && sys_rmdir("/tmp/pl") == 0);
	RCHECK(sys_rmdir("/") == -EBUSY && sys_rmdir("/tmp") == -EBUSY);
	return 0;
}

/* tmpfs out of blocks, then out of nodes: -ENOSPC, the data written stays right. */
static int tmpfs_full_enospc(const char **why)
{
	static char chunk[64 * 1024];
	char path[32];
	struct tio_statfs sf;
	long fd, r = 0;
	int nfiles = 0, nodes = 0;

	RCHECK(sys_statfs("/tmp", &sf) == 0 && sf.bfree == sf.blocks);
	for (; r >= 0 && nfiles < 12; nfiles++) {
		snprintf(path, sizeof(path), "/tmp/full%d", nfiles);
		fd = sys_open(path, O_WRONLY | O_CREAT, 0644);
		RCHECK(fd >= 0);
		memset(chunk, 'a' + nfiles, sizeof(chunk));
		for (int i = 0; i < 8 && r >= 0; i++)
			r = sys_write((int)fd, chunk, sizeof(chunk));
		sys_close((int)fd);
	}
	RCHECK(r == -ENOSPC); /* 4 MiB of blocks for 12 files of 512 KiB */
	fd = sys_open("/tmp/full0", O_RDONLY, 0);
	RCHECK(sys_pread((int)fd, chunk, 16, 512 * 1024 - 16) == 16 && chunk[0] == 'a' &&
	       chunk[15] == 'a');
	sys_close((int)fd);
	for (r = 0; r >= 0 && nodes < 200; nodes++) {
		snprintf(path, sizeof(path), "/tmp/node%d", nodes);
		r = sys_mkdir(path, 0755);
	}
	RCHECK(r == -ENOSPC);
	while (nodes-- > 0) {
		snprintf(path, sizeof(path), "/tmp/node%d", nodes);
		sys_rmdir(path);
	}
	while (nfiles-- > 0) {
		snprintf(path, sizeof(path), "/tmp/full%d", nfiles);
		RCHECK(sys_unlink(path) == 0);
	}
	RCHECK(sys_statfs("/tmp", &sf) == 0 && sf.bfree == sf.blocks);
	return 0;
}

/* A child with a parked NOP, a pending console read, a registered buffer and
 * a provided buffer just exits: the exit cancels and drains everything. */
static int inflight_child(void)
{
	static char rbuf[4096], qbuf[4096];
	struct tio_sqe nop = {.opcode = TIO_OP_NOP, .timeout_ns = ~0ULL};
	struct tio_sqe rd = {
	    .opcode = TIO_OP_READ, .flags = TIO_SQE_REGBUF, .len = 16, .offset = TIO_OFFSET_CUR};
	long w = sys_waiter_create(2), reg = sys_buf_register(rbuf, sizeof(rbuf), TIO_BUF_WRITE);
	long q = sys_pbq_create(4, 1);

	rd.buf_index = (uint32_t)reg;
	if (w < 0 || reg < 0 || q < 0 || sys_pbq_provide((int)q, 0, qbuf, sizeof(qbuf)) != 0)
		return 1;
	if (sys_submit((int)w, 0, &nop) || sys_submit((int)w, 1, &rd))
		return 2;
	return 0; /* everything still in flight */
}

/* Polls for @pid's end for up to 5 s: its status, or -9999. */
static long reap_within(long pid)
{
	int status;

	for (int i = 0; i < 50; i++) {
		long r = sys_waitpid((int)pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return r;
		sys_sleep_ns(100000000);
	}
	sys_kill((int)pid);
	sys_waitpid((int)pid, &status, 0);
	return -9999;
}

static int exit_with_ops_in_flight(const char **why)
{
	const char *argv[] = {"qprobe", "inflight", NULL};
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = argv, .fds = {-1, -1, -1}};
	long pid = sys_spawn(&s);

	RCHECK(pid > 0);
	RCHECK(reap_within(pid) == 0);
	return 0;
}

static int waitforever_child(void)
{
	struct tio_sqe nop = {.opcode = TIO_OP_NOP, .timeout_ns = ~0ULL};
	struct tio_event ev;
	long w = sys_waiter_create(1);

	if (w < 0 || sys_submit((int)w, 0, &nop))
		return 1;
	return (int)sys_wait_event((int)w, &ev, 1, TIO_WAIT_FOREVER) + 10;
}

static int kill_blocked_in_wait_event(const char **why)
{
	const char *argv[] = {"qprobe", "waitforever", NULL};
	struct tio_spawn s = {.path = "/bin/qprobe", .argv = argv, .fds = {-1, -1, -1}};
	int status;
	long pid = sys_spawn(&s);

	RCHECK(pid > 0 && sys_sleep_ns(200000000) == 0);
	RCHECK(sys_waitpid((int)pid, &status, WNOHANG) == 0); /* still waiting */
	RCHECK(sys_kill((int)pid) == 0);
	RCHECK(reap_within(pid) == (TIO_WKILLED | 9));
	return 0;
}

/* Registered buffers: bad indices and ranges; unregister while an op holds it. */
static int regbuf_checks(const char **why)
{
	static char rbuf[4096];
	struct tio_sqe rd = {
	    .opcode = TIO_OP_READ, .flags = TIO_SQE_REGBUF, .len = 16, .offset = TIO_OFFSET_CUR};
	struct tio_event ev;
	long w = sys_waiter_create(1), reg = sys_buf_register(rbuf, sizeof(rbuf), TIO_BUF_WRITE);

	RCHECK(w >= 0 && reg >= 0);
	RCHECK(sys_buf_unregister(99) == -EINVAL && sys_buf_unregister(31) == -EBADF);
	RCHECK(sys_buf_register(rbuf, 0, TIO_BUF_WRITE) == -EINVAL);
	RCHECK(sys_buf_register((void *)0x400000, 4096, TIO_BUF_WRITE) == -EFAULT);
	rd.buf_index = 31;
	RCHECK(sys_submit((int)w, 0, &rd) == -EBADF);
	rd.buf_index = (uint32_t)reg;
	rd.addr = 4090; /* 16 bytes from 4090: past the end */
	RCHECK(sys_submit((int)w, 0, &rd) == -EINVAL);
	rd.addr = 0;
	RCHECK(sys_submit((int)w, 0, &rd) == 0);	/* a console read: stays pending */
	RCHECK(sys_buf_unregister((unsigned)reg) == 0); /* still borrowed by the read */
	RCHECK(sys_cancel((int)w, 0) == 0);
	RCHECK(sys_wait_event((int)w, &ev, 1, 1000000000) == 1 && ev.result == -ECANCELED);
	RCHECK(sys_close((int)w) == 0);
	return 0;
}

/* Provided buffers: ids checked, a provided buffer's pages stay pinned until
 * the queue goes (munmap -EBUSY), then munmap works. */
static int pbq_ids_and_pins(const char **why)
{
	long page = sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE), q = sys_pbq_create(4, 1);

	RCHECK(page > 0 && q >= 0);
	RCHECK(sys_pbq_create(0, 1) == -EINVAL && sys_pbq_create(4, 0) == -EINVAL);
	RCHECK(sys_pbq_provide((int)q, 64, (void *)page, 4096) == -EINVAL);
	RCHECK(sys_pbq_provide((int)q, 0, (void *)0x400000, 4096) == -EFAULT);
	RCHECK(sys_pbq_provide(1, 0, (void *)page, 4096) == -EBADF);
	RCHECK(sys_pbq_provide((int)q, 3, (void *)page, 4096) == 0);
	RCHECK(sys_pbq_provide((int)q, 3, (void *)page, 4096) == -EEXIST);
	RCHECK(sys_munmap((void *)page, 4096) == -EBUSY);
	RCHECK(sys_close((int)q) == 0);
	RCHECK(sys_munmap((void *)page, 4096) == 0);
	return 0;
}

/* open(O_CREAT | O_DIRECTORY) created a regular file, then failed -ENOTDIR. */
static int open_creat_directory_creates(const char **why)
{
	struct tio_stat st;

	RCHECK(sys_open("/tmp/cd", O_RDONLY | O_CREAT | O_DIRECTORY, 0644) == -EINVAL);
	RCHECK(sys_stat("/tmp/cd", &st) == -ENOENT);
	return 0;
}

/* Descriptor table full: -EMFILE, and the file object is not leaked (pools). */
static int open_emfile(const char **why)
{
	static long fds[512]; /* more than the descriptors a process may hold */
	int n = 0;

	for (long fd = 0; n < 512 && fd >= 0; n++)
		fd = fds[n] = sys_open("/etc/motd", O_RDONLY, 0);
	RCHECK(fds[n - 1] == -EMFILE);
	RCHECK(sys_waiter_create(1) == -EMFILE && sys_pbq_create(1, 1) == -EMFILE);
	while (--n > 0)
		RCHECK(sys_close((int)fds[n - 1]) == 0);
	return 0;
}

/* umount of the tmpfs: -EBUSY with a file open in it; then gone, then mounted again. */
static int umount_remount_tmpfs(const char **why)
{
	long fd = sys_open("/tmp/um", O_WRONLY | O_CREAT, 0644);
	struct tio_stat st;

	RCHECK(fd >= 0);
	RCHECK(sys_umount("/tmp") == -EBUSY);
	RCHECK(sys_close((int)fd) == 0);
	RCHECK(sys_umount("/tmp") == 0);
	RCHECK(sys_stat("/tmp/um", &st) == -ENOENT);
	RCHECK(sys_mount("tmpfs", "/tmp", "tmpfs", 0) == 0);
	RCHECK(sys_mount("tmpfs", "/mnt", "tmpfs", 0) == 0); /* a second, separate instance */
	RCHECK(sys_stat("/mnt/um", &st) == -ENOENT && sys_umount("/mnt") == 0);
	RCHECK(sys_stat("/tmp/um", &st) == -ENOENT);
	fd = sys_open("/tmp/um", O_WRONLY | O_CREAT, 0644);
	RCHECK(fd >= 0 && sys_write((int)fd, "x", 1) == 1 && sys_close((int)fd) == 0);
	RCHECK(sys_unlink("/tmp/um") == 0);
	return 0;
}

/* close of a descriptor while an async read on it is pending (the op keeps the
 * file), and close of the waiter itself with a read pending (it cancels and
 * drains): both return at once, nothing is left behind (pools). */
static int close_with_op_in_flight(const char **why)
{
	static char buf[64];
	struct tio_sqe rd = {
	    .opcode = TIO_OP_READ, .addr = (uintptr_t)buf, .len = 16, .offset = TIO_OFFSET_CUR};
	struct tio_event ev;
	long w = sys_waiter_create(1), fd = sys_open("/dev/console", O_RDONLY, 0);
	long t0 = sys_clock_ns();

	RCHECK(w >= 0 && fd >= 0);
	rd.fd = (int)fd;
	RCHECK(sys_submit((int)w, 0, &rd) == 0);
	RCHECK(sys_close((int)fd) == 0);
	RCHECK(sys_wait_event((int)w, &ev, 1, 0) == 0); /* still pending */
	RCHECK(sys_cancel((int)w, 0) == 0);
	RCHECK(sys_wait_event((int)w, &ev, 1, 1000000000) == 1 && ev.result == -ECANCELED);
	rd.fd = 0;
	RCHECK(sys_submit((int)w, 0, &rd) == 0);
	RCHECK(sys_close((int)w) == 0);
	RCHECK(sys_clock_ns() - t0 < 1000000000);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const char **why);
} regressions[] = {
    {"mmap_len_wraps", mmap_len_wraps},
    {"munmap_len_wraps", munmap_len_wraps},
    {"mmap_prot_truncated", mmap_prot_truncated},
    {"nop_timeout_wraps", nop_timeout_wraps},
    {"getdents_fault_loses_entries", getdents_fault_loses_entries},
    {"waitpid_pid_truncated", waitpid_pid_truncated},
    {"aio_open_flags_unchecked", aio_open_flags_unchecked},
    {"sqe_unused_fields_accepted", sqe_unused_fields_accepted},
    {"rename_into_file", rename_into_file},
    {"rename_missing_onto_itself", rename_missing_onto_itself},
    {"munmap_stack_image_refused", munmap_stack_image_refused},
    {"kinfo_short_buffer", kinfo_short_buffer},
    {"spawn_argv_limits", spawn_argv_limits},
    {"getdents_tiny_buffer", getdents_tiny_buffer},
    {"path_limits", path_limits},
    {"tmpfs_full_enospc", tmpfs_full_enospc},
    {"exit_with_ops_in_flight", exit_with_ops_in_flight},
    {"kill_blocked_in_wait_event", kill_blocked_in_wait_event},
    {"regbuf_checks", regbuf_checks},
    {"pbq_ids_and_pins", pbq_ids_and_pins},
    {"open_creat_directory_creates", open_creat_directory_creates},
    {"open_emfile", open_emfile},
    {"umount_remount_tmpfs", umount_remount_tmpfs},
    {"close_with_op_in_flight", close_with_op_in_flight},
};

static int regress(void)
{
	int bad = 0;

	for (unsigned i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++) {
		const char *why = "";
		int line = regressions[i].fn(&why);

		if (line)
			printf("regress FAIL %s: %s (line %d)\n", regressions[i].name, why, line);
		else
			printf("regress ok %s\n", regressions[i].name);
		bad |= line != 0;
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "regress"))
		return regress();
	if (argc == 2 && !strcmp(argv[1], "inflight"))
		return inflight_child();
	if (argc == 2 && !strcmp(argv[1], "waitforever"))
		return waitforever_child();
	if (argc > 1 && !strcmp(argv[1], "argc"))
		return argc;
	if (argc == 2 && !strcmp(argv[1], "park"))
		return park();
	if (argc == 2 && !strcmp(argv[1], "killread"))
		return killread();
	if (argc == 2 && !strcmp(argv[1], "read"))
		return readline();
	if (argc == 2 && !strcmp(argv[1], "kill"))
		return killtest();
	if (argc == 2 && !strcmp(argv[1], "sleep"))
		return (int)sys_sleep_ns(60000000000ULL);
	if (argc == 2 && !strcmp(argv[1], "aio"))
		return aio();
	if (argc == 3 && !strcmp(argv[1], "rate"))
		return rate(strtol(argv[2], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "badptr"))
		return badptr();
	if (argc == 2 && !strcmp(argv[1], "spin"))
		for (;;)
			;
	if (argc == 2)
		fault(argv[1]);
	fprintf(stderr, "usage: qprobe pf|wpf|kpf|gp|ud|de|spin|badptr|aio|rate N\n");
	return 2;
}
