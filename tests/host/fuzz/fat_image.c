/*
 * fat_image - libFuzzer target over the whole FAT filesystem (fs/fat,
 * fs/bcache) on the host, over an in-memory block device (tests/host/fat).
 *
 * Input: a sparse disk image. Bytes 0-3: the device's size in sectors (LE,
 * at most FZ_SECTORS_MAX); 4-7: a sector whose every request fails with
 * -EIO (0xffffffff: none); then records of a 4-byte sector number (modulo
 * the size) and that sector's 512 bytes (the last record may be short).
 * Sectors no record names are zeros. tests/host/fat/mkseed.py turns an image
 * made by mkfs.fat and mtools into this form.
 *
 * Each input: mount read-write; walk every directory (bounded: FZ_DIRS
 * directories, FZ_ENTRIES entries each, FZ_DEPTH deep), look every name up
 * again and read every file (FZ_READ_MAX bytes each, aligned and unaligned);
 * create a file, write it (with a hole), read it back, truncate it; make a
 * directory, rename the file into it and back, remove the directory; create
 * a file in the root's first directory; write across the end of the root's
 * first file (64 KiB in at most), read that back, truncate it and remove it; umount; mount again
 * and read the new file back. Checked: no crash, hang or sanitizer report; every error a negative
 * errno the call may return (a corrupt image: -EINVAL at mount, -EIO on the bad part); a name
 * readdir shows can be looked up; what was written reads back (after umount too, unless a request
 * failed); a volume whose chains passed fat_check.c at its first change still passes at the second
 * mount; every vnode is put before umount (-EBUSY otherwise); after umount no pool object, op or
 * cached sector is left. Any violation aborts (a finding).
 */
#include "../fat/fathost.h"

#include <fs/bcache.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uapi/errno.h>

#define FZ_SECTORS_MAX (1u << 17) /* 64 MiB: a FAT32 volume of 512-byte clusters fits */
#define FZ_DIRS	       24
#define FZ_ENTRIES     96
#define FZ_DEPTH       5
#define FZ_READ_MAX    (256u * 1024)
#define FZ_NEW	       "fuzz new file.txt"
#define FZ_NEW_LEN     6500	    /* 3000 bytes, a hole, 1500 bytes */
#define FZ_CHANGE_AT   (64u * 1024) /* an existing file is changed no further in */

/* Errors a call may return (bit n: -n); anything else is a finding. */
#define E(x)	 (1ull << (x))
#define E_IO	 E(EIO)
#define E_WRITE	 (E_IO | E(ENOSPC) | E(EROFS)) /* read-only: the chain check failed */
#define E_NAME	 (E_WRITE | E(EEXIST))
#define E_REMOVE (E_WRITE | E(ENOTEMPTY) | E(EBUSY) | E(ENOENT) | E(EISDIR) | E(ENOTDIR))

struct fz {
	struct memblk m;
	unsigned dirs;
	char victim[TIO_NAME_MAX + 1]; /* the first regular file of the root: changed, removed */
	char subdir[TIO_NAME_MAX + 1]; /* the first directory of the root: a file is made in it */
	unsigned char buf[FZ_READ_MAX];
	unsigned char want[FZ_NEW_LEN];
};

static struct fz fz;

/* Aborts; with FAT_IMAGE_DUMP=path in the environment, the device as it is now goes there. */
static void finding(const char *what, const char *name, long long r)
{
	const char *dump = getenv("FAT_IMAGE_DUMP");
	FILE *f = dump && fz.m.mem ? fopen(dump, "wb") : NULL;

	if (f) {
		fwrite(fz.m.mem, 512, fz.m.dev.sectors, f);
		fclose(f);
	}
	fprintf(stderr, "fat_image fuzz: %s (name \"%s\", result %lld)\n", what, name ? name : "",
		r);
	abort();
}

/* @r must be >= 0 or one of the errors in @allowed. */
static long long check(long long r, unsigned long long allowed, const char *what, const char *name)
{
	if (r < 0 && (r < -63 || !(allowed & E(-r))))
		finding(what, name, r);
	return r;
}

static void read_file(struct vnode *f, const char *name)
{
	struct tio_stat st = {0};
	uint64_t off = 0;
	long long r;

	f->ops->stat(f, &st);
	while (off < FZ_READ_MAX) {
		r = check(fathost_read(f, off, fz.buf + off, 4096), E_IO, "read", name);
		if (r <= 0)
			break;
		if (r > 4096)
			finding("read returned more than asked", name, r);
		off += (uint64_t)r;
	}
	if (off > st.size)
		finding("read past the file's size", name, (long long)off);
	if (st.size > 700) { /* an unaligned range across sector boundaries */
		r = check(fathost_read(f, 300, fz.buf, 400), E_IO, "unaligned read", name);
		if (r > 400)
			finding("unaligned read returned more than asked", name, r);
	}
}

static void walk(struct vnode *dir, unsigned depth);

static void visit(struct vnode *dir, const struct vfs_dirent *de, unsigned depth)
{
	size_t n = strnlen(de->name, sizeof(de->name));
	struct vnode *vn;

	if (!n || n == sizeof(de->name) || memchr(de->name, '/', n))
		finding("readdir name empty, unterminated or with a '/'", de->name, 0);
	if (dir->ops->lookup(dir, de->name, &vn))
		finding("a name readdir shows cannot be looked up", de->name, 0);
	if (vnode_is_dir(vn)) {
		if (!depth && !fz.subdir[0])
			strcpy(fz.subdir, de->name);
		if (depth < FZ_DEPTH)
			walk(vn, depth + 1);
	} else {
		read_file(vn, de->name);
		if (!depth && !fz.victim[0])
			strcpy(fz.victim, de->name);
	}
	vnode_put(vn);
}

static void walk(struct vnode *dir, unsigned depth)
{
	struct vfs_dirent de;

	if (fz.dirs++ >= FZ_DIRS)
		return;
	for (uint64_t i = 0; i < FZ_ENTRIES; i++) {
		memset(&de, 0, sizeof(de));
		if (check(dir->ops->readdir(dir, i, &de), E_IO | E(ENOENT), "readdir", "") < 0)
			return;
		visit(dir, &de, depth);
	}
}

/* Creates and writes FZ_NEW in the root: true if every step succeeded. */
static bool write_new(struct vnode *root)
{
	struct vnode *f;
	bool ok;

	for (unsigned i = 0; i < FZ_NEW_LEN; i++)
		fz.want[i] = i >= 3000 && i < 5000 ? 0 : (unsigned char)(i * 13 + 5);
	if (check(root->ops->create(root, FZ_NEW, 0644, &f), E_NAME, "create", FZ_NEW))
		return false;
	ok = check(fathost_write(f, 0, fz.want, 3000), E_WRITE, "write", FZ_NEW) == 3000 &&
	     check(fathost_write(f, 5000, fz.want + 5000, 1500), E_WRITE, "write", FZ_NEW) == 1500;
	if (ok) {
		long long r =
		    check(fathost_read(f, 0, fz.buf, FZ_NEW_LEN + 100), E_IO, "read back", FZ_NEW);

		if (r >= 0 && (r != FZ_NEW_LEN || memcmp(fz.buf, fz.want, FZ_NEW_LEN)))
			finding("a written file does not read back", FZ_NEW, r);
		ok = r == FZ_NEW_LEN &&
		     !check(f->ops->truncate(f, 100), E_WRITE, "truncate", FZ_NEW);
	}
	vnode_put(f);
	if (ok) {
		if (root->ops->lookup(root, FZ_NEW, &f))
			finding("a created file cannot be looked up", FZ_NEW, 0);
		vnode_put(f);
	}
	return ok;
}

#define E_RENAME (E_NAME | E(EBUSY) | E(ENOENT))

/*
 * Makes FZDIR, moves FZ_NEW into it under another name and back (when
 * @wrote; *@wrote turns false if the file stays in FZDIR), removes FZDIR.
 */
static void move_around(struct vnode *root, bool *wrote)
{
	struct vnode *d;

	if (check(root->ops->mkdir(root, "FZDIR"), E_NAME, "mkdir", "FZDIR"))
		return;
	check(root->ops->lookup(root, "FZDIR", &d), 0, "lookup of a new directory", "FZDIR");
	if (*wrote && !check(root->ops->rename(root, FZ_NEW, d, "moved name.txt"), E_RENAME,
			     "rename into a directory", FZ_NEW))
		*wrote = !check(d->ops->rename(d, "moved name.txt", root, FZ_NEW), E_RENAME,
				"rename back", FZ_NEW);
	vnode_put(d);
	check(root->ops->remove(root, "FZDIR", true), E_REMOVE, "rmdir", "FZDIR");
}

/*
 * The victim, a file the image brought (its chain as the input made it):
 * 700 bytes written across its end (or at FZ_CHANGE_AT), read back, then
 * truncated to half that offset.
 */
static void change_victim(struct vnode *root)
{
	struct tio_stat st = {0};
	uint64_t at;
	struct vnode *f;
	long long r;

	if (!fz.victim[0] ||
	    check(root->ops->lookup(root, fz.victim, &f), E_IO, "lookup", fz.victim))
		return;
	f->ops->stat(f, &st);
	at = st.size < FZ_CHANGE_AT ? st.size : FZ_CHANGE_AT; /* a huge size: no 30 MiB fill */
	at = at > 100 ? at - 100 : 0;
	if (check(fathost_write(f, at, fz.want, 700), E_WRITE | E(EFBIG), "write", fz.victim) ==
	    700) {
		r = check(fathost_read(f, at, fz.buf, 700), E_IO, "read back", fz.victim);
		if (r > 0 && memcmp(fz.buf, fz.want, (size_t)r))
			finding("bytes written into a file do not read back", fz.victim, r);
	}
	check(f->ops->truncate(f, at / 2), E_WRITE, "truncate", fz.victim);
	vnode_put(f);
}

/* A file with a long name in the root's first directory (it may have to grow). */
static void create_in_subdir(struct vnode *root)
{
	static const char name[] = "a file made in a subdirectory by fat_image.txt";
	struct vnode *d, *f;

	if (!fz.subdir[0] ||
	    check(root->ops->lookup(root, fz.subdir, &d), E_IO, "lookup", fz.subdir))
		return;
	if (!check(d->ops->create(d, name, 0644, &f), E_NAME, "create", name)) {
		check(fathost_write(f, 0, fz.want, 10), E_WRITE, "write", name);
		vnode_put(f);
		if (d->ops->lookup(d, name, &f))
			finding("a file created in a subdirectory cannot be looked up", name, 0);
		vnode_put(f);
	}
	vnode_put(d);
}

static void change(struct vnode *root, bool *wrote)
{
	*wrote = write_new(root);
	move_around(root, wrote);
	create_in_subdir(root);
	change_victim(root);
	if (fz.victim[0])
		check(root->ops->remove(root, fz.victim, false), E_REMOVE, "unlink", fz.victim);
}

/* After umount: nothing left over. */
static void umount_clean(struct vfs_mount *mnt)
{
	const char *leak;

	if (fathost_umount(mnt))
		finding("a vnode is still referenced at umount", "", (long long)mnt->refs);
	leak = fathost_leaks(&fz.m, false);
	if (leak)
		finding(leak, "", 0);
}

/*
 * The volume mounted again: the new file still reads back (100 bytes after
 * the truncate), and a volume whose chains passed the check at its first
 * change still does (the first change of this mount, an unlink of a name
 * that is not there, is not -EROFS): the writes made no cross-link.
 */
static void remount(bool wrote, bool was_rw)
{
	struct vfs_mount *mnt;
	struct vnode *f;
	long long r;

	if (check(fathost_mount(&fz.m, false, &mnt), 0, "mount again", ""))
		return;
	r = check(mnt->root->ops->remove(mnt->root, "FZ-NO-SUCH", false), E_REMOVE, "unlink", "");
	if (was_rw && !fz.m.failed && r == -EROFS)
		finding("the writes broke the volume's chains (read-only at the next mount)", "",
			0);
	if (wrote && !fz.m.failed) { /* else the write back may have failed: data lost */
		if (mnt->root->ops->lookup(mnt->root, FZ_NEW, &f))
			finding("the new file is gone after umount", FZ_NEW, 0);
		r = check(fathost_read(f, 0, fz.buf, 4096), E_IO, "read after remount", FZ_NEW);
		if (r != 100 || memcmp(fz.buf, fz.want, 100))
			finding("the new file reads back wrong after umount", FZ_NEW, r);
		vnode_put(f);
	}
	umount_clean(mnt);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint32_t sectors, fail;
	struct vfs_mount *mnt;
	bool wrote;

	if (!ready) {
		fathost_init();
		ready = true;
	}
	if (size < 8 || !(sectors = le32(data)) || sectors > FZ_SECTORS_MAX)
		return 0;
	fail = le32(data + 4);
	if (memblk_init(&fz.m, "fz0", sectors))
		abort();
	fz.m.fail_lba = fail == 0xffffffffu ? UINT64_MAX : fail;
	for (size_t at = 8; at + 4 < size; at += 4 + 512) {
		size_t n = size - at - 4 < 512 ? size - at - 4 : 512;

		memcpy(fz.m.mem + (uint64_t)(le32(data + at) % sectors) * 512, data + at + 4, n);
	}
	fz.dirs = 0;
	fz.victim[0] = fz.subdir[0] = 0;
	if (!check(fathost_mount(&fz.m, false, &mnt), E_IO | E(EINVAL), "mount", "")) {
		bool was_rw;

		walk(mnt->root, 0);
		change(mnt->root, &wrote);
		was_rw = !(mnt->flags & TIO_MNT_RDONLY); /* the first change checked the chains */
		umount_clean(mnt);
		remount(wrote, was_rw);
	} else if (fathost_leaks(&fz.m, true)) {
		finding(fathost_leaks(&fz.m, true), "refused mount", 0);
	}
	bcache_forget(&fz.m.dev); /* the next input's sectors are new */
	memblk_destroy(&fz.m);
	return 0;
}
