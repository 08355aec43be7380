/*
 * fat_mount.c - mounting FAT volumes: boot sector (BPB) validation, the
 * volume's geometry, mount/umount/statfs of the "vfat" type and the boot-time
 * automount on /mnt/NAME (contract: fs/fat.h).
 *
 * The BPB check itself (every sector on the device, a FAT large enough for
 * every cluster, the FAT type from the cluster count) is fat_bpb.c, pure so
 * the host fuzzes it. One mount per device: a second one is
 * -EBUSY (the VFS's ancestry rules assume one mount per instance).
 */
#include <fs/bcache.h>
#include <fs/fat.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_bpb.h"
#include "fat_int.h"

ASYNC_POOL_DEFINE(fat_vol_pool, "fat_vol", struct fat_vol, PARAM_MAX_MOUNTS);

static struct spinlock fat_vols_lock = SPINLOCK_INIT;
static struct fat_vol *fat_in_use[PARAM_MAX_MOUNTS]; /* [fat_vols_lock] mounted volumes */

_Static_assert(FAT_BPB_SECTOR == BLK_SECTOR, "fat_bpb.c checks the block layer's sector size");

/* Copies the checked geometry @g into @v. */
static void vol_geometry(struct fat_vol *v, const struct fat_geom *g)
{
	v->bits = g->bits;
	v->spc = g->spc;
	v->nfats = g->nfats;
	v->fat_start = g->fat_start;
	v->fat_sectors = g->fat_sectors;
	v->root_start = g->root_start;
	v->root_sectors = g->root_sectors;
	v->data_start = g->data_start;
	v->clusters = g->clusters;
	v->root_cluster = g->root_cluster;
	v->total_sectors = g->total_sectors;
}

/* Validates the boot sector of @d into @v: 0 or -EINVAL (logged unless @quiet). */
static int vol_probe(struct blk_dev *d, struct fat_vol *v, bool quiet)
{
	uint8_t sector[BLK_SECTOR];
	struct fat_geom g;
	const char *why;
	int r;

	r = bcache_read(d, 0, 0, sector, sizeof(sector));
	if (r < 0)
		return (int)r;
	why = fat_bpb_check(sector, d->sectors, &g);
	if (!why) {
		vol_geometry(v, &g);
		return 0;
	}
	if (!quiet)
		klog(LOG_WARN, "vfat: %s: not mounted: bad boot sector: %s\n", d->name, why);
	return -EINVAL;
}

/* Registers @v as mounted: 0, or -EBUSY when its device already is, -ENOSPC table full. */
static int dev_claim(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&fat_vols_lock);
	int err = -ENOSPC;

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (fat_in_use[i] && fat_in_use[i]->dev == v->dev)
			err = -EBUSY;
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS && err == -ENOSPC; i++)
		if (!fat_in_use[i]) {
			fat_in_use[i] = v;
			err = 0;
		}
	spin_unlock_irqrestore(&fat_vols_lock, f);
	return err;
}

/* [fat_vols_lock] */
static void __dev_unclaim(struct fat_vol *v)
{
	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++)
		if (fat_in_use[i] == v)
			fat_in_use[i] = NULL;
}

static void dev_unclaim(struct fat_vol *v)
{
	unsigned long f = spin_lock_irqsave(&fat_vols_lock);

	__dev_unclaim(v);
	spin_unlock_irqrestore(&fat_vols_lock, f);
}

/*
 * Flushes every mounted volume (sync; poweroff with @clean, which also
 * clears the dirty flags: the machine stops with the volumes consistent).
 * Volumes stay registered until their umount has flushed them, so none is
 * torn down under this walk's lock-free flush: umount waits on the volume lock.
 */
int fat_sync_all(bool clean)
{
	int err = 0, e;

	for (unsigned i = 0; i < PARAM_MAX_MOUNTS; i++) {
		unsigned long f = spin_lock_irqsave(&fat_vols_lock);
		struct fat_vol *v = fat_in_use[i];

		if (v)
			v->busy++;
		spin_unlock_irqrestore(&fat_vols_lock, f);
		if (!v)
			continue;
		fat_lock(v);
		e = fat_flush(v, clean);
		fat_unlock(v);
		f = spin_lock_irqsave(&fat_vols_lock);
		v->busy--;
		spin_unlock_irqrestore(&fat_vols_lock, f);
		if (e && !err)
			err = e;
	}
	return err;
}

/* "/dev/hda1" or "hda1": the block device, or NULL. */
static struct blk_dev *source_dev(const char *source)
{
	if (!strncmp(source, "/dev/", 5))
		source += 5;
	return blk_find(source);
}

static int fat_mount(struct vfs_mount *m)
{
	uint8_t boot[BLK_SECTOR];
	struct blk_dev *d = source_dev(m->source);
	struct fat_node *root;
	struct fat_vol *v;
	int err;

	if (!d)
		return -ENOENT;
	if (!d->sectors)
		return -ENXIO; /* an unbound md or loop device, an empty drive */
	v = async_pool_zalloc(&fat_vol_pool);
	if (!v)
		return -ENOMEM;
	v->dev = d;
	v->mnt = m;
	spin_init(&v->guard);
	waitq_init(&v->lock_wq);
	err = dev_claim(v);
	if (err)
		goto out_free;
	bcache_forget(d); /* the raw device may have been written since */
	err = vol_probe(d, v, false);
	if (err)
		goto out_unclaim;
	root = fat_root_new(v);
	err = -ENOMEM;
	if (!root)
		goto out_unclaim;
	m->root = &root->vn;
	m->priv = v;
	v->rw = !(m->flags & TIO_MNT_RDONLY) && !d->readonly;
	if (!v->rw)
		m->flags |= TIO_MNT_RDONLY;
	err = bcache_read(d, 0, 0, boot, sizeof(boot));
	if (err)
		goto out_root;
	fat_mount_rw(v, boot);
	klog(LOG_INFO, "vfat: %s: FAT%u, %u clusters of %u bytes\n", d->name, v->bits, v->clusters,
	     v->spc * BLK_SECTOR);
	return 0;
out_root:
	fat_root_free(root);
out_unclaim:
	dev_unclaim(v);
out_free:
	async_pool_free(&fat_vol_pool, v);
	return err;
}

static void fat_umount(struct vfs_mount *m)
{
	struct fat_vol *v = m->priv;

	unsigned long f;
	bool busy;

	fat_ra_drain(v);  /* its ops use the volume without a vnode reference */
	fat_reap_wait(v); /* so do the reap ops of unlinked files closed last */
	fat_lock(v);
	if (fat_flush(v, true))
		klog(LOG_WARN, "vfat: %s: write back at umount failed: data lost\n", v->dev->name);
	fat_unlock(v);
	do { /* a sync walking the volumes may still hold it */
		f = spin_lock_irqsave(&fat_vols_lock);
		busy = v->busy;
		if (!busy)
			__dev_unclaim(v);
		spin_unlock_irqrestore(&fat_vols_lock, f);
		if (busy)
			thread_sleep_ns(1000000);
	} while (busy);
	fat_root_free(container_of(m->root, struct fat_node, vn));
	bcache_forget(v->dev);
	async_pool_free(&fat_vol_pool, v);
}

/* Free clusters: the FSInfo count on FAT32 when it is plausible, else counted in the FAT. */
static uint32_t count_free(struct fat_vol *v)
{
	uint32_t free = 0, next;

	for (uint32_t c = 2; c < v->clusters + 2; c++) {
		if (fat_next_sync(v, c, &next))
			break;
		free += next == 0;
	}
	return free;
}

static void fat_statfs(struct vfs_mount *m, struct tio_statfs *st)
{
	struct fat_vol *v = m->priv;

	st->bsize = (uint64_t)v->spc * BLK_SECTOR;
	st->blocks = v->clusters;
	fat_lock(v);
	if (v->free_count == FAT_FREE_UNKNOWN || !v->rw)
		v->free_count = count_free(v);
	st->bfree = v->free_count;
	fat_unlock(v);
}

static const struct vfs_fstype fat_type = {
    .name = "vfat",
    .mount = fat_mount,
    .umount = fat_umount,
    .statfs = fat_statfs,
};

void fat_init(void)
{
	vfs_register_fstype(&fat_type);
}

/* ---- Automount ---- */

struct automount_list {
	struct blk_dev *devs[BLK_DEVS_MAX];
	unsigned n;
};

static void automount_collect(struct blk_dev *d, void *arg)
{
	struct automount_list *l = arg;

	if (d->sectors && l->n < BLK_DEVS_MAX)
		l->devs[l->n++] = d;
}

static void automount_one(struct blk_dev *d, bool *mnt_ready)
{
	char path[8 + BLK_NAME_MAX], source[8 + BLK_NAME_MAX];
	int err;

	if (!*mnt_ready) {
		err = vfs_mount("tmpfs", "/mnt", "tmpfs", 0);
		if (err) {
			klog(LOG_WARN, "vfat: cannot put a tmpfs on /mnt: error %d\n", err);
			return;
		}
		*mnt_ready = true;
	}
	strlcpy(path, "/mnt/", sizeof(path));
	strlcpy(path + 5, d->name, sizeof(path) - 5);
	strlcpy(source, "/dev/", sizeof(source));
	strlcpy(source + 5, d->name, sizeof(source) - 5);
	err = vfs_mkdir(path);
	if (!err)
		err = vfs_mount(source, path, "vfat", 0);
	if (err)
		klog(LOG_WARN, "vfat: cannot mount %s on %s: error %d\n", d->name, path, err);
}

void fat_automount(void)
{
	static struct automount_list l; /* boot only, one thread */
	struct fat_vol probe;
	bool mnt_ready = false;

	l.n = 0;
	if (async_workers_init()) /* writes run in worker threads */
		klog(LOG_WARN, "vfat: no worker threads: writes will fail\n");
	blk_foreach(automount_collect, &l);
	for (unsigned i = 0; i < l.n; i++) {
		memset(&probe, 0, sizeof(probe));
		probe.dev = l.devs[i];
		if (!vol_probe(l.devs[i], &probe, true))
			automount_one(l.devs[i], &mnt_ready);
	}
}
