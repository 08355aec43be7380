/*
 * buf.c - buffer descriptors: borrowed kernel memory, pinned user memory,
 * owned pool memory. A device request borrows a buffer for as long as the
 * device may touch it; the owner releases it when done with it.
 *
 * Interface: async_buf_borrowed/user/owned create, async_buf_borrow and
 * async_buf_unborrow bracket device use, async_buf_release ends ownership.
 * async_buf_get/async_buf_put let a holder that is neither the owner nor a
 * device (a provided-buffer queue) keep the descriptor alive, so a released
 * descriptor is never reused under it.
 *
 * Buffer state machine (under buf->lock):
 *
 *   LIVE(borrows = 0) --async_buf_borrow--> LIVE(borrows + 1)
 *   LIVE(borrows > 0) --async_buf_unborrow--> LIVE(borrows - 1)
 *   LIVE --async_buf_get / async_buf_put--> LIVE(holds + 1 / - 1)
 *   LIVE(0, holds 0) --async_buf_release--> gone (unpinned / freed at once)
 *   LIVE(>0) --async_buf_release--> borrowed kind: panic (the memory goes away
 *            under a device: a kernel bug); user, owned: RELEASED
 *   LIVE(0, holds > 0) --async_buf_release--> RELEASED
 *   RELEASED --last async_buf_unborrow or async_buf_put--> gone (unpin only
 *            now: no device and no holder is left)
 *
 * A RELEASED buffer cannot be borrowed again (-EBADF), nor held (-EBADF).
 */
#include "async_int.h"

struct async_buf {
	async_spinlock_t lock;
	uint8_t kind;			  /* [I] enum async_buf_kind */
	unsigned access;		  /* [I] ASYNC_BUF_READ | ASYNC_BUF_WRITE allowed */
	bool released;			  /* [L] the owner let go */
	unsigned borrows;		  /* [L] device requests using it */
	unsigned holds;			  /* [L] holders keeping the descriptor (async_buf_get) */
	void *data;			  /* [I] kernel mapping, NULL for user buffers */
	size_t len;			  /* [I] */
	struct async_port_as *as;	  /* [I] user buffers: where it is pinned */
	unsigned nsg;			  /* [I] */
	struct async_sg sg[ASYNC_SG_MAX]; /* [I] user buffers: the pinned ranges */
};

struct owned_block {
	unsigned char bytes[ASYNC_OWNED_BUF_BYTES];
};

ASYNC_POOL_DEFINE(async_buf_pool, "async_buf", struct async_buf, ASYNC_BUFS_MAX);
ASYNC_POOL_DEFINE(async_owned_pool, "async_owned_data", struct owned_block, ASYNC_OWNED_BUFS_MAX);

static struct async_buf *buf_new(unsigned kind, size_t len, unsigned access)
{
	struct async_buf *b = async_pool_zalloc(&async_buf_pool);

	if (!b)
		return NULL;
	async_spin_init(&b->lock);
	b->kind = (uint8_t)kind;
	b->len = len;
	b->access = access;
	return b;
}

struct async_buf *async_buf_borrowed(void *data, size_t len, unsigned access)
{
	struct async_buf *b = buf_new(ASYNC_BUF_BORROWED, len, access);

	if (b)
		b->data = data;
	return b;
}

struct async_buf *async_buf_owned(size_t len)
{
	struct async_buf *b;
	void *mem;

	if (len > ASYNC_OWNED_BUF_BYTES)
		return NULL;
	mem = async_pool_alloc(&async_owned_pool);
	if (!mem)
		return NULL;
	b = buf_new(ASYNC_BUF_OWNED, len, ASYNC_BUF_READ | ASYNC_BUF_WRITE);
	if (!b) {
		async_pool_free(&async_owned_pool, mem);
		return NULL;
	}
	b->data = mem;
	return b;
}

struct async_buf *async_buf_user(struct async_port_as *as, uintptr_t uaddr, size_t len,
				 unsigned access, int *err)
{
	struct async_buf *b;
	int n;

	if (!async_port_user_pin) {
		*err = -ENODEV;
		return NULL;
	}
	if (len == 0 || !access || (access & ~(ASYNC_BUF_READ | ASYNC_BUF_WRITE))) {
		*err = -EINVAL;
		return NULL;
	}
	b = buf_new(ASYNC_BUF_USER, len, access);
	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	n = async_port_user_pin(as, uaddr, len, access, b->sg, ASYNC_SG_MAX);
	if (n < 0) {
		async_pool_free(&async_buf_pool, b);
		*err = n;
		return NULL;
	}
	b->nsg = (unsigned)n;
	b->as = as;
	*err = 0;
	return b;
}

/* Nobody uses @b any more: unpin / free its memory and the descriptor. */
static void buf_destroy(struct async_buf *b)
{
	if (b->kind == ASYNC_BUF_USER)
		async_port_user_unpin(b->as, b->sg, b->nsg);
	else if (b->kind == ASYNC_BUF_OWNED)
		async_pool_free(&async_owned_pool, b->data);
	async_pool_free(&async_buf_pool, b);
}

int async_buf_borrow(struct async_buf *b, unsigned access)
{
	unsigned long flags = async_spin_lock_irqsave(&b->lock);
	int err = 0;

	if (b->released)
		err = -EBADF;
	else if (access & ~b->access)
		err = -EFAULT;
	else
		b->borrows++;
	async_spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

/* Nobody is left: the owner let go, no device borrows it, nobody holds it. Under b->lock. */
static bool __buf_unused(const struct async_buf *b)
{
	return b->released && b->borrows == 0 && b->holds == 0;
}

void async_buf_unborrow(struct async_buf *b)
{
	unsigned long flags = async_spin_lock_irqsave(&b->lock);
	bool last;

	if (b->borrows == 0) {
		async_spin_unlock_irqrestore(&b->lock, flags);
		async_port_panic("async buf %p: unborrowed more often than borrowed", (void *)b);
	}
	b->borrows--;
	last = __buf_unused(b);
	async_spin_unlock_irqrestore(&b->lock, flags);
	if (last)
		buf_destroy(b);
}

int async_buf_get(struct async_buf *b)
{
	unsigned long flags = async_spin_lock_irqsave(&b->lock);
	int err = 0;

	if (b->released)
		err = -EBADF;
	else
		b->holds++;
	async_spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

void async_buf_put(struct async_buf *b)
{
	unsigned long flags = async_spin_lock_irqsave(&b->lock);
	bool last;

	if (b->holds == 0) {
		async_spin_unlock_irqrestore(&b->lock, flags);
		async_port_panic("async buf %p: put more often than got", (void *)b);
	}
	b->holds--;
	last = __buf_unused(b);
	async_spin_unlock_irqrestore(&b->lock, flags);
	if (last)
		buf_destroy(b);
}

void async_buf_release(struct async_buf *b)
{
	unsigned long flags = async_spin_lock_irqsave(&b->lock);
	bool now;

	if (b->released) {
		async_spin_unlock_irqrestore(&b->lock, flags);
		async_port_panic("async buf %p released twice", (void *)b);
	}
	if (b->kind == ASYNC_BUF_BORROWED && b->borrows) {
		async_spin_unlock_irqrestore(&b->lock, flags);
		async_port_panic("async buf %p released while borrowed %u times: its memory would "
				 "go away under a device",
				 (void *)b, b->borrows);
	}
	b->released = true;
	now = __buf_unused(b);
	async_spin_unlock_irqrestore(&b->lock, flags);
	if (now)
		buf_destroy(b);
}

bool async_buf_is_borrowed(const struct async_buf *b)
{
	return __atomic_load_n(&b->borrows, __ATOMIC_ACQUIRE) != 0;
}

size_t async_buf_len(const struct async_buf *b)
{
	return b->len;
}

unsigned async_buf_kind(const struct async_buf *b)
{
	return b->kind;
}

void *async_buf_data(const struct async_buf *b)
{
	return b->data;
}

unsigned async_buf_sg(const struct async_buf *b, const struct async_sg **sg)
{
	*sg = b->sg;
	return b->nsg;
}
