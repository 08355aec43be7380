/*
 * sh.h - /bin/sh internals: the parser (pure, host-tested by
 * user/tests/test_sh.c), the line editor (pure, host-tested) and the
 * executor (system calls).
 *
 * Grammar of one line (a subset of POSIX sh):
 *   line     := [ list ] [ comment ]
 *   list     := andor ( ( ';' | '&' ) andor )* [ ';' | '&' ]
 *   andor    := pipeline ( ( '&&' | '||' ) pipeline )*
 *   pipeline := command ( '|' command )*
 *   command  := ( word | redir )+
 *   redir    := [ N ] '<' word | [ N ] '>' word | [ N ] '>>' word | [ N ] '>&' M
 *               (N, M: 0, 1 or 2; N defaults to 0 for '<', 1 otherwise;
 *               blanks are optional after the operator)
 *   comment  := '#' ... end of line, where '#' starts a word
 * Words: unquoted text, '...' (literal), "..." (where \" \\ \$ escape and $?
 * expands), and \c outside quotes (literal c); pieces concatenate ("a"'b'c is
 * one word "abc"). $? outside single quotes is the status of the last
 * pipeline that ran: the parser leaves SH_STATUS_MARK in the word and the
 * executor expands it when the command runs (`false; echo $?` prints 1).
 * Operators are only recognised unquoted. '&' runs a pipeline in the
 * background; after an and-or list ('a && b &') it is a syntax error, as are
 * the forms this shell does not have: ( ) ` $( ${ ;; << <> >| (the error
 * names the token).
 */
#ifndef USER_SH_H
#define USER_SH_H

#include <stddef.h>

#define SH_LINE_MAX    4096   /* longest input line; longer lines are rejected whole */
#define SH_ARGS_MAX    64     /* words per command */
#define SH_CMDS_MAX    16     /* commands per line, all pipelines together */
#define SH_REDIRS_MAX  8      /* redirections per command */
#define SH_HISTORY_MAX 32     /* lines the editor remembers */
#define SH_STATUS_MARK '\x01' /* $? in a parsed word; a typed 0x01 is a syntax error */

enum sh_perr {
	SH_OK = 0,
	SH_E_QUOTE,	  /* unterminated quote */
	SH_E_REDIR,	  /* redirection without a file name */
	SH_E_BGLIST,	  /* '&' after an and-or list */
	SH_E_TOOMANY,	  /* more than SH_ARGS_MAX words */
	SH_E_NOCMD,	  /* an operator or redirection without a command */
	SH_E_TOOLONG,	  /* expanded line longer than the word store */
	SH_E_UNSUPPORTED, /* a form this shell does not have: sh_line.bad names it */
	SH_E_TOOMANYCMDS, /* more than SH_CMDS_MAX commands */
	SH_E_TOOMANYREDIRS,
	SH_E_FD,   /* a descriptor other than 0, 1, 2 in a redirection */
	SH_E_CTRL, /* a 0x01 byte in the line */
	SH_E_COUNT
};

/* What follows a command. */
enum sh_sep { SH_SEP_END, SH_SEP_PIPE, SH_SEP_AND, SH_SEP_OR, SH_SEP_SEQ, SH_SEP_BG };

enum sh_redir_kind { SH_R_IN, SH_R_OUT, SH_R_APPEND, SH_R_DUP };

struct sh_redir {
	enum sh_redir_kind kind;
	int fd;	    /* the command's descriptor it sets: 0, 1, 2 */
	int dup;    /* SH_R_DUP: the descriptor it copies */
	char *path; /* the file (not SH_R_DUP), in the line's store */
};

struct sh_cmd {
	int argc;
	char *argv[SH_ARGS_MAX + 1]; /* NULL-terminated, pointing into the line's store */
	int nredirs;
	struct sh_redir redirs[SH_REDIRS_MAX]; /* applied in order */
	enum sh_sep sep;		       /* what ends this command */
};

struct sh_line {
	int ncmds; /* 0 for a blank or comment-only line */
	struct sh_cmd cmds[SH_CMDS_MAX];
	char bad[4];		     /* SH_E_UNSUPPORTED: the token */
	char store[SH_LINE_MAX * 2]; /* words, NUL-separated */
};

/* Parses @text (NUL-terminated) into @line: SH_OK or an SH_E_* (@line is then unspecified). */
enum sh_perr sh_parse(const char *text, struct sh_line *line);
const char *sh_perr_text(enum sh_perr e);
/* Copies @word into @out (@cap bytes) with every SH_STATUS_MARK replaced by
 * @status in decimal: the length, or -1 if it does not fit. */
long sh_expand(const char *word, int status, char *out, size_t cap);
/*
 * Applies the erase keys a raw serial line may still contain: BS (0x08) and
 * DEL (0x7f) remove the character before them. In place; returns the new length.
 */
size_t sh_line_edit(char *line);

/* ---- The line editor (edit.c): pure, fed one input byte at a time ---- */

enum sh_ed_result {
	SH_ED_MORE,  /* keep feeding */
	SH_ED_LINE,  /* Enter: the line is in ed->buf */
	SH_ED_EOF,   /* ^D on an empty line */
	SH_ED_INTR,  /* ^C: the line is dropped */
	SH_ED_TOOBIG /* the line was longer than SH_LINE_MAX: dropped up to its end */
};

struct sh_editor {
	char buf[SH_LINE_MAX + 1];	/* [O] the line; NUL-terminated on SH_ED_LINE */
	size_t len, cur;		/* [O] length, cursor */
	int esc;			/* [O] 0, 1 after ESC, 2 after ESC [ (or ESC O) */
	int esc_param;			/* [O] the number in ESC [ n ~ */
	int overflow;			/* [O] the line outgrew buf: dropping up to its end */
	int after_cr;			/* [O] the last line ended with CR: skip one LF */
	char hist[SH_HISTORY_MAX][128]; /* [O] ring of past lines (longer ones are not kept) */
	int nhist, hpos; /* [O] lines kept; browsing position (nhist: the new line) */
	/* Output: terminal bytes to redraw. */
	void (*out)(void *arg, const char *s, size_t n);
	void *arg;
};

void sh_ed_init(struct sh_editor *ed, void (*out)(void *arg, const char *s, size_t n), void *arg);
/* Starts a new line (after the prompt). */
void sh_ed_begin(struct sh_editor *ed);
enum sh_ed_result sh_ed_feed(struct sh_editor *ed, char c);
/* Remembers @line for up/down (blank lines and repeats are not kept). */
void sh_ed_remember(struct sh_editor *ed, const char *line);

/* ---- Executor (exec.c) ---- */

struct sh_state {
	int status;  /* $? */
	int exiting; /* the exit builtin ran */
	int tty;     /* stdin is the console: foreground jobs get ^C */
};
/* Runs every pipeline of @line in order; returns the last status. */
int sh_run(struct sh_state *st, struct sh_line *line);
/* Prints "[N] Done ..." for background jobs that ended. */
void sh_reap_jobs(void);
/* help.c: the `help` built-in, listing to @out; its exit status. */
int sh_builtin_help(int out);

#endif
