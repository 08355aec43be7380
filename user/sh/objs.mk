# /bin/sh: the pure parser (also in the host tests) and the executor.
sh-pure-y += user/sh/parse.o user/sh/edit.o
sh-y += user/sh/main.o user/sh/exec.o $(sh-pure-y)
sh-y += user/sh/help.o
