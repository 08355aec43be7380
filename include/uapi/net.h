/*
 * uapi/net.h - sockets and interface configuration (IPv4 only).
 * Addresses and ports in struct tio_sockaddr_in are in network byte order.
 */
#ifndef UAPI_NET_H
#define UAPI_NET_H

#include <stdint.h>

#define AF_INET	     2
#define SOCK_STREAM  1
#define SOCK_DGRAM   2
#define SOCK_RAW     3 /* with IPPROTO_ICMP: ping */
#define IPPROTO_ICMP 1

#define SHUT_RD	  0
#define SHUT_WR	  1
#define SHUT_RDWR 2

#define MSG_DONTWAIT 0x40

struct tio_sockaddr_in {
	uint16_t family; /* AF_INET */
	uint16_t port;	 /* network order */
	uint32_t addr;	 /* network order */
	uint8_t zero[8];
};

/* ioctl requests on a socket, for ifconfig */
#define TIO_SIOCGIFCONF 0x8912 /* arg: struct tio_ifreq[TIO_IF_MAX], returns count */
#define TIO_SIOCSIFADDR 0x8916 /* arg: struct tio_ifreq with name, addr, netmask */
#define TIO_IF_MAX	8

struct tio_ifreq {
	char name[16];
	uint8_t mac[6];
	uint16_t flags;			 /* TIO_IFF_* */
	uint32_t addr, netmask, gateway; /* network order */
	uint32_t mtu;
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
};
#define TIO_IFF_UP   0x1
#define TIO_IFF_DHCP 0x2

#endif
