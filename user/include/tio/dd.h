/*
 * tio/dd.h - dd's pure parts: operands, size suffixes and the coreutils
 * summary lines. Host-tested.
 *
 * Operands: if=FILE of=FILE bs=N count=N skip=N seek=N (skip/seek/count in
 * bs-sized blocks). N takes coreutils suffixes: c=1, w=2, b=512, kB=1000,
 * K=KiB=1024, MB=1000^2, M=MiB=1024^2, and so on for G, T, P, E, and
 * products NxM (e.g. 2x512).
 *
 * Summary (to stderr, coreutils wording and rounding):
 *   N+M records in
 *   N+M records out
 *   B bytes (SI, IEC) copied, T s, R/s
 * where the parenthesis is left out below 1000 bytes ("B bytes copied",
 * "1 byte copied") and IEC is left out below 1024; T is printf's %g of the
 * seconds; R is the rate, one decimal below 100.
 */
#ifndef TIO_DD_H
#define TIO_DD_H

#include <stddef.h>
#include <stdint.h>

#define DD_NONE UINT64_MAX /* count not given: copy to end of input */

struct dd_opts {
	const char *ifile; /* NULL: stdin */
	const char *ofile; /* NULL: stdout */
	uint64_t bs;	   /* block size, default 512 */
	uint64_t count;	   /* blocks to copy, DD_NONE: all */
	uint64_t skip;	   /* input blocks to skip */
	uint64_t seek;	   /* output blocks to skip */
};

struct dd_stats {
	uint64_t in_full, in_part;   /* records in */
	uint64_t out_full, out_part; /* records out */
	uint64_t bytes;		     /* bytes written */
};

/* 0, or -EINVAL with @bad pointing at the offending operand. */
int dd_parse(int argc, char **argv, struct dd_opts *o, const char **bad);
/* Parses N with suffixes into *v; 0 or -EINVAL (garbage, zero-length, overflow). */
int dd_parse_size(const char *s, uint64_t *v);
/* The three summary lines into @buf (NUL-terminated); returns their length. */
size_t dd_summary(char *buf, size_t cap, const struct dd_stats *st, uint64_t elapsed_ns);
/* Helpers, exposed for the tests: "%g" of ns/1e9, and gnulib-style human sizes. */
void dd_fmt_seconds(char *buf, size_t cap, uint64_t ns);
void dd_fmt_human(char *buf, size_t cap, uint64_t bytes, unsigned base);
void dd_fmt_rate(char *buf, size_t cap, uint64_t bytes, uint64_t ns);

#endif
