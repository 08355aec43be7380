/*
 * syscall.c - the system call table and dispatcher, and the descriptor
 * helpers every handler shares.
 *
 * syscall_dispatch() runs on the calling process's kernel stack with
 * interrupts on (arch/x86_64/usermode.h). The number indexes a table
 * bounded by SYS_COUNT; a hole or an out-of-range number is -ENOSYS. On the way out a
 * process that was killed meanwhile exits instead of returning, and a
 * return address that sysret could not take (not below USER_TOP: it would
 * fault in ring 0 on the user's stack) kills the process.
 */
#include <arch/x86_64/trap.h>
#include <arch/x86_64/usermode.h>
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>
#include "syscall_int.h"

static long (*const syscall_table[SYS_COUNT])(struct proc *p, const uint64_t *a) = {
    [SYS_exit] = sys_exit,
    [SYS_spawn] = sys_spawn,
    [SYS_waitpid] = sys_waitpid,
    [SYS_kill] = sys_kill,
    [SYS_getpid] = sys_getpid,
    [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,
    [SYS_clock_ns] = sys_clock_ns,
    [SYS_sleep_ns] = sys_sleep_ns,
    [SYS_uname] = sys_uname,
    [SYS_poweroff] = sys_poweroff,
    [SYS_kinfo] = sys_kinfo,
    [SYS_chdir] = sys_chdir,
    [SYS_getcwd] = sys_getcwd,
    [SYS_clock_real] = sys_clock_real,
    [SYS_open] = sys_open,
    [SYS_close] = sys_close,
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
    [SYS_lseek] = sys_lseek,
    [SYS_pread] = sys_pread,
    [SYS_pwrite] = sys_pwrite,
    [SYS_stat] = sys_stat,
    [SYS_fstat] = sys_fstat,
    [SYS_getdents] = sys_getdents,
    [SYS_mkdir] = sys_mkdir,
    [SYS_rmdir] = sys_rmdir,
    [SYS_unlink] = sys_unlink,
    [SYS_rename] = sys_rename,
    [SYS_dup2] = sys_dup2,
    [SYS_fsync] = sys_fsync,
    [SYS_sync] = sys_sync,
    [SYS_mount] = sys_mount,
    [SYS_umount] = sys_umount,
    [SYS_ioctl] = sys_ioctl,
    [SYS_statfs] = sys_statfs,
    [SYS_pipe] = sys_pipe,
    [SYS_socket] = sys_socket,
    [SYS_bind] = sys_bind,
    [SYS_listen] = sys_listen,
    [SYS_accept] = sys_accept,
    [SYS_connect] = sys_connect,
    [SYS_send] = sys_send,
    [SYS_recv] = sys_recv,
    [SYS_sendto] = sys_sendto,
    [SYS_recvfrom] = sys_recvfrom,
    [SYS_shutdown] = sys_shutdown,
    [SYS_getsockname] = sys_getsockname,
    [SYS_waiter_create] = sys_waiter_create,
    [SYS_submit] = sys_submit,
    [SYS_wait_event] = sys_wait_event,
    [SYS_cancel] = sys_cancel,
    [SYS_buf_register] = sys_buf_register,
    [SYS_buf_unregister] = sys_buf_unregister,
    [SYS_pbq_create] = sys_pbq_create,
    [SYS_pbq_provide] = sys_pbq_provide,
    [SYS_pbq_recycle] = sys_pbq_recycle,
    [SYS_ring_setup] = sys_ring_setup,
    [SYS_ring_enter] = sys_ring_enter,
};

void syscall_dispatch(struct trap_frame *f)
{
	const uint64_t a[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
	struct proc *p = proc_current();
	uint64_t nr = f->rax;

	if (!p)
		panic("syscall %lu from a thread without a process", nr);
	/* Only this thread writes it; kinfo reads it from other processes. */
	__atomic_store_n(&p->syscalls, p->syscalls + 1, __ATOMIC_RELAXED);
	f->rax = nr < SYS_COUNT && syscall_table[nr] ? (uint64_t)syscall_table[nr](p, a)
						     : (uint64_t)-ENOSYS;
	proc_return_to_user();
	if (f->rip >= USER_TOP) {
		printk("%s[%d]: killed: syscall return address 0x%lx is not a user address\n",
		       p->name, p->pid, f->rip);
		proc_exit(TIO_WKILLED | PROC_KILL_SEGV);
	}
}

struct file *fd_get(struct proc *p, uint64_t fd)
{
	struct file *f;

	f = fd < PARAM_PROC_FDS ? __atomic_load_n(&p->fds[fd], __ATOMIC_ACQUIRE) : NULL;
	if (!f || f == PROC_FD_RESERVED)
		return NULL;
	file_get(f);
	return f;
}

/* Takes the lowest free slot for @f (already charged): its index, or -EMFILE. */
static int fd_take_slot(struct proc *p, struct file *f)
{
	/* A slot is taken by compare-and-swap: an async OPEN installs from a worker thread. */
	for (int i = 0; i < PARAM_PROC_FDS; i++) {
		struct file *none = NULL;

		if (__atomic_compare_exchange_n(&p->fds[i], &none, f, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return i;
	}
	proc_uncharge(p, PROC_RES_FILES, 1); /* a limit above the table size */
	return -EMFILE;
}

int fd_install(struct proc *p, struct file *f)
{
	int fd = proc_charge(p, PROC_RES_FILES, 1);

	if (!fd)
		fd = fd_take_slot(p, f);
	if (fd < 0)
		file_put(f);
	return fd;
}

int fd_reserve(struct proc *p)
{
	int err = proc_charge(p, PROC_RES_FILES, 1);

	return err ? err : fd_take_slot(p, PROC_FD_RESERVED);
}

void fd_install_reserved(struct proc *p, int fd, struct file *f)
{
	KASSERT(p->fds[fd] == PROC_FD_RESERVED);
	__atomic_store_n(&p->fds[fd], f, __ATOMIC_RELEASE);
}

void fd_unreserve(struct proc *p, int fd)
{
	KASSERT(p->fds[fd] == PROC_FD_RESERVED);
	__atomic_store_n(&p->fds[fd], NULL, __ATOMIC_RELEASE);
	proc_uncharge(p, PROC_RES_FILES, 1);
}

int user_path(struct proc *p, uint64_t upath, char *abs)
{
	char path[TIO_PATH_MAX];
	long n = strncpy_from_user(p, path, upath, sizeof(path));

	if (n < 0)
		return (int)n;
	return vfs_resolve(p->cwd, path, abs, TIO_PATH_MAX);
}
