# The portable async core: built into the kernel and into every host test.
async-y += kernel/async/pool.o
async-y += kernel/async/stack.o
async-y += kernel/async/op.o
async-y += kernel/async/waiter.o
async-y += kernel/async/join.o
async-y += kernel/async/buf.o
async-y += kernel/async/regbuf.o
async-y += kernel/async/mutex.o
async-y += kernel/async/worker.o
