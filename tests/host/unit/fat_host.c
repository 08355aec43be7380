/*
 * fat_host - the FAT filesystem (fs/fat, fs/bcache) on the host over an
 * in-memory block device (tests/host/fat): images made here by the host's
 * mkfs.fat and mtools are mounted, walked and read through the same frames
 * the kernel runs, and what the code writes is checked by fsck.fat and mtools.
 */
#include "../fat/fathost.h"
#include "utest.h"

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

static const struct utest tests[] = {
    UTEST(test_mkfs_fat12_image_mounts_and_reads_files),
    UTEST(test_writes_pass_fsck_and_read_back_with_mtools),
};
UTEST_MAIN("fat_host", tests)
