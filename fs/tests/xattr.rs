//! Extended attributes: the shared name and permission rules, tmpfs's
//! in-memory attributes, and ext4's on-disk ones — set, get, list and
//! remove in the inode's extra space and in the external block (with and
//! without `metadata_csum`, 256- and 128-byte inodes), across remounts,
//! checked against `debugfs` (which reads and writes them through
//! libext2fs) and `e2fsck -fn`, plus attributes made by `mke2fs -d` from a
//! host tree.

mod ext4_support;

use std::{collections::BTreeMap, sync::Arc};

use ext4_support::*;
use kairos_abi::Errno;
use kairos_fs::{
    FileType, Inode, Metadata, Tmpfs,
    vfs::{
        Credentials, XATTR_CREATE, XATTR_REPLACE, XattrNamespace, check_xattr_access, xattr_name_list, xattr_namespace,
    },
};

fn errno<T>(r: kairos_abi::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errno,
    }
}

fn set(i: &Arc<dyn Inode>, name: &str, value: &[u8], flags: u32) -> kairos_abi::Result<()> {
    block_on(i.setxattr(name, value, flags))
}

fn get(i: &Arc<dyn Inode>, name: &str) -> kairos_abi::Result<Vec<u8>> {
    block_on(i.getxattr(name))
}

fn remove(i: &Arc<dyn Inode>, name: &str) -> kairos_abi::Result<()> {
    block_on(i.removexattr(name))
}

fn names(i: &Arc<dyn Inode>) -> Vec<String> {
    let mut v = block_on(i.listxattr()).unwrap();
    v.sort();
    v
}

/// All attributes of `i` (sorted by name).
fn all(i: &Arc<dyn Inode>) -> BTreeMap<String, Vec<u8>> {
    names(i).into_iter().map(|n| (n.clone(), get(i, &n).unwrap())).collect()
}

fn meta(mode: u32, uid: u32) -> Metadata {
    Metadata { mode, uid, gid: uid, nlink: 1, ino: 1, ..Metadata::default() }
}

#[test]
fn namespaces_resolve_like_linux() {
    assert_eq!(xattr_namespace("user.a").unwrap(), XattrNamespace::User);
    assert_eq!(xattr_namespace("trusted.a").unwrap(), XattrNamespace::Trusted);
    assert_eq!(xattr_namespace("security.selinux").unwrap(), XattrNamespace::Security);
    assert_eq!(xattr_namespace("system.posix_acl_access").unwrap(), XattrNamespace::PosixAcl);
    assert_eq!(xattr_namespace("system.posix_acl_default").unwrap(), XattrNamespace::PosixAcl);
    for bare in ["user.", "trusted.", "security."] {
        assert_eq!(errno(xattr_namespace(bare)), Errno::EINVAL, "{bare}");
    }
    for other in ["user", "USER.a", "foo.bar", "system.foo", "system.posix_acl_accessx", "", "system.data"] {
        assert_eq!(errno(xattr_namespace(other)), Errno::EOPNOTSUPP, "{other}");
    }
    assert_eq!(xattr_name_list(["user.a", "trusted.bc"]), b"user.a\0trusted.bc\0");
}

#[test]
fn access_rules_follow_xattr_permission() {
    let root = Credentials::ROOT;
    let user = Credentials { fsuid: 1000, fsgid: 1000, groups: vec![] };
    let file = meta(0o100644, 0);
    let open = meta(0o100666, 0);
    let fifo = meta(0o010666, 0);
    let link = meta(0o120777, 0);
    let sticky = meta(0o041777, 0);
    let own_sticky = meta(0o041777, 1000);
    let ok = |r: kairos_abi::Result<()>| r.is_ok();
    // user.*: file types, then Unix permissions.
    assert!(ok(check_xattr_access(&root, &file, "user.a", true)));
    assert!(ok(check_xattr_access(&user, &file, "user.a", false)));
    assert_eq!(errno(check_xattr_access(&user, &file, "user.a", true)), Errno::EACCES);
    assert!(ok(check_xattr_access(&user, &open, "user.a", true)));
    assert_eq!(errno(check_xattr_access(&root, &fifo, "user.a", true)), Errno::EPERM);
    assert_eq!(errno(check_xattr_access(&root, &fifo, "user.a", false)), Errno::ENODATA);
    assert_eq!(errno(check_xattr_access(&root, &link, "user.a", true)), Errno::EPERM);
    assert_eq!(errno(check_xattr_access(&user, &sticky, "user.a", true)), Errno::EPERM);
    assert!(ok(check_xattr_access(&user, &sticky, "user.a", false)));
    assert!(ok(check_xattr_access(&user, &own_sticky, "user.a", true)));
    assert!(ok(check_xattr_access(&root, &sticky, "user.a", true)));
    // trusted.*: root only.
    assert!(ok(check_xattr_access(&root, &fifo, "trusted.a", true)));
    assert_eq!(errno(check_xattr_access(&user, &open, "trusted.a", false)), Errno::ENODATA);
    assert_eq!(errno(check_xattr_access(&user, &open, "trusted.a", true)), Errno::EPERM);
    // security.*: read by all, written by root.
    assert!(ok(check_xattr_access(&user, &meta(0o100600, 0), "security.a", false)));
    assert_eq!(errno(check_xattr_access(&user, &open, "security.a", true)), Errno::EPERM);
    assert!(ok(check_xattr_access(&root, &link, "security.a", true)));
    // system.*: left to the filesystem; other names: Unix permissions.
    assert!(ok(check_xattr_access(&user, &meta(0o100600, 0), "system.posix_acl_access", false)));
    assert_eq!(errno(check_xattr_access(&user, &meta(0o100600, 0), "foo.bar", false)), Errno::EACCES);
    assert!(ok(check_xattr_access(&user, &open, "foo.bar", true)));
}

#[test]
fn tmpfs_xattrs() {
    let clock = TestClock::at(1000);
    let fs = Tmpfs::new(clock.clock());
    let root = fs.root();
    let f = block_on(root.create("f", FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    assert!(names(&f).is_empty());
    assert_eq!(errno(get(&f, "user.a")), Errno::ENODATA);
    clock.advance(5);
    set(&f, "user.b", b"bee", 0).unwrap();
    assert_eq!(f.metadata().ctime.tv_sec, 1005, "setxattr changes ctime");
    set(&f, "user.a", b"", 0).unwrap();
    set(&f, "trusted.t", b"t", 0).unwrap();
    set(&f, "security.s", b"s", 0).unwrap();
    assert_eq!(names(&f), ["security.s", "trusted.t", "user.a", "user.b"]);
    assert_eq!(block_on(f.listxattr()).unwrap(), ["security.s", "trusted.t", "user.a", "user.b"], "byte order");
    assert_eq!(get(&f, "user.a").unwrap(), b"");
    assert_eq!(errno(set(&f, "user.a", b"x", XATTR_CREATE)), Errno::EEXIST);
    assert_eq!(errno(set(&f, "user.c", b"x", XATTR_REPLACE)), Errno::ENODATA);
    set(&f, "user.a", b"new", XATTR_REPLACE).unwrap();
    assert_eq!(get(&f, "user.a").unwrap(), b"new");
    assert_eq!(errno(set(&f, "user.", b"x", 0)), Errno::EINVAL);
    assert_eq!(errno(set(&f, "foo.x", b"x", 0)), Errno::EOPNOTSUPP);
    assert_eq!(errno(set(&f, "system.posix_acl_access", b"x", 0)), Errno::EOPNOTSUPP);
    assert_eq!(errno(get(&f, "system.posix_acl_access")), Errno::ENODATA);
    assert_eq!(errno(get(&f, "system.foo")), Errno::EOPNOTSUPP);
    assert_eq!(errno(set(&f, "user.big", &vec![0; 65537], 0)), Errno::E2BIG);
    set(&f, "user.big", &vec![7; 65536], 0).unwrap();
    remove(&f, "user.big").unwrap();
    assert_eq!(errno(remove(&f, "user.big")), Errno::ENODATA);
    // Symlinks and nodes hold attributes too (the user.* rule is the caller's).
    let l = block_on(root.symlink("l", "f", 0, 0)).unwrap();
    set(&l, "trusted.l", b"1", 0).unwrap();
    assert_eq!(names(&l), ["trusted.l"]);
    // Attributes live as long as the inode.
    block_on(root.unlink("f")).unwrap();
    assert_eq!(get(&f, "user.b").unwrap(), b"bee");
}

/// Image options covered: 256-byte inodes (in-inode space) and 128-byte
/// ones (block only), each with and without `metadata_csum` (small images:
/// 1 KiB blocks, except where 4 KiB is asked for).
const LAYOUTS: [&str; 4] = [
    "-t ext4 -I 256",
    "-t ext4 -I 256 -O ^metadata_csum -b 4096",
    "-t ext4 -I 128",
    "-t ext4 -I 128 -O ^metadata_csum,^64bit",
];

/// Runs `debugfs -R CMD` on `img`; returns its stdout.
fn debugfs(img: &[u8], cmd: &str) -> String {
    let path = temp_path("debugfs");
    std::fs::write(&path, img).unwrap();
    let out = std::process::Command::new("debugfs").arg("-R").arg(cmd).arg(&path).output().expect("debugfs");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a `debugfs -w` command file over `img` and returns the result.
fn debugfs_write(img: &[u8], cmds: &str) -> Vec<u8> {
    let path = temp_path("debugfsw");
    let script = temp_path("debugfs-cmds");
    std::fs::write(&path, img).unwrap();
    std::fs::write(&script, cmds).unwrap();
    sh(&format!("debugfs -w -f '{}' '{}' >/dev/null 2>&1", script.display(), path.display()));
    let out = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&script);
    out
}

/// What `debugfs ea_list` reports: name → (length, value if shown as a
/// string).
fn debugfs_list(img: &[u8], path: &str) -> BTreeMap<String, (usize, Option<String>)> {
    let text = debugfs(img, &format!("ea_list {path}"));
    let mut out = BTreeMap::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("  ")) {
        let Some((name, rest)) = line.split_once(" (") else { continue };
        let Some((len, rest)) = rest.split_once(')') else { continue };
        let value = rest.strip_prefix(" = \"").and_then(|v| v.strip_suffix('"')).map(str::to_string);
        out.insert(name.to_string(), (len.parse().unwrap(), value));
    }
    out
}

/// Checks that debugfs sees exactly `want` on `path`.
#[track_caller]
fn assert_debugfs_sees(img: &[u8], path: &str, want: &BTreeMap<String, Vec<u8>>) {
    let seen = debugfs_list(img, path);
    assert_eq!(seen.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "names of {path}");
    for (name, value) in want {
        let (len, shown) = &seen[name];
        assert_eq!(*len, value.len(), "{path} {name} length");
        if let Some(s) = shown
            && value.len() <= 40
        {
            assert_eq!(s.as_bytes(), &value[..], "{path} {name} value");
        }
    }
}

fn value_of(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|k| b'a' + ((i * 7 + k) % 26) as u8).collect()
}

fn ext4_round_trip(opts: &str) {
    let (disk, fs) = mount(mkfs(opts, 16, None));
    let root = fs.root();
    let dir = block_on(root.create("d", FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    let mut model: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    // Small attributes (in the inode when there is room), then larger ones
    // that must go to the block, on files and a directory.
    for f in 0..6 {
        let name = format!("f{f}");
        let i = block_on(dir.create(&name, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
        let m = model.entry(format!("d/{name}")).or_default();
        for k in 0..(3 + f * 2) {
            let (n, v) = (format!("user.k{k:02}"), value_of(k, 3 + (k * 13 + f * 29) % 30));
            set(&i, &n, &v, XATTR_CREATE).unwrap();
            m.insert(n, v);
        }
        set(&i, "trusted.t", b"tv", 0).unwrap();
        m.insert("trusted.t".into(), b"tv".to_vec());
        if f % 2 == 0 {
            set(&i, "security.s", &value_of(f, 200), 0).unwrap();
            m.insert("security.s".into(), value_of(f, 200));
        }
        assert_eq!(&all(&i), m, "{name} before remount");
    }
    set(&dir, "user.dir", b"on a directory", 0).unwrap();
    model.entry("d".into()).or_default().insert("user.dir".into(), b"on a directory".to_vec());
    // A value that cannot fit anywhere, and one that fills the block.
    let f0 = walk(&root, "d/f0").unwrap();
    assert_eq!(errno(set(&f0, "user.huge", &vec![1; 5000], 0)), Errno::ENOSPC);
    assert_eq!(&all(&f0), &model["d/f0"], "ENOSPC changes nothing");
    drop((f0, dir, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    for (path, want) in &model {
        assert_debugfs_sees(&img, path, want);
    }

    // Remount and read back; then replace, grow, shrink and remove.
    let (disk, fs) = mount(img);
    let root = fs.root();
    for (path, want) in &model {
        assert_eq!(&all(&walk(&root, path).unwrap()), want, "{path} after remount");
    }
    let f1 = walk(&root, "d/f1").unwrap();
    let m = model.get_mut("d/f1").unwrap();
    set(&f1, "user.k00", &value_of(9, 400), XATTR_REPLACE).unwrap();
    m.insert("user.k00".into(), value_of(9, 400));
    set(&f1, "user.k01", b"", XATTR_REPLACE).unwrap();
    m.insert("user.k01".into(), Vec::new());
    remove(&f1, "user.k02").unwrap();
    m.remove("user.k02");
    assert_eq!(errno(remove(&f1, "user.k02")), Errno::ENODATA);
    assert_eq!(&all(&f1), m);
    // Emptying a file frees its block.
    let f5 = walk(&root, "d/f5").unwrap();
    for n in names(&f5) {
        remove(&f5, &n).unwrap();
    }
    model.get_mut("d/f5").unwrap().clear();
    assert!(names(&f5).is_empty());
    assert_eq!(f5.metadata().blocks, 0, "no xattr block left on an empty file");
    drop((f1, f5, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    for (path, want) in &model {
        assert_debugfs_sees(&img, path, want);
    }

    // Unlinking files with attributes frees their blocks.
    let (disk, fs) = mount(img);
    let root = fs.root();
    let dir = walk(&root, "d").unwrap();
    let free = root.statfs().unwrap().f_bfree;
    for f in 0..6 {
        block_on(dir.unlink(&format!("f{f}"))).unwrap();
    }
    block_on(fs.sync_fs()).unwrap();
    assert!(root.statfs().unwrap().f_bfree > free, "xattr blocks freed");
    drop((dir, root));
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn ext4_xattrs_256_csum() {
    ext4_round_trip(LAYOUTS[0]);
}

#[test]
fn ext4_xattrs_256_no_csum() {
    ext4_round_trip(LAYOUTS[1]);
}

#[test]
fn ext4_xattrs_128_csum() {
    ext4_round_trip(LAYOUTS[2]);
}

#[test]
fn ext4_xattrs_128_no_csum() {
    ext4_round_trip(LAYOUTS[3]);
}

/// A seeded random mix of sets and removes on a few files against an
/// in-memory model, with remounts and `e2fsck` in between.
#[test]
fn ext4_xattr_random_workload() {
    for (round, opts) in LAYOUTS.iter().enumerate() {
        let mut rng = Rng(0x9e37_79b9 + round as u64);
        let mut img = mkfs(opts, 8, None);
        let mut model: Vec<BTreeMap<String, Vec<u8>>> = vec![BTreeMap::new(); 4];
        for epoch in 0..3 {
            let (disk, fs) = mount(img);
            let root = fs.root();
            let files: Vec<Arc<dyn Inode>> = (0..4)
                .map(|k| {
                    let name = format!("r{k}");
                    walk(&root, &name)
                        .or_else(|_| block_on(root.create(&name, FileType::Regular, 0o644, 0, 0, 0)))
                        .unwrap()
                })
                .collect();
            for (k, f) in files.iter().enumerate() {
                assert_eq!(all(f), model[k], "round {round} epoch {epoch} file {k} after remount");
            }
            for _ in 0..150 {
                let k = rng.below(4) as usize;
                let n = format!("user.n{}", rng.below(12));
                let len = [0, 1, 10, 60, 200, 700][rng.below(6) as usize];
                let v = value_of(rng.below(50) as usize, len);
                if rng.below(3) == 0 {
                    let r = remove(&files[k], &n);
                    match model[k].remove(&n) {
                        Some(_) => r.unwrap(),
                        None => assert_eq!(errno(r), Errno::ENODATA),
                    }
                } else {
                    match set(&files[k], &n, &v, 0) {
                        Ok(()) => {
                            model[k].insert(n, v);
                        }
                        Err(e) => assert_eq!(e.errno, Errno::ENOSPC, "set {n} ({len} bytes)"),
                    }
                }
                assert_eq!(all(&files[k]), model[k]);
            }
            drop((files, root));
            img = unmount(&disk, &fs);
            assert_fsck_clean(&img);
        }
        for (k, want) in model.iter().enumerate() {
            assert_debugfs_sees(&img, &format!("r{k}"), want);
        }
    }
}

/// Attributes written by libext2fs (debugfs `ea_set`) are read, changed
/// and removed; attributes we write are read back by debugfs `ea_get`.
#[test]
fn ext4_xattrs_interoperate_with_debugfs() {
    for opts in [LAYOUTS[0], LAYOUTS[2]] {
        let img = mkfs(opts, 8, None);
        let img = debugfs_write(
            &img,
            "write /dev/null f\nea_set /f user.from_debugfs hello\nea_set /f trusted.t 12345\n\
             ea_set /f user.long 0123456789012345678901234567890123456789012345678901234567890123456789\n",
        );
        let (disk, fs) = mount(img);
        let root = fs.root();
        let f = walk(&root, "f").unwrap();
        assert_eq!(get(&f, "user.from_debugfs").unwrap(), b"hello");
        assert_eq!(get(&f, "trusted.t").unwrap(), b"12345");
        assert_eq!(get(&f, "user.long").unwrap().len(), 70);
        remove(&f, "trusted.t").unwrap();
        set(&f, "user.ours", b"written by kairos", 0).unwrap();
        set(&f, "security.big", &value_of(3, 600), 0).unwrap();
        drop((f, root));
        let img = unmount(&disk, &fs);
        assert_fsck_clean(&img);
        assert!(debugfs(&img, "ea_get /f user.ours").contains("written by kairos"));
        let seen = debugfs_list(&img, "/f");
        assert_eq!(
            seen.keys().map(String::as_str).collect::<Vec<_>>(),
            ["security.big", "user.from_debugfs", "user.long", "user.ours"]
        );
        assert_eq!(seen["security.big"].0, 600);
    }
}

/// Attributes that `mke2fs -d` copies from a host tree (set there with
/// `os.setxattr`) read back as set.
#[test]
fn ext4_reads_xattrs_from_mke2fs_d() {
    let t = TempDir::new("xattr-tree");
    let f = t.path().join("f");
    let d = t.path().join("d");
    std::fs::write(&f, b"x").unwrap();
    std::fs::create_dir(&d).unwrap();
    sh(&format!(
        "python3 -c \"import os; [os.setxattr('{f}', 'user.a%d' % i, b'v' * (i * 9)) for i in range(12)]; \
         os.setxattr('{d}', 'user.dir', b'dv')\"",
        f = f.display(),
        d = d.display()
    ));
    for opts in LAYOUTS {
        let (disk, fs) = mount(mkfs(opts, 8, Some(t.path())));
        let root = fs.root();
        let fi = walk(&root, "f").unwrap();
        let want: BTreeMap<String, Vec<u8>> = (0..12).map(|i| (format!("user.a{i}"), vec![b'v'; i * 9])).collect();
        assert_eq!(all(&fi), want, "{opts}");
        assert_eq!(get(&walk(&root, "d").unwrap(), "user.dir").unwrap(), b"dv");
        // Changing one rewrites the layout; everything stays readable.
        set(&fi, "user.a0", b"changed", 0).unwrap();
        drop((fi, root));
        let img = unmount(&disk, &fs);
        assert_fsck_clean(&img);
        let seen = debugfs_list(&img, "/f");
        assert_eq!(seen["user.a0"].1.as_deref(), Some("changed"));
        assert_eq!(seen.len(), 12);
    }
}

/// A corrupt in-inode area or block is `EUCLEAN`, never a panic.
#[test]
fn ext4_corrupt_xattrs_are_euclean() {
    let (disk, fs) = mount(mkfs("-t ext4 -I 256 -O ^metadata_csum -b 4096", 8, None));
    let root = fs.root();
    let f = block_on(root.create("f", FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    set(&f, "user.in_block", &vec![b'b'; 300], 0).unwrap();
    set(&f, "user.small", b"s", 0).unwrap();
    drop((f, root));
    let mut img = unmount(&disk, &fs);
    // Point the block's first entry's value far away.
    let acl = file_acl(&img, "/f");
    assert_ne!(acl, 0);
    let off = acl as usize * 4096 + 32;
    img[off + 2] = 0xff;
    img[off + 3] = 0xff;
    let (disk, fs) = mount(img);
    let root = fs.root();
    let f = walk(&root, "f").unwrap();
    assert_eq!(errno(block_on(f.listxattr())), Errno::EUCLEAN);
    assert_eq!(errno(get(&f, "user.small")), Errno::EUCLEAN);
    assert_eq!(errno(set(&f, "user.x", b"x", 0)), Errno::EUCLEAN);
    drop((f, root));
    drop(unmount(&disk, &fs));
}

/// The external block number (`File ACL`) debugfs reports for `path`.
fn file_acl(img: &[u8], path: &str) -> u64 {
    let stat = debugfs(img, &format!("stat {path}"));
    stat.split_whitespace()
        .skip_while(|w| *w != "File")
        .nth(2)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no File ACL in {stat}"))
}

/// A block shared by two inodes (refcount 2, as Linux's mbcache makes
/// them) is copied before one of them changes, and released by reference.
#[test]
fn ext4_shared_xattr_block_is_copied_on_write() {
    let (disk, fs) = mount(mkfs("-t ext4 -I 128 -O ^metadata_csum -b 4096", 8, None));
    let root = fs.root();
    for name in ["f1", "f2", "f3"] {
        let f = block_on(root.create(name, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
        set(&f, "user.shared", b"same value", 0).unwrap();
    }
    drop(root);
    let img = unmount(&disk, &fs);
    let (b1, b2, b3) = (file_acl(&img, "/f1"), file_acl(&img, "/f2"), file_acl(&img, "/f3"));
    assert!(b1 != 0 && b1 != b2 && b2 != b3);
    // Make f2 and f3 share f1's block.
    let mut img =
        debugfs_write(&img, &format!("sif /f2 file_acl {b1}\nsif /f3 file_acl {b1}\nfreeb {b2}\nfreeb {b3}\n"));
    img[b1 as usize * 4096 + 4] = 3;
    // (debugfs `freeb` leaves the free counts to e2fsck.)
    let (_, _, img) = e2fsck(&img, "-fy");
    assert_fsck_clean(&img);

    let (disk, fs) = mount(img);
    let root = fs.root();
    let (f1, f2, f3) = (walk(&root, "f1").unwrap(), walk(&root, "f2").unwrap(), walk(&root, "f3").unwrap());
    set(&f2, "user.own", b"only f2", 0).unwrap();
    remove(&f3, "user.shared").unwrap();
    assert_eq!(names(&f1), ["user.shared"]);
    assert_eq!(names(&f2), ["user.own", "user.shared"]);
    assert!(names(&f3).is_empty());
    assert_eq!(f3.metadata().blocks, 0);
    drop((f1, f2, f3, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    assert_eq!(file_acl(&img, "/f1"), b1);
    assert_ne!(file_acl(&img, "/f2"), b1);
    assert_eq!(img[b1 as usize * 4096 + 4], 1, "refcount dropped to f1 alone");
    assert_eq!(debugfs_list(&img, "/f2").len(), 2);
}
