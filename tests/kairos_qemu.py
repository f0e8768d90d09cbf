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
import re
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


def qemu_command(kernel, cmdline="", initrd=None, memory="1G", smp=1, serial="stdio", extra=(), serial2=None,
                 disk=None):
    """The QEMU command line. `serial` is COM1's backend; `serial2`, when given, adds COM2 with
    that backend (e.g. "file:/path/kernel.log"); `disk`, a raw image attached as virtio-blk
    (the guest's /dev/vda, see disk_args)."""
    accel = "kvm" if kvm_usable() else "tcg"
    cmd = [QEMU, "-accel", accel, "-machine", "q35", "-cpu", "max" if accel == "tcg" else "host",
           "-m", memory, "-smp", str(smp), "-display", "none", "-no-reboot", "-nodefaults",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-serial", serial]
    if serial2:
        cmd += ["-serial", serial2]
    cmd += ["-kernel", kernel, "-append", cmdline]
    if initrd:
        cmd += ["-initrd", initrd]
    if disk:
        cmd += disk_args(disk)
    cmd += list(extra)
    return cmd


def disk_args(path):
    """A raw image as the first virtio-blk disk (PCI, on q35): /dev/vda for Linux. QEMU's
    default cache mode (writeback): the data is in the file when QEMU exits."""
    return ["-drive", f"file={path},format=raw,if=none,id=vd0", "-device", "virtio-blk-pci,drive=vd0"]


class Result:
    """Outcome of one QEMU run."""

    def __init__(self, status, verdict, output, seconds, first_line_at=None, raw=None):
        self.raw = raw  # the serial output as bytes
        self.status = status
        self.verdict = verdict  # "success", "failure", "timeout", "error"
        self.output = output
        self.seconds = seconds
        self.first_line_at = first_line_at

    @property
    def ok(self):
        return self.verdict == "success"


def run(kernel, cmdline="", timeout=120, log=None, initrd=None, stdin_data=None, extra=(), banner=None,
        serial2=None, memory="1G", idle_timeout=None, disk=None):
    """Boots `kernel`, returns a Result. Serial output goes to `log` (and Result.output).
    `serial2` adds a second serial port (COM2) with that QEMU backend, e.g. "file:PATH".
    `idle_timeout` also gives up (verdict "timeout") after that many seconds without output.
    `disk` attaches a raw image as virtio-blk (disk_args)."""
    cmd = qemu_command(kernel, cmdline, initrd=initrd, memory=memory, extra=extra, serial2=serial2,
                       disk=disk)
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
    last_output = start
    while True:
        chunk = proc.stdout.read()
        if chunk:
            last_output = time.monotonic()
            output += chunk
            if banner and banner_at is None and banner.encode() in output:
                banner_at = time.monotonic() - start
        elif proc.poll() is not None:
            rest = proc.stdout.read()
            if rest:
                output += rest
            break
        now = time.monotonic()
        if now - start > timeout or (idle_timeout and now - last_output > idle_timeout):
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
    return Result(status, verdict, text, seconds, banner_at, bytes(output))


# --- Booting the test initramfs (/runner as init) under Kairos or the reference Linux ---------
#
# Both kernels get the same initramfs and the same argument convention: everything after `--`
# on the command line is passed to init (/runner) as argv[1..]. The runner prints markers around
# each program's output (see userland/runner.c); COM1 carries the program output, and Kairos
# sends its own log to COM2 (`klog=com2`) so that COM1 holds nothing else.

LINUX_CMDLINE = "console=ttyS0 quiet loglevel=0"
KAIROS_CMDLINE = "klog=com2"
KAIROS_KERNEL = os.path.join(ROOT, "target", "kairos", "kairos.elf")

EXEC_RE = re.compile(rb"@@KAIROS-EXEC-BEGIN@@\r?\n(.*)@@KAIROS-EXEC-END status=(\w+)@@", re.S)
TEST_BEGIN_RE = re.compile(rb"@@KAIROS-TEST-BEGIN (\S+)@@\r?\n")
TEST_END_RE = re.compile(rb"@@KAIROS-TEST-END (\S+) status=(\w+)@@\r?\n?")


def runner_cmdline(kind, args):
    """The kernel command line that starts /runner with `args` ("linux" or "kairos")."""
    base = LINUX_CMDLINE if kind == "linux" else KAIROS_CMDLINE
    if kind == "kairos" and os.environ.get("KAIROS_ARGS"):
        base += " " + os.environ["KAIROS_ARGS"]  # extra kernel options, e.g. trace=off
    return f"{base} rdinit=/runner -- " + " ".join(args)


def boot_runner(kind, kernel, initrd, args, timeout=120, log=None, klog=None, memory="1G", idle_timeout=None):
    """Boots `kernel` ("linux" or "kairos" flavour) with `initrd` and /runner `args`.
    For Kairos, the kernel log goes to the file `klog` (COM2). Returns a Result."""
    return run(kernel, runner_cmdline(kind, args), timeout=timeout, log=log, initrd=initrd,
               serial2=_klog_serial(kind, klog), memory=memory, idle_timeout=idle_timeout)


def _klog_serial(kind, klog):
    """COM2's backend: Kairos' kernel log into the file `klog` (or nowhere); none for Linux."""
    if kind != "kairos":
        return None
    if not klog:
        return "null"
    os.makedirs(os.path.dirname(os.path.abspath(klog)), exist_ok=True)
    open(klog, "wb").close()
    return "file:" + klog


# --- Booting a root disk (kairos-exec --disk): init=/sbin/kairos-run on /dev/vda -----------
#
# The disk (a raw ext4 image, tests/alpine_image.py) is the first virtio-blk PCI disk. Linux
# boots the reference kernel with the Alpine initrd of the same wheel, which loads virtio_blk
# and ext4, mounts root= read-write (rootflags=rw; its default is ro) and switch_roots to
# init= with the console (ttyS0) as fds 0-2; panic=-1 ends QEMU (-no-reboot) if init dies.
# Kairos gets no initrd: it must find the disk itself. /sbin/kairos-run does the rest (README
# "Alpine disk"): markers as in the single-mode runner protocol, parse_exec() reads them.

DISK_INIT = "/sbin/kairos-run"
LINUX_DISK_CMDLINE = ("console=ttyS0 quiet loglevel=0 panic=-1 root=/dev/vda rw rootflags=rw "
                      "rootfstype=ext4 modules=ext4")
KAIROS_DISK_CMDLINE = KAIROS_CMDLINE + " root=/dev/vda rw rootfstype=ext4"


def disk_cmdline(kind, init=DISK_INIT):
    """The kernel command line that boots the root disk with `init` ("linux" or "kairos")."""
    base = LINUX_DISK_CMDLINE if kind == "linux" else KAIROS_DISK_CMDLINE
    if kind == "kairos" and os.environ.get("KAIROS_ARGS"):
        base += " " + os.environ["KAIROS_ARGS"]
    return f"{base} init={init}"


def boot_disk(kind, kernel, disk, initrd=None, timeout=120, log=None, klog=None, memory="1G",
              idle_timeout=None):
    """Boots `kernel` with the raw image `disk` as root (/dev/vda) and init=/sbin/kairos-run.
    Linux needs `initrd` (the wheel's, reference.linux_initrd_path()); Kairos takes none.
    Returns a Result; its .raw holds the markers parse_exec() reads."""
    return run(kernel, disk_cmdline(kind), timeout=timeout, log=log, initrd=initrd,
               serial2=_klog_serial(kind, klog), memory=memory, idle_timeout=idle_timeout, disk=disk)


def normalise(data):
    """Serial output to program output: CRLF (the tty's ONLCR) back to LF."""
    return data.replace(b"\r\n", b"\n")


def parse_exec(raw):
    """(output bytes, status) from a single-mode run; status is an int, "timeout", or None when
    the END marker never came (output is then what followed BEGIN, or None without BEGIN)."""
    m = EXEC_RE.search(raw)
    if m:
        st = m.group(2).decode()
        return normalise(m.group(1)), int(st) if st.isdigit() else st
    i = raw.find(b"@@KAIROS-EXEC-BEGIN@@")
    if i < 0:
        return None, None
    rest = raw[i:].split(b"\n", 1)
    return normalise(rest[1] if len(rest) > 1 else b""), None


def parse_batch(raw):
    """{name: (output bytes, status)} from a batch run, in order. status is an int, "timeout",
    or None for a program whose END marker never came (the kernel died or hung in it)."""
    result = {}
    pos = 0
    while True:
        b = TEST_BEGIN_RE.search(raw, pos)
        if not b:
            break
        name = b.group(1).decode()
        start = b.end()
        nb = TEST_BEGIN_RE.search(raw, start)
        limit = nb.start() if nb else len(raw)
        end = None
        for e in TEST_END_RE.finditer(raw, start, limit):
            if e.group(1).decode() == name:
                end = e
        if end:
            st = end.group(2).decode()
            result[name] = (normalise(raw[start:end.start()]), int(st) if st.isdigit() else st)
            pos = end.end()
        else:
            result[name] = (normalise(raw[start:limit]), None)
            pos = limit
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kernel")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--initrd")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--log")
    ap.add_argument("--interactive", action="store_true",
                    help="serial console on this terminal (Ctrl-A X quits)")
    ap.add_argument("--disk", help="raw disk image attached as the first virtio-blk disk (/dev/vda)")
    ap.add_argument("--klog", help="write the kernel log (COM2) to this file")
    a = ap.parse_args()
    if a.interactive:
        extra = disk_args(a.disk) if a.disk else []
        serial2 = f"file:{a.klog}" if a.klog else None
        cmd = qemu_command(a.kernel, a.cmdline, initrd=a.initrd, serial="mon:stdio", extra=extra, serial2=serial2)
        print("kairos: " + " ".join(cmd), file=sys.stderr)
        status = subprocess.call(cmd)
        # A clean power-off leaves QEMU through isa-debug-exit with the success code.
        sys.exit(0 if status in (0, EXIT_SUCCESS) else status)
    r = run(a.kernel, a.cmdline, a.timeout, a.log, a.initrd)
    sys.stdout.write(r.output)
    print(f"\n[qemu: {r.verdict}, status {r.status}, {r.seconds:.1f} s]")
    sys.exit({"success": 0, "failure": 1, "timeout": 2}.get(r.verdict, 3))


if __name__ == "__main__":
    main()
