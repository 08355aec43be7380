/* false - do nothing, unsuccessfully (exit status 1). */
#include <tio/start.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 1;
}
