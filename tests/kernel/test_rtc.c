/*
 * test_rtc.c - the CMOS RTC decoder on register bytes in each encoding
 * (BCD/binary, 24/12-hour, century register or not), garbage rejected, and
 * the wall clock read at boot being a plausible, advancing time.
 */
#include <kernel/ktest.h>
#include <kernel/time.h>
#include <uapi/errno.h>

#define B_24H 0x02
#define B_BIN 0x04

/* 2026-12-02 17:10:09 UTC */
#define WANT 1796231409LL

KTEST(rtc_decode_bcd_24h)
{
	struct rtc_raw r = {0x09, 0x10, 0x17, 0x02, 0x12, 0x26, 0x20, B_24H};
	int64_t s = 0;

	KT_EQ(rtc_decode(&r, &s), 0);
	KT_EQ(s, WANT);
}

KTEST(rtc_decode_binary_24h)
{
	struct rtc_raw r = {9, 10, 17, 2, 12, 26, 20, B_24H | B_BIN};
	int64_t s = 0;

	KT_EQ(rtc_decode(&r, &s), 0);
	KT_EQ(s, WANT);
}

KTEST(rtc_decode_12h_pm_am_and_midnight)
{
	struct rtc_raw r = {0x09, 0x10, 0x80 | 0x05, 0x02, 0x12, 0x26, 0x20, 0};
	int64_t s = 0;

	KT_EQ(rtc_decode(&r, &s), 0); /* 5 PM, BCD */
	KT_EQ(s, WANT);
	r = (struct rtc_raw){9, 10, 0x80 | 5, 2, 12, 26, 20, B_BIN};
	KT_EQ(rtc_decode(&r, &s), 0); /* 5 PM, binary */
	KT_EQ(s, WANT);
	r.hour = 12; /* 12 AM is midnight */
	KT_EQ(rtc_decode(&r, &s), 0);
	KT_EQ(s, WANT - 17 * 3600);
	r.hour = 0x80 | 12; /* 12 PM is noon */
	KT_EQ(rtc_decode(&r, &s), 0);
	KT_EQ(s, WANT - 5 * 3600);
}

KTEST(rtc_decode_without_century_register)
{
	struct rtc_raw r = {0x09, 0x10, 0x17, 0x02, 0x12, 0x26, 0x00, B_24H};
	int64_t s = 0;

	KT_EQ(rtc_decode(&r, &s), 0); /* century 0: two-digit 26 is 2026 */
	KT_EQ(s, WANT);
	r.year = 0x99;
	KT_EQ(rtc_decode(&r, &s), 0); /* 99 is 1999 */
	KT_ASSERT(s < 946684800LL && s > 915148800LL);
}

KTEST(rtc_decode_rejects_garbage)
{
	static const struct rtc_raw bad[] = {
	    {0x0a, 0x10, 0x17, 0x02, 0x12, 0x26, 0x20, B_24H}, /* BCD digit A */
	    {0x09, 0x60, 0x17, 0x02, 0x12, 0x26, 0x20, B_24H}, /* minute 60 */
	    {0x09, 0x10, 0x24, 0x02, 0x12, 0x26, 0x20, B_24H}, /* hour 24 */
	    {0x09, 0x10, 0x13, 0x02, 0x12, 0x26, 0x20, 0},     /* 12-hour 13 */
	    {0x09, 0x10, 0x00, 0x02, 0x12, 0x26, 0x20, 0},     /* 12-hour 0 */
	    {0x09, 0x10, 0x17, 0x00, 0x12, 0x26, 0x20, B_24H}, /* day 0 */
	    {0x09, 0x10, 0x17, 0x02, 0x13, 0x26, 0x20, B_24H}, /* month 13 */
	    {9, 10, 17, 2, 12, 100, 20, B_24H | B_BIN},	       /* year 100 */
	    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  /* no chip */
	};
	int64_t s = 0;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		KT_EQ(rtc_decode(&bad[i], &s), -EINVAL);
}

/* QEMU's RTC starts at the host's time: after 2020, and it moves with the clock. */
KTEST(rtc_wall_clock_is_read_and_advances)
{
	int64_t a = clock_realtime_ns();

	KT_ASSERT(a > 1577836800LL * (int64_t)NSEC_PER_SEC);
	KT_ASSERT(clock_realtime_ns() >= a);
}
