/*
 * mdadm --build /dev/mdN --level=0|1|linear [--chunk=KiB] --raid-devices=N DEV...
 * mdadm --detail /dev/mdN
 * mdadm --stop /dev/mdN
 * Builds a superblock-less array (like mdadm --build), shows or stops one,
 * through ioctls on the array's device node (uapi/block.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/mdargs.h>
#include <tio/start.h>
#include <tio/sys.h>

static int md_build(int fd, const struct md_args *a)
{
	struct tio_md_build b;
	long r;

	memset(&b, 0, sizeof(b));
	b.level = a->level;
	b.ndevs = a->ndevs;
	b.chunk = a->chunk_kib * 1024;
	for (unsigned i = 0; i < a->ndevs; i++) {
		if (strlen(a->devs[i]) >= sizeof(b.devs[i]))
			return cmd_err("mdadm", a->devs[i], -ENAMETOOLONG);
		strcpy(b.devs[i], a->devs[i]);
	}
	r = sys_ioctl(fd, TIO_MD_BUILD, &b);
	if (r < 0)
		return cmd_err_dev("mdadm", "building md arrays", r);
	printf("mdadm: array %s built and started.\n", a->array);
	return 0;
}

static int md_detail(int fd, const struct md_args *a)
{
	struct tio_md_detail d;
	unsigned long long kib;
	long r;

	memset(&d, 0, sizeof(d));
	r = sys_ioctl(fd, TIO_MD_DETAIL, &d);
	if (r < 0)
		return cmd_err_dev("mdadm", "md array details", r);
	kib = (unsigned long long)(d.size / 1024);
	printf("%s:\n", a->array);
	printf("        Raid Level : %s\n", md_level_name(d.level));
	printf("        Array Size : %llu (%llu.%02llu MiB)\n", kib, kib / 1024,
	       (kib % 1024) * 100 / 1024);
	printf("      Raid Devices : %u\n", d.ndevs);
	printf("             State : %s\n", d.failed ? "clean, degraded" : "clean");
	printf("    Failed Devices : %u\n", (unsigned)__builtin_popcount(d.failed));
	if (d.level == 0)
		printf("        Chunk Size : %uK\n", d.chunk / 1024);
	printf("\n    Number   State    Device\n");
	for (unsigned i = 0; i < d.ndevs && i < TIO_MD_DEVS; i++)
		printf("    %6u   %-8s %.32s\n", i, d.failed & (1u << i) ? "faulty" : "active",
		       d.devs[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct md_args a;
	const char *why = "";
	long fd;
	int r;

	if (md_parse_args(argc, argv, &a, &why) < 0) {
		fprintf(stderr,
			"mdadm: %s\nusage: mdadm --build /dev/mdN --level=0|1|linear [--chunk=KiB] "
			"--raid-devices=N DEV...\n       mdadm --detail /dev/mdN\n"
			"       mdadm --stop /dev/mdN\n",
			why);
		return 1;
	}
	fd = sys_open(a.array, O_RDWR, 0);
	if (fd < 0)
		return cmd_err_dev("mdadm", a.array, fd);
	if (a.mode == MD_STOP) {
		long s = sys_ioctl((int)fd, TIO_MD_STOP, NULL);

		r = s < 0 ? cmd_err_dev("mdadm", a.array, s)
			  : (printf("mdadm: stopped %s\n", a.array), 0);
	} else {
		r = a.mode == MD_BUILD ? md_build((int)fd, &a) : md_detail((int)fd, &a);
	}
	sys_close((int)fd);
	return r;
}
