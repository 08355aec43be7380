/*
 * losetup                  - list bound loop devices, "/dev/loopN: OFFSET FILE"
 *                            (busybox layout)
 * losetup /dev/loopN FILE  - bind FILE to the loop device
 * losetup -d /dev/loopN    - unbind
 * Through ioctls on /dev/loopN (tio/cmd.h, proposed ABI).
 */
#include <errno.h>
#include <stdio.h>
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

int main(int argc, char **argv)
{
	if (argc == 1)
		return list();
	if (argc == 3 && argv[1][0] == '-' && argv[1][1] == 'd' && !argv[1][2])
		return unbind(argv[2]);
	if (argc == 3 && argv[1][0] != '-')
		return bind(argv[1], argv[2]);
	fprintf(stderr, "usage: losetup [/dev/loopN FILE | -d /dev/loopN]\n");
	return 1;
}
