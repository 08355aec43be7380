/*
 * kernel/string.h (host shim, tests/host/fat) - the C library's string
 * functions plus the kernel's strlcpy.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <string.h>

size_t kshim_strlcpy(char *dst, const char *src, size_t size);
#define strlcpy kshim_strlcpy

#endif
