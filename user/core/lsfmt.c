/*
 * lsfmt.c - `ls -l` line formatting (tio/lsfmt.h). The calendar is
 * lib/civil.h's, shared with the kernel's RTC and `date`.
 */
#include <lib/civil.h>
#include <stdio.h>
#include <string.h>
#include <tio/lsfmt.h>

#define NS_PER_S     1000000000LL
#define SIX_MONTHS_S (31556952LL / 2) /* coreutils: half a mean Gregorian year */

static char type_char(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return 'd';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	case S_IFSOCK:
		return 's';
	case S_IFREG:
		return '-';
	default:
		return '?';
	}
}

void lsfmt_mode(char out[11], uint32_t mode)
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = type_char(mode);
	for (int i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	out[10] = '\0';
}

void lsfmt_time(char out[13], int64_t mtime_ns, int64_t now_ns)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t s = mtime_ns / NS_PER_S - (mtime_ns % NS_PER_S < 0);
	int64_t days = s / 86400 - (s % 86400 < 0), sod = s - days * 86400;
	int64_t now = now_ns / NS_PER_S, y;
	unsigned m, d;
	char tmp[48]; /* room for any year; ls shows the first 12 columns */

	civil_from_days(days, &y, &m, &d);
	if (s > now || s <= now - SIX_MONTHS_S) /* the future too, as coreutils */
		snprintf(tmp, sizeof(tmp), "%s %2u  %4lld", mon[m - 1], d, (long long)y);
	else
		snprintf(tmp, sizeof(tmp), "%s %2u %02u:%02u", mon[m - 1], d,
			 (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60));
	memcpy(out, tmp, 12);
	out[12] = '\0';
}

size_t lsfmt_line(char *out, size_t cap, const char *name, const struct tio_stat *st,
		  int64_t now_ns)
{
	char mode[11], when[13], size[24];
	uint32_t t = st->mode & S_IFMT;
	int n;

	lsfmt_mode(mode, st->mode);
	lsfmt_time(when, st->mtime_ns, now_ns);
	if (t == S_IFBLK || t == S_IFCHR)
		snprintf(size, sizeof(size), "%u, %3u", st->rdev >> 8, st->rdev & 0xff);
	else
		snprintf(size, sizeof(size), "%llu", (unsigned long long)st->size);
	n = snprintf(out, cap, "%s %4u %-8s %-8s %9s %s %s\n", mode, st->nlink, "root", "root",
		     size, when, name);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

uint32_t lsfmt_dt_to_mode(uint8_t dt)
{
	switch (dt) {
	case DT_DIR:
		return S_IFDIR;
	case DT_REG:
		return S_IFREG;
	case DT_CHR:
		return S_IFCHR;
	case DT_BLK:
		return S_IFBLK;
	case DT_SOCK:
		return S_IFSOCK;
	default:
		return 0;
	}
}
