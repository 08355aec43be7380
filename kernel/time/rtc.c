/*
 * rtc.c - the CMOS real-time clock (MC146818, ports 0x70/0x71) and the
 * wall clock built on it.
 *
 * Interface (kernel/time.h):
 *   rtc_init()           once at boot, after clock_init(): reads the RTC
 *   clock_realtime_ns()  nanoseconds since 1970-01-01 UTC: the RTC at boot
 *                        plus the monotonic clock since; 0-based (1970) if
 *                        the RTC could not be read
 *   rtc_decode(raw, &s)  pure: register bytes -> seconds since the epoch
 *
 * Reading: the chip updates its registers once a second and sets "update in
 * progress" (status A bit 7) 244 us before it starts; registers read during
 * an update may mix two seconds. So we wait for UIP clear, read everything,
 * and repeat until two consecutive reads agree. Status B says how values are
 * encoded: bit 2 set = binary (else BCD), bit 1 set = 24-hour (else 12-hour,
 * where bit 7 of the hour byte means PM). The century register (0x32, as
 * QEMU and most PC firmware keep it) is used when it holds a sane value.
 *
 * The RTC is read once: the wall clock then follows the TSC, so it never goes
 * backwards between two reads. A corrupt RTC (a month of 13, a BCD digit
 * of 0xA) is not fatal: the kernel warns and keeps the epoch as its time.
 */
#include <arch/x86_64/cpu.h>
#include <kernel/console.h>
#include <kernel/time.h>
#include <lib/civil.h>
#include <uapi/errno.h>

#define CMOS_ADDR     0x70
#define CMOS_DATA     0x71
#define CMOS_NMI_OFF  0x80 /* keep NMIs masked while the index is set, as firmware does */
#define RTC_SEC	      0x00
#define RTC_MIN	      0x02
#define RTC_HOUR      0x04
#define RTC_MDAY      0x07
#define RTC_MON	      0x08
#define RTC_YEAR      0x09
#define RTC_STATUS_A  0x0a
#define RTC_STATUS_B  0x0b
#define RTC_CENTURY   0x32
#define RTC_A_UIP     0x80
#define RTC_B_24H     0x02
#define RTC_B_BINARY  0x04
#define RTC_HOUR_PM   0x80
#define RTC_READ_MAX  1000    /* attempts at a stable read before giving up */
#define RTC_UIP_SPINS 1000000 /* polls of UIP per attempt (an update lasts < 2 ms) */

static int64_t boot_epoch_ns; /* [I] after rtc_init: wall clock at monotonic 0 */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static bool wait_not_updating(void)
{
	for (unsigned i = 0; i < RTC_UIP_SPINS; i++)
		if (!(cmos_read(RTC_STATUS_A) & RTC_A_UIP))
			return true;
	return false;
}

static void read_raw(struct rtc_raw *r)
{
	r->sec = cmos_read(RTC_SEC);
	r->min = cmos_read(RTC_MIN);
	r->hour = cmos_read(RTC_HOUR);
	r->mday = cmos_read(RTC_MDAY);
	r->mon = cmos_read(RTC_MON);
	r->year = cmos_read(RTC_YEAR);
	r->century = cmos_read(RTC_CENTURY);
	r->status_b = cmos_read(RTC_STATUS_B);
}

static bool raw_equal(const struct rtc_raw *a, const struct rtc_raw *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->mday == b->mday &&
	       a->mon == b->mon && a->year == b->year && a->century == b->century &&
	       a->status_b == b->status_b;
}

/* Two consecutive reads between updates that agree: 0, or -EIO. */
static int rtc_read_stable(struct rtc_raw *out)
{
	struct rtc_raw prev;

	if (!wait_not_updating())
		return -EIO;
	read_raw(&prev);
	for (unsigned i = 0; i < RTC_READ_MAX; i++) {
		if (!wait_not_updating())
			return -EIO;
		read_raw(out);
		if (raw_equal(&prev, out))
			return 0;
		prev = *out;
	}
	return -EIO;
}

/* A BCD byte -> its value, or -1 if a digit is not decimal. */
static int bcd(uint8_t v)
{
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

static int field(uint8_t v, bool binary)
{
	return binary ? v : bcd(v);
}

/* The hour byte -> 0..23, or -1. 12-hour mode: 12 AM is 0, 12 PM is 12. */
static int decode_hour(uint8_t v, uint8_t status_b)
{
	bool binary = status_b & RTC_B_BINARY, pm = false;
	int h;

	if (!(status_b & RTC_B_24H)) {
		pm = v & RTC_HOUR_PM;
		v &= (uint8_t)~RTC_HOUR_PM;
	}
	h = field(v, binary);
	if (status_b & RTC_B_24H)
		return h >= 0 && h <= 23 ? h : -1;
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (pm ? 12 : 0);
}

/* The full year: the century register if sane, else 1970..2069 by the 2-digit year. */
static int64_t decode_year(int yy, uint8_t century, bool binary)
{
	int c = field(century, binary);

	if (c >= 19 && c <= 99)
		return c * 100 + yy;
	return yy < 70 ? 2000 + yy : 1900 + yy;
}

int rtc_decode(const struct rtc_raw *r, int64_t *epoch_s)
{
	bool bin = r->status_b & RTC_B_BINARY;
	int sec = field(r->sec, bin), min = field(r->min, bin), mday = field(r->mday, bin);
	int mon = field(r->mon, bin), yy = field(r->year, bin);
	int hour = decode_hour(r->hour, r->status_b);

	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || mday < 1 || mday > 31 ||
	    mon < 1 || mon > 12 || yy < 0 || yy > 99)
		return -EINVAL;
	*epoch_s =
	    civil_to_days(decode_year(yy, r->century, bin), (unsigned)mon, (unsigned)mday) * 86400 +
	    hour * 3600 + min * 60 + sec;
	return 0;
}

void rtc_init(void)
{
	struct rtc_raw raw;
	int64_t s;
	int err = rtc_read_stable(&raw);

	if (!err)
		err = rtc_decode(&raw, &s);
	if (err) {
		klog(LOG_WARN, "rtc: unreadable (error %d): the wall clock starts at 1970\n", err);
		return;
	}
	boot_epoch_ns = s * (int64_t)NSEC_PER_SEC - (int64_t)clock_now_ns();
	klog(LOG_INFO, "rtc: %ld s since the epoch\n", s);
}

int64_t clock_realtime_ns(void)
{
	return boot_epoch_ns + (int64_t)clock_now_ns();
}
