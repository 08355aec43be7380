/* regbuf: a per-process table of registered (pinned once) buffers named by index. */
#include "synth.h"
#include "utest.h"

static char mem[64 * 1024];

static struct async_port_as *new_as(void)
{
	struct async_port_as *as = host_as_create();

	UT_EQ(host_as_map(as, 0x10000, mem, sizeof(mem), ASYNC_BUF_READ | ASYNC_BUF_WRITE), 0);
	return as;
}

static void test_register_get_unregister(void)
{
	struct async_port_as *as = new_as();
	struct async_regbuf_table *t = async_regbuf_create(as);
	struct async_buf *b;
	int i0, i1, err;

	i0 = async_regbuf_register(t, 0x10000, 4096, ASYNC_BUF_WRITE);
	i1 = async_regbuf_register(t, 0x12000, 8192, ASYNC_BUF_READ);
	UT_EQ(i0, 0);
	UT_EQ(i1, 1);
	UT_EQ(host_as_pinned(as), 3);
	b = async_regbuf_get(t, 1, ASYNC_BUF_READ, &err);
	UT_ASSERT(b);
	UT_EQ(async_buf_len(b), 8192);
	UT_ASSERT(!async_regbuf_get(t, 1, ASYNC_BUF_WRITE, &err));
	UT_EQ(err, -EFAULT);
	UT_ASSERT(!async_regbuf_get(t, 5, ASYNC_BUF_READ, &err));
	UT_EQ(err, -EBADF);
	UT_ASSERT(!async_regbuf_get(t, 1000, ASYNC_BUF_READ, &err));
	UT_EQ(err, -EBADF);
	UT_EQ(async_regbuf_unregister(t, 1), 0); /* still borrowed: stays pinned */
	UT_EQ(host_as_pinned(as), 3);
	UT_ASSERT(!async_regbuf_get(t, 1, ASYNC_BUF_READ, &err));
	async_buf_unborrow(b);
	UT_EQ(host_as_pinned(as), 1);
	UT_EQ(async_regbuf_unregister(t, 1), -EBADF);
	async_regbuf_destroy(t);
	UT_EQ(host_as_pinned(as), 0);
	host_as_destroy(as);
	UT_EQ(pools_in_use(), 0);
}

static void test_table_full_and_bad_registration(void)
{
	struct async_port_as *as = new_as();
	struct async_regbuf_table *t = async_regbuf_create(as);
	int i;

	for (i = 0; i < ASYNC_REGBUF_MAX; i++)
		UT_EQ(async_regbuf_register(t, 0x10000 + (uintptr_t)i * 64, 64, ASYNC_BUF_READ), i);
	UT_EQ(async_regbuf_register(t, 0x10000, 64, ASYNC_BUF_READ), -ENOSPC);
	UT_EQ(host_as_pinned(as), ASYNC_REGBUF_MAX);
	async_regbuf_destroy(t);
	t = async_regbuf_create(as);
	UT_EQ(async_regbuf_register(t, 0x90000000, 64, ASYNC_BUF_READ), -EFAULT);
	async_regbuf_destroy(t);
	UT_EQ(host_as_pinned(as), 0);
	host_as_destroy(as);
	UT_EQ(pools_in_use(), 0);
}

static const struct utest tests[] = {
    UTEST(test_register_get_unregister),
    UTEST(test_table_full_and_bad_registration),
};
UTEST_MAIN("regbuf", tests)
