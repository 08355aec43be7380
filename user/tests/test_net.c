/*
 * test_net.c - address/port parsing, ICMP echo packets (checksum, replies
 * with and without an IP header, corrupted ones), mdadm's command line and
 * the report word splitter.
 */
#include <errno.h>
#include <string.h>
#include <tio/cmd.h>
#include <tio/inet.h>
#include <tio/mdargs.h>
#include "utest.h"

static void test_inet_parse_format(void)
{
	static const char *const bad[] = {"",	      "1.2.3",	   "1.2.3.4.5", "256.1.1.1",
					  "1.2.3.4 ", "01.2.3.4",  "a.b.c.d",	"1..2.3",
					  "1.2.3.-4", "1234.1.1.1"};
	char out[INET_ADDRSTRLEN];
	uint32_t a;

	UT_EQ(inet_parse("10.0.2.15", &a), 0);
	UT_EQ(((uint8_t *)&a)[0], 10);
	UT_EQ(((uint8_t *)&a)[3], 15);
	inet_format(out, a);
	UT_ASSERT(!strcmp(out, "10.0.2.15"));
	UT_EQ(inet_parse("255.255.255.0", &a), 0);
	inet_format(out, a);
	UT_ASSERT(!strcmp(out, "255.255.255.0"));
	UT_EQ(inet_parse("0.0.0.0", &a), 0);
	UT_EQ(a, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (inet_parse(bad[i], &a) != -EINVAL)
			UT_FAIL("accepted \"%s\"", bad[i]);
}

static void test_inet_ports_and_order(void)
{
	uint16_t p;

	UT_EQ(inet_parse_port("80", &p), 0);
	UT_EQ(p, 80);
	UT_EQ(inet_parse_port("65535", &p), 0);
	UT_EQ(inet_parse_port("65536", &p), -EINVAL);
	UT_EQ(inet_parse_port("0", &p), -EINVAL);
	UT_EQ(inet_parse_port("8x", &p), -EINVAL);
	UT_EQ(inet_parse_port("", &p), -EINVAL);
	UT_EQ(inet_htons(0x1234), 0x3412);
	p = inet_htons(8080);
	UT_EQ(((uint8_t *)&p)[0], 0x1f);
	UT_EQ(((uint8_t *)&p)[1], 0x90);
}

/* RFC 1071 example words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d. */
static void test_inet_checksum_rfc1071(void)
{
	const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t ck = inet_checksum(d, sizeof(d));

	UT_EQ(((uint8_t *)&ck)[0], 0x22);
	UT_EQ(((uint8_t *)&ck)[1], 0x0d);
	UT_EQ(inet_checksum(d, 3) != 0, 1); /* odd length pads with a zero byte */
}

static void make_reply(uint8_t *pkt, size_t len, uint16_t id, uint16_t seq)
{
	uint16_t ck;

	icmp_echo_build(pkt, len, id, seq);
	pkt[0] = ICMP_ECHO_REPLY;
	pkt[2] = pkt[3] = 0;
	ck = inet_checksum(pkt, len);
	memcpy(pkt + 2, &ck, 2);
}

static void test_icmp_echo_roundtrip(void)
{
	uint8_t pkt[64], ip[20 + 64];
	struct icmp_reply r;

	icmp_echo_build(pkt, sizeof(pkt), 0xbeef, 7);
	UT_EQ(pkt[0], ICMP_ECHO_REQUEST);
	UT_EQ(inet_checksum(pkt, sizeof(pkt)), 0);		/* a valid packet sums to zero */
	UT_EQ(icmp_parse_reply(pkt, sizeof(pkt), &r), -EINVAL); /* a request is not a reply */
	make_reply(pkt, sizeof(pkt), 0xbeef, 7);
	UT_EQ(icmp_parse_reply(pkt, sizeof(pkt), &r), 0);
	UT_EQ(r.id, 0xbeef);
	UT_EQ(r.seq, 7);
	UT_EQ(r.ttl, 0);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 20, pkt, sizeof(pkt));
	UT_EQ(icmp_parse_reply(ip, sizeof(ip), &r), 0);
	UT_EQ(r.ttl, 64);
	UT_EQ(r.icmp_len, 64);
	ip[9] = 6; /* TCP inside: not ours */
	UT_EQ(icmp_parse_reply(ip, sizeof(ip), &r), -EINVAL);
	pkt[20] ^= 1; /* corrupted payload */
	UT_EQ(icmp_parse_reply(pkt, sizeof(pkt), &r), -EINVAL);
	UT_EQ(icmp_parse_reply(pkt, 4, &r), -EINVAL);
}

static int md(const char *line, struct md_args *a)
{
	static char buf[256];
	char *argv[32];
	int argc;
	const char *why = NULL;

	strcpy(buf, line);
	argc = cmd_split(buf, argv, 32);
	return md_parse_args(argc, argv, a, &why);
}

static void test_mdadm_args(void)
{
	struct md_args a;

	UT_EQ(md("mdadm --build /dev/md0 --level=1 --raid-devices=2 /dev/hda /dev/hdb", &a), 0);
	UT_EQ(a.mode, MD_BUILD);
	UT_ASSERT(!strcmp(a.array, "/dev/md0"));
	UT_EQ(a.level, 1);
	UT_EQ(a.ndevs, 2);
	UT_ASSERT(!strcmp(a.devs[1], "/dev/hdb"));
	UT_EQ(md("mdadm --build /dev/md1 -l linear -n 3 a b c", &a), 0);
	UT_EQ(a.level, TIO_MD_LINEAR);
	UT_EQ(md("mdadm --build /dev/md1 --level raid0 --raid-devices 1 a", &a), 0);
	UT_EQ(a.level, 0);
	UT_EQ(md("mdadm --detail /dev/md0", &a), 0);
	UT_EQ(a.mode, MD_DETAIL);
	UT_EQ(md("mdadm", &a), -EINVAL);
	UT_EQ(md("mdadm --detail", &a), -EINVAL);
	UT_EQ(md("mdadm --detail /dev/md0 /dev/hda", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=5 --raid-devices=2 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 --raid-devices=3 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 --raid-devices=0", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 --raid-devices=9 a b c d e f g h i", &a),
	      -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 --raid-devices=x a", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --bogus", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level", &a), -EINVAL);
	UT_ASSERT(!strcmp(md_level_name(TIO_MD_LINEAR), "linear"));
	/* --chunk (raid0 only, KiB, a power of two 4..16384) and --stop */
	UT_EQ(md("mdadm --build /dev/md0 --level=0 --chunk=8 --raid-devices=2 a b", &a), 0);
	UT_EQ(a.chunk_kib, 8);
	UT_EQ(md("mdadm --build /dev/md0 -l 0 -c 16384 -n 2 a b", &a), 0);
	UT_EQ(a.chunk_kib, 16384);
	UT_EQ(md("mdadm --build /dev/md0 --level=0 --raid-devices=2 a b", &a), 0);
	UT_EQ(a.chunk_kib, 0);
	UT_EQ(md("mdadm --build /dev/md0 --level=0 --chunk=12 --raid-devices=2 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=0 --chunk=2 --raid-devices=2 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=0 --chunk=32768 --raid-devices=2 a b", &a),
	      -EINVAL);
	UT_EQ(md("mdadm --build /dev/md0 --level=1 --chunk=64 --raid-devices=2 a b", &a), -EINVAL);
	UT_EQ(md("mdadm --stop /dev/md0", &a), 0);
	UT_EQ(a.mode, MD_STOP);
	UT_ASSERT(!strcmp(a.array, "/dev/md0"));
	UT_EQ(md("mdadm -S /dev/md1", &a), 0);
	UT_EQ(a.mode, MD_STOP);
	UT_EQ(md("mdadm --stop /dev/md0 /dev/hda", &a), -EINVAL);
	UT_EQ(md("mdadm --stop", &a), -EINVAL);
}

static void test_split_words(void)
{
	char line[] = "  /dev/hda1 /mnt\tvfat rw extra\nnext line";
	char *w[4];

	UT_EQ(cmd_split(line, w, 4), 4);
	UT_ASSERT(!strcmp(w[0], "/dev/hda1"));
	UT_ASSERT(!strcmp(w[2], "vfat"));
	UT_ASSERT(!strcmp(w[3], "rw"));
	char l2[] = "a b\n";
	UT_EQ(cmd_split(l2, w, 4), 2);
	UT_ASSERT(!strcmp(w[1], "b"));
	char l3[] = "   \n";
	UT_EQ(cmd_split(l3, w, 4), 0);
	char l4[] = "";
	UT_EQ(cmd_split(l4, w, 4), 0);
}

static const struct utest tests[] = {
    UTEST(test_inet_parse_format),
    UTEST(test_inet_ports_and_order),
    UTEST(test_inet_checksum_rfc1071),
    UTEST(test_icmp_echo_roundtrip),
    UTEST(test_mdadm_args),
    UTEST(test_split_words),
};

UTEST_MAIN("user_net", tests)
