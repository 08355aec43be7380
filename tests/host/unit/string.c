/*
 * string: lib/string.c's memcpy, memmove and memset, the kernel's and the user
 * runtime's, on the host. mk/host.mk builds lib/string.c for this suite with
 * every function renamed lib_<name> (so it does not replace the C library's)
 * and the kernel's -fno-tree-loop-distribute-patterns (so gcc does not turn
 * its loops into calls to the C library's memcpy).
 *
 * Every size 0..300 and 4096 +- 0..16 (the block loop, the word tail and the
 * byte tail, alone and together), every source and destination alignment
 * 0..15, random bytes, guard bytes on both sides. memmove over overlapping
 * ranges in both directions; memcpy itself with dst below src, the forward
 * copy memmove hands it.
 */
#include <stdint.h>
#include "utest.h"

void *lib_memcpy(void *dst, const void *src, size_t n);
void *lib_memmove(void *dst, const void *src, size_t n);
void *lib_memset(void *dst, int c, size_t n);

#define ALIGNS	16   /* alignments 0..15 of each pointer */
#define GUARD	64   /* untouched bytes checked before and after */
#define PAGE	4096 /* the page-sized copies: PAGE - PAGE_K .. PAGE + PAGE_K */
#define PAGE_K	16
#define MAXN	(PAGE + PAGE_K)
#define SMALL_N 300				      /* every size 0..SMALL_N */
#define BUF	(GUARD + ALIGNS + MAXN + GUARD + 512) /* room for the overlap shifts too */

static unsigned char src_buf[BUF] __attribute__((aligned(64)));
static unsigned char dst_buf[BUF] __attribute__((aligned(64)));
static unsigned char want[BUF] __attribute__((aligned(64)));
static unsigned char orig_src[BUF], orig_dst[BUF]; /* random, set once per test */

static uint32_t rnd_state = 1;

static unsigned char rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (unsigned char)(rnd_state >> 16);
}

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

/* Fresh random contents for a test; each case starts from them (a copy is cheaper than rnd). */
static void fill_orig(void)
{
	fill(orig_src, BUF);
	fill(orig_dst, BUF);
}

/* The sizes each test walks: 0..SMALL_N, then PAGE +- 0..PAGE_K. */
static size_t size_at(size_t i)
{
	return i <= SMALL_N ? i : PAGE - PAGE_K + (i - SMALL_N - 1);
}

#define NSIZES (SMALL_N + 1 + 2 * PAGE_K + 1)

/* Fails with the first differing offset of dst_buf against want; @what @x: the other parameter. */
static void check_buf(const char *fn, size_t n, unsigned da, const char *what, unsigned x)
{
	if (!memcmp(dst_buf, want, BUF))
		return;
	for (size_t i = 0; i < BUF; i++)
		if (dst_buf[i] != want[i])
			UT_FAIL("%s n=%zu dst align %u %s %u: byte %zd from dst is %#x, want %#x",
				fn, n, da, what, x, (ssize_t)i - (ssize_t)(GUARD + da), dst_buf[i],
				want[i]);
}

static void test_memcpy_sizes_and_alignments(void)
{
	fill_orig();
	for (size_t si = 0; si < NSIZES; si++) {
		size_t n = size_at(si);

		for (unsigned da = 0; da < ALIGNS; da++)
			for (unsigned sa = 0; sa < ALIGNS; sa++) {
				unsigned char *d = dst_buf + GUARD + da;

				memcpy(src_buf, orig_src, BUF);
				memcpy(dst_buf, orig_dst, BUF);
				memcpy(want, orig_dst, BUF);
				memcpy(want + GUARD + da, src_buf + GUARD + sa, n);
				UT_ASSERT(lib_memcpy(d, src_buf + GUARD + sa, n) == d);
				check_buf("memcpy", n, da, "src align", sa);
			}
	}
}

static void test_memset_sizes_and_alignments(void)
{
	fill_orig();
	static const int values[] = {0, 0xff, 0x80, 0x5a, 0x1a5 /* only the low byte counts */};

	for (size_t si = 0; si < NSIZES; si++) {
		size_t n = size_at(si);

		for (unsigned da = 0; da < ALIGNS; da++)
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				unsigned char *d = dst_buf + GUARD + da;

				memcpy(dst_buf, orig_dst, BUF);
				memcpy(want, orig_dst, BUF);
				memset(want + GUARD + da, values[v] & 0xff, n);
				UT_ASSERT(lib_memset(d, values[v], n) == d);
				check_buf("memset", n, da, "value", (unsigned)values[v]);
			}
	}
}

/*
 * @fn moves n bytes within dst_buf from offset s to offset d (overlapping);
 * want gets the same by way of a separate copy.
 */
static void overlap_case(void *(*fn)(void *, const void *, size_t), const char *name, size_t n,
			 size_t d, size_t s)
{
	unsigned char tmp[MAXN];

	memcpy(dst_buf, orig_dst, BUF);
	memcpy(want, orig_dst, BUF);
	memcpy(tmp, want + s, n);
	memcpy(want + d, tmp, n);
	UT_ASSERT(fn(dst_buf + d, dst_buf + s, n) == dst_buf + d);
	if (!memcmp(dst_buf, want, BUF))
		return;
	for (size_t i = 0; i < BUF; i++)
		if (dst_buf[i] != want[i])
			UT_FAIL("%s n=%zu dst %zu src %zu: byte %zd from dst is %#x, want %#x",
				name, n, d, s, (ssize_t)i - (ssize_t)d, dst_buf[i], want[i]);
}

/* Distances between dst and src: every one below 80, then around the block sizes. */
static const size_t shifts[] = {1,  2,	 3,   4,   5,	6,   7,	  8,   9,  15, 16,
				17, 24,	 31,  32,  33,	48,  56,  63,  64, 65, 72,
				79, 127, 128, 129, 255, 256, 257, 511, 512};
#define NSHIFTS (sizeof(shifts) / sizeof(shifts[0]))

/* Every size, shift and alignment of an overlapping move by @fn, the destination
 * below the source (@dst_below) or above it. */
static void overlap_sweep(void *(*fn)(void *, const void *, size_t), const char *name,
			  int dst_below)
{
	fill_orig();
	for (size_t si = 0; si < NSIZES; si++)
		for (size_t k = 0; k < NSHIFTS; k++)
			for (unsigned a = 0; a < ALIGNS; a++) {
				size_t n = size_at(si), lo = GUARD + a, hi = lo + shifts[k];

				if (shifts[k] < n)
					overlap_case(fn, name, n, dst_below ? lo : hi,
						     dst_below ? hi : lo);
			}
}

/* The source lies above the destination: memmove copies forwards (through memcpy). */
static void test_memmove_overlap_dst_below_src(void)
{
	overlap_sweep(lib_memmove, "memmove", 1);
}

/* The source lies below the destination: memmove must copy backwards. */
static void test_memmove_overlap_dst_above_src(void)
{
	overlap_sweep(lib_memmove, "memmove", 0);
}

/* What memmove relies on: memcpy with dst below src is a forward copy, right on overlap. */
static void test_memcpy_forward_overlap(void)
{
	overlap_sweep(lib_memcpy, "memcpy", 1);
}

/* memmove of ranges that do not overlap, and onto itself. */
static void test_memmove_disjoint_and_same(void)
{
	fill_orig();
	for (size_t si = 0; si < NSIZES; si++)
		for (unsigned a = 0; a < ALIGNS; a++) {
			size_t n = size_at(si);

			overlap_case(lib_memmove, "memmove", n, GUARD + a, GUARD + a);
			if (GUARD + a + 2 * n + 3 <= BUF) {
				overlap_case(lib_memmove, "memmove", n, GUARD + a + n + 3,
					     GUARD + a);
				overlap_case(lib_memmove, "memmove", n, GUARD + a,
					     GUARD + a + n + 3);
			}
		}
}

static const struct utest tests[] = {
    UTEST(test_memcpy_sizes_and_alignments),   UTEST(test_memset_sizes_and_alignments),
    UTEST(test_memmove_overlap_dst_below_src), UTEST(test_memmove_overlap_dst_above_src),
    UTEST(test_memcpy_forward_overlap),	       UTEST(test_memmove_disjoint_and_same),
};

UTEST_MAIN("string", tests)
