/*
 * string.c - the user runtime's string functions that need the rest of the
 * runtime (malloc, the error texts); the C byte and string functions are
 * shared with the kernel in lib/string.c.
 */
#include <stdlib.h>
#include <string.h>
#include <tio/fmt.h>

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

const char *strerror(int err)
{
	return ulib_strerror(err);
}
