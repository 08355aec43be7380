/*
 * sys_tty.c - the console's ioctl requests (uapi/tty.h) in front of
 * kernel/tty.h: sys_ioctl() hands a request on the console vnode here.
 */
#include <kernel/tty.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>
#include "syscall_int.h"

bool sys_is_console(const struct file *f)
{
	return f->kind == FILE_VNODE && f->vn->ops->io == &tty_io_layer;
}

long sys_tty_ioctl(struct proc *p, uint64_t req, uint64_t arg)
{
	struct tio_tty_fg fg;

	if (req == TIO_TTY_SETRAW)
		return arg > 1 ? -EINVAL : tty_set_raw(arg == 1);
	if (req == TIO_TTY_FGBEGIN)
		return arg ? -EINVAL : tty_begin_foreground(p->pid);
	if (req != TIO_TTY_SETFG)
		return -ENOTTY;
	if (copy_from_user(p, &fg, arg, sizeof(fg)))
		return -EFAULT;
	if (fg.n > TIO_TTY_FG_MAX)
		return -EINVAL;
	return tty_set_foreground(p->pid, (const int *)fg.pids, fg.n);
}
