kernel-y += kernel/console/serial.o
kernel-y += kernel/console/vga.o
kernel-y += kernel/console/log.o
kernel-y += kernel/console/tty.o
