#!/usr/bin/env python3
"""Non-interactive GDB investigations of Kairos under QEMU, printing JSON; and the launcher of
`make gdb` (--interactive).

QEMU starts stopped (-S) with its GDB stub on a free local port; GDB (batch mode) sets the
architecture to x86-64, loads target/kairos/kairos.elf and tests/gdb/kairos.py, connects, sets
hardware breakpoints / watchpoints, continues N times and records every stop:

    {"stops": [{"reason": "breakpoint"|"watchpoint"|..., "pc", "symbol", "backtrace": [...],
                "ctx", "frame_rip", "tid", "pid", "ppid", "comm", ("address", "old", "new")}],
     "breakpoint": {...}, "watchpoint": {...}, "setup_stop": {...}, "exit_code": ..., ...}

`ctx` is the UserContext of the thread concerned (rdi at kairos_enter_user, else the CPU's
current frame), `frame_rip` the return address saved in it; tid/pid come from
KAIROS_DEBUG_THREADS.

Examples:

    # where does pid 1 first return to user mode?
    tests/gdb_investigate.py --break kairos_enter_user --pid 1 --steps 1
    # who writes a handler address into pid 1's saved frame?
    tests/gdb_investigate.py --watch-frame-of 1 --watch-value 0x4014e0 --steps 1
    # any kernel symbol or GDB location, with a condition (helper functions: $kairos_tid(ctx),
    # $kairos_pid(ctx), $kairos_ctx(tid), $kairos_current_tid(), $kairos_current_pid())
    tests/gdb_investigate.py --break 'kairos::proc::signal::setup_frame' --cond '$kairos_current_pid() == 1'
    # your own GDB command file, run after connecting (its output is in the JSON)
    tests/gdb_investigate.py --gdb-script my.gdb

The workload is the trace workload (userland/trace/workload.c) unless --workload BIN is given
(a static program booted as /init); --no-workload boots the interactive image (the monitor).

    tests/gdb_investigate.py --interactive [--workload BIN]   # what `make gdb` runs
"""
import argparse
import importlib.util
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "target", "gdb")
KERNEL = os.path.join(ROOT, "target", "kairos", "kairos.elf")
GDB = os.environ.get("GDB", "gdb")

sys.path.insert(0, HERE)
import kairos_qemu  # noqa: E402


def _trace_module():
    spec = importlib.util.spec_from_file_location("kairos_trace", os.path.join(HERE, "trace.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def prepare_initrd(workload, out_dir):
    """Builds the initramfs for `workload` (default: the trace workload). Returns (initrd, program)."""
    tr = _trace_module()
    program = workload or tr.build_default_workload(os.path.join(ROOT, "target", "trace"))
    return tr.build_initramfs(program, os.path.join(out_dir, "initramfs.cpio")), program


def start_qemu(kernel, initrd, port, out_dir, cmdline="", serial=None):
    os.makedirs(out_dir, exist_ok=True)
    console = os.path.join(out_dir, "console.log")
    klog = os.path.join(out_dir, "kernel.log")
    for p in (console, klog):
        open(p, "wb").close()
    line = ("rdinit=/init " if initrd else "") + "klog=com2 " + cmdline
    # COM3 is captured too: with `--cmdline trace=com3` the trace of the investigated run lands
    # in target/gdb/trace.bin (tests/trace.py target/gdb/trace.bin --out target/gdb/trace).
    dump = os.path.join(out_dir, "trace.bin")
    open(dump, "wb").close()
    cmd = kairos_qemu.qemu_command(kernel, line.strip(), initrd=initrd, serial=serial or "file:" + console,
                                   serial2="file:" + klog,
                                   extra=["-serial", "file:" + dump, "-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Wait for the stub to listen.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gdb_investigate: QEMU exited at once:\n" + proc.stdout.read().decode(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, cmd


def gdb_prologue(kernel, port):
    return [
        "set pagination off",
        "set confirm off",
        "set architecture i386:x86-64",
        "set language c",
        f"file {kernel}",
        f"source {os.path.join(ROOT, 'tests', 'gdb', 'kairos.py')}",
        f"target remote 127.0.0.1:{port}",
    ]


def investigate(a):
    os.makedirs(OUT, exist_ok=True)
    initrd = program = None
    if not a.no_workload:
        initrd, program = prepare_initrd(a.workload and os.path.abspath(a.workload), OUT)
    port = free_port()
    result_path = os.path.join(OUT, "result.json")
    if os.path.exists(result_path):
        os.remove(result_path)
    lines = gdb_prologue(os.path.abspath(a.kernel), port)
    if a.gdb_script:
        lines.append(f"source {os.path.abspath(a.gdb_script)}")
    else:
        spec = {"steps": a.steps, "out": result_path, "commands": a.command or []}
        if a.break_:
            spec["break"] = a.break_
        for k in ("cond", "pid", "tid", "watch_frame_of"):
            if getattr(a, k) is not None:
                spec[k] = getattr(a, k)
        if a.rip is not None:
            spec["rip"] = int(a.rip, 0)
        if a.watch_value is not None:
            spec["watch_value"] = int(a.watch_value, 0)
        lines.append(f"python kairos_investigate(json.loads({json.dumps(json.dumps(spec))}))")
    # With a workload, let the guest run to its end after the investigation (its console output
    # and, with trace=com3, its trace dump are then complete); the monitor never ends: kill it.
    finish = not a.no_workload and not a.kill
    lines.append("detach" if finish else "kill")
    lines.append("quit")
    cmdfile = os.path.join(OUT, "commands.gdb")
    with open(cmdfile, "w") as f:
        f.write("\n".join(lines) + "\n")
    qemu, qcmd = start_qemu(os.path.abspath(a.kernel), initrd, port, OUT, a.cmdline)
    started = time.monotonic()
    out = {"kernel": os.path.relpath(a.kernel, ROOT) if a.kernel.startswith(ROOT) else a.kernel,
           "workload": program, "gdb_commands": os.path.relpath(cmdfile, ROOT)}
    try:
        r = subprocess.run([GDB, "-nx", "-batch", "-x", cmdfile], capture_output=True, text=True, timeout=a.timeout,
                           cwd=ROOT)
        gdb_out = r.stdout + r.stderr
        timed_out = False
    except subprocess.TimeoutExpired as e:
        gdb_out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        timed_out = True
    finally:
        if finish and not timed_out:
            try:
                qemu.wait(timeout=a.finish_timeout)
            except subprocess.TimeoutExpired:
                pass
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()
    status = qemu.returncode
    out["guest"] = {kairos_qemu.EXIT_SUCCESS: "success", kairos_qemu.EXIT_FAILURE: "failure"}.get(
        status, "killed" if status is not None and status < 0 else f"status {status}")
    out["seconds"] = round(time.monotonic() - started, 2)
    with open(os.path.join(OUT, "gdb.log"), "w") as f:
        f.write(gdb_out)
    if a.gdb_script:
        out["output"] = gdb_out
    elif os.path.exists(result_path):
        with open(result_path) as f:
            out.update(json.load(f))
    else:
        out["error"] = "timeout" if timed_out else "gdb produced no result"
        out["gdb_log_tail"] = gdb_out[-3000:]
    if timed_out:
        out["error"] = f"timeout after {a.timeout} s"
    print(json.dumps(out, indent=2))
    return 1 if "error" in out else 0


def interactive(a):
    if not sys.stdin.isatty():
        print("gdb: not a terminal; use tests/gdb_investigate.py (batch) instead", file=sys.stderr)
    initrd = None
    if a.workload:
        initrd, _ = prepare_initrd(os.path.abspath(a.workload), OUT)
    port = int(os.environ.get("KAIROS_GDB_PORT", "1234"))
    os.makedirs(OUT, exist_ok=True)
    # Without a workload the monitor runs on COM1: put it on a pseudo-terminal (and a log).
    serial = None
    extra_chardev = []
    if not initrd:
        serial = "chardev:com1"
        extra_chardev = ["-chardev", f"pty,id=com1,logfile={os.path.join(OUT, 'console.log')}"]
    os.makedirs(OUT, exist_ok=True)
    klog = os.path.join(OUT, "kernel.log")
    open(klog, "wb").close()
    line = ("rdinit=/init " if initrd else "") + "klog=com2 " + a.cmdline
    cmd = kairos_qemu.qemu_command(os.path.abspath(a.kernel), line.strip(), initrd=initrd,
                                   serial=serial or "file:" + os.path.join(OUT, "console.log"),
                                   serial2="file:" + klog, extra=extra_chardev + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    qlog = open(os.path.join(OUT, "qemu.log"), "w")
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    with open(os.path.join(OUT, "qemu.log")) as f:
        m = re.search(r"/dev/pts/\d+", f.read())
    print("kairos gdb: QEMU is stopped at the reset vector, GDB stub on 127.0.0.1:%d" % port)
    print("kairos gdb: " + " ".join(shlex.quote(c) for c in cmd))
    if m:
        print(f"kairos gdb: serial console (monitor) on {m.group(0)} (e.g. `screen {m.group(0)}`), "
              f"log {os.path.relpath(os.path.join(OUT, 'console.log'), ROOT)}")
    else:
        print(f"kairos gdb: console log {os.path.relpath(os.path.join(OUT, 'console.log'), ROOT)}")
    print(f"kairos gdb: kernel log {os.path.relpath(klog, ROOT)}")
    env = dict(os.environ, KAIROS_GDB_PORT=str(port), KAIROS_ROOT=ROOT, KAIROS_KERNEL=os.path.abspath(a.kernel))
    try:
        rc = subprocess.call([GDB, "-nx", "-x", os.path.join(ROOT, "tests", "gdb", "gdbinit")], env=env, cwd=ROOT)
    finally:
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--break", dest="break_", metavar="SYMBOL_OR_LOCATION",
                    help="hardware breakpoint (kairos_enter_user = the return-to-user path)")
    ap.add_argument("--cond", help="GDB condition for the breakpoint")
    ap.add_argument("--pid", type=int, help="with --break kairos_enter_user: only frames of this process")
    ap.add_argument("--tid", type=int, help="with --break kairos_enter_user: only frames of this thread")
    ap.add_argument("--rip", help="with --break kairos_enter_user: only frames returning to this address")
    ap.add_argument("--watch-frame-of", type=int, metavar="PID",
                    help="write watchpoint on the saved rip of PID's thread (set at its first return to user)")
    ap.add_argument("--watch-value", help="with --watch-frame-of: stop only when the new value is this")
    ap.add_argument("--steps", type=int, default=1, help="number of stops to record (default 1)")
    ap.add_argument("--command", action="append", help="GDB command to run at each stop (repeatable)")
    ap.add_argument("--gdb-script", help="run this GDB command file after connecting instead")
    ap.add_argument("--workload", help="static program to boot as /init (default: the trace workload)")
    ap.add_argument("--no-workload", action="store_true", help="boot without an initramfs (the monitor)")
    ap.add_argument("--kernel", default=KERNEL)
    ap.add_argument("--cmdline", default="", help="extra kernel command-line words")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--kill", action="store_true", help="kill the guest after the investigation (default: detach "
                    "and let a workload run to its end, so its output and trace dump are complete)")
    ap.add_argument("--finish-timeout", type=float, default=30, help="seconds to wait for the guest to end")
    ap.add_argument("--interactive", action="store_true", help="start QEMU stopped and an interactive GDB")
    a = ap.parse_args()
    if not os.path.exists(a.kernel):
        raise SystemExit(f"gdb_investigate: no kernel at {a.kernel} (run `make kernel`)")
    if a.interactive:
        return interactive(a)
    if not (a.break_ or a.watch_frame_of is not None or a.gdb_script):
        ap.error("give --break, --watch-frame-of or --gdb-script")
    return investigate(a)


if __name__ == "__main__":
    sys.exit(main())
