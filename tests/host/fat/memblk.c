/*
 * memblk.c - the block layer's interface (include/drivers/block.h) over
 * host memory, for the host build of fs/fat (contract: fathost.h). A request
 * is one "memblk" frame that copies at once; blk_rw_sync copies directly.
 */
#include <drivers/block.h>
#include <kernel/string.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <uapi/errno.h>
#include "fathost.h"

#define MEMBLK_MAX 4

static struct memblk *devs[MEMBLK_MAX];

struct memblk_rq {
	struct blk_rq rq;
};
ASYNC_FRAME_STATE_CHECK(struct memblk_rq);

static struct memblk *mb_of(struct blk_dev *d)
{
	return container_of(d, struct memblk, dev);
}

int memblk_init(struct memblk *m, const char *name, uint64_t sectors)
{
	void *mem = mmap(NULL, sectors * BLK_SECTOR, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (mem == MAP_FAILED)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	strlcpy(m->dev.name, name, sizeof(m->dev.name));
	m->dev.type = "disk";
	m->dev.sectors = sectors;
	m->dev.max_sectors = 256;
	m->mem = mem;
	m->fail_lba = UINT64_MAX;
	for (unsigned i = 0; i < MEMBLK_MAX; i++)
		if (!devs[i]) {
			devs[i] = m;
			return 0;
		}
	munmap(mem, sectors * BLK_SECTOR);
	return -ENOSPC;
}

void memblk_destroy(struct memblk *m)
{
	for (unsigned i = 0; i < MEMBLK_MAX; i++)
		if (devs[i] == m)
			devs[i] = NULL;
	munmap(m->mem, m->dev.sectors * BLK_SECTOR);
	m->mem = NULL;
}

struct blk_dev *blk_find(const char *name)
{
	for (unsigned i = 0; i < MEMBLK_MAX; i++)
		if (devs[i] && !strcmp(devs[i]->dev.name, name))
			return &devs[i]->dev;
	return NULL;
}

void blk_foreach(void (*fn)(struct blk_dev *d, void *arg), void *arg)
{
	for (unsigned i = 0; i < MEMBLK_MAX; i++)
		if (devs[i])
			fn(&devs[i]->dev, arg);
}

/* 0 if the request may go to the memory, else its -errno (as block.c and a failing disk). */
static int rq_check(struct memblk *m, uint64_t lba, uint32_t count, bool write)
{
	if (!count || lba >= m->dev.sectors || count > m->dev.sectors - lba)
		return -EINVAL;
	if (write && m->dev.readonly)
		return -EROFS;
	if (m->fail_lba >= lba && m->fail_lba - lba < count) {
		m->failed++;
		return -EIO;
	}
	return 0;
}

static int64_t memblk_start(struct async_op *op, void *state)
{
	struct blk_rq *rq = state;
	struct memblk *m = mb_of(rq->dev);
	unsigned char *at = m->mem + rq->lba * BLK_SECTOR;
	size_t n = (size_t)rq->count * BLK_SECTOR;
	int err = rq_check(m, rq->lba, rq->count, rq->write);

	if (err)
		return err;
	if (!rq->write && m->hold) {
		if (m->nheld == MEMBLK_HELD)
			return -EBUSY;
		m->held[m->nheld++] = (struct memblk_held){op, async_op_token(op), *rq};
		return ASYNC_PENDING;
	}
	if (rq->write) {
		vfs_buf_copy_in(rq->buf, rq->boff, at, n);
		m->writes++;
	} else {
		vfs_buf_copy_out(rq->buf, rq->boff, at, n);
		m->reads++;
	}
	return (int64_t)n;
}

int memblk_release(struct memblk *m)
{
	struct memblk_held h;

	if (!m->nheld)
		return -ENOENT;
	h = m->held[0];
	memmove(m->held, m->held + 1, --m->nheld * sizeof(m->held[0]));
	vfs_buf_copy_out(h.rq.buf, h.rq.boff, m->mem + h.rq.lba * BLK_SECTOR,
			 (size_t)h.rq.count * BLK_SECTOR);
	m->reads++;
	async_op_complete(h.op, h.token, (int64_t)h.rq.count * BLK_SECTOR);
	return 0;
}

static const struct async_layer memblk_layer = {
    .name = "memblk",
    .state_size = sizeof(struct memblk_rq),
    .start = memblk_start,
};

int blk_push(struct async_op *op, const struct blk_rq *rq)
{
	struct blk_rq *s;

	if (!rq->count || rq->lba >= rq->dev->sectors || rq->count > rq->dev->sectors - rq->lba ||
	    async_buf_len(rq->buf) < rq->boff ||
	    async_buf_len(rq->buf) - rq->boff < (uint64_t)rq->count * BLK_SECTOR)
		return -EINVAL;
	if (rq->write && rq->dev->readonly)
		return -EROFS;
	s = async_push(op, &memblk_layer);
	if (!s)
		return (int)async_op_push_error(op);
	*s = *rq;
	return 0;
}

int64_t blk_rw_sync(struct blk_dev *d, uint64_t lba, uint32_t count, void *mem, bool write)
{
	struct memblk *m = mb_of(d);
	int err = rq_check(m, lba, count, write);

	if (err)
		return err;
	if (write) {
		memcpy(m->mem + lba * BLK_SECTOR, mem, (size_t)count * BLK_SECTOR);
		m->writes++;
	} else {
		memcpy(mem, m->mem + lba * BLK_SECTOR, (size_t)count * BLK_SECTOR);
		m->reads++;
	}
	return (int64_t)count * BLK_SECTOR;
}
