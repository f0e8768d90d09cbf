#!/usr/bin/env python3
"""`make gdb-test`: drives the non-interactive GDB mode (tests/gdb_investigate.py) against the
trace workload (userland/trace/workload.c) under QEMU/TCG:

  * return_to_user_first_entry: a hardware breakpoint on the return-to-user path
    (`kairos_enter_user`), conditioned through KAIROS_DEBUG_THREADS on pid 1, stops at pid 1's
    first entry; the frame's return address is the program's entry point (`readelf -h`);
  * return_to_user_forked_child: the same for pid 2 (a forked child): the frame belongs to pid 2
    (ppid 1) and returns into the program's text;
  * break_user_on_rip: the RIP condition of kairos-break-user (return address = the SIGUSR1
    handler) stops exactly when a frame returns into the handler;
  * watch_frame_signal_setup: a write watchpoint on pid 1's saved rip (debug table ctx + 17*8),
    conditioned on the handler address, fires inside kairos::proc::signal::setup_frame with the
    new value equal to the handler (from `nm`);
  * helper_commands: kairos-threads / kairos-ps / kairos-frame / kairos-tasks / kairos-trace
    print what they should at a stop.

Prints `test gdb::NAME ... ok|FAILED` and `N passed, M failed`; exits 1 on failure.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KERNEL = os.environ.get("KAIROS_KERNEL", os.path.join(ROOT, "target", "kairos", "kairos.elf"))

results = []


def test(name, fn):
    try:
        problems = fn()
    except Exception:  # noqa: BLE001 - report any crash as a failure of that test
        problems = [traceback.format_exc()]
    ok = not problems
    print(f"test gdb::{name} ... {'ok' if ok else 'FAILED'}", flush=True)
    for p in (problems or [])[:12]:
        for line in str(p).rstrip().splitlines()[:40]:
            print(f"    {line}")
    results.append(ok)


def investigate(workload, *args):
    cmd = [sys.executable, os.path.join(HERE, "gdb_investigate.py"), "--kernel", KERNEL, "--workload", workload,
           "--timeout", "90", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    try:
        return json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"gdb_investigate printed no JSON (rc {r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def elf_entry(path):
    out = subprocess.run(["readelf", "-h", path], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Entry point address:\s+(0x[0-9a-fA-F]+)", out).group(1), 16)


def exec_ranges(path):
    """[(start, end)] of the executable PT_LOAD segments."""
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True, check=True).stdout
    ranges = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "E" in "".join(f[6:-1]):
            vaddr, memsz = int(f[2], 16), int(f[5], 16)
            ranges.append((vaddr, vaddr + memsz))
    return ranges


def symbol(path, name):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    raise AssertionError(f"{name} not found in {path}")


def common(res, n=1):
    probs = []
    if res.get("error"):
        probs.append(f"error: {res['error']}")
        if res.get("gdb_log_tail"):
            probs.append(res["gdb_log_tail"])
    if len(res.get("stops", [])) < n:
        probs.append(f"{len(res.get('stops', []))} stops recorded, want {n}")
    return probs


def main():
    if not os.path.exists(KERNEL):
        print(f"test_gdb: no kernel at {KERNEL} (run `make kernel`)")
        return 1
    spec = importlib.util.spec_from_file_location("kairos_trace", os.path.join(HERE, "trace.py"))
    tr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tr)
    workload = tr.build_default_workload()
    entry = elf_entry(workload)
    text = exec_ranges(workload)
    handler = symbol(workload, "on_usr1")

    def first_entry():
        res = investigate(workload, "--break", "kairos_enter_user", "--pid", "1", "--steps", "1")
        probs = common(res)
        if probs:
            return probs
        s = res["stops"][0]
        if s.get("symbol") != "kairos_enter_user":
            probs.append(f"stopped in {s.get('symbol')}, not kairos_enter_user")
        if s.get("pid") != 1 or s.get("tid") != 1:
            probs.append(f"stopped for pid {s.get('pid')} tid {s.get('tid')}, want 1/1")
        if int(s.get("frame_rip", "0"), 16) != entry:
            probs.append(f"frame returns to {s.get('frame_rip')}, want the entry point {entry:#x}")
        return probs

    test("return_to_user_first_entry", first_entry)

    def forked_child():
        res = investigate(workload, "--break", "kairos_enter_user", "--pid", "2", "--steps", "1")
        probs = common(res)
        if probs:
            return probs
        s = res["stops"][0]
        rip = int(s.get("frame_rip", "0"), 16)
        if s.get("pid") != 2 or s.get("ppid") != 1:
            probs.append(f"stopped for pid {s.get('pid')} (ppid {s.get('ppid')}), want pid 2 ppid 1")
        if not any(a <= rip < b for a, b in text):
            probs.append(f"frame returns to {rip:#x}, outside the program's text {[(hex(a), hex(b)) for a, b in text]}")
        return probs

    test("return_to_user_forked_child", forked_child)

    def on_rip():
        res = investigate(workload, "--break", "kairos_enter_user", "--rip", hex(handler), "--steps", "1")
        probs = common(res)
        if probs:
            return probs
        s = res["stops"][0]
        if int(s.get("frame_rip", "0"), 16) != handler or s.get("pid") != 1:
            probs.append(f"stop for pid {s.get('pid')} returning to {s.get('frame_rip')}, want pid 1 -> {handler:#x}")
        return probs

    test("break_user_on_rip", on_rip)

    def watch():
        res = investigate(workload, "--watch-frame-of", "1", "--watch-value", hex(handler), "--steps", "1")
        probs = common(res)
        if probs:
            return probs
        s = res["stops"][0]
        where = [s.get("symbol") or ""] + s.get("backtrace", [])
        if s.get("reason") != "watchpoint":
            probs.append(f"stop reason {s.get('reason')}, want watchpoint")
        if not any("kairos::proc::signal::setup_frame" in w for w in where[:2]):
            probs.append(f"watchpoint fired in {where[:3]}, not kairos::proc::signal::setup_frame")
        if int(s.get("new", "0"), 16) != handler:
            probs.append(f"new value {s.get('new')}, want the handler {handler:#x}")
        if s.get("pid") != 1:
            probs.append(f"frame of pid {s.get('pid')}, want 1")
        wp = res.get("watchpoint", {})
        if int(wp.get("address", "0"), 16) != int(res.get("setup_stop", {}).get("ctx", "0"), 16) + 17 * 8:
            probs.append(f"watched {wp.get('address')}, not ctx + 17*8 of pid 1 ({res.get('setup_stop', {}).get('ctx')})")
        return probs

    test("watch_frame_signal_setup", watch)

    def helpers():
        cmds = ["kairos-threads", "kairos-ps", "kairos-frame 1", "kairos-tasks", "kairos-trace 6"]
        args = ["--break", "kairos_enter_user", "--pid", "1", "--steps", "1"]
        for c in cmds:
            args += ["--command", c]
        res = investigate(workload, *args)
        probs = common(res)
        if probs:
            return probs
        out = res["stops"][0].get("commands", [])
        if len(out) != len(cmds):
            return [f"{len(out)} command outputs for {len(cmds)} commands"]
        threads, ps, frame, tasks, trace = out
        if not re.search(r"^\s+1\s+1\s+0\s+running\s+\S+\s+init\b", threads, re.M):
            probs.append("kairos-threads does not list tid 1 pid 1 ppid 0 init:\n" + threads)
        if not re.search(r"^\s+1\s+0\s+running\s+init\s+1$", ps, re.M):
            probs.append("kairos-ps does not list pid 1:\n" + ps)
        if f"rip {entry:#018x}" not in frame or "UserContext at" not in frame:
            probs.append(f"kairos-frame 1 does not show rip {entry:#x}:\n" + frame)
        if not re.search(r"running\s+\d+\s+\S+\s+user-thread\s+pid 1 tid 1", tasks):
            probs.append("kairos-tasks does not show pid 1's task running:\n" + tasks)
        if "user-enter" not in trace and "mm-switch" not in trace:
            probs.append("kairos-trace shows no recent user-enter/mm-switch event:\n" + trace)
        return probs

    test("helper_commands", helpers)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
