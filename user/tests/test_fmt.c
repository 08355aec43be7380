/*
 * test_fmt.c - the runtime's pure parts: the printf formatter (checked
 * against the host C library), strerror texts, the line reader (long lines,
 * chunk boundaries, missing final newline) and the heap.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tio/fmt.h>
#include <tio/linebuf.h>
#include <tio/umem.h>
#include <tio/aio.h>
#include "utest.h"

/* Formats with both ours and the C library's and compares. */
#define SAME(...)                                                                                  \
	do {                                                                                       \
		char a_[128], b_[128];                                                             \
		int na_ = fmt_snprintf(a_, sizeof(a_), __VA_ARGS__);                               \
		int nb_ = snprintf(b_, sizeof(b_), __VA_ARGS__);                                   \
		if (na_ != nb_ || strcmp(a_, b_))                                                  \
			UT_FAIL("format %.60s: got \"%.120s\" (%d), want \"%.120s\" (%d)",         \
				#__VA_ARGS__, a_, na_, b_, nb_);                                   \
	} while (0)

static void test_fmt_integers(void)
{
	SAME("%d %d %d", 0, -1, 2147483647);
	SAME("%d", (int)-2147483647 - 1);
	SAME("%u %u", 0u, 4294967295u);
	SAME("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
	SAME("%llu %lld", 18446744073709551615ULL, -5LL);
	SAME("%x %X %lx %llx", 0xdeadbeefu, 0xabcu, 0x123456789abcUL, 0ULL);
	SAME("%zu %zd", (size_t)123456, (ssize_t)-7);
	/* Truncation to char/short is the point here. */
	/* cppcheck-suppress invalidPrintfArgType_uint */
	SAME("%hhu", 257);
	/* cppcheck-suppress invalidPrintfArgType_sint */
	SAME("%hd", 70000);
	SAME("%o %#o %#x %#X", 8, 8, 255, 255);
}

static void test_fmt_width_flags(void)
{
	SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
	SAME("[%05d] [%5d] [%+d] [% d]", -42, -42, 7, 7);
	SAME("[%08lx] [%2x] [%.3d] [%8.3d]", 0xbeefUL, 0x12345, 5, -5);
	SAME("[%*d] [%-*d] [%.*d]", 6, 1, 6, 2, 4, 3);
	SAME("[%.0d] [%.0u]", 0, 0u);
	SAME("[%#08x]", 0x1f);
}

static void test_fmt_strings(void)
{
	SAME("[%s] [%10s] [%-10s] [%.3s] [%10.2s] [%-4.1s]", "abc", "abc", "abc", "abcdef", "xyz",
	     "qq");
	SAME("[%.*s] [%c] [%3c] [%-3c] [%%]", 2, "hello", 'x', 'y', 'z');
	SAME("%p", (void *)0x1234);
	SAME("100%% %s", "");
}

static void test_fmt_truncation(void)
{
	char buf[8];

	UT_EQ(fmt_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	UT_ASSERT(!strcmp(buf, "0123456"));
	UT_EQ(fmt_snprintf(buf, 1, "abc"), 3);
	UT_EQ(buf[0], 0);
	UT_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_strerror_matches_libc(void)
{
	static const int errs[] = {
	    EPERM,     ENOENT,	  EIO,		EBADF,	    EAGAIN,    ENOMEM,	     EFAULT, EBUSY,
	    EEXIST,    ENODEV,	  ENOTDIR,	EISDIR,	    EINVAL,    ENOSPC,	     EROFS,  ENOSYS,
	    ENOTEMPTY, ETIMEDOUT, ECONNREFUSED, ECONNRESET, ECANCELED, EHOSTUNREACH, E2BIG};

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		if (strcmp(ulib_strerror(errs[i]), strerror(errs[i])))
			UT_FAIL("errno %d: \"%s\" vs libc \"%s\"", errs[i], ulib_strerror(errs[i]),
				strerror(errs[i]));
		UT_ASSERT(!strcmp(ulib_strerror(-errs[i]), strerror(errs[i])));
	}
	UT_ASSERT(!strcmp(ulib_strerror(4000), "Unknown error 4000"));
}

/* A byte source handing out a fixed text in chunks of a given size. */
static const char *src_text;
static size_t src_pos, src_chunk;

static long src_read(int fd, void *buf, size_t len)
{
	size_t left = strlen(src_text) - src_pos;
	size_t n = left < len ? left : len;

	(void)fd;
	if (n > src_chunk)
		n = src_chunk;
	memcpy(buf, src_text + src_pos, n);
	src_pos += n;
	return (long)n;
}

static void src_set(const char *text, size_t chunk)
{
	src_text = text;
	src_pos = 0;
	src_chunk = chunk;
}

static void test_linebuf_lines_and_tail(void)
{
	struct linebuf lb;
	char line[16];

	for (size_t chunk = 1; chunk < 12; chunk++) {
		src_set("ab\n\ncd ef\nlast", chunk);
		linebuf_init(&lb, 0, src_read);
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 2);
		UT_ASSERT(!strcmp(line, "ab"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 0);
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 5);
		UT_ASSERT(!strcmp(line, "cd ef"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 4);
		UT_ASSERT(!strcmp(line, "last"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), LINEBUF_EOF);
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), LINEBUF_EOF);
	}
}

/* Regression: a line longer than the buffer must be dropped whole, never split. */
static void test_linebuf_too_long_is_dropped_whole(void)
{
	static char text[20000];
	struct linebuf lb;
	char line[8];

	memset(text, 'x', 10000);
	strcpy(text + 10000, "\nok\n1234567\n12345678\nend");
	src_set(text, 700);
	linebuf_init(&lb, 0, src_read);
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), -E2BIG);
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), 2);
	UT_ASSERT(!strcmp(line, "ok"));
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), 7); /* exactly fits */
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), -E2BIG);
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), 3);
	UT_EQ(linebuf_get(&lb, line, sizeof(line)), LINEBUF_EOF);
}

/* Regression: CR (serial Enter) and CR LF end lines, also when split across reads. */
static void test_linebuf_cr_and_crlf(void)
{
	struct linebuf lb;
	char line[16];

	for (size_t chunk = 1; chunk < 8; chunk++) {
		src_set("a\rbb\r\ncc\n\r\ndd", chunk);
		linebuf_init(&lb, 0, src_read);
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 1);
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 2);
		UT_ASSERT(!strcmp(line, "bb"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 2);
		UT_ASSERT(!strcmp(line, "cc"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)),
		      0); /* "\r\n" after "cc\n": an empty line */
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), 2);
		UT_ASSERT(!strcmp(line, "dd"));
		UT_EQ(linebuf_get(&lb, line, sizeof(line)), LINEBUF_EOF);
	}
}

static _Alignas(4096) char arena[1 << 20];
static size_t arena_used;

static void *arena_grow(size_t len)
{
	if (arena_used + len > sizeof(arena))
		return NULL;
	arena_used += len;
	return arena + arena_used - len;
}

static void test_umem_alloc_free_coalesce(void)
{
	struct umem h;
	void *p[64];

	arena_used = 0;
	umem_init(&h, arena_grow);
	for (int i = 0; i < 64; i++) {
		p[i] = umem_alloc(&h, (size_t)(i * 37 + 1));
		UT_ASSERT(p[i]);
		UT_EQ((uintptr_t)p[i] % UMEM_ALIGN, 0);
		memset(p[i], i, (size_t)(i * 37 + 1));
	}
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < i * 37 + 1; j++)
			UT_EQ(((unsigned char *)p[i])[j], i);
	for (int i = 0; i < 64; i += 2)
		UT_EQ(umem_free(&h, p[i]), 0);
	for (int i = 1; i < 64; i += 2)
		UT_EQ(umem_free(&h, p[i]), 0);
	UT_EQ(h.in_use, 0);
	/* Everything merged back: one block as big as all we got. */
	UT_ASSERT(umem_alloc(&h, h.total - 64) != NULL);
}

static void test_umem_bad_free_and_exhaustion(void)
{
	struct umem h;
	char *p;

	arena_used = 0;
	umem_init(&h, arena_grow);
	p = umem_alloc(&h, 100);
	UT_EQ(umem_free(&h, p), 0);
	UT_EQ(umem_free(&h, p), -EINVAL); /* double free */
	UT_EQ(umem_free(&h, p + 1), -EINVAL);
	UT_ASSERT(umem_alloc(&h, sizeof(arena) * 2) == NULL);
	UT_ASSERT(umem_alloc(&h, SIZE_MAX - 8) == NULL);
	p = umem_alloc(&h, 10);
	p = umem_realloc(&h, p, 5000);
	UT_ASSERT(p && umem_size(p) >= 5000);
}

static void test_aio_prep_zeroes_unused_fields(void)
{
	struct tio_sqe sqe;
	char buf[4];

	memset(&sqe, 0xff, sizeof(sqe));
	aio_prep_rw(&sqe, TIO_OP_SEND, 5, buf, 4, 99);
	UT_EQ(sqe.opcode, TIO_OP_SEND);
	UT_EQ(sqe.offset, 0); /* SEND has no offset */
	UT_EQ(sqe.flags | sqe.buf_index | sqe.timeout_ns | sqe.aux, 0);
	memset(&sqe, 0xff, sizeof(sqe));
	aio_prep_rw_fixed(&sqe, TIO_OP_READ, 3, 2, 4096, 100, 8192);
	UT_EQ(sqe.flags, TIO_SQE_REGBUF);
	UT_EQ(sqe.buf_index, 2);
	UT_EQ(sqe.addr, 4096);
	UT_EQ(sqe.offset, 8192);
	aio_prep_recv_pbq(&sqe, 4, 9, 1);
	UT_EQ(sqe.flags, TIO_SQE_PBQ | TIO_SQE_MULTISHOT);
	UT_EQ(sqe.buf_index, 9);
	UT_EQ(sqe.addr | sqe.len, 0);
	aio_prep_accept(&sqe, 7, NULL, 1);
	UT_EQ(sqe.flags, TIO_SQE_MULTISHOT);
	UT_EQ(sqe.aux, 0);
}

static const struct utest tests[] = {
    UTEST(test_fmt_integers),
    UTEST(test_fmt_width_flags),
    UTEST(test_fmt_strings),
    UTEST(test_fmt_truncation),
    UTEST(test_strerror_matches_libc),
    UTEST(test_linebuf_lines_and_tail),
    UTEST(test_linebuf_too_long_is_dropped_whole),
    UTEST(test_linebuf_cr_and_crlf),
    UTEST(test_umem_alloc_free_coalesce),
    UTEST(test_umem_bad_free_and_exhaustion),
    UTEST(test_aio_prep_zeroes_unused_fields),
};

UTEST_MAIN("user_fmt", tests)
