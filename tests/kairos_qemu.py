#!/usr/bin/env python3
"""Starts QEMU headless for Kairos (or the reference Linux), captures the serial console to a
log file, applies a timeout and turns the outcome into a verdict.

Library for the other scripts in tests/, and a small CLI:

    tests/kairos_qemu.py [--timeout S] [--log FILE] [--cmdline ...] KERNEL

Exit status: 0 when the guest exited through isa-debug-exit with the success code,
1 on a failure code, 2 on timeout, 3 on anything else.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")

# isa-debug-exit turns a write of v into exit status (v << 1) | 1.
EXIT_SUCCESS = 0x10 * 2 + 1
EXIT_FAILURE = 0x11 * 2 + 1


def kvm_usable():
    """KVM only when explicitly asked for and a probe boot proves it (nested KVM hangs here)."""
    if os.environ.get("KAIROS_KVM") != "1" or not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        r = subprocess.run([QEMU, "-accel", "kvm", "-machine", "q35", "-display", "none", "-no-reboot",
                            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-S", "-qmp", "none",
                            "-monitor", "none", "-serial", "none", "-nodefaults"],
                           timeout=5, capture_output=True)
        return r.returncode == 0
    except subprocess.TimeoutExpired:
        return False


def qemu_command(kernel, cmdline="", initrd=None, memory="1G", smp=1, serial="stdio", extra=()):
    accel = "kvm" if kvm_usable() else "tcg"
    cmd = [QEMU, "-accel", accel, "-machine", "q35", "-cpu", "max" if accel == "tcg" else "host",
           "-m", memory, "-smp", str(smp), "-display", "none", "-no-reboot", "-nodefaults",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-serial", serial, "-kernel", kernel, "-append", cmdline]
    if initrd:
        cmd += ["-initrd", initrd]
    cmd += list(extra)
    return cmd


class Result:
    """Outcome of one QEMU run."""

    def __init__(self, status, verdict, output, seconds, first_line_at=None):
        self.status = status
        self.verdict = verdict  # "success", "failure", "timeout", "error"
        self.output = output
        self.seconds = seconds
        self.first_line_at = first_line_at

    @property
    def ok(self):
        return self.verdict == "success"


def run(kernel, cmdline="", timeout=120, log=None, initrd=None, stdin_data=None, extra=(), banner=None):
    """Boots `kernel`, returns a Result. Serial output goes to `log` (and Result.output)."""
    cmd = qemu_command(kernel, cmdline, initrd=initrd, extra=extra)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if stdin_data is not None:
        proc.stdin.write(stdin_data)
        proc.stdin.close()
    output = bytearray()
    banner_at = None
    os.set_blocking(proc.stdout.fileno(), False)
    timed_out = False
    while True:
        chunk = proc.stdout.read()
        if chunk:
            output += chunk
            if banner and banner_at is None and banner.encode() in output:
                banner_at = time.monotonic() - start
        elif proc.poll() is not None:
            rest = proc.stdout.read()
            if rest:
                output += rest
            break
        if time.monotonic() - start > timeout:
            proc.kill()
            proc.wait()
            timed_out = True
            break
        time.sleep(0.02)
    seconds = time.monotonic() - start
    text = output.decode(errors="replace")
    if log:
        os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
        with open(log, "w") as f:
            f.write("# " + " ".join(cmd) + "\n")
            f.write(text)
    status = proc.returncode
    if timed_out:
        verdict = "timeout"
    elif status == EXIT_SUCCESS:
        verdict = "success"
    elif status == EXIT_FAILURE:
        verdict = "failure"
    else:
        verdict = "error"
    return Result(status, verdict, text, seconds, banner_at)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kernel")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--initrd")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--log")
    ap.add_argument("--interactive", action="store_true",
                    help="serial console on this terminal (Ctrl-A X quits)")
    a = ap.parse_args()
    if a.interactive:
        cmd = qemu_command(a.kernel, a.cmdline, initrd=a.initrd, serial="mon:stdio")
        print("kairos: " + " ".join(cmd), file=sys.stderr)
        os.execvp(cmd[0], cmd)
    r = run(a.kernel, a.cmdline, a.timeout, a.log, a.initrd)
    sys.stdout.write(r.output)
    print(f"\n[qemu: {r.verdict}, status {r.status}, {r.seconds:.1f} s]")
    sys.exit({"success": 0, "failure": 1, "timeout": 2}.get(r.verdict, 3))


if __name__ == "__main__":
    main()
