/*
 * sysfmt.c - free and uptime output (tio/sysfmt.h), with busybox 1.36's
 * column widths: free prints "%12llu %11llu ..." after a 7-column label.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tio/sysfmt.h>

int sysfmt_pools_pages(const char *text, uint64_t *total, uint64_t *used)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *end;

		if (strncmp(l, "pages ", 6))
			continue;
		/* "pages <used> - <total> <failures>" */
		*used = strtoull(l + 6, &end, 10);
		while (*end == ' ')
			end++;
		if (end == l + 6 || *end != '-')
			return -EINVAL;
		*total = strtoull(end + 1, &end, 10);
		return *used <= *total ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static size_t fit(int n, size_t cap)
{
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

size_t sysfmt_free(char *out, size_t cap, uint64_t total_kb, uint64_t used_kb)
{
	unsigned long long t = total_kb, u = used_kb, f = total_kb - used_kb;
	int n = snprintf(out, cap,
			 "       %12s%12s%12s%12s%12s%12s\n"
			 "Mem:   %12llu %11llu %11llu %11llu %11llu %11llu\n"
			 "Swap:  %12llu %11llu %11llu\n",
			 "total", "used", "free", "shared", "buff/cache", "available", t, u, f,
			 0ULL, 0ULL, f, 0ULL, 0ULL, 0ULL);

	return fit(n, cap);
}

size_t sysfmt_uptime(char *out, size_t cap, int64_t now_s, uint64_t up_s)
{
	int64_t sod = now_s % 86400 + (now_s % 86400 < 0 ? 86400 : 0);
	unsigned days = (unsigned)(up_s / 86400), mins = (unsigned)(up_s / 60);
	unsigned hours = mins / 60 % 24;
	size_t len = fit(snprintf(out, cap, " %02u:%02u:%02u up ", (unsigned)(sod / 3600),
				  (unsigned)(sod / 60 % 60), (unsigned)(sod % 60)),
			 cap);

	if (days)
		len += fit(snprintf(out + len, cap - len, "%u day%s, ", days, days != 1 ? "s" : ""),
			   cap - len);
	if (hours)
		len +=
		    fit(snprintf(out + len, cap - len, "%2u:%02u\n", hours, mins % 60), cap - len);
	else
		len += fit(snprintf(out + len, cap - len, "%u min\n", mins % 60), cap - len);
	return len;
}
