# Freestanding code shared by the kernel and the user runtime. Simple
# assignments: both mk/kernel.mk and mk/user.mk include this file.
# lib-pure-y also builds into the host tests; lib/string.o would shadow the
# host C library there, so it is only in lib-y.
lib-pure-y := lib/fmt.o lib/civil.o
lib-y := $(lib-pure-y) lib/string.o
