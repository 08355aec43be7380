kernel-y += kernel/arch/x86_64/boot.o
kernel-y += kernel/arch/x86_64/isr.o
kernel-y += kernel/arch/x86_64/setjmp.o
kernel-y += kernel/arch/x86_64/switch.o
kernel-y += kernel/arch/x86_64/gdt.o
kernel-y += kernel/arch/x86_64/trap.o
kernel-y += kernel/arch/x86_64/pic.o
kernel-y += kernel/arch/x86_64/pit.o
