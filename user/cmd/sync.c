/* sync - flush every filesystem's dirty data to its device (SYS_sync). */
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	long r = sys_sync();

	(void)argc;
	(void)argv;
	return r < 0 ? cmd_err("sync", "sync", r) : 0;
}
