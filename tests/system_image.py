#!/usr/bin/env python3
"""Builds the default interactive system that `make run` boots: an initramfs with Debian's
static busybox (every applet linked into /bin), a few /etc files, device nodes, and an /init
script that starts a login shell with the serial port as its controlling terminal (so job
control and Ctrl-C work) and powers the machine off when that shell exits.

usage: tests/system_image.py OUT.cpio
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpio  # noqa: E402

INIT = """#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100
mount -t proc proc /proc
mount -t sysfs sysfs /sys
cd /root
echo
echo "Welcome to Kairos. This is busybox ash; 'exit' powers the machine off."
# A new session whose controlling terminal is the serial port: job control and ^C work.
setsid -c /bin/sh -l </dev/ttyS0 >/dev/ttyS0 2>&1
echo "shell exited; powering off"
poweroff -f
"""

PROFILE = """PS1='kairos:\\w# '
export PS1
"""

DEVICES = [
    ("console", 5, 1, 0o600), ("tty", 5, 0, 0o666), ("ttyS0", 4, 64, 0o660),
    ("null", 1, 3, 0o666), ("zero", 1, 5, 0o666), ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666), ("urandom", 1, 9, 0o666),
]


def busybox_path():
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(p):
            return p
    p = shutil.which("busybox")
    if not p:
        sys.exit("system_image: busybox not found (tests/setup.sh installs busybox-static)")
    return p


def entries():
    bb = busybox_path()
    out = [("file", "bin/busybox", bb, 0o755)]
    applets = subprocess.run([bb, "--list"], capture_output=True, text=True, check=True).stdout.split()
    out += [("symlink", "bin/" + a, "busybox") for a in applets if a != "busybox"]
    out += [("chardev", "dev/" + n, ma, mi, mode) for n, ma, mi, mode in DEVICES]
    out += [("dir", d) for d in ("proc", "sys", "tmp", "root", "sbin", "usr/bin", "usr/sbin", "etc")]
    out += [
        ("bytes", "init", INIT, 0o755),
        ("bytes", "etc/profile", PROFILE),
        ("bytes", "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ("bytes", "etc/group", "root:x:0:\n"),
        ("bytes", "etc/hostname", "kairos\n"),
    ]
    return out


def build(out_path):
    return cpio.build_initramfs(out_path, entries())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(build(sys.argv[1]))
