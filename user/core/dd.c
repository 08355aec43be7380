/*
 * dd.c - dd's operands and coreutils-exact summary (tio/dd.h).
 *
 * No floating point (user code is built with -mgeneral-regs-only): the
 * decimal renderings are done in 128-bit integers with round-half-up, which
 * matches coreutils for every value that is not an exact tie.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tio/dd.h>

typedef unsigned __int128 u128;

struct dd_suffix {
	const char *text;
	uint64_t mult;
};

#define KI 1024ULL
#define KD 1000ULL

static const struct dd_suffix suffixes[] = {
    {"c", 1},
    {"w", 2},
    {"b", 512},
    {"kB", KD},
    {"K", KI},
    {"KiB", KI},
    {"MB", KD *KD},
    {"M", KI *KI},
    {"MiB", KI *KI},
    {"GB", KD *KD *KD},
    {"G", KI *KI *KI},
    {"GiB", KI *KI *KI},
    {"TB", KD *KD *KD *KD},
    {"T", KI *KI *KI *KI},
    {"TiB", KI *KI *KI *KI},
    {"PB", KD *KD *KD *KD *KD},
    {"P", KI *KI *KI *KI *KI},
    {"PiB", KI *KI *KI *KI *KI},
    {"EB", KD *KD *KD *KD *KD *KD},
    {"E", KI *KI *KI *KI *KI *KI},
    {"EiB", KI *KI *KI *KI *KI *KI},
};

/* One factor: digits and an optional suffix, ending at 'x' or the end. */
static int parse_factor(const char *s, size_t len, uint64_t *v)
{
	u128 n = 0;
	size_t i = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		n = n * 10 + (unsigned)(s[i++] - '0');
		if (n > UINT64_MAX)
			return -EINVAL;
	}
	if (i == 0)
		return -EINVAL;
	if (i < len) {
		size_t k, slen = len - i;

		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++)
			if (strlen(suffixes[k].text) == slen &&
			    !memcmp(s + i, suffixes[k].text, slen))
				break;
		if (k == sizeof(suffixes) / sizeof(suffixes[0]))
			return -EINVAL;
		n *= suffixes[k].mult;
		if (n > UINT64_MAX)
			return -EINVAL;
	}
	*v = (uint64_t)n;
	return 0;
}

int dd_parse_size(const char *s, uint64_t *v)
{
	u128 prod = 1;
	uint64_t f;

	for (;;) {
		const char *x = strchr(s, 'x');
		size_t len = x ? (size_t)(x - s) : strlen(s);

		if (x == s + len && x && len && s[len - 1] == 'x')
			return -EINVAL;
		if (parse_factor(s, len, &f) < 0)
			return -EINVAL;
		prod *= f;
		if (prod > UINT64_MAX)
			return -EINVAL;
		if (!x)
			break;
		s = x + 1;
	}
	*v = (uint64_t)prod;
	return 0;
}

static int dd_operand(struct dd_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	uint64_t *num = NULL;
	size_t klen;

	if (!eq)
		return -EINVAL;
	klen = (size_t)(eq - arg);
	if (klen == 2 && !memcmp(arg, "if", 2))
		o->ifile = eq + 1;
	else if (klen == 2 && !memcmp(arg, "of", 2))
		o->ofile = eq + 1;
	else if (klen == 2 && !memcmp(arg, "bs", 2))
		num = &o->bs;
	else if (klen == 5 && !memcmp(arg, "count", 5))
		num = &o->count;
	else if (klen == 4 && !memcmp(arg, "skip", 4))
		num = &o->skip;
	else if (klen == 4 && !memcmp(arg, "seek", 4))
		num = &o->seek;
	else
		return -EINVAL;
	if (num && dd_parse_size(eq + 1, num) < 0)
		return -EINVAL;
	return 0;
}

int dd_parse(int argc, char **argv, struct dd_opts *o, const char **bad)
{
	memset(o, 0, sizeof(*o));
	o->bs = 512;
	o->count = DD_NONE;
	for (int i = 1; i < argc; i++) {
		if (dd_operand(o, argv[i]) < 0) {
			*bad = argv[i];
			return -EINVAL;
		}
	}
	if (o->bs == 0) {
		*bad = "bs=0";
		return -EINVAL;
	}
	return 0;
}

static u128 pow_u(unsigned base, int k)
{
	u128 v = 1;

	while (k-- > 0)
		v *= base;
	return v;
}

/* round(num / den) for positive values, ties up. */
static u128 div_round(u128 num, u128 den)
{
	return (num + den / 2) / den;
}

/*
 * Shared by sizes and rates: the value num/den, scaled to the largest prefix
 * that keeps it >= 1 (but never below prefix @min_k: coreutils shows rates in
 * kB/s at least), with one decimal while below @frac_below.
 */
static void fmt_scaled(char *buf, size_t cap, u128 num, u128 den, unsigned base,
		       unsigned frac_below, int min_k)
{
	static const char *const si[] = {"", "k", "M", "G", "T", "P", "E", "Z", "Y"};
	static const char *const iec[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
	int k = min_k;
	u128 tenths, whole;

	while (k < 8 && num >= den * pow_u(base, k + 1))
		k++;
	if (k == 0 && num / den < base && frac_below == 10) {
		snprintf(buf, cap, "%llu B", (unsigned long long)(num / den));
		return;
	}
	tenths = div_round(num * 10, den * pow_u(base, k));
	if (tenths < frac_below * 10) {
		snprintf(buf, cap, "%u.%u %sB", (unsigned)(tenths / 10), (unsigned)(tenths % 10),
			 base == 1000 ? si[k] : iec[k]);
		return;
	}
	whole = div_round(num, den * pow_u(base, k));
	if (whole >= base && k < 8) {
		k++; /* 999.6 kB rounds to 1000: show 1.0 MB as coreutils does */
		snprintf(buf, cap, "1.0 %sB", base == 1000 ? si[k] : iec[k]);
		return;
	}
	snprintf(buf, cap, "%llu %sB", (unsigned long long)whole, base == 1000 ? si[k] : iec[k]);
}

void dd_fmt_human(char *buf, size_t cap, uint64_t bytes, unsigned base)
{
	fmt_scaled(buf, cap, bytes, 1, base, 10, 0);
}

void dd_fmt_rate(char *buf, size_t cap, uint64_t bytes, uint64_t ns)
{
	if (ns == 0) {
		snprintf(buf, cap, "Infinity B/s");
		return;
	}
	fmt_scaled(buf, cap, (u128)bytes * 1000000000u, ns, 1000, 100, 1);
	snprintf(buf + strlen(buf), cap - strlen(buf), "/s");
}

/* Strips trailing zeros (and a then-trailing point) from a fraction. */
static void strip_zeros(char *s)
{
	size_t n = strlen(s);

	if (!strchr(s, '.'))
		return;
	while (n && s[n - 1] == '0')
		s[--n] = '\0';
	if (n && s[n - 1] == '.')
		s[--n] = '\0';
}

void dd_fmt_seconds(char *buf, size_t cap, uint64_t ns)
{
	char dig[24], num[40];
	int nd, e;
	uint64_t q;

	if (ns == 0) {
		snprintf(buf, cap, "0 s");
		return;
	}
	nd = snprintf(dig, sizeof(dig), "%llu", (unsigned long long)ns);
	e = nd - 1 - 9; /* decimal exponent of the seconds */
	q = nd > 6 ? (uint64_t)div_round(ns, pow_u(10, nd - 6)) : ns * (uint64_t)pow_u(10, 6 - nd);
	if (q >= 1000000) {
		q /= 10;
		e++;
	}
	snprintf(dig, sizeof(dig), "%06llu", (unsigned long long)q);
	if (e >= -4 && e < 6) {
		if (e >= 0)
			snprintf(num, sizeof(num), "%.*s.%s", e + 1, dig, dig + e + 1);
		else
			snprintf(num, sizeof(num), "0.%.*s%s", -e - 1, "00000", dig);
		strip_zeros(num);
		snprintf(buf, cap, "%s s", num);
		return;
	}
	snprintf(num, sizeof(num), "%c.%s", dig[0], dig + 1);
	strip_zeros(num);
	snprintf(buf, cap, "%se%c%02d s", num, e < 0 ? '-' : '+', e < 0 ? -e : e);
}

size_t dd_summary(char *buf, size_t cap, const struct dd_stats *st, uint64_t elapsed_ns)
{
	char si[32], iec[32], secs[32], rate[32];
	unsigned long long b = st->bytes;
	int n;

	n = snprintf(buf, cap, "%llu+%llu records in\n%llu+%llu records out\n",
		     (unsigned long long)st->in_full, (unsigned long long)st->in_part,
		     (unsigned long long)st->out_full, (unsigned long long)st->out_part);
	dd_fmt_human(si, sizeof(si), b, 1000);
	dd_fmt_human(iec, sizeof(iec), b, 1024);
	dd_fmt_seconds(secs, sizeof(secs), elapsed_ns);
	dd_fmt_rate(rate, sizeof(rate), b, elapsed_ns);
	if (b < 1000)
		n += snprintf(buf + n, cap - (size_t)n, "%llu byte%s copied", b, b == 1 ? "" : "s");
	else if (b < 1024)
		n += snprintf(buf + n, cap - (size_t)n, "%llu bytes (%s) copied", b, si);
	else
		n += snprintf(buf + n, cap - (size_t)n, "%llu bytes (%s, %s) copied", b, si, iec);
	n += snprintf(buf + n, cap - (size_t)n, ", %s, %s\n", secs, rate);
	return (size_t)n;
}
