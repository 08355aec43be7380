kernel-y += kernel/syscall/syscall.o
kernel-y += kernel/syscall/sys_proc.o
kernel-y += kernel/syscall/sys_fs.o
kernel-y += kernel/syscall/sys_async.o
kernel-y += kernel/syscall/sys_pbq.o
kernel-y += kernel/syscall/sys_info.o
kernel-y += kernel/syscall/sys_tty.o
kernel-y += kernel/syscall/sys_net.o
