/*
 * uapi/syscall.h - the system call numbers: the ABI between user programs and
 * the Tessera kernel. docs/syscalls.md documents each call.
 *
 * Convention (x86-64 `syscall` instruction): number in rax, arguments in rdi,
 * rsi, rdx, r10, r8, r9; the result comes back in rax: >= 0 success, or a
 * negative errno (uapi/errno.h). rcx and r11 are clobbered. Every pointer,
 * length, index and descriptor is checked by the kernel: a bad one gives
 * -EFAULT, -EINVAL or -EBADF and nothing else happens.
 *
 * Numbers are stable once released: append, never renumber.
 */
#ifndef UAPI_SYSCALL_H
#define UAPI_SYSCALL_H

/* Processes (uapi/proc.h) */
#define SYS_exit     0	/* (int status) -> does not return */
#define SYS_spawn    1	/* (const struct tio_spawn *) -> pid */
#define SYS_waitpid  2	/* (int pid, int *status, int flags) -> pid, 0 with WNOHANG */
#define SYS_kill     3	/* (int pid) -> 0 */
#define SYS_getpid   4	/* () -> pid */
#define SYS_mmap     5	/* (void *hint, size_t len, int prot) -> address (anonymous, zeroed) */
#define SYS_munmap   6	/* (void *addr, size_t len) -> 0 */
#define SYS_clock_ns 7	/* () -> monotonic nanoseconds */
#define SYS_sleep_ns 8	/* (uint64_t ns) -> 0 */
#define SYS_uname    9	/* (struct tio_utsname *) -> 0 */
#define SYS_poweroff 10 /* () -> does not return */
#define SYS_kinfo    11 /* (int what, char *buf, size_t len) -> bytes of text (uapi/proc.h) */
#define SYS_chdir    12 /* (const char *path) -> 0 */
#define SYS_getcwd   13 /* (char *buf, size_t len) -> length */
#define SYS_clock_real 14 /* () -> wall-clock nanoseconds since 1970-01-01 UTC */

/* Files (uapi/fs.h); synchronous, thin wrappers over the async path */
#define SYS_open     20 /* (const char *path, int flags, int mode) -> fd */
#define SYS_close    21 /* (int fd) -> 0; also destroys waiters and queues */
#define SYS_read     22 /* (int fd, void *buf, size_t len) -> bytes */
#define SYS_write    23 /* (int fd, const void *buf, size_t len) -> bytes */
#define SYS_lseek    24 /* (int fd, int64_t off, int whence) -> new offset */
#define SYS_pread    25 /* (int fd, void *buf, size_t len, uint64_t off) -> bytes */
#define SYS_pwrite   26 /* (int fd, const void *buf, size_t len, uint64_t off) -> bytes */
#define SYS_stat     27 /* (const char *path, struct tio_stat *) -> 0 */
#define SYS_fstat    28 /* (int fd, struct tio_stat *) -> 0 */
#define SYS_getdents 29 /* (int fd, void *buf, size_t len) -> bytes of struct tio_dirent */
#define SYS_mkdir    30 /* (const char *path, int mode) -> 0 */
#define SYS_rmdir    31 /* (const char *path) -> 0 */
#define SYS_unlink   32 /* (const char *path) -> 0 */
#define SYS_rename   33 /* (const char *from, const char *to) -> 0 */
#define SYS_dup2     34 /* (int oldfd, int newfd) -> newfd */
#define SYS_fsync    35 /* (int fd) -> 0 */
#define SYS_sync     36 /* () -> 0 */
#define SYS_mount    37 /* (const char *dev, const char *dir, const char *fstype, int flags) */
#define SYS_umount   38 /* (const char *dir) -> 0 */
#define SYS_ioctl    39 /* (int fd, unsigned long req, void *arg) -> per request */
#define SYS_statfs   40 /* (const char *path, struct tio_statfs *) -> 0 */
#define SYS_pipe     41 /* (int fds[2]) -> 0 */

/* Sockets (uapi/net.h) */
#define SYS_socket	50 /* (int domain, int type, int proto) -> fd */
#define SYS_bind	51 /* (int fd, const struct tio_sockaddr_in *, size_t len) -> 0 */
#define SYS_listen	52 /* (int fd, int backlog) -> 0 */
#define SYS_accept	53 /* (int fd, struct tio_sockaddr_in *peer or NULL) -> new fd */
#define SYS_connect	54 /* (int fd, const struct tio_sockaddr_in *, size_t len) -> 0 */
#define SYS_send	55 /* (int fd, const void *buf, size_t len, int flags) -> bytes */
#define SYS_recv	56 /* (int fd, void *buf, size_t len, int flags) -> bytes, 0 at EOF */
#define SYS_sendto	57 /* (fd, buf, len, flags, const struct tio_sockaddr_in *, size_t) */
#define SYS_recvfrom	58 /* (fd, buf, len, flags, struct tio_sockaddr_in *) -> bytes */
#define SYS_shutdown	59 /* (int fd, int how) -> 0 */
#define SYS_getsockname 60 /* (int fd, struct tio_sockaddr_in *) -> 0 */

/* The async API (uapi/async.h) */
#define SYS_waiter_create 70 /* (unsigned nslots) -> waiter fd */
#define SYS_submit	  71 /* (int wfd, unsigned slot, const struct tio_sqe *) -> 0 */
#define SYS_wait_event                                                                             \
	72 /* (int wfd, struct tio_event *, unsigned max, uint64_t timeout_ns) -> n, 0 on timeout  \
	    */
#define SYS_cancel	   73 /* (int wfd, unsigned slot) -> 0, -ENOENT if nothing armed */
#define SYS_buf_register   74 /* (void *addr, size_t len, int access) -> buffer index */
#define SYS_buf_unregister 75 /* (unsigned index) -> 0 */
#define SYS_pbq_create	   76 /* (unsigned nbufs, unsigned nconsumers) -> queue fd */
#define SYS_pbq_provide	   77 /* (int qfd, unsigned id, void *addr, size_t len) -> 0 */
#define SYS_pbq_recycle	   78 /* (int qfd, unsigned id) -> 0: a taken buffer goes back */

/* Shared rings (uapi/ring.h) */
#define SYS_ring_setup 86 /* (int wfd, void *addr, size_t len, unsigned sq, unsigned cq) -> 0 */
#define SYS_ring_enter 87 /* (int wfd, unsigned to_submit, unsigned min_complete, u64 timeout) */

#define SYS_COUNT 88 /* one past the highest number */

#endif
