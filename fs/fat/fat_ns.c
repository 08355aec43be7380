/*
 * fat_ns.c - the namespace calls of a FAT volume: create, mkdir, unlink,
 * rmdir and rename (within the volume, across directories: a moved
 * directory's ".." follows). Each runs in the calling thread under the
 * volume lock. A file or directory that is in use (an open file, a cwd: a
 * live node) cannot be removed or replaced (-EBUSY): its clusters would be
 * freed under it. Contract: fs/fat.h, locking in fat_int.h.
 */
#include <fs/bcache.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

/* ---- Namespace calls ---- */

static struct fat_node *dnode(struct vnode *v)
{
	return container_of(v, struct fat_node, vn);
}

/* [V] 0 if @name is free in @dir, -EEXIST, or the walk's error. */
static int name_free(struct fat_node *dir, const char *name)
{
	int r = fat_find(dir, name, &dir->vol->ent[1]);

	return r == -ENOENT ? 0 : r ? r : -EEXIST;
}

int fat_create(struct vnode *dirv, const char *name, uint32_t mode, struct vnode **out)
{
	struct fat_node *dir = dnode(dirv), *n = NULL;
	struct fat_vol *v = dir->vol;
	struct fat_entry *e = &v->ent[0];
	int err;

	(void)mode;
	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_writable(v) ?: name_free(dir, name);
	if (!err) {
		fat_tmpl_init(e->raw, FAT_ATTR_ARCH, 0);
		err = fat_entry_add(dir, name, e->raw, &e->where);
	}
	if (!err) {
		e->first_where = e->where;
		n = fat_node_get(v, e);
		err = n ? 0 : -ENOMEM;
	}
	fat_unlock(v);
	if (!err && out)
		*out = &n->vn;
	else if (n)
		vnode_put(&n->vn);
	return err;
}

/* [V] Writes "." and ".." into the new directory cluster @c of parent @dir. */
static int dir_dots(struct fat_node *dir, uint32_t c)
{
	uint8_t e[FAT_DIRENT];
	uint32_t up = dir->fixed_root || dir->first == dir->vol->root_cluster ? 0 : dir->first;
	int err;

	fat_tmpl_init(e, FAT_ATTR_DIR, c);
	memset(e, ' ', 11);
	e[0] = '.';
	err = fat_slot_write(dir->vol, fat_cluster_lba(dir->vol, c) * 16, e);
	if (err)
		return err;
	fat_tmpl_init(e, FAT_ATTR_DIR, up);
	memset(e, ' ', 11);
	e[0] = e[1] = '.';
	return fat_slot_write(dir->vol, fat_cluster_lba(dir->vol, c) * 16 + 1, e);
}

int fat_mkdir(struct vnode *dirv, const char *name)
{
	struct fat_node *dir = dnode(dirv);
	struct fat_vol *v = dir->vol;
	uint64_t where;
	uint32_t c = 0;
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_writable(v) ?: name_free(dir, name);
	if (!err)
		err = fat_cluster_alloc(v, &c);
	if (!err)
		err = dir_dots(dir, c);
	if (!err) {
		fat_tmpl_init(v->ent[0].raw, FAT_ATTR_DIR, c);
		err = fat_entry_add(dir, name, v->ent[0].raw, &where);
	}
	if (err && c)
		fat_chain_free(v, c);
	fat_unlock(v);
	return err;
}

static int any_entry_fn(const struct fat_entry *e, uint64_t index, void *arg)
{
	(void)e, (void)index, (void)arg;
	return 2;
}

static uint32_t entry_first(const struct fat_vol *v, const uint8_t *raw)
{
	return fat_le16(raw + 26) | (v->bits == 32 ? (uint32_t)fat_le16(raw + 20) << 16 : 0);
}

/* [V] May entry @e go away (the type asked, an empty directory, not in use)? */
static int removable(struct fat_node *dir, const struct fat_entry *e, bool is_dir)
{
	bool d = e->raw[11] & FAT_ATTR_DIR;
	struct fat_node tmp = {.vol = dir->vol};
	struct fat_node *live;
	int r;

	if (d != is_dir)
		return is_dir ? -ENOTDIR : -EISDIR;
	if (!d)
		return 0; /* an open file loses its name now, its clusters at its last close */
	live = fat_node_find(dir->vol, e->where);
	if (live) {
		vnode_put(&live->vn);
		return -EBUSY; /* a directory open or a cwd: its clusters must stay (documented) */
	}
	tmp.first = entry_first(dir->vol, e->raw);
	r = fat_dir_walk(&tmp, 0, any_entry_fn, NULL);
	return r < 0 ? r : r ? -ENOTEMPTY : 0;
}

/*
 * [V] Removes entry @e of @dir and frees its clusters, or, when the file is
 * open, leaves them to its node, which lives on without a name until its
 * last reference goes (fat_release, fat_reap). A crash before that leaves
 * its clusters allocated without an entry: lost clusters, which fsck frees.
 */
static int entry_remove(struct fat_node *dir, const struct fat_entry *e)
{
	struct fat_node *live = fat_node_find(dir->vol, e->where);
	int err = fat_entry_erase(dir, e);

	if (!err && live)
		fat_node_unlinked(live);
	else if (!err)
		err = fat_chain_free(dir->vol, entry_first(dir->vol, e->raw));
	if (live)
		vnode_put(&live->vn); /* maybe the last: then fat_reap frees the chain */
	return err;
}

int fat_remove(struct vnode *dirv, const char *name, bool is_dir)
{
	struct fat_node *dir = dnode(dirv);
	struct fat_vol *v = dir->vol;
	struct fat_entry *e = &v->ent[0];
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_writable(v) ?: fat_find(dir, name, e);
	if (!err)
		err = removable(dir, e, is_dir);
	if (!err)
		err = entry_remove(dir, e);
	fat_unlock(v);
	return err;
}

/* [V] A directory moved to @ndir: its ".." names the new parent. */
static int dotdot_update(struct fat_node *ndir, uint32_t c)
{
	struct fat_vol *v = ndir->vol;
	uint32_t up = ndir->fixed_root || ndir->first == v->root_cluster ? 0 : ndir->first;
	uint8_t b[2];

	b[0] = (uint8_t)(up >> 16), b[1] = (uint8_t)(up >> 24);
	if (bcache_write(v->dev, fat_cluster_lba(v, c), FAT_DIRENT + 20, b, 2))
		return -EIO;
	b[0] = (uint8_t)up, b[1] = (uint8_t)(up >> 8);
	return bcache_write(v->dev, fat_cluster_lba(v, c), FAT_DIRENT + 26, b, 2);
}

/* [V] Under the lock: @o (in odir) becomes @nname in @ndir, replacing @t if found. */
static int __rename(struct fat_node *odir, struct fat_entry *o, struct fat_node *ndir,
		    const char *nname)
{
	struct fat_vol *v = odir->vol;
	struct fat_entry *t = &v->ent[1];
	bool is_dir = o->raw[11] & FAT_ATTR_DIR;
	uint8_t tmpl[FAT_DIRENT];
	uint64_t where;
	int err = fat_find(ndir, nname, t);
	bool same = !err && t->where == o->where;

	if (!err && !same) {
		err = removable(ndir, t, is_dir);
		if (!err)
			err = entry_remove(ndir, t);
		if (err)
			return err;
	} else if (err && err != -ENOENT) {
		return err;
	}
	memcpy(tmpl, o->raw, FAT_DIRENT);
	if (same) { /* a case-only rename: the new name is the entry's own */
		err = fat_entry_erase(odir, o);
		if (!err)
			err = fat_entry_add(ndir, nname, tmpl, &where);
	} else { /* the new entry first: a failure leaves the old one */
		err = fat_entry_add(ndir, nname, tmpl, &where);
		if (!err)
			err = fat_entry_erase(odir, o);
	}
	if (err)
		return err;
	fat_node_moved(v, o->where, where);
	if (is_dir && odir != ndir)
		err = dotdot_update(ndir, entry_first(v, tmpl));
	return err;
}

int fat_rename(struct vnode *odirv, const char *oname, struct vnode *ndirv, const char *nname)
{
	struct fat_node *odir = dnode(odirv), *ndir = dnode(ndirv);
	struct fat_vol *v = odir->vol;
	struct fat_entry *o = &v->ent[0];
	int err;

	if (!v->rw)
		return -EROFS;
	fat_lock(v);
	err = fat_writable(v) ?: fat_find(odir, oname, o);
	if (!err && !(odir == ndir && !strcmp(oname, nname)))
		err = __rename(odir, o, ndir, nname);
	fat_unlock(v);
	return err;
}
