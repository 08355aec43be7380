/*
 * pool_registry_gc: the pool registry survives the link an adopter is likely
 * to use. This program is linked with -Wl,--gc-sections -Wl,-z,start-stop-gc
 * (mk/host.mk), which drops any section that only __start_/__stop_ symbols
 * reference. If the registry's section went, async_pool_foreach would see no
 * pools and every "all pools idle" check would pass without checking anything.
 *
 * EXPECTED_POOLS comes from the build: the ASYNC_POOL_DEFINE lines of the core
 * sources, the host port and synth sources, and this file, so a pool added to
 * any of them is counted too.
 */
#include "synth.h"
#include "utest.h"

struct probe {
	long x;
};
ASYNC_POOL_DEFINE(gc_probe_pool, "gc_probe", struct probe, 2);

struct census {
	unsigned pools, probe, op;
};

static void count_pool(struct async_pool *p, void *arg)
{
	struct census *c = arg;

	c->pools++;
	c->probe += p == &gc_probe_pool;
	c->op += !strcmp(p->name, "async_op");
}

static void test_registry_sees_every_pool_after_gc_sections(void)
{
	struct census c = {0};

	async_pool_foreach(count_pool, &c);
	UT_EQ(c.probe, 1);
	UT_EQ(c.op, 1);
	UT_EQ(c.pools, EXPECTED_POOLS);
	UT_EQ(async_pool_count(), EXPECTED_POOLS);
}

static const struct utest tests[] = {
    UTEST(test_registry_sees_every_pool_after_gc_sections),
};
UTEST_MAIN("pool_registry_gc", tests)
