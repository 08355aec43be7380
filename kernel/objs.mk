# The kernel proper: every folder's fragment, then kernel/main.o.
include kernel/arch/x86_64/objs.mk
include kernel/boot/objs.mk
include kernel/console/objs.mk
include kernel/debug/objs.mk
include kernel/lib/objs.mk
include kernel/mm/objs.mk
include kernel/sched/objs.mk
include kernel/time/objs.mk
include kernel/port/objs.mk
include kernel/proc/objs.mk
include kernel/syscall/objs.mk
include fs/objs.mk
include lib/objs.mk
kernel-y += $(lib-y)
kernel-y += kernel/main.o
kernel-y += kernel/stats.o
include net/objs.mk
include drivers/objs.mk
