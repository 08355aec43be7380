#!/usr/bin/env python3
"""The RTL8139 driver's two modes (drivers/net/rtl8139*.c) on QEMU's
rtl8139, which is an RTL8139C+ (PCI revision 0x20).

C+ mode (the default on this chip): descriptor rings. The proof that it is
the mode in use is not only its name in the boot log and in `stats`, but a
counter only the descriptor path moves: `rx-wraps`, the times poll()
followed the card from the receive ring's last descriptor (EOR) back to the
first. Each received frame, good or dropped, uses one descriptor, so after a
bulk transfer rx-wraps must be exactly (rx + rx-drop) // RTL_CP_RX. The
32 MiB each way relay (qtest.nc_relay, as in test_tcp_bulk) pushes ~23000 frames
through the 128 descriptors: ~180 wraps, and the data still arrives intact
(sha256). Frames the card dropped with no descriptor free (`rx-missed`, its
missed-packet register) are printed: TCP sent them again.

Classic mode (`rtl8139=classic` on the command line): still reachable; DHCP
and ping work through it, and rx-wraps stays 0.
"""

import random
import re

import qtest
from qtest import initrd, output_of

RTL_CP_RX = 128  # drivers/net/rtl8139_int.h
MIB = 1 << 20
BULK = 32 * MIB


def eth0(t, stats):
    m = re.search(r"^eth0 (.*?) link (\S+) .* rx (\d+) tx (\d+) rx-drop (\d+) tx-drop (\d+) "
                  r"irqs (\d+) rx-missed (\d+) rx-wraps (\d+) tx-zero-copy (\d+)$", stats, re.M)
    t.check(m, "stats has no eth0 line: %r" % stats[-600:])
    keys = ("kind", "link", "rx", "tx", "rx_drop", "tx_drop", "irqs", "rx_missed", "rx_wraps",
            "tx_zero_copy")
    return {k: (v if i < 2 else int(v)) for i, (k, v) in enumerate(zip(keys, m.groups()))}


def relay_and_stats(t, size, append=()):
    """One boot on --nic rtl8139 in C+ mode (@append: extra --append words):
    the host sends @size random bytes through --fwd to `nc -l -p 7000 | nc
    10.0.2.2 PORT`, which sends them back; checks the host got the same bytes
    (sha256) and returns eth0's counters from `stats` after it."""
    port = qtest.free_tcp_port()
    args = ["--initrd", initrd(t), "--nic", "rtl8139", "--fwd", "%d:7000" % port]
    if append:
        args += ["--append", " ".join(append)]
    s = t.start(*args, timeout=qtest.NC_RELAY_LIMIT + 300)
    s.expect(r"eth0: rtl8139 \(C\+ mode\), MAC ", timeout=60)
    s.expect(r"# ", timeout=60)
    qtest.nc_relay(t, s, port, random.Random(8139).randbytes(size), "rtl8139 C+")
    s.expect(r"# ", timeout=60)
    s.send("stats\n")
    s.expect(r"tcp no-socket", timeout=60)
    s.send("poweroff\n")
    r = s.finish()
    t.expect_status(r, 0)
    e = eth0(t, r.out)
    print("eth0: %r" % e)
    t.check(e["kind"] == "rtl8139 (C+ mode)" and e["link"] == "up", "eth0: %r" % e)
    return e


def check_wraps(t, e, ring):
    t.check(e["rx_wraps"] == (e["rx"] + e["rx_drop"]) // ring,
            "rx-wraps %d is not (rx %d + rx-drop %d) // %d" %
            (e["rx_wraps"], e["rx"], e["rx_drop"], ring))


@qtest.case
def rtl8139_cplus_relays_32mib_each_way_intact_wrapping_its_rx_ring(t):
    """Booted on --nic rtl8139 the boot log says "eth0: rtl8139 (C+ mode)";
    32 MiB make the round trip host -> guest nc -> guest nc -> host intact
    (relay_and_stats). Then `stats`: eth0 is "rtl8139 (C+ mode)", link up,
    and its receive ring wrapped once per RTL_CP_RX frames received, at least
    150 times (32 MiB in ~1460-byte segments is ~23000 frames)."""
    e = relay_and_stats(t, BULK)
    check_wraps(t, e, RTL_CP_RX)
    t.check(e["rx_wraps"] >= 150, "the receive ring wrapped only %d times" % e["rx_wraps"])


@qtest.case
def rtl8139_cplus_rx_ring_exhausted_loses_no_data(t):
    """With `rtl8139.rx=16` the card has only 16 receive descriptors: bursts
    from the host find none free, the card drops frames and counts them
    (rx-missed > 0, from its missed-packet register), yet 4 MiB each way
    still arrive intact (TCP sends the dropped frames again), and the ring
    wrapped once per 16 frames (with 4 the drops are so many that TCP crawls)."""
    e = relay_and_stats(t, 4 * MIB, append=("rtl8139.rx=16",))
    check_wraps(t, e, 16)
    t.check(e["rx_missed"] > 0, "the card never ran out of descriptors: %r" % e)


@qtest.case
def rtl8139_classic_mode_by_boot_option_leases_and_pings(t):
    """With `rtl8139=classic` on the command line the driver runs the classic
    mode (receive ring copied out, four transmit slots): the boot log and
    `stats` say "rtl8139 (classic mode)", DHCP gets 10.0.2.15, ping -c 3
    10.0.2.2 gets its 3 replies, and no descriptor ring wraps (rx-wraps 0)."""
    script = "ping -c 3 10.0.2.2\nstats\npoweroff\n"
    r = t.qemu("--initrd", initrd(t), "--nic", "rtl8139", "--append", "rtl8139=classic",
               input=script, timeout=qtest.SHELL_BOOT_LIMIT)
    t.expect_status(r, 0)
    t.check(re.search(r"eth0: rtl8139 \(classic mode\), MAC ", r.out),
            "boot log: %r" % r.out[:2000])
    text = output_of(t, r.out, "ping -c 3 10.0.2.2")
    t.check("3 packets transmitted, 3 received, 0% packet loss" in text, "ping: %r" % text)
    e = eth0(t, r.out)
    t.check(e["kind"] == "rtl8139 (classic mode)" and e["link"] == "up", "eth0: %r" % e)
    t.check(re.search(r"^eth0 .* inet 10\.0\.2\.15 .* dhcp bound ", r.out, re.M), "no lease")
    t.check(e["rx"] >= 3 and e["rx_wraps"] == 0, "eth0: %r" % e)


if __name__ == "__main__":
    qtest.main("rtl8139")
