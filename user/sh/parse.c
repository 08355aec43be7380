/*
 * parse.c - the shell's line parser (sh.h). Pure: no system calls.
 *
 * A single left-to-right scan. Each word is built in cmd->store through
 * struct sh_word; the scanner state is just "where am I in the line" since
 * quotes are consumed whole by their own function. A word that follows a
 * redirection operator becomes the file name instead of an argument.
 */
#include <stdio.h>
#include <string.h>
#include "sh.h"

struct sh_word {
	struct sh_cmd *cmd;
	size_t used; /* bytes of cmd->store taken */
	char *cur;   /* start of the word being built */
	int any;     /* the word has begun (even if empty: "" is a word) */
};

static const char *const perr_text[SH_E_COUNT] = {
    [SH_OK] = "no error",
    [SH_E_QUOTE] = "unterminated quote",
    [SH_E_REDIR] = "missing file name after redirection",
    [SH_E_AMP] = "'&' must end the command",
    [SH_E_TOOMANY] = "too many arguments",
    [SH_E_NOCMD] = "missing command",
    [SH_E_TOOLONG] = "line too long after expansion",
};

const char *sh_perr_text(enum sh_perr e)
{
	return (unsigned)e < SH_E_COUNT ? perr_text[e] : "unknown error";
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_op(char c)
{
	return c == '<' || c == '>' || c == '&';
}

static int word_put(struct sh_word *w, char c)
{
	if (w->used + 1 >= sizeof(w->cmd->store))
		return -1;
	w->cmd->store[w->used++] = c;
	w->any = 1;
	return 0;
}

static int word_puts(struct sh_word *w, const char *s)
{
	while (*s)
		if (word_put(w, *s++) < 0)
			return -1;
	return 0;
}

/* Appends the decimal exit status (the $? expansion). */
static int word_status(struct sh_word *w, int status)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", status);
	return word_puts(w, num);
}

/* Consumes '...' starting after the opening quote; *pp ends after the closing one. */
static enum sh_perr scan_single(struct sh_word *w, const char **pp)
{
	const char *p = *pp;

	w->any = 1;
	for (; *p != '\''; p++) {
		if (!*p)
			return SH_E_QUOTE;
		if (word_put(w, *p) < 0)
			return SH_E_TOOLONG;
	}
	*pp = p + 1;
	return SH_OK;
}

static enum sh_perr scan_double(struct sh_word *w, const char **pp, int status)
{
	const char *p = *pp;
	int r = 0;

	w->any = 1;
	for (; *p != '"' && r == 0; p++) {
		if (!*p)
			return SH_E_QUOTE;
		if (p[0] == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
			r = word_put(w, *++p);
		else if (p[0] == '$' && p[1] == '?')
			r = word_status(w, status), p++;
		else
			r = word_put(w, *p);
	}
	if (r < 0)
		return SH_E_TOOLONG;
	*pp = p + 1;
	return SH_OK;
}

/* Scans one word; *pp ends at the blank/operator/end that stops it. */
static enum sh_perr scan_word(struct sh_word *w, const char **pp, int status)
{
	const char *p = *pp;
	enum sh_perr e = SH_OK;
	int r = 0;

	w->cur = w->cmd->store + w->used;
	w->any = 0;
	while (*p && !is_blank(*p) && !is_op(*p) && e == SH_OK && r == 0) {
		if (*p == '\'') {
			p++;
			e = scan_single(w, &p);
		} else if (*p == '"') {
			p++;
			e = scan_double(w, &p, status);
		} else if (*p == '\\' && p[1]) {
			r = word_put(w, p[1]);
			p += 2;
		} else if (p[0] == '$' && p[1] == '?') {
			r = word_status(w, status);
			p += 2;
		} else {
			r = word_put(w, *p++);
		}
	}
	if (r < 0)
		e = SH_E_TOOLONG;
	if (e == SH_OK && word_put(w, '\0') < 0)
		e = SH_E_TOOLONG;
	*pp = p;
	return e;
}

static void skip_blanks(const char **pp)
{
	while (is_blank(**pp))
		(*pp)++;
}

/* After '&': only blanks or a comment may follow. */
static enum sh_perr scan_amp(struct sh_cmd *cmd, const char **pp)
{
	(*pp)++;
	skip_blanks(pp);
	if (**pp && **pp != '#')
		return SH_E_AMP;
	cmd->background = 1;
	*pp += strlen(*pp);
	return SH_OK;
}

/* Parses an operator's file name word into *target. */
static enum sh_perr scan_redir(struct sh_word *w, const char **pp, int status, char **target)
{
	enum sh_perr e;

	skip_blanks(pp);
	if (!**pp || is_op(**pp) || **pp == '#')
		return SH_E_REDIR;
	e = scan_word(w, pp, status);
	if (e == SH_OK)
		*target = w->cur;
	return e;
}

static enum sh_perr scan_op(struct sh_word *w, const char **pp, int status)
{
	struct sh_cmd *cmd = w->cmd;

	if (**pp == '&')
		return scan_amp(cmd, pp);
	if (**pp == '<') {
		(*pp)++;
		return scan_redir(w, pp, status, &cmd->in);
	}
	(*pp)++;
	cmd->append = **pp == '>';
	if (cmd->append)
		(*pp)++;
	return scan_redir(w, pp, status, &cmd->out);
}

enum sh_perr sh_parse(const char *line, int status, struct sh_cmd *cmd)
{
	struct sh_word w = {.cmd = cmd};
	const char *p = line;
	enum sh_perr e = SH_OK;

	cmd->argc = 0;
	cmd->in = cmd->out = NULL;
	cmd->append = cmd->background = 0;
	for (skip_blanks(&p); *p && *p != '#' && e == SH_OK; skip_blanks(&p)) {
		if (is_op(*p)) {
			e = scan_op(&w, &p, status);
			continue;
		}
		if (cmd->argc == SH_ARGS_MAX)
			return SH_E_TOOMANY;
		e = scan_word(&w, &p, status);
		cmd->argv[cmd->argc++] = w.cur;
	}
	cmd->argv[cmd->argc] = NULL;
	if (e == SH_OK && cmd->argc == 0 && (cmd->in || cmd->out || cmd->background))
		e = SH_E_NOCMD;
	return e;
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
