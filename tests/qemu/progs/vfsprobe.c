/*
 * vfsprobe - VFS namespace and mount-lifetime checks for the QEMU tests
 * (tests/qemu/test_vfs.py); not a user command.
 *
 *   vfsprobe renamerace MS     two children race for MS milliseconds: one renames
 *                              /tmp/a into /tmp/b and back, the other /tmp/b into
 *                              /tmp/a and back; afterwards both are still reachable
 *                              from "/" and removable. Each mover prints "mover X:
 *                              M moves, R refused", then "renamerace ok" or FAIL
 *   vfsprobe umountrace DIR MS a child opens, writes, stats, lists, mkdirs and chdirs
 *                              in the tmpfs at DIR for MS milliseconds (and at least
 *                              CHURN_MIN_ROUNDS rounds) while this process umounts and
 *                              remounts it; every umount is 0 or -EBUSY, every file
 *                              call 0 or an error that a missing file explains. The
 *                              child prints "churn: R rounds, the file there after
 *                              M", then "umountrace ok U B" (umounts done, busy) or
 *                              FAIL
 *   vfsprobe mounts            the deterministic checks, one line each:
 *                              "mounts ok <name>" or "mounts FAIL <name>: <check> (line N)"
 *   vfsprobe churn DIR MS, mover FROM TO MS, sleep: the children of the above
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			*why = #c;                                                                 \
			return __LINE__;                                                           \
		}                                                                                  \
	} while (0)

static long spawn(const char *const *argv)
{
	struct tio_spawn s = {.path = "/bin/vfsprobe", .argv = argv, .fds = {-1, -1, -1}};

	return sys_spawn(&s);
}

static int reap(long pid)
{
	int status;

	if (pid <= 0 || sys_waitpid((int)pid, &status, 0) != pid)
		return -1;
	return status;
}

/* ---- renamerace ---- */

/* Moves /tmp/FROM into /tmp/TO and back for @ms milliseconds: 0, or 1 (printed). */
static int mover(const char *from, const char *to, long ms)
{
	long deadline = sys_clock_ns() + ms * 1000000L, moves = 0, refused = 0;
	char src[32], dst[32];

	snprintf(src, sizeof(src), "/tmp/%s", from);
	snprintf(dst, sizeof(dst), "/tmp/%s/%s", to, from);
	while (sys_clock_ns() < deadline) {
		long r = sys_rename(src, dst);

		if (r == -ENOENT || r == -EINVAL) {
			refused++; /* the other one holds /tmp/TO inside /tmp/FROM now */
			continue;
		}
		if (r) {
			printf("renamerace FAIL %s -> %s: %ld\n", src, dst, r);
			return 1;
		}
		moves++;
		r = sys_rename(dst, src);
		if (r) {
			/* /tmp/TO vanished while we sat in it: the two formed a cycle */
			printf("renamerace FAIL %s -> %s back: %ld (cut off from /)\n", dst, src,
			       r);
			return 1;
		}
	}
	printf("mover %s: %ld moves, %ld refused\n", from, moves, refused);
	return 0;
}

static int renamerace(const char *ms)
{
	const char *ab[] = {"vfsprobe", "mover", "a", "b", ms, NULL};
	const char *ba[] = {"vfsprobe", "mover", "b", "a", ms, NULL};
	struct tio_stat sa, sb;
	long p1, p2;
	int s1, s2;

	if (sys_mkdir("/tmp/a", 0755) || sys_mkdir("/tmp/b", 0755)) {
		printf("renamerace FAIL mkdir\n");
		return 1;
	}
	p1 = spawn(ab);
	p2 = spawn(ba);
	s1 = reap(p1);
	s2 = reap(p2);
	if (s1 || s2) {
		printf("renamerace FAIL movers: status %d %d\n", s1, s2);
		return 1;
	}
	if (sys_stat("/tmp/a", &sa) || sys_stat("/tmp/b", &sb) || sys_rmdir("/tmp/a") ||
	    sys_rmdir("/tmp/b")) {
		printf("renamerace FAIL /tmp/a or /tmp/b not reachable from / afterwards\n");
		return 1;
	}
	printf("renamerace ok\n");
	return 0;
}

/* ---- umountrace ---- */

static bool file_error_ok(long r)
{
	/* Unmounted: DIR is the empty, read-only directory underneath. */
	return r >= 0 || r == -ENOENT || r == -EROFS;
}

#define CHURN_DEPTH	 6    /* directories under DIR: walks spend their time holding them */
#define CHURN_MIN_ROUNDS 2000 /* however slow the machine, this many rounds at least */

/* mkdir DIR/d/d/...: each level exists, or the filesystem went away meanwhile. */
static int churn_mkdirs(const char *dir)
{
	char path[128];
	size_t len = strlen(dir);

	memcpy(path, dir, len + 1);
	for (int i = 0; i < CHURN_DEPTH; i++) {
		long r;

		memcpy(path + len, "/d", 3);
		len += 2;
		r = sys_mkdir(path, 0755);
		if (r != -EEXIST && !file_error_ok(r))
			return __LINE__;
	}
	return 0;
}

/* One round of file calls in @dir: 0, or the line that failed. */
static int churn_round(const char *dir, const char *file, const char *deep)
{
	char dents[512];
	struct tio_stat st;
	long fd, r;

	if (churn_mkdirs(dir))
		return __LINE__;
	for (int i = 0; i < 4; i++)
		if (!file_error_ok(sys_stat(deep, &st)))
			return __LINE__;
	fd = sys_open(file, O_RDWR | O_CREAT, 0644);
	if (!file_error_ok(fd))
		return __LINE__;
	if (fd >= 0 &&
	    (sys_write((int)fd, "x", 1) != 1 || sys_fstat((int)fd, &st) || sys_close((int)fd)))
		return __LINE__;
	r = sys_chdir(dir);
	if (r == 0) {
		r = sys_stat("d/d/d", &st); /* relative: through the cwd */
		if (!file_error_ok(r) || sys_chdir("/"))
			return __LINE__;
	} else if (!file_error_ok(r)) {
		return __LINE__;
	}
	fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0) {
		r = sys_getdents((int)fd, dents, sizeof(dents));
		if (r < 0 || sys_close((int)fd))
			return __LINE__;
	}
	return 0;
}

/* Removes the churn's file and directories in @dir: 0, or -1. */
static int churn_clean(const char *dir)
{
	char path[128];
	size_t len = strlen(dir);
	long r;

	snprintf(path, sizeof(path), "%s/f", dir);
	r = sys_unlink(path);
	if (r && !file_error_ok(r))
		return -1;
	for (int depth = CHURN_DEPTH; depth > 0; depth--) {
		memcpy(path, dir, len);
		for (int i = 0; i < depth; i++)
			memcpy(path + len + 2 * i, "/d", 2);
		path[len + 2 * depth] = '\0';
		r = sys_rmdir(path);
		if (r && !file_error_ok(r))
			return -1;
	}
	return 0;
}

static int churn(const char *dir, long ms)
{
	long deadline = sys_clock_ns() + ms * 1000000L, rounds = 0, mounted = 0;
	char file[64], deep[128];
	struct tio_stat st;

	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(deep, sizeof(deep), "%s/d/d/d/d/d/d/nothing", dir);
	for (; rounds < CHURN_MIN_ROUNDS || sys_clock_ns() < deadline; rounds++) {
		int line = churn_round(dir, file, deep);

		if (line) {
			printf("umountrace FAIL churn round %ld: line %d\n", rounds, line);
			return 1;
		}
		mounted += sys_stat(file, &st) == 0;
	}
	printf("churn: %ld rounds, the file there after %ld\n", rounds, mounted);
	return 0;
}

static int umountrace(const char *dir, const char *ms)
{
	const char *argv[] = {"vfsprobe", "churn", dir, ms, NULL};
	long pid = spawn(argv), r;
	int status = -1, umounted = 0, busy = 0;
	bool failed = false;

	if (pid <= 0) {
		printf("umountrace FAIL spawn: %ld\n", pid);
		return 1;
	}
	while (!failed && sys_waitpid((int)pid, &status, WNOHANG) == 0) {
		r = sys_umount(dir);
		if (r == -EBUSY) {
			busy++;
			sys_sleep_ns(1000000);
			continue;
		}
		if (r) {
			printf("umountrace FAIL umount %s: %ld\n", dir, r);
			failed = true;
		} else {
			umounted++;
			/* Let the churn run into the unmounted filesystem before a new
			 * instance can reuse its memory (a stale vnode faults then). */
			sys_sleep_ns(1000000);
			r = sys_mount("tmpfs", dir, "tmpfs", 0);
			if (r) {
				printf("umountrace FAIL mount %s: %ld\n", dir, r);
				failed = true;
			}
		}
		/* And work in the mounted one until its time slice ends at some
		 * random point of its calls: the next umount lands there. */
		sys_sleep_ns(1000000);
	}
	if (failed) {
		sys_kill((int)pid);
		reap(pid);
		return 1;
	}
	if (status != 0) {
		printf("umountrace FAIL churn status %d\n", status);
		return 1;
	}
	/* What the churn left, in the last instance and in the directory under it. */
	if (churn_clean(dir) || sys_umount(dir) || churn_clean(dir) ||
	    sys_mount("tmpfs", dir, "tmpfs", 0)) {
		printf("umountrace FAIL cleaning up %s\n", dir);
		return 1;
	}
	printf("umountrace ok %d %d\n", umounted, busy);
	return 0;
}

/* ---- mounts: deterministic checks ---- */

/* Renaming a mount point, renaming onto one, or moving a directory that holds
 * one: -EBUSY; nothing moved. */
static int rename_mountpoint_busy(const char **why)
{
	struct tio_stat st;

	CHECK(sys_mkdir("/tmp/rm", 0755) == 0 && sys_mkdir("/tmp/rm/m", 0755) == 0);
	CHECK(sys_mkdir("/tmp/rd", 0755) == 0);
	CHECK(sys_mount("tmpfs", "/tmp/rm/m", "tmpfs", 0) == 0);
	CHECK(sys_rename("/tmp/rm/m", "/tmp/rm/n") == -EBUSY);
	CHECK(sys_rename("/tmp/rd", "/tmp/rm/m") == -EBUSY);
	CHECK(sys_rename("/tmp/rm", "/tmp/rx") == -EBUSY); /* holds a mount point */
	CHECK(sys_rename("/tmp", "/tmpx") == -EBUSY);
	CHECK(sys_rmdir("/tmp/rm/m") == -EBUSY);
	CHECK(sys_stat("/tmp/rd", &st) == 0 && sys_stat("/tmp/rm/n", &st) == -ENOENT);
	CHECK(sys_umount("/tmp/rm/m") == 0);
	CHECK(sys_rename("/tmp/rd", "/tmp/rm/m") == 0); /* no longer a mount point */
	CHECK(sys_rmdir("/tmp/rm/m") == 0 && sys_rmdir("/tmp/rm") == 0);
	return 0;
}

/* A directory cannot move under itself, however the target path is spelt. */
static int rename_into_own_subtree(const char **why)
{
	CHECK(sys_mkdir("/tmp/sa", 0755) == 0 && sys_mkdir("/tmp/sa/sb", 0755) == 0);
	CHECK(sys_rename("/tmp/sa", "/tmp/sa/sb/sc") == -EINVAL);
	CHECK(sys_rename("/tmp/sa", "/tmp/sa/x") == -EINVAL);
	CHECK(sys_rename("/tmp/sa/sb", "/tmp/sb") == 0 && sys_rename("/tmp/sb", "/tmp/sa/sb") == 0);
	CHECK(sys_rmdir("/tmp/sa/sb") == 0 && sys_rmdir("/tmp/sa") == 0);
	return 0;
}

/* Two tmpfs mounts are two filesystems: their own files, their own lifetime. */
static int tmpfs_instances_separate(const char **why)
{
	struct tio_stat s1, s2;
	long fd;

	CHECK(sys_mkdir("/tmp/i1", 0755) == 0 && sys_mkdir("/tmp/i2", 0755) == 0);
	CHECK(sys_mount("tmpfs", "/tmp/i1", "tmpfs", 0) == 0);
	CHECK(sys_mount("tmpfs", "/tmp/i2", "tmpfs", 0) == 0);
	fd = sys_open("/tmp/i1/f", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && sys_write((int)fd, "one", 3) == 3 && sys_close((int)fd) == 0);
	CHECK(sys_stat("/tmp/i2/f", &s2) == -ENOENT);
	fd = sys_open("/tmp/i2/g", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && sys_close((int)fd) == 0);
	CHECK(sys_stat("/tmp/i1", &s1) == 0 && sys_stat("/tmp/i2", &s2) == 0 && s1.dev != s2.dev);
	CHECK(sys_rename("/tmp/i1/f", "/tmp/i2/f") == -EXDEV);
	CHECK(sys_umount("/tmp/i1") == 0);
	CHECK(sys_stat("/tmp/i1/f", &s1) == -ENOENT && sys_stat("/tmp/i2/g", &s2) == 0);
	CHECK(sys_unlink("/tmp/i2/g") == 0 && sys_umount("/tmp/i2") == 0);
	CHECK(sys_rmdir("/tmp/i1") == 0 && sys_rmdir("/tmp/i2") == 0);
	return 0;
}

/* A cwd inside a mount holds it, this process's or a child's that inherited it. */
static int cwd_holds_mount(const char **why)
{
	const char *argv[] = {"vfsprobe", "sleep", NULL};
	long pid;

	CHECK(sys_mkdir("/tmp/cw", 0755) == 0);
	CHECK(sys_mount("tmpfs", "/tmp/cw", "tmpfs", 0) == 0 && sys_mkdir("/tmp/cw/d", 0755) == 0);
	CHECK(sys_chdir("/tmp/cw/d") == 0);
	CHECK(sys_umount("/tmp/cw") == -EBUSY);
	pid = spawn(argv); /* inherits /tmp/cw/d */
	CHECK(pid > 0 && sys_chdir("/") == 0);
	CHECK(sys_umount("/tmp/cw") == -EBUSY);
	CHECK(sys_kill((int)pid) == 0 && reap(pid) == (TIO_WKILLED | 9));
	CHECK(sys_umount("/tmp/cw") == 0 && sys_rmdir("/tmp/cw") == 0);
	return 0;
}

/* An open directory and a mount below hold a mount; umount of a non-mount is -EINVAL. */
static int open_and_child_mount_hold(const char **why)
{
	long fd;

	CHECK(sys_mkdir("/tmp/oc", 0755) == 0 && sys_mount("tmpfs", "/tmp/oc", "tmpfs", 0) == 0);
	fd = sys_open("/tmp/oc", O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0 && sys_umount("/tmp/oc") == -EBUSY && sys_close((int)fd) == 0);
	CHECK(sys_mkdir("/tmp/oc/in", 0755) == 0 &&
	      sys_mount("tmpfs", "/tmp/oc/in", "tmpfs", 0) == 0);
	CHECK(sys_umount("/tmp/oc") == -EBUSY && sys_umount("/tmp/oc/nope") == -EINVAL);
	CHECK(sys_umount("/tmp/oc/in") == 0 && sys_umount("/tmp/oc") == 0);
	CHECK(sys_rmdir("/tmp/oc") == 0);
	return 0;
}

/* Two mounts stacked on one directory: umount takes the top one off first. */
static int stacked_mounts_top_first(const char **why)
{
	struct tio_stat st;
	long fd;

	CHECK(sys_mkdir("/tmp/st", 0755) == 0 && sys_mount("tmpfs", "/tmp/st", "tmpfs", 0) == 0);
	fd = sys_open("/tmp/st/low", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && sys_close((int)fd) == 0);
	CHECK(sys_mount("tmpfs", "/tmp/st", "tmpfs", 0) == 0);
	CHECK(sys_stat("/tmp/st/low", &st) == -ENOENT); /* hidden by the top one */
	CHECK(sys_umount("/tmp/st") == 0);
	CHECK(sys_stat("/tmp/st/low", &st) == 0 && sys_unlink("/tmp/st/low") == 0);
	CHECK(sys_umount("/tmp/st") == 0 && sys_rmdir("/tmp/st") == 0);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const char **why);
} checks[] = {
    {"rename_mountpoint_busy", rename_mountpoint_busy},
    {"rename_into_own_subtree", rename_into_own_subtree},
    {"tmpfs_instances_separate", tmpfs_instances_separate},
    {"cwd_holds_mount", cwd_holds_mount},
    {"open_and_child_mount_hold", open_and_child_mount_hold},
    {"stacked_mounts_top_first", stacked_mounts_top_first},
};

static int mounts(void)
{
	int bad = 0;

	for (unsigned i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const char *why = "";
		int line = checks[i].fn(&why);

		if (line)
			printf("mounts FAIL %s: %s (line %d)\n", checks[i].name, why, line);
		else
			printf("mounts ok %s\n", checks[i].name);
		bad |= line != 0;
		sys_chdir("/");
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "renamerace"))
		return renamerace(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "mover"))
		return mover(argv[2], argv[3], strtol(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "umountrace"))
		return umountrace(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "churn"))
		return churn(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "mounts"))
		return mounts();
	if (argc == 2 && !strcmp(argv[1], "sleep"))
		return (int)sys_sleep_ns(60000000000ULL);
	fprintf(stderr, "usage: vfsprobe renamerace MS | umountrace DIR MS | mounts\n");
	return 2;
}
