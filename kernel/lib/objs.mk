kernel-y += kernel/lib/string.o
