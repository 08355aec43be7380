/*
 * tio/sys.h - raw system call wrappers, one per SYS_* in uapi/syscall.h.
 *
 * Each returns what the kernel returns: >= 0 on success, a negative errno on
 * failure (there is no errno variable). The instruction is `syscall`: number
 * in rax, arguments in rdi, rsi, rdx, r10, r8, r9; rcx and r11 are clobbered.
 * Only for user programs (the host tests never include this header).
 */
#ifndef TIO_SYS_H
#define TIO_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/syscall.h>
#include <uapi/async.h>
#include <uapi/fs.h>
#include <uapi/net.h>
#include <uapi/proc.h>

#include <tio/sys_entry.h> /* sys_call6(): the trap into the kernel */

#define SYS0(n)		    sys_call6(n, 0, 0, 0, 0, 0, 0)
#define SYS1(n, a)	    sys_call6(n, (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b)	    sys_call6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c)    sys_call6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS5(n, a, b, c, d, e)                                                                     \
	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define SYS6(n, a, b, c, d, e, f)                                                                  \
	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Processes */
__attribute__((noreturn)) static inline void sys_exit(int status)
{
	SYS1(SYS_exit, status);
	for (;;)
		__asm__ volatile("pause");
}
static inline long sys_spawn(const struct tio_spawn *s)
{
	return SYS1(SYS_spawn, s);
}
static inline long sys_waitpid(int pid, int *status, int flags)
{
	return SYS3(SYS_waitpid, pid, status, flags);
}
static inline long sys_kill(int pid)
{
	return SYS1(SYS_kill, pid);
}
static inline long sys_getpid(void)
{
	return SYS0(SYS_getpid);
}
static inline long sys_mmap(void *hint, size_t len, int prot)
{
	return SYS3(SYS_mmap, hint, len, prot);
}
static inline long sys_munmap(void *addr, size_t len)
{
	return SYS2(SYS_munmap, addr, len);
}
static inline long sys_clock_ns(void)
{
	return SYS0(SYS_clock_ns);
}
/* Wall-clock nanoseconds since 1970-01-01 UTC (the RTC at boot + the monotonic clock). */
static inline long sys_clock_real(void)
{
	return SYS0(SYS_clock_real);
}
static inline long sys_sleep_ns(uint64_t ns)
{
	return SYS1(SYS_sleep_ns, ns);
}
static inline long sys_uname(struct tio_utsname *u)
{
	return SYS1(SYS_uname, u);
}
static inline long sys_poweroff(void)
{
	return SYS0(SYS_poweroff);
}
static inline long sys_kinfo(int what, char *buf, size_t len)
{
	return SYS3(SYS_kinfo, what, buf, len);
}
static inline long sys_chdir(const char *path)
{
	return SYS1(SYS_chdir, path);
}
static inline long sys_getcwd(char *buf, size_t len)
{
	return SYS2(SYS_getcwd, buf, len);
}

/* Files */
static inline long sys_open(const char *path, int flags, int mode)
{
	return SYS3(SYS_open, path, flags, mode);
}
static inline long sys_close(int fd)
{
	return SYS1(SYS_close, fd);
}
static inline long sys_read(int fd, void *buf, size_t len)
{
	return SYS3(SYS_read, fd, buf, len);
}
static inline long sys_write(int fd, const void *buf, size_t len)
{
	return SYS3(SYS_write, fd, buf, len);
}
static inline long sys_lseek(int fd, int64_t off, int whence)
{
	return SYS3(SYS_lseek, fd, off, whence);
}
static inline long sys_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return SYS4(SYS_pread, fd, buf, len, off);
}
static inline long sys_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	return SYS4(SYS_pwrite, fd, buf, len, off);
}
static inline long sys_stat(const char *path, struct tio_stat *st)
{
	return SYS2(SYS_stat, path, st);
}
static inline long sys_fstat(int fd, struct tio_stat *st)
{
	return SYS2(SYS_fstat, fd, st);
}
static inline long sys_getdents(int fd, void *buf, size_t len)
{
	return SYS3(SYS_getdents, fd, buf, len);
}
static inline long sys_mkdir(const char *path, int mode)
{
	return SYS2(SYS_mkdir, path, mode);
}
static inline long sys_rmdir(const char *path)
{
	return SYS1(SYS_rmdir, path);
}
static inline long sys_unlink(const char *path)
{
	return SYS1(SYS_unlink, path);
}
static inline long sys_rename(const char *from, const char *to)
{
	return SYS2(SYS_rename, from, to);
}
static inline long sys_dup2(int oldfd, int newfd)
{
	return SYS2(SYS_dup2, oldfd, newfd);
}
static inline long sys_fsync(int fd)
{
	return SYS1(SYS_fsync, fd);
}
static inline long sys_sync(void)
{
	return SYS0(SYS_sync);
}
static inline long sys_mount(const char *dev, const char *dir, const char *fstype, int flags)
{
	return SYS4(SYS_mount, dev, dir, fstype, flags);
}
static inline long sys_umount(const char *dir)
{
	return SYS1(SYS_umount, dir);
}
static inline long sys_ioctl(int fd, unsigned long req, void *arg)
{
	return SYS3(SYS_ioctl, fd, req, arg);
}
static inline long sys_statfs(const char *path, struct tio_statfs *st)
{
	return SYS2(SYS_statfs, path, st);
}
static inline long sys_pipe(int fds[2])
{
	return SYS1(SYS_pipe, fds);
}

/* Sockets */
static inline long sys_socket(int domain, int type, int proto)
{
	return SYS3(SYS_socket, domain, type, proto);
}
static inline long sys_bind(int fd, const struct tio_sockaddr_in *sa, size_t len)
{
	return SYS3(SYS_bind, fd, sa, len);
}
static inline long sys_listen(int fd, int backlog)
{
	return SYS2(SYS_listen, fd, backlog);
}
static inline long sys_accept(int fd, struct tio_sockaddr_in *peer)
{
	return SYS2(SYS_accept, fd, peer);
}
static inline long sys_connect(int fd, const struct tio_sockaddr_in *sa, size_t len)
{
	return SYS3(SYS_connect, fd, sa, len);
}
static inline long sys_send(int fd, const void *buf, size_t len, int flags)
{
	return SYS4(SYS_send, fd, buf, len, flags);
}
static inline long sys_recv(int fd, void *buf, size_t len, int flags)
{
	return SYS4(SYS_recv, fd, buf, len, flags);
}
static inline long sys_sendto(int fd, const void *buf, size_t len, int flags,
			      const struct tio_sockaddr_in *to, size_t tolen)
{
	return SYS6(SYS_sendto, fd, buf, len, flags, to, tolen);
}
static inline long sys_recvfrom(int fd, void *buf, size_t len, int flags,
				struct tio_sockaddr_in *from)
{
	return SYS5(SYS_recvfrom, fd, buf, len, flags, from);
}
static inline long sys_shutdown(int fd, int how)
{
	return SYS2(SYS_shutdown, fd, how);
}
static inline long sys_getsockname(int fd, struct tio_sockaddr_in *sa)
{
	return SYS2(SYS_getsockname, fd, sa);
}

/* The async API */
static inline long sys_waiter_create(unsigned nslots)
{
	return SYS1(SYS_waiter_create, nslots);
}
static inline long sys_submit(int wfd, unsigned slot, const struct tio_sqe *sqe)
{
	return SYS3(SYS_submit, wfd, slot, sqe);
}
static inline long sys_wait_event(int wfd, struct tio_event *ev, unsigned max, uint64_t timeout_ns)
{
	return SYS4(SYS_wait_event, wfd, ev, max, timeout_ns);
}
static inline long sys_cancel(int wfd, unsigned slot)
{
	return SYS2(SYS_cancel, wfd, slot);
}
static inline long sys_buf_register(void *addr, size_t len, int access)
{
	return SYS3(SYS_buf_register, addr, len, access);
}
static inline long sys_buf_unregister(unsigned index)
{
	return SYS1(SYS_buf_unregister, index);
}
static inline long sys_pbq_create(unsigned nbufs, unsigned nconsumers)
{
	return SYS2(SYS_pbq_create, nbufs, nconsumers);
}
static inline long sys_pbq_provide(int qfd, unsigned id, void *addr, size_t len)
{
	return SYS4(SYS_pbq_provide, qfd, id, addr, len);
}
static inline long sys_pbq_recycle(int qfd, unsigned id)
{
	return SYS2(SYS_pbq_recycle, qfd, id);
}
/* Shared rings (uapi/ring.h) */
static inline long sys_ring_setup(int wfd, void *addr, size_t len, unsigned sq, unsigned cq)
{
	return SYS5(SYS_ring_setup, wfd, addr, len, sq, cq);
}
static inline long sys_ring_enter(int wfd, unsigned to_submit, unsigned min_complete,
				  uint64_t timeout_ns)
{
	return SYS4(SYS_ring_enter, wfd, to_submit, min_complete, timeout_ns);
}

#endif
