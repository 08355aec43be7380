/*
 * tio/sys_entry.h - the one way into the Tessera kernel: the `syscall`
 * instruction (number in rax; arguments in rdi, rsi, rdx, r10, r8, r9;
 * result in rax; rcx and r11 clobbered).
 *
 * The host test build of the programs puts user/tests/linux/ first on the
 * include path, whose tio/sys_entry.h routes the same calls to a Linux
 * translation layer instead; nothing else differs.
 */
#ifndef TIO_SYS_ENTRY_H
#define TIO_SYS_ENTRY_H

static inline long sys_call6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif
