/* true - do nothing, successfully (exit status 0). */
#include <tio/start.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}
