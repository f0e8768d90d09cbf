#!/usr/bin/env python3
"""Storage benchmarks on the Alpine disk: Kairos against the reference Linux, same QEMU (q35,
1 GiB, 1 CPU, TCG unless KAIROS_KVM=1 works, virtio-blk, README "Alpine disk"), same image,
a fresh boot for every run (cold guest caches).

Steps, timed inside the guest with /proc/uptime (10 ms resolution on both kernels; busybox
`date` has no %N):

    read_64m_cold    cat /root/big > /dev/null     (64 MiB of random bytes, written into the
                                                    scratch image on the host with debugfs)
    read_64m_warm    cat /root/big > /dev/null     (the same file again: page cache)
    read_64m_dd_1m   dd if=/root/big of=/dev/null bs=1M   (a third time, 1 MiB reads)
    create_del_1000  for i in $(seq 1000); do echo x > d/$i; done; rm -r d; sync
    cat_usr          find /usr -type f -exec cat {} + > /dev/null   (cold)

The guest then checks /root/big's md5sum against the host's (outside the timings). Each
kernel boots --runs times (default 3); the table has the medians and the ratio Linux/Kairos
(> 1: Kairos is faster). It is printed and written to target/bench-storage.txt with every run.

usage: tests/bench_storage.py [--runs N] [--kernel ELF] [--kairos-only] [--size-mib M]
"""
import argparse
import hashlib
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import alpine_image  # noqa: E402
import kairos_qemu  # noqa: E402

OUTDIR = os.path.join(ROOT, "target", "bench-storage")
REPORT = os.path.join(ROOT, "target", "bench-storage.txt")

STEPS = [
    ("read_64m_cold", "cat /root/big > /dev/null"),
    ("read_64m_warm", "cat /root/big > /dev/null"),
    ("read_64m_dd_1m", "dd if=/root/big of=/dev/null bs=1M 2>/dev/null"),
    ("create_del_1000", "mkdir /root/d && for i in $(seq 1000); do echo x > /root/d/$i; done && "
                        "rm -r /root/d && sync"),
    ("cat_usr", "find /usr -type f -exec cat {} + > /dev/null"),
]
MARK = re.compile(rb"@@BENCH (\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) status=(\d+)@@")
MD5 = re.compile(rb"@@BENCH-MD5 ([0-9a-f]{32})@@")


def script():
    lines = ["cd /root", "sync"]
    for name, cmd in STEPS:
        lines += ["read s _ < /proc/uptime", f"( {cmd} )", "st=$?", "read e _ < /proc/uptime",
                  f"echo \"@@BENCH {name} $s $e status=$st@@\""]
    lines.append("echo \"@@BENCH-MD5 $(md5sum /root/big | cut -d' ' -f1)@@\"")
    return "\n".join(lines) + "\n"


def make_big(size):
    """The 64 MiB file (seeded random bytes, the same for every run); returns (path, md5)."""
    os.makedirs(OUTDIR, exist_ok=True)
    path = os.path.join(OUTDIR, f"big-{size >> 20}m.bin")
    if not os.path.exists(path) or os.path.getsize(path) != size:
        data = random.Random(20260501).randbytes(size)
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.rename(path + ".part", path)
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return path, h.hexdigest()


def one_run(kind, kernel, big, run_no):
    """Boots `kind` on a fresh scratch disk; returns ({step: ms}, md5 seen by the guest)."""
    disk = os.path.join(OUTDIR, f"{kind}.img")
    if os.path.exists(disk):
        os.unlink(disk)
    subprocess.run(["cp", "--sparse=always", "--reflink=auto", alpine_image.ensure_image(), disk],
                   check=True)
    try:
        alpine_image.debugfs(disk, [f"write {big} /root/big", "sif /root/big mode 0100644",
                                    "sif /root/big uid 0", "sif /root/big gid 0"], write=True)
        alpine_image.write_command(disk, script())
        initrd = None
        if kind == "linux":
            import reference
            initrd = reference.linux_initrd_path()
        log = os.path.join(OUTDIR, f"{kind}-{run_no}.log")
        klog = os.path.join(OUTDIR, f"kairos-{run_no}.klog") if kind == "kairos" else None
        r = kairos_qemu.boot_disk(kind, kernel, disk, initrd=initrd, timeout=600, log=log, klog=klog,
                                  idle_timeout=300)
    finally:
        os.unlink(disk)
    times = {}
    for m in MARK.finditer(r.raw):
        name, s, e, st = m.group(1).decode(), float(m.group(2)), float(m.group(3)), int(m.group(4))
        if st != 0:
            raise SystemExit(f"bench-storage: {kind}: step {name} failed with status {st} (log {log})")
        times[name] = (e - s) * 1000
    m = MD5.search(r.raw)
    missing = [n for n, _ in STEPS if n not in times]
    if missing or not m:
        raise SystemExit(f"bench-storage: {kind} run {run_no}: no result for {missing or 'md5'} "
                         f"(qemu {r.verdict}, log {os.path.relpath(log, ROOT)})")
    return times, m.group(1).decode()


def fmt_ms(v):
    return "-" if v is None else f"{v:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kernel", default=kairos_qemu.KAIROS_KERNEL)
    ap.add_argument("--kairos-only", action="store_true")
    ap.add_argument("--size-mib", type=int, default=64)
    a = ap.parse_args()
    if not os.path.exists(a.kernel):
        raise SystemExit(f"bench-storage: {a.kernel} does not exist: run `make kernel` first")
    if a.size_mib != 64:
        global STEPS
        STEPS = [(n.replace("64m", f"{a.size_mib}m"), c) for n, c in STEPS]
    big, md5 = make_big(a.size_mib << 20)
    kernels = {"kairos": a.kernel}
    if not a.kairos_only:
        import reference
        kernels["linux"] = reference.linux_kernel_path()
    results = {k: [] for k in kernels}
    t0 = time.monotonic()
    for run_no in range(1, a.runs + 1):
        for kind, kernel in kernels.items():
            times, seen = one_run(kind, kernel, big, run_no)
            if seen != md5:
                raise SystemExit(f"bench-storage: {kind} read /root/big with md5 {seen}, want {md5}")
            results[kind].append(times)
            print(f"bench-storage: run {run_no} {kind}: "
                  + ", ".join(f"{n} {times[n]:.0f} ms" for n, _ in STEPS), flush=True)
    accel = "kvm" if kairos_qemu.kvm_usable() else "tcg"
    lines = [f"Storage benchmark, Alpine disk, {a.runs} boot(s) per kernel, median ms "
             f"(QEMU {accel}, q35, 1 CPU, 1 GiB, virtio-blk; guest /proc/uptime, 10 ms resolution)",
             "ratio = Linux/Kairos: > 1 means Kairos is faster", "",
             f"{'step':<18}{'Kairos ms':>11}{'Linux ms':>11}{'ratio':>9}"]
    for name, cmd in STEPS:
        k = statistics.median(t[name] for t in results["kairos"])
        l = statistics.median(t[name] for t in results["linux"]) if "linux" in results else None
        ratio = "-" if l is None else ("inf" if k == 0 else f"{l / k:.2f}")
        lines.append(f"{name:<18}{fmt_ms(k):>11}{fmt_ms(l):>11}{ratio:>9}")
    lines += ["", "steps:"] + [f"  {n}: {c}" for n, c in STEPS] + ["", "runs (ms):"]
    for kind, runs in results.items():
        for i, t in enumerate(runs, 1):
            lines.append(f"  {kind} {i}: " + " ".join(f"{n}={t[n]:.0f}" for n, _ in STEPS))
    text = "\n".join(lines) + "\n"
    print()
    print(text, end="")
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, "w") as f:
        f.write(text)
    print(f"bench-storage: written to {os.path.relpath(REPORT, ROOT)} ({time.monotonic() - t0:.0f} s)")


if __name__ == "__main__":
    main()
