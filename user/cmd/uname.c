/*
 * uname [-asnrvm] - system information (SYS_uname). No option: -s. -a prints
 * all five fields in the order sysname, nodename, release, version, machine.
 */
#include <stdio.h>
#include <tio/cmd.h>
#include <tio/opt.h>
#include <tio/start.h>
#include <tio/sys.h>

#define U_S 0x01
#define U_N 0x02
#define U_R 0x04
#define U_V 0x08
#define U_M 0x10

static void field(int *first, const char *s)
{
	printf("%s%s", *first ? "" : " ", s);
	*first = 0;
}

int main(int argc, char **argv)
{
	struct opt o = OPT_INIT;
	struct tio_utsname u;
	unsigned want = 0;
	int c, first = 1;
	long r;

	while ((c = opt_next(&o, argc, argv, "asnrvm")) != -1) {
		switch (c) {
		case 'a':
			want |= U_S | U_N | U_R | U_V | U_M;
			break;
		case 's':
			want |= U_S;
			break;
		case 'n':
			want |= U_N;
			break;
		case 'r':
			want |= U_R;
			break;
		case 'v':
			want |= U_V;
			break;
		case 'm':
			want |= U_M;
			break;
		default:
			fprintf(stderr, "usage: uname [-asnrvm]\n");
			return 1;
		}
	}
	r = sys_uname(&u);
	if (r < 0)
		return cmd_err("uname", "uname", r);
	if (!want)
		want = U_S;
	if (want & U_S)
		field(&first, u.sysname);
	if (want & U_N)
		field(&first, u.nodename);
	if (want & U_R)
		field(&first, u.release);
	if (want & U_V)
		field(&first, u.version);
	if (want & U_M)
		field(&first, u.machine);
	printf("\n");
	return 0;
}
