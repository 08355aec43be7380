/*
 * fathost.c - mounting and reading FAT on the host (contract: fathost.h).
 * Reads run as ops through the file's own "fat" frame over the memblk
 * device, as the kernel's vfs frame pushes it; writes run the frame's
 * write step (fat_write_work) in the calling thread instead of a worker.
 */
#include <fs/bcache.h>
#include <fs/fat.h>
#include <kernel/string.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <uapi/errno.h>
#include "../../../fs/fat/fat_int.h"
#include "fathost.h"

#define MOUNTS_MAX 4

static struct vfs_mount mounts[MOUNTS_MAX];

void fathost_init(void)
{
	fat_init();
}

int fathost_mount(struct memblk *m, bool rdonly, struct vfs_mount **out)
{
	const struct vfs_fstype *t = fathost_fstype("vfat");
	struct vfs_mount *mnt = NULL;
	int err;

	for (unsigned i = 0; i < MOUNTS_MAX && !mnt; i++)
		if (!mounts[i].used)
			mnt = &mounts[i];
	if (!t || !mnt)
		return -ENOSPC;
	memset(mnt, 0, sizeof(*mnt));
	mnt->type = t;
	mnt->claimed = true;
	mnt->flags = rdonly ? TIO_MNT_RDONLY : 0;
	strlcpy(mnt->source, m->dev.name, sizeof(mnt->source));
	strlcpy(mnt->path, "/mnt/host", sizeof(mnt->path));
	spin_init(&mnt->rename_guard);
	waitq_init(&mnt->rename_wq);
	err = t->mount(mnt);
	if (err) {
		mnt->claimed = false;
		return err;
	}
	mnt->used = true;
	*out = mnt;
	return 0;
}

int fathost_umount(struct vfs_mount *mnt)
{
	if (__atomic_load_n(&mnt->refs, __ATOMIC_ACQUIRE))
		return -EBUSY;
	mnt->type->umount(mnt);
	mnt->used = mnt->claimed = false;
	return 0;
}

struct op_wait {
	int done;	/* [a] */
	int64_t result; /* valid once @done */
};

static void op_done(struct async_op *op, int64_t result, void *arg)
{
	struct op_wait *w = arg;

	(void)op;
	w->result = result;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

/* Waits for @w, at most 60 s: an op that never completes is a hang, reported as a crash. */
static void op_wait(struct op_wait *w)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 60) {
			fprintf(stderr, "fathost: a read op did not complete in 60 s\n");
			abort();
		}
		sched_yield();
	}
}

int64_t fathost_read(struct vnode *vn, uint64_t off, void *dst, uint64_t len)
{
	struct op_wait w = {0};
	struct async_buf *buf;
	struct async_op *op;
	struct vfs_io *io;
	int err;

	if (!len)
		return 0;
	buf = async_buf_borrowed(dst, len, ASYNC_BUF_WRITE);
	op = async_op_alloc(NULL);
	io = op ? async_push(op, vn->ops->io) : NULL;
	if (!io) {
		if (op)
			async_op_discard(op);
		if (buf)
			async_buf_release(buf);
		return -ENOMEM;
	}
	*io = (struct vfs_io){.vn = vn, .buf = buf, .off = off, .len = len};
	err = async_op_submit_fn(op, op_done, &w);
	if (err) {
		async_buf_release(buf);
		return err;
	}
	op_wait(&w);
	async_buf_release(buf);
	return w.result;
}

int64_t fathost_write(struct vnode *vn, uint64_t off, const void *src, uint64_t len)
{
	struct vfs_io io = {.vn = vn, .off = off, .len = len, .write = true};
	int64_t r;

	if (!len)
		return 0;
	io.buf = async_buf_borrowed((void *)src, len, ASYNC_BUF_READ);
	if (!io.buf)
		return -ENOMEM;
	r = fat_write_work(&io);
	async_buf_release(io.buf);
	return r;
}

struct leak_scan {
	char what[160];
};

static void pool_leak(struct async_pool *p, void *arg)
{
	struct leak_scan *l = arg;
	struct async_pool_stats st;

	async_pool_stats(p, &st);
	if (st.in_use && !l->what[0])
		snprintf(l->what, sizeof(l->what), "pool %s: %u objects still allocated", st.name,
			 st.in_use);
}

const char *fathost_leaks(const struct memblk *m, bool clean_ok)
{
	static struct leak_scan l;
	struct bcache_usage u;

	memset(&l, 0, sizeof(l));
	async_pool_foreach(pool_leak, &l);
	if (l.what[0])
		return l.what;
	bcache_usage((struct blk_dev *)&m->dev, &u);
	if ((u.cached && !clean_ok) || u.dirty || u.busy) {
		snprintf(l.what, sizeof(l.what),
			 "bcache: %u sectors of %s still cached (%u dirty, %u busy)", u.cached,
			 m->dev.name, u.dirty, u.busy);
		return l.what;
	}
	return NULL;
}
