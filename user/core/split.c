/*
 * split.c - in-place word splitting for the kernel's text reports
 * (tio/cmd.h). Pure.
 */
#include <tio/cmd.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int cmd_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		while (blank(*p))
			p++;
		if (!*p || *p == '\n')
			break;
		words[n++] = p;
		while (*p && *p != '\n' && !blank(*p))
			p++;
		if (!*p)
			break;
		if (*p == '\n') {
			*p = '\0';
			break;
		}
		*p++ = '\0';
	}
	return n;
}
