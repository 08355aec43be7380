# The portable async core: built into the kernel and into every host test.
async-y += kernel/async/pool.o
