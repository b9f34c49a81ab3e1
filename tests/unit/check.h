/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tiny assertion kit for the unit test programs (exit 77 = skipped). */
#ifndef HP_CHECK_H
#define HP_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		check_count++;                                                          \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                               \
		}                                                                       \
	} while (0)

/* CHECK with a printf-style explanation of what was being checked. */
#define CHECKF(cond, ...)                                                               \
	do {                                                                            \
		check_count++;                                                          \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                   \
			fputc('\n', stderr);                                            \
			check_failures++;                                               \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                 \
	do {                                                                            \
		const char *_a = (a), *_b = (b);                                        \
		check_count++;                                                          \
		if (!_a || !_b || strcmp(_a, _b)) {                                     \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__,         \
				_a ? _a : "(null)", _b ? _b : "(null)");                      \
			check_failures++;                                               \
		}                                                                       \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                     \
	do {                                                                            \
		const char *_h = (hay), *_n = (needle);                                 \
		check_count++;                                                          \
		if (!_h || !strstr(_h, _n)) {                                           \
			fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__,     \
				__LINE__, _h ? _h : "(null)", _n);                            \
			check_failures++;                                               \
		}                                                                       \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
