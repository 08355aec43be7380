/*
 * tio/opt.h - command-line options, getopt-style (POSIX short options).
 * Pure; host-tested.
 *
 *   struct opt o = OPT_INIT;
 *   while ((c = opt_next(&o, argc, argv, "ln:")) != -1)
 *       switch (c) { case 'l': ...; case 'n': use o.arg; case '?': usage }
 *   operands are argv[o.ind .. argc-1]
 *
 * "-ab" groups flags; "-nVALUE" and "-n VALUE" both work; "--" ends options;
 * a lone "-" is an operand. On an unknown option or a missing value it
 * returns '?' with @bad set to the option character.
 */
#ifndef TIO_OPT_H
#define TIO_OPT_H

struct opt {
	int ind;	 /* next argv index */
	int pos;	 /* position inside a grouped "-abc" */
	const char *arg; /* value of the option just returned */
	char bad;	 /* the offending option after '?' */
};

#define OPT_INIT                                                                                   \
	{                                                                                          \
		1, 0, 0, 0                                                                         \
	}

int opt_next(struct opt *o, int argc, char **argv, const char *spec);

#endif
