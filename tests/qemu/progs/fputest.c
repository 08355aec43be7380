/*
 * fputest - a test program for the QEMU FPU tests (tests/qemu/test_fpu.py):
 * user x87/SSE state must survive context switches, and a floating-point
 * exception that user code unmasks must kill that process alone.
 *
 *   fputest regs SEED ROUNDS   ROUNDS times: hold SEED's patterns in xmm0-15
 *                              and st0-7 across a long spin (many timer
 *                              ticks) and a sleep, with SEED's own rounding
 *                              mode in MXCSR and the x87 control word, and
 *                              sum doubles in C; checks every value; prints
 *                              "fputest regs SEED: ok" or what differed
 *   fputest pair ROUNDS        runs "regs 1 ROUNDS" and "regs 2 ROUNDS" as two
 *                              concurrent children; "pair ok" if both pass
 *   fputest sse-div            unmasks SSE divide-by-zero, divides by zero:
 *                              #XM must kill it; if the CPU raised none
 *                              (QEMU's TCG never does) it prints "survived"
 *                              with MXCSR and exits 3 if ZE is set, else 1
 *   fputest x87-div            the same with the x87 unit: #MF on the fwait
 *   fputest faults ROUNDS      a "regs 3" child computes while sse-div and
 *                              x87-div children are killed; "faults ok" if
 *                              both were killed (or sse-div exited 3) and
 *                              the regs child passed
 *
 * The two seeds use opposite rounding directions, so a rounding mode that
 * leaks from one process to the other changes 1/3 in its last bit.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define SPINS_PER_ROUND 3000000 /* tens of ms under TCG: several timer ticks */
#define SUM_TERMS	2000000
#define SSE_DIV_NO_XM	3 /* sse-div's status when the CPU set ZE but raised no #XM */

#define MXCSR_DEFAULT  0x1f80 /* what a new process starts with */
#define MXCSR_FLAGS    0x3f   /* sticky exception flags (1/3 sets PE) */
#define MXCSR_ZE       (1u << 2)
#define MXCSR_ZM       (1u << 9) /* divide-by-zero masked */
#define MXCSR_RC_DOWN  (1u << 13)
#define MXCSR_RC_UP    (2u << 13)
#define FCW_DEFAULT    0x037f
#define FCW_ZM	       (1u << 2)
#define FCW_RC_DOWN    (1u << 10)
#define FCW_RC_UP      (2u << 10)
#define THIRD_NEAREST  0x3fd5555555555555ULL /* 1/3, rounded down or to nearest */
#define THIRD_UP       0x3fd5555555555556ULL
#define MTHIRD_NEAREST 0xbfd5555555555555ULL /* -1/3, rounded up or to nearest */
#define MTHIRD_DOWN    0xbfd5555555555556ULL

struct regs_image {
	uint64_t xmm[32]; /* xmm0-15, two lanes each */
	int64_t st[8];	  /* st0-7 as integers */
};

static int failures;

static void expect_u64(uint64_t seed, const char *what, unsigned i, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	if (failures++ < 8)
		printf("fputest regs %lu: %s[%u] is %#lx, want %#lx\n", (unsigned long)seed, what,
		       i, (unsigned long)got, (unsigned long)want);
}

static void patterns(uint64_t seed, struct regs_image *p)
{
	for (unsigned i = 0; i < 32; i++)
		p->xmm[i] =
		    seed * 0x0101010101010101ULL ^ ((uint64_t)i << 56) ^ (i * 0x9e3779b9ULL);
	for (unsigned i = 0; i < 8; i++)
		p->st[i] = (int64_t)(seed * 1000 + i);
}

/*
 * Loads @in into xmm0-15 and st0-7, spins (xmm15 += xmm14 each turn, the rest
 * held), sleeps one tick in the kernel, spins again, stores them to @out.
 */
static void regs_hold(const struct regs_image *in, struct regs_image *out, uint64_t spins)
{
	__asm__ volatile(
	    "movdqu 0x00(%[in]), %%xmm0\n\t"
	    "movdqu 0x10(%[in]), %%xmm1\n\t"
	    "movdqu 0x20(%[in]), %%xmm2\n\t"
	    "movdqu 0x30(%[in]), %%xmm3\n\t"
	    "movdqu 0x40(%[in]), %%xmm4\n\t"
	    "movdqu 0x50(%[in]), %%xmm5\n\t"
	    "movdqu 0x60(%[in]), %%xmm6\n\t"
	    "movdqu 0x70(%[in]), %%xmm7\n\t"
	    "movdqu 0x80(%[in]), %%xmm8\n\t"
	    "movdqu 0x90(%[in]), %%xmm9\n\t"
	    "movdqu 0xa0(%[in]), %%xmm10\n\t"
	    "movdqu 0xb0(%[in]), %%xmm11\n\t"
	    "movdqu 0xc0(%[in]), %%xmm12\n\t"
	    "movdqu 0xd0(%[in]), %%xmm13\n\t"
	    "movdqu 0xe0(%[in]), %%xmm14\n\t"
	    "movdqu 0xf0(%[in]), %%xmm15\n\t"
	    "fildll 0x138(%[in])\n\t" /* st7 .. st0: st[7] pushed first */
	    "fildll 0x130(%[in])\n\t"
	    "fildll 0x128(%[in])\n\t"
	    "fildll 0x120(%[in])\n\t"
	    "fildll 0x118(%[in])\n\t"
	    "fildll 0x110(%[in])\n\t"
	    "fildll 0x108(%[in])\n\t"
	    "fildll 0x100(%[in])\n\t"
	    "mov $2, %%r9d\n"
	    "1:\tmov %[spins], %%r8\n"
	    "2:\tpaddq %%xmm14, %%xmm15\n\t"
	    "dec %%r8\n\t"
	    "jnz 2b\n\t"
	    "mov %[nr_sleep], %%eax\n\t"
	    "mov $1, %%edi\n\t"
	    "syscall\n\t" /* sleep_ns(1): blocks until the next tick */
	    "dec %%r9d\n\t"
	    "jnz 1b\n\t"
	    "movdqu %%xmm0, 0x00(%[out])\n\t"
	    "movdqu %%xmm1, 0x10(%[out])\n\t"
	    "movdqu %%xmm2, 0x20(%[out])\n\t"
	    "movdqu %%xmm3, 0x30(%[out])\n\t"
	    "movdqu %%xmm4, 0x40(%[out])\n\t"
	    "movdqu %%xmm5, 0x50(%[out])\n\t"
	    "movdqu %%xmm6, 0x60(%[out])\n\t"
	    "movdqu %%xmm7, 0x70(%[out])\n\t"
	    "movdqu %%xmm8, 0x80(%[out])\n\t"
	    "movdqu %%xmm9, 0x90(%[out])\n\t"
	    "movdqu %%xmm10, 0xa0(%[out])\n\t"
	    "movdqu %%xmm11, 0xb0(%[out])\n\t"
	    "movdqu %%xmm12, 0xc0(%[out])\n\t"
	    "movdqu %%xmm13, 0xd0(%[out])\n\t"
	    "movdqu %%xmm14, 0xe0(%[out])\n\t"
	    "movdqu %%xmm15, 0xf0(%[out])\n\t"
	    "fistpll 0x100(%[out])\n\t"
	    "fistpll 0x108(%[out])\n\t"
	    "fistpll 0x110(%[out])\n\t"
	    "fistpll 0x118(%[out])\n\t"
	    "fistpll 0x120(%[out])\n\t"
	    "fistpll 0x128(%[out])\n\t"
	    "fistpll 0x130(%[out])\n\t"
	    "fistpll 0x138(%[out])"
	    :
	    : [in] "S"(in), [out] "d"(out), [spins] "r"(spins), [nr_sleep] "i"(SYS_sleep_ns)
	    : "rax", "rcx", "rdi", "r8", "r9", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
	      "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
	      "xmm15", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)",
	      "memory", "cc");
}

static void check_regs(uint64_t seed, uint64_t spins)
{
	struct regs_image in, out;

	patterns(seed, &in);
	regs_hold(&in, &out, spins);
	for (unsigned i = 0; i < 30; i++)
		expect_u64(seed, "xmm lane", i, out.xmm[i], in.xmm[i]);
	for (unsigned i = 30; i < 32; i++) /* xmm15 += xmm14, 2 * spins times */
		expect_u64(seed, "xmm lane", i, out.xmm[i], in.xmm[i] + 2 * spins * in.xmm[i - 2]);
	for (unsigned i = 0; i < 8; i++)
		expect_u64(seed, "st", i, (uint64_t)out.st[i], (uint64_t)in.st[i]);
}

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* 1/3 and -1/3 through SSE and through x87, in whatever rounding mode is set. */
static void check_rounding(uint64_t seed, bool up)
{
	volatile double one = 1.0, three = 3.0;
	double x87_third, x87_mthird;
	uint32_t mxcsr;
	uint16_t fcw;

	__asm__ volatile("fldl %2; fdivl %3; fstpl %0; fldl %2; fchs; fdivl %3; fstpl %1"
			 : "=m"(x87_third), "=m"(x87_mthird)
			 : "m"(one), "m"(three));
	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	expect_u64(seed, "mxcsr", 0, mxcsr & ~MXCSR_FLAGS,
		   MXCSR_DEFAULT | (up ? MXCSR_RC_UP : MXCSR_RC_DOWN));
	expect_u64(seed, "fcw", 0, fcw, FCW_DEFAULT | (up ? FCW_RC_UP : FCW_RC_DOWN));
	expect_u64(seed, "sse 1/3", 0, bits(one / three), up ? THIRD_UP : THIRD_NEAREST);
	expect_u64(seed, "sse -1/3", 0, bits(-one / three), up ? MTHIRD_NEAREST : MTHIRD_DOWN);
	expect_u64(seed, "x87 1/3", 0, bits(x87_third), up ? THIRD_UP : THIRD_NEAREST);
	expect_u64(seed, "x87 -1/3", 0, bits(x87_mthird), up ? MTHIRD_NEAREST : MTHIRD_DOWN);
}

/* Ordinary C doubles: every partial sum is exact, so the result is too, in any rounding mode. */
static void check_sum(uint64_t seed)
{
	double acc = 0;
	uint64_t n = SUM_TERMS;

	for (uint64_t i = 1; i <= n; i++)
		acc += (double)i * 0.5 + (double)seed;
	expect_u64(seed, "2 * sum", 0, (uint64_t)(acc * 2), n * (n + 1) / 2 + 2 * seed * n);
}

/* A new process starts from the clean state, not its predecessor's (arch_fpu_reset). */
static void check_clean_start(uint64_t seed)
{
	uint32_t mxcsr;
	uint16_t fcw;

	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	expect_u64(seed, "initial mxcsr", 0, mxcsr & ~MXCSR_FLAGS, MXCSR_DEFAULT);
	expect_u64(seed, "initial fcw", 0, fcw, FCW_DEFAULT);
}

static int regs(uint64_t seed, long rounds)
{
	bool up = seed % 2;
	uint32_t mxcsr = MXCSR_DEFAULT | (up ? MXCSR_RC_UP : MXCSR_RC_DOWN);
	uint16_t fcw = FCW_DEFAULT | (up ? FCW_RC_UP : FCW_RC_DOWN);
	long t0 = sys_clock_ns();

	check_clean_start(seed);
	__asm__ volatile("ldmxcsr %0; fldcw %1" : : "m"(mxcsr), "m"(fcw));
	for (long r = 0; r < rounds && !failures; r++) {
		check_regs(seed, SPINS_PER_ROUND);
		check_rounding(seed, up);
		check_sum(seed);
	}
	if (failures) {
		printf("fputest regs %lu: FAILED (%d wrong values)\n", (unsigned long)seed,
		       failures);
		return 1;
	}
	printf("fputest regs %lu: ok, %ld rounds in %ld ms\n", (unsigned long)seed, rounds,
	       (sys_clock_ns() - t0) / 1000000);
	return 0;
}

/* Never returns if the kernel kills us, as it must. */
static int sse_div(void)
{
	volatile double one = 1.0, zero = 0.0, q;
	uint32_t mxcsr = MXCSR_DEFAULT & ~MXCSR_ZM;

	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	q = one / zero;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	printf("fputest sse-div: survived, 1/0 = %#lx, mxcsr %#x\n", (unsigned long)bits(q), mxcsr);
	/* The divide did happen unmasked, but this CPU raised no #XM (QEMU's TCG does not). */
	return mxcsr & MXCSR_ZE ? SSE_DIV_NO_XM : 1;
}

static int x87_div(void)
{
	volatile double one = 1.0, zero = 0.0;
	uint16_t fcw = FCW_DEFAULT & ~FCW_ZM;
	double q;

	/* The divide only records the error; the fwait after it raises #MF. */
	__asm__ volatile("fldcw %1; fldl %2; fdivl %3; fwait; fstpl %0"
			 : "=m"(q)
			 : "m"(fcw), "m"(one), "m"(zero));
	printf("fputest x87-div: survived, 1/0 = %#lx\n", (unsigned long)bits(q));
	return 1;
}

static long spawn_self(const char *const *argv)
{
	struct tio_spawn s = {.path = "/bin/fputest", .argv = argv, .fds = {-1, -1, -1}};

	return sys_spawn(&s);
}

/* Waits for @pid; true if its status is @want. */
static bool reaped_with(long pid, int want, const char *what)
{
	int status = -1;

	if (pid <= 0 || sys_waitpid((int)pid, &status, 0) != pid) {
		printf("fputest: %s: spawn/waitpid failed (%ld)\n", what, pid);
		return false;
	}
	if (status != want) {
		printf("fputest: %s: status %#x, want %#x\n", what, status, want);
		return false;
	}
	return true;
}

static int pair(const char *rounds)
{
	const char *a1[] = {"fputest", "regs", "1", rounds, NULL};
	const char *a2[] = {"fputest", "regs", "2", rounds, NULL};
	long p1 = spawn_self(a1), p2 = spawn_self(a2);
	bool ok1 = reaped_with(p1, 0, "regs 1"), ok2 = reaped_with(p2, 0, "regs 2");

	printf("pair %s\n", ok1 && ok2 ? "ok" : "FAILED");
	return ok1 && ok2 ? 0 : 1;
}

/* A killed child's status has TIO_WKILLED and a reason; which reason is proc.c's to say. */
static bool killed(long pid, const char *what)
{
	int status = -1;

	if (pid <= 0 || sys_waitpid((int)pid, &status, 0) != pid) {
		printf("fputest: %s: spawn/waitpid failed (%ld)\n", what, pid);
		return false;
	}
	if (!(status & TIO_WKILLED)) {
		printf("fputest: %s: not killed, status %#x\n", what, status);
		return false;
	}
	return true;
}

/* Killed, or exited SSE_DIV_NO_XM: the CPU did not raise #XM, which the kernel cannot help. */
static bool killed_or_no_xm(long pid, const char *what)
{
	int status = -1;

	if (pid <= 0 || sys_waitpid((int)pid, &status, 0) != pid) {
		printf("fputest: %s: spawn/waitpid failed (%ld)\n", what, pid);
		return false;
	}
	if (status == SSE_DIV_NO_XM) {
		printf("fputest: %s: this CPU raised no #XM\n", what);
		return true;
	}
	if (!(status & TIO_WKILLED)) {
		printf("fputest: %s: not killed, status %#x\n", what, status);
		return false;
	}
	return true;
}

static int faults(const char *rounds)
{
	const char *worker[] = {"fputest", "regs", "3", rounds, NULL};
	const char *sse[] = {"fputest", "sse-div", NULL};
	const char *x87[] = {"fputest", "x87-div", NULL};
	long pw = spawn_self(worker);
	bool ok_sse, ok_x87, ok_worker;

	sys_sleep_ns(20000000); /* the worker is mid-computation when the others die */
	ok_sse = killed_or_no_xm(spawn_self(sse), "sse-div");
	ok_x87 = killed(spawn_self(x87), "x87-div");
	ok_worker = reaped_with(pw, 0, "regs 3");
	printf("faults %s\n", ok_sse && ok_x87 && ok_worker ? "ok" : "FAILED");
	return ok_sse && ok_x87 && ok_worker ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "regs"))
		return regs(strtoull(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "pair"))
		return pair(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "faults"))
		return faults(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "sse-div"))
		return sse_div();
	if (argc == 2 && !strcmp(argv[1], "x87-div"))
		return x87_div();
	fprintf(stderr, "usage: fputest regs SEED ROUNDS | pair ROUNDS | faults ROUNDS | "
			"sse-div | x87-div\n");
	return 2;
}
