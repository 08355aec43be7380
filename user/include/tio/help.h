/*
 * tio/help.h - one-line summaries of the shell's built-ins and of the
 * programs in /bin, for the `help` built-in. The table is in
 * user/core/help.c: a new command adds its line there (the QEMU test
 * tools/help_covers_every_program fails for a program without one).
 *
 *   help_find(name)      the entry, or NULL
 *   help_entry(i)        the i-th entry (NULL past the end), table order:
 *                        built-ins first, then programs by name
 */
#ifndef TIO_HELP_H
#define TIO_HELP_H

struct help_entry {
	const char *name;
	const char *summary;
	int builtin; /* a shell built-in, not a program in /bin */
};

const struct help_entry *help_find(const char *name);
const struct help_entry *help_entry(unsigned i);

#endif
