# In-kernel test cases (KTEST), linked into build/kernel-test.* only.
ktest-y += tests/kernel/test_exceptions.o
ktest-y += tests/kernel/test_timer.o
ktest-y += tests/kernel/test_sched.o
ktest-y += tests/kernel/test_waitq.o
ktest-y += tests/kernel/test_spinlock.o
ktest-y += tests/kernel/test_pool.o
ktest-y += tests/kernel/test_mm.o
ktest-y += tests/kernel/test_async_port.o
ktest-y += tests/kernel/test_lib.o
ktest-y += tests/kernel/test_console.o
ktest-y += tests/kernel/test_uaccess.o
