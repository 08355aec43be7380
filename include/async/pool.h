/*
 * async/pool.h - static, named, counted object pools: the only allocator for
 * kernel objects, in the async core and in the rest of the kernel.
 *
 * Interface:
 *   ASYNC_POOL_DEFINE(var, "name", type, capacity)   at file scope, where the pool is used
 *   async_pool_alloc(&var) / async_pool_zalloc(&var)  an object, or NULL when exhausted
 *   async_pool_free(&var, obj)                        give it back
 *   async_pool_foreach(fn, arg)                       every pool in the image, for `stats`
 *
 * A pool's storage is a static array sized at build time; nothing is ever
 * taken from a heap. Exhaustion is not an error of the pool: it returns NULL,
 * counts a failure, and the caller fails its request (-ENOMEM / -EAGAIN).
 * Freeing an object twice, or one that is not from the pool, is a kernel bug
 * and panics.
 *
 * Every pool registers itself in the "async_pools" linker section, so a pool
 * that was never used still shows in `stats`. Kernel linker scripts must keep
 * that section and define __start_async_pools/__stop_async_pools. The
 * registrations are marked retain, so --gc-sections keeps them even with
 * -z start-stop-gc (without retain that link silently drops some or all of
 * them). An image with no such section at all fails to link, as pool.c refers
 * to its bounds strongly. async_pool_count() says how many pools the registry
 * sees: a port's first check (docs/porting.md).
 *
 * Configuration: every file that includes this header refers to one symbol
 * whose name spells the values of async/config.h (async_config_<values>),
 * and pool.c defines it. A file built with other -D limits than the core
 * therefore fails to link instead of disagreeing about sizes at run time.
 * The limits must be plain decimal numbers for this reason.
 */
#ifndef ASYNC_POOL_H
#define ASYNC_POOL_H

#include <async/config.h>
#include <async/port.h>

/* SHF_GNU_RETAIN (GCC 11, Clang 13, binutils 2.36); older tools fail at link instead. */
#if defined(__has_attribute)
#if __has_attribute(retain)
#define ASYNC_POOL_RETAIN __attribute__((retain))
#endif
#endif
#ifndef ASYNC_POOL_RETAIN
#define ASYNC_POOL_RETAIN
#endif

/*
 * Lock legend: [I] immutable after definition, [L] under @lock, [a] atomic.
 * Invariant: in_use == number of set bits in @used; free objects are either
 * on @free_list or at index >= @next_fresh. An owner may keep objects it
 * freed in a cache of its own and reuse them without the pool lock (the
 * async core's per-waiter op cache): they stay out of the pool (in_use)
 * but are not in use, so @live counts the objects really in use (taken from
 * the pool or a cache, not yet freed to either) and @live_high is its
 * high-water mark; live <= in_use, and in_use - live objects sit in caches.
 */
struct async_pool {
	const char *name;	/* [I] shown by stats */
	size_t obj_size;	/* [I] sizeof(type) */
	size_t stride;		/* [I] distance between objects */
	unsigned capacity;	/* [I] number of objects */
	unsigned char *storage; /* [I] capacity * stride bytes */
	unsigned long *used;	/* [I] pointer to a bitmap, one bit per object, [L] contents */
	async_spinlock_t lock;
	void *free_list;	/* [L] singly linked through the first word of free objects */
	unsigned next_fresh;	/* [L] objects at this index and above were never allocated */
	unsigned in_use;	/* [L] objects out of the pool (in use or in a cache) */
	unsigned high_water;	/* [L] of in_use */
	unsigned live;		/* [a] objects in use: in_use minus the cached ones */
	unsigned live_high;	/* [a] high-water mark of @live */
	unsigned long allocs;	/* [L] successful allocations from the pool itself, ever */
	unsigned long failures; /* [L] allocations that found the pool empty */
};

/* A snapshot of one pool's counters, taken under its lock. in_use and
 * high_water count objects in use (@live): objects parked in an owner's
 * cache are in @cached instead. */
struct async_pool_stats {
	const char *name;
	size_t obj_size;
	unsigned capacity, in_use, high_water, cached;
	unsigned long allocs, failures;
};

#define ASYNC_POOL_ALIGN 16
#define ASYNC_POOL_STRIDE(type)                                                                    \
	((sizeof(type) + ASYNC_POOL_ALIGN - 1) / ASYNC_POOL_ALIGN * ASYNC_POOL_ALIGN)
#define ASYNC_POOL_BITS_WORDS(cap)                                                                 \
	(((cap) + 8 * sizeof(unsigned long) - 1) / (8 * sizeof(unsigned long)))

#define ASYNC_POOL_DEFINE(var, pname, type, cap)                                                   \
	static unsigned char var##_storage[(cap)*ASYNC_POOL_STRIDE(type)]                          \
	    __attribute__((aligned(ASYNC_POOL_ALIGN)));                                            \
	static unsigned long var##_used[ASYNC_POOL_BITS_WORDS(cap)];                               \
	struct async_pool var = {                                                                  \
	    .name = (pname),                                                                       \
	    .obj_size = sizeof(type),                                                              \
	    .stride = ASYNC_POOL_STRIDE(type),                                                     \
	    .capacity = (cap),                                                                     \
	    .storage = var##_storage,                                                              \
	    .used = var##_used,                                                                    \
	    .lock = ASYNC_SPINLOCK_INIT,                                                           \
	};                                                                                         \
	static struct async_pool *const var##_registration                                         \
	    __attribute__((section("async_pools"), used)) ASYNC_POOL_RETAIN = &var

void *async_pool_alloc(struct async_pool *p);
void *async_pool_zalloc(struct async_pool *p);
void async_pool_free(struct async_pool *p, void *obj);
/*
 * async_pool_alloc, with @init(obj, arg) run under the pool lock before the
 * object can be seen by async_pool_walk. @init must take no lock.
 */
void *async_pool_alloc_init(struct async_pool *p, void (*init)(void *obj, void *arg), void *arg);
/*
 * Calls @fn(obj, arg) for every allocated object of @p, under the pool lock:
 * no object of @p is allocated or freed meanwhile, so @fn must not allocate
 * from or free to @p. Used for introspection, in place of a list of live
 * objects that every allocation and free would have to lock again.
 */
void async_pool_walk(struct async_pool *p, void (*fn)(void *obj, void *arg), void *arg);
/*
 * For owners that cache freed objects (see the legend above): an object
 * taken from / put into the owner's cache instead of the pool. Lock-free
 * (atomic counters); the object itself stays allocated from the pool's view.
 */
void async_pool_cache_take(struct async_pool *p);
void async_pool_cache_put(struct async_pool *p);
/* Frees an object that sat in an owner's cache (already counted out of @live). */
void async_pool_free_cached(struct async_pool *p, void *obj);
/* Counts a failed allocation (an owner's cache consulted async_pool_fault). */
void async_pool_note_failure(struct async_pool *p);
/* True if @obj points at an object slot of @p (allocated or not). */
bool async_pool_contains(const struct async_pool *p, const void *obj);
void async_pool_stats(struct async_pool *p, struct async_pool_stats *out);
/* Calls @fn for every pool in the image, in link order. */
void async_pool_foreach(void (*fn)(struct async_pool *p, void *arg), void *arg);
/* Pools the registry sees: every ASYNC_POOL_DEFINE linked into the image. */
unsigned async_pool_count(void);
/*
 * Fault injection: consulted by every allocation; true makes it fail as if
 * @p were exhausted (counted in failures). The default (weak) never fails;
 * a test port overrides it with a strong definition to exercise error paths.
 */
bool async_pool_fault(const struct async_pool *p);

/* The configuration signature (see the head of this file); defined in pool.c. */
#define ASYNC__CONFIG_SIG_(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w)    \
	async_config_##a##_##b##_##c##_##d##_##e##_##f##_##g##_##h##_##i##_##j##_##k##_##l##_##m##_##n##_##o##_##p##_##q##_##r##_##s##_##t##_##u##_##v##_##w
#define ASYNC__CONFIG_SIG(...) ASYNC__CONFIG_SIG_(__VA_ARGS__)
#define ASYNC_CONFIG_SIG                                                                           \
	ASYNC__CONFIG_SIG(                                                                         \
	    ASYNC_STACK_BYTES, ASYNC_FRAME_STATE_MAX, ASYNC_OPS_MAX, ASYNC_WAITERS_MAX,            \
	    ASYNC_SLOT_BLOCKS_MAX, ASYNC_SLOTS_PER_BLOCK, ASYNC_WAITER_SLOTS_MAX,                  \
	    ASYNC_SPILL_CHUNK, ASYNC_KERNEL_HEAP_BYTES, ASYNC_JOIN_MAX, ASYNC_BUFS_MAX,            \
	    ASYNC_OWNED_BUF_BYTES, ASYNC_OWNED_BUFS_MAX, ASYNC_SG_MAX, ASYNC_PAGE_SIZE,            \
	    ASYNC_REGBUF_MAX, ASYNC_REGBUF_TABLES_MAX, ASYNC_PBQ_MAX, ASYNC_PBQ_QUEUES_MAX,        \
	    ASYNC_PBQ_CONSUMERS_MAX, ASYNC_WORKERS, ASYNC_WORK_QUEUE, ASYNC_WAITER_OP_CACHE)
extern const char ASYNC_CONFIG_SIG;
/* One pointer per file: an undefined reference at link time if the limits differ. */
static const char *const async_config_sig_ref __attribute__((used)) = &ASYNC_CONFIG_SIG;

#endif
