# The TCP engine (net/tcp/): built into host tests, and into the kernel through
# net/objs.mk (joined to IPv4 by net/tcpip.c; include/net/tcp.h is the contract).
tcp-y += net/tcp/tcp_seg.o
tcp-y += net/tcp/tcp_in.o
tcp-y += net/tcp/tcp_out.o
tcp-y += net/tcp/tcp_sock.o
tcp-y += net/tcp/tcp_stats.o
tcp-y += net/tcp/tcp_icmp.o
tcp-y += net/tcp/tcp_txref.o
