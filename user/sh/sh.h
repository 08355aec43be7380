/*
 * sh.h - /bin/sh internals: the parser (pure, host-tested by
 * user/tests/test_sh.c) and the executor (system calls).
 *
 * Grammar of one line (a subset of POSIX sh):
 *   line    := blank* [ command ] [ '&' ] blank* [ comment ]
 *   command := ( word | redir )+
 *   redir   := '<' word | '>' word | '>>' word       (blanks optional after the operator)
 *   comment := '#' ... end of line, where '#' starts a word
 * Words: unquoted text, '...' (literal), "..." (where \" \\ \$ escape and $?
 * expands), and \c outside quotes (literal c); pieces concatenate ("a"'b'c is
 * one word "abc"). $? outside single quotes is the last exit status.
 * Operators < > >> & are only recognised unquoted. '&' must end the command.
 */
#ifndef USER_SH_H
#define USER_SH_H

#include <stddef.h>

#define SH_LINE_MAX 4096 /* longest input line; longer lines are rejected whole */
#define SH_ARGS_MAX 64	 /* words per command */

enum sh_perr {
	SH_OK = 0,
	SH_E_QUOTE,   /* unterminated quote */
	SH_E_REDIR,   /* redirection without a file name */
	SH_E_AMP,     /* '&' not at the end */
	SH_E_TOOMANY, /* more than SH_ARGS_MAX words */
	SH_E_NOCMD,   /* redirections or '&' but no command word */
	SH_E_TOOLONG, /* expanded line longer than the word store */
	SH_E_COUNT
};

struct sh_cmd {
	int argc;
	char *argv[SH_ARGS_MAX + 1]; /* NULL-terminated, pointing into @store */
	char *in;		     /* '<' file or NULL */
	char *out;		     /* '>' or '>>' file or NULL (the last one wins) */
	int append;		     /* @out was given with '>>' */
	int background;		     /* trailing '&' */
	char store[SH_LINE_MAX * 2]; /* words, NUL-separated; $? expansion may grow them */
};

/*
 * Parses @line (NUL-terminated) into @cmd. @status is what $? expands to.
 * Returns SH_OK (argc is 0 for a blank or comment-only line) or an SH_E_*;
 * on error @cmd is unspecified.
 */
enum sh_perr sh_parse(const char *line, int status, struct sh_cmd *cmd);
/*
 * Applies the erase keys a raw serial line may still contain: BS (0x08) and
 * DEL (0x7f) remove the character before them. In place; returns the new length.
 */
size_t sh_line_edit(char *line);
const char *sh_perr_text(enum sh_perr e);

/* Executor (exec.c): runs one parsed command; returns its exit status. */
struct sh_state {
	int status;  /* $? */
	int exiting; /* the exit builtin ran */
};
int sh_run(struct sh_state *st, struct sh_cmd *cmd);
void sh_reap_jobs(void);
/* help.c: the `help` built-in, listing to @out; its exit status. */
int sh_builtin_help(int out);

#endif
