/*
 * block.c - the block device table: registration, /dev nodes, buffer copies
 * and the lsblk / stats reports (contract: drivers/block.h).
 *
 * Devices register once at boot (drivers, partition scan) and never leave, so
 * the table is append-only: readers take a snapshot of the count under the
 * lock and then read entries without it.
 */
#include <arch/x86_64/mmu.h>
#include <drivers/block.h>
#include <fs/vfs.h>
#include <kernel/list.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <uapi/errno.h>

static struct spinlock blk_lock = SPINLOCK_INIT;
static struct blk_dev *blk_devs[BLK_DEVS_MAX]; /* [I] once counted in blk_ndevs */
static unsigned blk_ndevs;		       /* [L] blk_lock, only grows */

static void blk_vnode_stat(struct vnode *v, struct tio_stat *st)
{
	struct blk_dev *d = container_of(v, struct blk_dev, vn);

	st->size = d->sectors * BLK_SECTOR;
	st->rdev = d->major << 8 | d->minor;
}

static long blk_vnode_ioctl(struct vnode *v, unsigned long req, uint64_t arg)
{
	struct blk_dev *d = container_of(v, struct blk_dev, vn);

	return d->ops->ioctl ? d->ops->ioctl(d, req, arg) : -ENOTTY;
}

static const struct vnode_ops blk_vnode_ops = {
    .stat = blk_vnode_stat, .io = &blk_io_layer, .ioctl = blk_vnode_ioctl};

int blk_register(struct blk_dev *d)
{
	unsigned long f = spin_lock_irqsave(&blk_lock);
	int err = 0;

	for (unsigned i = 0; i < blk_ndevs; i++)
		if (!strcmp(blk_devs[i]->name, d->name))
			err = -EEXIST;
	if (!err && blk_ndevs == BLK_DEVS_MAX)
		err = -ENOSPC;
	if (!err) {
		async_mutex_init(&d->rmw);
		d->vn = (struct vnode){.ops = &blk_vnode_ops,
				       .ino = 1000 + blk_ndevs,
				       .mode = S_IFBLK | 0660,
				       .refs = 1};
		blk_devs[blk_ndevs] = d;
		__atomic_store_n(&blk_ndevs, blk_ndevs + 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&blk_lock, f);
	if (!err)
		devfs_register(d->name, &d->vn);
	return err;
}

struct blk_dev *blk_find(const char *name)
{
	unsigned n = __atomic_load_n(&blk_ndevs, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(blk_devs[i]->name, name))
			return blk_devs[i];
	return NULL;
}

void blk_foreach(void (*fn)(struct blk_dev *d, void *arg), void *arg)
{
	unsigned n = __atomic_load_n(&blk_ndevs, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		fn(blk_devs[i], arg);
}

void blk_buf_copy(struct async_buf *buf, uint64_t boff, void *k, size_t n, bool to_buf)
{
	struct async_sg sg[4];
	unsigned char *kp = k;

	while (n) {
		/* At most a page per round: it spans at most two ranges. */
		size_t chunk = n < PAGE_SIZE ? n : PAGE_SIZE;
		int nsg = async_port_buf_phys(buf, boff, chunk, sg, 4);

		if (nsg < 0)
			panic("blk_buf_copy: buffer range %lu+%zu: error %d", boff, chunk, nsg);
		for (int i = 0; i < nsg; i++) {
			if (to_buf)
				memcpy(phys_to_virt(sg[i].phys), kp, sg[i].len);
			else
				memcpy(kp, phys_to_virt(sg[i].phys), sg[i].len);
			kp += sg[i].len;
		}
		boff += chunk;
		n -= chunk;
	}
}

int64_t blk_rw_sync(struct blk_dev *d, uint64_t lba, uint32_t count, void *mem, bool write)
{
	struct blk_rq rq = {.dev = d, .lba = lba, .count = count, .write = write};
	unsigned access = write ? ASYNC_BUF_READ : ASYNC_BUF_WRITE;
	struct async_op *op;
	int64_t r;

	rq.buf = async_buf_borrowed(mem, (size_t)count * BLK_SECTOR, access);
	if (!rq.buf)
		return -ENOMEM;
	op = async_op_alloc(async_kernel_heap());
	if (!op) {
		r = -ENOMEM;
		goto out_release;
	}
	r = async_buf_borrow(rq.buf, access); /* a fresh buffer with this access: cannot fail */
	if (r) {
		async_op_discard(op);
		goto out_release;
	}
	r = blk_push(op, &rq);
	if (r)
		async_op_discard(op);
	else
		r = vfs_sync_io(op);
	async_buf_unborrow(rq.buf);
out_release:
	async_buf_release(rq.buf);
	return r;
}

/* ---- Reports ---- */

/* "1.4M", "512M", "8G": util-linux's SIZE column (binary units, one rounded decimal). */
static void blk_size_text(uint64_t bytes, char *out, size_t cap)
{
	static const char units[] = "BKMGTPE";
	uint64_t whole = bytes, rem = 0, scale = 1;
	unsigned u = 0;

	while (whole >= 1024 && u < sizeof(units) - 2) {
		whole /= 1024;
		scale *= 1024;
		u++;
	}
	rem = bytes - whole * scale;
	rem = u ? (rem * 1000 / scale + 50) / 100 : 0;
	if (rem == 10)
		whole++, rem = 0;
	if (rem)
		fmt_snprintf(out, cap, "%lu.%lu%c", whole, rem, units[u]);
	else
		fmt_snprintf(out, cap, "%lu%c", whole, units[u]);
}

struct blk_print {
	void (*print)(void *arg, const char *fmt, ...);
	void *arg;
	struct blk_dev *disk; /* lsblk: the disk whose children are listed */
	unsigned nchildren, seen;
};

struct blk_mountpoint {
	char source[40];	 /* "/dev/NAME" */
	char path[TIO_PATH_MAX]; /* where it is mounted; "" if it is not */
};

static void mountpoint_of(const struct vfs_mount *m, void *arg)
{
	struct blk_mountpoint *mp = arg;

	if (!mp->path[0] && !strcmp(m->source, mp->source))
		strlcpy(mp->path, m->path, sizeof(mp->path));
}

static void lsblk_line(struct blk_print *p, struct blk_dev *d, const char *branch)
{
	struct blk_mountpoint mp = {.path = ""};
	char size[16], name[24];

	blk_size_text(d->sectors * BLK_SECTOR, size, sizeof(size));
	fmt_snprintf(name, sizeof(name), "%s%s", branch, d->name);
	fmt_snprintf(mp.source, sizeof(mp.source), "/dev/%s", d->name);
	vfs_foreach_mount(mountpoint_of, &mp);
	p->print(p->arg, "%-9s %3u:%-3u %2u %5s %2u %-*s%s\n", name, d->major, d->minor,
		 d->removable ? 1 : 0, size, d->readonly ? 1 : 0, mp.path[0] ? 7 : 0, d->type,
		 mp.path);
}

static void lsblk_count(struct blk_dev *d, void *arg)
{
	struct blk_print *p = arg;

	p->nchildren += d->parent == p->disk;
}

static void lsblk_child(struct blk_dev *d, void *arg)
{
	struct blk_print *p = arg;

	if (d->parent == p->disk)
		lsblk_line(p, d, ++p->seen == p->nchildren ? "`-" : "|-");
}

static void lsblk_tree(struct blk_dev *d, void *arg)
{
	struct blk_print *p = arg;

	if (d->parent || !d->sectors) /* unbuilt md arrays, unbound loop devices */
		return;
	lsblk_line(p, d, "");
	p->disk = d;
	p->nchildren = p->seen = 0;
	blk_foreach(lsblk_count, p);
	blk_foreach(lsblk_child, p);
}

/* lsblk --ascii's layout; MOUNTPOINTS: where the device is mounted (the first such mount). */
void blk_report_lsblk(void (*print)(void *arg, const char *fmt, ...), void *arg)
{
	struct blk_print p = {.print = print, .arg = arg};

	print(arg, "%-9s %7s %2s %5s %2s %-6s %s\n", "NAME", "MAJ:MIN", "RM", "SIZE", "RO", "TYPE",
	      "MOUNTPOINTS");
	blk_foreach(lsblk_tree, &p);
}

static void stats_line(struct blk_dev *d, void *arg)
{
	struct blk_print *p = arg;
	struct blk_queue *q = d->queue;
	unsigned long f;
	unsigned active, waiting;

	if (!d->sectors) /* unbuilt md arrays, unbound loop devices */
		return;
	f = spin_lock_irqsave(&q->lock);
	active = q->active;
	waiting = q->waiting;
	spin_unlock_irqrestore(&q->lock, f);
	p->print(p->arg, "%-6s %8lu %8lu %10lu %10lu %6lu %6lu %6u %6u\n", d->name,
		 __atomic_load_n(&d->st.reads, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->st.writes, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->st.read_sectors, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->st.write_sectors, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->st.errors, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->st.queued, __ATOMIC_RELAXED), active, waiting);
}

void blk_report_stats(void (*print)(void *arg, const char *fmt, ...), void *arg)
{
	struct blk_print p = {.print = print, .arg = arg};

	print(arg, "%-6s %8s %8s %10s %10s %6s %6s %6s %6s\n", "dev", "reads", "writes", "rsect",
	      "wsect", "errors", "queued", "active", "wait");
	blk_foreach(stats_line, &p);
}
