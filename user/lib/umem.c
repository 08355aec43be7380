/*
 * umem.c - first-fit heap with coalescing (tio/umem.h).
 *
 * Block states: FREE (on h->free, address order) <-> USED (magic UMEM_USED).
 *   umem_alloc: FREE -> USED (splitting off the tail if it is big enough)
 *   umem_free:  USED -> FREE (merged with an adjacent free neighbour)
 * Memory from grow() enters as one FREE block.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <tio/umem.h>

#define UMEM_USED 0x55534544u /* "USED" */
#define UMEM_FREE 0x46524545u /* "FREE" */

struct umem_block {
	size_t size;	/* whole block, header included, multiple of UMEM_ALIGN */
	uint32_t magic; /* UMEM_USED or UMEM_FREE */
	uint32_t pad;
	struct umem_block *next; /* valid iff FREE (overlays the payload) */
};

#define HDR ((size_t)16)
_Static_assert(offsetof(struct umem_block, next) == HDR, "payload starts after the header");

void umem_init(struct umem *h, umem_grow_fn grow)
{
	h->grow = grow;
	h->free = NULL;
	h->in_use = h->total = 0;
}

/* Inserts @b into the free list in address order, merging with neighbours. */
static void umem_insert(struct umem *h, struct umem_block *b)
{
	struct umem_block **pp = &h->free, *prev = NULL;

	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	b->magic = UMEM_FREE;
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

static int umem_more(struct umem *h, size_t need)
{
	size_t len = need < UMEM_GROW ? UMEM_GROW : (need + 4095) & ~(size_t)4095;
	struct umem_block *b = h->grow(len);

	if (!b)
		return -ENOMEM;
	b->size = len;
	h->total += len;
	umem_insert(h, b);
	return 0;
}

/* Takes @need bytes from free block *pp, splitting when the rest can hold a block. */
static struct umem_block *umem_take(struct umem_block **pp, size_t need)
{
	struct umem_block *b = *pp;

	if (b->size - need >= HDR + UMEM_ALIGN) {
		struct umem_block *rest = (struct umem_block *)((char *)b + need);

		rest->size = b->size - need;
		rest->magic = UMEM_FREE;
		rest->next = b->next;
		*pp = rest;
		b->size = need;
	} else {
		*pp = b->next;
	}
	b->magic = UMEM_USED;
	return b;
}

void *umem_alloc(struct umem *h, size_t n)
{
	size_t need;
	struct umem_block **pp;

	if (n > SIZE_MAX / 2)
		return NULL;
	need = HDR + ((n + UMEM_ALIGN - 1) & ~(size_t)(UMEM_ALIGN - 1));
	if (need < HDR + UMEM_ALIGN)
		need = HDR + UMEM_ALIGN; /* room for the free-list link */
	for (int tries = 0; tries < 2; tries++) {
		for (pp = &h->free; *pp; pp = &(*pp)->next) {
			if ((*pp)->size >= need) {
				struct umem_block *b = umem_take(pp, need);

				h->in_use += b->size - HDR;
				return (char *)b + HDR;
			}
		}
		if (tries == 0 && umem_more(h, need) < 0)
			return NULL;
	}
	return NULL;
}

int umem_free(struct umem *h, void *p)
{
	struct umem_block *b;

	if (!p)
		return 0;
	if ((uintptr_t)p % UMEM_ALIGN)
		return -EINVAL;
	b = (struct umem_block *)((char *)p - HDR);
	if (b->magic != UMEM_USED)
		return -EINVAL; /* double free or not ours */
	h->in_use -= b->size - HDR;
	umem_insert(h, b);
	return 0;
}

size_t umem_size(const void *p)
{
	const struct umem_block *b = (const struct umem_block *)((const char *)p - HDR);

	return b->size - HDR;
}

void *umem_realloc(struct umem *h, void *p, size_t n)
{
	void *q;

	if (!p)
		return umem_alloc(h, n);
	if (umem_size(p) >= n)
		return p;
	q = umem_alloc(h, n);
	if (!q)
		return NULL;
	memcpy(q, p, umem_size(p));
	umem_free(h, p);
	return q;
}
