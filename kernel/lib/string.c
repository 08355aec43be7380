/*
 * string.c - the kernel's own string helpers; the C byte and string
 * functions themselves are shared with user space in lib/string.c.
 */
#include <kernel/string.h>
#include <uapi/errno.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int kstrtoull(const char *s, unsigned long long *out)
{
	unsigned base = 10;
	unsigned long long v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = digit_value(*s);

		if (d >= (int)base)
			return -EINVAL;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}
