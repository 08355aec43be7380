/* string.h (user runtime) - the C byte and string functions (lib/string.h) and strdup/strerror. */
#ifndef ULIBC_STRING_H
#define ULIBC_STRING_H

#include <lib/string.h>

char *strdup(const char *s);

/* Text for an error number, positive or negative (Linux wording). */
const char *strerror(int err);

#endif
