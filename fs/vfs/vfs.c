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
 */
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

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *v)
{
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0 && v->ops->release)
		v->ops->release(v);
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
	over = mount_over(next);
	if (over) {
		vnode_put(next);
		next = over;
	}
	*out = next;
	return 0;
}

int vfs_lookup(const char *abs, struct vnode **out)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *v = root_vnode();
	const char *p = abs;

	if (!v)
		return -ENOENT;
	while (*p) {
		size_t n = 0;
		int err;

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

int vfs_lookup_parent(const char *abs, struct vnode **dir, char *name)
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
	return vfs_lookup(parent, dir);
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

int vfs_remove(const char *abs, bool is_dir)
{
	char name[TIO_NAME_MAX + 1];
	struct vnode *dir, *v;
	int err = vfs_lookup(abs, &v);

	if (err)
		return err;
	if (is_dir != vnode_is_dir(v))
		err = is_dir ? -ENOTDIR : -EISDIR;
	else if (is_mountpoint(v))
		err = -EBUSY;
	vnode_put(v);
	if (err)
		return err;
	err = vfs_lookup_parent(abs, &dir, name);
	if (err)
		return err;
	if (mount_readonly(dir) || !dir->ops->remove)
		err = -EROFS;
	else
		err = dir->ops->remove(dir, name, is_dir);
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

int vfs_rename(const char *from, const char *to)
{
	char oname[TIO_NAME_MAX + 1], nname[TIO_NAME_MAX + 1];
	struct vnode *odir, *ndir;
	size_t fl = strlen(from);
	int err;

	/* A directory cannot move into itself; onto itself is nothing, if it exists. */
	if (!strncmp(from, to, fl) && (to[fl] == '/' || to[fl] == '\0'))
		return strcmp(from, to) ? -EINVAL : rename_same(from);
	err = vfs_lookup_parent(from, &odir, oname);
	if (err)
		return err;
	err = vfs_lookup_parent(to, &ndir, nname);
	if (err)
		goto out_put_odir;
	/* Both parents must be directories: a file has no entries to link into. */
	if (!vnode_is_dir(odir) || !vnode_is_dir(ndir))
		err = -ENOTDIR;
	else if (odir->mnt != ndir->mnt)
		err = -EXDEV;
	else if (mount_readonly(odir) || !odir->ops->rename)
		err = -EROFS;
	else
		err = odir->ops->rename(odir, oname, ndir, nname);
	vnode_put(ndir);
out_put_odir:
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

/* Publishes @m over @covered unless something already sits there. */
static int mount_publish(struct vfs_mount *m, struct vnode *covered)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);
	int err = 0;

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && mounts[i].covered == covered)
			err = -EBUSY;
	if (!err)
		m->used = true;
	m->claimed = false;
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

int vfs_mount(const char *source, const char *path, const char *type, unsigned flags)
{
	struct vfs_mount tmp, *m;
	struct vnode *covered = NULL;
	unsigned long f;
	int err = mount_prepare(&tmp, source, path, type, flags);

	if (err)
		return err;
	if (strcmp(path, "/")) {
		err = vfs_lookup(path, &covered);
		if (err)
			return err;
		if (!vnode_is_dir(covered)) {
			vnode_put(covered);
			return -ENOTDIR;
		}
	} else if ((covered = root_vnode()) != NULL) {
		vnode_put(covered);
		return -EBUSY;
	}
	f = spin_lock_irqsave(&mount_lock);
	m = mount_slot();
	if (m) {
		*m = tmp;
		m->claimed = true; /* invisible to walks until mount_publish */
	}
	spin_unlock_irqrestore(&mount_lock, f);
	if (!m) {
		err = -ENOSPC;
		goto out_put_covered;
	}
	m->covered = covered;
	err = m->type->mount(m);
	if (err) {
		m->claimed = false;
		goto out_put_covered;
	}
	err = mount_publish(m, covered);
	if (!err)
		return 0;
	if (m->type->umount)
		m->type->umount(m);
out_put_covered:
	if (covered)
		vnode_put(covered);
	return err;
}

static struct vfs_mount *mount_at(const char *abs)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && !strcmp(mounts[i].path, abs))
			return &mounts[i];
	return NULL;
}

static bool has_child_mount(const struct vfs_mount *m)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (mounts[i].used && mounts[i].covered && mounts[i].covered->mnt == m)
			return true;
	return false;
}

int vfs_umount(const char *abs)
{
	unsigned long f = spin_lock_irqsave(&mount_lock);
	struct vfs_mount *m = mount_at(abs);
	int err = 0;

	if (!m)
		err = -EINVAL;
	else if (!m->covered || __atomic_load_n(&m->files, __ATOMIC_ACQUIRE) || has_child_mount(m))
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
	f = spin_lock_irqsave(&mount_lock);
	m->claimed = false;
	spin_unlock_irqrestore(&mount_lock, f);
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
}
