#!/usr/bin/env python3
"""Stress suite: storms of fork/exit, kill, stop/continue, thread-directed signals, nested
handlers, vfork/posix_spawn and subreaper zombies (userland/stress/*.c), run under the reference
Linux and under Kairos; each program's summary must be identical under both kernels.

Every program is run as `/bin/NAME SEED SCALE` in one batch (one boot per kernel, /runner
--batch, resuming after a program the kernel died or hung in). A program checks its own
invariants (exit status 1 when one fails) and prints a deterministic summary; its last line,
`@@STATS forks=N signals=M`, counts the work done (it may depend on timing, so it is stripped
before the comparison and only summed). Linux results are cached in target/stress/, keyed by
the initramfs (programs, seed, scale) and the kernel.

usage: tests/stress.py [--scale N] [--seed S] [--kairos-only | --linux-only | --determinism]
                       [--filter X]... [--show] [--no-cache] [--timeout S] [--kernel ELF]

    --scale N      work multiplier (default $STRESS_SCALE or 1; fractions allowed: the short
                   suite of `make stress-short` is 0.2); scale 1 takes about a minute under
                   TCG on Kairos, scale 10 ten times that
    --seed S       the programs' random seed (default 1)
    --linux-only   run under Linux only (programs must exit 0; outputs go to
                   target/stress/linux/NAME.out; --show prints them)
    --kairos-only  run under Kairos only and check that every program exits 0
    --determinism  boot Linux twice (no cache) and report programs whose summary differs
    --filter X     only programs whose name contains X (repeatable)
    --timeout S    per-program timeout inside the guest (default 90 s + 90 s per unit of scale)
    --max-boots N  Kairos boots at most N times, resuming after a program it died in (default 8)
"""
import argparse
import difflib
import glob
import hashlib
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "userland"))
import build as userland  # noqa: E402
import cpio  # noqa: E402
import kairos_qemu  # noqa: E402

STRESS_DIR = os.path.join(ROOT, "userland", "stress")
BIN_DIR = os.path.join(ROOT, "target", "userland", "stress")
OUTDIR = os.path.join(ROOT, "target", "stress")
LIST = "etc/stress.list"


def sources():
    return sorted(glob.glob(os.path.join(STRESS_DIR, "*.c")))


def build_stress(names=None):
    """Builds the stress programs (static musl) into target/userland/stress/; {name: path}."""
    headers = glob.glob(os.path.join(STRESS_DIR, "*.h"))
    out = {}
    for src in sources():
        name = os.path.basename(src)[:-2]
        if names is None or name in names:
            out[name] = userland.compile_c(src, os.path.join(BIN_DIR, name), headers)
    return out


def make_initramfs(programs, seed, scale, path):
    entries = userland.initramfs_base()
    lines = []
    for name, binary in programs.items():
        entries.append(("file", "bin/" + name, binary, 0o755))
        lines.append(f"{name} /bin/{name} {seed} {scale:g}")
    entries.append(("bytes", LIST, "\n".join(lines) + "\n"))
    cpio.build_initramfs(path, entries)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_timed(kind, kernel, initrd, args, timeout, idle_timeout, log, klog):
    """Like kairos_qemu.boot_runner, but also notes when each program's END marker arrived.
    Returns (raw bytes, seconds, verdict, {name: seconds the program took})."""
    import subprocess
    serial2 = None
    if kind == "kairos":
        os.makedirs(os.path.dirname(os.path.abspath(klog)), exist_ok=True)
        open(klog, "wb").close()
        serial2 = "file:" + klog
    cmd = kairos_qemu.qemu_command(kernel, kairos_qemu.runner_cmdline(kind, args), initrd=initrd,
                                   serial2=serial2)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    out = bytearray()
    last = start
    begin_at, took = {}, {}
    scanned = 0
    verdict = None
    while True:
        chunk = proc.stdout.read()
        now = time.monotonic()
        if chunk:
            last = now
            out += chunk
            # timestamps of the markers (scan only complete lines)
            end = out.rfind(b"\n")
            if end > scanned:
                for m in re.finditer(rb"@@KAIROS-TEST-(BEGIN|END) (\S+?)(?:@@| status)", bytes(out[scanned:end])):
                    name = m.group(2).decode()
                    if m.group(1) == b"BEGIN":
                        begin_at[name] = now
                    elif name in begin_at:
                        took[name] = now - begin_at[name]
                scanned = end
        elif proc.poll() is not None:
            out += proc.stdout.read() or b""
            break
        if now - start > timeout or now - last > idle_timeout:
            proc.kill()
            proc.wait()
            verdict = "timeout"
            break
        time.sleep(0.02)
    seconds = time.monotonic() - start
    os.makedirs(os.path.dirname(os.path.abspath(log)), exist_ok=True)
    with open(log, "wb") as f:
        f.write(("# " + " ".join(cmd) + "\n").encode())
        f.write(bytes(out))
    if verdict is None:
        verdict = {kairos_qemu.EXIT_SUCCESS: "success", kairos_qemu.EXIT_FAILURE: "failure"}.get(proc.returncode,
                                                                                               "exit")
    return bytes(out), seconds, verdict, took


def boot(kind, kernel, initrd, names, per_prog, tag, max_boots=1):
    """Runs the batch; returns {name: (output, status, seconds)} (resuming after a program the
    kernel died in, at most max_boots boots)."""
    results = {}
    start = 0
    for attempt in range(1, max_boots + 1):
        suffix = tag + ("" if attempt == 1 else f"-{attempt}")
        log = os.path.join(OUTDIR, f"{kind}{suffix}.log")
        klog = os.path.join(OUTDIR, f"kairos{suffix}.klog")
        args = ["--timeout", str(int(per_prog)), "--batch", "/" + LIST]
        if start:
            args += ["--start", str(start)]
        limit = 120 + (per_prog + 10) * (len(names) - start)
        raw, seconds, verdict, took = run_timed(kind, kernel, initrd, args, limit, per_prog + 60, log, klog)
        got = {}
        for name, (out, st) in kairos_qemu.parse_batch(raw).items():
            got[name] = (out.decode(errors="replace"), st, round(took.get(name, 0.0), 1))
        results.update(got)
        done = b"@@KAIROS-BATCH-DONE@@" in raw
        print(f"stress: {kind} boot{'' if attempt == 1 else ' ' + str(attempt)}: {len(got)} programs in "
              f"{seconds:.1f} s ({'complete' if done else 'INCOMPLETE: qemu ' + verdict}); log "
              f"{os.path.relpath(log, ROOT)}" + (f", kernel log {os.path.relpath(klog, ROOT)}" if kind == "kairos" else ""),
              flush=True)
        if done or not got:
            break
        last = max(names.index(n) for n in got if n in names)
        start = last + 1
        if start >= len(names):
            break
        print(f"stress: {kind} stopped in {names[last]}; resuming after it", flush=True)
    return results


def linux_results(initrd, digest, names, per_prog, use_cache):
    import reference
    kernel = reference.linux_kernel_path()
    key = hashlib.sha256((digest + kernel + str(os.path.getsize(kernel)) + str(per_prog)).encode()).hexdigest()[:16]
    cache = os.path.join(OUTDIR, f"linux-{key}.json")
    if use_cache and os.path.exists(cache):
        with open(cache) as f:
            data = json.load(f)
        print(f"stress: linux results from cache {os.path.relpath(cache, ROOT)}", flush=True)
        return {k: tuple(v) for k, v in data.items()}
    results = boot("linux", kernel, initrd, names, per_prog, "")
    if all(n in results and results[n][1] is not None for n in names):
        with open(cache, "w") as f:
            json.dump(results, f, indent=0, sort_keys=True)
    return results


def split_stats(out):
    """(summary without the @@STATS line, {"forks": n, "signals": m})."""
    stats = {}
    kept = []
    for line in out.splitlines(keepends=True):
        if not line.startswith("@@STATS "):
            kept.append(line)
            continue
        for kv in line.split()[1:]:
            k, _, v = kv.partition("=")
            if v.isdigit():
                stats[k] = stats.get(k, 0) + int(v)
    return "".join(kept), stats


def render(out, status):
    text = out if out.endswith("\n") or not out else out + "\\ (no newline at end)\n"
    return text.splitlines(keepends=True) + [f"[exit status: {status}]\n"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--linux-only", action="store_true")
    g.add_argument("--kairos-only", action="store_true")
    g.add_argument("--determinism", action="store_true")
    ap.add_argument("--scale", type=float, default=float(os.environ.get("STRESS_SCALE") or 1))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--filter", action="append", default=[])
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--kernel", default=kairos_qemu.KAIROS_KERNEL)
    ap.add_argument("--max-boots", type=int, default=8)
    a = ap.parse_args()

    os.makedirs(OUTDIR, exist_ok=True)
    names = [os.path.basename(s)[:-2] for s in sources()]
    if a.filter:
        names = [n for n in names if any(f in n for f in a.filter)]
    if not names:
        print("stress: no program matches the filter")
        print("0 passed, 0 failed")
        sys.exit(1)
    per_prog = int(a.timeout or 90 + 90 * a.scale)
    programs = build_stress(set(names))
    programs = {n: programs[n] for n in names}
    initrd = os.path.join(OUTDIR, "stress.cpio")
    digest = make_initramfs(programs, a.seed, a.scale, initrd)
    print(f"stress: {len(names)} programs, seed {a.seed}, scale {a.scale:g}, timeout {per_prog} s each", flush=True)

    passed = failed = 0
    totals = {"linux": {}, "kairos": {}}

    def add_stats(kind, stats):
        for k, v in stats.items():
            totals[kind][k] = totals[kind].get(k, 0) + v

    def report(name, ok, detail="", diff=None):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"test stress::{name} ... {'ok' if ok else 'FAILED'}{(' ' + detail) if detail else ''}")
        if diff:
            sys.stdout.writelines("    " + l for l in diff)

    def show(out, st):
        sys.stdout.writelines("    | " + l for l in render(out, st))

    def fmt_totals(kind):
        t = totals[kind]
        return f"forks={t.get('forks', 0)} signals={t.get('signals', 0)}"

    if a.determinism:
        import reference
        kernel = reference.linux_kernel_path()
        first = boot("linux", kernel, initrd, names, per_prog, "-1")
        second = boot("linux", kernel, initrd, names, per_prog, "-2")
        for n in names:
            x, y = first.get(n), second.get(n)
            if x is None or y is None:
                report(n, False, "(no result)")
                continue
            (xo, _), (yo, _) = split_stats(x[0]), split_stats(y[0])
            ok = xo == yo and x[1] == y[1] == 0
            diff = None if ok else list(difflib.unified_diff(render(xo, x[1]), render(yo, y[1]), "linux boot 1",
                                                             "linux boot 2"))
            report(n, ok, f"({x[2]} s, {y[2]} s)", diff)
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    if a.linux_only:
        res = linux_results(initrd, digest, names, per_prog, not a.no_cache)
        outdir = os.path.join(OUTDIR, "linux")
        os.makedirs(outdir, exist_ok=True)
        for n in names:
            if n not in res:
                report(n, False, "(no result: the batch stopped before it)")
                continue
            out, st, secs = res[n]
            with open(os.path.join(outdir, n + ".out"), "w") as f:
                f.write(out)
            summary, stats = split_stats(out)
            add_stats("linux", stats)
            report(n, st == 0, f"(status {st}, {secs} s)")
            if a.show or st != 0:
                show(out, st)
        print(f"stress: linux total {fmt_totals('linux')}")
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    if not os.path.exists(a.kernel):
        print(f"stress: {a.kernel} does not exist: run `make kernel` first")
        sys.exit(2)
    if a.kairos_only:
        res = boot("kairos", a.kernel, initrd, names, per_prog, "", a.max_boots)
        for n in names:
            if n not in res:
                report(n, False, "(did not run: the kernel stopped before it)")
                continue
            out, st, secs = res[n]
            add_stats("kairos", split_stats(out)[1])
            report(n, st == 0, f"(status {st}, {secs} s)")
            if a.show or st != 0:
                show(out, st)
        print(f"stress: kairos total {fmt_totals('kairos')}")
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    expected = linux_results(initrd, digest, names, per_prog, not a.no_cache)
    actual = boot("kairos", a.kernel, initrd, names, per_prog, "", a.max_boots)
    for n in names:
        if n not in expected:
            report(n, False, "(no Linux result: the reference batch stopped before it)")
            continue
        if n not in actual:
            report(n, False, "(did not run under Kairos: the kernel stopped or hung before it)")
            continue
        (eo, est, esecs), (ao, ast, asecs) = expected[n], actual[n]
        es, estats = split_stats(eo)
        as_, astats = split_stats(ao)
        add_stats("linux", estats)
        add_stats("kairos", astats)
        timing = f"(linux {esecs} s, kairos {asecs} s)"
        if est != 0:
            report(n, False, f"(fails under Linux too: status {est}) {timing}")
            show(eo, est)
            continue
        if es == as_ and est == ast:
            report(n, True, timing)
            continue
        why = "(the kernel died or hung inside it) " if ast is None else "(timed out) " if ast == "timeout" else ""
        diff = list(difflib.unified_diff(render(es, est), render(as_, ast), "linux", "kairos"))
        report(n, False, why + timing, diff)
    print(f"stress: work done: linux {fmt_totals('linux')}; kairos {fmt_totals('kairos')}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
