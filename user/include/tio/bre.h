/*
 * tio/bre.h - the pattern matcher of `grep`: POSIX basic regular expressions
 * without groups or back-references. Pure; host-tested against GNU grep.
 *
 *   .  any character      *  the previous item zero or more times
 *   ^  start (first char) $  end (last char)
 *   [abc] [a-z] [^...]    a bracket expression ("]" first is literal)
 *   \c the character c literally; anything else matches itself
 *
 * A "*" at the start of the pattern (or right after ^) is literal, as POSIX
 * says. @icase folds ASCII case. bre_match() looks for a match anywhere in
 * the @len bytes of @line (no NUL needed; a line holds no newline).
 * bre_check() returns 0, -EINVAL for an unterminated "[", a trailing "\"
 * or more than BRE_MAX_ITEMS items, or -EOPNOTSUPP for what this matcher
 * does not do: groups \( \), intervals \{ \} and back-references \1-\9
 * (rather than matching them as literals). A match costs O(line x items).
 */
#ifndef TIO_BRE_H
#define TIO_BRE_H

#include <stddef.h>

#define BRE_MAX_ITEMS 256 /* characters, classes and \c escapes in one pattern */

int bre_check(const char *pat);
int bre_match(const char *pat, const char *line, size_t len, int icase);

#endif
