kernel-y += kernel/proc/proc.o
kernel-y += kernel/proc/elf.o
kernel-y += kernel/proc/uaccess.o
kernel-y += kernel/proc/uvm.o
kernel-y += kernel/proc/limits.o
