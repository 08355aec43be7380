/*
 * fat_bpb - libFuzzer target over the FAT boot sector check (fs/fat/fat_bpb.c),
 * the code every mount runs on a device's sector 0 before it trusts anything.
 *
 * Input: a boot sector (the first 512 bytes, zero-padded when shorter), then
 * optionally the device's size in sectors (4 bytes, little-endian; without
 * them the device is as large as a 32-bit sector count allows). Whenever the
 * check accepts, the geometry is recomputed here from the raw bytes, and the
 * invariants the FAT code relies on are checked against the device: every
 * region in order and on the device, the FAT large enough for every cluster,
 * the type from the cluster count, cluster numbers that cannot be mistaken
 * for the end-of-chain or bad-cluster marks, a valid FAT32 root cluster.
 * Any violation aborts (a finding).
 */
#include "../../../fs/fat/fat_bpb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, const char *accepted)
{
	fprintf(stderr, "fat_bpb fuzz: accepted a boot sector, but %s (%s)\n", what, accepted);
	abort();
}

static uint32_t le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The invariants of an accepted geometry @g of boot sector @b on @dev sectors. */
static void check(const uint8_t *b, uint64_t dev, const struct fat_geom *g)
{
	uint64_t fats = (uint64_t)g->nfats * g->fat_sectors;
	uint32_t max_clus = g->bits == 12 ? 0xff6 : g->bits == 16 ? 0xfff6 : 0x0ffffff6;

	if (!g->total_sectors || g->total_sectors > dev)
		fail("the volume is not on the device", "size");
	if (!g->spc || (g->spc & (g->spc - 1)) || g->spc != b[13])
		fail("sectors per cluster is not the BPB's power of two", "spc");
	if (g->fat_start != le(b + 14, 2) || !g->fat_start || g->nfats != b[16] || !g->nfats)
		fail("the FATs are not where the BPB puts them", "fat_start");
	if (g->fat_start + fats != g->root_start ||
	    g->root_start + g->root_sectors != g->data_start)
		fail("the regions are not consecutive", "layout");
	if (g->data_start + (uint64_t)g->clusters * g->spc > g->total_sectors)
		fail("the last cluster is past the volume", "clusters");
	if (g->bits != (g->clusters < 4085 ? 12u : g->clusters < 65525 ? 16u : 32u))
		fail("the FAT type does not follow from the cluster count", "bits");
	if ((uint64_t)g->fat_sectors * 512 * 8 / g->bits < (uint64_t)g->clusters + 2)
		fail("the FAT has no entry for every cluster", "fat size");
	if ((uint64_t)g->clusters + 1 > max_clus)
		fail("a valid cluster number reads as a bad-cluster or end-of-chain mark",
		     "max cluster");
	if (g->bits == 32 &&
	    (g->root_sectors || g->root_cluster < 2 || g->root_cluster > (uint64_t)g->clusters + 1))
		fail("the FAT32 root is not a valid cluster", "root");
	if (g->bits != 32 && !g->root_sectors)
		fail("a FAT12/16 volume has no root directory", "root");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t b[FAT_BPB_SECTOR] = {0};
	uint64_t dev = 0xffffffffu;
	struct fat_geom g;

	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	if (size >= sizeof(b) + 4)
		dev = le(data + sizeof(b), 4);
	memset(&g, 0xa5, sizeof(g)); /* an accepted check must have set every field */
	if (!fat_bpb_check(b, dev, &g))
		check(b, dev, &g);
	return 0;
}
