# /bin/sh: the pure parser (host-tested) and the executor.
sh-y += user/sh/main.o
