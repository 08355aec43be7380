/*
 * tio/sys_entry.h (host test variant) - routes the Tessera system calls of
 * a user program to shim.c, which performs them with Linux system calls.
 * Used only to run the real programs on the build machine in the tests.
 */
#ifndef TIO_SYS_ENTRY_H
#define TIO_SYS_ENTRY_H

long sys_call6(long n, long a, long b, long c, long d, long e, long f);
/* A raw Linux system call: number @n, six arguments (shim.c). */
long lsys(long n, long a, long b, long c, long d, long e, long f);

#endif
