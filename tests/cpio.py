#!/usr/bin/env python3
"""A pure-python writer of newc (`070701`) cpio archives, the initramfs format of Linux and Kairos.

Entries are written directly, so device nodes need no mknod and no root: a user-supplied
initramfs must contain /dev/console (c 5 1) or Linux starts init without stdout.

Library:

    build_initramfs(out_path, entries)

`entries` is a list of tuples (paths inside the archive, without a leading slash needed):

    ("dir",     path[, mode])                 directory (default 0o755)
    ("file",    path, host_path[, mode])      regular file copied from the host (mode defaults
                                              to the host file's permission bits)
    ("bytes",   path, data[, mode])           regular file with the given contents (default 0o644)
    ("symlink", path, target)                 symbolic link
    ("chardev", path, major, minor[, mode])   character device node (default 0o600)
    ("blockdev", path, major, minor[, mode])  block device node (default 0o600)

Parent directories that are not listed are added automatically (mode 0o755). Every entry is
owned by root, with mtime 0, so the same entries always give byte-identical archives.

CLI (a small spec language, one entry per argument):

    tests/cpio.py OUT dir:/tmp file:/bin/prog=HOSTPATH[:MODE] symlink:/bin/sh=busybox \
                      chardev:/dev/console=5,1 bytes:/etc/motd=TEXT
    tests/cpio.py --list ARCHIVE       # list an archive's entries
"""
import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def _norm(path):
    path = "/".join(p for p in path.split("/") if p not in ("", "."))
    if not path:
        raise ValueError("empty path in cpio entry")
    return path


class Writer:
    """Streams newc entries to a binary file object."""

    def __init__(self, f):
        self.f = f
        self.ino = 1
        self.offset = 0

    def _out(self, data):
        self.f.write(data)
        self.offset += len(data)

    def _pad(self):
        if self.offset % 4:
            self._out(b"\0" * (4 - self.offset % 4))

    def entry(self, name, mode, data=b"", nlink=1, rdevmajor=0, rdevminor=0, mtime=0):
        name_b = name.encode() + b"\0"
        ino = 0 if name == TRAILER else self.ino
        self.ino += 1
        fields = [ino, mode, 0, 0, nlink, mtime, len(data), 0, 0, rdevmajor, rdevminor, len(name_b), 0]
        self._out(MAGIC + b"".join(b"%08X" % v for v in fields))
        self._out(name_b)
        self._pad()
        if data:
            self._out(data)
            self._pad()

    def finish(self):
        self.entry(TRAILER, 0, nlink=1)
        # Pad to 512 bytes like GNU cpio does; the kernel ignores trailing zeros.
        if self.offset % 512:
            self._out(b"\0" * (512 - self.offset % 512))


def _expand(entries):
    """Normalises entries into (path, mode, data, nlink, major, minor) and adds missing parents."""
    out = {}
    order = []

    def add(path, rec):
        if path not in out:
            order.append(path)
        out[path] = rec

    def parents(path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p not in out:
                add(p, (stat.S_IFDIR | 0o755, b"", 2, 0, 0))

    for e in entries:
        kind, path = e[0], _norm(e[1])
        parents(path)
        if kind == "dir":
            mode = e[2] if len(e) > 2 else 0o755
            add(path, (stat.S_IFDIR | mode, b"", 2, 0, 0))
        elif kind == "file":
            host = e[2]
            with open(host, "rb") as f:
                data = f.read()
            mode = e[3] if len(e) > 3 else stat.S_IMODE(os.stat(host).st_mode)
            add(path, (stat.S_IFREG | mode, data, 1, 0, 0))
        elif kind == "bytes":
            data = e[2].encode() if isinstance(e[2], str) else bytes(e[2])
            mode = e[3] if len(e) > 3 else 0o644
            add(path, (stat.S_IFREG | mode, data, 1, 0, 0))
        elif kind == "symlink":
            add(path, (stat.S_IFLNK | 0o777, e[2].encode(), 1, 0, 0))
        elif kind in ("chardev", "blockdev"):
            mode = e[4] if len(e) > 4 else 0o600
            ftype = stat.S_IFCHR if kind == "chardev" else stat.S_IFBLK
            add(path, (ftype | mode, b"", 1, e[2], e[3]))
        else:
            raise ValueError(f"unknown cpio entry kind {kind!r}")
    return [(p,) + out[p] for p in order]


def build_initramfs(out_path, entries):
    """Writes a newc archive with `entries` (see the module doc) to `out_path`; returns the path."""
    recs = _expand(entries)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".part"
    with open(tmp, "wb") as f:
        w = Writer(f)
        for path, mode, data, nlink, major, minor in recs:
            w.entry(path, mode, data, nlink, major, minor)
        w.finish()
    os.replace(tmp, out_path)
    return out_path


def read_archive(path):
    """Parses a newc archive: a list of (name, mode, data, rdevmajor, rdevminor)."""
    with open(path, "rb") as f:
        buf = f.read()
    off = 0
    result = []
    while off + 110 <= len(buf):
        if buf[off:off + 6] not in (b"070701", b"070702"):
            raise ValueError(f"bad cpio magic at offset {off}")
        vals = [int(buf[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, rmaj, rmin, namesize = vals[1], vals[6], vals[9], vals[10], vals[11]
        off += 110
        name = buf[off:off + namesize - 1].decode()
        off = (off + namesize + 3) & ~3
        data = buf[off:off + filesize]
        off = (off + filesize + 3) & ~3
        if name == TRAILER:
            break
        result.append((name, mode, data, rmaj, rmin))
    return result


def _parse_spec(spec):
    kind, _, rest = spec.partition(":")
    path, _, val = rest.partition("=")
    if kind == "dir":
        return ("dir", path)
    if kind == "file":
        host, _, mode = val.partition(":")
        return ("file", path, host) + ((int(mode, 8),) if mode else ())
    if kind == "bytes":
        return ("bytes", path, val.encode().decode("unicode_escape").encode("latin-1"))
    if kind == "symlink":
        return ("symlink", path, val)
    if kind in ("chardev", "blockdev"):
        nums, _, mode = val.partition(":")
        major, minor = (int(x) for x in nums.split(","))
        return (kind, path, major, minor) + ((int(mode, 8),) if mode else ())
    raise SystemExit(f"cpio: bad entry spec {spec!r}")


def main(argv):
    if len(argv) >= 2 and argv[0] == "--list":
        for name, mode, data, rmaj, rmin in read_archive(argv[1]):
            extra = f" -> {data.decode()}" if stat.S_ISLNK(mode) else \
                f" {rmaj},{rmin}" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else f" {len(data)}"
            print(f"{stat.filemode(mode)} {name}{extra}")
        return 0
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    build_initramfs(argv[0], [_parse_spec(s) for s in argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
