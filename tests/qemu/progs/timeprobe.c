/*
 * timeprobe - a test program for tests/qemu/test_tools.py (not a user
 * command): checks that tmpfs stamps times from the wall clock as POSIX
 * says, under DIR (default /tmp). Prints "timeprobe ok", or
 * "timeprobe FAIL <check> (line N)" and exits 1.
 *
 *   - a new file's mtime is the wall clock (SYS_clock_real) at creation;
 *   - a write moves the file's mtime forward, a read does not;
 *   - creating and removing a name move the directory's mtime forward;
 *   - O_TRUNC moves the mtime forward;
 *   - a write sets ctime with mtime; a rename moves ctime, not mtime.
 */
#include <stdio.h>
#include <string.h>
#include <tio/start.h>
#include <tio/sys.h>

#define TP_GAP_NS 20000000L /* 20 ms between steps: far above the clock's resolution */

#define TP_CHECK(c)                                                                                \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			printf("timeprobe FAIL %s (line %d)\n", #c, __LINE__);                     \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static int64_t mtime_of(const char *path)
{
	struct tio_stat st;

	return sys_stat(path, &st) < 0 ? -1 : st.mtime_ns;
}

static int64_t ctime_of(const char *path)
{
	struct tio_stat st;

	return sys_stat(path, &st) < 0 ? -1 : st.ctime_ns;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[TIO_PATH_MAX], path2[TIO_PATH_MAX], buf[4];
	int64_t t0, m1, m2, d1, d2;
	long fd;

	snprintf(path, sizeof(path), "%s/timeprobe.f", dir);
	snprintf(path2, sizeof(path2), "%s/timeprobe.g", dir);
	sys_unlink(path);
	sys_unlink(path2);
	d1 = mtime_of(dir);
	t0 = sys_clock_real();
	sys_sleep_ns(TP_GAP_NS);
	fd = sys_open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	TP_CHECK(fd >= 0);
	m1 = mtime_of(path);
	TP_CHECK(m1 > t0 && m1 <= sys_clock_real());
	d2 = mtime_of(dir);
	TP_CHECK(d2 > d1 && d2 > t0); /* a name was added */
	sys_sleep_ns(TP_GAP_NS);
	TP_CHECK(sys_write((int)fd, "abc", 3) == 3);
	m2 = mtime_of(path);
	TP_CHECK(m2 > m1);
	TP_CHECK(ctime_of(path) == m2);
	sys_sleep_ns(TP_GAP_NS);
	TP_CHECK(sys_pread((int)fd, buf, 3, 0) == 3 && !memcmp(buf, "abc", 3));
	TP_CHECK(mtime_of(path) == m2); /* reads change nothing */
	sys_close((int)fd);
	sys_sleep_ns(TP_GAP_NS);
	fd = sys_open(path, O_WRONLY | O_TRUNC, 0);
	TP_CHECK(fd >= 0);
	sys_close((int)fd);
	TP_CHECK(mtime_of(path) > m2);
	m2 = mtime_of(path);
	TP_CHECK(ctime_of(path) == m2);
	sys_sleep_ns(TP_GAP_NS);
	TP_CHECK(sys_rename(path, path2) == 0);
	TP_CHECK(mtime_of(path2) == m2 && ctime_of(path2) > m2);
	sys_sleep_ns(TP_GAP_NS);
	d1 = mtime_of(dir);
	TP_CHECK(sys_unlink(path2) == 0);
	TP_CHECK(mtime_of(dir) > d1); /* a name was removed */
	printf("timeprobe ok\n");
	return 0;
}
