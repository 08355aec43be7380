/*
 * bre.c - the matcher for basic regular expressions (tio/bre.h). A pattern
 * is compiled into a list of items (one character, ".", "\c" or "[...]",
 * each maybe starred) between optional "^" and "$" anchors, and run as an
 * NFA over the line: the set of items reachable so far advances one byte at
 * a time, so a match costs O(line length x pattern items) whatever the
 * pattern (a backtracking matcher is exponential on "a*a*a*...b").
 */
#include <errno.h>
#include <string.h>
#include <tio/bre.h>

struct bre_item {
	const char *p; /* the item's text in the pattern */
	unsigned char n, star;
};

struct bre_prog {
	struct bre_item item[BRE_MAX_ITEMS];
	unsigned n;
	int bol, eol; /* anchored at the start / at the end */
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

static int item_matches(const struct bre_item *it, int c, int icase)
{
	const char *p = it->p;

	if (*p == '.')
		return 1;
	if (*p == '[')
		return in_bracket(p, it->n, c, icase);
	if (*p == '\\')
		p++;
	return fold((unsigned char)*p, icase) == fold(c, icase);
}

/* Pattern -> items; -EINVAL if malformed or longer than BRE_MAX_ITEMS items. */
static int compile(const char *pat, struct bre_prog *prog)
{
	const char *p = pat;

	prog->n = 0;
	prog->bol = *p == '^';
	p += prog->bol;
	prog->eol = 0;
	while (*p) {
		size_t n;

		if (p[0] == '$' && !p[1]) {
			prog->eol = 1;
			break;
		}
		if (p[0] == '\\' && p[1] && strchr("(){}123456789", p[1]))
			return -EOPNOTSUPP; /* groups, intervals, back-references */
		n = item_len(p);
		if (!n || prog->n == BRE_MAX_ITEMS)
			return -EINVAL;
		/* Only a "*" that starts the pattern (after ^) can begin an item: a literal, as
		 * POSIX says. */
		prog->item[prog->n] = (struct bre_item){p, (unsigned char)n, 0};
		p += n;
		if (*p == '*') {
			prog->item[prog->n].star = 1;
			while (*p == '*')
				p++; /* "a**" is "a*" */
		}
		prog->n++;
	}
	return 0;
}

/* Adds state @k and, through starred items (which may match nothing), those after it. */
static void add_state(unsigned char *set, const struct bre_prog *prog, unsigned k)
{
	for (; !set[k]; k++) {
		set[k] = 1;
		if (k == prog->n || !prog->item[k].star)
			return;
	}
}

int bre_check(const char *pat)
{
	static struct bre_prog prog;

	return compile(pat, &prog);
}

int bre_match(const char *pat, const char *line, size_t len, int icase)
{
	static struct bre_prog prog; /* single-threaded tools: no need for the stack */
	unsigned char cur[BRE_MAX_ITEMS + 1], next[BRE_MAX_ITEMS + 1];

	if (compile(pat, &prog) < 0)
		return 0;
	memset(cur, 0, prog.n + 1);
	add_state(cur, &prog, 0);
	for (size_t i = 0;; i++) {
		if (cur[prog.n] && (!prog.eol || i == len))
			return 1;
		if (i == len)
			return 0;
		memset(next, 0, prog.n + 1);
		for (unsigned k = 0; k < prog.n; k++) {
			if (!cur[k] || !item_matches(&prog.item[k], (unsigned char)line[i], icase))
				continue;
			add_state(next, &prog, prog.item[k].star ? k : k + 1);
		}
		if (!prog.bol)
			add_state(next, &prog, 0); /* a match may start at any byte */
		memcpy(cur, next, prog.n + 1);
	}
}
