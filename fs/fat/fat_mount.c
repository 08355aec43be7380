/*
 * fat_mount.c - mounting FAT volumes: boot sector (BPB) validation, the
 * volume's geometry, mount/umount/statfs of the "vfat" type and the boot-time
 * automount on /mnt/NAME (contract: fs/fat.h).
 *
 * The BPB is checked field by field against the Microsoft FAT specification
 * and the device: a volume is mounted only if every sector it names lies on
 * the device and its FAT can hold an entry for every cluster, so later
 * reads can trust the geometry. The FAT type follows from the cluster count
 * alone, as the specification says. One mount per device: a second one is
 * -EBUSY (the VFS's ancestry rules assume one mount per instance).
 */
#include <fs/bcache.h>
#include <fs/fat.h>
#include <kernel/console.h>
#include <kernel/param.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

ASYNC_POOL_DEFINE(fat_vol_pool, "fat_vol", struct fat_vol, PARAM_MAX_MOUNTS);

static struct spinlock fat_vols_lock = SPINLOCK_INIT;
static struct fat_vol *fat_in_use[PARAM_MAX_MOUNTS]; /* [fat_vols_lock] mounted volumes */

/* The boot sector fields that decide the layout. */
struct fat_bpb {
	uint32_t bps, spc, rsvd, nfats, root_ents, total, fat_sz, root_clus;
};

static void bpb_read(const uint8_t *b, struct fat_bpb *p)
{
	p->bps = fat_le16(b + 11);
	p->spc = b[13];
	p->rsvd = fat_le16(b + 14);
	p->nfats = b[16];
	p->root_ents = fat_le16(b + 17);
	p->total = fat_le16(b + 19) ? fat_le16(b + 19) : fat_le32(b + 32);
	p->fat_sz = fat_le16(b + 22) ? fat_le16(b + 22) : fat_le32(b + 36);
	p->root_clus = fat_le32(b + 44);
}

/* The first problem of boot sector @b for device @d, or NULL if it is sound. */
static const char *bpb_problem(const uint8_t *b, const struct blk_dev *d, const struct fat_bpb *p)
{
	if (b[510] != 0x55 || b[511] != 0xaa)
		return "no 0x55AA signature";
	if (b[0] != 0xeb && b[0] != 0xe9)
		return "no jump instruction";
	if (p->bps != BLK_SECTOR)
		return "bytes per sector is not 512";
	if (!p->spc || (p->spc & (p->spc - 1)))
		return "sectors per cluster is not a power of two";
	if (!p->rsvd)
		return "no reserved sectors";
	if (!p->nfats)
		return "no FAT";
	if (!p->fat_sz)
		return "FAT size is 0";
	if (!p->total || p->total > d->sectors)
		return "total sectors is 0 or past the end of the device";
	if (b[21] != 0xf0 && b[21] < 0xf8)
		return "bad media byte";
	return NULL;
}

/* Fills @v's geometry from @p; the problem, or NULL. */
static const char *vol_geometry(struct fat_vol *v, const uint8_t *b, const struct fat_bpb *p)
{
	uint64_t meta = (uint64_t)p->rsvd + (uint64_t)p->nfats * p->fat_sz;
	uint64_t entries;

	v->root_sectors = (p->root_ents * FAT_DIRENT + BLK_SECTOR - 1) / BLK_SECTOR;
	if (meta + v->root_sectors >= p->total)
		return "no room for data after the FATs and the root directory";
	v->spc = p->spc;
	v->total_sectors = p->total;
	v->fat_start = p->rsvd;
	v->fat_sectors = p->fat_sz;
	v->root_start = (uint32_t)meta;
	v->data_start = (uint32_t)(meta + v->root_sectors);
	v->clusters = (p->total - v->data_start) / p->spc;
	v->bits = v->clusters < 4085 ? 12 : v->clusters < 65525 ? 16 : 32;
	if (v->bits == 32 && (p->root_ents || fat_le16(b + 22)))
		return "FAT32 volume with a fixed root directory";
	if (v->bits != 32 && !p->root_ents)
		return "FAT12/16 volume without root directory entries";
	entries = (uint64_t)p->fat_sz * BLK_SECTOR * 8 / v->bits;
	if (entries < (uint64_t)v->clusters + 2)
		return "the FAT is too small for the cluster count";
	v->root_cluster = p->root_clus;
	if (v->bits == 32 && !fat_cluster_ok(v, v->root_cluster))
		return "root cluster out of range";
	return NULL;
}

/* Validates the boot sector of @d into @v: 0 or -EINVAL (logged unless @quiet). */
static int vol_probe(struct blk_dev *d, struct fat_vol *v, bool quiet)
{
	uint8_t sector[BLK_SECTOR];
	struct fat_bpb p;
	const char *why;
	int r;

	r = bcache_read(d, 0, 0, sector, sizeof(sector));
	if (r < 0)
		return (int)r;
	bpb_read(sector, &p);
	why = bpb_problem(sector, d, &p);
	if (!why)
		why = vol_geometry(v, sector, &p);
	if (!why)
		return 0;
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
