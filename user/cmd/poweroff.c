/* poweroff - sync and switch the machine off (SYS_poweroff; returns only on failure). */
#include <tio/cmd.h>
#include <tio/start.h>
#include <tio/sys.h>

int main(int argc, char **argv)
{
	long r;

	(void)argc;
	(void)argv;
	sys_sync();
	r = sys_poweroff();
	return cmd_err("poweroff", "power off", r);
}
