/*
 * sys_fs.c - file and directory calls (uapi/fs.h) in front of the VFS.
 *
 * read/write/pread/pwrite are thin wrappers over the one I/O path: each
 * chunk of at most SYS_IO_CHUNK bytes pins the user range (async_buf_user:
 * -EFAULT for a bad one), builds an op with the vfs frame and waits for it
 * (vfs_sync_io). A short chunk ends the call, as a short read(2) does; an
 * error after some bytes moved returns the bytes.
 */
#include <fs/pipe.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <uapi/errno.h>
#include <fs/fat.h>
#include "syscall_int.h"

SYSCALL_DECL(open)
{
	char abs[TIO_PATH_MAX];
	struct file *f;
	int err = user_path(p, a[0], abs);

	if (err)
		return err;
	if (a[1] & ~SYS_OPEN_FLAGS)
		return -EINVAL;
	err = vfs_open(abs, (unsigned)a[1], (uint32_t)a[2], &f);
	if (err)
		return err;
	return fd_install(p, f);
}

SYSCALL_DECL(close)
{
	if (a[0] >= PARAM_PROC_FDS || !p->fds[a[0]] || p->fds[a[0]] == PROC_FD_RESERVED)
		return -EBADF;
	proc_fd_close(p, (unsigned)a[0]);
	return 0;
}

/* One chunk through the async path: bytes moved or a negative errno. */
static int64_t io_chunk(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len, uint64_t off,
			bool write)
{
	struct async_buf *buf;
	struct async_op *op;
	int64_t r;
	int err;

	/* The caller waits for this pin to go: a process at its pinned limit can still read. */
	p->as.pin_transient = true;
	buf = async_buf_user(&p->as, ubuf, len, write ? ASYNC_BUF_READ : ASYNC_BUF_WRITE, &err);
	p->as.pin_transient = false;
	if (!buf)
		return err;
	op = async_op_alloc(&p->heap);
	if (!op) {
		async_buf_release(buf);
		return -ENOMEM;
	}
	r = vfs_io_push(op, f, buf, 0, len, off, write);
	if (r)
		async_op_discard(op);
	else
		r = vfs_sync_io(op);
	async_buf_release(buf);
	return r;
}

static long do_io(struct proc *p, uint64_t fd, uint64_t ubuf, uint64_t len, uint64_t off,
		  bool write)
{
	struct file *f = fd_get(p, fd);
	uint64_t done = 0;
	int64_t r = 0;

	if (!f)
		return -EBADF;
	if (!uaccess_range_ok(ubuf, len))
		r = -EFAULT;
	while (!r && done < len) {
		uint64_t n = len - done < SYS_IO_CHUNK ? len - done : SYS_IO_CHUNK;

		r = io_chunk(p, f, ubuf + done, n, off == TIO_OFFSET_CUR ? off : off + done, write);
		if (r > 0)
			done += (uint64_t)r;
		r = r < 0 ? r : (uint64_t)r < n ? 1 : 0; /* short: stop, keep the count */
	}
	file_put(f);
	return done ? (long)done : r < 0 ? r : 0;
}

SYSCALL_DECL(read)
{
	return do_io(p, a[0], a[1], a[2], TIO_OFFSET_CUR, false);
}

SYSCALL_DECL(write)
{
	return do_io(p, a[0], a[1], a[2], TIO_OFFSET_CUR, true);
}

SYSCALL_DECL(pread)
{
	return a[3] >= INT64_MAX ? -EINVAL : do_io(p, a[0], a[1], a[2], a[3], false);
}

SYSCALL_DECL(pwrite)
{
	return a[3] >= INT64_MAX ? -EINVAL : do_io(p, a[0], a[1], a[2], a[3], true);
}

static long seek_in(struct file *f, int64_t off, uint64_t whence)
{
	struct tio_stat st;
	unsigned long fl;
	int64_t base;

	if (f->kind != FILE_VNODE || (f->vn->mode & S_IFMT) == S_IFCHR ||
	    (f->vn->mode & S_IFMT) == S_IFIFO)
		return -ESPIPE;
	vnode_stat(f->vn, &st);
	fl = spin_lock_irqsave(&f->lock);
	base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->offset : (int64_t)st.size;
	if (whence > SEEK_END || (off > 0 && base > INT64_MAX - off) || base + off < 0) {
		spin_unlock_irqrestore(&f->lock, fl);
		return -EINVAL;
	}
	f->offset = (uint64_t)(base + off);
	spin_unlock_irqrestore(&f->lock, fl);
	return base + off;
}

SYSCALL_DECL(lseek)
{
	struct file *f = fd_get(p, a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = seek_in(f, (int64_t)a[1], a[2]);
	file_put(f);
	return r;
}

SYSCALL_DECL(stat)
{
	char abs[TIO_PATH_MAX];
	struct tio_stat st;
	struct vnode *v;
	int err = user_path(p, a[0], abs);

	if (!err)
		err = vfs_lookup(abs, &v);
	if (err)
		return err;
	vnode_stat(v, &st);
	vnode_put(v);
	return copy_to_user(p, a[1], &st, sizeof(st));
}

SYSCALL_DECL(fstat)
{
	struct file *f = fd_get(p, a[0]);
	struct tio_stat st;
	bool is_vnode;

	if (!f)
		return -EBADF;
	is_vnode = f->kind == FILE_VNODE;
	if (is_vnode)
		vnode_stat(f->vn, &st);
	file_put(f);
	if (!is_vnode)
		return -EBADF;
	return copy_to_user(p, a[1], &st, sizeof(st));
}

/* Writes entries from the file's position into [ubuf, ubuf+len): bytes, or an error. */
static long dents_fill(struct proc *p, struct file *f, uint64_t ubuf, uint64_t len)
{
	unsigned char rec[sizeof(struct tio_dirent) + TIO_NAME_MAX + 8];
	struct vfs_dirent d;
	uint64_t used = 0;

	for (;;) {
		struct tio_dirent *t = (struct tio_dirent *)rec;
		size_t nl = 0, reclen;
		int err = vfs_readdir(f, f->offset, &d);

		if (err == -ENOENT)
			break;
		if (err)
			return used ? (long)used : err;
		nl = strlen(d.name);
		reclen = (offsetof(struct tio_dirent, name) + nl + 1 + 7) & ~7UL;
		if (used + reclen > len)
			return used ? (long)used : -EINVAL;
		memset(rec, 0, reclen);
		t->ino = d.ino;
		t->reclen = (uint16_t)reclen;
		t->type = d.type;
		memcpy(t->name, d.name, nl + 1);
		/* Records already copied were consumed (the offset moved): report them. */
		if (copy_to_user(p, ubuf + used, rec, reclen))
			return used ? (long)used : -EFAULT;
		used += reclen;
		f->offset++;
	}
	return (long)used;
}

SYSCALL_DECL(getdents)
{
	struct file *f = fd_get(p, a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = f->kind == FILE_VNODE && vnode_is_dir(f->vn) ? dents_fill(p, f, a[1], a[2]) : -ENOTDIR;
	file_put(f);
	return r;
}

SYSCALL_DECL(mkdir)
{
	char abs[TIO_PATH_MAX];
	int err = user_path(p, a[0], abs);

	return err ? err : vfs_mkdir(abs);
}

SYSCALL_DECL(rmdir)
{
	char abs[TIO_PATH_MAX];
	int err = user_path(p, a[0], abs);

	return err ? err : vfs_remove(abs, true);
}

SYSCALL_DECL(unlink)
{
	char abs[TIO_PATH_MAX];
	int err = user_path(p, a[0], abs);

	return err ? err : vfs_remove(abs, false);
}

SYSCALL_DECL(rename)
{
	char from[TIO_PATH_MAX], to[TIO_PATH_MAX];
	int err = user_path(p, a[0], from);

	if (!err)
		err = user_path(p, a[1], to);
	return err ? err : vfs_rename(from, to);
}

static bool dup2_take_slot(struct proc *p, unsigned fd, struct file *f)
{
	struct file *none = NULL;

	return __atomic_compare_exchange_n(&p->fds[fd], &none, f, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

SYSCALL_DECL(dup2)
{
	struct file *f = fd_get(p, a[0]);

	if (!f)
		return -EBADF;
	if (a[1] >= PARAM_PROC_FDS) {
		file_put(f);
		return -EBADF;
	}
	if (a[0] == a[1]) {
		file_put(f);
		return (long)a[1];
	}
	if (p->fds[a[1]] == PROC_FD_RESERVED) {
		file_put(f);
		return -EBUSY; /* an ACCEPT is installing there (Linux's answer too) */
	}
	proc_fd_close(p, (unsigned)a[1]);
	if (proc_charge(p, PROC_RES_FILES, 1)) {
		file_put(f);
		return -EMFILE; /* all user processes at the descriptor cap */
	}
	/* An ACCEPT may have reserved the slot since it was closed (fd_reserve takes it by CAS). */
	if (!dup2_take_slot(p, (unsigned)a[1], f)) {
		proc_uncharge(p, PROC_RES_FILES, 1);
		file_put(f);
		return -EBUSY;
	}
	return (long)a[1];
}

SYSCALL_DECL(fsync)
{
	struct file *f = fd_get(p, a[0]);

	if (!f)
		return -EBADF;
	file_put(f);
	return 0; /* every filesystem today is in memory: nothing to write back */
}

SYSCALL_DECL(sync)
{
	(void)p;
	(void)a;
	return fat_sync_all(false); /* the memory filesystems have nothing to write */
}

/* Copies an optional user string (0: @dflt). */
static int user_str(struct proc *p, uint64_t u, char *out, size_t cap, const char *dflt)
{
	long n;

	if (!u) {
		strlcpy(out, dflt, cap);
		return 0;
	}
	n = strncpy_from_user(p, out, u, cap);
	return n < 0 ? (int)n : 0;
}

SYSCALL_DECL(mount)
{
	char src[32], dir[TIO_PATH_MAX], type[16];
	int err = user_str(p, a[0], src, sizeof(src), "none");

	if (!err)
		err = user_path(p, a[1], dir);
	if (!err)
		err = user_str(p, a[2], type, sizeof(type), "");
	if (err)
		return err;
	if (a[3] & ~(uint64_t)TIO_MNT_RDONLY)
		return -EINVAL;
	return vfs_mount(src, dir, type, (unsigned)a[3]);
}

SYSCALL_DECL(umount)
{
	char abs[TIO_PATH_MAX];
	int err = user_path(p, a[0], abs);

	return err ? err : vfs_umount(abs);
}

SYSCALL_DECL(ioctl)
{
	struct file *f = fd_get(p, a[0]);
	long r = -ENOTTY; /* no handler: the network's requests are not built yet */

	if (!f)
		return -EBADF;
	if (f->kind == FILE_SOCKET)
		r = sys_net_ioctl(p, a[1], a[2]); /* uapi/net.h */
	else if (sys_is_console(f))
		r = sys_tty_ioctl(p, a[1], a[2]); /* uapi/tty.h */
	else if (f->kind == FILE_VNODE && f->vn->ops->ioctl)
		r = f->vn->ops->ioctl(f->vn, a[1], a[2]); /* device files: md, loop */
	file_put(f);
	return r;
}

SYSCALL_DECL(statfs)
{
	char abs[TIO_PATH_MAX];
	struct tio_statfs st;
	int err = user_path(p, a[0], abs);

	if (!err)
		err = vfs_statfs(abs, &st);
	return err ? err : copy_to_user(p, a[1], &st, sizeof(st));
}

/* Two descriptors of a new pipe: fds[0] reads, fds[1] writes (fs/pipe.h). */
SYSCALL_DECL(pipe)
{
	struct file *rd, *wr;
	int fds[2], err;

	if (!uaccess_range_ok(a[0], sizeof(fds)))
		return -EFAULT;
	err = pipe_create(&rd, &wr);
	if (err)
		return err;
	fds[0] = fd_install(p, rd);
	if (fds[0] < 0) {
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(p, wr);
	if (fds[1] < 0) {
		err = fds[1];
		goto out_close_rd;
	}
	err = copy_to_user(p, a[0], fds, sizeof(fds));
	if (err)
		goto out_close_both;
	return 0;
out_close_both:
	proc_fd_close(p, fds[1]); /* gives the descriptor's charge back too */
out_close_rd:
	proc_fd_close(p, fds[0]);
	return err;
}
