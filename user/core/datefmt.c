/*
 * datefmt.c - strftime for `date`, in UTC only (tio/datefmt.h). Composite
 * specifiers (%c, %D, %F, %T ...) expand to their definitions recursively.
 */
#include <lib/civil.h>
#include <stdio.h>
#include <string.h>
#include <tio/datefmt.h>

struct tm_utc {
	int64_t s, year;
	long ns;
	unsigned mon, mday, hour, min, sec, wday, yday;
};

struct dsink {
	char *out;
	size_t cap, len;
};

static const char *const wday_name[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday"};
static const char *const mon_name[] = {"January",   "February", "March",    "April",
				       "May",	    "June",	"July",	    "August",
				       "September", "October",	"November", "December"};

static void put(struct dsink *d, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, d->len++)
		if (d->len + 1 < d->cap)
			d->out[d->len] = s[i];
}

static void putf(struct dsink *d, const char *fmt, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), fmt, v);

	put(d, b, n > 0 ? (size_t)n : 0);
}

static void split_time(struct tm_utc *t, int64_t s, long ns)
{
	int64_t days = s / 86400 - (s % 86400 < 0), sod = s - days * 86400;

	t->s = s;
	t->ns = ns;
	civil_from_days(days, &t->year, &t->mon, &t->mday);
	t->hour = (unsigned)(sod / 3600);
	t->min = (unsigned)(sod / 60 % 60);
	t->sec = (unsigned)(sod % 60);
	t->wday = civil_weekday(days);
	t->yday = (unsigned)(days - civil_to_days(t->year, 1, 1));
}

static void format(struct dsink *d, const char *fmt, const struct tm_utc *t);

/* One specifier; false if @c is not one (copied as is by the caller). */
static int spec(struct dsink *d, char c, const struct tm_utc *t)
{
	unsigned h12 = t->hour % 12 ? t->hour % 12 : 12;

	switch (c) {
	case 'a':
		put(d, wday_name[t->wday], 3);
		break;
	case 'A':
		put(d, wday_name[t->wday], strlen(wday_name[t->wday]));
		break;
	case 'b':
	case 'h':
		put(d, mon_name[t->mon - 1], 3);
		break;
	case 'B':
		put(d, mon_name[t->mon - 1], strlen(mon_name[t->mon - 1]));
		break;
	case 'c':
		format(d, "%a %b %e %H:%M:%S %Y", t);
		break;
	case 'C':
		putf(d, "%02lld", (long long)(t->year / 100));
		break;
	case 'd':
		putf(d, "%02lld", t->mday);
		break;
	case 'D':
	case 'x':
		format(d, "%m/%d/%y", t);
		break;
	case 'e':
		putf(d, "%2lld", t->mday);
		break;
	case 'F':
		format(d, "%Y-%m-%d", t);
		break;
	case 'H':
		putf(d, "%02lld", t->hour);
		break;
	case 'I':
		putf(d, "%02lld", h12);
		break;
	case 'j':
		putf(d, "%03lld", t->yday + 1);
		break;
	case 'k':
		putf(d, "%2lld", t->hour);
		break;
	case 'l':
		putf(d, "%2lld", h12);
		break;
	case 'm':
		putf(d, "%02lld", t->mon);
		break;
	case 'M':
		putf(d, "%02lld", t->min);
		break;
	case 'n':
		put(d, "\n", 1);
		break;
	case 'N':
		putf(d, "%09lld", t->ns);
		break;
	case 'p':
		put(d, t->hour < 12 ? "AM" : "PM", 2);
		break;
	case 'r':
		format(d, "%I:%M:%S %p", t);
		break;
	case 'R':
		format(d, "%H:%M", t);
		break;
	case 's':
		putf(d, "%lld", (long long)t->s);
		break;
	case 'S':
		putf(d, "%02lld", t->sec);
		break;
	case 't':
		put(d, "\t", 1);
		break;
	case 'T':
	case 'X':
		format(d, "%H:%M:%S", t);
		break;
	case 'u':
		putf(d, "%lld", t->wday ? t->wday : 7);
		break;
	case 'w':
		putf(d, "%lld", t->wday);
		break;
	case 'y':
		putf(d, "%02lld", (long long)(t->year % 100));
		break;
	case 'Y':
		putf(d, "%lld", (long long)t->year);
		break;
	case 'z':
		put(d, "+0000", 5);
		break;
	case 'Z':
		put(d, "UTC", 3);
		break;
	case '%':
		put(d, "%", 1);
		break;
	default:
		return 0;
	}
	return 1;
}

static void format(struct dsink *d, const char *fmt, const struct tm_utc *t)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%' || !p[1]) {
			put(d, p, 1);
			continue;
		}
		p++;
		if (!spec(d, *p, t))
			put(d, p - 1, 2);
	}
}

size_t datefmt(char *out, size_t cap, const char *fmt, int64_t s, long ns)
{
	struct dsink d = {out, cap, 0};
	struct tm_utc t;

	split_time(&t, s, ns);
	format(&d, fmt, &t);
	if (cap)
		out[d.len < cap ? d.len : cap - 1] = '\0';
	return d.len < cap ? d.len : cap ? cap - 1 : 0;
}
