/*
 * tio/umem.h - the user heap: first-fit over an address-ordered free list
 * with coalescing, fed by a grow function (SYS_mmap in programs, a static
 * arena in the host tests). malloc/free in user/lib/malloc.c wrap one global
 * heap. Single-threaded: user processes have one thread.
 *
 * Every block starts with a 16-byte header; payloads are 16-byte aligned.
 * free() of a pointer that is not a live block is detected (header magic) and
 * reported through the -EINVAL result of umem_free (the wrapper aborts).
 */
#ifndef TIO_UMEM_H
#define TIO_UMEM_H

#include <stddef.h>

#define UMEM_ALIGN 16
#define UMEM_GROW  (64 * 1024) /* minimum bytes asked of the grow function */

/* Returns @len bytes of fresh memory (len is a multiple of 4096) or NULL. */
typedef void *(*umem_grow_fn)(size_t len);

struct umem_block;

struct umem {
	umem_grow_fn grow;	 /* [I] */
	struct umem_block *free; /* [O] free blocks, by address */
	size_t in_use;		 /* [O] payload bytes handed out */
	size_t total;		 /* [O] bytes obtained from grow */
};

void umem_init(struct umem *h, umem_grow_fn grow);
void *umem_alloc(struct umem *h, size_t n);
int umem_free(struct umem *h, void *p);
void *umem_realloc(struct umem *h, void *p, size_t n);
/* Payload size of a live block (>= what was asked). */
size_t umem_size(const void *p);

#endif
