#!/usr/bin/env python3
"""Contract tests: small static programs (userland/contract/*.c), each exercising one syscall
family, run under the reference Linux and under Kairos; their output and exit status must match.

One initramfs holds every program and a batch list; /runner runs them one after another
(`runner --batch`) and brackets each with markers. Linux is booted once per initramfs — its
results are cached in target/contract/ keyed by a hash of the initramfs and kernel — and Kairos
is booted once per run (again, resuming after the culprit, when it dies or hangs in a program). Prints `test contract::NAME ... ok|FAILED` (with a unified diff of
output and status for failures) and a final `N passed, M failed`.

usage: tests/contract.py [--linux-only | --kairos-only] [--filter SUBSTR]... [--show]
                         [--timeout S] [--kernel ELF] [--determinism] [--max-boots N]

    --linux-only   run under Linux only and check each program's status against the one its
                   source declares (a `contract-status: N` comment; 0 when absent); outputs are
                   written to target/contract/linux/NAME.out (--show prints them too)
    --kairos-only  run under Kairos only and print the outputs (no comparison)
    --filter S     only programs whose name contains S (repeatable)
    --determinism  boot Linux twice (no cache) and report programs whose output differs
    --no-cache     ignore the cached Linux results
    --max-boots N  when Kairos dies or hangs inside a program, boot it again and resume after
                   that program, at most N boots in all (default 8)
"""
import argparse
import difflib
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "userland"))
import build as userland  # noqa: E402
import cpio  # noqa: E402
import kairos_qemu  # noqa: E402

OUTDIR = os.environ.get("KAIROS_CONTRACT_OUT", os.path.join(ROOT, "target", "contract"))
LIST = "etc/contract.list"
PER_PROGRAM_TIMEOUT = 20  # seconds, enforced by the runner inside the guest
STATUS_RE = re.compile(r"contract-status:\s*(\d+)")


def declared_status(name):
    with open(os.path.join(userland.CONTRACT_DIR, name + ".c")) as f:
        m = STATUS_RE.search(f.read(2000))
    return int(m.group(1)) if m else 0


def make_initramfs(programs, path):
    entries = userland.initramfs_base()
    lines = []
    for name, binary in programs.items():
        entries.append(("file", "bin/" + name, binary, 0o755))
        lines.append(f"{name} /bin/{name}")
    entries.append(("bytes", LIST, "\n".join(lines) + "\n"))
    cpio.build_initramfs(path, entries)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def boot(kind, kernel, initrd, names, timeout, tag, max_boots=1):
    """Runs the batch under `kind`; returns ({name: (output, status)}, last Result). When the
    kernel dies or hangs part-way (no BATCH-DONE marker) and max_boots > 1, boots again and
    resumes after the program it stopped in (runner --start)."""
    results = {}
    start = 0
    r = None
    for attempt in range(1, max_boots + 1):
        suffix = tag + ("" if attempt == 1 else f"-{attempt}")
        log = os.path.join(OUTDIR, f"{kind}{suffix}.log")
        klog = os.path.join(OUTDIR, f"kairos{suffix}.klog") if kind == "kairos" else None
        args = ["--timeout", str(PER_PROGRAM_TIMEOUT), "--batch", "/" + LIST]
        if start:
            args += ["--start", str(start)]
        limit = timeout or 60 + 30 * (len(names) - start)
        # The runner reports a hung program after PER_PROGRAM_TIMEOUT s, so a silent console for
        # much longer than that means the kernel itself is stuck.
        r = kairos_qemu.boot_runner(kind, kernel, initrd, args, timeout=limit, log=log, klog=klog,
                                    idle_timeout=PER_PROGRAM_TIMEOUT + 40)
        got = {name: (out.decode(errors="replace"), st) for name, (out, st) in kairos_qemu.parse_batch(r.raw).items()}
        results.update(got)
        done = b"@@KAIROS-BATCH-DONE@@" in r.raw
        print(f"contract: {kind} boot{'' if attempt == 1 else ' ' + str(attempt)}: {len(got)} programs ran in "
              f"{r.seconds:.1f} s ({'complete' if done else 'INCOMPLETE: qemu ' + r.verdict}); "
              f"log {os.path.relpath(log, ROOT)}" + (f", kernel log {os.path.relpath(klog, ROOT)}" if klog else ""),
              flush=True)
        if done or not got:
            break
        last = max(names.index(n) for n in got if n in names)
        start = last + 1
        if start >= len(names):
            break
        print(f"contract: {kind} stopped in {names[last]}; resuming after it", flush=True)
    return results, r


def linux_results(initrd, digest, names, timeout, use_cache):
    import reference
    kernel = reference.linux_kernel_path()
    key = hashlib.sha256((digest + kernel + str(os.path.getsize(kernel)) + str(PER_PROGRAM_TIMEOUT))
                         .encode()).hexdigest()[:16]
    cache = os.path.join(OUTDIR, f"linux-{key}.json")
    if use_cache and os.path.exists(cache):
        with open(cache) as f:
            data = json.load(f)
        print(f"contract: linux results from cache {os.path.relpath(cache, ROOT)}", flush=True)
        return {k: tuple(v) for k, v in data.items()}
    results, r = boot("linux", kernel, initrd, names, timeout, "")
    if b"@@KAIROS-BATCH-DONE@@" in r.raw:
        for old in os.listdir(OUTDIR):
            if old.startswith("linux-") and old.endswith(".json"):
                os.unlink(os.path.join(OUTDIR, old))
        with open(cache, "w") as f:
            json.dump(results, f, indent=0, sort_keys=True)
    return results


def render(out, status):
    text = out if out.endswith("\n") or not out else out + "\\ (no newline at end)\n"
    return text.splitlines(keepends=True) + [f"[exit status: {status}]\n"]


KNOWN_FAILURES = os.path.join(ROOT, "userland", "contract", "KNOWN_FAILURES")


def known_failures():
    """Programs Kairos is known to fail, each with the issue that tracks it:
    `NAME  reason` per line in userland/contract/KNOWN_FAILURES. They are reported as
    `xfail`; one that starts passing fails the run until it is removed from the list."""
    out = {}
    try:
        with open(KNOWN_FAILURES) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    name, _, why = line.partition(" ")
                    out[name] = why.strip() or "known failure"
    except OSError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--linux-only", action="store_true")
    g.add_argument("--kairos-only", action="store_true")
    g.add_argument("--determinism", action="store_true")
    ap.add_argument("--filter", action="append", default=[])
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--timeout", type=float, default=0, help="QEMU timeout per boot (default 60 + 30 s per program)")
    ap.add_argument("--kernel", default=kairos_qemu.KAIROS_KERNEL)
    ap.add_argument("--max-boots", type=int, default=8,
                    help="Kairos boots at most this often, resuming after a program the kernel died or hung in")
    a = ap.parse_args()

    os.makedirs(OUTDIR, exist_ok=True)
    names = [os.path.basename(s)[:-2] for s in userland.contract_sources()]
    if a.filter:
        names = [n for n in names if any(f in n for f in a.filter)]
    if not names:
        print("contract: no program matches the filter")
        print("0 passed, 0 failed")
        sys.exit(1)
    programs = userland.build_contract(set(names))
    programs = {n: programs[n] for n in names}
    initrd = os.path.join(OUTDIR, "contract.cpio")
    digest = make_initramfs(programs, initrd)

    passed = failed = 0

    def report(name, ok, detail="", diff=None):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"test contract::{name} ... {'ok' if ok else 'FAILED'}{(' ' + detail) if detail else ''}")
        if diff:
            sys.stdout.writelines("    " + l if not l.endswith("\n") else "    " + l for l in diff)

    if a.determinism:
        first, _ = boot("linux", __import__("reference").linux_kernel_path(), initrd, names, a.timeout, "-1")
        second, _ = boot("linux", __import__("reference").linux_kernel_path(), initrd, names, a.timeout, "-2")
        for n in names:
            x, y = first.get(n), second.get(n)
            ok = x is not None and x == y
            diff = None if ok or x is None or y is None else \
                list(difflib.unified_diff(render(*x), render(*y), "linux boot 1", "linux boot 2"))
            report(n, ok, "" if ok else "(differs between two Linux boots)", diff)
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    if a.linux_only:
        res = linux_results(initrd, digest, names, a.timeout, not a.no_cache)
        outdir = os.path.join(OUTDIR, "linux")
        os.makedirs(outdir, exist_ok=True)
        for n in names:
            if n not in res:
                report(n, False, "(no result: the batch stopped before it)")
                continue
            out, st = res[n]
            with open(os.path.join(outdir, n + ".out"), "w") as f:
                f.write(out)
            want = declared_status(n)
            ok = st == want
            report(n, ok, f"(status {st}" + ("" if ok else f", declared {want}") + ")")
            if a.show or not ok:
                sys.stdout.writelines("    | " + l for l in render(out, st))
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    if not os.path.exists(a.kernel):
        print(f"contract: {a.kernel} does not exist: run `make kernel` first")
        sys.exit(2)
    if a.kairos_only:
        res, _ = boot("kairos", a.kernel, initrd, names, a.timeout, "", a.max_boots)
        for n in names:
            if n not in res:
                report(n, False, "(did not run: the kernel stopped before it)")
                continue
            out, st = res[n]
            report(n, st is not None and st != "timeout", f"(status {st})")
            if a.show:
                sys.stdout.writelines("    | " + l for l in render(out, st))
        print(f"{passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)

    expected = linux_results(initrd, digest, names, a.timeout, not a.no_cache)
    actual, r = boot("kairos", a.kernel, initrd, names, a.timeout, "", a.max_boots)
    known = known_failures()
    xfailed = 0
    for n in names:
        if n not in expected:
            report(n, False, "(no Linux result: the reference batch stopped before it)")
            continue
        if n not in actual:
            report(n, False, "(did not run under Kairos: the kernel stopped or hung before it)")
            continue
        exp, act = expected[n], actual[n]
        if exp == act:
            if n in known:
                report(n, False, f"(unexpectedly passed: remove it from {os.path.relpath(KNOWN_FAILURES)})")
            else:
                report(n, True)
            continue
        why = "(the kernel died or hung inside it)" if act[1] is None else \
            "(timed out)" if act[1] == "timeout" else ""
        diff = list(difflib.unified_diff(render(*exp), render(*act), "linux", "kairos"))
        if n in known:
            # A known gap, tracked by an open issue: shown, with its diff, but not counted.
            xfailed += 1
            print(f"test contract::{n} ... xfail ({known[n]})")
            sys.stdout.writelines("    " + l for l in diff)
            continue
        report(n, False, why, diff)
    if xfailed:
        print(f"contract: {xfailed} known failure(s) listed in {os.path.relpath(KNOWN_FAILURES)}")
    if failed and not actual:
        print("contract: tail of the Kairos kernel log:")
        try:
            with open(os.path.join(OUTDIR, "kairos.klog"), "rb") as f:
                print("\n".join(f.read().decode(errors="replace").splitlines()[-30:]))
        except OSError:
            pass
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
