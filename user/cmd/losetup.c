/*
 * losetup                  - list bound loop devices, "/dev/loopN: OFFSET FILE"
 * losetup -a                 (busybox layout)
 * losetup /dev/loopN FILE  - bind FILE to the loop device
 * losetup -f               - print the first unbound loop device
 * losetup -f FILE          - bind FILE to it and print its name
 * losetup -d /dev/loopN    - unbind
 * Through ioctls on /dev/loopN (uapi/block.h): SET_FD, then SET_STATUS with
 * the file's name so listings can show it, as util-linux does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

static int list(void)
{
	char dev[32];
	struct tio_loop_info li;

	for (int i = 0; i < TIO_LOOP_MAX; i++) {
		long fd, r;

		snprintf(dev, sizeof(dev), "/dev/loop%d", i);
		fd = sys_open(dev, O_RDONLY, 0);
		if (fd == -ENOENT && i == 0)
			return cmd_err_dev("losetup", "the loop driver", -ENODEV);
		if (fd < 0)
			continue;
		r = sys_ioctl((int)fd, TIO_LOOP_GET_STATUS, &li);
		sys_close((int)fd);
		if (r == -ENXIO)
			continue; /* not bound */
		if (r < 0)
			return cmd_err_dev("losetup", "loop device status", r);
		li.file[sizeof(li.file) - 1] = '\0';
		printf("%s: %llu %s\n", dev, (unsigned long long)li.offset, li.file);
	}
	return 0;
}

static int bind(const char *dev, const char *file)
{
	long d = sys_open(dev, O_RDWR, 0), f, r;

	if (d < 0)
		return cmd_err_dev("losetup", dev, d);
	f = sys_open(file, O_RDWR, 0);
	if (f < 0) {
		sys_close((int)d);
		return cmd_err("losetup", file, f);
	}
	r = sys_ioctl((int)d, TIO_LOOP_SET_FD, (void *)f);
	sys_close((int)f);
	if (r >= 0) {
		struct tio_loop_info li;

		memset(&li, 0, sizeof(li));
		snprintf(li.file, sizeof(li.file), "%s", file);
		r = sys_ioctl((int)d, TIO_LOOP_SET_STATUS, &li);
	}
	sys_close((int)d);
	return r < 0 ? cmd_err_dev("losetup", "binding loop devices", r) : 0;
}

static int unbind(const char *dev)
{
	long d = sys_open(dev, O_RDWR, 0), r;

	if (d < 0)
		return cmd_err_dev("losetup", dev, d);
	r = sys_ioctl((int)d, TIO_LOOP_CLR_FD, NULL);
	sys_close((int)d);
	return r < 0 ? cmd_err_dev("losetup", dev, r) : 0;
}

/* The first loop device whose status says unbound, into @dev; 0 or -errno. */
static long first_free(char *dev, size_t cap)
{
	struct tio_loop_info li;

	for (int i = 0; i < TIO_LOOP_MAX; i++) {
		long fd, r;

		snprintf(dev, cap, "/dev/loop%d", i);
		fd = sys_open(dev, O_RDONLY, 0);
		if (fd < 0)
			return fd == -ENOENT ? -ENODEV : fd;
		r = sys_ioctl((int)fd, TIO_LOOP_GET_STATUS, &li);
		sys_close((int)fd);
		if (r == -ENXIO)
			return 0;
		if (r < 0)
			return r;
	}
	return -EBUSY;
}

static int find(const char *file)
{
	char dev[32];
	long r = first_free(dev, sizeof(dev));

	if (r < 0)
		return cmd_err_dev("losetup", "a free loop device", r);
	if (file && bind(dev, file))
		return 1;
	printf("%s\n", dev);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "-a")))
		return list();
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "-f"))
		return find(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && argv[1][0] == '-' && argv[1][1] == 'd' && !argv[1][2])
		return unbind(argv[2]);
	if (argc == 3 && argv[1][0] != '-')
		return bind(argv[1], argv[2]);
	fprintf(stderr, "usage: losetup [-a | /dev/loopN FILE | -f [FILE] | -d /dev/loopN]\n");
	return 1;
}
