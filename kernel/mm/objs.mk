kernel-y += kernel/mm/pmm.o
kernel-y += kernel/mm/paging.o
