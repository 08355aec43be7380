/*
 * opt.c - POSIX-style short option parsing (tio/opt.h).
 */
#include <string.h>
#include <tio/opt.h>

/* Starts the next argv word, or returns -1 when options end there. */
static int opt_start(struct opt *o, int argc, char **argv)
{
	const char *a;

	if (o->ind >= argc)
		return -1;
	a = argv[o->ind];
	if (a[0] != '-' || a[1] == '\0')
		return -1;
	if (!strcmp(a, "--")) {
		o->ind++;
		return -1;
	}
	o->pos = 1;
	return 0;
}

static void opt_next_word(struct opt *o)
{
	o->ind++;
	o->pos = 0;
}

int opt_next(struct opt *o, int argc, char **argv, const char *spec)
{
	const char *a, *s;
	int takes;
	char c;

	o->arg = NULL;
	if (o->pos == 0 && opt_start(o, argc, argv) < 0)
		return -1;
	a = argv[o->ind];
	c = a[o->pos++];
	s = c == ':' ? NULL : strchr(spec, c);
	takes = s && s[1] == ':';
	if (takes && a[o->pos]) {
		o->arg = a + o->pos; /* "-nVALUE" */
		opt_next_word(o);
		return c;
	}
	if (a[o->pos] == '\0')
		opt_next_word(o);
	if (!s || (takes && o->ind >= argc)) {
		o->bad = c;
		return '?';
	}
	if (takes)
		o->arg = argv[o->ind++]; /* "-n VALUE" */
	return c;
}
