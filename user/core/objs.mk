# Pure cores of the commands: no system calls; in libulib.a and in the host tests.
ucore-y +=
