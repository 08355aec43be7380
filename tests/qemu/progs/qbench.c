/*
 * qbench - in-guest benchmarks of the kernel path: syscalls, the async core
 * through SYS_submit/SYS_wait_event, tmpfs, registered buffers and spawn.
 * Run by tests/qemu/bench_guest.py (`make bench`), which boots the kernel
 * with build/test-initrd.img and types `qbench` into the shell.
 *
 *   qbench        every benchmark: one `BENCH <name> <value> <unit>` line each,
 *                 then "qbench: done"; exit status 0
 *
 * Each benchmark runs REPS times (interleaved) and prints the median; time comes from
 * SYS_clock_ns (the TSC, which TCG derives from the host clock). A failed
 * system call prints "qbench: <name>: <what>: <error>" and ends the program
 * with status 1, so the host driver never reads a number from a broken run.
 * It is a benchmark, not a test: nothing here judges a number.
 *
 * The same source runs on Linux (`make bench-linux`): built against the host
 * tests' Linux shim (user/tests/linux/shim.c) with its shared rings on
 * io_uring (user/tests/linux/ring_uring.c). There (the shim's uname release
 * says "linux-shim") it runs
 * the benchmarks marked .also_linux only: the system calls, memset, tmpfs and the
 * ring lines, whose every ring operation is then an io_uring one; the others
 * measure Tessera's own paths (SYS_submit, registered-buffer SYS_submit, spawn),
 * which the shim only emulates.
 *
 * Limits that shape it (kernel/param.h, async/config.h): a tmpfs file holds
 * at most 512 KiB, so the file benchmarks move a 512 KiB file; at most
 * ASYNC_OPS_MAX (1024) async ops exist at once in the whole kernel, and a
 * process has at most LIMIT_PROC_SLOTS (512) waiter slots, so the "pending"
 * round trips park 20 ops each (LIMIT_PROC_OPS: 384 in flight; 20 kept from when
 * it was 48, so the lines stay comparable), not thousands.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/aio.h>
#include <tio/ring.h>
#include <tio/start.h>
#include <tio/sys.h>

#define REPS	      11	       /* runs per benchmark; the median is printed */
#define SYSCALL_ITERS 20000	       /* getpid calls per run */
#define NOP_ITERS     4000	       /* NOP round trips per run */
#define PENDING_NOPS  20	       /* parked NOPs beside the measured one (LIMIT_PROC_OPS) */
#define RING_PENDING  20	       /* parked NOPs on the ring, the same */
#define PARK_NS	      3600000000000ULL /* their timeout: an hour, never reached */
#define BATCH	      32	       /* NOPs per batch */
#define BATCH_ITERS   200	       /* batches per run */
#define FILE_BYTES    (512 * 1024)     /* the tmpfs file limit (PARAM_TMPFS_FILE_BLOCKS) */
#define CHUNK	      (64 * 1024)      /* bytes per read/write call */
#define FILE_PASSES   8		       /* whole-file passes per run */
#define SPAWN_ITERS   10	       /* spawn + waitpid per run */
#define BENCH_FILE    "/tmp/qbench.dat"
#define SPAWN_PATH    "/bin/echo"

struct bench {
	const char *name;
	const char *unit;
	int (*run)(uint64_t *value); /* one run: 0 and *value, or -errno */
	int also_linux;		     /* also run by the Linux build */
};

/* State the benchmarks share, set up once by setup(). */
static struct aio_waiter idle_w;    /* nothing pending on it; the batches use it too */
static struct aio_waiter pending_w; /* PENDING_NOPS parked NOPs on slots 1.. */
static struct aio_ring idle_r;	    /* shared rings: nothing pending on it */
static struct aio_ring pending_r;   /* PENDING_NOPS parked NOPs on slots 1.. */
static char *chunk;		    /* CHUNK bytes, page-aligned (mmap) */
static int regbuf = -1;		    /* registered index of @chunk */
static int null_fd = -1;
static const char *failed_step; /* what failed, for the error line */

static int fail(const char *step, long err)
{
	failed_step = step;
	return err < 0 ? (int)err : -EIO;
}

static uint64_t now(void)
{
	return (uint64_t)sys_clock_ns();
}

static uint64_t per_op(uint64_t ns, uint64_t ops)
{
	return (ns + ops / 2) / ops;
}

/* Bytes per second as MB/s (10^6), rounded. */
static uint64_t mbps(uint64_t bytes, uint64_t ns)
{
	return (bytes * 1000 + ns / 2) / (ns ? ns : 1);
}

static int bench_syscall(uint64_t *value)
{
	uint64_t t0 = now();
	long pid = 0;

	for (int i = 0; i < SYSCALL_ITERS; i++)
		pid |= sys_getpid();
	if (pid <= 0)
		return fail("getpid", pid);
	*value = per_op(now() - t0, SYSCALL_ITERS);
	return 0;
}

/* One NOP on slot 0 of @w and its event. */
static int nop_roundtrip(struct aio_waiter *w)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP};
	struct tio_event ev;
	int err = aio_submit(w, 0, &sqe);

	if (err)
		return fail("submit NOP", err);
	err = aio_wait(w, &ev, 1, TIO_WAIT_FOREVER);
	if (err != 1)
		return fail("wait_event", err);
	if (ev.slot != 0 || ev.result != 0)
		return fail("NOP event (wrong slot or result)", -EIO);
	return 0;
}

static int nop_loop(struct aio_waiter *w, uint64_t *value)
{
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		int err = nop_roundtrip(w);

		if (err)
			return err;
	}
	*value = per_op(now() - t0, NOP_ITERS);
	return 0;
}

static int bench_nop(uint64_t *value)
{
	return nop_loop(&idle_w, value);
}

static int bench_nop_pending(uint64_t *value)
{
	return nop_loop(&pending_w, value);
}

/* BATCH NOPs submitted, then their BATCH events collected. */
static int batch_once(void)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP};
	struct tio_event ev[BATCH];
	int got = 0;

	for (unsigned s = 0; s < BATCH; s++) {
		int err = aio_submit(&idle_w, s, &sqe);

		if (err)
			return fail("submit batch NOP", err);
	}
	while (got < BATCH) {
		int n = aio_wait(&idle_w, ev, BATCH, TIO_WAIT_FOREVER);

		if (n <= 0)
			return fail("wait_event batch", n);
		for (int i = 0; i < n; i++)
			if (ev[i].result != 0)
				return fail("batch NOP result", ev[i].result);
		got += n;
	}
	return 0;
}

/*
 * No kernel either: memcpy of 4 KiB between two page-aligned buffers, the
 * same memcpy as the kernel's, as a tmpfs block moves into a registered
 * buffer: the copy inside guest_ring_read4k_tmpfs_ns.
 */
static int bench_memcpy(uint64_t *value)
{
	static char src[4096] __attribute__((aligned(4096)));
	static char dst[4096] __attribute__((aligned(4096)));
	uint64_t t0;

	memset(src, 0x5a, sizeof(src));
	t0 = now();
	for (int i = 0; i < NOP_ITERS; i++) {
		memcpy(dst, src, sizeof(dst));
		__asm__ volatile("" : : "r"(dst) : "memory"); /* keep every memcpy */
	}
	*value = per_op(now() - t0, NOP_ITERS);
	if (dst[0] != 0x5a || dst[sizeof(dst) - 1] != 0x5a)
		return fail("memcpy (copied wrong bytes)", -EIO);
	return 0;
}

/* The submit half of a batch alone: BATCH SYS_submit calls, timed; events drained after. */
/* A syscall that copies a struct out (176 bytes through copy_to_user). */
static int bench_uname(uint64_t *value)
{
	struct tio_utsname u;
	uint64_t t0 = now();

	for (int i = 0; i < SYSCALL_ITERS; i++) {
		long err = sys_uname(&u);

		if (err)
			return fail("uname", err);
	}
	*value = per_op(now() - t0, SYSCALL_ITERS);
	return 0;
}

/*
 * No kernel at all: memset of 1 KiB in user mode, the same memset
 * (lib/string.c) as the kernel's. It calibrates the others: what TCG charges
 * for clearing memory.
 */
static int bench_memset(uint64_t *value)
{
	static char buf[1024];
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		memset(buf, i, sizeof(buf));
		__asm__ volatile("" : : "r"(buf) : "memory"); /* keep every memset */
	}
	*value = per_op(now() - t0, NOP_ITERS);
	return 0;
}

/* The submit half of a batch alone: BATCH SYS_submit calls, timed; events drained after. */
static int bench_submit(uint64_t *value)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP};
	struct tio_event ev[BATCH];
	uint64_t t0 = now(), ns;
	int got = 0;

	for (unsigned s = 0; s < BATCH; s++) {
		int err = aio_submit(&idle_w, s, &sqe);

		if (err)
			return fail("submit NOP", err);
	}
	ns = now() - t0;
	while (got < BATCH) {
		int n = aio_wait(&idle_w, ev, BATCH, TIO_WAIT_FOREVER);

		if (n <= 0)
			return fail("wait_event drain", n);
		got += n;
	}
	*value = per_op(ns, BATCH);
	return 0;
}

/* SYS_wait_event that finds nothing and does not block (timeout 0). */
static int bench_wait_poll(uint64_t *value)
{
	struct tio_event ev;
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		int n = aio_wait(&idle_w, &ev, 1, 0);

		if (n != 0)
			return fail("wait_event poll on an empty waiter", n < 0 ? n : -EIO);
	}
	*value = per_op(now() - t0, NOP_ITERS);
	return 0;
}

static int bench_batch(uint64_t *value)
{
	uint64_t t0 = now(), ns;

	for (int i = 0; i < BATCH_ITERS; i++) {
		int err = batch_once();

		if (err)
			return err;
	}
	ns = now() - t0;
	*value = (uint64_t)BATCH * BATCH_ITERS * 1000000000ULL / (ns ? ns : 1);
	return 0;
}

/* The byte at @off of the file pattern: differs per chunk and per byte. */
static char pattern(size_t off)
{
	return (char)(off * 7 + off / CHUNK);
}

static void fill_chunk(size_t off)
{
	for (size_t i = 0; i < CHUNK; i++)
		chunk[i] = pattern(off + i);
}

static int check_chunk(size_t off, const char *what)
{
	for (size_t i = 0; i < CHUNK; i++)
		if (chunk[i] != pattern(off + i))
			return fail(what, -EIO);
	return 0;
}

/* Creates (or truncates) BENCH_FILE and writes it whole in CHUNKs. */
static int write_file(void)
{
	long fd = sys_open(BENCH_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long n = 0;

	if (fd < 0)
		return fail("open " BENCH_FILE " for writing", fd);
	for (size_t off = 0; off < FILE_BYTES && n >= 0; off += CHUNK) {
		n = sys_write((int)fd, chunk, CHUNK);
		if (n >= 0 && n != CHUNK)
			n = -EIO;
	}
	sys_close((int)fd);
	return n < 0 ? fail("write " BENCH_FILE, n) : 0;
}

static int bench_tmpfs_write(uint64_t *value)
{
	uint64_t t0 = now();

	for (int pass = 0; pass < FILE_PASSES; pass++) {
		int err = write_file();

		if (err)
			return err;
	}
	*value = mbps((uint64_t)FILE_PASSES * FILE_BYTES, now() - t0);
	return 0;
}

static int read_file(int fd)
{
	for (size_t off = 0; off < FILE_BYTES; off += CHUNK) {
		long n = sys_pread(fd, chunk, CHUNK, off);

		if (n != CHUNK)
			return fail("pread " BENCH_FILE, n < 0 ? n : -EIO);
	}
	return 0;
}

static int bench_tmpfs_read(uint64_t *value)
{
	long fd = sys_open(BENCH_FILE, O_RDONLY, 0);
	uint64_t t0 = now(), ns;
	int err = 0;

	if (fd < 0)
		return fail("open " BENCH_FILE, fd);
	memset(chunk, 0, CHUNK); /* a read that copies nothing leaves zeros */
	for (int pass = 0; pass < FILE_PASSES && !err; pass++)
		err = read_file((int)fd);
	ns = now() - t0;
	sys_close((int)fd);
	if (!err) /* every chunk written holds the same bytes (setup) */
		err =
		    check_chunk(FILE_BYTES - CHUNK, "sync read data differs from what was written");
	*value = mbps((uint64_t)FILE_PASSES * FILE_BYTES, ns);
	return err;
}

/* One async READ of the CHUNK at @off into the registered buffer, and its event. */
static int regbuf_read(int fd, size_t off)
{
	struct tio_sqe sqe;
	struct tio_event ev;
	int err;

	aio_prep_rw_fixed(&sqe, TIO_OP_READ, fd, (unsigned)regbuf, 0, CHUNK, off);
	err = aio_submit(&idle_w, 0, &sqe);
	if (err)
		return fail("submit READ (registered buffer)", err);
	err = aio_wait(&idle_w, &ev, 1, TIO_WAIT_FOREVER);
	if (err != 1)
		return fail("wait_event READ", err);
	if (ev.result != CHUNK)
		return fail("READ event result", ev.result < 0 ? ev.result : -EIO);
	return 0;
}

static int bench_regbuf_read(uint64_t *value)
{
	long fd = sys_open(BENCH_FILE, O_RDONLY, 0);
	uint64_t t0 = now(), ns;
	int err = 0;

	if (fd < 0)
		return fail("open " BENCH_FILE, fd);
	memset(chunk, 0, CHUNK);
	for (int pass = 0; pass < FILE_PASSES && !err; pass++)
		for (size_t off = 0; off < FILE_BYTES && !err; off += CHUNK)
			err = regbuf_read((int)fd, off);
	ns = now() - t0;
	sys_close((int)fd);
	if (!err)
		err = check_chunk(FILE_BYTES - CHUNK,
				  "async READ data differs from what was written");
	*value = mbps((uint64_t)FILE_PASSES * FILE_BYTES, ns);
	return err;
}

static int spawn_wait(void)
{
	static const char *const argv[] = {"echo", NULL};
	struct tio_spawn s = {.path = SPAWN_PATH, .argv = argv, .fds = {null_fd, null_fd, null_fd}};
	int status = -1;
	long pid = sys_spawn(&s), got;

	if (pid < 0)
		return fail("spawn " SPAWN_PATH, pid);
	got = sys_waitpid((int)pid, &status, 0);
	if (got != pid)
		return fail("waitpid", got < 0 ? got : -EIO);
	if (status != 0)
		return fail(SPAWN_PATH " exit status", -EIO);
	return 0;
}

static int bench_spawn(uint64_t *value)
{
	uint64_t t0 = now();

	for (int i = 0; i < SPAWN_ITERS; i++) {
		int err = spawn_wait();

		if (err)
			return err;
	}
	*value = per_op(now() - t0, SPAWN_ITERS) / 1000;
	return 0;
}
/* ---- The same through the shared rings (uapi/ring.h) ---- */

/* One NOP on slot 0 of @r: one SYS_ring_enter submits it and waits; the event is read from memory.
 */
static int ring_nop_roundtrip(struct aio_ring *r)
{
	struct tio_sqe *sqe = aio_ring_sqe(r, 0);
	struct tio_event ev;
	long n;

	if (!sqe)
		return fail("ring SQ full", -EIO);
	sqe->opcode = TIO_OP_NOP;
	n = aio_ring_enter(r, 1, TIO_WAIT_FOREVER);
	if (n != 1)
		return fail("ring_enter NOP", n);
	if (aio_ring_peek(r, &ev, 1) != 1 || ev.slot != 0 || ev.result != 0)
		return fail("ring NOP event (missing, wrong slot or result)", -EIO);
	return 0;
}

static int ring_nop_loop(struct aio_ring *r, uint64_t *value)
{
	uint64_t t0 = now();

	for (int i = 0; i < NOP_ITERS; i++) {
		int err = ring_nop_roundtrip(r);

		if (err)
			return err;
	}
	*value = per_op(now() - t0, NOP_ITERS);
	return 0;
}

static int bench_ring_nop(uint64_t *value)
{
	return ring_nop_loop(&idle_r, value);
}

static int bench_ring_nop_pending(uint64_t *value)
{
	return ring_nop_loop(&pending_r, value);
}

/* BATCH NOPs queued, one SYS_ring_enter that submits them and waits for BATCH events. */
static int ring_batch_once(void)
{
	struct tio_event ev[BATCH];
	long n;

	for (unsigned s = 0; s < BATCH; s++) {
		struct tio_sqe *sqe = aio_ring_sqe(&idle_r, s);

		if (!sqe)
			return fail("ring SQ full", -EIO);
		sqe->opcode = TIO_OP_NOP;
	}
	n = aio_ring_enter(&idle_r, BATCH, TIO_WAIT_FOREVER);
	if (n != BATCH)
		return fail("ring_enter batch", n);
	if (aio_ring_peek(&idle_r, ev, BATCH) != BATCH)
		return fail("ring batch events missing", -EIO);
	for (int i = 0; i < BATCH; i++)
		if (ev[i].result != 0)
			return fail("ring batch NOP result", ev[i].result);
	return 0;
}

static int bench_ring_batch(uint64_t *value)
{
	uint64_t t0 = now(), ns;

	for (int i = 0; i < BATCH_ITERS; i++) {
		int err = ring_batch_once();

		if (err)
			return err;
	}
	ns = now() - t0;
	*value = (uint64_t)BATCH * BATCH_ITERS * 1000000000ULL / (ns ? ns : 1);
	return 0;
}

/* A 4 KiB READ from the tmpfs file into the registered buffer through the ring. */
static int ring_read4k(int fd, size_t off)
{
	struct tio_sqe *sqe = aio_ring_sqe(&idle_r, 0);
	struct tio_event ev;
	long n;

	if (!sqe)
		return fail("ring SQ full", -EIO);
	aio_prep_rw_fixed(sqe, TIO_OP_READ, fd, (unsigned)regbuf, 0, 4096, off);
	n = aio_ring_enter(&idle_r, 1, TIO_WAIT_FOREVER);
	if (n != 1)
		return fail("ring_enter READ", n);
	if (aio_ring_peek(&idle_r, &ev, 1) != 1 || ev.result != 4096)
		return fail("ring READ event", ev.result < 0 ? ev.result : -EIO);
	return 0;
}

static int bench_ring_read4k(uint64_t *value)
{
	long fd = sys_open(BENCH_FILE, O_RDONLY, 0);
	uint64_t t0;
	int err = 0;

	if (fd < 0)
		return fail("open " BENCH_FILE, fd);
	t0 = now();
	for (int i = 0; i < NOP_ITERS && !err; i++)
		err = ring_read4k((int)fd, (size_t)(i % (FILE_BYTES / 4096)) * 4096);
	*value = per_op(now() - t0, NOP_ITERS);
	sys_close((int)fd);
	return err;
}

static const struct bench benches[] = {
    {"guest_syscall_ns", "ns", bench_syscall, 1},
    {"guest_uname_ns", "ns", bench_uname, 1},
    {"guest_user_memset1k_ns", "ns", bench_memset, 1},
    {"guest_user_memcpy4k_ns", "ns", bench_memcpy, 1},
    {"guest_async_nop_roundtrip_ns", "ns", bench_nop, 0},
    {"guest_async_nop_roundtrip_pending20_ns", "ns", bench_nop_pending, 0},
    {"guest_async_batch32_ops_per_s", "ops/s", bench_batch, 0},
    {"guest_async_submit_nop_ns", "ns", bench_submit, 0},
    {"guest_async_wait_poll_ns", "ns", bench_wait_poll, 0},
    {"guest_tmpfs_write_MBps", "MB/s", bench_tmpfs_write, 1},
    {"guest_tmpfs_read_MBps", "MB/s", bench_tmpfs_read, 1},
    {"guest_read_regbuf_MBps", "MB/s", bench_regbuf_read, 0},
    {"guest_spawn_wait_us", "us", bench_spawn, 0},
    {"guest_ring_nop_roundtrip_ns", "ns", bench_ring_nop, 1},
    {"guest_ring_nop_roundtrip_pending20_ns", "ns", bench_ring_nop_pending, 1},
    {"guest_ring_batch32_ops_per_s", "ops/s", bench_ring_batch, 1},
    {"guest_ring_read4k_tmpfs_ns", "ns", bench_ring_read4k, 1},
};

/* Parks PENDING_NOPS NOPs with an hour's timeout on slots 1.. of pending_w. */
static int park_nops(void)
{
	struct tio_sqe sqe = {.opcode = TIO_OP_NOP, .timeout_ns = PARK_NS};

	for (unsigned s = 1; s <= PENDING_NOPS; s++) {
		int err = aio_submit(&pending_w, s, &sqe);

		if (err)
			return fail("park NOP (async ops exhausted?)", err);
	}
	return 0;
}

/* Running on Linux (the Linux build: the shim names its release so)? */
static int running_on_linux(void)
{
	struct tio_utsname u;

	return sys_uname(&u) == 0 && strstr(u.release, "linux-shim") != NULL;
}

/*
 * Tessera's own async paths: waiters without rings (SYS_submit and SYS_wait_event each call).
 * Two, beside the two rings' waiters: LIMIT_PROC_WAITERS is 4, and the four fit the
 * LIMIT_PROC_SLOTS (256) of one process in whole 64-slot blocks, one block each.
 */
static int setup_waiters(void)
{
	int err;

	if ((err = aio_waiter_create_sys(&idle_w, BATCH)) < 0 ||
	    (err = aio_waiter_create_sys(&pending_w, PENDING_NOPS + 1)) < 0)
		return fail("waiter_create", err);
	return park_nops();
}

static int setup(int lx)
{
	long addr;
	int err;

	addr = sys_mmap(NULL, CHUNK, PROT_READ | PROT_WRITE);
	if (addr < 0)
		return fail("mmap", addr);
	chunk = (char *)addr;
	null_fd = (int)sys_open("/dev/null", O_RDWR, 0);
	if (null_fd < 0)
		return fail("open /dev/null", null_fd);
	fill_chunk(FILE_BYTES - CHUNK); /* every chunk written holds the last one's pattern */
	regbuf = aio_buf_register(chunk, CHUNK, TIO_BUF_READ | TIO_BUF_WRITE);
	if (regbuf < 0)
		return fail("buf_register", regbuf);
	if ((err = aio_ring_create(&idle_r, BATCH, BATCH, BATCH)) < 0 ||
	    (err = aio_ring_create(&pending_r, RING_PENDING + 1, 64, 64)) < 0)
		return fail("ring create", err);
	for (unsigned s = 1; s <= RING_PENDING; s++) {
		struct tio_sqe *sqe = aio_ring_sqe(&pending_r, s);

		sqe->opcode = TIO_OP_NOP;
		sqe->timeout_ns = PARK_NS;
	}
	if ((err = (int)aio_ring_enter(&pending_r, 0, 0)) != RING_PENDING)
		return fail("park ring NOPs (async ops exhausted?)", err);
	return lx ? 0 : setup_waiters();
}

static void sort(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

#define NBENCH (sizeof(benches) / sizeof(benches[0]))

/*
 * Rep r of every benchmark runs before rep r+1 of any, so a burst of host
 * load (other QEMUs, builds) spreads over all of them instead of skewing one.
 */
static int run_all(uint64_t v[][REPS], int lx)
{
	for (int r = 0; r < REPS; r++)
		for (size_t i = 0; i < NBENCH; i++) {
			int err = lx && !benches[i].also_linux ? 0 : benches[i].run(&v[i][r]);

			if (err) {
				printf("qbench: %s: %s: %s\n", benches[i].name, failed_step,
				       strerror(-err));
				return err;
			}
		}
	return 0;
}

int main(int argc, char **argv)
{
	static uint64_t v[NBENCH][REPS];
	int err, lx;

	(void)argv;
	if (argc != 1) {
		printf("usage: qbench (no arguments)\n");
		return 2;
	}
	lx = running_on_linux();
	err = setup(lx);
	if (err) {
		printf("qbench: setup: %s: %s\n", failed_step, strerror(-err));
		return 1;
	}
	if (run_all(v, lx))
		return 1;
	for (size_t i = 0; i < NBENCH; i++) {
		if (lx && !benches[i].also_linux)
			continue;
		sort(v[i], REPS);
		printf("BENCH %s %lu %s\n", benches[i].name, (unsigned long)v[i][REPS / 2],
		       benches[i].unit);
	}
	sys_unlink(BENCH_FILE);
	printf("qbench: done\n");
	return 0;
}
