"""The guest's TCP transmit counters (net/tcpip.c): how many data segments a
card read straight from the send ring (zero-copy), how many were copied, and
how many zero-copy segments found their ring bytes changed when the card was
done with them (overwritten: the ring was reused too early; must stay 0)."""

import re

import qtest


def tx_counts(t, s):
    """`stats` on the running guest @s: {"zero_copy", "copied", "overwritten"}, and
    "held": the tcptx and tcp_txref pools' objects in use (segments a card still holds)."""
    pos = len(s.out)
    s.send("stats\n")
    m = s.expect(r"tcp no-socket .* zero-copy (\d+) copied (\d+) overwritten (\d+)", timeout=60)
    eth = [ln for ln in s.out.splitlines() if ln.startswith("eth0 ")]
    print("eth0: %s" % (eth[-1] if eth else "?"))  # the card's counters, for the log
    c = dict(zip(("zero_copy", "copied", "overwritten"), (int(g) for g in m.groups())))
    pools = qtest.pool_counts(s.out[pos:])
    c["held"] = (pools.get("tcptx"), pools.get("tcp_txref"))
    return c


def check_tx(t, s, nic, min_segments, sg=True):
    """On a card with scatter-gather (@sg: the e1000, the rtl8139 in C+ mode)
    at least @min_segments data segments left without a copy, and next to
    none was copied (a copy is right only while the next hop's ARP entry is
    refreshed: the segment waits in the ARP queue); on a card without SG
    (the rtl8139 in classic mode) none left without a copy and at least
    @min_segments were copied. Either way no ring byte changed under the
    card, and none is still held once the transfer is over (the tcptx and
    tcp_txref pools are empty)."""
    c = tx_counts(t, s)
    print("%s: tcp transmit %r" % (nic, c))
    if sg:
        t.check(c["zero_copy"] >= min_segments and c["copied"] <= max(16, c["zero_copy"] // 100),
                "%s: data segments should leave from the send ring: %r" % (nic, c))
    else:
        t.check(c["zero_copy"] == 0 and c["copied"] >= min_segments,
                "%s: a card without scatter-gather copies every segment: %r" % (nic, c))
    t.check(c["overwritten"] == 0, "%s: send ring reused under the card: %r" % (nic, c))
    t.check(c["held"] == (0, 0), "%s: segments still held after the transfer: %r" % (nic, c))
    return c
