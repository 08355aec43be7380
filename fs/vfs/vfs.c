/*
 * vfs.c - mount table, path resolution, vnode references and the namespace
 * operations (contract: fs/vfs.h).
 *
 * Paths are resolved lexically: vfs_resolve() joins a relative path to the
 * caller's cwd and folds ".", ".." and repeated slashes, so a walk is always
 * from "/" downwards and no filesystem needs a ".." entry (there are no
 * symbolic links). At each step the walk asks the mount table whether the
 * vnode it reached is covered by a mount, and continues in that mount's root.
 *
 * The mount table is small and changes rarely: one spinlock ([M]) covers it;
 * the walk takes it per step, never across a filesystem call.
 *
 * Lifetime (the rule at struct vnode): vnode_get/vnode_put count in the
 * vnode's mount, umount refuses while that count is not 0. Namespace
 * changes (rename, remove, mount) take the changed filesystem's rename lock
 * with lookup_locked() and act only on what they walked under it.
 */
#include <fs/fat.h>
#include <fs/vfs.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/string.h>
#include <uapi/errno.h>

#define FSTYPES_MAX 8

static struct spinlock mount_lock = SPINLOCK_INIT;
static struct vfs_mount mounts[PARAM_MAX_MOUNTS];     /* [M] */
static const struct vfs_fstype *fstypes[FSTYPES_MAX]; /* [M] */

void vfs_register_fstype(const struct vfs_fstype *t)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < FSTYPES_MAX; i++)
		if (!fstypes[i]) {
			fstypes[i] = t;
			break;
		}
	spin_unlock_irqrestore(&mount_lock, f);
}

static const struct vfs_fstype *fstype_find(const char *name)
{
	for (unsigned i = 0; i < FSTYPES_MAX && fstypes[i]; i++)
		if (!strcmp(fstypes[i]->name, name))
			return fstypes[i];
	return NULL;
}

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
	struct vfs_mount *m = v->mnt; /* a static slot: valid after the vnode is freed */

	/* The vnode first: once m->refs reaches 0, umount may tear its filesystem down. */
	vnode_fs_put(v);
	__atomic_sub_fetch(&m->refs, 1, __ATOMIC_RELEASE);
}

/* ---- The rename lock: a sleeping lock per mount ---- */

static void rename_lock_init(struct vfs_mount *m)
{
	spin_init(&m->rename_guard);
	m->rename_held = false;
	waitq_init(&m->rename_wq);
}

/* The caller holds a counted reference in @m (so it cannot be unmounted). */
static void rename_lock(struct vfs_mount *m)
{
	unsigned long f = spin_lock_irqsave(&m->rename_guard);

	while (m->rename_held)
		waitq_wait_locked(&m->rename_wq, &m->rename_guard, &f, WAITQ_FOREVER);
	m->rename_held = true;
	spin_unlock_irqrestore(&m->rename_guard, f);
}

static void rename_unlock(struct vfs_mount *m)
{
	unsigned long f = spin_lock_irqsave(&m->rename_guard);

	m->rename_held = false;
	spin_unlock_irqrestore(&m->rename_guard, f);
	waitq_wake_one(&m->rename_wq);
}

bool vnode_is_dir(const struct vnode *v)
{
	return (v->mode & S_IFMT) == S_IFDIR;
}

void vnode_stat(struct vnode *v, struct tio_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->ino = v->ino;
	st->mode = v->mode;
	st->nlink = 1;
	st->blksize = 4096;
	st->dev = (uint32_t)(v->mnt - mounts);
	if (v->ops->stat)
		v->ops->stat(v, st);
}

/* Appends component @c (length @n) to @out (length *len), or pops it for "..". */
static int path_push(char *out, size_t cap, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--; /* the slash; "/.." stays "/" */
		return 0;
	}
	if (n > TIO_NAME_MAX || *len + 1 + n >= cap)
		return -ENAMETOOLONG;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	return 0;
}

static int path_fold(const char *p, char *out, size_t cap, size_t *len)
{
	while (*p) {
		const char *s = p;
		int err;

		while (*p && *p != '/')
			p++;
		err = path_push(out, cap, len, s, (size_t)(p - s));
		if (err)
			return err;
		while (*p == '/')
			p++;
	}
	return 0;
}

int vfs_resolve(const char *cwd, const char *path, char *out, size_t cap)
{
	size_t len = 0;
	int err;

	if (!path[0])
		return -ENOENT;
	if (path[0] != '/') {
		err = path_fold(cwd, out, cap, &len);
		if (err)
			return err;
	}
	err = path_fold(path, out, cap, &len);
	if (err)
		return err;
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

/* The root of the mount covering @v, with a reference, or NULL. */
static struct vnode *mount_over(struct vnode *v)
{
	struct vnode *r = NULL;
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && mounts[i].covered == v) {
			r = mounts[i].root;
			vnode_get(r);
			break;
		}
	spin_unlock_irqrestore(&mount_lock, f);
	return r;
}

static struct vnode *root_vnode(void)
{
	struct vnode *r = NULL;
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && !mounts[i].covered) {
			r = mounts[i].root;
			vnode_get(r);
			break;
		}
	spin_unlock_irqrestore(&mount_lock, f);
	return r;
}

/* One step of the walk: @v (consumed) -> its entry @name, across mounts. */
static int walk_step(struct vnode *v, const char *name, struct vnode **out)
{
	struct vnode *next, *over;
	int err;

	if (!vnode_is_dir(v))
		err = -ENOTDIR;
	else if (!v->ops->lookup)
		err = -ENOENT;
	else
		err = v->ops->lookup(v, name, &next);
	vnode_put(v);
	if (err)
		return err;
	while ((over = mount_over(next)) != NULL) { /* mounts may be stacked */
		vnode_put(next);
		next = over;
	}
	*out = next;
	return 0;
}

/*
 * Walks @abs from "/". With @avoid set, a walk that reaches @avoid stops
 * with -EINVAL: under @avoid's rename lock that means @abs lies inside it.
 */
static int walk(const char *abs, const struct vnode *avoid, struct vnode **out)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *v = root_vnode();
	const char *p = abs;

	if (!v)
		return -ENOENT;
	for (;;) {
		size_t n = 0;
		int err;

		if (v == avoid) {
			vnode_put(v);
			return -EINVAL;
		}
		while (*p == '/')
			p++;
		if (!*p)
			break;
		while (p[n] && p[n] != '/')
			n++;
		if (n > TIO_NAME_MAX) {
			vnode_put(v);
			return -ENAMETOOLONG;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		err = walk_step(v, name, &v);
		if (err)
			return err;
	}
	*out = v;
	return 0;
}

int vfs_lookup(const char *abs, struct vnode **out)
{
	return walk(abs, NULL, out);
}

static int walk_parent(const char *abs, const struct vnode *avoid, struct vnode **dir, char *name)
{
	char parent[TIO_PATH_MAX];
	const char *slash = abs;
	size_t n;

	for (const char *p = abs; *p; p++)
		if (*p == '/')
			slash = p;
	if (!slash[0] || !slash[1])
		return -EBUSY; /* "/" itself */
	n = (size_t)(slash - abs);
	memcpy(parent, abs, n);
	parent[n ? n : 1] = '\0';
	if (!n)
		parent[0] = '/';
	strlcpy(name, slash + 1, TIO_NAME_MAX + 1);
	return walk(parent, avoid, dir);
}

int vfs_lookup_parent(const char *abs, struct vnode **dir, char *name)
{
	return walk_parent(abs, NULL, dir, name);
}

/* The walk of lookup_locked: @abs itself, or its parent (and last name) if @name. */
static int lookup_maybe_parent(const char *abs, char *name, struct vnode **out)
{
	return name ? walk_parent(abs, NULL, out, name) : walk(abs, NULL, out);
}

/* Tries before lookup_locked gives up on a path whose filesystem keeps changing. */
#define LOOKUP_LOCKED_TRIES 8

/*
 * Looks up @abs (its parent directory, and the last name into @name, if
 * @name) and takes the rename lock of the filesystem it is in, walking again
 * under the lock: the vnode returned is where @abs leads while the lock is
 * held. Undo with rename_unlock((*out)->mnt) and vnode_put(*out). Only a
 * mount or umount on the path between the two walks (the result lands in
 * another filesystem) makes it try again.
 */
static int lookup_locked(const char *abs, char *name, struct vnode **out)
{
	for (unsigned tries = 0; tries < LOOKUP_LOCKED_TRIES; tries++) {
		struct vnode *first, *again = NULL;
		int err = lookup_maybe_parent(abs, name, &first);

		if (err)
			return err;
		rename_lock(first->mnt);
		err = lookup_maybe_parent(abs, name, &again);
		if (!err && again->mnt == first->mnt) {
			vnode_put(first); /* @again holds the mount now */
			*out = again;
			return 0;
		}
		rename_unlock(first->mnt);
		vnode_put(first);
		if (err)
			return err;
		vnode_put(again);
	}
	return -EBUSY;
}

static bool mount_readonly(struct vnode *v)
{
	return v->mnt->flags & TIO_MNT_RDONLY;
}

int vfs_mkdir(const char *abs)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *dir;
	int err = vfs_lookup_parent(abs, &dir, name);

	if (err)
		return err == -EBUSY ? -EEXIST : err;
	if (!vnode_is_dir(dir))
		err = -ENOTDIR;
	else if (mount_readonly(dir) || !dir->ops->mkdir)
		err = -EROFS;
	else
		err = dir->ops->mkdir(dir, name);
	vnode_put(dir);
	return err;
}

/* True if some mount sits on @v or has its root at @v. */
static bool is_mountpoint(struct vnode *v)
{
	bool r = false;
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && (mounts[i].covered == v || mounts[i].root == v))
			r = true;
	spin_unlock_irqrestore(&mount_lock, f);
	return r;
}

/* True if a mount lies strictly below the directory at @abs (paths are kept true). */
static bool has_mount_below(const char *abs)
{
	size_t n = strlen(abs);
	bool r = false;
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && !strncmp(mounts[i].path, abs, n) && mounts[i].path[n] == '/')
			r = true;
	spin_unlock_irqrestore(&mount_lock, f);
	return r;
}

/* Entry @name of directory @dir, without crossing a mount (the covered vnode). */
static int dir_entry(struct vnode *dir, const char *name, struct vnode **out)
{
	if (!vnode_is_dir(dir))
		return -ENOTDIR;
	return dir->ops->lookup ? dir->ops->lookup(dir, name, out) : -ENOENT;
}

/* The checks of remove on entry @v of @dir. */
static int remove_check(struct vnode *dir, struct vnode *v, bool is_dir)
{
	if (is_dir != vnode_is_dir(v))
		return is_dir ? -ENOTDIR : -EISDIR;
	if (is_mountpoint(v))
		return -EBUSY;
	if (mount_readonly(dir) || !dir->ops->remove)
		return -EROFS;
	return 0;
}

int vfs_remove(const char *abs, bool is_dir)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *dir, *v;
	int err = lookup_locked(abs, name, &dir);

	if (err)
		return err;
	/* Under the rename lock: no mount can land on the entry in between. */
	err = dir_entry(dir, name, &v);
	if (!err) {
		err = remove_check(dir, v, is_dir);
		vnode_put(v);
	}
	if (!err)
		err = dir->ops->remove(dir, name, is_dir);
	rename_unlock(dir->mnt);
	vnode_put(dir);
	return err;
}

/* rename(x, x): 0 if x exists, its lookup error otherwise. */
static int rename_same(const char *abs)
{
	struct vnode *v;
	int err = vfs_lookup(abs, &v);

	if (!err)
		vnode_put(v);
	return err;
}

/* The entry that moves: entry @oname of @odir, which is the directory at @from. */
static int rename_source(struct vnode *odir, const char *oname, const char *from,
			 struct vnode **src)
{
	int err = dir_entry(odir, oname, src);

	if (err)
		return err;
	if (is_mountpoint(*src) || has_mount_below(from)) {
		vnode_put(*src);
		return -EBUSY;
	}
	return 0;
}

/* The checks between the new parent @ndir and the target entry @nname. */
static int rename_target(struct vnode *odir, struct vnode *ndir, const char *nname)
{
	struct vnode *t;
	int err;

	if (!vnode_is_dir(ndir))
		return -ENOTDIR; /* a file has no entries to link into */
	if (ndir->mnt != odir->mnt)
		return -EXDEV;
	if (mount_readonly(odir) || !odir->ops->rename)
		return -EROFS;
	err = dir_entry(ndir, nname, &t);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = is_mountpoint(t) ? -EBUSY : 0;
	vnode_put(t);
	return err;
}

/*
 * Under the source filesystem's rename lock: the source entry, then the walk
 * to the new parent, which must not pass through the source (a directory
 * cannot become its own ancestor: that would cut it and its subtree off
 * from "/", never to be freed).
 */
int vfs_rename(const char *from, const char *to)
{
	char oname[TIO_NAME_MAX + 1], nname[TIO_NAME_MAX + 1];
	struct vnode *odir, *src, *ndir;
	int err;

	if (!strcmp(from, to))
		return rename_same(from);
	err = lookup_locked(from, oname, &odir);
	if (err)
		return err;
	err = rename_source(odir, oname, from, &src);
	if (err)
		goto out_unlock;
	err = walk_parent(to, src, &ndir, nname);
	if (!err) {
		err = rename_target(odir, ndir, nname);
		if (!err)
			err = odir->ops->rename(odir, oname, ndir, nname);
		vnode_put(ndir);
	}
	vnode_put(src);
out_unlock:
	rename_unlock(odir->mnt);
	vnode_put(odir);
	return err;
}

static struct vfs_mount *mount_slot(void)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (!mounts[i].used && !mounts[i].claimed) {
			mounts[i].claimed = true;
			return &mounts[i];
		}
	return NULL;
}

/* Gives a claimed slot back (its filesystem, if any, is torn down). */
static void mount_release(struct vfs_mount *m)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);

	m->claimed = false;
	spin_unlock_irqrestore(&mount_lock, f);
}

/* Publishes @m over @covered unless something already sits there (@m stays claimed then). */
static int mount_publish(struct vfs_mount *m, struct vnode *covered)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);
	int err = 0;

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && mounts[i].covered == covered)
			err = -EBUSY;
	if (!err) {
		m->used = true;
		m->claimed = false;
	}
	spin_unlock_irqrestore(&mount_lock, f);
	return err;
}

static int mount_prepare(struct vfs_mount *m, const char *source, const char *path,
			 const char *type, unsigned flags)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);
	const struct vfs_fstype *t = fstype_find(type);

	spin_unlock_irqrestore(&mount_lock, f);
	if (!t) {
		klog(LOG_DEBUG, "mount: no filesystem type '%s' in this kernel\n", type);
		return -ENODEV;
	}
	memset(m, 0, sizeof(*m));
	m->type = t;
	m->flags = flags;
	strlcpy(m->source, source, sizeof(m->source));
	strlcpy(m->path, path, sizeof(m->path));
	return 0;
}

/* The directory to mount on, with its filesystem's rename lock held (none for "/"). */
static int mount_covered(const char *path, struct vnode **covered)
{
	struct vnode *r;
	int err;

	*covered = NULL;
	if (!strcmp(path, "/")) {
		r = root_vnode();
		if (r)
			vnode_put(r);
		return r ? -EBUSY : 0;
	}
	err = lookup_locked(path, NULL, covered);
	if (err)
		return err;
	if (vnode_is_dir(*covered))
		return 0;
	rename_unlock((*covered)->mnt);
	vnode_put(*covered);
	return -ENOTDIR;
}

/* Sets up the filesystem in a claimed slot and makes it visible over @covered. */
static int mount_attach(struct vfs_mount *tmp, struct vnode *covered)
{
	struct vfs_mount *m;
	unsigned long f = spin_lock_irqsave(&mount_lock);
	int err;

	m = mount_slot();
	if (m) {
		*m = *tmp;
		m->claimed = true; /* invisible to walks until mount_publish */
	}
	spin_unlock_irqrestore(&mount_lock, f);
	if (!m)
		return -ENOSPC;
	rename_lock_init(m);
	m->covered = covered;
	err = m->type->mount(m);
	if (err)
		goto out_release;
	err = mount_publish(m, covered);
	if (!err)
		return 0;
	if (m->type->umount)
		m->type->umount(m);
out_release:
	mount_release(m);
	return err;
}

/*
 * The covered directory is found and the new mount published under the
 * covered filesystem's rename lock, so no rename moves or replaces the
 * directory in between and m->path stays its path. The filesystem's own
 * mount runs under that lock too: it must not rename, remove or mount in
 * the filesystem it is mounted on.
 */
int vfs_mount(const char *source, const char *path, const char *type, unsigned flags)
{
	struct vfs_mount tmp;
	struct vnode *covered;
	int err = mount_prepare(&tmp, source, path, type, flags);

	if (err)
		return err;
	err = mount_covered(path, &covered);
	if (err)
		return err;
	err = mount_attach(&tmp, covered);
	if (!covered)
		return err;
	rename_unlock(covered->mnt); /* on success, the mount's reference keeps it */
	if (err)
		vnode_put(covered);
	return err;
}

/* [M] Is @m's root covered by another mount (stacked on it)? */
static bool __root_covered(const struct vfs_mount *m)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && mounts[i].covered == m->root)
			return true;
	return false;
}

/* [M] The topmost mount at @abs (one stacked on another's root hides it). */
static struct vfs_mount *__mount_at(const char *abs)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && !strcmp(mounts[i].path, abs) && !__root_covered(&mounts[i]))
			return &mounts[i];
	return NULL;
}

/*
 * A mount with any counted vnode reference (an open file, a walk or call in
 * progress, a cwd, a mount below whose covered directory is in it) is busy.
 * Checked under the mount lock, which a walk holds to enter the mount's
 * root: once refs == 0 is seen here, nothing can reach the filesystem.
 */
int vfs_umount(const char *abs)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);
	struct vfs_mount *m = __mount_at(abs);
	int err = 0;

	if (!m)
		err = -EINVAL;
	else if (!m->covered || __atomic_load_n(&m->refs, __ATOMIC_ACQUIRE))
		err = -EBUSY;
	else {
		m->used = false;
		m->claimed = true; /* the slot is not free until torn down */
	}
	spin_unlock_irqrestore(&mount_lock, f);
	if (err)
		return err;
	if (m->type->umount)
		m->type->umount(m);
	vnode_put(m->covered);
	mount_release(m);
	return 0;
}

int vfs_statfs(const char *abs, struct tio_statfs *st)
{
	struct vnode *v;
	int err = vfs_lookup(abs, &v);

	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	strlcpy(st->fstype, v->mnt->type->name, sizeof(st->fstype));
	strlcpy(st->source, v->mnt->source, sizeof(st->source));
	st->flags = v->mnt->flags;
	st->bsize = 4096;
	if (v->mnt->type->statfs)
		v->mnt->type->statfs(v->mnt, st);
	vnode_put(v);
	return 0;
}

void vfs_foreach_mount(void (*fn)(const struct vfs_mount *m, void *arg), void *arg)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used)
			fn(&mounts[i], arg);
	spin_unlock_irqrestore(&mount_lock, f);
}

void vfs_init(void)
{
	initrd_fs_init();
	devfs_init();
	tmpfs_init();
	fat_init();
}
