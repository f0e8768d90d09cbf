//! The cpio newc parser and `populate`, against archives made by the host's
//! GNU `cpio -o -H newc` (and `-H crc`) from a real directory tree, plus
//! corrupt, truncated and concatenated archives.

mod common;

use std::{
    collections::HashMap,
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
};

use common::*;
use kairos_abi::Errno;
use kairos_fs::{
    FileType, Inode,
    cpio::{build_newc, parse, populate},
    vfs::makedev,
};

fn sh(cmd: &str) {
    let st = Command::new("sh").arg("-c").arg(cmd).status().expect("sh");
    assert!(st.success(), "command failed: {cmd}");
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds a tree with every file type, odd permissions and owners, hard
/// links and varied mtimes. Returns it and whether a device node was made.
fn host_tree(tag: &str) -> (TempDir, bool) {
    let dir = std::env::temp_dir().join(format!("kairos-fs-cpio-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let t = TempDir(dir);
    let p = |s: &str| t.0.join(s);
    for d in ["bin", "etc/init.d", "empty_dir", "usr/lib/deep/er", "sticky"] {
        std::fs::create_dir_all(p(d)).unwrap();
    }
    std::fs::write(p("etc/hostname"), b"kairos\n").unwrap();
    let big: Vec<u8> = (0..100_003u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(p("bin/big"), &big).unwrap();
    std::fs::write(p("empty"), b"").unwrap();
    std::fs::write(p("with space.txt"), b"spaces").unwrap();
    std::fs::write(p("usr/lib/deep/er/f"), b"deep").unwrap();
    std::fs::write(p("etc/secret"), b"s3cret").unwrap();
    std::fs::write(p("bin/suid"), b"#!/bin/sh\n").unwrap();
    std::fs::write(p("pair_a"), b"").unwrap();
    let perm = |s: &str, m: u32| std::fs::set_permissions(p(s), std::fs::Permissions::from_mode(m)).unwrap();
    perm("bin/big", 0o755);
    perm("etc/secret", 0o600);
    perm("sticky", 0o1777);
    perm("bin/suid", 0o4755);
    perm("empty_dir", 0o700);
    std::fs::hard_link(p("etc/hostname"), p("etc/hostname2")).unwrap();
    std::fs::hard_link(p("etc/hostname"), p("bin/hn3")).unwrap();
    std::fs::hard_link(p("pair_a"), p("pair_b")).unwrap();
    std::os::unix::fs::symlink("big", p("bin/sh")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", p("abs")).unwrap();
    std::os::unix::fs::symlink("nowhere/x", p("dangling")).unwrap();
    std::os::unix::fs::symlink("../bin", p("usr/bin")).unwrap();
    sh(&format!("mkfifo '{}'", p("fifo").display()));
    let dev =
        Command::new("mknod").args([p("null").to_str().unwrap(), "c", "1", "3"]).status().is_ok_and(|s| s.success());
    // Owners (we may not be root: then leave them).
    let _ = Command::new("chown").args(["-h", "1234:5678", p("etc/secret").to_str().unwrap()]).status();
    let _ = Command::new("chown").args(["-h", "42:43", p("abs").to_str().unwrap()]).status();
    // Distinct mtimes for everything (touch -h: symlinks themselves).
    let mut all = host_paths(&t.0);
    all.push(String::new());
    for (i, rel) in all.iter().enumerate() {
        let path = if rel.is_empty() { t.0.clone() } else { p(rel) };
        let st = Command::new("touch")
            .args(["-h", "-d", &format!("@{}", 1_000_000 + 777 * i), path.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(st.success());
    }
    (t, dev)
}

fn host_archive(dir: &Path, format: &str) -> Vec<u8> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("cd '{}' && find . | LC_ALL=C sort | cpio -o -H {format} --quiet", dir.display()))
        .output()
        .expect("cpio");
    assert!(out.status.success(), "cpio failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Every path under `dir`, relative, without ".".
fn host_paths(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, rel: &str, out: &mut Vec<String>) {
        for e in std::fs::read_dir(base.join(rel)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            out.push(r.clone());
            if e.file_type().unwrap().is_dir() {
                walk(base, &r, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out.sort();
    out
}

fn host_kind(m: &std::fs::Metadata) -> FileType {
    FileType::from_mode(m.mode()).unwrap()
}

/// Compares the tmpfs under `fx` with the host tree, file by file.
fn compare_tree(fx: &Fx, dir: &Path, expect_device: bool) {
    let mut host_ino_to_tmp: HashMap<u64, u64> = HashMap::new();
    let paths = host_paths(dir);
    assert!(paths.len() > 20);
    for rel in &paths {
        let hm = std::fs::symlink_metadata(dir.join(rel)).unwrap();
        let node = fx.lresolve(&format!("/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let m = node.metadata();
        let kind = host_kind(&hm);
        assert_eq!(m.file_type(), kind, "{rel}");
        assert_eq!(m.mode, hm.mode(), "{rel}: mode");
        assert_eq!((m.uid, m.gid), (hm.uid(), hm.gid()), "{rel}: owner");
        assert_eq!(m.mtime.tv_sec, hm.mtime(), "{rel}: mtime");
        match kind {
            FileType::Regular => {
                assert_eq!(read_all(&node), std::fs::read(dir.join(rel)).unwrap(), "{rel}: data");
                assert_eq!(m.nlink as u64, hm.nlink(), "{rel}: nlink");
                // Same host inode ⇔ same tmpfs inode.
                let prev = host_ino_to_tmp.insert(hm.ino(), m.ino);
                assert!(prev.is_none() || prev == Some(m.ino), "{rel}: hard link split");
            }
            FileType::Symlink => {
                let target = std::fs::read_link(dir.join(rel)).unwrap();
                assert_eq!(block_on(node.readlink()).unwrap(), target.to_str().unwrap(), "{rel}");
                assert_eq!(m.size, hm.size(), "{rel}");
            }
            FileType::Directory => {
                let mut names = list(&node);
                names.retain(|n| n != "." && n != "..");
                names.sort();
                let mut host: Vec<String> = std::fs::read_dir(dir.join(rel))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
                host.sort();
                assert_eq!(names, host, "{rel}: entries");
            }
            FileType::CharDevice | FileType::BlockDevice => assert_eq!(m.rdev, hm.rdev(), "{rel}: rdev"),
            FileType::Fifo | FileType::Socket => {}
        }
    }
    // Distinct host inodes stay distinct.
    let mut tmp_inos: Vec<u64> = host_ino_to_tmp.values().copied().collect();
    tmp_inos.sort();
    tmp_inos.dedup();
    assert_eq!(tmp_inos.len(), host_ino_to_tmp.len());
    assert_eq!(fx.resolve("/etc/hostname").unwrap().metadata().nlink, 3);
    assert!(same(&fx.resolve("/bin/hn3").unwrap(), &fx.resolve("/etc/hostname2").unwrap()));
    assert!(same(&fx.resolve("/pair_a").unwrap(), &fx.resolve("/pair_b").unwrap()));
    assert_eq!(fx.exists("/null"), expect_device);
    if expect_device {
        assert_eq!(fx.lresolve("/null").unwrap().metadata().rdev, makedev(1, 3));
    }
    // The root got the archive's "." attributes.
    let hroot = std::fs::metadata(dir).unwrap();
    assert_eq!(fx.root.metadata().mode, hroot.mode());
    assert_eq!(fx.root.metadata().mtime.tv_sec, hroot.mtime());
    // Symlinks inside the image resolve inside it.
    assert_eq!(fx.read("/usr/bin/sh")[..3], [0, 7, 14]);
    assert_eq!(fx.read("/abs"), b"kairos\n");
}

#[test]
fn host_newc_archive_parses_and_populates() {
    let (tree, dev) = host_tree("newc");
    let archive = host_archive(&tree.0, "newc");
    assert_eq!(&archive[..6], b"070701");
    let paths = host_paths(&tree.0);

    // Parser: every member with its header fields.
    let entries: Vec<_> = parse(&archive).collect::<Result<_, _>>().unwrap();
    assert_eq!(entries.len(), paths.len() + 1); // + "."
    assert_eq!(entries[0].name, ".");
    let mut data_of_ino: HashMap<u32, usize> = HashMap::new();
    for e in &entries[1..] {
        let rel = e.name.strip_prefix("./").unwrap_or(e.name);
        let hm = std::fs::symlink_metadata(tree.0.join(rel)).unwrap();
        assert_eq!(e.mode, hm.mode(), "{rel}");
        assert_eq!((e.uid, e.gid, e.nlink), (hm.uid(), hm.gid(), hm.nlink() as u32), "{rel}");
        assert_eq!(e.mtime as i64, hm.mtime(), "{rel}");
        assert_eq!(e.ino, hm.ino() as u32, "{rel}");
        match e.file_type().unwrap() {
            FileType::Symlink => {
                assert_eq!(e.symlink_target().unwrap(), std::fs::read_link(tree.0.join(rel)).unwrap().to_str().unwrap())
            }
            FileType::Regular if hm.nlink() == 1 => assert_eq!(e.data, std::fs::read(tree.0.join(rel)).unwrap()),
            FileType::Regular => {
                // GNU cpio stores a hard-linked file's data once.
                if !e.data.is_empty() {
                    *data_of_ino.entry(e.ino).or_default() += 1;
                }
            }
            FileType::CharDevice => assert_eq!(e.rdev(), hm.rdev()),
            _ => assert!(e.data.is_empty()),
        }
    }
    assert_eq!(data_of_ino.values().copied().collect::<Vec<_>>(), vec![1]);

    // populate: every file compared with the host.
    let fx = Fx::new();
    let n = block_on(populate(&fx.root, &archive)).unwrap();
    assert_eq!(n, paths.len() + 1);
    compare_tree(&fx, &tree.0, dev);

    // Populating again over the result replaces files and keeps directories.
    let n2 = block_on(populate(&fx.root, &archive)).unwrap();
    assert_eq!(n2, n);
    compare_tree(&fx, &tree.0, dev);
}

#[test]
fn host_crc_archive() {
    let (tree, dev) = host_tree("crc");
    let archive = host_archive(&tree.0, "crc");
    assert_eq!(&archive[..6], b"070702");
    let fx = Fx::new();
    block_on(populate(&fx.root, &archive)).unwrap();
    compare_tree(&fx, &tree.0, dev);
    // A flipped data byte breaks the checksum.
    let pos = archive.windows(6).position(|w| w == [0, 7, 14, 21, 28, 35]).expect("big's data");
    let mut bad = archive.clone();
    bad[pos + 1000] ^= 1;
    assert_eq!(errno(block_on(populate(&Fx::new().root, &bad))), Errno::EINVAL);
    assert!(parse(&bad).any(|e| e.is_err()));
}

#[test]
fn truncated_archives_fail_without_panicking() {
    let (tree, _) = host_tree("trunc");
    let archive = host_archive(&tree.0, "newc");
    let trailer = archive.windows(11).position(|w| w == b"TRAILER!!!\0").unwrap();
    let end = (trailer + 11 + 3) & !3;
    assert!(archive[end..].iter().all(|&b| b == 0), "GNU cpio pads with NULs");
    // Every prefix: the parser must error (or be empty/complete), never panic.
    for len in 0..archive.len() {
        let result: Result<Vec<_>, _> = parse(&archive[..len]).collect();
        match len {
            0 => assert!(result.unwrap().is_empty()),
            l if l < end => assert_eq!(result.unwrap_err().errno, Errno::EINVAL, "prefix {l}"),
            _ => assert!(result.is_ok(), "prefix {len}"),
        }
    }
    // populate too, on a sample of prefixes.
    for len in (1..end).step_by(997).chain([end - 1, 110, 111]) {
        assert_eq!(errno(block_on(populate(&Fx::new().root, &archive[..len]))), Errno::EINVAL, "prefix {len}");
    }
}

#[test]
fn corrupted_archives_never_panic() {
    let archive =
        build_newc(&[("dir", 0o040755, b""), ("dir/file", 0o100644, b"hello world"), ("link", 0o120777, b"dir/file")]);
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut errors = 0;
    for _ in 0..3000 {
        let mut a = archive.clone();
        for _ in 0..(1 + rand() % 3) {
            let i = (rand() % a.len() as u64) as usize;
            a[i] = match rand() % 4 {
                0 => b'F',
                1 => b'0',
                2 => 0,
                _ => rand() as u8,
            };
        }
        let _ = parse(&a).count();
        if block_on(populate(&Fx::new().root, &a)).is_err() {
            errors += 1;
        }
    }
    assert!(errors > 100, "corruption should usually be detected ({errors})");
}

/// Replaces the 8 hex digits of header field `index` of the entry at `at`.
fn set_field(a: &mut [u8], at: usize, index: usize, value: &[u8; 8]) {
    let start = at + 6 + 8 * index;
    a[start..start + 8].copy_from_slice(value);
}

#[test]
fn specific_corruptions() {
    let good = build_newc(&[("f", 0o100644, b"data")]);
    assert_eq!(block_on(populate(&Fx::new().root, &good)).unwrap(), 1);
    let bad = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut a = good.clone();
        f(&mut a);
        block_on(populate(&Fx::new().root, &a)).unwrap_err().errno
    };
    assert_eq!(bad(&|a| a[0] = b'1'), Errno::EINVAL); // magic
    assert_eq!(bad(&|a| a[5] = b'7'), Errno::EINVAL); // 070707 (odc) is not newc
    assert_eq!(bad(&|a| set_field(a, 0, 1, b"0000Z1A4")), Errno::EINVAL); // hex
    assert_eq!(bad(&|a| set_field(a, 0, 11, b"00000000")), Errno::EINVAL); // namesize 0
    assert_eq!(bad(&|a| set_field(a, 0, 11, b"FFFFFFFF")), Errno::EINVAL); // namesize huge
    assert_eq!(bad(&|a| set_field(a, 0, 6, b"FFFFFFFF")), Errno::EINVAL); // filesize huge
    assert_eq!(bad(&|a| set_field(a, 0, 6, b"00000100")), Errno::EINVAL); // filesize past end
    assert_eq!(bad(&|a| set_field(a, 0, 11, b"00000001")), Errno::EINVAL); // name not NUL-terminated
    assert_eq!(bad(&|a| set_field(a, 0, 1, b"000001A4")), Errno::EINVAL); // no file type
    assert_eq!(bad(&|a| a[110] = 0xff), Errno::EINVAL); // not UTF-8
    // No trailer.
    let no_trailer = &good[..good.windows(10).position(|w| w == b"TRAILER!!!").unwrap() - 110];
    assert_eq!(errno(block_on(populate(&Fx::new().root, no_trailer))), Errno::EINVAL);
    // Escaping the root.
    let up = build_newc(&[("../evil", 0o100644, b"x")]);
    assert_eq!(errno(block_on(populate(&Fx::new().root, &up))), Errno::EINVAL);
    let up = build_newc(&[("a/../../evil", 0o100644, b"x")]);
    assert_eq!(errno(block_on(populate(&Fx::new().root, &up))), Errno::EINVAL);
    // A file where a parent directory should be.
    let clash = build_newc(&[("f", 0o100644, b""), ("f/g", 0o100644, b"")]);
    assert_eq!(errno(block_on(populate(&Fx::new().root, &clash))), Errno::ENOTDIR);
    // Garbage after the trailer padding.
    let mut junk = good.clone();
    junk.extend_from_slice(&[0, 0, 0, 0, b'x', b'y']);
    assert_eq!(errno(block_on(populate(&Fx::new().root, &junk))), Errno::EINVAL);
}

#[test]
fn concatenated_archives_missing_parents_and_symlinked_parents() {
    let mut a = build_newc(&[
        ("usr", 0o040755, b""),
        ("usr/lib", 0o040755, b""),
        ("lib", 0o120777, b"usr/lib"),
        ("etc/deep/conf", 0o100600, b"conf"),
    ]);
    a.extend_from_slice(&[0u8; 512]);
    a.extend_from_slice(&build_newc(&[
        ("lib/libc.so", 0o100755, b"ELF"),
        ("/abs/x", 0o100644, b"x"),
        ("./dot/y", 0o100644, b"y"),
        ("dev", 0o040755, b""),
        ("dev/console", 0o020600, b""),
        ("etc/deep/conf", 0o100644, b"replaced"),
    ]));
    let fx = Fx::new();
    assert_eq!(block_on(populate(&fx.root, &a)).unwrap(), 10);
    assert_eq!(fx.read("/usr/lib/libc.so"), b"ELF");
    assert_eq!(fx.lresolve("/lib").unwrap().file_type(), FileType::Symlink);
    assert_eq!(fx.read("/etc/deep/conf"), b"replaced");
    assert_eq!(fx.resolve("/etc/deep/conf").unwrap().metadata().mode, 0o100644);
    assert_eq!(fx.resolve("/etc/deep").unwrap().metadata().mode, 0o040755);
    assert_eq!(fx.read("/abs/x"), b"x");
    assert_eq!(fx.read("/dot/y"), b"y");
    assert_eq!(fx.lresolve("/dev/console").unwrap().file_type(), FileType::CharDevice);
    // Empty input is an empty archive.
    assert_eq!(block_on(populate(&fx.root, &[])).unwrap(), 0);
    assert_eq!(block_on(populate(&fx.root, &[0; 64])).unwrap(), 0);
}

#[test]
fn populate_uses_only_the_inode_interface() {
    // A hard link group where the first entry carries the data.
    let mut a = Vec::new();
    let hdr = |name: &str, ino: u32, nlink: u32, data: &[u8]| {
        let mut h = format!(
            "070701{ino:08X}{:08X}{:08X}{:08X}{nlink:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
            0o100644,
            0,
            0,
            7,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        h.extend_from_slice(name.as_bytes());
        h.push(0);
        while h.len() % 4 != 0 {
            h.push(0);
        }
        h.extend_from_slice(data);
        while h.len() % 4 != 0 {
            h.push(0);
        }
        h
    };
    a.extend(hdr("first", 5, 2, b"shared"));
    a.extend(hdr("second", 5, 2, b""));
    a.extend(hdr("TRAILER!!!", 0, 1, b""));
    let fx = Fx::new();
    assert_eq!(block_on(populate(&fx.root, &a)).unwrap(), 2);
    let first: Arc<dyn Inode> = fx.resolve("/first").unwrap();
    assert!(same(&first, &fx.resolve("/second").unwrap()));
    assert_eq!(read_all(&first), b"shared");
    assert_eq!(first.metadata().nlink, 2);
    assert_eq!(first.metadata().mtime.tv_sec, 7);
}
