#!/usr/bin/env python3
"""Drives the busybox shell of the default system (`make run`'s image) through the serial
console, as a person at the terminal would: a pipeline, a background job with `jobs` and
`wait`, `kill %1`, Ctrl-C stopping a foreground `sleep 100`, and `exit` powering off.

usage: tests/shell_test.py KERNEL [--image CPIO] [--log FILE]
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kairos_qemu  # noqa: E402
import system_image  # noqa: E402

# Busybox's line editor may ask the terminal where the cursor is (ESC [ 6 n) after the prompt;
# the harness answers like a terminal would.
PROMPT = re.compile(rb"kairos:[^\r\n]*# (\x1b\[6n)?$")


class Console:
    def __init__(self, cmd, log):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        self.pos = 0
        self.log = log

    def pump(self):
        chunk = self.proc.stdout.read()
        if chunk:
            self.buf += chunk
            self.log.write(chunk)
            self.log.flush()

    def expect(self, pattern, timeout):
        """Waits for `pattern` (regex bytes) after the read position; returns the text before it."""
        rx = re.compile(pattern) if isinstance(pattern, bytes) else pattern
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump()
            m = rx.search(self.buf, self.pos)
            if m and m.group(0).endswith(b"\x1b[6n"):
                self.send(b"\x1b[1;11R")
                text = self.buf[self.pos:m.end()]
                self.pos = m.end()
                return text
            if self.proc.poll() is not None:
                self.pump()
                break
            time.sleep(0.02)
        raise TimeoutError(f"did not see {rx.pattern!r}; tail: {self.buf[-300:]!r}")

    def send(self, text):
        self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
        self.proc.stdin.flush()

    def command(self, line, timeout=20):
        self.send(line + "\n")
        return self.expect(PROMPT, timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernel")
    ap.add_argument("--image", default=os.path.join(kairos_qemu.ROOT, "target", "kairos", "system.cpio"))
    ap.add_argument("--log", default=os.path.join(kairos_qemu.ROOT, "target", "test-logs", "shell.log"))
    a = ap.parse_args()
    system_image.build(a.image)
    os.makedirs(os.path.dirname(a.log), exist_ok=True)
    passed = failed = 0

    def report(name, ok, detail=""):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"test shell::{name} ... {'ok' if ok else 'FAILED'} {detail}".rstrip())

    cmd = kairos_qemu.qemu_command(a.kernel, "", initrd=a.image)
    with open(a.log, "wb") as log:
        c = Console(cmd, log)
        try:
            c.expect(PROMPT, 60)
            report("prompt", True)
            def background():
                c.command("sleep 2 &")
                out = c.command("jobs")
                if b"sleep 2" not in out or b"Running" not in out:
                    return False
                t0 = time.monotonic()
                out = c.command("wait", timeout=20)
                return time.monotonic() - t0 > 0.5 and b"Done" in out

            def kill_job():
                c.command("sleep 100 &")
                out = c.command("kill %1; sleep 1; jobs")
                out += c.command("echo done")
                return b"Terminated" in out

            def ctrl_c():
                c.send("sleep 100\n")
                time.sleep(1.5)
                t0 = time.monotonic()
                c.send(b"\x03")
                c.expect(PROMPT, 10)
                took = time.monotonic() - t0
                out = c.command("echo status=$?")
                return took < 8 and b"status=130" in out

            steps = [
                ("pipeline", lambda: b"HELLO KAIROS" in c.command("echo hello kairos | tr a-z A-Z")),
                ("ls_and_cat", lambda: b"root:x:0:0" in c.command("ls / && cat /etc/passwd")),
                ("background_job_jobs_wait", background),
                ("kill_percent_1", kill_job),
                ("ctrl_c_stops_foreground_sleep", ctrl_c),
            ]

            for name, fn in steps:
                try:
                    report(name, bool(fn()))
                except TimeoutError as e:
                    report(name, False, str(e))
            c.send("exit\n")
            status = c.proc.wait(timeout=30)
            c.pump()
            report("exit_powers_off", status == kairos_qemu.EXIT_SUCCESS, f"(status {status})")
        except TimeoutError as e:
            report("prompt", False, str(e))
        finally:
            if c.proc.poll() is None:
                c.proc.kill()
    print(f"shell: {passed} passed, {failed} failed (log {a.log})")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
