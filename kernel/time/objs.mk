kernel-y += kernel/time/clock.o
kernel-y += kernel/time/timer.o
kernel-y += kernel/time/rtc.o
