/*
 * fuzz_parsers.c - libFuzzer target over every parser that takes untrusted
 * text or packets in userland: HTTP requests, shell lines, dd sizes, IPv4
 * addresses, ICMP replies, the hexdump formatter, and grep's patterns,
 * date formats and sort -n's numbers (text tools). The first input byte
 * picks the parser. Build and run: make user-fuzz (clang, ASan + UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tio/dd.h>
#include <tio/hexdump.h>
#include <tio/http.h>
#include <tio/bre.h>
#include <tio/datefmt.h>
#include <tio/inet.h>
#include <tio/textutil.h>
#include "../sh/sh.h"

static int sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return line[len - 1] == '\n' ? 0 : -1;
}

static void discard(void *arg, const char *s, size_t n)
{
	(void)arg, (void)s, (void)n;
}

/* The shell: parse, expand every word as the executor does, and type the
 * same bytes into the line editor. */
static void fuzz_shell(const char *s, size_t n)
{
	static struct sh_line line;
	static struct sh_editor ed;
	static char out[SH_LINE_MAX * 4];

	if (sh_parse(s, &line) == SH_OK)
		for (int c = 0; c < line.ncmds; c++)
			for (int a = 0; a < line.cmds[c].argc; a++)
				if (sh_expand(line.cmds[c].argv[a], 255, out, sizeof(out)) < 0)
					abort(); /* a parsed line always expands */
	sh_ed_init(&ed, discard, NULL);
	sh_ed_begin(&ed);
	for (size_t i = 0; i < n; i++)
		if (sh_ed_feed(&ed, s[i]) != SH_ED_MORE)
			sh_ed_begin(&ed);
	if (ed.len > SH_LINE_MAX || ed.cur > ed.len)
		abort();
}

static void fuzz_text(uint8_t which, const char *s, size_t n)
{
	struct http_req req;
	uint64_t v;
	uint32_t a;

	char out[64];
	size_t half = n / 2;

	switch (which % 7) {
	case 0:
		if (http_parse(s, n, &req) > 0 && strstr(req.path, "/../"))
			abort(); /* a path that escapes the root must never parse */
		break;
	case 1:
		if (n <= SH_LINE_MAX)
			fuzz_shell(s, n);
		break;
	case 2:
		dd_parse_size(s, &v);
		break;
	case 3:
		inet_parse(s, &a);
		break;
	case 4: /* the pattern is the first half, the line the second */
		memcpy(out, s, half < sizeof(out) - 1 ? half : sizeof(out) - 1);
		out[half < sizeof(out) - 1 ? half : sizeof(out) - 1] = '\0';
		if (bre_check(out) == 0)
			bre_match(out, s + half, n - half, which & 0x80);
		break;
	case 5:
		datefmt(out, sizeof(out), s, (int64_t)n * 987654321 - 4000000000LL, (long)n);
		break;
	default:
		num_cmp(s, s + half);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_reply r;
	struct hexdump h;
	char *s;

	if (size < 1)
		return 0;
	if (data[0] >= 0xf0) {
		icmp_parse_reply(data + 1, size - 1, &r);
		hexdump_init(&h, sink, NULL);
		hexdump_feed(&h, data + 1, size - 1);
		hexdump_finish(&h);
		return 0;
	}
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	fuzz_text(data[0], s, size - 1);
	free(s);
	return 0;
}
