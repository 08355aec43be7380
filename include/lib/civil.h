/*
 * lib/civil.h - the proleptic Gregorian calendar in UTC, for the kernel's
 * real-time clock and the user tools (date, ls -l). Pure; no time zones, no
 * leap seconds (as POSIX time). Howard Hinnant's public-domain day-count
 * algorithms, restated for 64-bit integers.
 *
 *   civil_to_days(2026, 12, 2)        days since 1970-01-01 (negative before)
 *   civil_from_days(d, &y, &m, &day)  the inverse; m is 1..12, day 1..31
 *   civil_weekday(d)                  0 = Sunday .. 6 = Saturday
 */
#ifndef LIB_CIVIL_H
#define LIB_CIVIL_H

#include <stdint.h>

int64_t civil_to_days(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
unsigned civil_weekday(int64_t days);

#endif
