kernel-y += kernel/lib/string.o
kernel-y += kernel/lib/format.o
