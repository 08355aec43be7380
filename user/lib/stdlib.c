/*
 * stdlib.c - heap, numbers and process exit of the user runtime (stdlib.h).
 * The heap is one struct umem fed by anonymous SYS_mmap; free() of a bad
 * pointer aborts the program (heap corruption is a bug, not an input).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/sys.h>
#include <tio/umem.h>

static void *heap_grow(size_t len)
{
	long a = sys_mmap(NULL, len, PROT_READ | PROT_WRITE);

	return a < 0 && a > -4096 ? NULL : (void *)a;
}

static struct umem heap = {.grow = heap_grow};

void *malloc(size_t n)
{
	return umem_alloc(&heap, n);
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n * size);
	return p ? memset(p, 0, n * size) : NULL;
}

void *realloc(void *p, size_t n)
{
	return umem_realloc(&heap, p, n);
}

void free(void *p)
{
	if (umem_free(&heap, p) < 0) {
		fprintf(stderr, "free(%p): not a live heap block\n", p);
		abort();
	}
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	unsigned long long v = 0;

	while (isspace((unsigned char)*s))
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 0x20) == 'x' &&
	    isxdigit((unsigned char)s[2])) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (;; s++) {
		int c = (unsigned char)*s, d;

		if (isdigit(c))
			d = c - '0';
		else if (isalpha(c))
			d = tolower(c) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

long strtol(const char *s, char **end, int base)
{
	int neg = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	long v = (long)strtoull(s, end, base);
	return neg ? -v : v;
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

void exit(int status)
{
	sys_exit(status);
}

void abort(void)
{
	sys_exit(134); /* as a shell reports SIGABRT: 128 + 6 */
}
