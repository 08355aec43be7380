/*
 * test_pool.c - static object pools in the kernel: exhaustion returns NULL
 * and counts a failure, freed objects come back, counters and high water
 * are right, async_pool_foreach lists the kernel's pools.
 */
#include <async/pool.h>
#include <kernel/ktest.h>
#include <kernel/string.h>

struct widget {
	uint64_t a, b;
	char tag[20];
};

ASYNC_POOL_DEFINE(ktest_widget_pool, "ktest-widget", struct widget, 4);

KTEST(pool_exhaustion_and_counters)
{
	struct widget *w[4];
	struct async_pool_stats s0, s;

	async_pool_stats(&ktest_widget_pool, &s0);
	KT_EQ(s0.capacity, 4);
	for (int i = 0; i < 4; i++) {
		w[i] = async_pool_zalloc(&ktest_widget_pool);
		KT_ASSERT(w[i] != NULL);
		KT_EQ(w[i]->a, 0);
		KT_ASSERT(async_pool_contains(&ktest_widget_pool, w[i]));
	}
	KT_ASSERT(async_pool_alloc(&ktest_widget_pool) == NULL);
	async_pool_stats(&ktest_widget_pool, &s);
	KT_EQ(s.in_use, 4);
	KT_EQ(s.high_water, 4);
	KT_EQ(s.failures, s0.failures + 1);
	KT_EQ(s.allocs, s0.allocs + 4);
	async_pool_free(&ktest_widget_pool, w[2]);
	KT_ASSERT(async_pool_alloc(&ktest_widget_pool) == w[2]); /* the freed one comes back */
	for (int i = 0; i < 4; i++)
		async_pool_free(&ktest_widget_pool, w[i]);
	async_pool_stats(&ktest_widget_pool, &s);
	KT_EQ(s.in_use, 0);
	KT_EQ(s.high_water, 4);
}

struct found {
	bool widget, thread, kstack;
	unsigned count;
};

static void note_pool(struct async_pool *p, void *arg)
{
	struct found *f = arg;

	f->count++;
	f->widget |= !strcmp(p->name, "ktest-widget");
	f->thread |= !strcmp(p->name, "thread");
	f->kstack |= !strcmp(p->name, "kstack");
}

KTEST(pool_foreach_lists_kernel_pools)
{
	struct found f = {0};

	async_pool_foreach(note_pool, &f);
	KT_ASSERT(f.widget && f.thread && f.kstack);
	KT_ASSERT(f.count >= 3);
}
