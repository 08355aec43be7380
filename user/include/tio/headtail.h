/*
 * tio/headtail.h - the command line shared by head and tail:
 *
 *   NAME [-n N] [-c N] [FILE...]
 *
 * headtail_main() parses it (N lines by default, 10; -c: N bytes), opens each
 * FILE ("-" or none: stdin), prints coreutils' "==> FILE <==" header (blank
 * line between files) when there are several, and calls @lines or @bytes on
 * the descriptor. Each returns 0 or -errno; the exit status is 1 if any file
 * failed (reported as "NAME: FILE: error"), 1 for a usage error, else 0.
 */
#ifndef TIO_HEADTAIL_H
#define TIO_HEADTAIL_H

struct headtail {
	const char *name;			    /* "head" or "tail" */
	int (*lines)(int fd, unsigned long long n); /* the first/last n lines */
	int (*bytes)(int fd, unsigned long long n); /* the first/last n bytes */
};

int headtail_main(const struct headtail *ht, int argc, char **argv);

#endif
