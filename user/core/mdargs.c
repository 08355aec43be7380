/*
 * mdargs.c - mdadm argument parsing (tio/mdargs.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tio/mdargs.h>

const char *md_level_name(int level)
{
	return level == 0		? "raid0"
	       : level == 1		? "raid1"
	       : level == TIO_MD_LINEAR ? "linear"
					: "?";
}

static int parse_level(const char *v, int *level)
{
	if (!strcmp(v, "0") || !strcmp(v, "raid0") || !strcmp(v, "stripe"))
		*level = 0;
	else if (!strcmp(v, "1") || !strcmp(v, "raid1") || !strcmp(v, "mirror"))
		*level = 1;
	else if (!strcmp(v, "linear"))
		*level = TIO_MD_LINEAR;
	else
		return -EINVAL;
	return 0;
}

/* Matches "--name=value", "--name value" or "-s value"; sets *val and advances *i. */
static int take_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
		      const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if (!strncmp(a, lng, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, lng) && strcmp(a, shrt))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int md_word(int argc, char **argv, int *i, struct md_args *a, const char **why)
{
	const char *w = argv[*i], *v;
	char *end;
	int t;

	if (!strcmp(w, "--build") || !strcmp(w, "-B") || !strcmp(w, "--detail") ||
	    !strcmp(w, "-D") || !strcmp(w, "--stop") || !strcmp(w, "-S")) {
		if (a->mode != MD_NONE || *i + 1 >= argc)
			return *why = "one of --build, --detail or --stop, with an array", -EINVAL;
		a->mode = w[2] == 'b' || w[1] == 'B'   ? MD_BUILD
			  : w[2] == 'd' || w[1] == 'D' ? MD_DETAIL
						       : MD_STOP;
		a->array = argv[++*i];
	} else if ((t = take_value(argc, argv, i, "--chunk", "-c", &v)) != 0) {
		if (t < 0 || (a->chunk_kib = (unsigned)strtoul(v, &end, 10), *end) || !*v ||
		    a->chunk_kib < 4 || (a->chunk_kib & (a->chunk_kib - 1)) || a->chunk_kib > 16384)
			return *why = "--chunk must be a power of two from 4 to 16384 (KiB)",
			       -EINVAL;
	} else if ((t = take_value(argc, argv, i, "--level", "-l", &v)) != 0) {
		if (t < 0 || parse_level(v, &a->level) < 0)
			return *why = "--level must be 0, 1 or linear", -EINVAL;
		a->have_level = 1;
	} else if ((t = take_value(argc, argv, i, "--raid-devices", "-n", &v)) != 0) {
		if (t < 0 || (a->ndevs = (unsigned)strtoul(v, &end, 10), *end) || !*v ||
		    a->ndevs == 0 || a->ndevs > TIO_MD_DEVS)
			return *why = "--raid-devices must be 1..8", -EINVAL;
	} else if (w[0] == '-') {
		return *why = "unknown option", -EINVAL;
	} else {
		if (a->ngiven == TIO_MD_DEVS)
			return *why = "too many devices", -EINVAL;
		a->devs[a->ngiven++] = w;
	}
	return 0;
}

int md_parse_args(int argc, char **argv, struct md_args *a, const char **why)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++)
		if (md_word(argc, argv, &i, a, why) < 0)
			return -EINVAL;
	if (a->mode == MD_NONE)
		return *why = "--build, --detail or --stop expected", -EINVAL;
	if (a->mode != MD_BUILD)
		return a->ngiven || a->have_level || a->ndevs || a->chunk_kib
			   ? (*why = "--detail and --stop take only the array", -EINVAL)
			   : 0;
	if (a->chunk_kib && a->level != 0)
		return *why = "--chunk is for --level=0", -EINVAL;
	if (!a->have_level || !a->ndevs)
		return *why = "--build needs --level and --raid-devices", -EINVAL;
	if (a->ngiven != a->ndevs)
		return *why = "the device count differs from --raid-devices", -EINVAL;
	return 0;
}
