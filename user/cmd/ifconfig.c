/*
 * ifconfig                          - list interfaces (busybox layout)
 * ifconfig IFACE ADDR netmask MASK  - set an interface's address and bring it up
 * Both go through ioctls on a datagram socket (uapi/net.h).
 */
#include <stdio.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/start.h>
#include <tio/sys.h>

static void print_if(const struct tio_ifreq *r)
{
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	const uint8_t *mac = r->mac;

	inet_format(a, r->addr);
	inet_format(m, r->netmask);
	inet_format(g, r->gateway);
	printf("%-9.16s Link encap:Ethernet  HWaddr %02X:%02X:%02X:%02X:%02X:%02X\n", r->name,
	       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	printf("          inet addr:%s  Mask:%s  Gateway:%s\n", a, m, g);
	printf("          %s%sMTU:%u\n", r->flags & TIO_IFF_UP ? "UP  " : "",
	       r->flags & TIO_IFF_DHCP ? "DHCP  " : "", r->mtu);
	printf("          RX packets:%llu  TX packets:%llu\n", (unsigned long long)r->rx_packets,
	       (unsigned long long)r->tx_packets);
	printf("          RX bytes:%llu  TX bytes:%llu\n\n", (unsigned long long)r->rx_bytes,
	       (unsigned long long)r->tx_bytes);
}

static int list(int s)
{
	struct tio_ifreq ifs[TIO_IF_MAX];
	long n;

	memset(ifs, 0, sizeof(ifs));
	n = sys_ioctl(s, TIO_SIOCGIFCONF, ifs);
	if (n < 0)
		return cmd_err_dev("ifconfig", "interface listing", n);
	for (long i = 0; i < n && i < TIO_IF_MAX; i++)
		print_if(&ifs[i]);
	return 0;
}

static int set(int s, char **argv)
{
	struct tio_ifreq r;
	long e;

	memset(&r, 0, sizeof(r));
	if (strlen(argv[1]) >= sizeof(r.name) || strcmp(argv[3], "netmask") ||
	    inet_parse(argv[2], &r.addr) < 0 || inet_parse(argv[4], &r.netmask) < 0) {
		fprintf(stderr, "usage: ifconfig IFACE ADDR netmask MASK\n");
		return 1;
	}
	strcpy(r.name, argv[1]);
	r.flags = TIO_IFF_UP;
	e = sys_ioctl(s, TIO_SIOCSIFADDR, &r);
	return e < 0 ? cmd_err_dev("ifconfig", argv[1], e) : 0;
}

int main(int argc, char **argv)
{
	long s = sys_socket(AF_INET, SOCK_DGRAM, 0);
	int status;

	if (s < 0)
		return cmd_err_dev("ifconfig", "networking", s);
	if (argc == 1)
		status = list((int)s);
	else if (argc == 5)
		status = set((int)s, argv);
	else {
		fprintf(stderr, "usage: ifconfig [IFACE ADDR netmask MASK]\n");
		status = 1;
	}
	sys_close((int)s);
	return status;
}
