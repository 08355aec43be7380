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

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "rate"))
		return rate(strtol(argv[2], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "badptr"))
		return badptr();
	if (argc == 2 && !strcmp(argv[1], "spin"))
		for (;;)
			;
	if (argc == 2)
		fault(argv[1]);
	fprintf(stderr, "usage: qprobe pf|wpf|kpf|gp|ud|de|spin|badptr|rate N\n");
	return 2;
}
