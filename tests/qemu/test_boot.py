#!/usr/bin/env python3
"""Boot build/kernel.bin through qemu/run: clean poweroff, with every kind of
device the runner can attach, and with stdin closed at once (EOF must not
stop the guest early: it still reaches its poweroff)."""

import os
import socket

import qtest

# Boot + poweroff is well under 2 s of guest time; the rest is TCG start-up
# on a busy 2-core machine.
BOOT_LIMIT = 30


@qtest.case
def poweroff(t):
    r = t.qemu("--append", "poweroff", timeout=BOOT_LIMIT)
    t.expect_status(r, 0)
    t.check(r.seconds < BOOT_LIMIT, "took %.1f s" % r.seconds)


@qtest.case
def poweroff_with_stdin_eof(t):
    # Input that ends immediately: QEMU sees EOF before the kernel boots.
    r = t.qemu("--append", "poweroff", input="", timeout=BOOT_LIMIT)
    t.expect_status(r, 0)


@qtest.case
def poweroff_with_images(t):
    """The demo images attach (copies) on floppy A and IDE primary master."""
    qtest_images = os.path.join(t.tmp, "images")
    r = t.run([os.path.join(t.root, "qemu", "mkimages"), qtest_images], timeout=120)
    t.expect_status(r, 0)
    fda = os.path.join(qtest_images, "floppy.img")
    hda = os.path.join(qtest_images, "disk.img")
    r = t.qemu("--fda", fda, "--hda", hda, "--hdb", t.copy(hda), "--append", "poweroff",
               timeout=BOOT_LIMIT)
    t.expect_status(r, 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@qtest.case
def poweroff_with_each_nic(t):
    for nic in ("e1000", "rtl8139", "none"):
        fwd = ["--fwd", "%d:80" % free_port()] if nic != "none" else []
        r = t.qemu("--nic", nic, *fwd, "--append", "poweroff", timeout=BOOT_LIMIT)
        t.expect_status(r, 0)


if __name__ == "__main__":
    qtest.main("boot")
