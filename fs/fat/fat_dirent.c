/*
 * fat_dirent.c - one FAT directory sector decoded (contract: fat_dirent.h):
 * VFAT long names (UTF-16 parts checked by their order numbers and the short
 * entry's checksum, shown as UTF-8) and 8.3 names with the NT lowercase
 * flags. A long name whose parts do not fit together is ignored and the 8.3
 * name is shown, as Windows and Linux do. Pure: fat_dir.c and the host's fuzz
 * target share it.
 */
#include <kernel/string.h>
#include "fat_dirent.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint8_t short_csum(const uint8_t *name11)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
	return sum;
}

/* Appends code point @cp as UTF-8 to @out (length *len, capacity @cap). */
static void utf8_put(char *out, size_t cap, size_t *len, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*len + n < cap) {
		memcpy(out + *len, b, n);
		*len += n;
	}
}

/* The gathered long name as UTF-8 in @out; false if it is unusable. */
static bool lfn_to_utf8(const struct fat_lfn *l, char *out, size_t cap)
{
	size_t len = 0, n = l->parts * 13;

	for (size_t i = 0; i < n && l->units[i]; i++) {
		uint32_t u = l->units[i];

		if (u >= 0xd800 && u < 0xdc00 && i + 1 < n && l->units[i + 1] >= 0xdc00 &&
		    l->units[i + 1] < 0xe000) {
			u = 0x10000 + ((u - 0xd800) << 10) + (l->units[i + 1] - 0xdc00);
			i++;
		} else if (u >= 0xd800 && u < 0xe000) {
			u = '?'; /* an unpaired surrogate */
		}
		if (u == '/')
			return false;
		utf8_put(out, cap, &len, u);
	}
	out[len] = '\0';
	return len > 0;
}

/* A long-name part: keeps it if it continues the name being gathered. */
static void lfn_part(struct fat_lfn *l, const uint8_t *e, uint64_t where)
{
	static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
	unsigned ord = e[0] & 0x1f;

	if (e[0] & 0x40) {
		l->first_where = where;
		l->parts = ord;
		l->next_ord = ord;
		l->csum = e[13];
	}
	if (!ord || ord != l->next_ord || e[13] != l->csum || ord * 13 > FAT_LFN_MAX + 13) {
		l->next_ord = 0;
		return;
	}
	for (unsigned i = 0; i < 13; i++)
		l->units[(ord - 1) * 13 + i] = le16(e + at[i]);
	l->next_ord = ord - 1; /* 0 after part 1: complete, waiting for the short entry */
	if (ord == 1)
		l->next_ord = 0x100; /* complete */
}

/* The 8.3 name of short entry @e with the NT case flags, e.g. "readme.TXT". */
static void short_name(const uint8_t *e, char out[13])
{
	size_t len = 0;
	int base = 8, ext = 3;

	while (base > 0 && e[base - 1] == ' ')
		base--;
	while (ext > 0 && e[8 + ext - 1] == ' ')
		ext--;
	for (int i = 0; i < base + (ext ? ext + 1 : 0); i++) {
		bool in_ext = i > base;
		uint8_t c = i < base ? e[i] : i == base ? '.' : e[8 + i - base - 1];

		if (i == 0 && c == 0x05)
			c = 0xe5;
		if (c >= 0x80 || c < 0x20 || c == '/')
			c = '_'; /* an OEM code page letter: no table for it here */
		if (c >= 'A' && c <= 'Z' &&
		    (e[12] & (in_ext ? FAT_NT_LOWER_EXT : FAT_NT_LOWER_BASE)) && i != base)
			c = (uint8_t)(c - 'A' + 'a');
		out[len++] = (char)c;
	}
	out[len] = '\0';
}

/* Fills @out for short entry @e at @where, using the long name if it belongs to it. */
static void entry_make(struct fat_lfn *l, const uint8_t *e, uint64_t where, struct fat_entry *out)
{
	memcpy(out->raw, e, FAT_DIRENT);
	out->where = where;
	short_name(e, out->short_name);
	out->first_where = where;
	if (l->next_ord != 0x100 || l->csum != short_csum(e) ||
	    !lfn_to_utf8(l, out->name, sizeof(out->name)))
		memcpy(out->name, out->short_name, sizeof(out->short_name)); /* 13 <= name */
	else
		out->first_where = l->first_where;
	l->next_ord = 0;
}

/* Is @e an entry the walk reports? (not free, not a label, not "." or "..",
 * not a name starting with a blank: the specification forbids it, and an
 * all-blank one would show as an empty name) */
static bool entry_shown(const uint8_t *e)
{
	if (e[0] == 0xe5 || e[0] == ' ' || (e[11] & FAT_ATTR_VOLUME))
		return false;
	return !(e[0] == '.' && (e[1] == ' ' || (e[1] == '.' && e[2] == ' ')));
}

int fat_dirent_sector(const uint8_t *sec, uint64_t lba, struct fat_lfn *l, uint64_t *index,
		      uint64_t start, int (*fn)(const struct fat_entry *, uint64_t, void *),
		      void *arg, struct fat_entry *ent)
{
	for (unsigned i = 0; i < FAT_DIRENT_PER_SECTOR; i++) {
		const uint8_t *e = sec + i * FAT_DIRENT;
		int r;

		if (e[0] == 0)
			return 1;
		if (e[0] != 0xe5 && (e[11] & 0x3f) == FAT_ATTR_LFN) {
			lfn_part(l, e, lba * 16 + i);
			continue;
		}
		if (!entry_shown(e)) {
			l->next_ord = 0;
			continue;
		}
		if ((*index)++ < start) {
			l->next_ord = 0;
			continue;
		}
		entry_make(l, e, lba * 16 + i, ent);
		r = fn(ent, *index - 1, arg);
		if (r)
			return r;
	}
	return 0;
}
