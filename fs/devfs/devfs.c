/*
 * devfs.c - /dev: a fixed directory of character devices.
 *
 *   console   the serial console through the line discipline (kernel/tty.h)
 *   null      reads end at once, writes are swallowed
 *   zero      reads give zeros, writes are swallowed
 *
 * The nodes are static and never freed; there is one instance (a second
 * mount is -EBUSY), so the nodes' mount pointer is always the live one.
 *
 * Drivers add nodes of their own with devfs_register(name, vnode) (block
 * devices: drivers/block): the vnode is theirs and never goes away; devfs
 * only lists it and sets its mount pointer.
 */
#include <fs/vfs.h>
#include <kernel/string.h>
#include <kernel/tty.h>
#include <uapi/errno.h>

enum { DEV_DIR, DEV_CONSOLE, DEV_NULL, DEV_ZERO, DEV_COUNT };

static const char *const dev_names[DEV_COUNT] = {"", "console", "null", "zero"};
static struct vnode dev_nodes[DEV_COUNT]; /* [I] while mounted */
static bool devfs_mounted;		  /* under the vfs mount sequence */
static struct vfs_mount *devfs_mnt;	  /* valid iff devfs_mounted */

#define DEVFS_EXTRA_MAX 64
static struct spinlock devfs_extra_lock = SPINLOCK_INIT;
static struct {
	char name[16];
	struct vnode *vn;
} devfs_extra[DEVFS_EXTRA_MAX]; /* [I] once counted in devfs_nextra */
static unsigned devfs_nextra;	/* [a] only grows */

/* Names past the table or longer than 15 bytes are dropped. */
void devfs_register(const char *name, struct vnode *vn)
{
	unsigned long f = spin_lock_irqsave(&devfs_extra_lock);
	unsigned n = devfs_nextra;

	if (n < DEVFS_EXTRA_MAX && strlen(name) < sizeof(devfs_extra[n].name)) {
		strlcpy(devfs_extra[n].name, name, sizeof(devfs_extra[n].name));
		devfs_extra[n].vn = vn;
		vn->mnt = devfs_mounted ? devfs_mnt : NULL;
		__atomic_store_n(&devfs_nextra, n + 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&devfs_extra_lock, f);
}

static int devfs_extra_lookup(const char *name, struct vnode **out)
{
	unsigned n = __atomic_load_n(&devfs_nextra, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(name, devfs_extra[i].name)) {
			vnode_get(devfs_extra[i].vn);
			*out = devfs_extra[i].vn;
			return 0;
		}
	return -ENOENT;
}

static int64_t null_start(struct async_op *op, void *state)
{
	struct vfs_io *io = state;

	(void)op;
	return io->write ? (int64_t)io->len : 0;
}

static int64_t zero_start(struct async_op *op, void *state)
{
	static const char zeros[512];
	struct vfs_io *io = state;

	(void)op;
	for (uint64_t done = 0; !io->write && done < io->len; done += sizeof(zeros))
		vfs_buf_copy_out(io->buf, io->boff + done, zeros,
				 io->len - done < sizeof(zeros) ? io->len - done : sizeof(zeros));
	return (int64_t)io->len;
}

static const struct async_layer null_layer = {
    .name = "devnull", .state_size = sizeof(struct vfs_io), .start = null_start};
static const struct async_layer zero_layer = {
    .name = "devzero", .state_size = sizeof(struct vfs_io), .start = zero_start};

static int devfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	(void)dir;
	for (unsigned i = DEV_CONSOLE; i < DEV_COUNT; i++)
		if (!strcmp(name, dev_names[i])) {
			vnode_get(&dev_nodes[i]);
			*out = &dev_nodes[i];
			return 0;
		}
	return devfs_extra_lookup(name, out);
}

static int devfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *out)
{
	(void)dir;
	if (index >= DEV_COUNT - 1) {
		index -= DEV_COUNT - 1;
		if (index >= __atomic_load_n(&devfs_nextra, __ATOMIC_ACQUIRE))
			return -ENOENT;
		out->ino = devfs_extra[index].vn->ino;
		out->type = (devfs_extra[index].vn->mode & S_IFMT) == S_IFBLK ? DT_BLK : DT_CHR;
		strlcpy(out->name, devfs_extra[index].name, sizeof(out->name));
		return 0;
	}
	out->ino = index + 2;
	out->type = DT_CHR;
	strlcpy(out->name, dev_names[index + 1], sizeof(out->name));
	return 0;
}

static void devfs_stat(struct vnode *v, struct tio_stat *st)
{
	st->rdev = (uint32_t)(v - dev_nodes);
}

static const struct vnode_ops devfs_dir_ops = {
    .lookup = devfs_lookup,
    .readdir = devfs_readdir,
};
static const struct vnode_ops console_ops = {.stat = devfs_stat, .io = &tty_io_layer};
static const struct vnode_ops null_ops = {.stat = devfs_stat, .io = &null_layer};
static const struct vnode_ops zero_ops = {.stat = devfs_stat, .io = &zero_layer};

static int devfs_mount(struct vfs_mount *m)
{
	static const struct vnode_ops *const ops[DEV_COUNT] = {&devfs_dir_ops, &console_ops,
							       &null_ops, &zero_ops};

	if (devfs_mounted)
		return -EBUSY;
	devfs_mounted = true;
	for (unsigned i = 0; i < DEV_COUNT; i++)
		dev_nodes[i] = (struct vnode){.ops = ops[i],
					      .mnt = m,
					      .ino = i + 1,
					      .mode = i ? S_IFCHR | 0666 : S_IFDIR | 0755,
					      .refs = 1};
	m->root = &dev_nodes[DEV_DIR];
	devfs_mnt = m;
	for (unsigned i = 0; i < __atomic_load_n(&devfs_nextra, __ATOMIC_ACQUIRE); i++)
		devfs_extra[i].vn->mnt = m;
	return 0;
}

static void devfs_umount(struct vfs_mount *m)
{
	(void)m;
	devfs_mounted = false;
}

static const struct vfs_fstype devfs_type = {
    .name = "devfs",
    .mount = devfs_mount,
    .umount = devfs_umount,
};

void devfs_init(void)
{
	vfs_register_fstype(&devfs_type);
}
