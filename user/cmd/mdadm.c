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

/* "2.00 MiB 2.10 MB": mdadm's two renderings of a size, rounded to two decimals. */
static void human_sizes(unsigned long long bytes, char *out, size_t cap)
{
	unsigned long long mib100 = (bytes * 100 + (1 << 19)) >> 20, mb100 = (bytes + 5000) / 10000;

	snprintf(out, cap, "%llu.%02llu MiB %llu.%02llu MB", mib100 / 100, mib100 % 100,
		 mb100 / 100, mb100 % 100);
}

/* A member's major and minor from its node's rdev (0 0 when it cannot be read). */
static void member_numbers(const char *path, unsigned *major, unsigned *minor)
{
	struct tio_stat st;

	*major = *minor = 0;
	if (sys_stat(path, &st) == 0) {
		*major = st.rdev >> 8;
		*minor = st.rdev & 0xff;
	}
}

static void member_table(const struct tio_md_detail *d)
{
	unsigned n = d->ndevs < TIO_MD_DEVS ? d->ndevs : TIO_MD_DEVS, major, minor;

	printf("\n    Number   Major   Minor   RaidDevice State\n");
	for (unsigned i = 0; i < n; i++) {
		if (d->failed & (1u << i)) {
			printf("       -       0        0        %u      removed\n", i);
			continue;
		}
		member_numbers(d->devs[i], &major, &minor);
		printf("    %4u    %4u    %4u        %u      active sync   %.32s\n", i, major,
		       minor, i, d->devs[i]);
	}
	if (!d->failed)
		return;
	printf("\n");
	for (unsigned i = 0; i < n; i++)
		if (d->failed & (1u << i)) {
			member_numbers(d->devs[i], &major, &minor);
			printf("    %4u    %4u    %4u        -      faulty   %.32s\n", i, major,
			       minor, d->devs[i]);
		}
}

/* mdadm --detail's layout, for the fields a --build array has (no superblock: no
 * version, times, UUID or events). */
static int md_detail(int fd, const struct md_args *a)
{
	struct tio_md_detail d;
	unsigned failed;
	char sizes[64];
	long r;

	memset(&d, 0, sizeof(d));
	r = sys_ioctl(fd, TIO_MD_DETAIL, &d);
	if (r < 0)
		return cmd_err_dev("mdadm", "md array details", r);
	failed = (unsigned)__builtin_popcount(d.failed);
	human_sizes(d.size, sizes, sizeof(sizes));
	printf("%s:\n", a->array);
	printf("        Raid Level : %s\n", md_level_name(d.level));
	printf("        Array Size : %llu (%s)\n", (unsigned long long)(d.size / 1024), sizes);
	printf("      Raid Devices : %u\n", d.ndevs);
	printf("     Total Devices : %u\n", d.ndevs);
	printf("\n             State : %s\n", failed ? "clean, degraded" : "clean");
	printf("    Active Devices : %u\n", d.ndevs - failed);
	printf("   Working Devices : %u\n", d.ndevs - failed);
	printf("    Failed Devices : %u\n", failed);
	printf("     Spare Devices : 0\n");
	if (d.level == 0)
		printf("\n        Chunk Size : %uK\n", d.chunk / 1024);
	member_table(&d);
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
