/* pool: static pools - exhaustion, counters, reuse, double free. */
#include "synth.h"
#include "utest.h"

struct thing {
	long a, b;
};
ASYNC_POOL_DEFINE(test_pool, "test_thing", struct thing, 4);

static void test_exhaustion_and_counters(void)
{
	struct thing *t[5];
	struct async_pool_stats st;
	int i;

	for (i = 0; i < 4; i++)
		UT_ASSERT((t[i] = async_pool_zalloc(&test_pool)) != NULL);
	UT_ASSERT(async_pool_alloc(&test_pool) == NULL);
	async_pool_stats(&test_pool, &st);
	UT_EQ(st.in_use, 4);
	UT_EQ(st.failures, 1);
	UT_EQ(st.high_water, 4);
	for (i = 0; i < 4; i++)
		async_pool_free(&test_pool, t[i]);
	async_pool_stats(&test_pool, &st);
	UT_EQ(st.in_use, 0);
	t[4] = async_pool_alloc(&test_pool);
	UT_ASSERT(t[4] == t[3]); /* LIFO reuse of the free list */
	async_pool_free(&test_pool, t[4]);
}

static void double_free(void *arg)
{
	(void)arg;
	struct thing *t = async_pool_alloc(&test_pool);

	async_pool_free(&test_pool, t);
	async_pool_free(&test_pool, t);
}

static void test_double_free_panics(void)
{
	UT_ASSERT(panics(double_free, NULL));
}

static void foreign_free(void *arg)
{
	async_pool_free(&test_pool, arg);
}

static void test_foreign_free_panics(void)
{
	struct thing local;

	UT_ASSERT(panics(foreign_free, &local));
}

static void count_pool(struct async_pool *p, void *arg)
{
	if (!strcmp(p->name, "test_thing") || !strcmp(p->name, "async_op"))
		(*(int *)arg)++;
}

static void test_foreach_finds_registered_pools(void)
{
	int n = 0;

	async_pool_foreach(count_pool, &n);
	UT_EQ(n, 2);
}

static void test_injected_failure(void)
{
	struct async_pool_stats before, st;
	struct thing *a, *b, *c;

	async_pool_stats(&test_pool, &before);
	host_fail_alloc_after(2);
	a = async_pool_alloc(&test_pool);
	b = async_pool_alloc(&test_pool);
	c = async_pool_alloc(&test_pool);
	UT_ASSERT(a && !b && c);
	async_pool_stats(&test_pool, &st);
	UT_EQ(st.failures - before.failures, 1);
	UT_EQ(st.in_use, before.in_use + 2);
	async_pool_free(&test_pool, a);
	async_pool_free(&test_pool, c);
}

static const struct utest tests[] = {
    UTEST(test_exhaustion_and_counters), UTEST(test_double_free_panics),
    UTEST(test_foreign_free_panics),	 UTEST(test_foreach_finds_registered_pools),
    UTEST(test_injected_failure),
};
UTEST_MAIN("pool", tests)
