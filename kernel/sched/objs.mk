kernel-y += kernel/sched/sched.o
kernel-y += kernel/sched/thread.o
kernel-y += kernel/sched/waitq.o
