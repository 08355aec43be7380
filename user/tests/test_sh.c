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

/* Renders a parsed command in the table's notation. */
static void render(const struct sh_cmd *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < c->argc; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : "", c->argv[i]);
	if (c->in)
		n += (size_t)snprintf(buf + n, len - n, " <%s", c->in);
	if (c->out)
		n += (size_t)snprintf(buf + n, len - n, " %s%s", c->append ? ">>" : ">", c->out);
	if (c->background)
		snprintf(buf + n, len - n, " &");
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
    {"echo >a >b x", 0, "echo|x >b"},
    {"echo >>a >b", 0, "echo >b"},
    {"echo > 'my file'", 0, "echo >my file"},
    {"echo '>' '<' '&' \\>", 0, "echo|>|<|&|>"},
    {"httpd -p 80 &", 0, "httpd|-p|80 &"},
    {"sleep&", 0, "sleep &"},
    {"sleep 1 & # bg", 0, "sleep|1 &"},
    {"cat <in >out &", 0, "cat <in >out &"},
    {"echo 'unterminated", 0, "E1"},
    {"echo \"unterminated", 0, "E1"},
    {"echo \"a'", 0, "E1"},
    {"cat <", 0, "E2"},
    {"cat >", 0, "E2"},
    {"cat > # c", 0, "E2"},
    {"cat > > x", 0, "E2"},
    {"cat < &", 0, "E2"},
    {"a & b", 0, "E3"},
    {"a && b", 0, "E3"},
    {"> out", 0, "E5"},
    {"&", 0, "E5"},
    {"< in", 0, "E5"},
};

static void test_parse_table(void)
{
	static struct sh_cmd c;
	char got[512], want[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sh_perr e = sh_parse(cases[i].line, cases[i].status, &c);

		if (e != SH_OK)
			snprintf(got, sizeof(got), "E%d", (int)e);
		else
			render(&c, got, sizeof(got));
		snprintf(want, sizeof(want), "%s", cases[i].want);
		if (strcmp(got, want))
			UT_FAIL("[%s]: got [%s], want [%s]", cases[i].line, got, want);
	}
}

static void test_parse_argv_is_null_terminated(void)
{
	static struct sh_cmd c;

	UT_EQ(sh_parse("a b c", 0, &c), SH_OK);
	UT_EQ(c.argc, 3);
	UT_ASSERT(c.argv[3] == NULL);
}

static void test_parse_too_many_args(void)
{
	static struct sh_cmd c;
	static char line[SH_ARGS_MAX * 2 + 8];
	size_t n = 0;

	for (int i = 0; i < SH_ARGS_MAX; i++)
		n += (size_t)sprintf(line + n, "a ");
	UT_EQ(sh_parse(line, 0, &c), SH_OK);
	UT_EQ(c.argc, SH_ARGS_MAX);
	strcat(line, "b");
	UT_EQ(sh_parse(line, 0, &c), SH_E_TOOMANY);
}

/*
 * The longest accepted line, all $?, fits the store for any real status
 * (0..255: 3 bytes per 2), and an absurd status is refused, not overflowed.
 */
static void test_parse_expansion_bounded(void)
{
	static struct sh_cmd c;
	static char line[SH_LINE_MAX + 1];

	for (size_t i = 0; i + 2 <= SH_LINE_MAX; i += 2)
		memcpy(line + i, "$?", 2);
	line[SH_LINE_MAX] = '\0';
	UT_EQ(sh_parse(line, 255, &c), SH_OK);
	UT_EQ(strlen(c.argv[0]), SH_LINE_MAX / 2 * 3);
	UT_EQ(sh_parse(line, -2147483647 - 1, &c), SH_E_TOOLONG);
	memset(line, 'x', SH_LINE_MAX);
	UT_EQ(sh_parse(line, 0, &c), SH_OK);
	UT_EQ(strlen(c.argv[0]), SH_LINE_MAX);
}

static void test_parse_error_texts(void)
{
	for (int e = 0; e < SH_E_COUNT; e++)
		UT_ASSERT(sh_perr_text((enum sh_perr)e) != NULL);
	UT_ASSERT(!strcmp(sh_perr_text(SH_E_QUOTE), "unterminated quote"));
	UT_ASSERT(!strcmp(sh_perr_text((enum sh_perr)99), "unknown error"));
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
    UTEST(test_parse_table),	     UTEST(test_parse_argv_is_null_terminated),
    UTEST(test_parse_too_many_args), UTEST(test_parse_expansion_bounded),
    UTEST(test_parse_error_texts),   UTEST(test_line_edit_erase_keys),
};

UTEST_MAIN("user_sh", tests)
