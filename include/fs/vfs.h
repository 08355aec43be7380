/*
 * fs/vfs.h - the virtual filesystem: vnodes with an ops table, a mount
 * table, path walk, open files and their I/O through the async core.
 *
 * Interface:
 *   vfs_register_fstype(&t)              a filesystem type for mount
 *   vfs_mount(source, path, type, flags) mounts; unknown type -ENODEV
 *   vfs_umount(path)                     -EBUSY while any vnode of it is referenced
 *   vfs_resolve(cwd, path, out, cap)     absolute normalised path (., .., //)
 *   vfs_lookup(abs, &vn)                 walks from "/" crossing mounts; a reference
 *   vfs_lookup_parent(abs, &dir, name)   the directory that holds the last component
 *   vnode_get / vnode_put                references; the last put calls ops->release
 *   vnode_fs_get / vnode_fs_put          a filesystem's own references (see struct vnode)
 *   vfs_open(abs, flags, mode, &file)    a file object (offset, flags) with a reference
 *   file_get / file_put                  references of open files
 *   vfs_io_push(op, file, buf, len, off, write)  pushes the VFS I/O frame on @op
 *   vfs_io_now(file, buf, boff, len, off, write, &res)  the same I/O done at once,
 *                                        if the filesystem can (data in memory)
 *   vfs_kread(vn, off, dst, len)         kernel read (ELF loader), same path, waits
 *   vfs_sync_io(op, heap)                submits @op and sleeps until it completes;
 *                                        a killed process cancels it and still waits
 *
 * I/O path: every read and write is an async op. vfs_io_push() pushes the
 * "vfs" frame (offset bookkeeping, buffer borrow); its start pushes the
 * filesystem's own frame (vnode ops->io, whose state starts with struct
 * vfs_io) which completes at once (memory filesystems) or later (the
 * console waits for a line). The synchronous syscalls submit such an op and
 * wait; the async syscalls submit the same op on a user waiter slot. A
 * filesystem whose data is in memory also offers ops->io_now, the same work
 * without a frame: vfs_io_now() runs the vfs frame's checks and offset
 * bookkeeping around it, so the rings complete such a read or write in the
 * submitting thread without an op (docs/async.md, "Inline completion").
 *
 * Namespace changes: rename, rmdir/unlink and mount run under the rename
 * lock of the filesystem they change (a sleeping lock per mount, as Linux's
 * s_vfs_rename_mutex), taken before the walks whose results they act on.
 * Only a rename can change which directory is whose ancestor, so under that
 * lock the walk to a rename's new parent passes through every ancestor of
 * it: a walk that meets the directory being moved means "into itself"
 * (-EINVAL), however the paths are spelt and whatever ran concurrently.
 * Lock order: a rename lock, then the mount lock, then a filesystem's locks.
 *
 * Lock legend: [I] immutable after creation, [a] atomic, [M] vfs mount lock,
 * [L] the object's lock, [F] the filesystem's own lock, [R] the mount's
 * rename_guard.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <async/async.h>
#include <kernel/spinlock.h>
#include <kernel/waitq.h>
#include <uapi/async.h>
#include <uapi/fs.h>
#include <stdint.h>
#include <stdbool.h>

struct vnode;
struct vfs_mount;
struct net_sock;

struct vfs_dirent {
	uint64_t ino;
	uint8_t type; /* DT_* */
	char name[TIO_NAME_MAX + 1];
};

/* The head of every filesystem I/O frame's state, filled by the vfs frame. */
struct vfs_io {
	struct vnode *vn;      /* [I] */
	struct async_buf *buf; /* [I] borrowed for the op's life */
	uint64_t boff;	       /* [I] where in @buf the data starts (registered buffers) */
	uint64_t off;	       /* [I] file offset of the first byte */
	uint64_t len;	       /* [I] bytes, <= the buffer's length */
	bool write;	       /* [I] */
};

struct vnode_ops {
	/* Directory operations; absent ones give -ENOTDIR / -EROFS. */
	int (*lookup)(struct vnode *dir, const char *name, struct vnode **out);
	int (*create)(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name);
	int (*remove)(struct vnode *dir, const char *name, bool is_dir);
	int (*rename)(struct vnode *odir, const char *oname, struct vnode *ndir, const char *nname);
	/* Entry @index (0, 1, ...): 0, or -ENOENT past the last one. */
	int (*readdir)(struct vnode *dir, uint64_t index, struct vfs_dirent *out);
	int (*truncate)(struct vnode *v, uint64_t size);
	void (*stat)(struct vnode *v, struct tio_stat *st);
	/* File data: a layer whose state begins with struct vfs_io. */
	const struct async_layer *io;
	/* Optional: the same I/O done at once, in the caller's thread and without
	 * sleeping (the data is in memory); returns what io's frame would. */
	int64_t (*io_now)(struct vfs_io *io);
	/* The last reference went away. Optional. */
	void (*release)(struct vnode *v);
	/* A device request on an open file (md, loop); @arg is a user address or a
	 * number. Runs in the caller's thread. Absent: -ENOTTY. */
	long (*ioctl)(struct vnode *v, unsigned long req, uint64_t arg);
};

/*
 * References. @refs counts every reference; the vnode's filesystem frees it
 * (ops->release) when the last one goes. Two kinds:
 *  - counted: every vnode handed out of a filesystem, i.e. a walk's current
 *    step, a lookup's or create's result, an open file's vnode, a process's
 *    cwd, a mount's covered directory. Taken with vnode_get, dropped with
 *    vnode_put; each one also counts in mnt->refs, so a filesystem with a
 *    vnode in use anywhere cannot be unmounted (-EBUSY), and no vnode can
 *    outlive its filesystem's teardown.
 *  - the filesystem's own (a directory entry's link, the mount's hold on its
 *    root): set at creation or taken with vnode_fs_get, dropped with
 *    vnode_fs_put; they do not pin the mount, the filesystem's umount tears
 *    them down.
 * A counted reference is only made from another one (a lookup in a held
 * directory, vnode_get of a held vnode) or under the mount lock (a walk
 * entering a mount's root), so once umount has seen mnt->refs == 0 under
 * the mount lock, no new one can appear.
 */
struct vnode {
	const struct vnode_ops *ops; /* [I] */
	struct vfs_mount *mnt;	     /* [I] */
	uint64_t ino;		     /* [I] */
	uint32_t mode;		     /* [I] S_IF* | permissions */
	unsigned refs;		     /* [a] counted and the filesystem's own */
};

struct vfs_fstype {
	const char *name;
	/* Fills m->root (its own reference, see struct vnode) and m->priv; m->source is set. */
	int (*mount)(struct vfs_mount *m);
	void (*umount)(struct vfs_mount *m);
	void (*statfs)(struct vfs_mount *m, struct tio_statfs *st);
};

/*
 * A mounted filesystem: one instance per mount (a filesystem type that can
 * exist once refuses a second mount with -EBUSY). The slot is static: a
 * pointer to it stays valid after umount, which is why vnode_put may touch
 * mnt->refs after the vnode itself was freed.
 * @path stays the path of @covered: a rename of a mount point, onto one, or
 * of a directory with a mount point below it is refused (-EBUSY), and mount
 * publishes under the covered filesystem's rename lock.
 */
struct vfs_mount {
	const struct vfs_fstype *type; /* [I] */
	struct vnode *root;	       /* [I] the filesystem's own reference */
	struct vnode *covered;	       /* [I] the directory mounted on (counted), NULL for "/" */
	char source[32];	       /* [I] */
	char path[TIO_PATH_MAX];       /* [I] */
	unsigned flags;		       /* [I] TIO_MNT_* */
	unsigned refs;		       /* [a] counted vnode references (struct vnode) */
	void *priv;		       /* [I] the filesystem's */
	bool used;		       /* [M] table entry in use (visible to walks) */
	bool claimed;		       /* [M] being set up by vfs_mount, not yet used */
	/* The rename lock: held across a rename, a removal, a mount's publish. */
	struct spinlock rename_guard;
	bool rename_held;	/* [R] */
	struct waitq rename_wq; /* threads waiting for !rename_held */
};

enum file_kind { FILE_VNODE, FILE_WAITER, FILE_PBQ, FILE_SOCKET };

struct file {
	enum file_kind kind; /* [I] */
	unsigned refs;	     /* [a] */
	unsigned flags;	     /* [I] O_* */
	struct vnode *vn;    /* [I] FILE_VNODE */
	struct spinlock lock;
	uint64_t offset;			   /* [L] */
	struct async_waiter *waiter;		   /* [I] FILE_WAITER */
	struct async_pbq *pbq;			   /* [I] FILE_PBQ */
	struct async_buf *pbq_bufs[ASYNC_PBQ_MAX]; /* [O] the owner's provided buffers */
	struct net_sock *sock;			   /* [I] FILE_SOCKET (net/net.h) */
};

void vfs_init(void);
void vfs_register_fstype(const struct vfs_fstype *t);
int vfs_mount(const char *source, const char *path, const char *type, unsigned flags);
int vfs_umount(const char *path);
int vfs_statfs(const char *abs, struct tio_statfs *st);
/* Calls @fn for every mount under the mount lock (kinfo): fn must not block. */
void vfs_foreach_mount(void (*fn)(const struct vfs_mount *m, void *arg), void *arg);
/* Mounts as text, one per line ("source on path type fstype"), for kinfo. */
int vfs_resolve(const char *cwd, const char *path, char *out, size_t cap);
int vfs_lookup(const char *abs, struct vnode **out);
int vfs_lookup_parent(const char *abs, struct vnode **dir, char *name);

void vnode_get(struct vnode *v);
void vnode_put(struct vnode *v);
void vnode_fs_get(struct vnode *v);
void vnode_fs_put(struct vnode *v);
void vnode_stat(struct vnode *v, struct tio_stat *st);
bool vnode_is_dir(const struct vnode *v);

int vfs_open(const char *abs, unsigned flags, uint32_t mode, struct file **out);
int vfs_mkdir(const char *abs);
int vfs_remove(const char *abs, bool is_dir);
int vfs_rename(const char *from, const char *to);
/* Entry @index of an open directory, with "." and ".." first. */
int vfs_readdir(struct file *f, uint64_t index, struct vfs_dirent *out);

struct file *file_alloc(enum file_kind kind);
void file_get(struct file *f);
void file_put(struct file *f);

/* The I/O frame (see the head of this file). */
int vfs_io_push(struct async_op *op, struct file *f, struct async_buf *buf, uint64_t boff,
		uint64_t len, uint64_t off, bool write);
/* The frame's I/O without an op, if @f's filesystem has io_now: true with the
 * result in *res; false (nothing done) otherwise. The caller holds @buf. */
bool vfs_io_now(struct file *f, struct async_buf *buf, uint64_t boff, uint64_t len, uint64_t off,
		bool write, int64_t *res);
int64_t vfs_sync_io(struct async_op *op);
long vfs_kread(struct vnode *vn, uint64_t off, void *dst, size_t len);
/* Copies between an I/O buffer (kernel or pinned user pages) and kernel memory. */
void vfs_buf_copy_out(struct async_buf *buf, uint64_t boff, const void *src, size_t n);
void vfs_buf_copy_in(struct async_buf *buf, uint64_t boff, void *dst, size_t n);

/* Filesystems in this tree. */
void initrd_fs_init(void);
void devfs_init(void);
/* A driver's node /dev/@name (block devices); the vnode is the driver's, never freed. */
void devfs_register(const char *name, struct vnode *vn);
void tmpfs_init(void);

#endif
