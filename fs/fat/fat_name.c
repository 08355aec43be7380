/*
 * fat_name.c - adding and erasing directory entries: a name's 8.3 form
 * (exact, with the NT case flags, or a basis name with a unique ~N tail)
 * and its VFAT long-name parts, free slot runs (growing the directory by a
 * cluster when none is long enough), and entry templates (contract: fat_int.h).
 * Every function here runs under the volume lock ([V]).
 */
#include <fs/bcache.h>
#include <kernel/string.h>
#include <uapi/errno.h>
#include "fat_int.h"

/* ---- Names ---- */

/* UTF-8 @name into UTF-16 @out: the unit count, or -EINVAL (bad UTF-8, too long). */
static int utf8_to_utf16(const char *name, uint16_t *out, unsigned cap)
{
	const uint8_t *p = (const uint8_t *)name;
	unsigned n = 0;

	while (*p) {
		uint32_t cp;
		unsigned more = *p < 0x80    ? 0
				: *p >= 0xf0 ? 3
				: *p >= 0xe0 ? 2
				: *p >= 0xc0 ? 1
					     : 9;

		if (more == 9)
			return -EINVAL;
		cp = more ? *p & (0x3f >> more) : *p;
		for (p++; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -EINVAL;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp >= 0x10000) {
			if (n + 2 > cap)
				return -EINVAL;
			out[n++] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			out[n++] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			if (n + 1 > cap)
				return -EINVAL;
			out[n++] = (uint16_t)cp;
		}
	}
	return (int)n;
}

static bool short_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("$%'-_@~`!(){}^#&", c) != NULL);
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

/* Does @name fit 8.3 exactly, each part in one case? Fills short11 and nt. */
static bool fits_83(const char *name, struct fat_newname *nm)
{
	const char *dot = strchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name), ext = dot ? strlen(dot + 1) : 0;
	int lower[2] = {0, 0}, upper_[2] = {0, 0};

	if (!base || base > 8 || ext > 3 || (dot && (!ext || strchr(dot + 1, '.'))))
		return false;
	memset(nm->short11, ' ', 11);
	for (size_t i = 0; i < base + (dot ? ext + 1 : 0); i++) {
		char c = name[i];
		int part = i > base;

		if (i == base)
			continue;
		if (!short_char_ok(upper(c)))
			return false;
		lower[part] += c >= 'a' && c <= 'z';
		upper_[part] += c >= 'A' && c <= 'Z';
		nm->short11[part ? 8 + i - base - 1 : i] = (uint8_t)upper(c);
	}
	if ((lower[0] && upper_[0]) || (lower[1] && upper_[1]))
		return false;
	nm->nt = (uint8_t)((lower[0] ? FAT_NT_LOWER_BASE : 0) | (lower[1] ? FAT_NT_LOWER_EXT : 0));
	return nm->short11[0] != 0xe5;
}

struct short_arg {
	const uint8_t *short11;
};

static int short_taken_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	const struct short_arg *a = arg;

	(void)lba, (void)slot;
	return e[0] && e[0] != 0xe5 && (e[11] & 0x3f) != FAT_ATTR_LFN && !memcmp(e, a->short11, 11);
}

/* [V] The basis name of a long name with a ~N tail not used in @dir. */
static int short_generate(struct fat_node *dir, const char *name, struct fat_newname *nm)
{
	const char *dot = strrchr(name, '.');
	char base[9] = "", ext[4] = "";
	size_t nb = 0, ne = 0;
	struct short_arg a = {nm->short11};

	for (const char *p = name; *p && (!dot || p < dot || dot == name); p++)
		if (*p != ' ' && *p != '.' && nb < 8)
			base[nb++] = short_char_ok(upper(*p)) ? upper(*p) : '_';
	for (const char *p = dot && dot != name ? dot + 1 : ""; *p && ne < 3; p++)
		if (*p != ' ')
			ext[ne++] = short_char_ok(upper(*p)) ? upper(*p) : '_';
	if (!nb)
		base[nb++] = '_';
	for (unsigned tail = 1; tail < 100; tail++) {
		unsigned digits = tail < 10 ? 1 : 2, keep = nb < 7 - digits ? nb : 7 - digits;
		int r;

		memset(nm->short11, ' ', 11);
		memcpy(nm->short11, base, keep);
		nm->short11[keep] = '~';
		if (digits == 2)
			nm->short11[keep + 1] = (uint8_t)('0' + tail / 10);
		nm->short11[keep + digits] = (uint8_t)('0' + tail % 10);
		memcpy(nm->short11 + 8, ext, ne);
		r = fat_dir_slots(dir, short_taken_fn, &a);
		if (r <= 0)
			return r;
	}
	return -EEXIST; /* 99 names with the same basis */
}

/* [V] The 8.3 and long forms of @name for @dir. */
static int name_prepare(struct fat_node *dir, const char *name, struct fat_newname *nm)
{
	size_t len = strlen(name);
	int n;

	if (!len || !strcmp(name, ".") || !strcmp(name, "..") || name[len - 1] == ' ' ||
	    name[len - 1] == '.')
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || strchr("\"*/:<>?\\|", *p))
			return -EINVAL;
	n = utf8_to_utf16(name, nm->lfn, FAT_LFN_MAX);
	if (n < 0)
		return n == -EINVAL && len > FAT_LFN_MAX ? -ENAMETOOLONG : n;
	nm->lfn_len = (unsigned)n;
	nm->nt = 0;
	if (fits_83(name, nm)) {
		struct short_arg a = {nm->short11};

		nm->lfn_len = 0;
		/* an 8.3 name may equal the generated alias of a long one */
		return fat_dir_slots(dir, short_taken_fn, &a) == 1 ? -EEXIST : 0;
	}
	return short_generate(dir, name, nm);
}

/* ---- Slots ---- */

/*
 * A run of free slots: deleted ones, or any from the first end-of-directory
 * mark on (the walks stop there, so what follows it is free whatever it
 * holds). A run that reaches past the mark needs a new mark after it, or
 * stale slots behind it would turn into entries: @mark says where.
 */
struct free_arg {
	uint64_t *slots;
	unsigned need, run;
	bool end;      /* an end mark was passed: every slot from here on is free */
	bool done;     /* the run is complete; the next slot is looked at for @mark */
	uint64_t mark; /* the slot after the run if it must become the end mark, else 0 */
};

static int free_run_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	struct free_arg *a = arg;

	if (a->done) {
		a->mark = e[0] ? lba * 16 + slot : 0;
		return 1;
	}
	if (!a->end && e[0] != 0 && e[0] != 0xe5) {
		a->run = 0;
		return 0;
	}
	a->end |= e[0] == 0;
	a->slots[a->run++] = lba * 16 + slot;
	if (a->run < a->need)
		return 0;
	a->done = a->end;
	return !a->end;
}

/* [V] Appends a zeroed cluster to directory @dir. */
static int dir_grow(struct fat_node *dir)
{
	struct fat_vol *v = dir->vol;
	uint32_t c = dir->first, next, add;
	int err;

	if (dir->fixed_root)
		return -ENOSPC; /* the FAT12/16 root has a fixed size */
	for (uint32_t n = 0; n <= v->clusters; n++) {
		err = fat_next_sync(v, c, &next);
		if (err)
			return err;
		if (fat_is_eoc(v, next))
			break;
		if (!fat_cluster_ok(v, next))
			return -EIO;
		c = next;
	}
	err = fat_cluster_alloc(v, &add);
	return err ? err : fat_set(v, c, add);
}

/* [V] Finds nm->slots for @need entries in @dir, growing it if needed; *mark as free_arg's. */
static int slots_find(struct fat_node *dir, struct fat_newname *nm, unsigned need, uint64_t *mark)
{
	struct free_arg a = {.slots = nm->slots, .need = need};
	int r = fat_dir_slots(dir, free_run_fn, &a);

	if (r < 0)
		return r;
	if (!r && !a.done) {
		r = dir_grow(dir);
		if (r)
			return r;
		a = (struct free_arg){.slots = nm->slots, .need = need};
		r = fat_dir_slots(dir, free_run_fn, &a);
		if (r < 0)
			return r;
		if (!r && !a.done)
			return -ENOSPC;
	}
	*mark = a.mark;
	return 0;
}

int fat_slot_write(struct fat_vol *v, uint64_t where, const uint8_t *e)
{
	return bcache_write(v->dev, where / 16, (unsigned)(where % 16) * FAT_DIRENT, e, FAT_DIRENT);
}

/* The long-name part @ord (1-based) of @nm for short entry checksum @csum. */
static void lfn_entry(const struct fat_newname *nm, unsigned ord, bool last, uint8_t csum,
		      uint8_t *e)
{
	static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

	memset(e, 0, FAT_DIRENT);
	e[0] = (uint8_t)(ord | (last ? 0x40 : 0));
	e[11] = FAT_ATTR_LFN;
	e[13] = csum;
	for (unsigned i = 0; i < 13; i++) {
		unsigned k = (ord - 1) * 13 + i;
		uint16_t u = k < nm->lfn_len ? nm->lfn[k] : k == nm->lfn_len ? 0 : 0xffff;

		e[at[i]] = (uint8_t)u;
		e[at[i] + 1] = (uint8_t)(u >> 8);
	}
}

static uint8_t csum11(const uint8_t *n)
{
	uint8_t sum = 0;

	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + n[i]);
	return sum;
}

/*
 * [V] Adds @name to @dir as short entry @tmpl (attributes, cluster, size;
 * its name bytes are replaced), long-name parts first. Where the short
 * entry went in *where.
 */
int fat_entry_add(struct fat_node *dir, const char *name, uint8_t *tmpl, uint64_t *where)
{
	struct fat_newname *nm = &dir->vol->name;
	unsigned parts, i;
	uint8_t e[FAT_DIRENT], zero = 0;
	uint64_t mark;
	int err = name_prepare(dir, name, nm);

	if (err)
		return err;
	parts = (nm->lfn_len + 12) / 13;
	err = slots_find(dir, nm, parts + 1, &mark);
	if (err)
		return err;
	memcpy(tmpl, nm->short11, 11);
	tmpl[12] = nm->nt;
	for (i = 0; i < parts && !err; i++) {
		lfn_entry(nm, parts - i, i == 0, csum11(nm->short11), e);
		err = fat_slot_write(dir->vol, nm->slots[i], e);
	}
	if (!err)
		err = fat_slot_write(dir->vol, nm->slots[parts], tmpl);
	if (!err && mark) /* the entry went past the end mark: it follows the entry */
		err = bcache_write(dir->vol->dev, mark / 16, (unsigned)(mark % 16) * FAT_DIRENT,
				   &zero, 1);
	*where = nm->slots[parts];
	return err;
}

struct erase_arg {
	struct fat_vol *v;
	uint64_t from, to;
	bool on;
	int err;
};

static int erase_fn(uint64_t lba, unsigned slot, const uint8_t *e, void *arg)
{
	struct erase_arg *a = arg;
	uint64_t w = lba * 16 + slot;
	uint8_t mark = 0xe5;

	(void)e;
	if (w == a->from)
		a->on = true;
	if (a->on && !a->err)
		a->err = bcache_write(a->v->dev, lba, slot * FAT_DIRENT, &mark, 1);
	return a->on && w == a->to;
}

/* [V] Marks the slots of entry @e (long-name parts and short entry) free. */
int fat_entry_erase(struct fat_node *dir, const struct fat_entry *e)
{
	struct erase_arg a = {.v = dir->vol, .from = e->first_where, .to = e->where};
	int r = fat_dir_slots(dir, erase_fn, &a);

	return r < 0 ? r : a.err ? a.err : r == 1 ? 0 : -EIO;
}

/* A short entry template: @attr, first cluster @c, size 0, the wall clock as its times. */
void fat_tmpl_init(uint8_t *t, uint8_t attr, uint32_t c)
{
	uint16_t date, time;

	fat_stamp_now(&date, &time);
	memset(t, 0, FAT_DIRENT);
	t[11] = attr;
	t[14] = t[22] = (uint8_t)time, t[15] = t[23] = (uint8_t)(time >> 8); /* created, written */
	t[16] = t[18] = t[24] = (uint8_t)date; /* created, accessed, written */
	t[17] = t[19] = t[25] = (uint8_t)(date >> 8);
	t[20] = (uint8_t)(c >> 16), t[21] = (uint8_t)(c >> 24);
	t[26] = (uint8_t)c, t[27] = (uint8_t)(c >> 8);
}
