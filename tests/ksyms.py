#!/usr/bin/env python3
"""Writes the kernel's symbol table into its `.ksyms` section, so panics print function names.

usage: ksyms.py KERNEL_ELF

Reads demangled function symbols with `nm -n -C`, builds the table described in
kernel/src/ksyms.rs and patches it into the file in place (the section is reserved by the
kernel at build time and its size never changes).
"""
import struct
import subprocess
import sys


def find_section(data, name):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit("ksyms: not an ELF64 file")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
    strtab = sh(e_shstrndx)
    for i in range(e_shnum):
        s = sh(i)
        off = strtab[4] + s[0]
        end = data.index(b"\0", off)
        if data[off:end].decode() == name:
            return s[4], s[5]  # file offset, size
    sys.exit(f"ksyms: no {name} section")


def main():
    path = sys.argv[1]
    out = subprocess.run(["nm", "-n", "-C", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or parts[1] not in "TtWw":
            continue
        addr = int(parts[0], 16)
        name = parts[2][:160]
        if syms and syms[-1][0] == addr:
            continue
        syms.append((addr, name))
    strings = bytearray()
    entries = bytearray()
    for addr, name in syms:
        raw = name.encode()
        entries += struct.pack("<QII", addr, len(strings), len(raw))
        strings += raw
    header = struct.pack("<4sIII", b"KSYM", len(syms), 16 + len(entries), 0)
    table = header + entries + strings
    with open(path, "r+b") as f:
        data = f.read()
        off, size = find_section(data, ".ksyms")
        if len(table) > size:
            sys.exit(f"ksyms: table of {len(table)} bytes does not fit the {size}-byte .ksyms section")
        f.seek(off)
        f.write(table + bytes(size - len(table)))
    print(f"ksyms: {len(syms)} symbols, {len(table)} of {size} bytes")


if __name__ == "__main__":
    main()
