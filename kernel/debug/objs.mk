kernel-y += kernel/debug/panic.o
kernel-y += kernel/debug/ksyms.o
kernel-y += kernel/debug/crash.o
