/* buffer: borrowed, user (pinned, SG list), owned; borrow counts and release rules. */
#include "synth.h"
#include "utest.h"

static void release_borrowed_while_borrowed(void *arg)
{
	async_buf_release(arg);
}

static void test_borrowed_release_while_borrowed_panics(void)
{
	static char mem[64];
	struct async_buf *b = async_buf_borrowed(mem, sizeof(mem), ASYNC_BUF_WRITE);

	UT_ASSERT(b);
	UT_EQ(async_buf_borrow(b, ASYNC_BUF_WRITE), 0);
	UT_ASSERT(async_buf_is_borrowed(b));
	UT_ASSERT(panics(release_borrowed_while_borrowed, b));
	async_buf_unborrow(b);
	UT_ASSERT(!async_buf_is_borrowed(b));
	async_buf_release(b);
	UT_EQ(pools_in_use(), 0);
}

static void test_access_is_checked(void)
{
	static char mem[64];
	struct async_buf *b = async_buf_borrowed(mem, sizeof(mem), ASYNC_BUF_READ);

	UT_EQ(async_buf_borrow(b, ASYNC_BUF_WRITE), -EFAULT);
	UT_EQ(async_buf_borrow(b, ASYNC_BUF_READ), 0);
	async_buf_unborrow(b);
	async_buf_release(b);
	UT_EQ(pools_in_use(), 0);
}

static void test_user_buffer_pins_and_unpins_after_device(void)
{
	static char mem[3 * 4096];
	struct async_port_as *as = host_as_create();
	const struct async_sg *sg;
	struct async_buf *b;
	int err;

	UT_EQ(host_as_map(as, 0x400000, mem, sizeof(mem), ASYNC_BUF_READ | ASYNC_BUF_WRITE), 0);
	b = async_buf_user(as, 0x400000 + 100, 2 * 4096, ASYNC_BUF_WRITE, &err);
	UT_ASSERT(b);
	UT_EQ(err, 0);
	UT_EQ(async_buf_sg(b, &sg), 3); /* 3996 + 4096 + 100 bytes across three pages */
	UT_EQ(sg[0].len, 4096 - 100);
	UT_EQ(sg[0].phys, (uintptr_t)mem + 100);
	UT_EQ(sg[2].len, 100);
	UT_EQ(host_as_pinned(as), 3);
	UT_EQ(async_buf_borrow(b, ASYNC_BUF_WRITE), 0);
	async_buf_release(b); /* the owner lets go while the device still writes */
	UT_EQ(host_as_pinned(as), 3);
	UT_EQ(async_buf_borrow(b, ASYNC_BUF_WRITE), -EBADF);
	async_buf_unborrow(b); /* device done: now unpinned */
	UT_EQ(host_as_pinned(as), 0);
	host_as_destroy(as);
	UT_EQ(pools_in_use(), 0);
}

static void test_user_buffer_faults(void)
{
	static char mem[4096];
	struct async_port_as *as = host_as_create();
	int err;

	UT_EQ(host_as_map(as, 0x1000, mem, sizeof(mem), ASYNC_BUF_READ), 0);
	UT_ASSERT(!async_buf_user(as, 0x9000, 10, ASYNC_BUF_READ, &err));
	UT_EQ(err, -EFAULT); /* unmapped */
	UT_ASSERT(!async_buf_user(as, 0x1000, 10, ASYNC_BUF_WRITE, &err));
	UT_EQ(err, -EFAULT); /* read-only page, device would write */
	UT_ASSERT(!async_buf_user(as, 0x1000, 8192, ASYNC_BUF_READ, &err));
	UT_EQ(err, -EFAULT); /* runs past the mapping */
	UT_ASSERT(!async_buf_user(as, 0x1000, 0, ASYNC_BUF_READ, &err));
	UT_EQ(err, -EINVAL);
	host_fail_pin_after(1);
	UT_ASSERT(!async_buf_user(as, 0x1000, 10, ASYNC_BUF_READ, &err));
	UT_EQ(err, -ENOMEM); /* injected */
	UT_EQ(host_as_pinned(as), 0);
	host_as_destroy(as);
	UT_EQ(pools_in_use(), 0);
}

static void test_owned_buffers_come_from_a_pool(void)
{
	struct async_buf *b[ASYNC_OWNED_BUFS_MAX + 1];
	unsigned i;

	UT_ASSERT(!async_buf_owned(ASYNC_OWNED_BUF_BYTES + 1));
	for (i = 0; i < ASYNC_OWNED_BUFS_MAX; i++) {
		b[i] = async_buf_owned(100);
		UT_ASSERT(b[i]);
		memset(async_buf_data(b[i]), (int)i, 100);
	}
	UT_ASSERT(!async_buf_owned(100)); /* exhausted: NULL, no panic */
	UT_EQ(async_buf_borrow(b[0], ASYNC_BUF_READ), 0);
	async_buf_release(b[0]); /* deferred until unborrow */
	UT_EQ(((unsigned char *)async_buf_data(b[1]))[0], 1);
	async_buf_unborrow(b[0]);
	for (i = 1; i < ASYNC_OWNED_BUFS_MAX; i++)
		async_buf_release(b[i]);
	UT_EQ(pools_in_use(), 0);
}

static void unborrow_too_often(void *arg)
{
	async_buf_unborrow(arg);
}

static void test_unbalanced_unborrow_panics(void)
{
	struct async_buf *b = async_buf_owned(10);

	UT_ASSERT(panics(unborrow_too_often, b));
	async_buf_release(b);
}

static const struct utest tests[] = {
    UTEST(test_borrowed_release_while_borrowed_panics),	  UTEST(test_access_is_checked),
    UTEST(test_user_buffer_pins_and_unpins_after_device), UTEST(test_user_buffer_faults),
    UTEST(test_owned_buffers_come_from_a_pool),		  UTEST(test_unbalanced_unborrow_panics),
};
UTEST_MAIN("buffer", tests)
