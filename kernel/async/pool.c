/*
 * pool.c - static object pools (see async/pool.h for the contract).
 *
 * Allocation is O(1): first the free list of returned objects, then the
 * never-used tail of the array, so a pool needs no initialisation pass and
 * can be defined as a plain static object.
 */
#include <async/pool.h>

#define BITS_PER_WORD (8 * sizeof(unsigned long))

/*
 * Strong references on purpose: an image without the registry section fails
 * to link (undefined __start_async_pools) rather than running with an empty
 * registry. A section only partly kept is not caught here: the registrations
 * are retained (async/pool.h) and async_pool_count() lets a port check.
 */
extern struct async_pool *const __start_async_pools[];
extern struct async_pool *const __stop_async_pools[];

/* Every file built with the same async/config.h values links against this. */
const char ASYNC_CONFIG_SIG = 0;

static unsigned pool_index(const struct async_pool *p, const void *obj)
{
	return (unsigned)(((const unsigned char *)obj - p->storage) / p->stride);
}

bool async_pool_contains(const struct async_pool *p, const void *obj)
{
	const unsigned char *o = obj;

	if (o < p->storage || o >= p->storage + (size_t)p->capacity * p->stride)
		return false;
	return (size_t)(o - p->storage) % p->stride == 0;
}

static bool test_bit(const unsigned long *map, unsigned i)
{
	return (map[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static void flip_bit(unsigned long *map, unsigned i)
{
	map[i / BITS_PER_WORD] ^= 1UL << (i % BITS_PER_WORD);
}

/* Takes one object off the pool; caller holds p->lock. */
static void *__pool_take(struct async_pool *p)
{
	void *obj;

	if (p->free_list) {
		obj = p->free_list;
		memcpy(&p->free_list, obj, sizeof(void *));
	} else if (p->next_fresh < p->capacity) {
		obj = p->storage + (size_t)p->next_fresh++ * p->stride;
	} else {
		p->failures++;
		return NULL;
	}
	flip_bit(p->used, pool_index(p, obj));
	p->allocs++;
	if (++p->in_use > p->high_water)
		p->high_water = p->in_use;
	async_pool_cache_take(p);
	return obj;
}

/* @live + 1, and its high-water mark: lock-free, callers may hold no pool lock. */
void async_pool_cache_take(struct async_pool *p)
{
	unsigned n = __atomic_add_fetch(&p->live, 1, __ATOMIC_RELAXED);
	unsigned hw = __atomic_load_n(&p->live_high, __ATOMIC_RELAXED);

	while (n > hw && !__atomic_compare_exchange_n(&p->live_high, &hw, n, true, __ATOMIC_RELAXED,
						      __ATOMIC_RELAXED))
		;
}

void async_pool_cache_put(struct async_pool *p)
{
	__atomic_sub_fetch(&p->live, 1, __ATOMIC_RELAXED);
}

void async_pool_note_failure(struct async_pool *p)
{
	unsigned long flags = async_spin_lock_irqsave(&p->lock);

	p->failures++;
	async_spin_unlock_irqrestore(&p->lock, flags);
}

__attribute__((weak)) bool async_pool_fault(const struct async_pool *p)
{
	(void)p;
	return false;
}

void *async_pool_alloc(struct async_pool *p)
{
	bool fail = async_pool_fault(p);
	unsigned long flags = async_spin_lock_irqsave(&p->lock);
	void *obj = NULL;

	if (fail)
		p->failures++;
	else
		obj = __pool_take(p);

	async_spin_unlock_irqrestore(&p->lock, flags);
	return obj;
}

void *async_pool_alloc_init(struct async_pool *p, void (*init)(void *obj, void *arg), void *arg)
{
	bool fail = async_pool_fault(p);
	unsigned long flags = async_spin_lock_irqsave(&p->lock);
	void *obj = NULL;

	if (fail)
		p->failures++;
	else
		obj = __pool_take(p);
	if (obj)
		init(obj, arg);
	async_spin_unlock_irqrestore(&p->lock, flags);
	return obj;
}

void async_pool_walk(struct async_pool *p, void (*fn)(void *obj, void *arg), void *arg)
{
	unsigned long flags = async_spin_lock_irqsave(&p->lock);
	unsigned i;

	/* Objects at next_fresh and above were never allocated. */
	for (i = 0; i < p->next_fresh; i++)
		if (test_bit(p->used, i))
			fn(p->storage + (size_t)i * p->stride, arg);
	async_spin_unlock_irqrestore(&p->lock, flags);
}

void *async_pool_zalloc(struct async_pool *p)
{
	void *obj = async_pool_alloc(p);

	if (obj)
		memset(obj, 0, p->obj_size);
	return obj;
}

/* Returns @obj to the free list; @cached: it sat in an owner's cache, not in use. */
static void pool_put(struct async_pool *p, void *obj, bool cached)
{
	unsigned long flags;
	unsigned i;

	if (!async_pool_contains(p, obj))
		async_port_panic("pool %s: freeing %p, which is not one of its objects", p->name,
				 obj);
	i = pool_index(p, obj);
	flags = async_spin_lock_irqsave(&p->lock);
	if (!test_bit(p->used, i)) {
		async_spin_unlock_irqrestore(&p->lock, flags);
		async_port_panic("pool %s: double free of object %u (%p)", p->name, i, obj);
	}
	flip_bit(p->used, i);
	memcpy(obj, &p->free_list, sizeof(void *));
	p->free_list = obj;
	p->in_use--;
	if (!cached)
		async_pool_cache_put(p);
	async_spin_unlock_irqrestore(&p->lock, flags);
}

void async_pool_free(struct async_pool *p, void *obj)
{
	pool_put(p, obj, false);
}

void async_pool_free_cached(struct async_pool *p, void *obj)
{
	pool_put(p, obj, true);
}

void async_pool_stats(struct async_pool *p, struct async_pool_stats *out)
{
	unsigned long flags = async_spin_lock_irqsave(&p->lock);

	out->name = p->name;
	out->obj_size = p->obj_size;
	out->capacity = p->capacity;
	out->in_use = __atomic_load_n(&p->live, __ATOMIC_RELAXED);
	out->high_water = __atomic_load_n(&p->live_high, __ATOMIC_RELAXED);
	out->cached = p->in_use > out->in_use ? p->in_use - out->in_use : 0;
	out->allocs = p->allocs;
	out->failures = p->failures;
	async_spin_unlock_irqrestore(&p->lock, flags);
}

void async_pool_foreach(void (*fn)(struct async_pool *p, void *arg), void *arg)
{
	struct async_pool *const *it;

	/* The linker places both symbols around one section: one object in fact. */
	// cppcheck-suppress comparePointers
	for (it = __start_async_pools; it < __stop_async_pools; it++)
		fn(*it, arg);
}

unsigned async_pool_count(void)
{
	// cppcheck-suppress comparePointers
	return (unsigned)(__stop_async_pools - __start_async_pools);
}
