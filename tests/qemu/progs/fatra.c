/*
 * fatra - a test program for tests/qemu/test_fat_ra.py (not a user command):
 * FAT readahead against writes, and the write path's remembered position.
 *
 *   fatra rw FILE    reads 4 KiB at 0 (a readahead window of the next bytes
 *                    starts), writes 4 KiB of a pattern at 8192 through another
 *                    descriptor, then reads on from 4096: the bytes at 8192 must
 *                    be the new ones, not the window's old copy
 *   fatra wseq FILE  appends, rewrites in the middle, truncates (O_TRUNC while
 *                    another descriptor keeps the node) and writes again,
 *                    including past the end; the host checks the result
 *                    (pattern: pat() below, mirrored in the test)
 *   fatra unlink FILE OTHER  unlinks FILE while a descriptor has it open (0, then
 *                    stat says -ENOENT), reads it whole through that descriptor
 *                    ("fatra unlink hash H size N", FNV-1a), makes a new FILE of
 *                    10000 bytes (phase 6), checks the old descriptor still reads
 *                    the old bytes; then renames FILE over OTHER while OTHER is
 *                    open, which must go on reading OTHER's old bytes
 *   fatra hold FILE  opens FILE, unlinks it, syncs, prints "fatra hold" and sleeps
 *                    with it open (the test then kills the machine: a crash)
 *   fatra umount FILE DIR  reads 4 KiB of FILE (a window starts), closes it
 *                    and unmounts DIR at once: "fatra umount 0" or its error
 *
 * Prints "fatra MODE ok" or "fatra FAIL <what> <value>" and exits 1.
 */
#include <stdio.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

static unsigned char buf[65536];

static unsigned char pat(unsigned long off, unsigned phase)
{
	return (unsigned char)(off * 31 + phase * 17 + (off >> 9));
}

static int fail(const char *what, long v)
{
	printf("fatra FAIL %s %ld\n", what, v);
	return 1;
}

/* Writes [off, off + len) of phase @ph in chunks of @chunk at the descriptor's position or @off. */
static int put(int fd, unsigned long off, unsigned long len, unsigned long chunk, unsigned ph,
	       int positional)
{
	for (unsigned long done = 0; done < len;) {
		unsigned long k = len - done < chunk ? len - done : chunk;
		long r;

		for (unsigned long i = 0; i < k; i++)
			buf[i] = pat(off + done + i, ph);
		r = positional ? sys_pwrite(fd, buf, k, off + done) : sys_write(fd, buf, k);
		if (r != (long)k)
			return fail("write", r);
		done += k;
	}
	return 0;
}

static int mode_rw(const char *path)
{
	long r, fd = sys_open(path, O_RDONLY, 0), wfd;

	if (fd < 0)
		return fail("open", fd);
	if ((r = sys_read((int)fd, buf, 4096)) != 4096)
		return fail("read0", r);
	wfd = sys_open(path, O_WRONLY, 0);
	if (wfd < 0)
		return fail("open-w", wfd);
	if (put((int)wfd, 8192, 4096, 4096, 9, 1))
		return 1;
	sys_close((int)wfd);
	if ((r = sys_read((int)fd, buf, 4096)) != 4096)
		return fail("read1", r);
	if ((r = sys_read((int)fd, buf, 4096)) != 4096)
		return fail("read2", r);
	for (unsigned long i = 0; i < 4096; i++)
		if (buf[i] != pat(8192 + i, 9))
			return fail("stale-byte-at", (long)(8192 + i));
	sys_close((int)fd);
	printf("fatra rw ok\n");
	return 0;
}

static int mode_wseq(const char *path)
{
	long keep, fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("create", fd);
	keep = sys_open(path, O_RDONLY, 0); /* the node lives across the O_TRUNC below */
	if (keep < 0)
		return fail("open-keep", keep);
	/* The last write before the truncate is near the start: a position the
	 * truncate failed to forget would lie inside the new chain's length. */
	if (put((int)fd, 0, 300000, 3001, 1, 0) || put((int)fd, 250000, 20000, 7000, 3, 1) ||
	    put((int)fd, 1000, 5000, 5000, 2, 1))
		return 1;
	sys_close((int)fd);
	fd = sys_open(path, O_WRONLY | O_TRUNC, 0);
	if (fd < 0)
		return fail("trunc", fd);
	if (put((int)fd, 0, 100000, 65536, 4, 0) || put((int)fd, 150000, 10000, 10000, 5, 1))
		return 1;
	sys_close((int)fd);
	sys_close((int)keep);
	printf("fatra wseq ok\n");
	return 0;
}

static int mode_umount(const char *path, const char *dir)
{
	long r, fd = sys_open(path, O_RDONLY, 0);

	if (fd < 0)
		return fail("open", fd);
	if ((r = sys_read((int)fd, buf, 4096)) != 4096)
		return fail("read", r);
	sys_close((int)fd);
	r = sys_umount(dir);
	printf("fatra umount %ld\n", r);
	return r != 0;
}

static unsigned long fnv(unsigned long h, const unsigned char *p, long n)
{
	for (long i = 0; i < n; i++)
		h = ((h ^ p[i]) * 16777619ul) & 0xffffffffu;
	return h;
}

/* Opens @path, keeps its first 4 KiB in @head: the descriptor or -1. */
static long open_head(const char *path, unsigned char *head)
{
	long r, fd = sys_open(path, O_RDONLY, 0);

	if (fd < 0)
		return fail("open", fd), -1;
	if ((r = sys_pread((int)fd, head, 4096, 0)) != 4096)
		return fail("head", r), -1;
	return fd;
}

/* The descriptor still reads @head at 0. */
static int same_head(long fd, const unsigned char *head, const char *what)
{
	long r = sys_pread((int)fd, buf, 4096, 0);

	if (r != 4096 || memcmp(buf, head, 4096))
		return fail(what, r);
	return 0;
}

static int mode_unlink(const char *path, const char *other)
{
	static unsigned char head[4096], ohead[4096];
	struct tio_stat st;
	unsigned long h = 2166136261ul, size = 0;
	long r, nfd, ofd, fd = open_head(path, head);

	if (fd < 0)
		return 1;
	if ((r = sys_unlink(path)) != 0)
		return fail("unlink", r);
	if ((r = sys_stat(path, &st)) != -2)
		return fail("stat-after-unlink", r);
	while ((r = sys_read((int)fd, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, r);
		size += (unsigned long)r;
	}
	if (r < 0)
		return fail("read", r);
	printf("fatra unlink hash %08lx size %lu\n", h, size);
	nfd = sys_open(path, O_WRONLY | O_CREAT, 0644);
	if (nfd < 0 || put((int)nfd, 0, 10000, 10000, 6, 0))
		return fail("create", nfd);
	sys_close((int)nfd);
	if (same_head(fd, head, "old-bytes-after-create"))
		return 1;
	sys_close((int)fd); /* the last reference: its clusters go */
	if ((ofd = open_head(other, ohead)) < 0)
		return 1;
	if ((r = sys_rename(path, other)) != 0)
		return fail("rename", r);
	if (same_head(ofd, ohead, "old-bytes-after-rename"))
		return 1;
	sys_close((int)ofd);
	printf("fatra unlink ok\n");
	return 0;
}

static int mode_hold(const char *path)
{
	long r, fd = sys_open(path, O_RDONLY, 0);

	if (fd < 0)
		return fail("open", fd);
	if ((r = sys_unlink(path)) != 0)
		return fail("unlink", r);
	if ((r = sys_sync()) != 0)
		return fail("sync", r);
	printf("fatra hold\n");
	for (;;)
		sys_sleep_ns(1000000000ul);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return mode_hold(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "unlink"))
		return mode_unlink(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "umount"))
		return mode_umount(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "rw"))
		return mode_rw(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "wseq"))
		return mode_wseq(argv[2]);
	printf("usage: fatra rw|wseq|hold FILE, fatra umount|unlink FILE DIR|OTHER\n");
	return 2;
}
