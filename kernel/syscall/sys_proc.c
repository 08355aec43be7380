/*
 * sys_proc.c - process, time and system calls (uapi/proc.h): argument
 * checking and copying in front of kernel/proc.
 *
 * spawn copies the whole request (path, every argv string) into a kernel
 * buffer from a small pool before anything is created, so the new process
 * never depends on the parent's memory; the three descriptors must be open
 * files (a waiter or buffer queue stays with the process that made it).
 */
#include <kernel/console.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>
#include <fs/fat.h>
#include "syscall_int.h"

struct spawn_args {
	const char *argv[PARAM_ARGS_MAX + 1];
	char path[TIO_PATH_MAX];
	char strings[PARAM_ARGS_BYTES];
};

ASYNC_POOL_DEFINE(spawn_args_pool, "spawn_args", struct spawn_args, 4);

SYSCALL_DECL(exit)
{
	(void)p;
	proc_exit((int)(a[0] & 0xff));
}

/* Copies the NULL-terminated argv at @uargv into @sa: 0, -EFAULT or -E2BIG. */
static int copy_argv(struct proc *p, uint64_t uargv, struct spawn_args *sa)
{
	size_t used = 0;
	unsigned i;

	for (i = 0;; i++) {
		uint64_t uptr;
		long n;

		if (copy_from_user(p, &uptr, uargv + i * 8, 8))
			return -EFAULT;
		if (!uptr)
			break;
		if (i == PARAM_ARGS_MAX)
			return -E2BIG;
		n = strncpy_from_user(p, sa->strings + used, uptr, sizeof(sa->strings) - used);
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : (int)n;
		sa->argv[i] = sa->strings + used;
		used += (size_t)n + 1;
	}
	sa->argv[i] = NULL;
	return i ? 0 : -EINVAL; /* argv[0] is the program name */
}

/* The child's descriptor @i: the parent's fd @fd (-1: the parent's own @i). */
static int spawn_fd(struct proc *p, int32_t fd, int i, struct file **out)
{
	struct file *f = fd_get(p, fd == -1 ? (uint64_t)i : (uint64_t)(int64_t)fd);

	if (!f) {
		*out = NULL;
		return fd == -1 ? 0 : -EBADF;
	}
	if (f->kind != FILE_VNODE) {
		file_put(f);
		return -EBADF;
	}
	*out = f;
	return 0;
}

static long spawn_with(struct proc *p, const struct tio_spawn *ts, struct spawn_args *sa)
{
	struct proc_spawn_req req = {
	    .path = sa->path, .argv = sa->argv, .detach = ts->flags & TIO_SPAWN_DETACH};
	long err = strncpy_from_user(p, sa->path, (uint64_t)ts->path, sizeof(sa->path));
	int pid = 0;

	if (err < 0)
		return err;
	err = copy_argv(p, (uint64_t)ts->argv, sa);
	for (int i = 0; !err && i < 3; i++)
		err = spawn_fd(p, ts->fds[i], i, &req.fds[i]);
	if (!err)
		err = proc_spawn(&req, &pid);
	for (int i = 0; i < 3; i++)
		if (req.fds[i])
			file_put(req.fds[i]);
	return err ? err : pid;
}

SYSCALL_DECL(spawn)
{
	struct tio_spawn ts;
	struct spawn_args *sa;
	long r;

	if (copy_from_user(p, &ts, a[0], sizeof(ts)))
		return -EFAULT;
	if (ts.flags & ~TIO_SPAWN_DETACH)
		return -EINVAL;
	sa = async_pool_alloc(&spawn_args_pool);
	if (!sa)
		return -EAGAIN;
	r = spawn_with(p, &ts, sa);
	async_pool_free(&spawn_args_pool, sa);
	return r;
}

SYSCALL_DECL(waitpid)
{
	int status = 0, zero = 0, r;

	/* A pid is an int: 2^32 + pid is not pid (-1 arrives sign-extended). */
	if ((int64_t)a[0] != (int)a[0] || a[2] & ~(uint64_t)WNOHANG)
		return -EINVAL;
	/* Check the destination first: a reaped status must not be lost. */
	if (a[1] && copy_to_user(p, a[1], &zero, sizeof(zero)))
		return -EFAULT;
	r = proc_waitpid((int)a[0], &status, (int)a[2]);
	if (r > 0 && a[1] && copy_to_user(p, a[1], &status, sizeof(status)))
		return -EFAULT;
	return r;
}

SYSCALL_DECL(kill)
{
	(void)p;
	return a[0] > 0x7fffffff ? -ESRCH : proc_kill((int)a[0]);
}

SYSCALL_DECL(getpid)
{
	(void)a;
	return p->pid;
}

SYSCALL_DECL(mmap)
{
	if (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE))
		return -EINVAL; /* checked here too: the int cast would drop high bits */
	return uvm_mmap(p, a[1], (int)a[2]); /* the hint is ignored */
}

SYSCALL_DECL(munmap)
{
	return uvm_munmap(p, a[0], a[1]);
}

SYSCALL_DECL(clock_ns)
{
	(void)p;
	(void)a;
	return (long)clock_now_ns();
}

SYSCALL_DECL(clock_real)
{
	(void)p;
	(void)a;
	return (long)clock_realtime_ns();
}

SYSCALL_DECL(sleep_ns)
{
	(void)p;
	return proc_sleep_ns(a[0]);
}

SYSCALL_DECL(uname)
{
	struct tio_utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Tessera", sizeof(u.sysname));
	strlcpy(u.nodename, "tessera", sizeof(u.nodename));
	strlcpy(u.release, "0.4", sizeof(u.release));
	strlcpy(u.version, "#1 " __DATE__ " " __TIME__, sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	return copy_to_user(p, a[0], &u, sizeof(u));
}

SYSCALL_DECL(poweroff)
{
	(void)a;
	klog(LOG_INFO, "poweroff by %s[%d], up %lu ms\n", p->name, p->pid,
	     clock_now_ns() / 1000000);
	fat_sync_all(true); /* a clean shutdown of every FAT volume */
	kernel_poweroff();
}

SYSCALL_DECL(chdir)
{
	char abs[TIO_PATH_MAX];
	struct vnode *v;
	int err = user_path(p, a[0], abs);

	if (!err)
		err = vfs_lookup(abs, &v);
	if (err)
		return err;
	if (!vnode_is_dir(v)) {
		vnode_put(v);
		return -ENOTDIR;
	}
	strlcpy(p->cwd, abs, sizeof(p->cwd));
	if (p->cwd_vn)
		vnode_put(p->cwd_vn);
	p->cwd_vn = v; /* the lookup's reference: the cwd holds its mount */
	return 0;
}

SYSCALL_DECL(getcwd)
{
	size_t len = strlen(p->cwd);

	if (a[1] < len + 1)
		return -ERANGE;
	return copy_to_user(p, a[0], p->cwd, len + 1) ?: (long)len;
}
