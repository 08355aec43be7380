/*
 * fat_dirent.h - private to fs/fat: directory entries as bytes, pure (no
 * kernel state: a sector in, the entries it reports out), so the host's fuzz
 * target tests/host/fuzz/fat_dirent.c runs the very code lookups and readdir
 * use. fat_dirent.c decodes one directory sector; fat_dir.c feeds it sectors.
 */
#ifndef FS_FAT_FAT_DIRENT_H
#define FS_FAT_FAT_DIRENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uapi/fs.h>

#define FAT_DIRENT	      32		 /* bytes of a directory entry */
#define FAT_DIRENT_PER_SECTOR (512 / FAT_DIRENT) /* a sector of BLK_SECTOR bytes */
#define FAT_ATTR_RO	      0x01
#define FAT_ATTR_VOLUME	      0x08
#define FAT_ATTR_DIR	      0x10
#define FAT_ATTR_LFN	      0x0f /* read-only|hidden|system|volume: a long-name part */
#define FAT_NT_LOWER_BASE     0x08 /* byte 12: the 8.3 base name shows in lowercase */
#define FAT_NT_LOWER_EXT      0x10 /* byte 12: the extension shows in lowercase */
#define FAT_LFN_MAX	      255  /* UTF-16 units of a long name */

/* A directory entry as the walk found it. */
struct fat_entry {
	char name[TIO_NAME_MAX + 1]; /* long name as UTF-8, else the 8.3 name */
	char short_name[13];	     /* 8.3 with its case flags */
	uint8_t raw[FAT_DIRENT];     /* the short entry */
	uint64_t where;		     /* sector * 16 + slot of the short entry: the inode number */
	uint64_t first_where;	     /* the first slot of the entry (its long-name parts) */
};

/* Long-name parts gathered before the short entry they belong to. */
struct fat_lfn {
	uint16_t units[FAT_LFN_MAX + 13];
	unsigned next_ord; /* the order number the next part must have; 0: none pending */
	unsigned parts;	   /* parts the name has */
	uint8_t csum;
	uint64_t first_where; /* the slot of the first part */
};

/*
 * The entries of directory sector @sec (sector number @lba) in order: long
 * name parts are gathered in @l (carried from sector to sector, zeroed before
 * the first), each shown entry is numbered through *@index, and from number
 * @start on it is decoded into @ent and passed to @fn, which returns nonzero
 * to stop the walk with that value. 1 at the directory's end mark, else
 * @fn's value or 0. @ent->name is never empty, holds no '/', and is the long
 * name only when its parts fit together and match the short entry's checksum.
 */
int fat_dirent_sector(const uint8_t *sec, uint64_t lba, struct fat_lfn *l, uint64_t *index,
		      uint64_t start, int (*fn)(const struct fat_entry *, uint64_t, void *),
		      void *arg, struct fat_entry *ent);

#endif
