/*
 * uapi/proc.h - processes, time and system information.
 */
#ifndef UAPI_PROC_H
#define UAPI_PROC_H

#include <stdint.h>

/*
 * SYS_spawn: start @path as a new process. There is no fork: the child gets
 * its argument vector and three descriptors (stdin, stdout, stderr) from the
 * parent's @fds (-1: inherit the parent's own descriptor of that number).
 */
struct tio_spawn {
	const char *path;
	const char *const *argv; /* NULL-terminated; argv[0] is the program name */
	int32_t fds[3];
	uint32_t flags; /* TIO_SPAWN_* */
};
#define TIO_SPAWN_DETACH 0x1 /* no parent waits: the child is reaped by the kernel (daemons) */

#define WNOHANG 0x1
/* waitpid status: exit code in bits 0-7, or TIO_WKILLED | reason when killed */
#define TIO_WKILLED	   0x100
#define TIO_WEXITSTATUS(s) ((s)&0xff)

/* SYS_mmap prot */
#define PROT_READ  0x1
#define PROT_WRITE 0x2

struct tio_utsname {
	char sysname[32];
	char nodename[32];
	char release[32];
	char version[64];
	char machine[16];
};

/* SYS_kinfo: a text report, the same lines the shell's commands print. */
enum tio_kinfo {
	TIO_KINFO_POOLS = 0, /* pools: name, in use, high-water, capacity, failures */
	TIO_KINFO_OPS = 1,   /* in-flight async ops with their frames */
	TIO_KINFO_BLOCK = 2, /* block devices (lsblk) */
	TIO_KINFO_NET = 3,   /* network interfaces, then sockets */
	TIO_KINFO_PROCS = 4, /* processes */
	TIO_KINFO_COUNT
};
/* The mount table, "<source> <dir> <fstype> <rw|ro>" per line (df, mount). A
 * macro, not an enum member: the user runtime defined it first. */
#ifndef TIO_KINFO_MOUNTS
#define TIO_KINFO_MOUNTS 5
#endif
/* Per-block-device counters for `stats` (requests, sectors, errors, queue). */
#define TIO_KINFO_BLKSTAT 16
/* PCI functions as `lspci -n` prints them. */
#define TIO_KINFO_PCI 17
/* System calls made by each process, zombies included: "PID STAT SYSCALLS NAME" rows after a
 * header (the rings' test counts a program's system calls with it). */
#define TIO_KINFO_SYSCALLS 18
/* Per-process resource use against the limits: a header, one row per process
 * ("<pid> <name> <ops> <waiters> ... <pages>"), then a "limit" row. */
#ifndef TIO_KINFO_LIMITS
#define TIO_KINFO_LIMITS 6
#endif

#endif
