/*
 * stack.c - an op's frame stack: the inline part, spill chunks, spill heaps.
 *
 * Interface: async_push() puts a frame on top, __async_pop() removes the top
 * one; async_op_reserve() takes spill chunks ahead of time; async_heap_*
 * manage a process's spill region.
 *
 * Layout: frames fill op->stack[] bottom-up. When the next frame does not fit,
 * it and every frame above it go into ASYNC_SPILL_CHUNK chunks taken from the
 * op's heap, chained through async_spill.prev; an emptied chunk goes back at
 * once, to the op's reserve while the op holds no more chunks than
 * async_op_reserve took (reserved room stays reserved for the op's life, so
 * a re-arming op's re-push cannot fail), else to the heap. Frames never
 * straddle chunks. Each frame records the one below it, so
 * popping and introspection need no search.
 *
 * Concurrency: the stack is [O], touched only by the thread holding op->busy,
 * so nothing here locks except the heap's free list.
 */
#include "async_int.h"

static struct async_heap kernel_heap;
static unsigned char kernel_heap_mem[ASYNC_KERNEL_HEAP_BYTES] __attribute__((aligned(16)));
static bool kernel_heap_ready; /* [a] set once (release) after kernel_heap is initialised */
static async_spinlock_t kernel_heap_once = ASYNC_SPINLOCK_INIT;

int async_heap_init(struct async_heap *h, const char *name, void *mem, size_t len)
{
	uintptr_t start = ((uintptr_t)mem + 15) & ~(uintptr_t)15;
	size_t usable;
	unsigned i;

	if (!mem || len < (start - (uintptr_t)mem) + ASYNC_SPILL_CHUNK)
		return -EINVAL;
	usable = len - (start - (uintptr_t)mem);
	memset(h, 0, sizeof(*h));
	h->name = name;
	h->base = (unsigned char *)start;
	h->nchunks = (unsigned)(usable / ASYNC_SPILL_CHUNK);
	async_spin_init(&h->lock);
	for (i = h->nchunks; i-- > 0;) {
		void *chunk = h->base + (size_t)i * ASYNC_SPILL_CHUNK;

		memcpy(chunk, &h->free_list, sizeof(void *));
		h->free_list = chunk;
	}
	return 0;
}

/*
 * Every async_op_alloc(NULL) comes here: once the heap is ready, an acquire
 * load (paired with the release store below) shows it initialised without
 * the lock, which only the first callers take.
 */
struct async_heap *async_kernel_heap(void)
{
	unsigned long flags;

	if (__atomic_load_n(&kernel_heap_ready, __ATOMIC_ACQUIRE))
		return &kernel_heap;
	flags = async_spin_lock_irqsave(&kernel_heap_once);
	if (!kernel_heap_ready) {
		async_heap_init(&kernel_heap, "kernel", kernel_heap_mem, sizeof(kernel_heap_mem));
		__atomic_store_n(&kernel_heap_ready, true, __ATOMIC_RELEASE);
	}
	async_spin_unlock_irqrestore(&kernel_heap_once, flags);
	return &kernel_heap;
}

void async_heap_stats(struct async_heap *h, struct async_heap *out)
{
	unsigned long flags = async_spin_lock_irqsave(&h->lock);

	out->name = h->name;
	out->base = h->base;
	out->nchunks = h->nchunks;
	out->free_list = NULL;
	out->in_use = h->in_use;
	out->high_water = h->high_water;
	out->spills = h->spills;
	out->failures = h->failures;
	async_spin_unlock_irqrestore(&h->lock, flags);
}

void *__async_heap_take(struct async_heap *h)
{
	unsigned long flags = async_spin_lock_irqsave(&h->lock);
	void *chunk = h->free_list;

	if (chunk) {
		memcpy(&h->free_list, chunk, sizeof(void *));
		h->spills++;
		if (++h->in_use > h->high_water)
			h->high_water = h->in_use;
	} else {
		h->failures++;
	}
	async_spin_unlock_irqrestore(&h->lock, flags);
	return chunk;
}

void __async_heap_give(struct async_heap *h, void *chunk)
{
	unsigned long flags;
	uintptr_t off = (uintptr_t)chunk - (uintptr_t)h->base;

	if ((unsigned char *)chunk < h->base || off % ASYNC_SPILL_CHUNK ||
	    off / ASYNC_SPILL_CHUNK >= h->nchunks)
		async_port_panic("async heap %s: %p is not one of its chunks", h->name, chunk);
	flags = async_spin_lock_irqsave(&h->lock);
	memcpy(chunk, &h->free_list, sizeof(void *));
	h->free_list = chunk;
	h->in_use--;
	async_spin_unlock_irqrestore(&h->lock, flags);
}

/* A fresh spill chunk on top of the stack: a reserved one first, else the heap. */
static struct async_spill *spill_grow(struct async_op *op)
{
	struct async_spill *s = op->reserve;

	if (s) {
		op->reserve = s->prev;
	} else {
		s = __async_heap_take(op->heap);
		if (!s)
			return NULL;
		op->held++;
	}
	s->prev = op->spill;
	s->used = 0;
	op->spill = s;
	return s;
}

/* Room for @size bytes on top of the inline stack, or NULL (the frame spills). */
static inline struct async_frame *frame_alloc_inline(struct async_op *op, size_t size)
{
	struct async_frame *f;

	if (op->spill || op->inline_used + size > ASYNC_STACK_BYTES)
		return NULL;
	f = (struct async_frame *)(op->stack + op->inline_used);
	op->inline_used += (uint32_t)size;
	f->flags = 0;
	return f;
}

/* Room for a frame of @size bytes on top; NULL when the heap is exhausted. */
struct async_frame *__async_frame_alloc(struct async_op *op, size_t size)
{
	struct async_frame *f = frame_alloc_inline(op, size);

	if (f)
		return f;
	if ((!op->spill || op->spill->used + size > ASYNC_SPILL_DATA) && !spill_grow(op))
		return NULL;
	f = (struct async_frame *)(op->spill->data + op->spill->used);
	op->spill->used += (uint32_t)size;
	f->flags = ASYNC_FRAME_SPILLED;
	__atomic_add_fetch(&async_stat_spilled_frames, 1, __ATOMIC_RELAXED);
	return f;
}

void *async_push(struct async_op *op, const struct async_layer *layer)
{
	size_t size = ASYNC_FRAME_HDR + ((layer->state_size + 15) & ~(size_t)15);
	struct async_frame *f;
	int reason = __atomic_load_n(&op->cancel_reason, __ATOMIC_RELAXED);

	ASYNC_ASSERT(op->busy);
	if (reason) {
		op->push_err = reason;
		return NULL;
	}
	if (layer->state_size > ASYNC_FRAME_STATE_MAX) {
		op->push_err = -EINVAL;
		return NULL;
	}
	f = frame_alloc_inline(op, size); /* the common case, without a call */
	if (!f)
		f = __async_frame_alloc(op, size);
	if (!f) {
		op->push_err = -ENOMEM;
		return NULL;
	}
	f->layer = layer;
	f->prev = op->top;
	f->size = (uint32_t)size;
	f->start_ns = 0; /* stamped when the op first parks with it (op_park): no clock here */
	op->top = f;
	op->nframes++;
	async_zero_words(async_frame_state(f), size - ASYNC_FRAME_HDR);
	return async_frame_state(f);
}

int64_t async_op_push_error(const struct async_op *op)
{
	return op->push_err;
}

/* An emptied chunk: back to the op's reserve if the reservation needs it, else to the heap. */
static void spill_shrink(struct async_op *op, struct async_spill *s)
{
	if (op->held <= op->reserved) {
		s->prev = op->reserve;
		op->reserve = s;
		return;
	}
	op->held--;
	__async_heap_give(op->heap, s);
}

void __async_pop(struct async_op *op)
{
	struct async_frame *f = op->top;
	struct async_spill *s = op->spill;

	ASYNC_ASSERT(f && op->nframes > 0);
	op->top = f->prev;
	op->nframes--;
	if (!(f->flags & ASYNC_FRAME_SPILLED)) {
		op->inline_used -= f->size;
		return;
	}
	s->used -= f->size;
	if (s->used == 0) {
		op->spill = s->prev;
		spill_shrink(op, s);
	}
}

/* Chunks needed for @bytes more of frames beyond what is free now; conservative. */
static unsigned chunks_needed(const struct async_op *op, size_t bytes)
{
	size_t room, per_chunk = ASYNC_SPILL_DATA - (ASYNC_FRAME_HDR + ASYNC_FRAME_STATE_MAX);

	if (op->spill)
		room = ASYNC_SPILL_DATA - op->spill->used;
	else
		room = ASYNC_STACK_BYTES - op->inline_used;
	if (bytes <= room)
		return 0;
	/* Frames do not straddle chunks: count each chunk as losing one max frame. */
	return (unsigned)((bytes - room + per_chunk - 1) / per_chunk) + 1;
}

int async_op_reserve(struct async_op *op, size_t bytes)
{
	unsigned n = chunks_needed(op, bytes);
	struct async_spill *s;

	while (n--) {
		s = __async_heap_take(op->heap);
		if (!s) {
			op->push_err = -ENOMEM;
			return -ENOMEM;
		}
		s->prev = op->reserve;
		op->reserve = s;
		op->held++;
		op->reserved++;
	}
	return 0;
}

/*
 * Returns every chunk the op still holds (it is being freed). An op with no
 * frame and no reserve holds none (held counts the spill chain, which only
 * frames keep, and the reserve): op_finish, where that is the common case,
 * skips the call then.
 */
void __async_stack_release(struct async_op *op)
{
	struct async_spill *s;

	while (op->top)
		__async_pop(op);
	while ((s = op->reserve)) {
		op->reserve = s->prev;
		__async_heap_give(op->heap, s);
	}
	op->held = op->reserved = 0;
}
