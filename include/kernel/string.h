/*
 * kernel/string.h - the freestanding C string and memory functions.
 *
 * The compiler may emit calls to memcpy/memset/memmove/memcmp on its own
 * (struct copies), so these keep their standard names and semantics.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates (size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parses a decimal or 0x-prefixed unsigned number; -EINVAL if @s is not entirely one. */
int kstrtoull(const char *s, unsigned long long *out);

#endif
