/*
 * edit.c - the shell's line editor (sh.h). Pure: it is fed input bytes and
 * writes terminal bytes through ed->out, so the host tests drive it.
 *
 * Keys: printable bytes insert at the cursor; Left/Right (ESC [ D / C, also
 * ESC O D / C) move; Home/End (ESC [ H / F, ^A / ^E); BS or DEL erase before
 * the cursor, ESC [ 3 ~ at it; ^U erases to the start, ^W the word before
 * the cursor; Up/Down (ESC [ A / B) walk the history; CR, LF or CR LF end
 * the line; ^C drops it; ^D on an empty line is end of input. A line longer
 * than SH_LINE_MAX is dropped whole: the bytes past the limit are read (not
 * echoed) up to its end, which reports SH_ED_TOOBIG.
 *
 * The terminal is only assumed to move left on BS and to overwrite: every
 * change rewrites the line from the first changed column (refresh()) and
 * walks back to the cursor with BS, so it works on any serial terminal.
 * Typing at the end of the line echoes just the byte, so a transcript of
 * plain typing reads exactly like cooked echo.
 */
#include <string.h>
#include "sh.h"

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC	    0x1b
#define KEY_DEL	    0x7f

static void out(struct sh_editor *ed, const char *s, size_t n)
{
	if (n)
		ed->out(ed->arg, s, n);
}

static void left(struct sh_editor *ed, size_t n)
{
	while (n--)
		out(ed, "\b", 1);
}

/* The terminal cursor is at column @from: rewrite from there, blank what is
 * left of a longer old line (@old_len), go back to the cursor. */
static void refresh(struct sh_editor *ed, size_t from, size_t old_len)
{
	size_t end = ed->len;

	out(ed, ed->buf + from, ed->len - from);
	for (; end < old_len; end++)
		out(ed, " ", 1);
	left(ed, end - ed->cur);
}

/* Removes [from, to) with the terminal cursor at ed->cur. */
static void erase(struct sh_editor *ed, size_t from, size_t to)
{
	size_t old = ed->len;

	if (from == to)
		return;
	left(ed, ed->cur - from);
	memmove(ed->buf + from, ed->buf + to, ed->len - to);
	ed->len -= to - from;
	ed->cur = from;
	refresh(ed, from, old);
}

static enum sh_ed_result insert(struct sh_editor *ed, char c)
{
	if (ed->len == SH_LINE_MAX) {
		ed->overflow = 1; /* the rest of the line is dropped up to its end */
		return SH_ED_MORE;
	}
	memmove(ed->buf + ed->cur + 1, ed->buf + ed->cur, ed->len - ed->cur);
	ed->buf[ed->cur++] = c;
	ed->len++;
	refresh(ed, ed->cur - 1, ed->len);
	return SH_ED_MORE;
}

/* Replaces the whole line with @text (history). */
static void set_line(struct sh_editor *ed, const char *text)
{
	size_t old = ed->len;

	left(ed, ed->cur);
	ed->len = ed->cur = strlen(text);
	memcpy(ed->buf, text, ed->len);
	refresh(ed, 0, old);
}

static void history_move(struct sh_editor *ed, int dir)
{
	int pos = ed->hpos + dir;

	if (pos < 0 || pos > ed->nhist)
		return;
	ed->hpos = pos;
	set_line(ed, pos == ed->nhist ? "" : ed->hist[pos]);
}

static size_t word_start(const struct sh_editor *ed)
{
	size_t i = ed->cur;

	while (i && (ed->buf[i - 1] == ' ' || ed->buf[i - 1] == '\t'))
		i--;
	while (i && ed->buf[i - 1] != ' ' && ed->buf[i - 1] != '\t')
		i--;
	return i;
}

static void move_to(struct sh_editor *ed, size_t pos)
{
	if (pos < ed->cur)
		left(ed, ed->cur - pos);
	else
		out(ed, ed->buf + ed->cur, pos - ed->cur);
	ed->cur = pos;
}

/* The final byte of ESC [ ... or ESC O ... with its numeric parameter. */
static void escape_key(struct sh_editor *ed, char c)
{
	if (c == 'A')
		history_move(ed, -1);
	else if (c == 'B')
		history_move(ed, 1);
	else if (c == 'C' && ed->cur < ed->len)
		move_to(ed, ed->cur + 1);
	else if (c == 'D' && ed->cur)
		move_to(ed, ed->cur - 1);
	else if (c == 'H')
		move_to(ed, 0);
	else if (c == 'F')
		move_to(ed, ed->len);
	else if (c == '~' && ed->esc_param == 3 && ed->cur < ed->len)
		erase(ed, ed->cur, ed->cur + 1);
}

/* Returns 1 if @c belonged to an escape sequence. */
static int escape_feed(struct sh_editor *ed, char c)
{
	if (ed->esc == 0 && c == KEY_ESC) {
		ed->esc = 1;
		return 1;
	}
	if (ed->esc == 1) {
		ed->esc = c == '[' || c == 'O' ? 2 : 0;
		ed->esc_param = 0;
		return 1;
	}
	if (ed->esc != 2)
		return 0;
	if (c >= '0' && c <= '9') {
		if (ed->esc_param < 1000) /* no key has a bigger number: stop before overflow */
			ed->esc_param = ed->esc_param * 10 + (c - '0');
		return 1;
	}
	ed->esc = c == ';' ? 2 : 0;
	if (!ed->esc)
		escape_key(ed, c);
	return 1;
}

static enum sh_ed_result line_end(struct sh_editor *ed)
{
	ed->buf[ed->len] = '\0';
	ed->cur = ed->len;
	out(ed, "\n", 1);
	return SH_ED_LINE;
}

static enum sh_ed_result control_key(struct sh_editor *ed, char c)
{
	if (c == KEY_DEL || c == '\b')
		erase(ed, ed->cur ? ed->cur - 1 : 0, ed->cur);
	else if (c == KEY_CTRL('U'))
		erase(ed, 0, ed->cur);
	else if (c == KEY_CTRL('W'))
		erase(ed, word_start(ed), ed->cur);
	else if (c == KEY_CTRL('A'))
		move_to(ed, 0);
	else if (c == KEY_CTRL('E'))
		move_to(ed, ed->len);
	else if (c == KEY_CTRL('C')) {
		out(ed, "^C\n", 3);
		ed->len = ed->cur = 0;
		return SH_ED_INTR;
	} else if (c == KEY_CTRL('D') && ed->len == 0)
		return SH_ED_EOF;
	return SH_ED_MORE;
}

enum sh_ed_result sh_ed_feed(struct sh_editor *ed, char c)
{
	int was_cr = ed->after_cr;

	ed->after_cr = c == '\r';
	if (ed->overflow && (c == '\r' || c == '\n')) {
		ed->overflow = 0;
		ed->len = ed->cur = 0;
		out(ed, "\n", 1);
		return SH_ED_TOOBIG;
	}
	if (ed->overflow)
		return SH_ED_MORE;
	if (escape_feed(ed, c))
		return SH_ED_MORE;
	if (c == '\n' && was_cr)
		return SH_ED_MORE; /* the LF of a CR LF pair */
	if (c == '\r' || c == '\n')
		return line_end(ed);
	if ((unsigned char)c < 0x20 && c != '\t')
		return control_key(ed, c);
	if (c == KEY_DEL)
		return control_key(ed, c);
	return insert(ed, c);
}

void sh_ed_begin(struct sh_editor *ed)
{
	ed->len = ed->cur = 0;
	ed->esc = 0;
	ed->overflow = 0;
	ed->hpos = ed->nhist;
}

void sh_ed_init(struct sh_editor *ed, void (*outfn)(void *arg, const char *s, size_t n), void *arg)
{
	memset(ed, 0, sizeof(*ed));
	ed->out = outfn;
	ed->arg = arg;
}

void sh_ed_remember(struct sh_editor *ed, const char *line)
{
	size_t n = strlen(line);

	if (n == 0 || n >= sizeof(ed->hist[0]) || strspn(line, " \t") == n)
		return;
	if (ed->nhist && !strcmp(ed->hist[ed->nhist - 1], line))
		return;
	if (ed->nhist == SH_HISTORY_MAX) {
		memmove(ed->hist[0], ed->hist[1], sizeof(ed->hist[0]) * (SH_HISTORY_MAX - 1));
		ed->nhist--;
	}
	memcpy(ed->hist[ed->nhist++], line, n + 1);
}
