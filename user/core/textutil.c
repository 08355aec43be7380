/*
 * textutil.c - human sizes, numeric comparison and word counting for the
 * text tools (tio/textutil.h). The rules copy coreutils' (gnulib human.c,
 * sort.c numcompare, wc.c compute_number_width) so outputs match byte for
 * byte; the host tests compare them with the real programs.
 */
#include <ctype.h>
#include <stdio.h>
#include <tio/textutil.h>

void human_size(char out[HUMAN_SIZE_MAX], uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	uint64_t whole = bytes, rem = 0, div = 1; /* bytes = whole * div + rem */
	int u = -1;

	while (whole >= 1024 && u < 5) {
		div *= 1024;
		whole = bytes / div;
		rem = bytes % div;
		u++;
	}
	if (u < 0) {
		snprintf(out, HUMAN_SIZE_MAX, "%llu", (unsigned long long)bytes);
		return;
	}
	if (whole < 10) {
		/* tenths, rounded up: 10 * rem / div, plus one if anything is left */
		uint64_t tenths = whole * 10 + (rem * 10 + div - 1) / div;

		if (tenths < 100) {
			snprintf(out, HUMAN_SIZE_MAX, "%u.%u%c", (unsigned)(tenths / 10),
				 (unsigned)(tenths % 10), units[u]);
			return;
		}
		whole = 10;
		rem = 0;
	}
	whole += rem != 0;
	if (whole >= 1024 && u < 5) {
		snprintf(out, HUMAN_SIZE_MAX, "1.0%c", units[u + 1]);
		return;
	}
	snprintf(out, HUMAN_SIZE_MAX, "%llu%c", (unsigned long long)whole, units[u]);
}

/* Skips blanks; returns the sign and leaves *p at the first digit or '.'. */
static int num_start(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '-' && (isdigit((unsigned char)(*p)[1]) || (*p)[1] == '.')) {
		(*p)++;
		return -1;
	}
	return 1;
}

/* Compares two unsigned decimal numbers given as digit strings (with '.'). */
static int abs_cmp(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	int r = 0;

	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	while (isdigit((unsigned char)a[la]))
		la++;
	while (isdigit((unsigned char)b[lb]))
		lb++;
	if (la != lb)
		return la < lb ? -1 : 1;
	for (size_t i = 0; i < la && !r; i++)
		r = a[i] - b[i];
	if (r)
		return r < 0 ? -1 : 1;
	a += la;
	b += lb;
	a += *a == '.';
	b += *b == '.';
	for (; isdigit((unsigned char)*a) || isdigit((unsigned char)*b); a++, b++) {
		int da = isdigit((unsigned char)*a) ? *a : '0';
		int db = isdigit((unsigned char)*b) ? *b : '0';

		if (da != db)
			return da < db ? -1 : 1;
		if (!isdigit((unsigned char)*a))
			a--; /* stay on the end; the other side goes on */
		if (!isdigit((unsigned char)*b))
			b--;
	}
	return 0;
}

static int is_zero(const char *p)
{
	for (; *p == '0' || *p == '.'; p++)
		;
	return !isdigit((unsigned char)*p);
}

int num_cmp(const char *a, const char *b)
{
	int sa = num_start(&a), sb = num_start(&b);

	if (sa < 0 && is_zero(a))
		sa = 1; /* -0 is 0 */
	if (sb < 0 && is_zero(b))
		sb = 1;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return sa * abs_cmp(a, b);
}

void wc_count(struct wc_counts *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		c->lines += ch == '\n';
		if (isspace(ch)) {
			c->in_word = 0;
		} else if (isprint(ch)) {
			c->words += !c->in_word;
			c->in_word = 1;
		} /* other bytes (controls, >= 0x80) neither start nor end a word, as coreutils */
	}
	c->bytes += n;
}

int wc_width(int ncounts, int nfiles, int all_regular, uint64_t regular_total)
{
	int width = 1;

	if (ncounts == 1 && nfiles == 1)
		return 1; /* one number: no padding at all */
	for (; regular_total >= 10; regular_total /= 10)
		width++;
	if (!all_regular && width < 7)
		width = 7;
	return width;
}
