# The user runtime (libulib.a). ulib-pure-y: no system calls, also built for
# the host tests; ulib-y: everything linked into user programs.
include lib/objs.mk
ulib-pure-y += $(lib-pure-y) user/lib/strerror.o user/lib/linebuf.o user/lib/umem.o
ulib-pure-y += user/lib/aio_prep.o
ulib-y += $(ulib-pure-y)
ulib-y += $(lib-y) user/lib/crt0.o user/lib/string.o user/lib/stdio.o user/lib/stdlib.o user/lib/aio.o
ulib-y += user/lib/cmd.o user/lib/lread.o user/lib/headtail.o
ulib-y += user/lib/aio_ring.o
