#!/usr/bin/env python3
"""Builds the userland that Kairos and the reference Linux both run: static musl programs.

    userland/build.py            # build everything into target/userland/
    userland/build.py --list     # print NAME PATH of each contract program

Outputs (rebuilt only when a source or header is newer than the binary):

    target/userland/runner            the init of every test initramfs (userland/runner.c)
    target/userland/syscall-bench     userland/bench/syscall-bench.c
    target/userland/NAME              each contract program userland/contract/NAME.c

Library: build_runner(), build_contract() -> {name: path}, build_bench(), build_all(),
initramfs_base(runner) -> cpio entries shared by every test initramfs.
"""
import concurrent.futures
import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "target", "userland")
CC = os.environ.get("MUSL_CC", "musl-gcc")
CFLAGS = ["-static", "-O2", "-g0", "-Wall", "-Wextra", "-Wno-unused-function",
          "-Wno-unused-parameter", "-D_GNU_SOURCE", "-fno-stack-protector"]

CONTRACT_DIR = os.path.join(HERE, "contract")

# Device nodes every test initramfs carries (Linux does not mount devtmpfs on an initramfs,
# so they must be real entries of the archive; Kairos must honour their major/minor numbers).
DEVICES = [
    ("console", 5, 1, 0o600),
    ("tty", 5, 0, 0o666),
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
]


def _need_build(out, deps):
    if not os.path.exists(out):
        return True
    t = os.path.getmtime(out)
    return any(os.path.getmtime(d) > t for d in deps)


def compile_c(src, out, extra_deps=(), flags=()):
    """Compiles one C file into a static binary (cached by mtime). Returns `out`."""
    deps = [src, *extra_deps, os.path.abspath(__file__)]
    if not _need_build(out, deps):
        return out
    if shutil.which(CC) is None:
        raise SystemExit(f"build: {CC} not found (run `make setup` or apt-get install musl-tools)")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    cmd = [CC, *CFLAGS, *flags, "-o", tmp, src]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"build: compiling {os.path.relpath(src, ROOT)} failed")
    if r.stderr.strip():
        sys.stderr.write(r.stderr)
    os.replace(tmp, out)
    return out


def build_runner():
    return compile_c(os.path.join(HERE, "runner.c"), os.path.join(OUT, "runner"))


def build_bench():
    return compile_c(os.path.join(HERE, "bench", "syscall-bench.c"), os.path.join(OUT, "syscall-bench"))


def contract_sources():
    return sorted(glob.glob(os.path.join(CONTRACT_DIR, "*.c")))


def build_contract(names=None):
    """Builds the contract programs (all, or those in `names`); returns {name: path}."""
    headers = glob.glob(os.path.join(CONTRACT_DIR, "*.h"))
    jobs = {}
    for src in contract_sources():
        name = os.path.basename(src)[:-2]
        if names is None or name in names:
            jobs[name] = src
    result = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        futs = {name: ex.submit(compile_c, src, os.path.join(OUT, name), headers)
                for name, src in jobs.items()}
        for name, fut in futs.items():
            result[name] = fut.result()
    return result


def build_all():
    runner = build_runner()
    bench = build_bench()
    contract = build_contract()
    return runner, bench, contract


def initramfs_base(runner=None):
    """cpio entries (see tests/cpio.py) every test initramfs starts from: /runner, the usual
    directories and the device nodes."""
    runner = runner or build_runner()
    entries = [
        ("file", "runner", runner, 0o755),
        ("dir", "bin"), ("dir", "dev"), ("dir", "etc"), ("dir", "proc"), ("dir", "sys"),
        ("dir", "tmp", 0o1777), ("dir", "root", 0o700),
    ]
    for name, major, minor, mode in DEVICES:
        entries.append(("chardev", "dev/" + name, major, minor, mode))
    return entries


def main():
    if "--list" in sys.argv[1:]:
        for name, path in build_contract().items():
            print(name, path)
        return
    runner, bench, contract = build_all()
    print(f"build: {os.path.relpath(runner, ROOT)}, {os.path.relpath(bench, ROOT)}, "
          f"{len(contract)} contract programs in {os.path.relpath(OUT, ROOT)}/")


if __name__ == "__main__":
    main()
