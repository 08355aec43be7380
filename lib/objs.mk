# Freestanding code shared by the kernel and the user runtime. Simple
# assignment: both mk/kernel.mk and mk/user.mk include this file.
lib-y := lib/fmt.o
