/*
 * syscall_int.h - shared by the files of kernel/syscall/ only.
 *
 * Every handler has the same shape: sys_x(p, a) validates and copies the
 * user arguments a[0..5] of process @p (the caller), then calls the
 * internal operation, which cannot fail on bad input (two steps, as
 * uapi/syscall.h promises: a bad pointer, length, index or descriptor is an
 * error code and nothing else happens).
 */
#ifndef KERNEL_SYSCALL_INT_H
#define KERNEL_SYSCALL_INT_H

#include <fs/vfs.h>
#include <kernel/proc.h>
#include <uapi/async.h>
#include <uapi/syscall.h>
#include <stdint.h>

#define SYSCALL_DECL(name) long sys_##name(struct proc *p, const uint64_t *a)

/* Bytes one synchronous read/write op moves: what ASYNC_SG_MAX ranges always cover. */
#define SYS_IO_CHUNK ((ASYNC_SG_MAX - 1) * 4096UL)

/* The open flags SYS_open and TIO_OP_OPEN accept; any other bit is -EINVAL. */
#define SYS_OPEN_FLAGS ((uint64_t)(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY))

/* Descriptors: a referenced file, or NULL for a bad or closed one. */
struct file *fd_get(struct proc *p, uint64_t fd);
/* Lowest free descriptor for @f (the reference moves in), or -EMFILE (the reference is dropped). */
int fd_install(struct proc *p, struct file *f);
/* Holds the lowest free descriptor (charged as an open one) for a later fd_install_reserved:
 * the descriptor, or -EMFILE. An ACCEPT reserves before it takes a connection, so the
 * descriptor limit never costs one (docs/syscalls.md). */
int fd_reserve(struct proc *p);
/* Puts @f (the reference moves in) in descriptor @fd, reserved by fd_reserve. */
void fd_install_reserved(struct proc *p, int fd, struct file *f);
/* Gives reserved descriptor @fd back unused. */
void fd_unreserve(struct proc *p, int fd);
/* A user path, made absolute against the cwd: 0 or -EFAULT, -ENAMETOOLONG, -ENOENT. */
int user_path(struct proc *p, uint64_t upath, char *abs);

/* sys_proc.c */
SYSCALL_DECL(exit);
SYSCALL_DECL(spawn);
SYSCALL_DECL(waitpid);
SYSCALL_DECL(kill);
SYSCALL_DECL(getpid);
SYSCALL_DECL(mmap);
SYSCALL_DECL(munmap);
SYSCALL_DECL(clock_ns);
SYSCALL_DECL(clock_real);
SYSCALL_DECL(sleep_ns);
SYSCALL_DECL(uname);
SYSCALL_DECL(poweroff);
SYSCALL_DECL(chdir);
SYSCALL_DECL(getcwd);
/* sys_info.c */
SYSCALL_DECL(kinfo);
/* sys_fs.c */
SYSCALL_DECL(open);
SYSCALL_DECL(close);
SYSCALL_DECL(read);
SYSCALL_DECL(write);
SYSCALL_DECL(lseek);
SYSCALL_DECL(pread);
SYSCALL_DECL(pwrite);
SYSCALL_DECL(stat);
SYSCALL_DECL(fstat);
SYSCALL_DECL(getdents);
SYSCALL_DECL(mkdir);
SYSCALL_DECL(rmdir);
SYSCALL_DECL(unlink);
SYSCALL_DECL(rename);
SYSCALL_DECL(dup2);
SYSCALL_DECL(fsync);
SYSCALL_DECL(sync);
SYSCALL_DECL(mount);
SYSCALL_DECL(umount);
SYSCALL_DECL(ioctl);
SYSCALL_DECL(statfs);
SYSCALL_DECL(pipe);
/* sys_tty.c: the console's ioctl requests */
bool sys_is_console(const struct file *f);
long sys_tty_ioctl(struct proc *p, uint64_t req, uint64_t arg);
/* sys_async.c */
struct tio_sqe;
/* Builds @sqe into an op and submits it on the armed slot @h (0), or an error
 * with the slot still armed and nothing started. The sqe is already in kernel memory. */
int sys_async_start(struct proc *p, const struct async_handle *h, const struct tio_sqe *sqe);
/* The same with @op bound to @h already (async_op_alloc_armed) or NULL; @op is
 * submitted or discarded either way. */
int sys_async_start_op(struct proc *p, const struct async_handle *h, const struct tio_sqe *sqe,
		       struct async_op *op);
/* A NOP with no flags and every field but timeout_ns zero, as sqe_check wants. */
static inline bool sqe_is_nop(const struct tio_sqe *s)
{
	return s->opcode == TIO_OP_NOP &&
	       !(s->flags | (uint32_t)s->fd | s->buf_index | s->addr | s->len | s->offset | s->aux);
}
/* Inline completion (docs/async.md): @sqe's work done at once, without an op, if
 * it can be. A plain NOP: true, nothing to do (so nothing to undo if its slot
 * cannot be armed). Inline for the rings' submission loop. */
static inline bool sys_async_nop_now(const struct tio_sqe *sqe)
{
	return sqe_is_nop(sqe) && !sqe->timeout_ns; /* a deadline parks it: an op */
}
/* The fields of a READ/WRITE that sys_async_rw_now may do inline: a registered
 * buffer, no deadline, and what sqe_check accepts with those flags (all but aux). */
static inline bool sys_async_rw_candidate(const struct tio_sqe *sqe)
{
	return (sqe->opcode == TIO_OP_READ || sqe->opcode == TIO_OP_WRITE) &&
	       sqe->flags == TIO_SQE_REGBUF && !sqe->aux && !sqe->timeout_ns && sqe->len;
}
/* A READ/WRITE into a registered buffer on a file whose data is in memory:
 * true with the result in *res, or false with nothing done (start it as an op).
 * Its slot must be armed first: a read or write is not undone. */
bool sys_async_rw_now(struct proc *p, const struct tio_sqe *sqe, int64_t *res);
SYSCALL_DECL(waiter_create);
SYSCALL_DECL(submit);
SYSCALL_DECL(wait_event);
SYSCALL_DECL(cancel);
SYSCALL_DECL(buf_register);
SYSCALL_DECL(buf_unregister);
SYSCALL_DECL(pbq_create);
SYSCALL_DECL(pbq_provide);
/* sys_net.c */
SYSCALL_DECL(socket);
SYSCALL_DECL(bind);
SYSCALL_DECL(listen);
SYSCALL_DECL(accept);
SYSCALL_DECL(connect);
SYSCALL_DECL(send);
SYSCALL_DECL(recv);
SYSCALL_DECL(sendto);
SYSCALL_DECL(recvfrom);
SYSCALL_DECL(shutdown);
SYSCALL_DECL(getsockname);
long sys_net_ioctl(struct proc *p, uint64_t req, uint64_t arg);
struct tio_sqe;
/* RECV / SEND on a socket: pushes the op's frames, or a negative errno. */
int sys_net_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe);
/* A submitted ACCEPT (one-shot or multishot) or CONNECT on a stream socket. */
int sys_net_conn_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe);
/* sys_pbq.c */
SYSCALL_DECL(pbq_recycle);
struct tio_sqe;
/* READ with TIO_SQE_PBQ | TIO_SQE_MULTISHOT: pushes the op's frame, or a negative errno. */
int sys_pbq_read_push(struct proc *p, struct async_op *op, const struct tio_sqe *sqe);

/* sys_ring.c */
SYSCALL_DECL(ring_setup);
SYSCALL_DECL(ring_enter);

#endif
