/*
 * test_sh.c - the shell parser (user/sh/parse.c): words, quotes, escapes,
 * comments, redirections, background, $? and every syntax error.
 * Table-driven: each row is a line and the expected command, rendered as
 * "argv0|argv1|... <in >out >>out &", or "E<code>" for a syntax error.
 */
#include <stdio.h>
#include <string.h>
#include "../sh/sh.h"
#include "utest.h"

struct parse_case {
	const char *line;
	int status; /* $? */
	const char *want;
};

/* Renders one redirection: "<f", ">f", ">>f", "2>f", "2>&1". */
static size_t render_redir(const struct sh_redir *r, int status, char *buf, size_t len)
{
	static const char *const op[] = {
	    [SH_R_IN] = "<", [SH_R_OUT] = ">", [SH_R_APPEND] = ">>", [SH_R_DUP] = ">&"};
	char path[256] = "";
	int dflt = r->kind == SH_R_IN ? 0 : 1;

	if (r->kind == SH_R_DUP)
		snprintf(path, sizeof(path), "%d", r->dup);
	else
		sh_expand(r->path, status, path, sizeof(path));
	if (r->fd == dflt)
		return (size_t)snprintf(buf, len, " %s%s", op[r->kind], path);
	return (size_t)snprintf(buf, len, " %d%s%s", r->fd, op[r->kind], path);
}

/* Renders a parsed line: "argv0|argv1 <in >out" per command, separators between. */
static void render(const struct sh_line *l, int status, char *buf, size_t len)
{
	static const char *const sep[] = {
	    [SH_SEP_END] = "",	  [SH_SEP_PIPE] = " | ", [SH_SEP_AND] = " && ",
	    [SH_SEP_OR] = " || ", [SH_SEP_SEQ] = " ; ",	 [SH_SEP_BG] = " &"};
	size_t n = 0;
	char w[1024];

	buf[0] = '\0';
	for (int c = 0; c < l->ncmds; c++) {
		const struct sh_cmd *cmd = &l->cmds[c];

		for (int i = 0; i < cmd->argc; i++) {
			sh_expand(cmd->argv[i], status, w, sizeof(w));
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "", w);
		}
		for (int i = 0; i < cmd->nredirs; i++)
			n += render_redir(&cmd->redirs[i], status, buf + n, len - n);
		n += (size_t)snprintf(buf + n, len - n, "%s", sep[cmd->sep]);
		if (cmd->sep == SH_SEP_BG && c + 1 < l->ncmds)
			n += (size_t)snprintf(buf + n, len - n, " ");
	}
}

static const struct parse_case cases[] = {
    {"", 0, ""},
    {"   \t ", 0, ""},
    {"# just a comment", 0, ""},
    {"ls", 0, "ls"},
    {"  ls   -l  /bin  ", 0, "ls|-l|/bin"},
    {"echo a#b # comment", 0, "echo|a#b"},
    {"echo 'a b'  \"c d\"", 0, "echo|a b|c d"},
    {"echo 'it''s'", 0, "echo|its"},
    {"echo \"a'b\" 'a\"b'", 0, "echo|a'b|a\"b"},
    {"echo \"\" ''", 0, "echo||"},
    {"echo a\"b c\"d", 0, "echo|ab cd"},
    {"echo '#not' \"# not\"", 0, "echo|#not|# not"},
    {"echo \\# \\'x\\' a\\ b", 0, "echo|#|'x'|a b"},
    {"echo \"q\\\"q\" \"b\\\\s\" \"\\$?\" \"\\n\"", 3, "echo|q\"q|b\\s|$?|\\n"},
    {"echo $?", 0, "echo|0"},
    {"echo $? \"$?\" '$?' x$?y", 127, "echo|127|127|$?|x127y"},
    {"echo $HOME $", 0, "echo|$HOME|$"},
    {"cat < in.txt", 0, "cat <in.txt"},
    {"cat <in.txt >out.txt", 0, "cat <in.txt >out.txt"},
    {"echo hi >> log", 0, "echo|hi >>log"},
    {"echo hi>>log", 0, "echo|hi >>log"},
    {"echo >a >b x", 0, "echo|x >a >b"},
    {"echo > 'my file'", 0, "echo >my file"},
    {"echo '>' '<' '&' \\> '|' ';' '(' \"a|b;c\"", 0, "echo|>|<|&|>|||;|(|a|b;c"},
    {"httpd -p 80 &", 0, "httpd|-p|80 &"},
    {"sleep&", 0, "sleep &"},
    {"sleep 1 & # bg", 0, "sleep|1 &"},
    {"cat <in >out &", 0, "cat <in >out &"},
    /* pipelines and lists */
    {"echo hi | cat", 0, "echo|hi | cat"},
    {"echo hi|cat|cat", 0, "echo|hi | cat | cat"},
    {"echo abc > x; cat x", 0, "echo|abc >x ; cat|x"},
    {"a;b", 0, "a ; b"},
    {"a ;", 0, "a ; "},
    {"a && b || c", 0, "a && b || c"},
    {"a&&b||c", 0, "a && b || c"},
    {"a & b", 0, "a & b"},
    {"a | b & c; d", 0, "a | b & c ; d"},
    {"a 2> err", 0, "a 2>err"},
    {"a 2>>err", 0, "a 2>>err"},
    {"a > out 2>&1", 0, "a >out 2>&1"},
    {"a 2>&1 | b", 0, "a 2>&1 | b"},
    {"a >&2", 0, "a >&2"},
    {"a 1>&2 0<in", 0, "a >&2 <in"},
    {"echo a2>x", 0, "echo|a2 >x"},
    {"echo 2 >x", 0, "echo|2 >x"},
    /* errors */
    {"echo 'unterminated", 0, "E1"},
    {"echo \"unterminated", 0, "E1"},
    {"echo \"a'", 0, "E1"},
    {"cat <", 0, "E2"},
    {"cat >", 0, "E2"},
    {"cat > # c", 0, "E2"},
    {"cat > > x", 0, "E2"},
    {"cat < &", 0, "E2"},
    {"a 2>", 0, "E2"},
    {"a >&", 0, "E2"},
    {"a && b &", 0, "E3"},
    {"a || b &", 0, "E3"},
    {"> out", 0, "E5"},
    {"&", 0, "E5"},
    {"< in", 0, "E5"},
    {"| a", 0, "E5"},
    {"a |", 0, "E5"},
    {"a &&", 0, "E5"},
    {"a || ", 0, "E5"},
    {"a | | b", 0, "E5"},
    {"; a", 0, "E5"},
    {"a ; ; b", 0, "E5"},
    {"> out ; a", 0, "E5"},
    {"(a)", 0, "E7("},
    {"echo (", 0, "E7("},
    {"a )", 0, "E7)"},
    {"echo `ls`", 0, "E7`"},
    {"echo $(ls)", 0, "E7$("},
    {"echo \"$(ls)\"", 0, "E7$("},
    {"echo ${HOME}", 0, "E7${"},
    {"a ;; b", 0, "E7;;"},
    {"cat << EOF", 0, "E7<<"},
    {"cat <> f", 0, "E7<>"},
    {"echo >| f", 0, "E7>|"},
    {"a >&x", 0, "E7>&"},
    {"a 3> f", 0, "E10"},
    {"a >&3", 0, "E10"},
    {"a >&12", 0, "E10"},
    {"echo \001", 0, "E11"},
};

static void test_parse_table(void)
{
	static struct sh_line l;
	char got[512], want[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sh_perr e = sh_parse(cases[i].line, &l);

		if (e == SH_E_UNSUPPORTED)
			snprintf(got, sizeof(got), "E%d%s", (int)e, l.bad);
		else if (e != SH_OK)
			snprintf(got, sizeof(got), "E%d", (int)e);
		else
			render(&l, cases[i].status, got, sizeof(got));
		snprintf(want, sizeof(want), "%s", cases[i].want);
		if (strcmp(got, want))
			UT_FAIL("[%s]: got [%s], want [%s]", cases[i].line, got, want);
	}
}

static void test_parse_argv_is_null_terminated(void)
{
	static struct sh_line l;

	UT_EQ(sh_parse("a b c | d e", &l), SH_OK);
	UT_EQ(l.ncmds, 2);
	UT_EQ(l.cmds[0].argc, 3);
	UT_ASSERT(l.cmds[0].argv[3] == NULL);
	UT_ASSERT(l.cmds[1].argv[2] == NULL);
}

static void test_parse_too_many_args(void)
{
	static struct sh_line l;
	static char line[SH_ARGS_MAX * 2 + 8];
	size_t n = 0;

	for (int i = 0; i < SH_ARGS_MAX; i++)
		n += (size_t)sprintf(line + n, "a ");
	UT_EQ(sh_parse(line, &l), SH_OK);
	UT_EQ(l.cmds[0].argc, SH_ARGS_MAX);
	strcat(line, "b");
	UT_EQ(sh_parse(line, &l), SH_E_TOOMANY);
}

static void test_parse_too_many_commands_and_redirs(void)
{
	static struct sh_line l;
	static char line[SH_CMDS_MAX * 4 + 8];
	size_t n = 0;

	for (int i = 0; i < SH_CMDS_MAX; i++)
		n += (size_t)sprintf(line + n, "%sa", i ? "|" : "");
	UT_EQ(sh_parse(line, &l), SH_OK);
	UT_EQ(l.ncmds, SH_CMDS_MAX);
	strcat(line, ";b");
	UT_EQ(sh_parse(line, &l), SH_E_TOOMANYCMDS);
	UT_EQ(sh_parse("a >1 >2 >3 >4 >5 >6 >7 >8", &l), SH_OK);
	UT_EQ(sh_parse("a >1 >2 >3 >4 >5 >6 >7 >8 >9", &l), SH_E_TOOMANYREDIRS);
}

/* $? is expanded when the command runs: the parse keeps a mark. */
static void test_status_expanded_late(void)
{
	static struct sh_line l;
	char out[16];

	UT_EQ(sh_parse("false; echo $?", &l), SH_OK);
	UT_EQ(sh_expand(l.cmds[1].argv[1], 1, out, sizeof(out)), 1);
	UT_ASSERT(!strcmp(out, "1"));
	UT_EQ(sh_expand(l.cmds[1].argv[1], 130, out, sizeof(out)), 3);
	UT_ASSERT(!strcmp(out, "130"));
	UT_EQ(sh_expand(l.cmds[1].argv[1], 130, out, 3), -1); /* does not fit: refused */
}

/* The longest accepted line, all $?, fits the store; its expansion is bounded. */
static void test_parse_expansion_bounded(void)
{
	static struct sh_line l;
	static char line[SH_LINE_MAX + 1], out[SH_LINE_MAX * 2];

	for (size_t i = 0; i + 2 <= SH_LINE_MAX; i += 2)
		memcpy(line + i, "$?", 2);
	line[SH_LINE_MAX] = '\0';
	UT_EQ(sh_parse(line, &l), SH_OK);
	UT_EQ(strlen(l.cmds[0].argv[0]), SH_LINE_MAX / 2);
	UT_EQ(sh_expand(l.cmds[0].argv[0], 255, out, sizeof(out)), SH_LINE_MAX / 2 * 3);
	UT_EQ(sh_expand(l.cmds[0].argv[0], 255, out, SH_LINE_MAX / 2 * 3),
	      -1); /* no room for NUL */
	memset(line, 'x', SH_LINE_MAX);
	UT_EQ(sh_parse(line, &l), SH_OK);
	UT_EQ(strlen(l.cmds[0].argv[0]), SH_LINE_MAX);
}

static void test_parse_error_texts(void)
{
	for (int e = 0; e < SH_E_COUNT; e++)
		UT_ASSERT(sh_perr_text((enum sh_perr)e) != NULL);
	UT_ASSERT(!strcmp(sh_perr_text(SH_E_QUOTE), "unterminated quote"));
	UT_ASSERT(!strcmp(sh_perr_text((enum sh_perr)99), "unknown error"));
}

/* ---- The line editor, against a one-line terminal that knows BS only ---- */

struct term {
	char screen[256];
	size_t col, len;
	int newlines;
};

static void term_out(void *arg, const char *s, size_t n)
{
	struct term *t = arg;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\b')
			t->col -= t->col > 0;
		else if (s[i] == '\n')
			t->newlines++;
		else if (t->col < sizeof(t->screen) - 1) {
			t->screen[t->col++] = s[i];
			if (t->col > t->len)
				t->len = t->col;
		}
	}
	t->screen[t->len] = '\0';
}

/* Feeds @keys; returns the last result. The screen must show the line, blanks trimmed. */
static enum sh_ed_result feed(struct sh_editor *ed, struct term *t, const char *keys)
{
	enum sh_ed_result r = SH_ED_MORE;

	memset(t, 0, sizeof(*t));
	sh_ed_begin(ed);
	for (; *keys && r == SH_ED_MORE; keys++)
		r = sh_ed_feed(ed, *keys);
	while (t->len && t->screen[t->len - 1] == ' ')
		t->screen[--t->len] = '\0';
	return r;
}

static void test_editor_keys(void)
{
	static const struct {
		const char *keys, *line;
	} cases[] = {
	    {"echo hi\r", "echo hi"},
	    {"echo hi\n", "echo hi"},
	    {"ab\x1b[Dx\n", "axb"},		  /* left, insert in the middle */
	    {"ab\x1bODx\n", "axb"},		  /* SS3 form */
	    {"abc\x1b[D\x1b[D\x7f\n", "bc"},	  /* backspace in the middle */
	    {"abc\x1b[D\x1b[D\b\n", "bc"},	  /* ^H too */
	    {"abc\x1b[D\x1b[C\x1b[Cd\n", "abcd"}, /* right stops at the end */
	    {"\x1b[D"
	     "ab\n",
	     "ab"},			  /* left at column 0 */
	    {"abc\x1b[H\x1b[3~\n", "bc"}, /* home, delete */
	    {"abc\x01x\x05y\n", "xabcy"}, /* ^A ^E */
	    {"junk here\x15"
	     "echo u\n",
	     "echo u"},					  /* ^U */
	    {"abc def\x1b[D\x1b[D\x1b[D\x15X\n", "Xdef"}, /* ^U from the middle */
	    {"echo aaa bbb\x17"
	     "ccc\n",
	     "echo aaa ccc"},			     /* ^W */
	    {"echo aaa bbb  \x17\x17x\n", "echo x"}, /* ^W over blanks */
	    {"a\x1b[5~b\n", "ab"},
	    {"a\x1b[99999999999999999999999~b\n", "ab"},
	    /* a huge number: no overflow */ /* unknown sequences are ignored */
	};
	static struct sh_editor ed;
	struct term t;

	sh_ed_init(&ed, term_out, &t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sh_ed_result r = feed(&ed, &t, cases[i].keys);

		if (r != SH_ED_LINE || strcmp(ed.buf, cases[i].line))
			UT_FAIL("keys %zu: result %d line [%.100s], want [%s]", i, (int)r, ed.buf,
				cases[i].line);
		else if (strcmp(t.screen, cases[i].line))
			UT_FAIL("keys %zu: screen [%s], want [%s]", i, t.screen, cases[i].line);
	}
}

static void test_editor_history(void)
{
	static struct sh_editor ed;
	struct term t;

	sh_ed_init(&ed, term_out, &t);
	sh_ed_remember(&ed, "echo one");
	sh_ed_remember(&ed, "echo two");
	sh_ed_remember(&ed, "echo two"); /* a repeat is kept once */
	sh_ed_remember(&ed, "   ");	 /* blank: not kept */
	UT_EQ(ed.nhist, 2);
	UT_EQ(feed(&ed, &t, "\x1b[A\n"), SH_ED_LINE);
	UT_ASSERT(!strcmp(ed.buf, "echo two"));
	UT_EQ(feed(&ed, &t, "\x1b[A\x1b[A\x1b[A\n"), SH_ED_LINE); /* stops at the oldest */
	UT_ASSERT(!strcmp(ed.buf, "echo one"));
	UT_ASSERT(!strcmp(t.screen, "echo one"));
	UT_EQ(feed(&ed, &t, "\x1b[A\x1b[A\x1b[B\n"), SH_ED_LINE);
	UT_ASSERT(!strcmp(ed.buf, "echo two"));
	UT_EQ(feed(&ed, &t, "xyz\x1b[A\x1b[B\n"), SH_ED_LINE); /* back down: an empty line */
	UT_ASSERT(!strcmp(ed.buf, ""));
	UT_EQ(feed(&ed, &t, "\x1b[A!\n"), SH_ED_LINE); /* an old line can be edited */
	UT_ASSERT(!strcmp(ed.buf, "echo two!"));
	UT_ASSERT(!strcmp(t.screen, "echo two!"));
}

static void test_editor_control(void)
{
	static struct sh_editor ed;
	static char big[SH_LINE_MAX + 3];
	struct term t;

	sh_ed_init(&ed, term_out, &t);
	UT_EQ(feed(&ed, &t, "abc\x03"), SH_ED_INTR);
	UT_EQ(ed.len, 0);
	UT_EQ(feed(&ed, &t, "\x04"), SH_ED_EOF);
	UT_EQ(feed(&ed, &t,
		   "a\x04"
		   "b\n"),
	      SH_ED_LINE); /* ^D inside a line: ignored */
	UT_ASSERT(!strcmp(ed.buf, "ab"));
	UT_EQ(feed(&ed, &t, "a\r\nb\n"), SH_ED_LINE); /* CR LF: one line end */
	UT_EQ(sh_ed_feed(&ed, '\n'), SH_ED_MORE);     /* the LF of the pair */
	memset(big, 'x', SH_LINE_MAX + 1);
	big[SH_LINE_MAX + 1] = '\n';
	UT_EQ(feed(&ed, &t, big), SH_ED_TOOBIG); /* only at the end of the long line */
	UT_EQ(feed(&ed, &t, "ok\n"), SH_ED_LINE);
	UT_ASSERT(!strcmp(ed.buf, "ok"));
}

static void test_line_edit_erase_keys(void)
{
	char a[] = "lss\177 -x\bl", b[] = "\b\177ab\b\b\bc", c[] = "plain";

	UT_EQ(sh_line_edit(a), 5);
	UT_ASSERT(!strcmp(a, "ls -l"));
	UT_EQ(sh_line_edit(b), 1);
	UT_ASSERT(!strcmp(b, "c"));
	UT_EQ(sh_line_edit(c), 5);
}

static const struct utest tests[] = {
    UTEST(test_parse_table),	      UTEST(test_parse_argv_is_null_terminated),
    UTEST(test_parse_too_many_args),  UTEST(test_parse_too_many_commands_and_redirs),
    UTEST(test_status_expanded_late), UTEST(test_parse_expansion_bounded),
    UTEST(test_parse_error_texts),    UTEST(test_line_edit_erase_keys),
    UTEST(test_editor_keys),	      UTEST(test_editor_history),
    UTEST(test_editor_control),
};

UTEST_MAIN("user_sh", tests)
