/*
 * part.c - partition tables: MBR with extended/logical partitions (logical
 * ones numbered from 5, as Linux does) and GPT. Each partition is a block
 * device whose "part" frame bounds-checks a request, shifts it by the
 * partition's start and pushes it on the disk below (contract: drivers/block.h).
 *
 * The scan runs once per disk at boot, reading the table sectors through the
 * disk's normal request path and waiting for each. A table that does not add
 * up (an entry past the end of the disk, a loop in the extended chain, a GPT
 * header with impossible sizes) is logged and the offending entries skipped:
 * disk contents are input, never a reason to stop. GPT CRCs are not checked
 * (the primary header is trusted when its signature and sizes are sane).
 */
#include <drivers/block.h>
#include <kernel/console.h>
#include <kernel/string.h>
#include <lib/fmt.h>
#include <uapi/errno.h>

#define PART_MAX	 32  /* partitions, all disks */
#define PART_LOGICAL_MAX 16  /* logical partitions followed in one extended chain */
#define PART_GPT_MAX	 128 /* GPT entries looked at */

struct blk_part {
	struct blk_dev dev; /* [I] hda1... */
	uint64_t start;	    /* [I] first sector on the disk */
};

ASYNC_POOL_DEFINE(blk_part_pool, "blk_part", struct blk_part, PART_MAX);

static struct blk_queue part_queue; /* depth 0: partitions only translate */
static unsigned char part_sector[BLK_SECTOR] __attribute__((aligned(16))); /* boot scan only */

static int64_t part_start(struct async_op *op, void *state)
{
	struct blk_rq *rq = state;
	struct blk_part *p = rq->dev->priv;
	struct blk_rq below = *rq;
	int err;

	if (rq->lba >= p->dev.sectors || rq->count > p->dev.sectors - rq->lba)
		return -EINVAL;
	below.dev = p->dev.parent;
	below.lba = p->start + rq->lba;
	err = blk_push(op, &below);
	return err ? err : ASYNC_CALL;
}

static const struct async_layer part_layer = {
    .name = "part", .state_size = sizeof(struct blk_rq), .start = part_start};
static const struct blk_ops part_ops = {.layer = &part_layer};

static void part_add(struct blk_dev *disk, unsigned num, uint64_t start, uint64_t len)
{
	struct blk_part *p;

	if (!len)
		return;
	if (start >= disk->sectors || len > disk->sectors - start) {
		klog(LOG_WARN,
		     "part %s%u: sectors %lu+%lu past the end of the disk (%lu): skipped\n",
		     disk->name, num, start, len, disk->sectors);
		return;
	}
	p = async_pool_zalloc(&blk_part_pool);
	if (!p) {
		klog(LOG_WARN, "part %s%u: more than %d partitions: skipped\n", disk->name, num,
		     PART_MAX);
		return;
	}
	p->start = start;
	p->dev = (struct blk_dev){.type = "part",
				  .major = disk->major,
				  .minor = disk->minor + num,
				  .sectors = len,
				  .max_sectors = disk->max_sectors,
				  .readonly = disk->readonly,
				  .ops = &part_ops,
				  .queue = &part_queue,
				  .parent = disk,
				  .priv = p};
	fmt_snprintf(p->dev.name, sizeof(p->dev.name), "%s%u", disk->name, num);
	if (blk_register(&p->dev)) {
		async_pool_free(&blk_part_pool, p);
		return;
	}
	klog(LOG_INFO, "part %s: sectors %lu+%lu\n", p->dev.name, start, len);
}

static uint32_t le32(const unsigned char *b)
{
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t le64(const unsigned char *b)
{
	return le32(b) | (uint64_t)le32(b + 4) << 32;
}

static bool part_is_extended(unsigned char type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static bool part_seen(const uint64_t *seen, unsigned n, uint64_t lba)
{
	for (unsigned i = 0; i < n; i++)
		if (seen[i] == lba)
			return true;
	return false;
}

/* The EBR chain of the extended partition at @ext: logical partitions 5, 6, ...
 * A chain that comes back to an EBR it visited, or leaves the extended
 * partition, ends there (logged). */
static void part_scan_logical(struct blk_dev *disk, uint64_t ext, uint64_t ext_len)
{
	uint64_t seen[PART_LOGICAL_MAX], ebr = ext;
	unsigned num = 5;

	for (unsigned i = 0; i < PART_LOGICAL_MAX; i++) {
		const unsigned char *e;
		uint64_t next;

		seen[i] = ebr;
		if (blk_rw_sync(disk, ebr, 1, part_sector, false) < 0 || part_sector[510] != 0x55 ||
		    part_sector[511] != 0xaa)
			return;
		e = part_sector + 446;
		if (e[4])
			part_add(disk, num++, ebr + le32(e + 8), le32(e + 12));
		next = le32(e + 16 + 8);
		if (!part_is_extended(e[16 + 4]) || !next)
			return;
		if (next >= ext_len || part_seen(seen, i + 1, ext + next)) {
			klog(LOG_WARN, "part %s: extended chain %s at sector %lu: stopped\n",
			     disk->name, next >= ext_len ? "leaves its partition" : "loops back",
			     ext + next);
			return;
		}
		ebr = ext + next;
	}
	klog(LOG_WARN, "part %s: more than %d logical partitions: stopped\n", disk->name,
	     PART_LOGICAL_MAX);
}

static void part_scan_gpt(struct blk_dev *disk)
{
	uint64_t table;
	uint32_t n, esize;

	if (blk_rw_sync(disk, 1, 1, part_sector, false) < 0 || memcmp(part_sector, "EFI PART", 8))
		return;
	table = le64(part_sector + 72);
	n = le32(part_sector + 80);
	esize = le32(part_sector + 84);
	if (esize < 128 || esize > BLK_SECTOR || BLK_SECTOR % esize || table >= disk->sectors) {
		klog(LOG_WARN, "part %s: GPT header with entry size %u at %lu: ignored\n",
		     disk->name, esize, table);
		return;
	}
	if (n > PART_GPT_MAX)
		n = PART_GPT_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = part_sector + (i * esize) % BLK_SECTOR;
		static const unsigned char unused[16];
		uint64_t first, last;

		if ((i * esize) % BLK_SECTOR == 0 &&
		    blk_rw_sync(disk, table + i * esize / BLK_SECTOR, 1, part_sector, false) < 0)
			return;
		if (!memcmp(e, unused, 16))
			continue;
		first = le64(e + 32);
		last = le64(e + 40);
		if (last < first)
			continue;
		part_add(disk, i + 1, first, last - first + 1);
	}
}

int blk_scan_partitions(struct blk_dev *disk)
{
	unsigned char type[4];
	uint32_t start[4], len[4];

	if (blk_rw_sync(disk, 0, 1, part_sector, false) < 0)
		return -EIO;
	if (part_sector[510] != 0x55 || part_sector[511] != 0xaa)
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		const unsigned char *e = part_sector + 446 + 16 * i;

		type[i] = e[4];
		start[i] = le32(e + 8);
		len[i] = le32(e + 12);
	}
	if (type[0] == 0xee) {
		part_scan_gpt(disk);
		return 0;
	}
	/* An extended partition shows as its first 1 KiB, as on Linux: room for a boot
	 * loader, too small to take a filesystem over the logical ones by mistake. */
	for (unsigned i = 0; i < 4; i++)
		if (type[i])
			part_add(disk, i + 1, start[i],
				 part_is_extended(type[i]) && len[i] > 2 ? 2 : len[i]);
	for (unsigned i = 0; i < 4; i++)
		if (part_is_extended(type[i]) && len[i] && start[i] < disk->sectors)
			part_scan_logical(disk, start[i], len[i]);
	return 0;
}
