/*
 * fat_host - the FAT filesystem (fs/fat, fs/bcache) on the host over an
 * in-memory block device (tests/host/fat): images made here by the host's
 * mkfs.fat and mtools are mounted, walked and read through the same frames
 * the kernel runs, and what the code writes is checked by fsck.fat and mtools.
 */
#include "../fat/fathost.h"
#include "utest.h"

#include <async/async.h>
#include <fs/bcache.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uapi/errno.h>

static char dir[64], img[96];

/* Runs a shell command in the scratch directory: its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof(cmd), "cd %s && PATH=$PATH:/usr/sbin:/sbin && ", dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void scratch_remove(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "fat_host: cannot remove %s\n", dir);
}

static void scratch(void)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/fat_host.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(img, sizeof(img), "%s/img", dir);
		atexit(scratch_remove);
		fathost_init();
	}
}

/* Loads the image file into a fresh device: 0 or -1. */
static int load(struct memblk *m)
{
	FILE *f = fopen(img, "rb");
	struct stat st;
	int r = -1;

	if (!f)
		return -1;
	if (!fstat(fileno(f), &st) && !memblk_init(m, "hostimg", (uint64_t)st.st_size / 512) &&
	    fread(m->mem, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
		r = 0;
	fclose(f);
	return r;
}

/* Writes the device back to the image file and frees it. */
static void store(struct memblk *m)
{
	FILE *f = fopen(img, "wb");

	if (f) {
		fwrite(m->mem, 512, m->dev.sectors, f);
		fclose(f);
	}
	memblk_destroy(m);
}

/* A file of @n bytes whose byte i is a function of i and @seed. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + i / 251 + seed);
}

static int put_file(const char *name, size_t n, unsigned seed)
{
	static unsigned char b[200000];
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pattern(b, n, seed);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	fwrite(b, 1, n, f);
	return fclose(f);
}

static int lookup(struct vnode *d, const char *name, struct vnode **out)
{
	return d->ops->lookup(d, name, out);
}

static void test_mkfs_fat12_image_mounts_and_reads_files(void)
{
	static unsigned char want[200000], got[200000];
	struct memblk m;
	struct vfs_mount *mnt;
	struct vnode *f, *sub, *lf;
	struct vfs_dirent de;
	int64_t r;

	scratch();
	UT_EQ(put_file("hello", 70000, 1), 0);
	UT_EQ(put_file("long", 3000, 2), 0);
	UT_EQ(sh("rm -f img && mkfs.fat -C -F 12 img 1440 >/dev/null && mcopy -i img hello "
		 "::/HELLO.TXT && mmd -i img ::/Sub && mcopy -i img long '::/Sub/A long name.txt'"),
	      0);
	UT_EQ(load(&m), 0);
	UT_EQ(fathost_mount(&m, true, &mnt), 0);
	UT_EQ(lookup(mnt->root, "hello.txt", &f), 0);
	pattern(want, 70000, 1);
	r = fathost_read(f, 0, got, sizeof(got));
	UT_EQ(r, 70000);
	UT_ASSERT(!memcmp(got, want, 70000));
	UT_EQ(fathost_read(f, 1000, got, 513), 513); /* unaligned: through the cache */
	UT_ASSERT(!memcmp(got, want + 1000, 513));
	UT_EQ(fathost_read(f, 70000, got, 10), 0);
	vnode_put(f);
	UT_EQ(lookup(mnt->root, "SUB", &sub), 0);
	UT_EQ(fathost_read(sub, 0, got, 10), -EISDIR);
	UT_EQ(sub->ops->readdir(sub, 0, &de), 0); /* "." and ".." are the VFS's */
	UT_ASSERT(!strcmp(de.name, "A long name.txt"));
	UT_EQ(sub->ops->readdir(sub, 1, &de), -ENOENT);
	UT_EQ(lookup(sub, "a LONG name.txt", &lf), 0);
	pattern(want, 3000, 2);
	UT_EQ(fathost_read(lf, 0, got, sizeof(got)), 3000);
	UT_ASSERT(!memcmp(got, want, 3000));
	vnode_put(lf);
	UT_EQ(fathost_umount(mnt), -EBUSY); /* @sub is still held */
	vnode_put(sub);
	UT_EQ(fathost_umount(mnt), 0);
	UT_ASSERT(fathost_leaks(&m, false) == NULL);
	memblk_destroy(&m);
}

static void test_writes_pass_fsck_and_read_back_with_mtools(void)
{
	static unsigned char data[20000];
	struct memblk m;
	struct vfs_mount *mnt;
	struct vnode *f, *root;

	scratch();
	UT_EQ(sh("rm -f img && mkfs.fat -C -F 16 -s 1 img 8192 >/dev/null && mmd -i img ::/D"), 0);
	UT_EQ(load(&m), 0);
	UT_EQ(fathost_mount(&m, false, &mnt), 0);
	root = mnt->root;
	UT_EQ(root->ops->create(root, "new file.txt", 0644, &f), 0);
	pattern(data, sizeof(data), 3);
	UT_EQ(fathost_write(f, 0, data, 12345), 12345);
	UT_EQ(fathost_write(f, 12345, data + 12345, sizeof(data) - 12345),
	      (int64_t)(sizeof(data) - 12345));
	vnode_put(f);
	UT_EQ(root->ops->mkdir(root, "Made here"), 0);
	UT_EQ(root->ops->rename(root, "new file.txt", root, "renamed.bin"), 0);
	UT_EQ(root->ops->remove(root, "D", true), 0);
	UT_EQ(fathost_umount(mnt), 0);
	UT_ASSERT(fathost_leaks(&m, false) == NULL);
	store(&m);
	UT_EQ(put_file("want", sizeof(data), 3), 0);
	UT_EQ(sh("fsck.fat -n img >fsck.log 2>&1"), 0);
	UT_EQ(sh("mtype -i img ::/renamed.bin >got && cmp -s got want"), 0);
	UT_EQ(sh("mdir -i img '::/Made here' >/dev/null 2>&1"), 0);
	UT_ASSERT(sh("mdir -i img ::/D >/dev/null 2>&1") != 0);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Geometry of the FAT16 image in @m: FAT and root directory sectors. */
struct geo {
	uint32_t fat, fat_sectors, nfats, root, data;
};

static struct geo geo_of(const struct memblk *m)
{
	const unsigned char *b = m->mem;
	struct geo g = {.fat = le16(b + 14), .fat_sectors = le16(b + 22), .nfats = b[16]};

	g.root = g.fat + g.nfats * g.fat_sectors;
	g.data = g.root + le16(b + 17) * 32 / 512;
	return g;
}

/* The root entry named @name11 (8.3, blank-padded) of @m, or NULL. */
static unsigned char *root_entry(const struct memblk *m, const char *name11)
{
	struct geo g = geo_of(m);

	for (unsigned char *e = m->mem + g.root * 512; e < m->mem + g.data * 512; e += 32)
		if (!memcmp(e, name11, 11))
			return e;
	return NULL;
}

/* Sets FAT16 entry @c to @v in every FAT copy. */
static void fat16_set(struct memblk *m, uint16_t c, uint16_t v)
{
	struct geo g = geo_of(m);

	for (uint32_t i = 0; i < g.nfats; i++) {
		unsigned char *p = m->mem + (g.fat + i * g.fat_sectors) * 512 + c * 2;

		p[0] = (unsigned char)v;
		p[1] = (unsigned char)(v >> 8);
	}
}

enum damage { INTACT, SHARED_TAIL_BY_ENTRY, SHARED_TAIL_BY_FAT, CHAIN_INTO_FREE, LOOP };

/*
 * A FAT16 volume with A.TXT (3 clusters) and B.TXT (2 clusters), damaged as
 * @d says, mounted read-write: does its first change find the damage and
 * turn it read-only, leaving every byte of the image as it was?
 */
static void cross_link_case(enum damage d)
{
	static unsigned char before[8192 * 1024], got[4096];
	struct memblk m;
	struct vfs_mount *mnt;
	struct vnode *root, *b, *n;
	unsigned char *ea, *eb;
	uint16_t a0, b0;

	scratch();
	UT_EQ(put_file("a", 1500, 4), 0);
	UT_EQ(put_file("b", 1000, 5), 0);
	UT_EQ(sh("rm -f img && mkfs.fat -C -F 16 -s 1 img 8192 >/dev/null && mcopy -i img a "
		 "::/A.TXT && mcopy -i img b ::/B.TXT"),
	      0);
	UT_EQ(load(&m), 0);
	ea = root_entry(&m, "A       TXT");
	eb = root_entry(&m, "B       TXT");
	UT_ASSERT(ea && eb);
	a0 = le16(ea + 26), b0 = le16(eb + 26);
	if (d == SHARED_TAIL_BY_ENTRY) /* B starts inside A's chain */
		eb[26] = (unsigned char)(a0 + 1), eb[27] = (unsigned char)((a0 + 1) >> 8);
	if (d == SHARED_TAIL_BY_FAT) /* B's second cluster is A's second */
		fat16_set(&m, b0, (uint16_t)(a0 + 1));
	if (d == CHAIN_INTO_FREE) /* B's second cluster is marked free */
		fat16_set(&m, (uint16_t)(b0 + 1), 0);
	if (d == LOOP) /* A's last cluster leads back to its first */
		fat16_set(&m, (uint16_t)(a0 + 2), a0);
	memcpy(before, m.mem, m.dev.sectors * 512);
	UT_EQ(fathost_mount(&m, false, &mnt), 0);
	root = mnt->root;
	UT_ASSERT(!(mnt->flags & TIO_MNT_RDONLY)); /* reading needs no check */
	if (d == INTACT) {
		UT_EQ(root->ops->remove(root, "A.TXT", false), 0);
		UT_ASSERT(!(mnt->flags & TIO_MNT_RDONLY));
	} else {
		UT_EQ(root->ops->remove(root, "A.TXT", false),
		      -EROFS); /* the first change checks */
		UT_ASSERT(mnt->flags & TIO_MNT_RDONLY);
		UT_EQ(root->ops->create(root, "C.TXT", 0644, &n), -EROFS);
		UT_EQ(root->ops->lookup(root, "B.TXT", &b), 0);
		UT_EQ(fathost_write(b, 0, got, 10), -EROFS);
		UT_EQ(b->ops->truncate(b, 0), -EROFS);
		UT_ASSERT(fathost_read(b, 0, got, sizeof(got)) >= -EIO); /* data or -EIO, no hang */
		vnode_put(b);
	}
	UT_EQ(fathost_umount(mnt), 0);
	UT_ASSERT(fathost_leaks(&m, false) == NULL);
	if (d != INTACT) /* nothing was written; the dirty flag was cleared again */
		UT_ASSERT(!memcmp(before, m.mem, m.dev.sectors * 512));
	memblk_destroy(&m);
}

static void test_sound_chains_mount_read_write(void)
{
	cross_link_case(INTACT);
}

static void test_entry_pointing_into_another_chain_mounts_read_only(void)
{
	cross_link_case(SHARED_TAIL_BY_ENTRY);
}

static void test_fat_cross_link_mounts_read_only(void)
{
	cross_link_case(SHARED_TAIL_BY_FAT);
}

static void test_chain_into_free_cluster_mounts_read_only(void)
{
	cross_link_case(CHAIN_INTO_FREE);
}

static void test_chain_loop_mounts_read_only(void)
{
	cross_link_case(LOOP);
}

/*
 * A root directory A, B, C, D, E whose B slot is made the end mark: C, D and
 * E are stale slots behind it. A file created there takes B's slot and must
 * leave a new end mark behind it, or the stale entries come back.
 */
static void test_create_at_end_mark_keeps_stale_entries_hidden(void)
{
	struct memblk m;
	struct vfs_mount *mnt;
	struct vfs_dirent de;
	struct vnode *root, *f;
	char names[64] = "";

	scratch();
	UT_EQ(put_file("x", 100, 6), 0);
	UT_EQ(sh("rm -f img && mkfs.fat -C -F 16 -s 1 img 8192 >/dev/null && for n in A B C D E; "
		 "do mcopy -i img x ::/$n.TXT; done"),
	      0);
	UT_EQ(load(&m), 0);
	root_entry(&m, "B       TXT")[0] = 0;
	UT_EQ(fathost_mount(&m, false, &mnt), 0);
	root = mnt->root;
	UT_EQ(root->ops->create(root, "NEW.TXT", 0644, &f), 0);
	vnode_put(f);
	for (uint64_t i = 0; root->ops->readdir(root, i, &de) == 0; i++) {
		strcat(names, de.name);
		strcat(names, " ");
	}
	if (strcmp(names, "A.TXT NEW.TXT "))
		UT_FAIL("root lists \"%s\"", names);
	UT_EQ(root->ops->lookup(root, "c.txt", &f), -ENOENT);
	UT_EQ(fathost_umount(mnt), 0);
	memblk_destroy(&m);
}

/*
 * A FAT16 volume in the FAT32 BPB layout (16-bit FAT size 0, the size in
 * bytes 36-39): its dirty flag must go to byte 65, not into the FAT size.
 */
static void test_dirty_flag_of_fat16_in_fat32_layout_leaves_fat_size_alone(void)
{
	struct memblk m;
	struct vfs_mount *mnt;
	struct vnode *f;
	unsigned char *b, size32[4];
	uint16_t fatsz;

	scratch();
	UT_EQ(sh("rm -f img && mkfs.fat -C -F 16 -s 1 img 8192 >/dev/null"), 0);
	UT_EQ(load(&m), 0);
	b = m.mem;
	fatsz = le16(b + 22);
	b[22] = b[23] = 0;
	b[36] = (unsigned char)fatsz, b[37] = (unsigned char)(fatsz >> 8), b[38] = b[39] = 0;
	b[65] = 0;
	memcpy(size32, b + 36, 4);
	UT_EQ(fathost_mount(&m, false, &mnt), 0);
	UT_EQ(mnt->root->ops->create(mnt->root, "KEPT.TXT", 0644, &f), 0);
	vnode_put(f);
	UT_ASSERT(!memcmp(b + 36, size32, 4)); /* while mounted: the flag is set */
	UT_EQ(b[65], 1);
	UT_EQ(fathost_umount(mnt), 0);
	UT_ASSERT(!memcmp(b + 36, size32, 4));
	UT_EQ(b[65], 0);
	UT_EQ(fathost_mount(&m, true, &mnt), 0);
	UT_EQ(mnt->root->ops->lookup(mnt->root, "kept.txt", &f), 0);
	vnode_put(f);
	UT_EQ(fathost_umount(mnt), 0);
	memblk_destroy(&m);
}

/* A layer whose one step makes sector @lba of @dev cached through a "bcache" fill frame. */
struct fill_probe {
	struct blk_dev *dev;
	uint64_t lba;
};
ASYNC_FRAME_STATE_CHECK(struct fill_probe);

static int64_t fill_probe_start(struct async_op *op, void *state)
{
	struct fill_probe *s = state;
	int64_t r = bcache_push_fill(op, s->dev, s->lba);

	return r == ASYNC_CALL || r < 0 ? r : 0;
}

static int64_t fill_probe_resume(struct async_op *op, void *state, int64_t result)
{
	(void)op;
	(void)state;
	return result;
}

static const struct async_layer fill_probe_layer = {
    .name = "fillprobe",
    .state_size = sizeof(struct fill_probe),
    .start = fill_probe_start,
    .resume = fill_probe_resume,
};

struct fill_done {
	int done;
	int64_t result;
};

static void fill_done(struct async_op *op, int64_t result, void *arg)
{
	struct fill_done *d = arg;

	(void)op;
	d->result = result;
	d->done = 1;
}

static void fill_submit(struct memblk *m, uint64_t lba, struct fill_done *d)
{
	struct async_op *op = async_op_alloc(NULL);
	struct fill_probe *s = op ? async_push(op, &fill_probe_layer) : NULL;

	UT_ASSERT(s != NULL);
	*s = (struct fill_probe){&m->dev, lba};
	UT_EQ(async_op_submit_fn(op, fill_done, d), 0);
}

/*
 * Two fills of one cold sector overlap (the second joins the first as a
 * loader): once the first device read is done the sector must be cached,
 * while the second is still in flight. It was cached only when the last
 * loader was done, so readers of one cold sector that kept joining (async
 * READs of one FAT file) kept it loading for ever.
 */
static void test_sector_is_cached_when_its_first_overlapping_fill_ends(void)
{
	struct fill_done a = {0}, b = {0};
	struct bcache_usage u;
	unsigned char got[BLK_SECTOR];
	struct memblk m;

	UT_EQ(memblk_init(&m, "hdz", 64), 0);
	for (unsigned i = 0; i < BLK_SECTOR; i++)
		m.mem[7 * BLK_SECTOR + i] = (unsigned char)(i * 7 + 3);
	m.hold = true;
	fill_submit(&m, 7, &a);
	fill_submit(&m, 7, &b);
	UT_EQ(m.nheld, 2u); /* both are its loaders, each with a device read */
	UT_EQ(bcache_try_read(&m.dev, 7, 0, got, sizeof(got)), -EAGAIN);
	UT_EQ(memblk_release(&m), 0);
	UT_ASSERT(a.done && a.result == 0);
	UT_ASSERT(!b.done);
	UT_EQ(bcache_try_read(&m.dev, 7, 0, got, sizeof(got)), 0);
	UT_ASSERT(!memcmp(got, m.mem + 7 * BLK_SECTOR, BLK_SECTOR));
	bcache_usage(&m.dev, &u);
	UT_EQ(u.busy, 1u); /* the late read still writes into it: not reclaimed meanwhile */
	UT_EQ(memblk_release(&m), 0);
	UT_ASSERT(b.done && b.result == 0);
	bcache_usage(&m.dev, &u);
	UT_EQ(u.busy, 0u);
	bcache_forget(&m.dev);
	memblk_destroy(&m);
}

static const struct utest tests[] = {
    UTEST(test_mkfs_fat12_image_mounts_and_reads_files),
    UTEST(test_writes_pass_fsck_and_read_back_with_mtools),
    UTEST(test_sound_chains_mount_read_write),
    UTEST(test_entry_pointing_into_another_chain_mounts_read_only),
    UTEST(test_fat_cross_link_mounts_read_only),
    UTEST(test_chain_into_free_cluster_mounts_read_only),
    UTEST(test_chain_loop_mounts_read_only),
    UTEST(test_create_at_end_mark_keeps_stale_entries_hidden),
    UTEST(test_dirty_flag_of_fat16_in_fat32_layout_leaves_fat_size_alone),
    UTEST(test_sector_is_cached_when_its_first_overlapping_fill_ends),
};
UTEST_MAIN("fat_host", tests)
