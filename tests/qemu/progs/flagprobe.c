/*
 * flagprobe - a user program that carries odd RFLAGS bits into the kernel
 * (tests/qemu/test_flags.py). A program owns its RFLAGS: whatever it sets
 * with popfq (NT, AC, DF, TF; IOPL is silently ignored in ring 3) must not
 * reach kernel code, must not follow the kernel into another thread at a
 * context switch, and must not make the kernel fault.
 *
 *   flagprobe one FLAG   sets FLAG (nt, ac, df, iopl, tf, or combined: the
 *                        first four at once) with
 *                        pushfq/orq/popfq and, each time with the flag set
 *                        on entry and kept for a spin of several timer
 *                        ticks after the return: sleeps, reads 4 MiB from
 *                        /dev/zero in 64 KiB calls (long system calls, so
 *                        timer interrupts arrive while the kernel runs on
 *                        the program's behalf), spawns "flagprobe child"
 *                        and waits for it. Prints
 *                        "flagprobe FLAG: ok" or what went wrong (exit 1).
 *                        Checks that the flag is still set after each
 *                        system call (the kernel masks its own copy, not
 *                        the program's), except IOPL, which must stay 0.
 *   flagprobe child      exits with status 7
 *   flagprobe all        runs "flagprobe one FLAG" for every FLAG as a
 *                        child; each must exit 0, except tf: a single-step
 *                        trap in ring 3 kills the program (#DB), so that one
 *                        must be killed. "flagprobe all: ok" at the end.
 *
 * The flag is set and cleared in one assembler routine that calls no C code:
 * the C ABI requires DF clear at every call.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tio/sys.h>

#define RFLAGS_TF   0x100UL
#define RFLAGS_DF   0x400UL
#define RFLAGS_IOPL 0x3000UL
#define RFLAGS_NT   0x4000UL
#define RFLAGS_AC   0x40000UL

#define CHILD_STATUS 7
#define SLEEP_NS     2000000 /* 2 ms: the sleeper really blocks and is switched out */
#define READ_CHUNK   (64 * 1024)
#define READ_CALLS   64 /* 4 MiB copied by the kernel: timer ticks arrive meanwhile */

static char zero_buf[READ_CHUNK];

struct flag_case {
	const char *name;
	uint64_t bits;
	bool kept;   /* still set after a system call (IOPL: never set at all) */
	bool killed; /* a trap in ring 3 ends the program (TF) */
};

static const struct flag_case cases[] = {
    {"nt", RFLAGS_NT, true, false},
    {"ac", RFLAGS_AC, true, false},
    {"df", RFLAGS_DF, true, false},
    {"iopl", RFLAGS_IOPL, false, false},
    {"tf", RFLAGS_TF, true, true},
    {"combined", RFLAGS_NT | RFLAGS_AC | RFLAGS_DF | RFLAGS_IOPL, true, false},
};

struct flag_call {
	uint64_t flags_after; /* out: RFLAGS as the system call returned it */
	uint64_t spins;	      /* in: turns of the spin after it (> 0) */
};

#define SPINS_LONG 3000000 /* tens of ms under TCG: timer interrupts arrive from ring 3 */
#define SPINS_NONE 1

/*
 * long flag_syscall(uint64_t bits, long nr, long a, long b, long c, struct flag_call *fc)
 * ORs @bits into RFLAGS, makes system call @nr(a, b, c) right away, records
 * RFLAGS as the call returned it, spins @fc->spins turns with @bits still
 * set, then clears @bits.
 */
long flag_syscall(uint64_t bits, long nr, long a, long b, long c, struct flag_call *fc);
__asm__(".text\n"
	".globl flag_syscall\n"
	"flag_syscall:\n\t"
	"pushq %rbx\n\t"
	"pushq %r9\n\t"
	"movq %rdi, %rbx\n\t" /* bits: callee-saved across the syscall */
	"movq %rsi, %rax\n\t"
	"movq %rdx, %rdi\n\t"
	"movq %rcx, %rsi\n\t"
	"movq %r8, %rdx\n\t"
	"pushfq\n\t"
	"orq %rbx, (%rsp)\n\t"
	"popfq\n\t"
	"syscall\n\t"
	"pushfq\n\t"
	"popq %rcx\n\t"
	"movq 8(%r9), %r8\n"
	"1:\tdecq %r8\n\t"
	"jnz 1b\n\t"
	"pushfq\n\t"
	"notq %rbx\n\t"
	"andq %rbx, (%rsp)\n\t"
	"popfq\n\t"
	"popq %r9\n\t"
	"movq %rcx, (%r9)\n\t"
	"popq %rbx\n\t"
	"ret\n");

static const struct flag_case *find_case(const char *name)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

/* The flags a system call returned with are what the program set (or, for IOPL, 0). */
static bool flags_ok(const struct flag_case *c, const char *call, uint64_t after)
{
	uint64_t want = c->kept ? c->bits & ~RFLAGS_IOPL : 0;
	uint64_t got = after & c->bits;

	if (got == want && !(after & RFLAGS_IOPL))
		return true;
	printf("flagprobe %s: after %s RFLAGS is %#lx (bits %#lx, want %#lx)\n", c->name, call,
	       (unsigned long)after, (unsigned long)got, (unsigned long)want);
	return false;
}

/* Long system calls with the flag set on entry; 0 or 1 (reported). */
static int read_zeros(const struct flag_case *c)
{
	struct flag_call fc = {.spins = SPINS_NONE};
	long fd = sys_open("/dev/zero", O_RDONLY, 0), r = 0;

	if (fd < 0)
		return printf("flagprobe %s: open /dev/zero: %ld\n", c->name, fd), 1;
	for (unsigned i = 0; i < READ_CALLS && r >= 0; i++) {
		zero_buf[0] = 1;
		r = flag_syscall(c->bits, SYS_read, fd, (long)zero_buf, READ_CHUNK, &fc);
		if (r != READ_CHUNK || zero_buf[0] != 0 || !flags_ok(c, "read", fc.flags_after)) {
			printf("flagprobe %s: read %u returned %ld\n", c->name, i, r);
			r = -1;
		}
	}
	sys_close((int)fd);
	return r < 0;
}

static int one(const struct flag_case *c)
{
	const char *argv[] = {"flagprobe", "child", NULL};
	struct tio_spawn s = {.path = "/bin/flagprobe", .argv = argv, .fds = {-1, -1, -1}};
	struct flag_call fc = {.spins = SPINS_LONG};
	int status = -1;
	long r, pid;

	r = flag_syscall(c->bits, SYS_sleep_ns, SLEEP_NS, 0, 0, &fc);
	if (r != 0 || !flags_ok(c, "sleep", fc.flags_after))
		return printf("flagprobe %s: sleep returned %ld\n", c->name, r), 1;
	if (read_zeros(c))
		return 1;
	pid = flag_syscall(c->bits, SYS_spawn, (long)&s, 0, 0, &fc);
	if (pid <= 0 || !flags_ok(c, "spawn", fc.flags_after))
		return printf("flagprobe %s: spawn returned %ld\n", c->name, pid), 1;
	r = flag_syscall(c->bits, SYS_waitpid, pid, (long)&status, 0, &fc);
	if (r != pid || status != CHILD_STATUS || !flags_ok(c, "waitpid", fc.flags_after))
		return printf("flagprobe %s: waitpid returned %ld, status %#x\n", c->name, r,
			      status),
		       1;
	printf("flagprobe %s: ok\n", c->name);
	return 0;
}

/* Runs "flagprobe one NAME" for every case; true if each ended as it should. */
static bool all(void)
{
	bool ok = true;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct flag_case *c = &cases[i];
		const char *argv[] = {"flagprobe", "one", c->name, NULL};
		struct tio_spawn s = {.path = "/bin/flagprobe", .argv = argv, .fds = {-1, -1, -1}};
		long pid = sys_spawn(&s);
		int status = -1;

		if (pid <= 0 || sys_waitpid((int)pid, &status, 0) != pid) {
			printf("flagprobe all: %s: spawn/waitpid failed (%ld)\n", c->name, pid);
			ok = false;
		} else if (c->killed ? !(status & TIO_WKILLED) : status != 0) {
			printf("flagprobe all: %s: status %#x, want %s\n", c->name, status,
			       c->killed ? "killed" : "0");
			ok = false;
		} else if (c->killed) {
			printf("flagprobe %s: killed, status %#x\n", c->name, status);
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	const struct flag_case *c;

	if (argc == 2 && !strcmp(argv[1], "child"))
		return CHILD_STATUS;
	if (argc == 2 && !strcmp(argv[1], "all")) {
		if (!all())
			return 1;
		printf("flagprobe all: ok\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "one") && (c = find_case(argv[2])))
		return one(c);
	printf("usage: flagprobe one nt|ac|df|iopl|tf|combined | all | child\n");
	return 2;
}
