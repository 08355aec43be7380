/*
 * test_core.c - the pure cores of the commands: sha256 (NIST FIPS 180-4
 * examples), hexdump -C (vectors produced by util-linux hexdump), dd operands
 * and summary (lines produced by coreutils dd 9.1), ls -l lines, option
 * parsing, and the HTTP request parser / response builder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tio/dd.h>
#include <tio/hexdump.h>
#include <tio/http.h>
#include <tio/lsfmt.h>
#include <tio/opt.h>
#include <tio/sha256.h>
#include "utest.h"

#define STREQ(got, want)                                                                           \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (strcmp(g_, w_))                                                                \
			UT_FAIL("%s: got \"%.200s\", want \"%.200s\"", #got, g_, w_);              \
	} while (0)

static void sha_hex_of(const void *p, size_t n, size_t step, char out[65])
{
	struct sha256 s;
	uint8_t d[SHA256_LEN];
	const char *c = p;

	sha256_init(&s);
	for (size_t i = 0; i < n; i += step)
		sha256_update(&s, c + i, n - i < step ? n - i : step);
	sha256_final(&s, d);
	sha256_hex(d, out);
}

static void test_sha256_nist_vectors(void)
{
	static const char *const two_block =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	sha_hex_of("abc", 3, 3, hex);
	STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha_hex_of("", 0, 1, hex);
	STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (size_t step = 1; step <= 64; step *= 3) {
		sha_hex_of(two_block, strlen(two_block), step, hex);
		STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}

static void test_sha256_million_a(void)
{
	static char buf[1000000];
	char hex[65];

	memset(buf, 'a', sizeof(buf));
	sha_hex_of(buf, sizeof(buf), 4093, hex);
	STREQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Padding edge cases: 55, 56, 63, 64, 65 bytes (checked with sha256sum). */
static void test_sha256_padding_boundaries(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
	    {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
	    {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
	    {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
	    {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
	    {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
	};
	char buf[65], hex[65];

	memset(buf, 'a', sizeof(buf));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha_hex_of(buf, v[i].n, 7, hex);
		STREQ(hex, v[i].hex);
	}
}

struct hx_case {
	const char *name, *data;
	size_t len;
	const char *want;
};

static const struct hx_case hx_cases[] = {
    {"mixed",
     "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
     "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b\x2c\x2d"
     "\x2e\x2f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x74\x61\x69\x6c\x21",
     101,
     "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
     "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n"
     "00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|\n"
     "00000030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
     "*\n"
     "00000060  74 61 69 6c 21                                    |tail!|\n"
     "00000065\n"
     ""},
    {"zeros40",
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
     40,
     "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
     "*\n"
     "00000020  00 00 00 00 00 00 00 00                           |........|\n"
     "00000028\n"
     ""},
    {"hello", "\x48\x65\x6c\x6c\x6f\x0a", 6,
     "00000000  48 65 6c 6c 6f 0a                                 |Hello.|\n"
     "00000006\n"
     ""},
    {"exact32",
     "\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41\x41"
     "\x41\x41\x41\x41\x41\x41\x41\x41\x41",
     32,
     "00000000  41 41 41 41 41 41 41 41  41 41 41 41 41 41 41 41  |AAAAAAAAAAAAAAAA|\n"
     "*\n"
     "00000020\n"
     ""},
    {"runs",
     "\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x62\x62\x62\x62\x62\x62\x62"
     "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62"
     "\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x62\x61\x61\x61\x61\x61"
     "\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61\x61"
     "\x61\x61\x61\x61\x7a\x7b\x7c\x7d\x7e\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89",
     112,
     "00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
     "00000010  62 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |bbbbbbbbbbbbbbbb|\n"
     "*\n"
     "00000040  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
     "*\n"
     "00000060  7a 7b 7c 7d 7e 7f 80 81  82 83 84 85 86 87 88 89  |z{|}~...........|\n"
     "00000070\n"
     ""},
    {"high",
     "\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x7b\x7c\x7d\x7e\x7f\x80\x81\x82\x83\x84\x85\x86"
     "\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x7f",
     33,
     "00000000  70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  |pqrstuvwxyz{|}~.|\n"
     "00000010  80 81 82 83 84 85 86 87  88 89 8a 8b 8c 8d 8e 8f  |................|\n"
     "00000020  7f                                                |.|\n"
     "00000021\n"
     ""},
};

struct sink {
	char buf[8192];
	size_t len;
};

static int sink_emit(void *ctx, const char *line, size_t len)
{
	struct sink *s = ctx;

	if (s->len + len >= sizeof(s->buf))
		return -ENOSPC;
	memcpy(s->buf + s->len, line, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

static void test_hexdump_matches_util_linux(void)
{
	static struct sink s;
	struct hexdump h;

	for (size_t i = 0; i < sizeof(hx_cases) / sizeof(hx_cases[0]); i++) {
		for (size_t step = 1; step <= 17; step += 8) {
			s.len = 0;
			s.buf[0] = '\0';
			hexdump_init(&h, sink_emit, &s);
			for (size_t o = 0; o < hx_cases[i].len; o += step) {
				size_t n = hx_cases[i].len - o < step ? hx_cases[i].len - o : step;
				UT_EQ(hexdump_feed(&h, hx_cases[i].data + o, n), 0);
			}
			UT_EQ(hexdump_finish(&h), 0);
			if (strcmp(s.buf, hx_cases[i].want))
				UT_FAIL("case %s step %zu:\n%s\nwant:\n%s", hx_cases[i].name, step,
					s.buf, hx_cases[i].want);
		}
	}
}

static void test_hexdump_empty_prints_nothing(void)
{
	static struct sink s;
	struct hexdump h;

	s.len = 0;
	hexdump_init(&h, sink_emit, &s);
	UT_EQ(hexdump_finish(&h), 0);
	UT_EQ(s.len, 0);
}

static void test_hexdump_emit_error_stops(void)
{
	static struct sink s;
	static char big[16 * 600];
	struct hexdump h;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)i;
	s.len = 0;
	hexdump_init(&h, sink_emit, &s);
	UT_EQ(hexdump_feed(&h, big, sizeof(big)), -ENOSPC);
}

static void test_dd_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
	    {"0", 0},
	    {"512", 512},
	    {"1c", 1},
	    {"3w", 6},
	    {"2b", 1024},
	    {"1kB", 1000},
	    {"1K", 1024},
	    {"1KiB", 1024},
	    {"1MB", 1000000},
	    {"1M", 1048576},
	    {"4MiB", 4194304},
	    {"1G", 1073741824},
	    {"1GB", 1000000000},
	    {"2x512", 1024},
	    {"2x3x1K", 6144},
	    {"1T", 1099511627776ULL},
	};
	static const char *const bad[] = {"",	  "K",	"1k", "1Kb", "-1",
					  "1.5M", "x2", "2x", "1 K", "99999999999999999999",
					  "20E",  "1Q"};
	uint64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (dd_parse_size(ok[i].s, &v) < 0 || v != ok[i].v)
			UT_FAIL("\"%s\": %llu", ok[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dd_parse_size(bad[i], &v) != -EINVAL)
			UT_FAIL("\"%s\" accepted as %llu", bad[i], (unsigned long long)v);
}

static void test_dd_operands(void)
{
	char *argv[] = {"dd", "if=/dev/hda", "of=out.img", "bs=1M", "count=3", "skip=2", "seek=1"};
	char *bad1[] = {"dd", "bs=0"};
	char *bad2[] = {"dd", "iff=x"};
	char *bad3[] = {"dd", "count=abc"};
	char *bad4[] = {"dd", "hello"};
	struct dd_opts o;
	const char *bad = NULL;

	UT_EQ(dd_parse(7, argv, &o, &bad), 0);
	STREQ(o.ifile, "/dev/hda");
	STREQ(o.ofile, "out.img");
	UT_EQ(o.bs, 1048576);
	UT_EQ(o.count, 3);
	UT_EQ(o.skip, 2);
	UT_EQ(o.seek, 1);
	UT_EQ(dd_parse(1, argv, &o, &bad), 0);
	UT_EQ(o.bs, 512);
	UT_ASSERT(o.count == DD_NONE && !o.ifile && !o.ofile);
	UT_EQ(dd_parse(2, bad1, &o, &bad), -EINVAL);
	UT_EQ(dd_parse(2, bad2, &o, &bad), -EINVAL);
	STREQ(bad, "iff=x");
	UT_EQ(dd_parse(2, bad3, &o, &bad), -EINVAL);
	STREQ(bad, "count=abc");
	UT_EQ(dd_parse(2, bad4, &o, &bad), -EINVAL);
}

/* Each row is real coreutils 9.1 output for those bytes and that elapsed time. */
static void test_dd_summary_matches_coreutils(void)
{
	static const struct {
		uint64_t full, part, bytes, ns;
		const char *last;
	} v[] = {
	    {3, 0, 3072, 167787, "3072 bytes (3.1 kB, 3.0 KiB) copied, 0.000167787 s, 18.3 MB/s"},
	    {1, 0, 1000, 107454, "1000 bytes (1.0 kB) copied, 0.000107454 s, 9.3 MB/s"},
	    {1, 0, 100, 134435, "100 bytes copied, 0.000134435 s, 744 kB/s"},
	    {32, 0, 33554432, 13463500,
	     "33554432 bytes (34 MB, 32 MiB) copied, 0.0134635 s, 2.5 GB/s"},
	    {0, 1, 2, 1211750000, "2 bytes copied, 1.21175 s, 0.0 kB/s"},
	    {0, 1, 1500, 1135860000, "1500 bytes (1.5 kB, 1.5 KiB) copied, 1.13586 s, 1.3 kB/s"},
	    {0, 0, 0, 171575, "0 bytes copied, 0.000171575 s, 0.0 kB/s"},
	    {1, 0, 1, 42000, "1 byte copied, 4.2e-05 s, 23.8 kB/s"},
	};
	char buf[256], want[256];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct dd_stats st = {v[i].full, v[i].part, v[i].full, v[i].part, v[i].bytes};

		dd_summary(buf, sizeof(buf), &st, v[i].ns);
		snprintf(want, sizeof(want), "%llu+%llu records in\n%llu+%llu records out\n%s\n",
			 (unsigned long long)v[i].full, (unsigned long long)v[i].part,
			 (unsigned long long)v[i].full, (unsigned long long)v[i].part, v[i].last);
		STREQ(buf, want);
	}
}

/* Our integer %g must agree with the C library's for the seconds. */
static void test_dd_seconds_like_printf_g(void)
{
	char ours[64], libc[64];
	uint64_t ns = 1;

	srand(7);
	for (int i = 0; i < 20000; i++) {
		ns = i < 40 ? ns * 3 : (uint64_t)rand() * (uint64_t)(rand() % 100000 + 1);
		dd_fmt_seconds(ours, sizeof(ours), ns);
		snprintf(libc, sizeof(libc), "%g s", (double)ns / 1e9);
		if (strcmp(ours, libc))
			UT_FAIL("ns=%llu: ours \"%s\", libc \"%s\"", (unsigned long long)ns, ours,
				libc);
	}
}

static void test_dd_human_rounding(void)
{
	char b[32];

	dd_fmt_human(b, sizeof(b), 999, 1000);
	STREQ(b, "999 B");
	dd_fmt_human(b, sizeof(b), 9960, 1000);
	STREQ(b, "10 kB");
	dd_fmt_human(b, sizeof(b), 999600, 1000);
	STREQ(b, "1.0 MB");
	dd_fmt_human(b, sizeof(b), 1048576, 1024);
	STREQ(b, "1.0 MiB");
	dd_fmt_human(b, sizeof(b), 5ULL << 30, 1024);
	STREQ(b, "5.0 GiB");
	dd_fmt_rate(b, sizeof(b), 1, 0);
	STREQ(b, "Infinity B/s");
}

static void test_lsfmt_mode_strings(void)
{
	char m[11];

	lsfmt_mode(m, S_IFDIR | 0755);
	STREQ(m, "drwxr-xr-x");
	lsfmt_mode(m, S_IFREG | 0644);
	STREQ(m, "-rw-r--r--");
	lsfmt_mode(m, S_IFBLK | 0600);
	STREQ(m, "brw-------");
	lsfmt_mode(m, S_IFCHR | 0666);
	STREQ(m, "crw-rw-rw-");
	lsfmt_mode(m, 0);
	STREQ(m, "?---------");
}

/* The calendar agrees with the C library's gmtime over 1900..2200. */
static void test_lsfmt_time_matches_gmtime(void)
{
	char ours[13], libc[32];
	struct tm tm;

	for (int64_t s = -2208988800LL; s < 7258118400LL; s += 86400 * 7 + 3607) {
		time_t t = (time_t)s;

		gmtime_r(&t, &tm);
		lsfmt_time(ours, s * 1000000000LL, s * 1000000000LL); /* recent: hour shown */
		strftime(libc, sizeof(libc), "%b %e %H:%M", &tm);
		STREQ(ours, libc);
		lsfmt_time(ours, s * 1000000000LL, (s + 86400 * 200) * 1000000000LL);
		snprintf(libc + 7, sizeof(libc) - 7, " %4d", tm.tm_year + 1900);
		STREQ(ours, libc);
	}
}

static void test_lsfmt_lines(void)
{
	struct tio_stat st = {.mode = S_IFREG | 0644, .nlink = 1, .size = 31};
	char line[LSFMT_LINE_MAX];

	lsfmt_line(line, sizeof(line), "hello.txt", &st, 0);
	STREQ(line, "-rw-r--r--    1 root     root            31 Jan  1 00:00 hello.txt\n");
	st.mode = S_IFBLK | 0600;
	st.rdev = (3 << 8) | 1;
	lsfmt_line(line, sizeof(line), "hda1", &st, 0);
	STREQ(line, "brw-------    1 root     root        3,   1 Jan  1 00:00 hda1\n");
	st.mode = S_IFDIR | 0755;
	st.nlink = 2;
	st.size = 0;
	lsfmt_line(line, sizeof(line), "etc", &st, 400LL * 86400 * 1000000000LL);
	STREQ(line, "drwxr-xr-x    2 root     root             0 Jan  1  1970 etc\n");
	UT_EQ(lsfmt_dt_to_mode(DT_DIR), S_IFDIR);
	UT_EQ(lsfmt_dt_to_mode(99), 0);
}

static void test_opt_parsing(void)
{
	char *a1[] = {"ping", "-c", "3", "-lv", "-n5", "host", "-x"};
	char *a2[] = {"nc", "-l", "--", "-p"};
	char *a3[] = {"x", "-q"};
	char *a4[] = {"x", "-n"};
	char *a5[] = {"x", "-", "y"};
	struct opt o = OPT_INIT;

	UT_EQ(opt_next(&o, 7, a1, "c:lvn:"), 'c');
	STREQ(o.arg, "3");
	UT_EQ(opt_next(&o, 7, a1, "c:lvn:"), 'l');
	UT_EQ(opt_next(&o, 7, a1, "c:lvn:"), 'v');
	UT_EQ(opt_next(&o, 7, a1, "c:lvn:"), 'n');
	STREQ(o.arg, "5");
	UT_EQ(opt_next(&o, 7, a1, "c:lvn:"), -1);
	UT_EQ(o.ind, 5);
	o = (struct opt)OPT_INIT;
	UT_EQ(opt_next(&o, 4, a2, "lp:"), 'l');
	UT_EQ(opt_next(&o, 4, a2, "lp:"), -1);
	UT_EQ(o.ind, 3);
	o = (struct opt)OPT_INIT;
	UT_EQ(opt_next(&o, 2, a3, "n:"), '?');
	UT_EQ(o.bad, 'q');
	o = (struct opt)OPT_INIT;
	UT_EQ(opt_next(&o, 2, a4, "n:"), '?');
	UT_EQ(o.bad, 'n');
	o = (struct opt)OPT_INIT;
	UT_EQ(opt_next(&o, 3, a5, "n:"), -1);
	UT_EQ(o.ind, 1);
}

static long parse(const char *s, struct http_req *r)
{
	return http_parse(s, strlen(s), r);
}

static void test_http_parse_good(void)
{
	struct http_req r;
	const char *q = "GET /a%20b.html?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n";

	UT_EQ(parse(q, &r), strstr(q, "\r\n\r\n") + 4 - q);
	UT_EQ(r.method, HTTP_GET);
	STREQ(r.path, "/a b.html");
	UT_EQ(r.keep_alive, 1);
	UT_EQ(parse("HEAD / HTTP/1.0\n\n", &r), 17);
	UT_EQ(r.method, HTTP_HEAD);
	UT_EQ(r.keep_alive, 0);
	UT_ASSERT(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
	UT_EQ(r.keep_alive, 1);
	UT_ASSERT(parse("GET / HTTP/1.1\r\nconnection:close \r\n\r\n", &r) > 0);
	UT_EQ(r.keep_alive, 0);
	UT_ASSERT(parse("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &r) > 0);
	UT_EQ(r.method, HTTP_OTHER);
	UT_EQ(r.body_len, 5);
}

static void test_http_parse_incomplete(void)
{
	struct http_req r;
	static char big[HTTP_REQ_MAX + 10];

	UT_EQ(parse("", &r), 0);
	UT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r), 0);
	UT_EQ(parse("GET / HTTP/1.1\r\n\r", &r), 0);
	memset(big, 'a', sizeof(big) - 1);
	UT_EQ(parse(big, &r), -1); /* a header block that never ends is refused */
}

static void test_http_parse_malformed(void)
{
	static const char *const bad[] = {
	    "\r\n\r\n",
	    "GET\r\n\r\n",
	    "GET /\r\n\r\n",
	    "GET / HTTP/2.0\r\n\r\n",
	    "GET / HTTP/1.1 x\r\n\r\n",
	    "GET  / HTTP/1.1\r\n\r\n",
	    "get / HTTP/1.1\r\n\r\n",
	    "GET x HTTP/1.1\r\n\r\n",
	    "GET /../etc/passwd HTTP/1.1\r\n\r\n",
	    "GET /a/%2e%2e/b HTTP/1.1\r\n\r\n",
	    "GET /a/./b HTTP/1.1\r\n\r\n",
	    "GET /%zz HTTP/1.1\r\n\r\n",
	    "GET /%4 HTTP/1.1\r\n\r\n",
	    "GET /a%00b HTTP/1.1\r\n\r\n",
	    "GET /a\\b HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
	    "GET / HTTP/1.1\r\n: empty\r\n\r\n",
	    "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
	    "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
	    "GET / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n",
	    "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &r) != -1)
			UT_FAIL("accepted: \"%s\"", bad[i]);
}

static void test_http_long_path_refused(void)
{
	static char req[600];
	struct http_req r;

	strcpy(req, "GET /");
	memset(req + 5, 'a', 300);
	strcpy(req + 305, " HTTP/1.1\r\n\r\n");
	UT_EQ(parse(req, &r), -1);
}

static void test_http_response_head(void)
{
	char b[512];
	long n;

	n = http_head(b, sizeof(b), 200, http_mime("/index.html"), 1234, 1);
	STREQ(b, "HTTP/1.1 200 OK\r\nServer: tessera-httpd\r\nContent-Type: text/html\r\n"
		 "Content-Length: 1234\r\nConnection: keep-alive\r\n\r\n");
	UT_EQ(n, (long)strlen(b));
	http_head(b, sizeof(b), 405, "text/html", 0, 0);
	UT_ASSERT(strstr(b, "HTTP/1.1 405 Method Not Allowed\r\n") == b);
	UT_ASSERT(strstr(b, "\r\nAllow: GET, HEAD\r\n"));
	UT_ASSERT(strstr(b, "\r\nConnection: close\r\n\r\n"));
	UT_EQ(http_head(b, 20, 200, "text/html", 0, 0), -1);
	UT_ASSERT(http_error_body(b, sizeof(b), 404) > 0);
	UT_ASSERT(strstr(b, "404 Not Found"));
	STREQ(http_reason(400), "Bad Request");
}

/* Parses @hdr as the one header of a GET and resolves it against @size. */
static int range_of(const char *hdr, uint64_t size, uint64_t *off, uint64_t *len)
{
	char q[256];
	struct http_req r;

	snprintf(q, sizeof(q), "GET /f HTTP/1.1\r\n%s\r\n\r\n", hdr);
	UT_ASSERT(parse(q, &r) > 0);
	return http_range(&r, size, off, len);
}

static void test_http_range_parse_and_resolve(void)
{
	uint64_t off, len;

	UT_EQ(range_of("Host: x", 100, &off, &len), 200);
	UT_EQ(off, 0);
	UT_EQ(len, 100);
	UT_EQ(range_of("Range: bytes=0-0", 100, &off, &len), 206);
	UT_EQ(off, 0);
	UT_EQ(len, 1);
	UT_EQ(range_of("range: BYTES=10-19", 100, &off, &len), 206);
	UT_EQ(off, 10);
	UT_EQ(len, 10);
	UT_EQ(range_of("Range: bytes=90-", 100, &off, &len), 206);
	UT_EQ(len, 10);
	UT_EQ(range_of("Range: bytes=90-500", 100, &off, &len), 206); /* clipped to the end */
	UT_EQ(len, 10);
	UT_EQ(range_of("Range: bytes=-30", 100, &off, &len), 206);
	UT_EQ(off, 70);
	UT_EQ(len, 30);
	UT_EQ(range_of("Range: bytes=-300", 100, &off, &len), 206); /* all of it */
	UT_EQ(off, 0);
	UT_EQ(len, 100);
	UT_EQ(range_of("Range: bytes=100-", 100, &off, &len), 416);
	UT_EQ(range_of("Range: bytes=-0", 100, &off, &len), 416);
	UT_EQ(range_of("Range: bytes=0-", 0, &off, &len), 416);
	/* Not done or not readable: ignored, the whole file. */
	UT_EQ(range_of("Range: bytes=0-1,5-6", 100, &off, &len), 200);
	UT_EQ(range_of("Range: items=0-1", 100, &off, &len), 200);
	UT_EQ(range_of("Range: bytes=5-1", 100, &off, &len), 200);
	UT_EQ(range_of("Range: bytes=a-1", 100, &off, &len), 200);
	UT_EQ(range_of("Range: bytes=1", 100, &off, &len), 200);
	UT_EQ(range_of("Range: bytes=-", 100, &off, &len), 200);
	UT_EQ(range_of("Range: bytes=99999999999999999999-", 100, &off, &len), 200);
	UT_EQ(len, 100);
}

static void test_http_range_heads(void)
{
	char b[512];
	long n = http_head_range(b, sizeof(b), 206, "text/plain", 10, 20, 100, 1);

	STREQ(b, "HTTP/1.1 206 Partial Content\r\nServer: tessera-httpd\r\nContent-Type: "
		 "text/plain\r\nContent-Length: 20\r\nContent-Range: bytes 10-29/100\r\n"
		 "Connection: keep-alive\r\n\r\n");
	UT_EQ(n, (long)strlen(b));
	http_head_range(b, sizeof(b), 416, "text/plain", 0, 100, 100, 0);
	UT_ASSERT(strstr(b, "HTTP/1.1 416 Range Not Satisfiable\r\n") == b);
	UT_ASSERT(strstr(b, "\r\nContent-Length: 0\r\nContent-Range: bytes */100\r\n"));
}

static void test_http_mime_and_paths(void)
{
	char p[64];

	STREQ(http_mime("/a/b.TXT"), "text/plain");
	STREQ(http_mime("/x.png"), "image/png");
	STREQ(http_mime("/dir.d/file"), "application/octet-stream");
	STREQ(http_mime("/noext"), "application/octet-stream");
	UT_EQ(http_map_path(p, sizeof(p), "/www", "/"), 0);
	STREQ(p, "/www/index.html");
	UT_EQ(http_map_path(p, sizeof(p), "/www/", "/sub/"), 0);
	STREQ(p, "/www/sub/index.html");
	UT_EQ(http_map_path(p, sizeof(p), "/", "/a.txt"), 0);
	STREQ(p, "/a.txt");
	UT_EQ(http_map_path(p, 8, "/www", "/long.html"), -1);
}

static const struct utest tests[] = {
    UTEST(test_sha256_nist_vectors),
    UTEST(test_sha256_million_a),
    UTEST(test_sha256_padding_boundaries),
    UTEST(test_hexdump_matches_util_linux),
    UTEST(test_hexdump_empty_prints_nothing),
    UTEST(test_hexdump_emit_error_stops),
    UTEST(test_dd_sizes),
    UTEST(test_dd_operands),
    UTEST(test_dd_summary_matches_coreutils),
    UTEST(test_dd_seconds_like_printf_g),
    UTEST(test_dd_human_rounding),
    UTEST(test_lsfmt_mode_strings),
    UTEST(test_lsfmt_time_matches_gmtime),
    UTEST(test_lsfmt_lines),
    UTEST(test_opt_parsing),
    UTEST(test_http_parse_good),
    UTEST(test_http_parse_incomplete),
    UTEST(test_http_parse_malformed),
    UTEST(test_http_long_path_refused),
    UTEST(test_http_response_head),
    UTEST(test_http_mime_and_paths),
    UTEST(test_http_range_parse_and_resolve),
    UTEST(test_http_range_heads),
};

UTEST_MAIN("user_core", tests)
