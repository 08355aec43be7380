# The IPv4 stack (include/net/net.h); wire.c also builds on the host for the fuzzer.
kernel-y += net/wire.o
kernel-y += net/iface.o
kernel-y += net/eth.o
kernel-y += net/ipv4.o
kernel-y += net/dhcp.o
kernel-y += net/socket.o
# The host fuzzer over the parsers (tests/host/fuzz/net_frames.c) links net/wire.c.
$(HOST_DIR)/fuzz/net_frames: $(HOST_DIR)/fuzzo/net/wire.o
# The TCP engine (net/tcp/objs.mk lists it for the host tests too) and its glue to IPv4.
include net/tcp/objs.mk
kernel-y += $(sort $(tcp-y)) # sort: mk/host.mk includes the list too
kernel-y += net/tcpip.o
kernel-y += net/tcpsock.o
