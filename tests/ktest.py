#!/usr/bin/env python3
"""Kernel self-tests in QEMU, judged from the outside.

1. Boots the kernel with `ktest`: every test must print `ok`, the summary must say
   `0 failed`, and QEMU must exit through isa-debug-exit with the success code.
2. Boots it with `ktest=deliberate_panic ktest.panic`: the harness must see a failure exit
   code, a panic message, and a backtrace naming the panicking function — proof that a
   broken kernel fails loudly and fast.
3. Boots it with `ktest=deliberate_stack_overflow ktest.overflow`: the overflow must hit the
   guard page and be reported as a double fault on its own stack, with registers.

usage: ktest.py KERNEL [--logdir DIR]
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kairos_qemu  # noqa: E402


def scratch_disks(logdir):
    """Two 32 MiB scratch disks for the virtio-blk self-tests (vda writable, vdb a read-only
    copy). Sector i holds i (little-endian u64), then the bytes (7*i + j) & 0xff for j in
    8..512; the kernel test checks this pattern. Returns the QEMU arguments."""
    import struct
    os.makedirs(logdir, exist_ok=True)
    ramp = bytes(range(256)) * 4
    data = b"".join(struct.pack("<Q", i) + ramp[(7 * i + 8) % 256:(7 * i + 8) % 256 + 504]
                    for i in range(65536))
    args = []
    for n, (name, ro) in enumerate([("ktest-vda.img", ""), ("ktest-vdb.img", ",readonly=on")]):
        path = os.path.join(logdir, name)
        with open(path, "wb") as f:
            f.write(data)
        args += ["-drive", f"file={path},format=raw,if=none,id=vd{n}{ro}",
                 "-device", f"virtio-blk-pci,drive=vd{n}"]
    return args


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernel")
    ap.add_argument("--logdir", default=os.path.join(kairos_qemu.ROOT, "target", "test-logs"))
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    passed = failed = 0

    def report(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"test {name} ... ok {detail}")
        else:
            failed += 1
            print(f"test {name} ... FAILED {detail}")

    log = os.path.join(a.logdir, "ktest.log")
    r = kairos_qemu.run(a.kernel, "ktest ktest.disk", a.timeout, log, banner="Kairos ",
                        extra=scratch_disks(a.logdir))
    lines = [l for l in r.output.splitlines() if l.startswith("ktest: ")]
    for l in lines:
        m = re.match(r"ktest: (\S+) \.\.\. (ok|FAILED)(.*)", l)
        if m:
            report("kernel::" + m.group(1), m.group(2) == "ok", m.group(3).strip())
        elif re.match(r"ktest: \S+: ", l):
            print("  " + l)  # a test's measurement, e.g. virtio_blk_throughput's MB/s
    summary = [l for l in lines if re.match(r"ktest: \d+ passed, \d+ failed", l)]
    report("ktest_boot_exits_success", r.ok and len(summary) == 1 and summary[0].endswith(" 0 failed"),
           f"({r.verdict}, status {r.status}, {r.seconds:.1f} s, banner after "
           f"{r.first_line_at if r.first_line_at is None else round(r.first_line_at, 2)} s; log {log})")

    log = os.path.join(a.logdir, "ktest-deliberate-panic.log")
    r = kairos_qemu.run(a.kernel, "ktest=deliberate_panic ktest.panic", a.timeout, log)
    report("deliberate_panic_fails_with_backtrace",
           r.verdict == "failure"
           and "KERNEL PANIC" in r.output
           and "deliberate test panic" in r.output
           and "backtrace:" in r.output
           and re.search(r"#\d+\s+0x[0-9a-f]+ \S*deliberately_failing_function\+0x", r.output) is not None,
           f"({r.verdict}, status {r.status}; log {log})")

    # Regression: `strace=PID` parsed its list before the heap existed and panicked at boot.
    log = os.path.join(a.logdir, "ktest-strace-pid-list.log")
    r = kairos_qemu.run(a.kernel, "ktest=heap strace=2,3", a.timeout, log)
    report("regression_strace_pid_list_before_heap", r.ok and "ktest: 1 passed, 0 failed" in r.output,
           f"({r.verdict}, status {r.status}; log {log})")

    log = os.path.join(a.logdir, "ktest-stack-overflow.log")
    r = kairos_qemu.run(a.kernel, "ktest=deliberate_stack_overflow ktest.overflow", a.timeout, log)
    report("stack_overflow_hits_guard_page",
           r.verdict == "failure"
           and "KERNEL FAULT: double fault" in r.output
           and "kernel stack overflow (guard page)" in r.output
           and "RIP 0x" in r.output,
           f"({r.verdict}, status {r.status}; log {log})")

    print(f"ktest: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
