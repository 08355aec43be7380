kernel-y += kernel/boot/bootinfo.o
