/*
 * fat_bpb.c - the boot sector (BPB) check of a FAT volume (contract:
 * fat_bpb.h). Pure: the mount (fat_mount.c) and the host's fuzz target share it.
 *
 * The BPB is checked field by field against the Microsoft FAT specification
 * and the device: a volume is accepted only if every sector it names lies on
 * the device and its FAT can hold an entry for every cluster, so later reads
 * can trust the geometry. The FAT type follows from the cluster count alone,
 * as the specification says.
 */
#include <stddef.h>
#include "fat_bpb.h"

#define FAT_BPB_DIRENT 32 /* bytes of a directory entry */
/* The specification's limit: cluster 0x0ffffff7 is the bad-cluster mark and
 * 0x0ffffff8 up end a chain, so the last valid cluster is 0x0ffffff6. */
#define FAT_BPB_FAT32_CLUSTERS_MAX 0x0ffffff5u

/* The boot sector fields that decide the layout. */
struct fat_bpb {
	uint32_t bps, spc, rsvd, nfats, root_ents, total, fat_sz, root_clus;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void bpb_read(const uint8_t *b, struct fat_bpb *p)
{
	p->bps = le16(b + 11);
	p->spc = b[13];
	p->rsvd = le16(b + 14);
	p->nfats = b[16];
	p->root_ents = le16(b + 17);
	p->total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
	p->fat_sz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
	p->root_clus = le32(b + 44);
}

/* The first problem of boot sector @b on a device of @dev_sectors, or NULL if it is sound. */
static const char *bpb_problem(const uint8_t *b, uint64_t dev_sectors, const struct fat_bpb *p)
{
	if (b[510] != 0x55 || b[511] != 0xaa)
		return "no 0x55AA signature";
	if (b[0] != 0xeb && b[0] != 0xe9)
		return "no jump instruction";
	if (p->bps != FAT_BPB_SECTOR)
		return "bytes per sector is not 512";
	if (!p->spc || (p->spc & (p->spc - 1)))
		return "sectors per cluster is not a power of two";
	if (!p->rsvd)
		return "no reserved sectors";
	if (!p->nfats)
		return "no FAT";
	if (!p->fat_sz)
		return "FAT size is 0";
	if (!p->total || p->total > dev_sectors)
		return "total sectors is 0 or past the end of the device";
	if (b[21] != 0xf0 && b[21] < 0xf8)
		return "bad media byte";
	return NULL;
}

/* Fills @g from @p; the problem, or NULL. */
static const char *geometry(struct fat_geom *g, const uint8_t *b, const struct fat_bpb *p)
{
	uint64_t meta = (uint64_t)p->rsvd + (uint64_t)p->nfats * p->fat_sz;
	uint64_t entries;

	g->root_sectors = (p->root_ents * FAT_BPB_DIRENT + FAT_BPB_SECTOR - 1) / FAT_BPB_SECTOR;
	if (meta + g->root_sectors >= p->total)
		return "no room for data after the FATs and the root directory";
	g->spc = p->spc;
	g->nfats = p->nfats;
	g->total_sectors = p->total;
	g->fat_start = p->rsvd;
	g->fat_sectors = p->fat_sz;
	g->root_start = (uint32_t)meta;
	g->data_start = (uint32_t)(meta + g->root_sectors);
	g->clusters = (p->total - g->data_start) / p->spc;
	g->bits = g->clusters < 4085 ? 12 : g->clusters < 65525 ? 16 : 32;
	if (g->bits == 32 && (p->root_ents || le16(b + 22)))
		return "FAT32 volume with a fixed root directory";
	if (g->bits != 32 && !p->root_ents)
		return "FAT12/16 volume without root directory entries";
	if (g->bits == 32 && g->clusters > FAT_BPB_FAT32_CLUSTERS_MAX)
		return "more clusters than FAT32 can number";
	entries = (uint64_t)p->fat_sz * FAT_BPB_SECTOR * 8 / g->bits;
	if (entries < (uint64_t)g->clusters + 2)
		return "the FAT is too small for the cluster count";
	g->root_cluster = p->root_clus;
	if (g->bits == 32 && (g->root_cluster < 2 || g->root_cluster > g->clusters + 1))
		return "root cluster out of range";
	return NULL;
}

const char *fat_bpb_check(const uint8_t *b, uint64_t dev_sectors, struct fat_geom *g)
{
	struct fat_bpb p;
	const char *why;

	bpb_read(b, &p);
	why = bpb_problem(b, dev_sectors, &p);
	return why ? why : geometry(g, b, &p);
}
