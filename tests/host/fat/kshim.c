/*
 * kshim.c - the kernel pieces fs/fat and fs/bcache call, for their host build
 * (test scaffolding, tests/host/fat): klog, the clock, a sleep, strlcpy, wait
 * queues, vnode references, I/O buffer copies and the filesystem type table.
 * Each keeps the kernel's contract (include/fs/vfs.h, kernel/waitq.h); the
 * VFS calls only the boot-time automount makes abort (the harness mounts
 * through fathost_mount).
 */
#include <fs/vfs.h>
#include <kernel/console.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/waitq.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "fathost.h"

static int64_t clock_ns = 1767225600LL * 1000000000LL; /* 2026-01-01 00:00 UTC */

void fathost_set_clock(int64_t realtime_ns)
{
	clock_ns = realtime_ns;
}

int64_t clock_realtime_ns(void)
{
	return clock_ns;
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (!getenv("FAT_HOST_LOG"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void thread_sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};

	nanosleep(&ts, NULL);
}

size_t kshim_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t k = n < size - 1 ? n : size - 1;

		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

/* ---- Wait queues: a waiter polls (a spurious wakeup each time), wakes are no-ops ---- */

void waitq_init(struct waitq *wq)
{
	wq->waits = 0;
}

unsigned waitq_wake_all(struct waitq *wq)
{
	(void)wq;
	return 0;
}

unsigned waitq_wake_one(struct waitq *wq)
{
	(void)wq;
	return 0;
}

int waitq_wait_locked(struct waitq *wq, struct spinlock *lock, unsigned long *flags,
		      uint64_t deadline_ns)
{
	(void)deadline_ns;
	__atomic_add_fetch(&wq->waits, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(lock, *flags);
	thread_sleep_ns(10000);
	*flags = spin_lock_irqsave(lock);
	return 0;
}

/* ---- Vnode references, as fs/vfs/vfs.c counts them ---- */

void vnode_fs_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
}

void vnode_fs_put(struct vnode *v)
{
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0 && v->ops->release)
		v->ops->release(v);
}

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->mnt->refs, 1, __ATOMIC_RELAXED);
	vnode_fs_get(v);
}

void vnode_put(struct vnode *v)
{
	struct vfs_mount *m = v->mnt;

	vnode_fs_put(v);
	__atomic_sub_fetch(&m->refs, 1, __ATOMIC_RELEASE);
}

bool vnode_is_dir(const struct vnode *v)
{
	return (v->mode & S_IFMT) == S_IFDIR;
}

/* ---- Buffer copies: kernel data, or "physical" ranges that are host addresses ---- */

static void buf_copy(struct async_buf *buf, uint64_t boff, void *k, size_t n, bool out)
{
	unsigned char *data = async_buf_data(buf), *kp = k;
	const struct async_sg *sg;
	unsigned nsg = async_buf_sg(buf, &sg);

	if (data) {
		if (out)
			memcpy(data + boff, kp, n);
		else
			memcpy(kp, data + boff, n);
		return;
	}
	for (unsigned i = 0; i < nsg && n; i++) {
		size_t piece;

		if (boff >= sg[i].len) {
			boff -= sg[i].len;
			continue;
		}
		piece = sg[i].len - boff < n ? sg[i].len - boff : n;
		if (out)
			memcpy((unsigned char *)(uintptr_t)sg[i].phys + boff, kp, piece);
		else
			memcpy(kp, (unsigned char *)(uintptr_t)sg[i].phys + boff, piece);
		kp += piece;
		n -= piece;
		boff = 0;
	}
}

void vfs_buf_copy_out(struct async_buf *buf, uint64_t boff, const void *src, size_t n)
{
	buf_copy(buf, boff, (void *)src, n, true);
}

void vfs_buf_copy_in(struct async_buf *buf, uint64_t boff, void *dst, size_t n)
{
	buf_copy(buf, boff, dst, n, false);
}

/* The block layer's copy (drivers/block/block.c), which FAT readahead uses. */
void blk_buf_copy(struct async_buf *buf, uint64_t boff, void *k, size_t n, bool to_buf)
{
	buf_copy(buf, boff, k, n, to_buf);
}

/* ---- Filesystem types ---- */

static const struct vfs_fstype *fstypes[4];

void vfs_register_fstype(const struct vfs_fstype *t)
{
	for (unsigned i = 0; i < 4; i++)
		if (!fstypes[i] || fstypes[i] == t) {
			fstypes[i] = t;
			return;
		}
	abort();
}

const struct vfs_fstype *fathost_fstype(const char *name)
{
	for (unsigned i = 0; i < 4 && fstypes[i]; i++)
		if (!strcmp(fstypes[i]->name, name))
			return fstypes[i];
	return NULL;
}

/* The boot-time automount's calls: not part of the host harness. */
int vfs_mount(const char *source, const char *path, const char *type, unsigned flags)
{
	fprintf(stderr, "fathost: vfs_mount(%s, %s, %s, %u) is not in the host harness\n", source,
		path, type, flags);
	abort();
}

int vfs_mkdir(const char *abs)
{
	fprintf(stderr, "fathost: vfs_mkdir(%s) is not in the host harness\n", abs);
	abort();
}
