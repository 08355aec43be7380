/*
 * fat_dirent - libFuzzer target over FAT directory decoding
 * (fs/fat/fat_dirent.c), the code every lookup and readdir of a FAT volume
 * runs on directory sectors read from the disk.
 *
 * Input: directory sectors, 512 bytes each (the last zero-padded), walked
 * in order as fat_dir.c walks a directory, the long-name state carried from
 * sector to sector; the first input byte also picks the entry number the
 * walk starts reporting at (0..3, as a readdir resumed at an offset).
 * Every entry reported is checked: numbered in order from the start, its
 * name non-empty, terminated inside its buffer, valid UTF-8 with no '/' and
 * no NUL inside, the 8.3 name at most 12 characters, its short entry copied
 * from the slot it names, its long-name parts at most 20 slots before it and
 * never before the previous entry. ASan checks every access. Any violation
 * aborts (a finding).
 */
#include "../../../fs/fat/fat_dirent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct walk {
	const uint8_t *img; /* the sectors, sector 0 at lba 0 */
	uint64_t start;	    /* first entry number reported */
	uint64_t next;	    /* the number the next reported entry must have */
	uint64_t prev_where;
};

static void fail(const char *what, const struct fat_entry *e)
{
	fprintf(stderr, "fat_dirent fuzz: %s (entry at %llu, name \"%.*s\")\n", what,
		(unsigned long long)e->where, 64, e->name);
	abort();
}

/* Is @s (length @n) well-formed UTF-8: no overlong form, no surrogate, <= U+10FFFF? */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len = c < 0x80	      ? 1
					 : (c & 0xe0) == 0xc0 ? 2
					 : (c & 0xf0) == 0xe0 ? 3
					 : (c & 0xf8) == 0xf0 ? 4
							      : 0;
		uint32_t cp;

		if (!len || i + len > n)
			return 0;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return 0;
		i += len;
	}
	return 1;
}

static int check(const struct fat_entry *e, uint64_t index, void *arg)
{
	struct walk *w = arg;
	size_t n = strnlen(e->name, sizeof(e->name));

	if (index != w->next++ || index < w->start)
		fail("entries not numbered in order from the start", e);
	if (!n || n == sizeof(e->name))
		fail("name empty or not terminated", e);
	if (memchr(e->name, '/', n) || !utf8_ok((const unsigned char *)e->name, n))
		fail("name with a '/' or not UTF-8", e);
	if (strnlen(e->short_name, sizeof(e->short_name)) > 12)
		fail("8.3 name longer than 12", e);
	if (memcmp(e->raw, w->img + (e->where / 16) * 512 + (e->where % 16) * FAT_DIRENT,
		   FAT_DIRENT))
		fail("short entry is not the slot it names", e);
	if (e->first_where > e->where || e->where - e->first_where > 20 ||
	    (w->prev_where != UINT64_MAX && e->first_where <= w->prev_where))
		fail("long-name parts outside the slots before the entry", e);
	w->prev_where = e->where;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nsec = (size + 511) / 512;
	uint8_t *img;
	struct fat_lfn l;
	struct fat_entry ent;
	struct walk w = {.start = size ? data[0] & 3 : 0, .prev_where = UINT64_MAX};
	uint64_t index = 0;

	if (!size || nsec > 64)
		return 0;
	img = calloc(nsec, 512);
	memcpy(img, data, size);
	w.img = img;
	w.next = w.start;
	memset(&l, 0, sizeof(l));
	for (size_t s = 0; s < nsec; s++)
		if (fat_dirent_sector(img + s * 512, s, &l, &index, w.start, check, &w, &ent))
			break;
	free(img);
	return 0;
}
