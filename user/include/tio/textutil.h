/*
 * tio/textutil.h - small pure pieces of the text tools, host-tested against
 * coreutils:
 *
 *   human_size(out, bytes)      df -h / numfmt --to=iec --round=up: "0", "512",
 *                               "1.0K", "9.9M", "10G" (one decimal below 10,
 *                               always rounded up, 1024-based)
 *   num_cmp(a, b)               sort -n: compares the leading numbers of two
 *                               lines ([blanks][-]digits[.digits]; none = 0)
 *   wc_count(c, buf, n)         adds @n bytes to the line/word/byte counts;
 *                               a word starts at a printable byte and ends at
 *                               a blank (coreutils in the C locale: control
 *                               and 8-bit bytes do neither); words may span
 *                               calls (c->in_word)
 *   wc_width(nfiles, ...)       coreutils wc's column width (see textutil.c)
 */
#ifndef TIO_TEXTUTIL_H
#define TIO_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>

#define HUMAN_SIZE_MAX 8

void human_size(char out[HUMAN_SIZE_MAX], uint64_t bytes);
int num_cmp(const char *a, const char *b);

struct wc_counts {
	uint64_t lines, words, bytes;
	int in_word;
};
void wc_count(struct wc_counts *c, const char *buf, size_t n);
/*
 * @ncounts: how many of -l -w -c are printed; @nfiles: operands (stdin is
 * one); @all_regular: every input is a regular file of known size, whose
 * sizes add up to @regular_total.
 */
int wc_width(int ncounts, int nfiles, int all_regular, uint64_t regular_total);

#endif
