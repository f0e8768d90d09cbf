#!/usr/bin/env python3
"""Disk tests: the Alpine disk (README "Alpine disk") under Kairos, compared with the reference
Linux where the output is deterministic.

1. One shell script of many sections (apk, busybox applets, md5sums, dynamic linking, pipelines,
   file writes in /root, df/mount/statfs, /proc/self, sync) runs under `init=/sbin/kairos-run`
   in one boot of each kernel, on a scratch copy of cache/alpine/alpine.ext4. Sections are
   delimited with the batch markers of the runner protocol (`@@KAIROS-TEST-BEGIN NAME@@`,
   `@@KAIROS-TEST-END NAME status=N@@`), so each one is compared (output and status) on its
   own. Linux's results are cached in target/disk-test/linux-KEY.json, KEY a hash of the image
   stamp, the script and the Linux kernel: Linux boots only when one of them changed.
   Some sections are also checked against the host: md5sums against cache/alpine/tree/.
2. After each boot, on the host: `e2fsck -fn` of the written disk must be clean, its journal
   must not need recovery, and what the script left in /root/dt must be there (debugfs).
3. Kairos only: a full boot of the disk (`root=/dev/vda rw`, no init=: busybox init, OpenRC) to
   the `login:` prompt on ttyS0, a root login (empty password), two commands, `poweroff`:
   QEMU must exit by itself with the clean power-off status, the disk must be fsck-clean.

Prints `test disk::NAME ... ok|FAILED` (unified diffs for failures) and `N passed, M failed`.

usage: tests/disk_test.py [--kernel ELF] [--no-cache] [--kairos-only] [--filter SUBSTR]...
                          [--keep-disks] [--skip-login] [--skip-crash]

    --no-cache     boot Linux even when its cached results are current
    --kairos-only  no Linux comparison: print Kairos' sections (host checks still apply)
    --filter S     only report checks whose name contains S (the boots are the same)
    --keep-disks   keep the written disks in target/disk-test/ (kept on failure anyway)
    --skip-login   skip the login-prompt boot
    --skip-crash   skip the crash test (Kairos killed mid-write, journal replay checked)
"""
import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import alpine_image  # noqa: E402
import kairos_qemu  # noqa: E402
import shell_test  # noqa: E402

OUTDIR = os.path.join(ROOT, "target", "disk-test")
BOOT_TIMEOUT = 150  # seconds of QEMU per script boot (Linux: ~25 s under TCG)
IDLE_TIMEOUT = 60  # no console output for that long: the kernel is stuck

# --- The script ------------------------------------------------------------------------------
#
# (name, shell text). Each runs in a subshell, stderr into stdout, in /root. Order matters:
# the listings of the image run before anything writes to it.

MD5_FILES = ["/bin/busybox", "/lib/ld-musl-x86_64.so.1", "/usr/lib/libcrypto.so.3",
             "/usr/lib/libssl.so.3", "/sbin/apk", "/usr/lib/libapk.so.3.0.0", "/usr/bin/curl",
             "/usr/lib/libcurl.so.4.8.0", "/sbin/e2fsck", "/usr/bin/sudo", "/etc/passwd",
             "/etc/apk/world", "/lib/apk/db/installed"]
STAT_FILES = ["/", "/bin", "/bin/busybox", "/bin/sh", "/lib/ld-musl-x86_64.so.1", "/etc/passwd",
              "/etc/shadow", "/usr/bin/sudo", "/etc/mtab", "/root", "/tmp",
              "/var/empty", "/usr/lib/libcrypto.so.3", "/lost+found"]

SECTIONS = [
    ("statfs", "stat -f -c 'type=%T bsize=%s frsize=%S namelen=%l bfree=%f files=%c ffree=%d' /"),
    ("statfs_blocks", "stat -f -c 'blocks=%b bavail=%a' /"),
    ("find_etc", "find /etc | sort | md5sum; find /etc | wc -l; find /etc -type f | sort | xargs md5sum | md5sum"),
    # Every inode of the image but the mount points and the command file: type and mode, size,
    # owner, links, inode number, mtime (all fixed by the image).
    ("stat_tree", "find / -xdev \\( -path /dev -o -path /proc -o -path /sys -o -path /run -o -path /kairos \\) "
                  "-prune -o -exec stat -c '%n %f %s %u %g %h %i %Y' {} + | sort"),
    ("ls_l", "ls -ln --color=never " + " ".join(STAT_FILES[1:]) + "; ls -ld --color=never / /root /tmp /lost+found"),
    ("stat", "stat -c '%n|%s|%a|%u|%g|%F|%h|%i|%Y' " + " ".join(STAT_FILES)),
    ("md5sum", "md5sum " + " ".join(MD5_FILES)),
    ("md5_usr_lib", "find /usr/lib /lib -xdev -type f | sort | xargs md5sum | md5sum"),
    ("apk_info", "apk --no-network info 2>/dev/null | sort"),
    ("apk_list_installed", "apk --no-network list -I 2>/dev/null | sort"),
    ("apk_info_files", "apk --no-network info -L busybox musl 2>/dev/null; "
                       "apk --no-network info -W /bin/busybox /usr/lib/libcrypto.so.3 /sbin/apk 2>/dev/null"),
    ("apk_info_exists", "apk --no-network info -e busybox musl nosuch-package 2>/dev/null"),
    # apk audit walks the directories (readdir order differs between kernels: sorted here).
    ("apk_audit", "apk audit | sort"),
    ("apk_audit_system", "apk audit --system; echo audit-status=$?"),
    ("dynlink", "curl --version | head -1; apk --version; e2fsck -V 2>&1; mke2fs -V 2>&1; "
                "tree /etc/apk; sfdisk --version; kmod --version; "
                "ldd /usr/bin/curl | sed 's/ (0x[0-9a-f]*)//' | sort"),
    ("users", "id; id root; id quicksand; groups root; getent passwd root; getent group wheel; "
              "sudo -V | head -1"),
    ("pipelines", r"""
echo hello kairos | tr a-z A-Z | rev
seq 1 1000 | awk '{s += $1} END {print s}'
cut -d: -f1,3 /etc/passwd | sort -t: -k2 -n | head -5
yes kairos | head -n 3 | cat -n
false | true; echo "pipe status $?"
sh -c 'exit 7'; echo "exit status $?"
echo "subst $(echo nested $(echo deeper))"
x=$(seq 5 | xargs echo); echo "xargs: $x"
cat <<EOF | wc -l
one
two
three
EOF
printf '%s\n' c b a b | sort | uniq -c
{ echo out; echo err >&2; } 2>&1 | sort
sh -c 'kill -TERM $$'; echo "killed status $?"
"""),
    ("files", r"""
set -u
mkdir dt && cd dt || exit 1
echo one > a
echo two >> a
printf 'abc' > b
mv b c
ln a hard
ln -s a soft
ln -s /nonexistent dangling
mkdir -p d1/d2/d3 && rmdir d1/d2/d3
echo gone > gone && rm gone
mkdir sub && mv c sub/c2
seq 1 100000 > seq.txt
cp /usr/lib/libcrypto.so.3 crypto && cmp crypto /usr/lib/libcrypto.so.3 && echo cmp-ok
cp seq.txt trunc && truncate -s 5000 trunc && truncate -s 20000 trunc
truncate -s 1M sparse && printf X >> sparse
mkdir many && for i in $(seq 1 300); do echo "file $i" > many/f$i; done
rm many/f1?? && mv many/f7 many/seven
chmod 640 a && chmod 4755 sub && chown 1000:1001 sub/c2
echo overwrite > ow && echo new > ow.tmp && mv ow.tmp ow
mkdir empty && rmdir empty
touch -d '2020-01-02 03:04:05' a
echo ---list
ls -lnR | sed -E 's/ [A-Z][a-z]{2} [ 0-9]{2} ([0-9]{2}:[0-9]{2}| [0-9]{4}) / DATE /'
echo ---stat
find . | sort | xargs stat -c '%n|%s|%a|%u|%g|%h|%F'
echo ---contents
cat a hard sub/c2 ow; echo
readlink soft dangling; cat soft; cat dangling 2>/dev/null || echo dangling-unreadable
[ a -ef hard ] && echo a-hard-same-inode
stat -c '%Y' a
md5sum seq.txt trunc sparse
wc -c seq.txt trunc sparse
ls many | wc -l; ls many | sort | md5sum; cat many/seven many/f300
tail -c 1 sparse; echo; head -c 4 sparse | od -An -c
"""),
    ("df", "df -k /; df -k / | awk 'NR == 2 {print ($3 + $4 <= $2) ? \"used+avail<=total\" : \"bad\"}'"),
    ("mount", "grep ' / ' /proc/mounts; mount | grep ' on / '"),
    ("mount_points", "awk '{print $2, $3}' /proc/mounts | sort"),
    ("proc_self", "head -1 /proc/self/status; read a b < /proc/self/status; echo \"$a $b\"; "
                  "readlink /proc/self/exe; cat /proc/self/comm; sh -c 'echo $$ > pid; readlink /proc/self' > pid2; "
                  "[ \"$(cat pid)\" = \"$(cat pid2)\" ] && echo self-is-pid; rm pid pid2"),
    # apk installs a package built on the spot (apk mkpkg; no network): files land, the
    # database knows it, and it survives the shutdown (PERSISTED).
    ("apk_add", "mkdir -p /tmp/pkg/usr/share/kairos && echo hello-from-pkg > /tmp/pkg/usr/share/kairos/hello.txt "
                "&& apk mkpkg --info name:kairos-hello --info version:1.0-r0 --info description:test "
                "--info arch:noarch --info license:MIT --files /tmp/pkg --output /tmp/kairos-hello.apk; "
                "echo mkpkg=$?; apk add --no-network --allow-untrusted /tmp/kairos-hello.apk 2>&1 | tail -1; "
                "cat /usr/share/kairos/hello.txt; apk --no-network info -e kairos-hello; "
                "apk --no-network info -L kairos-hello 2>/dev/null; apk --no-network info 2>/dev/null | wc -l"),
    ("sync", "echo synced > /root/dt/synced; sync; echo sync=$?; sync -f /root/dt/synced; echo syncf=$?"),
]

# Sections Kairos is known to fail, with the reason (a minimal reproduction under
# /tmp/disk-bugs/ when this list was written). They show as `xfail` with their diff; one that
# starts passing fails the run until it is removed from here.
KNOWN_FAILURES = {}

# Host-side normalisation of a section's output before the comparison (both kernels).
DF_RE = re.compile(r"^(\S+)\s+\d+\s+\d+\s+\d+\s+\d+%\s+(/.*)$", re.M)
NORMALISE = {
    "df": lambda s: DF_RE.sub(r"\1 N N N N% \2", s),
}

# What the `files` section must leave on the disk, checked with debugfs on the host after the
# boot: path -> contents (bytes, or ("tree", PATH): a copy of PATH of the image), paths that
# must be gone, symlinks and their targets (plus a's link count and sub's setuid mode).
PERSISTED = {
    "/usr/share/kairos/hello.txt": b"hello-from-pkg\n",
    "/root/dt/a": b"one\ntwo\n",
    "/root/dt/hard": b"one\ntwo\n",
    "/root/dt/sub/c2": b"abc",
    "/root/dt/ow": b"new\n",
    "/root/dt/seq.txt": "".join(f"{i}\n" for i in range(1, 100001)).encode(),
    "/root/dt/trunc": "".join(f"{i}\n" for i in range(1, 100001)).encode()[:5000] + b"\0" * 15000,
    "/root/dt/sparse": b"\0" * (1 << 20) + b"X",
    "/root/dt/many/seven": b"file 7\n",
    "/root/dt/crypto": ("tree", "/usr/lib/libcrypto.so.3"),
    "/root/dt/many/f300": b"file 300\n",
    "/root/dt/synced": b"synced\n",
}
ABSENT = ["/root/dt/b", "/root/dt/gone", "/root/dt/c", "/root/dt/d1/d2/d3", "/root/dt/empty",
          "/root/dt/many/f100", "/root/dt/many/f199", "/root/dt/many/f7"]
SYMLINKS = {"/root/dt/soft": "a", "/root/dt/dangling": "/nonexistent"}


def script():
    parts = ["cd /root"]
    for name, body in SECTIONS:
        parts.append(f"printf '@@KAIROS-TEST-BEGIN {name}@@\\n'\n(\n{body.strip()}\n) 2>&1\n"
                     f"printf '@@KAIROS-TEST-END {name} status=%d@@\\n' $?")
    parts.append("printf '@@KAIROS-BATCH-DONE@@\\n'")
    return "\n".join(parts) + "\n"


# --- Booting ---------------------------------------------------------------------------------

def scratch_copy(kind):
    os.makedirs(OUTDIR, exist_ok=True)
    path = os.path.join(OUTDIR, f"{kind}.img")
    if os.path.exists(path):
        os.unlink(path)
    subprocess.run(["cp", "--sparse=always", "--reflink=auto", alpine_image.ensure_image(), path],
                   check=True)
    return path


def boot_script(kind, kernel, text):
    """Boots a scratch disk holding the script; returns (sections, done, Result, disk path)."""
    disk = scratch_copy(kind)
    alpine_image.write_command(disk, text)
    initrd = None
    if kind == "linux":
        import reference
        initrd = reference.linux_initrd_path()
    log = os.path.join(OUTDIR, f"{kind}.log")
    klog = os.path.join(OUTDIR, "kairos.klog") if kind == "kairos" else None
    r = kairos_qemu.boot_disk(kind, kernel, disk, initrd=initrd, timeout=BOOT_TIMEOUT, log=log,
                              klog=klog, idle_timeout=IDLE_TIMEOUT)
    sections = {n: (out.decode(errors="replace"), st) for n, (out, st) in kairos_qemu.parse_batch(r.raw).items()}
    done = b"@@KAIROS-BATCH-DONE@@" in r.raw
    print(f"disk-test: {kind} boot: {len(sections)}/{len(SECTIONS)} sections in {r.seconds:.1f} s "
          f"({'complete' if done else 'INCOMPLETE: qemu ' + r.verdict}, exit status {r.status}); "
          f"log {os.path.relpath(log, ROOT)}" + (f", kernel log {os.path.relpath(klog, ROOT)}" if klog else ""),
          flush=True)
    return sections, done, r, disk


def disk_checks(disk, persist=True):
    """Host checks of a written disk: [(check, ok, detail)]: e2fsck -fn clean, cleanly
    unmounted (no journal recovery needed), and (`persist`) /root/dt as the script left it."""
    out = []
    r = subprocess.run(["e2fsck", "-fn", disk], capture_output=True, text=True)
    report = (r.stdout + r.stderr).strip()
    out.append(("fsck_clean", r.returncode == 0, "" if r.returncode == 0 else
                f"e2fsck -fn exit status {r.returncode}:\n{report}"))
    d = subprocess.run(["dumpe2fs", "-h", disk], capture_output=True, text=True).stdout
    feats = next((l.split(":", 1)[1].split() for l in d.split("\n") if l.startswith("Filesystem features:")), [])
    state = next((l.split(":", 1)[1].strip() for l in d.split("\n") if l.startswith("Filesystem state:")), "?")
    clean = "needs_recovery" not in feats and state == "clean"
    out.append(("unmounted_clean", clean, "" if clean else f"state {state!r}, features {' '.join(feats)}"))
    if persist:
        out.append(("persisted", *persisted(disk)))
    return out


def persisted(disk):
    problems = []
    with tempfile.TemporaryDirectory(dir=OUTDIR) as tmp:
        names = sorted(PERSISTED)
        cmds = [f"dump {p} {tmp}/{i}" for i, p in enumerate(names)]
        cmds += [f"stat {p}" for p in list(SYMLINKS) + ABSENT + ["/root/dt/a", "/root/dt/sub"]]
        results, err = alpine_image.debugfs(disk, cmds)
        for i, p in enumerate(names):
            f = os.path.join(tmp, str(i))
            data = open(f, "rb").read() if os.path.exists(f) else None
            want = PERSISTED[p]
            if isinstance(want, tuple):  # a copy of a file of the image
                with open(alpine_image.TREE + want[1], "rb") as g:
                    want = g.read()
            if data != want:
                problems.append(f"{p}: " + ("missing" if data is None else
                                            f"{len(data)} bytes, md5 {hashlib.md5(data).hexdigest()}, "
                                            f"want {len(want)} bytes, md5 {hashlib.md5(want).hexdigest()}"))
        stats = {c.split(" ", 1)[1]: "\n".join(lines) for c, lines in results[len(names):]}
    for p, target in SYMLINKS.items():
        if f'Fast link dest: "{target}"' not in stats[p]:
            problems.append(f"{p}: not a symlink to {target!r}: {stats[p][:200]!r}")
    for p in ABSENT:
        if "Type:" in stats[p]:
            problems.append(f"{p}: still exists")
    if not re.search(r"Links: 2\b", stats["/root/dt/a"]):
        problems.append("/root/dt/a: link count is not 2")
    if not re.search(r"Mode:\s+04755", stats["/root/dt/sub"]):
        problems.append("/root/dt/sub: mode is not 04755: " + stats["/root/dt/sub"][:120])
    return not problems, "\n".join(problems)


# --- Linux results, cached -------------------------------------------------------------------

def linux_results(text, use_cache):
    """({section: (output, status)}, done, [(check, ok, detail)], where) for Linux."""
    import reference
    kernel = reference.linux_kernel_path()
    with open(alpine_image.STAMP, "rb") as f:
        stamp = f.read()
    checks = repr((sorted(PERSISTED.items()), ABSENT, sorted(SYMLINKS.items())))
    key = hashlib.sha256(stamp + text.encode() + checks.encode() + kernel.encode()
                         + str(os.path.getsize(kernel)).encode()).hexdigest()[:16]
    cache = os.path.join(OUTDIR, f"linux-{key}.json")
    if use_cache and os.path.exists(cache):
        with open(cache) as f:
            data = json.load(f)
        return ({k: tuple(v) for k, v in data["sections"].items()}, True,
                [tuple(c) for c in data["disk"]], f"cache {os.path.relpath(cache, ROOT)}")
    sections, done, r, disk = boot_script("linux", kernel, text)
    checks = disk_checks(disk) if r.verdict != "timeout" else []
    os.unlink(disk)
    if done:
        for old in os.listdir(OUTDIR):
            if old.startswith("linux-") and old.endswith(".json"):
                os.unlink(os.path.join(OUTDIR, old))
        with open(cache, "w") as f:
            json.dump({"sections": sections, "disk": checks}, f, indent=0, sort_keys=True)
    return sections, done, checks, "boot"


# --- Host expectations -----------------------------------------------------------------------

def host_md5sum():
    lines = []
    for p in MD5_FILES:
        with open(alpine_image.TREE + p, "rb") as f:
            lines.append(f"{hashlib.md5(f.read()).hexdigest()}  {p}\n")
    return "".join(lines)


# --- Login boot (Kairos only) ----------------------------------------------------------------

class Console(shell_test.Console):
    """shell_test's console, with an expect() that returns on any match."""

    def expect(self, pattern, timeout):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump()
            m = rx.search(self.buf, self.pos)
            if m:
                text = self.buf[self.pos:m.end()]
                self.pos = m.end()
                return text
            if self.proc.poll() is not None:
                self.pump()
                break
            time.sleep(0.02)
        raise TimeoutError(f"did not see {rx.pattern!r} within {timeout} s; tail: {self.buf[-300:]!r}")


PROMPT = rb"\n[^\n]*:~# (\x1b\[6n)?"


def login_boot(kernel, report, keep):
    """Boots the disk to login:, logs in, runs two commands, powers off; reports checks."""
    disk = scratch_copy("login")
    log_path = os.path.join(OUTDIR, "login.log")
    klog = os.path.join(OUTDIR, "login.klog")
    open(klog, "wb").close()
    cmd = kairos_qemu.qemu_command(kernel, kairos_qemu.KAIROS_DISK_CMDLINE, serial2="file:" + klog,
                                   disk=disk)
    ok_all = True
    with open(log_path, "wb") as log:
        log.write(("# " + " ".join(cmd) + "\n").encode())
        c = Console(cmd, log)
        t0 = time.monotonic()
        try:
            try:
                c.expect(rb"login: ", 120)
                took = time.monotonic() - t0
                print(f"disk-test: Kairos reached login: in {took:.1f} s", flush=True)
                report("login_prompt", True, f"({took:.1f} s to login:)")
            except TimeoutError as e:
                report("login_prompt", False, str(e))
                return False
            try:
                c.send("root\n")
                c.expect(PROMPT, 30)
                c.send("echo ok-$((6*7)); cat /etc/alpine-release\n")
                out = c.expect(PROMPT, 30).replace(b"\r\n", b"\n")
                want = b"\nok-42\n3.23.6\n"
                ok = want in out
                report("login_commands", ok, "" if ok else f"(wanted {want!r} in {out!r})")
                ok_all &= ok
            except TimeoutError as e:
                report("login_commands", False, str(e))
                ok_all = False
            t1 = time.monotonic()
            c.send("poweroff\n")
            try:
                status = c.proc.wait(timeout=60)
                c.pump()
                ok = status == kairos_qemu.EXIT_SUCCESS
                report("login_poweroff", ok, f"(QEMU exit status {status} after {time.monotonic() - t1:.1f} s"
                       + ("" if ok else f", want {kairos_qemu.EXIT_SUCCESS}") + ")")
            except subprocess.TimeoutExpired:
                report("login_poweroff", False, "(QEMU still running 60 s after poweroff)")
                ok = False
            ok_all &= ok
        finally:
            if c.proc.poll() is None:
                c.proc.kill()
                c.proc.wait()
    for name, ok, detail in disk_checks(disk, persist=False):
        report("login_" + name, ok, detail)
        ok_all &= ok
    if ok_all and not keep:
        os.unlink(disk)
    else:
        print(f"disk-test: login disk kept in {os.path.relpath(disk, ROOT)}, console log "
              f"{os.path.relpath(log_path, ROOT)}, kernel log {os.path.relpath(klog, ROOT)}")
    return ok_all


# The crash test's command: the first boot writes, renames and syncs in a loop until QEMU is
# killed; the boot after the crash (the marker file exists) only lists what survived and powers
# off, so Kairos must replay the journal at mount and leave the disk clean.
CRASH_SCRIPT = r'''
if [ -f /root/crash-marker ]; then
    ls /root/crash | wc -l
    cat /root/crash/g* | wc -c
    exit 0
fi
mkdir -p /root/crash
touch /root/crash-marker
sync
i=0
while :; do
    i=$((i+1))
    head -c $((4096 * (i % 7 + 1))) /dev/urandom > /root/crash/f$i
    mv /root/crash/f$i /root/crash/g$((i % 50))
    if [ $((i % 20)) = 0 ]; then sync; fi
    if [ $i = 60 ]; then echo "@@CRASH-READY@@"; fi
done
'''


def crash_boot(kernel, report, keep):
    """Kills Kairos in the middle of a write workload, then checks the journal makes the disk
    consistent: e2fsck's own replay (on a copy) leaves it fsck-clean, and a second Kairos boot
    (which replays the journal at mount) reads the files and powers off leaving it clean."""
    disk = scratch_copy("crash")
    alpine_image.write_command(disk, CRASH_SCRIPT)
    log_path = os.path.join(OUTDIR, "crash.log")
    klog = os.path.join(OUTDIR, "crash.klog")
    cmd = kairos_qemu.qemu_command(kernel, kairos_qemu.disk_cmdline("kairos"), serial2="file:" + klog, disk=disk)
    ok_all = True
    with open(log_path, "wb") as log:
        log.write(("# " + " ".join(cmd) + "\n").encode())
        c = Console(cmd, log)
        try:
            c.expect(rb"@@CRASH-READY@@", 120)
            time.sleep(1.5)  # let it run on: the kill lands mid-transaction or between them
            report("crash_workload_running", True)
        except TimeoutError as e:
            report("crash_workload_running", False, str(e))
            ok_all = False
        finally:
            c.proc.kill()
            c.proc.wait()
    if ok_all:
        d = subprocess.run(["dumpe2fs", "-h", disk], capture_output=True, text=True).stdout
        pending = "needs_recovery" in d
        print(f"disk-test: crashed disk {'needs journal recovery' if pending else 'has an empty journal'}")
        copy = disk + ".e2fsck"
        subprocess.run(["cp", "--sparse=always", disk, copy], check=True)
        subprocess.run(["e2fsck", "-y", "-E", "journal_only", copy], capture_output=True)
        r = subprocess.run(["e2fsck", "-fn", copy], capture_output=True, text=True)
        report("crash_replayed_by_e2fsck_clean", r.returncode == 0,
               "" if r.returncode == 0 else f"e2fsck -fn exit status {r.returncode}:\n{r.stdout}{r.stderr}")
        ok_all &= r.returncode == 0
        os.unlink(copy)
        second = kairos_qemu.boot_disk("kairos", kernel, disk, timeout=BOOT_TIMEOUT, log=log_path + ".2",
                                       klog=klog + ".2", idle_timeout=IDLE_TIMEOUT)
        ok = second.status == kairos_qemu.EXIT_SUCCESS and b"@@KAIROS-EXEC-END status=0@@" in second.raw
        report("crash_reboot_after_crash", ok, "" if ok else f"(QEMU {second.verdict}, status {second.status}; "
               f"log {os.path.relpath(log_path + '.2', ROOT)})")
        ok_all &= ok
        for name, ok, detail in disk_checks(disk, persist=False):
            report("crash_kairos_replay_" + name, ok, detail)
            ok_all &= ok
    if ok_all and not keep:
        os.unlink(disk)
    else:
        print(f"disk-test: crash disk kept in {os.path.relpath(disk, ROOT)}, logs {os.path.relpath(log_path, ROOT)}*")
    return ok_all


# --- Main ------------------------------------------------------------------------------------

def render(out, status):
    text = out if out.endswith("\n") or not out else out + "\\ (no newline at end)\n"
    return text.splitlines(keepends=True) + [f"[exit status: {status}]\n"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=kairos_qemu.KAIROS_KERNEL)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--kairos-only", action="store_true")
    ap.add_argument("--filter", action="append", default=[])
    ap.add_argument("--keep-disks", action="store_true")
    ap.add_argument("--skip-login", action="store_true")
    ap.add_argument("--skip-crash", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(a.kernel):
        print(f"disk-test: {a.kernel} does not exist: run `make kernel` first")
        sys.exit(2)
    os.makedirs(OUTDIR, exist_ok=True)
    t_start = time.monotonic()
    alpine_image.ensure_image()
    text = script()
    passed = failed = xfailed = 0

    def wanted(name):
        return not a.filter or any(f in name for f in a.filter)

    def report(name, ok, detail="", diff=None):
        nonlocal passed, failed
        if not wanted(name):
            return
        passed += ok
        failed += not ok
        multiline = "\n" in detail
        print(f"test disk::{name} ... {'ok' if ok else 'FAILED'}"
              + (" " + detail if detail and not multiline else ""))
        if multiline:
            print("    " + detail.replace("\n", "\n    "))
        if diff:
            sys.stdout.writelines("    " + l for l in diff)

    expected, linux_checks = {}, []
    if not a.kairos_only:
        expected, ldone, linux_checks, where = linux_results(text, not a.no_cache)
        print(f"disk-test: linux results from {where}" + ("" if ldone else " (INCOMPLETE)"), flush=True)
    actual, done, r, disk = boot_script("kairos", a.kernel, text)

    host = {"md5sum": host_md5sum()}
    for name, _ in SECTIONS:
        if not wanted(name) and not (name in host and wanted(name + "_host")):
            continue
        norm = NORMALISE.get(name, lambda s: s)
        if name not in actual:
            report(name, False, "(did not run under Kairos: the kernel stopped or hung before it)")
            continue
        act = (norm(actual[name][0]), actual[name][1])
        if a.kairos_only:
            report(name, act[1] is not None, f"(status {act[1]})")
            sys.stdout.writelines("    | " + l for l in render(*act))
        elif name not in expected:
            report(name, False, "(no Linux result: the reference run stopped before it)")
            continue
        else:
            exp = (norm(expected[name][0]), expected[name][1])
            if exp != act:
                why = "(the kernel died or hung inside it)" if act[1] is None else ""
                diff = list(difflib.unified_diff(render(*exp), render(*act), "linux", "kairos"))
                if name in KNOWN_FAILURES and act[1] is not None:
                    xfailed += 1
                    print(f"test disk::{name} ... xfail ({KNOWN_FAILURES[name]})")
                    sys.stdout.writelines("    " + l for l in diff)
                else:
                    report(name, False, why, diff)
                continue
            if name in KNOWN_FAILURES:
                report(name, False, "(unexpectedly passed: remove it from KNOWN_FAILURES in "
                       "tests/disk_test.py)")
                continue
        if name in host:
            ok = act[0] == host[name] and (a.kairos_only or expected[name][0] == host[name])
            report(name + "_host", ok, "(equals the host's cache/alpine/tree)" if ok else "",
                   None if ok else list(difflib.unified_diff(host[name].splitlines(True),
                                                             act[0].splitlines(True), "host", "kairos")))
        if not a.kairos_only:
            report(name, True)
    for check, ok, detail in linux_checks:
        report("linux_" + check, ok, detail)
    kchecks = disk_checks(disk) if r.verdict != "timeout" else [("fsck_clean", False, "(QEMU timed out)")]
    kairos_ok = True
    for check, ok, detail in kchecks:
        report("kairos_" + check, ok, detail)
        kairos_ok &= ok
    if kairos_ok and done and not a.keep_disks:
        os.unlink(disk)
    else:
        print(f"disk-test: the Kairos disk is kept in {os.path.relpath(disk, ROOT)}")
    if not a.skip_login:
        login_boot(a.kernel, report, a.keep_disks)
    if not a.skip_crash:
        crash_boot(a.kernel, report, a.keep_disks)
    print(f"disk-test: {time.monotonic() - t_start:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {xfailed} known failures (xfail)" if xfailed else ""))
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
