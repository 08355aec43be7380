/* umount DIR - unmount the filesystem mounted on DIR (its dirty data is written first). */
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: umount DIR\n");
		return 1;
	}
	r = sys_umount(argv[1]);
	return r < 0 ? cmd_err("umount", argv[1], r) : 0;
}
