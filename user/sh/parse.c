/*
 * parse.c - the shell's line parser (sh.h). Pure: no system calls.
 *
 * A single left-to-right scan. Each word is built in line->store through
 * struct sh_word; quotes are consumed whole by their own functions. An
 * operator either ends the current command (| && || ; &), or is a
 * redirection whose following word becomes the file name instead of an
 * argument. $? is stored as SH_STATUS_MARK and expanded by sh_expand() when
 * the command runs, so `false; echo $?` sees the status of `false`.
 */
#include <stdio.h>
#include <string.h>
#include "sh.h"

struct sh_scan {
	struct sh_line *line;
	struct sh_cmd *cmd; /* the command being filled */
	size_t used;	    /* bytes of line->store taken */
	char *cur;	    /* start of the word being built */
	int any;	    /* the word has begun (even if empty: "" is a word) */
	int andor;	    /* the current list has && or || in it */
};

static const char *const perr_text[SH_E_COUNT] = {
    [SH_OK] = "no error",
    [SH_E_QUOTE] = "unterminated quote",
    [SH_E_REDIR] = "missing file name after redirection",
    [SH_E_BGLIST] = "unsupported '&' after '&&' or '||'",
    [SH_E_TOOMANY] = "too many arguments",
    [SH_E_NOCMD] = "missing command",
    [SH_E_TOOLONG] = "line too long after expansion",
    [SH_E_UNSUPPORTED] = "unsupported syntax",
    [SH_E_TOOMANYCMDS] = "too many commands",
    [SH_E_TOOMANYREDIRS] = "too many redirections",
    [SH_E_FD] = "only descriptors 0, 1 and 2 can be redirected",
    [SH_E_CTRL] = "control character ^A in the line",
};

const char *sh_perr_text(enum sh_perr e)
{
	return (unsigned)e < SH_E_COUNT ? perr_text[e] : "unknown error";
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Characters that end an unquoted word. */
static int is_op(char c)
{
	return c && strchr("<>&|;()`", c) != NULL;
}

static int word_put(struct sh_scan *s, char c)
{
	if (s->used + 1 >= sizeof(s->line->store))
		return -1;
	s->line->store[s->used++] = c;
	s->any = 1;
	return 0;
}

/* Records the unsupported token @tok (up to 3 bytes) for the error message. */
static enum sh_perr unsupported(struct sh_scan *s, const char *tok, size_t n)
{
	n = n < sizeof(s->line->bad) - 1 ? n : sizeof(s->line->bad) - 1;
	memcpy(s->line->bad, tok, n);
	s->line->bad[n] = '\0';
	return SH_E_UNSUPPORTED;
}

/* Consumes '...' starting after the opening quote; *pp ends after the closing one. */
static enum sh_perr scan_single(struct sh_scan *s, const char **pp)
{
	const char *p = *pp;

	s->any = 1;
	for (; *p != '\''; p++) {
		if (!*p)
			return SH_E_QUOTE;
		if (word_put(s, *p) < 0)
			return SH_E_TOOLONG;
	}
	*pp = p + 1;
	return SH_OK;
}

static enum sh_perr scan_double(struct sh_scan *s, const char **pp)
{
	const char *p = *pp;
	int r = 0;

	s->any = 1;
	for (; *p != '"' && r == 0; p++) {
		if (!*p)
			return SH_E_QUOTE;
		if (p[0] == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
			r = word_put(s, *++p);
		else if (p[0] == '$' && p[1] == '?')
			r = word_put(s, SH_STATUS_MARK), p++;
		else if (p[0] == '$' && (p[1] == '(' || p[1] == '{'))
			return unsupported(s, p, 2);
		else if (*p == '`')
			return unsupported(s, p, 1);
		else
			r = word_put(s, *p);
	}
	if (r < 0)
		return SH_E_TOOLONG;
	*pp = p + 1;
	return SH_OK;
}

/* One unquoted piece of a word at *pp. */
static enum sh_perr scan_piece(struct sh_scan *s, const char **pp)
{
	const char *p = *pp;
	int r;

	if (*p == '\'') {
		*pp = p + 1;
		return scan_single(s, pp);
	}
	if (*p == '"') {
		*pp = p + 1;
		return scan_double(s, pp);
	}
	if (p[0] == '$' && (p[1] == '(' || p[1] == '{'))
		return unsupported(s, p, 2);
	if (*p == '\\' && p[1]) {
		r = word_put(s, p[1]);
		*pp = p + 2;
	} else if (p[0] == '$' && p[1] == '?') {
		r = word_put(s, SH_STATUS_MARK);
		*pp = p + 2;
	} else {
		r = word_put(s, *p);
		*pp = p + 1;
	}
	return r < 0 ? SH_E_TOOLONG : SH_OK;
}

/* Scans one word; *pp ends at the blank/operator/end that stops it. */
static enum sh_perr scan_word(struct sh_scan *s, const char **pp)
{
	enum sh_perr e = SH_OK;

	s->cur = s->line->store + s->used;
	s->any = 0;
	while (**pp && !is_blank(**pp) && !is_op(**pp) && e == SH_OK)
		e = scan_piece(s, pp);
	if (e == SH_OK && word_put(s, '\0') < 0)
		e = SH_E_TOOLONG;
	return e;
}

static void skip_blanks(const char **pp)
{
	while (is_blank(**pp))
		(*pp)++;
}

static struct sh_redir *redir_new(struct sh_scan *s, enum sh_redir_kind kind, int fd)
{
	struct sh_cmd *c = s->cmd;
	struct sh_redir *r;

	if (c->nredirs == SH_REDIRS_MAX)
		return NULL;
	r = &c->redirs[c->nredirs++];
	*r = (struct sh_redir){.kind = kind, .fd = fd, .dup = -1};
	return r;
}

/* '>&M' after the '>&': M must be 0, 1 or 2. */
static enum sh_perr scan_dup(struct sh_scan *s, const char **pp, int fd)
{
	struct sh_redir *r;

	skip_blanks(pp);
	if (**pp < '0' || **pp > '9')
		return **pp && !is_op(**pp) && **pp != '#' ? unsupported(s, ">&", 2) : SH_E_REDIR;
	if (**pp > '2' || ((*pp)[1] && !is_blank((*pp)[1]) && !is_op((*pp)[1])))
		return SH_E_FD;
	r = redir_new(s, SH_R_DUP, fd);
	if (!r)
		return SH_E_TOOMANYREDIRS;
	r->dup = *(*pp)++ - '0';
	return SH_OK;
}

/* A redirection at *pp ('<' or '>'); @fd is the N before it or -1. */
static enum sh_perr scan_redir(struct sh_scan *s, const char **pp, int fd)
{
	const char *p = *pp;
	enum sh_redir_kind kind = *p == '<' ? SH_R_IN : SH_R_OUT;
	struct sh_redir *r;
	enum sh_perr e;

	if ((p[0] == '<' && (p[1] == '<' || p[1] == '>')) || (p[0] == '>' && p[1] == '|'))
		return unsupported(s, p, 2);
	if (fd < 0)
		fd = kind == SH_R_IN ? 0 : 1;
	*pp = ++p;
	if (kind == SH_R_OUT && *p == '&') {
		*pp = p + 1;
		return scan_dup(s, pp, fd);
	}
	if (kind == SH_R_OUT && *p == '>') {
		kind = SH_R_APPEND;
		*pp = p + 1;
	}
	skip_blanks(pp);
	if (!**pp || is_op(**pp) || **pp == '#')
		return SH_E_REDIR;
	r = redir_new(s, kind, fd);
	if (!r)
		return SH_E_TOOMANYREDIRS;
	e = scan_word(s, pp);
	r->path = s->cur;
	return e;
}

/* Ends the current command with @sep; the next one starts empty. */
static enum sh_perr end_cmd(struct sh_scan *s, enum sh_sep sep)
{
	struct sh_line *l = s->line;

	if (s->cmd->argc == 0)
		return SH_E_NOCMD;
	if (sep == SH_SEP_BG && s->andor)
		return SH_E_BGLIST;
	if (sep == SH_SEP_AND || sep == SH_SEP_OR)
		s->andor = 1;
	else if (sep != SH_SEP_PIPE)
		s->andor = 0;
	s->cmd->sep = sep;
	s->cmd->argv[s->cmd->argc] = NULL;
	l->ncmds++;
	if (sep == SH_SEP_END)
		return SH_OK;
	if (l->ncmds == SH_CMDS_MAX)
		return SH_E_TOOMANYCMDS;
	s->cmd = &l->cmds[l->ncmds];
	memset(s->cmd, 0, sizeof(*s->cmd));
	return SH_OK;
}

/* An operator that ends a command: | || & && ; (;; is not ours). */
static enum sh_perr scan_sep(struct sh_scan *s, const char **pp)
{
	const char *p = *pp;
	int twice = p[1] == p[0];

	*pp = p + 1 + twice;
	if (*p == ';')
		return twice ? unsupported(s, p, 2) : end_cmd(s, SH_SEP_SEQ);
	if (*p == '|')
		return end_cmd(s, twice ? SH_SEP_OR : SH_SEP_PIPE);
	return end_cmd(s, twice ? SH_SEP_AND : SH_SEP_BG);
}

static enum sh_perr scan_op(struct sh_scan *s, const char **pp)
{
	char c = **pp;

	if (c == '(' || c == ')' || c == '`')
		return unsupported(s, *pp, 1);
	if (c == '<' || c == '>')
		return scan_redir(s, pp, -1);
	return scan_sep(s, pp);
}

/* A word, or N< / N> when the word is a single digit right before the operator. */
static enum sh_perr scan_word_or_fd(struct sh_scan *s, const char **pp)
{
	const char *p = *pp;

	if (p[0] >= '0' && p[0] <= '9' && (p[1] == '<' || p[1] == '>')) {
		if (p[0] > '2')
			return SH_E_FD;
		*pp = p + 1;
		return scan_redir(s, pp, p[0] - '0');
	}
	if (s->cmd->argc == SH_ARGS_MAX)
		return SH_E_TOOMANY;
	s->cmd->argv[s->cmd->argc++] = s->line->store + s->used;
	return scan_word(s, pp);
}

/* The end of the line: a trailing ; or & leaves an empty command, which is fine. */
static enum sh_perr scan_end(struct sh_scan *s)
{
	struct sh_line *l = s->line;
	enum sh_sep prev = l->ncmds ? l->cmds[l->ncmds - 1].sep : SH_SEP_END;

	if (s->cmd->argc || s->cmd->nredirs)
		return end_cmd(s, SH_SEP_END);
	if (prev == SH_SEP_PIPE || prev == SH_SEP_AND || prev == SH_SEP_OR)
		return SH_E_NOCMD;
	return SH_OK;
}

enum sh_perr sh_parse(const char *text, struct sh_line *line)
{
	struct sh_scan s = {.line = line, .cmd = &line->cmds[0]};
	const char *p = text;
	enum sh_perr e = SH_OK;

	if (strchr(text, SH_STATUS_MARK))
		return SH_E_CTRL;
	line->ncmds = 0;
	line->bad[0] = '\0';
	memset(s.cmd, 0, sizeof(*s.cmd));
	for (skip_blanks(&p); *p && *p != '#' && e == SH_OK; skip_blanks(&p))
		e = is_op(*p) ? scan_op(&s, &p) : scan_word_or_fd(&s, &p);
	if (e == SH_OK)
		e = scan_end(&s);
	return e;
}

long sh_expand(const char *word, int status, char *out, size_t cap)
{
	char num[16];
	size_t n = 0, k;

	snprintf(num, sizeof(num), "%d", status);
	k = strlen(num);
	for (; *word; word++) {
		const char *piece = *word == SH_STATUS_MARK ? num : word;
		size_t len = *word == SH_STATUS_MARK ? k : 1;

		if (n + len >= cap)
			return -1;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return (long)n;
}

size_t sh_line_edit(char *line)
{
	size_t o = 0;

	for (const char *p = line; *p; p++) {
		if (*p == '\b' || *p == 0x7f)
			o -= o > 0;
		else
			line[o++] = *p;
	}
	line[o] = '\0';
	return o;
}
