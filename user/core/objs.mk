# Pure cores of the commands: no system calls; in libulib.a and in the host tests.
ucore-y += user/core/sha256.o user/core/hexdump.o user/core/dd.o user/core/lsfmt.o
ucore-y += user/core/opt.o user/core/http.o user/core/split.o user/core/inet.o user/core/mdargs.o
ucore-y += user/core/datefmt.o user/core/bre.o user/core/textutil.o
ucore-y += user/core/sysfmt.o
ucore-y += user/core/help.o
