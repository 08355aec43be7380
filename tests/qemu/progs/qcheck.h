/*
 * qcheck.h - the check line of the guest test programs: CHECK(name, cond)
 * prints "ok NAME" or "FAILED NAME (line N)" and counts the failures in
 * `failed`, which the program's exit status reports. One definition per
 * program (include it from one file only).
 */
#ifndef QCHECK_H
#define QCHECK_H

#include <stdio.h>

static int failed;

#define CHECK(name, c)                                                                             \
	do {                                                                                       \
		if (c) {                                                                           \
			printf("ok %s\n", name);                                                   \
		} else {                                                                           \
			printf("FAILED %s (line %d)\n", name, __LINE__);                           \
			failed++;                                                                  \
		}                                                                                  \
	} while (0)

#endif
