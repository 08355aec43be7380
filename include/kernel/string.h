/*
 * kernel/string.h - the C string functions (lib/string.h) and the kernel's own helpers.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <lib/string.h>

/* Copies at most size-1 bytes and always terminates (size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parses a decimal or 0x-prefixed unsigned number; -EINVAL if @s is not entirely one. */
int kstrtoull(const char *s, unsigned long long *out);

#endif
