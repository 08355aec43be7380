kernel-y += kernel/port/async_port.o
kernel-y += kernel/port/user_pin.o
kernel-y += kernel/port/buf_phys.o
