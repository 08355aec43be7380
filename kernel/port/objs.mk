kernel-y += kernel/port/async_port.o
