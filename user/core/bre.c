/*
 * bre.c - a backtracking matcher for basic regular expressions (tio/bre.h),
 * after Pike and Kernighan's matcher in "The Practice of Programming",
 * extended with bracket expressions and escapes. Patterns are interpreted
 * directly: an item is one character, ".", "\c" or "[...]"; "*" after an
 * item repeats it (the longest run first, then shorter ones).
 */
#include <errno.h>
#include <tio/bre.h>

struct subj {
	const char *s;
	size_t len;
	int icase;
};

static int fold(int c, int icase)
{
	return icase && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Length of the item at @p (1, 2 for "\c", or the whole "[...]"); 0 if malformed. */
static size_t item_len(const char *p)
{
	const char *q = p + 1;

	if (*p == '\\')
		return p[1] ? 2 : 0;
	if (*p != '[')
		return 1;
	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']')
		q++;
	return *q ? (size_t)(q - p) + 1 : 0;
}

static int in_bracket(const char *p, size_t n, int c, int icase)
{
	const char *q = p + 1, *end = p + n - 1; /* q..end: the set, end at ']' */
	int neg = 0, hit = 0;

	if (*q == '^') {
		neg = 1;
		q++;
	}
	c = fold(c, icase);
	for (; q < end; q++) {
		int lo = fold((unsigned char)*q, icase), hi = lo;

		if (q[1] == '-' && q + 2 < end) { /* a range; "-" first or last is literal */
			hi = fold((unsigned char)q[2], icase);
			q += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	return hit != neg;
}

static int item_matches(const char *p, size_t n, int c, int icase)
{
	if (*p == '.')
		return 1;
	if (*p == '[')
		return in_bracket(p, n, c, icase);
	if (*p == '\\')
		p++;
	return fold((unsigned char)*p, icase) == fold(c, icase);
}

static int match_here(const char *p, const struct subj *s, size_t i);

static int match_star(const char *item, size_t n, const char *rest, const struct subj *s, size_t i)
{
	size_t j = i;

	while (j < s->len && item_matches(item, n, (unsigned char)s->s[j], s->icase))
		j++;
	for (;; j--) {
		if (match_here(rest, s, j))
			return 1;
		if (j == i)
			return 0;
	}
}

static int match_here(const char *p, const struct subj *s, size_t i)
{
	size_t n;

	if (!*p)
		return 1;
	if (p[0] == '$' && !p[1])
		return i == s->len;
	n = item_len(p);
	if (!n)
		return 0;
	if (p[n] == '*')
		return match_star(p, n, p + n + 1, s, i);
	if (i < s->len && item_matches(p, n, (unsigned char)s->s[i], s->icase))
		return match_here(p + n, s, i + 1);
	return 0;
}

int bre_check(const char *pat)
{
	for (const char *p = pat; *p;) {
		size_t n = item_len(p);

		if (!n)
			return -EINVAL;
		p += n;
	}
	return 0;
}

int bre_match(const char *pat, const char *line, size_t len, int icase)
{
	struct subj s = {line, len, icase};

	if (*pat == '^') {
		pat++;
		if (*pat == '*') /* a leading "*" is literal */
			return s.len && line[0] == '*' && match_here(pat + 1, &s, 1);
		return match_here(pat, &s, 0);
	}
	if (*pat == '*') {
		for (size_t i = 0; i < len; i++)
			if (line[i] == '*' && match_here(pat + 1, &s, i + 1))
				return 1;
		return 0;
	}
	for (size_t i = 0; i <= len; i++)
		if (match_here(pat, &s, i))
			return 1;
	return 0;
}
