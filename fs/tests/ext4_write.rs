//! ext4 write side: namespace operations with Linux's rules, data writes
//! and truncates, fragmentation into deep extent trees, unlinked-open
//! files on the orphan list, modified htree directories, ENOSPC, seeded
//! random workloads checked against an in-memory model — and after each,
//! `e2fsck -fn` on the unmounted image must find nothing.

mod ext4_support;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use ext4_support::*;
use kairos_abi::{Errno, flags::RenameFlags};
use kairos_fs::{FileType, Inode, SetAttr, vfs::makedev};

fn create(dir: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    block_on(dir.create(name, FileType::Regular, 0o644, 0, 0, 0)).unwrap_or_else(|e| panic!("create {name}: {e}"))
}

fn mkdir(dir: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    block_on(dir.create(name, FileType::Directory, 0o755, 0, 0, 0)).unwrap_or_else(|e| panic!("mkdir {name}: {e}"))
}

fn write(f: &Arc<dyn Inode>, off: u64, data: &[u8]) {
    assert_eq!(block_on(f.write_at(off, data)).unwrap(), data.len());
}

fn errno<T>(r: kairos_abi::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errno,
    }
}

fn names(dir: &Arc<dyn Inode>) -> BTreeSet<String> {
    list(dir).into_keys().filter(|n| n != "." && n != "..").collect()
}

fn fresh(opts: &str, mb: u64) -> (Arc<kairos_fs::block::MemDisk>, Arc<kairos_fs::ext4::Ext4>) {
    mount(mkfs(opts, mb, None))
}

fn namespace_ops(opts: &str) {
    let (disk, fs) = fresh(opts, 32);
    let root = fs.root();
    let root_links = root.metadata().nlink;
    let a = mkdir(&root, "a");
    let b = mkdir(&a, "b");
    assert_eq!(root.metadata().nlink, root_links + 1);
    assert_eq!(a.metadata().nlink, 3);
    assert_eq!(errno(block_on(root.create("a", FileType::Regular, 0o644, 0, 0, 0))), Errno::EEXIST);
    assert_eq!(errno(block_on(root.create(&"n".repeat(256), FileType::Regular, 0o644, 0, 0, 0))), Errno::ENAMETOOLONG);
    let f = create(&b, "file");
    write(&f, 0, b"hello world");
    assert_eq!(read_all(&f), b"hello world");
    // Sparse write far out.
    write(&f, 5 << 20, b"tail");
    assert_eq!(f.metadata().size, (5 << 20) + 4);
    let mut buf = vec![1u8; 100];
    assert_eq!(block_on(f.read_at(4096, &mut buf)).unwrap(), 100);
    assert!(buf.iter().all(|&x| x == 0));
    // Symlinks, fast and slow.
    let fast = block_on(root.symlink("fast", "a/b/file", 1, 2)).unwrap();
    assert_eq!(block_on(fast.readlink()).unwrap(), "a/b/file");
    let long = "x/".repeat(100);
    let slow = block_on(root.symlink("slow", &long, 0, 0)).unwrap();
    assert_eq!(block_on(slow.readlink()).unwrap(), long);
    assert_eq!(errno(block_on(root.symlink("e", "", 0, 0))), Errno::ENOENT);
    // Device nodes.
    let dev = block_on(root.create("null", FileType::CharDevice, 0o666, 0, 0, makedev(1, 3))).unwrap();
    assert_eq!(dev.metadata().rdev, makedev(1, 3));
    let big = block_on(root.create("big", FileType::BlockDevice, 0o600, 0, 0, makedev(300, 70000))).unwrap();
    assert_eq!(big.metadata().rdev, makedev(300, 70000));
    block_on(root.create("fifo", FileType::Fifo, 0o600, 0, 0, 0)).unwrap();
    block_on(root.create("sock", FileType::Socket, 0o600, 0, 0, 0)).unwrap();
    // Links.
    block_on(root.link("hard", &f)).unwrap();
    assert_eq!(f.metadata().nlink, 2);
    assert_eq!(errno(block_on(root.link("d", &a))), Errno::EPERM);
    assert_eq!(errno(block_on(root.link("hard", &f))), Errno::EEXIST);
    // Unlink / rmdir rules.
    assert_eq!(errno(block_on(root.unlink("a"))), Errno::EISDIR);
    assert_eq!(errno(block_on(root.rmdir("a"))), Errno::ENOTEMPTY);
    assert_eq!(errno(block_on(root.rmdir("hard"))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(root.rmdir("."))), Errno::EINVAL);
    assert_eq!(errno(block_on(root.rmdir(".."))), Errno::ENOTEMPTY);
    assert_eq!(errno(block_on(root.unlink("nope"))), Errno::ENOENT);
    block_on(root.unlink("hard")).unwrap();
    assert_eq!(f.metadata().nlink, 1);
    // Rename: file within a dir, across dirs, over a file, dirs across
    // parents (.. and nlink), into own subtree, exchange, noreplace.
    block_on(b.rename("file", &b, "file2", 0)).unwrap();
    block_on(b.rename("file2", &root, "file3", 0)).unwrap();
    assert!(names(&b).is_empty());
    let g = create(&root, "g");
    write(&g, 0, b"ggg");
    block_on(root.rename("g", &root, "file3", 0)).unwrap();
    assert_eq!(read_all(&lookup(&root, "file3").unwrap()), b"ggg");
    drop(f);
    let c = mkdir(&root, "c");
    block_on(a.rename("b", &c, "b", 0)).unwrap();
    assert_eq!(a.metadata().nlink, 2);
    assert_eq!(c.metadata().nlink, 3);
    let b2 = lookup(&c, "b").unwrap();
    assert_eq!(lookup(&b2, "..").unwrap().ino(), c.ino());
    assert_eq!(list(&b2)[".."].0, c.ino());
    assert_eq!(errno(block_on(root.rename("c", &b2, "x", 0))), Errno::EINVAL);
    assert_eq!(errno(block_on(root.rename("c", &root, "file3", 0))), Errno::ENOTDIR);
    assert_eq!(errno(block_on(root.rename("file3", &root, "c", 0))), Errno::EISDIR);
    assert_eq!(errno(block_on(root.rename("a", &root, "c", 0))), Errno::ENOTEMPTY);
    assert_eq!(
        errno(block_on(root.rename("file3", &root, "fifo", RenameFlags::RENAME_NOREPLACE.bits()))),
        Errno::EEXIST
    );
    assert_eq!(errno(block_on(root.rename(".", &root, "z", 0))), Errno::EBUSY);
    block_on(root.rename("file3", &c, "b", RenameFlags::RENAME_EXCHANGE.bits())).unwrap();
    assert_eq!(lookup(&root, "file3").unwrap().ino(), b2.ino());
    assert_eq!(lookup(&b2, "..").unwrap().ino(), root.ino());
    assert_eq!(c.metadata().nlink, 2);
    block_on(root.rename("file3", &root, "empty_replaced", 0)).unwrap();
    let e = mkdir(&root, "e");
    drop(e);
    block_on(root.rename("empty_replaced", &root, "e", 0)).unwrap();
    // Times and attributes.
    let t = lookup(&c, "b").unwrap();
    t.setattr(&SetAttr { mode: Some(0o600), uid: Some(70000), gid: Some(80000), ..SetAttr::default() }).unwrap();
    let m = t.metadata();
    assert_eq!((m.mode & 0o7777, m.uid, m.gid), (0o600, 70000, 80000));
    assert_eq!(m.ctime.tv_nsec, 123_456_789);
    drop((a, b, b2, c, t, g, dev, big, fast, slow));
    let st_before = root.statfs().unwrap();
    drop(root);
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    // Remount and look again.
    let (disk, fs) = mount(img);
    let root = fs.root();
    assert_eq!(
        names(&root),
        ["a", "big", "c", "e", "fast", "fifo", "lost+found", "null", "slow", "sock"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(read_all(&walk(&root, "c/b").unwrap()), b"ggg");
    assert_eq!(walk(&root, "e/..").unwrap().ino(), root.ino());
    assert_eq!(root.statfs().unwrap().f_bfree, st_before.f_bfree);
    drop(root);
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn namespace_ops_4k() {
    namespace_ops("-t ext4 -b 4096");
}

#[test]
fn namespace_ops_1k_no_csum() {
    namespace_ops("-t ext4 -b 1024 -O ^metadata_csum");
}

#[test]
fn namespace_ops_ext3() {
    namespace_ops("-t ext3 -b 1024");
}

#[test]
fn namespace_ops_ext2() {
    namespace_ops("-t ext2");
}

/// Two files appended to alternately get one-block extents each: deep
/// extent trees.
fn fragment(opts: &str, appends: usize) {
    let (disk, fs) = fresh(opts, 64);
    let root = fs.root();
    let a = create(&root, "a");
    let b = create(&root, "b");
    let bs = fs.root().statfs().unwrap().f_bsize as usize;
    let mut model_a = Vec::new();
    for i in 0..appends {
        let chunk_a: Vec<u8> = (0..bs).map(|j| (i * 31 + j) as u8).collect();
        write(&a, (i * bs) as u64, &chunk_a);
        model_a.extend_from_slice(&chunk_a);
        write(&b, (i * bs) as u64, &vec![(i % 251) as u8; bs]);
    }
    assert_eq!(read_all(&a), model_a);
    block_on(fs.sync_fs()).unwrap();
    // Truncate to half (deferred), extend, write after.
    a.setattr(&SetAttr { size: Some((appends / 2 * bs + 100) as u64), ..SetAttr::default() }).unwrap();
    model_a.truncate(appends / 2 * bs + 100);
    a.setattr(&SetAttr { size: Some((appends / 2 * bs + 5000) as u64), ..SetAttr::default() }).unwrap();
    model_a.resize(appends / 2 * bs + 5000, 0);
    assert_eq!(read_all(&a), model_a);
    write(&a, model_a.len() as u64 + 3, b"xyz");
    model_a.extend_from_slice(&[0, 0, 0]);
    model_a.extend_from_slice(b"xyz");
    assert_eq!(read_all(&a), model_a);
    drop((a, b, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    let (disk, fs) = mount(img);
    assert_eq!(read_all(&walk(&fs.root(), "a").unwrap()), model_a);
    block_on(fs.root().unlink("b")).unwrap();
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn fragmented_extent_tree_depth_2_1k() {
    fragment("-t ext4 -b 1024", 1200);
}

#[test]
fn fragmented_extent_tree_4k() {
    fragment("-t ext4", 800);
}

#[test]
fn fragmented_block_map_ext3() {
    fragment("-t ext3 -b 1024", 600);
}

#[test]
fn unlinked_open_file_lives_until_dropped() {
    let (disk, fs) = fresh("-t ext4", 32);
    let root = fs.root();
    let free0 = root.statfs().unwrap().f_bfree;
    let f = create(&root, "tmp");
    write(&f, 0, &vec![5u8; 1 << 20]);
    block_on(root.unlink("tmp")).unwrap();
    assert_eq!(f.metadata().nlink, 0);
    assert_eq!(errno(lookup(&root, "tmp")), Errno::ENOENT);
    block_on(fs.sync_fs()).unwrap();
    // On disk now: on the orphan list (s_last_orphan = its inode).
    let bytes = disk.to_bytes();
    let last_orphan = u32::from_le_bytes(bytes[1024 + 0xe8..1024 + 0xec].try_into().unwrap());
    assert_eq!(last_orphan as u64, f.ino());
    // A crash now: the next mount frees it.
    {
        let (d2, fs2) = mount(bytes);
        assert_eq!(fs2.root().statfs().unwrap().f_bfree, free0);
        assert_fsck_clean(&unmount(&d2, &fs2));
    }
    // Still readable and writable through the open reference.
    write(&f, 10, b"abc");
    let mut buf = [0u8; 13];
    block_on(f.read_at(0, &mut buf)).unwrap();
    assert_eq!(&buf, b"\x05\x05\x05\x05\x05\x05\x05\x05\x05\x05abc");
    drop(f);
    block_on(fs.sync_fs()).unwrap();
    assert_eq!(root.statfs().unwrap().f_bfree, free0);
    drop(root);
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn htree_directory_modified_stays_valid() {
    let t = TempDir::new("htree");
    std::fs::create_dir(t.path().join("big")).unwrap();
    for i in 0..3000 {
        std::fs::write(t.path().join(format!("big/name-{i:05}")), b"").unwrap();
    }
    std::fs::create_dir(t.path().join("big/sub")).unwrap();
    for opts in ["-t ext4", "-t ext4 -O ^metadata_csum -b 1024"] {
        let img = mkfs(opts, 32, Some(t.path()));
        let (_, _, img) = e2fsck(&img, "-fyD");
        assert_fsck_clean(&img);
        let (disk, fs) = mount(img);
        let root = fs.root();
        let big = walk(&root, "big").unwrap();
        // A rename inside moves the subdir's ".." (in an htree root block).
        let d2 = mkdir(&root, "d2");
        block_on(big.rename("sub", &d2, "sub", 0)).unwrap();
        block_on(d2.rename("sub", &big, "sub2", 0)).unwrap();
        for i in (0..3000).step_by(3) {
            block_on(big.unlink(&format!("name-{i:05}"))).unwrap();
        }
        for i in 0..500 {
            create(&big, &format!("new-{i}"));
        }
        let n = names(&big);
        assert_eq!(n.len(), 3000 - 1000 + 500 + 1);
        assert!(n.contains("name-00001") && !n.contains("name-00003") && n.contains("new-499"));
        drop((big, d2, root));
        let img = unmount(&disk, &fs);
        assert_fsck_clean(&img);
    }
}

#[test]
fn enospc_then_clean() {
    let (disk, fs) = fresh("-t ext4 -b 1024 -N 64", 4);
    let root = fs.root();
    let f = create(&root, "fill");
    let chunk = vec![0x5au8; 64 * 1024];
    let mut off = 0u64;
    let e = loop {
        match block_on(f.write_at(off, &chunk)) {
            Ok(n) => off += n as u64,
            Err(e) => break e,
        }
        assert!(off < 8 << 20);
    };
    assert_eq!(e.errno, Errno::ENOSPC);
    assert_eq!(f.metadata().size, off);
    let mut made = 0;
    let e = loop {
        match block_on(root.create(&format!("f{made}"), FileType::Regular, 0o644, 0, 0, 0)) {
            Ok(_) => made += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(e.errno, Errno::ENOSPC);
    assert!(made > 10);
    assert_eq!(read_all(&f).len() as u64, off);
    drop((f, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    // Free it all again.
    let (disk, fs) = mount(img);
    let root = fs.root();
    block_on(root.unlink("fill")).unwrap();
    for i in 0..made {
        block_on(root.unlink(&format!("f{i}"))).unwrap();
    }
    drop(root);
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn read_only_mount_refuses_writes() {
    let t = TempDir::new("ro");
    std::fs::write(t.path().join("f"), b"x").unwrap();
    let (_d, fs) = mount_bytes(mkfs("-t ext4", 8, Some(t.path())), true).unwrap();
    let root = fs.root();
    let f = lookup(&root, "f").unwrap();
    assert_eq!(errno(block_on(f.write_at(0, b"y"))), Errno::EROFS);
    assert_eq!(errno(f.setattr(&SetAttr { mode: Some(0), ..SetAttr::default() })), Errno::EROFS);
    assert_eq!(errno(block_on(root.unlink("f"))), Errno::EROFS);
    assert_eq!(errno(block_on(root.create("g", FileType::Regular, 0o644, 0, 0, 0))), Errno::EROFS);
}

// ----------------------------------------------------------------------
// Random workload against a model
// ----------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Dir,
    File(u32),
}

struct Model {
    paths: BTreeMap<String, Node>,
    files: BTreeMap<u32, Vec<u8>>,
    next: u32,
}

impl Model {
    fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        self.paths
            .keys()
            .filter(|p| p.starts_with(&prefix) && !p[prefix.len()..].is_empty() && !p[prefix.len()..].contains('/'))
            .cloned()
            .collect()
    }
    fn dirs(&self) -> Vec<String> {
        let mut v: Vec<String> = self.paths.iter().filter(|(_, n)| **n == Node::Dir).map(|(p, _)| p.clone()).collect();
        v.push(String::new());
        v
    }
    fn files(&self) -> Vec<String> {
        self.paths.iter().filter(|(_, n)| matches!(n, Node::File(_))).map(|(p, _)| p.clone()).collect()
    }
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

fn check_model(root: &Arc<dyn Inode>, m: &Model) {
    let mut inos: BTreeMap<u32, u64> = BTreeMap::new();
    for d in m.dirs() {
        let dir = walk(root, &d).unwrap_or_else(|e| panic!("dir {d}: {e}"));
        let want: BTreeSet<String> = m.children(&d).iter().map(|p| split(p).1.to_string()).collect();
        let mut got = names(&dir);
        got.remove("lost+found");
        assert_eq!(got, want, "entries of /{d}");
        let subdirs = want.iter().filter(|n| {
            let p = if d.is_empty() { n.to_string() } else { format!("{d}/{n}") };
            m.paths[&p] == Node::Dir
        });
        let lf = d.is_empty() as u32;
        assert_eq!(dir.metadata().nlink, 2 + subdirs.count() as u32 + lf, "nlink of /{d}");
    }
    for p in m.files() {
        let Node::File(id) = m.paths[&p] else { unreachable!() };
        let f = walk(root, &p).unwrap();
        if let Some(&ino) = inos.get(&id) {
            assert_eq!(f.ino(), ino, "hard link {p}");
        }
        inos.insert(id, f.ino());
        assert_eq!(read_all(&f), m.files[&id], "contents of {p}");
        let links = m.paths.values().filter(|n| **n == Node::File(id)).count();
        assert_eq!(f.metadata().nlink as usize, links, "nlink of {p}");
    }
}

fn random_workload(opts: &str, seed: u64, ops: usize) {
    let (disk, fs) = fresh(opts, 48);
    let root = fs.root();
    let mut m = Model { paths: BTreeMap::new(), files: BTreeMap::new(), next: 0 };
    let mut rng = Rng(seed);
    let bs = root.statfs().unwrap().f_bsize as u64;
    let (mut disk, mut fs, mut root) = (disk, fs, root);
    for step in 0..ops {
        let dirs = m.dirs();
        let files = m.files();
        let op = rng.below(100);
        let dir = dirs[rng.below(dirs.len() as u64) as usize].clone();
        let name = format!("n{}", rng.below(40));
        let path = if dir.is_empty() { name.clone() } else { format!("{dir}/{name}") };
        let exists = m.paths.contains_key(&path);
        let d = walk(&root, &dir).unwrap_or_else(|e| panic!("step {step}: /{dir}: {e}"));
        if std::env::var_os("EXT4_TRACE").is_some() {
            eprintln!("step {step} op {op} dir /{dir} name {name}");
        }
        match op {
            0..=14 => {
                let r = block_on(d.create(&name, FileType::Regular, 0o644, 0, 0, 0));
                if exists {
                    assert_eq!(errno(r), Errno::EEXIST);
                } else {
                    r.unwrap();
                    m.paths.insert(path, Node::File(m.next));
                    m.files.insert(m.next, Vec::new());
                    m.next += 1;
                }
            }
            15..=22 => {
                let r = block_on(d.create(&name, FileType::Directory, 0o755, 0, 0, 0));
                if exists {
                    assert_eq!(errno(r), Errno::EEXIST);
                } else {
                    r.unwrap();
                    m.paths.insert(path, Node::Dir);
                }
            }
            23..=50 if !files.is_empty() => {
                let p = &files[rng.below(files.len() as u64) as usize];
                let Node::File(id) = m.paths[p] else { unreachable!() };
                let f = walk(&root, p).unwrap();
                let data = m.files.get_mut(&id).unwrap();
                let off = match rng.below(4) {
                    0 => data.len() as u64,
                    1 => rng.below(data.len() as u64 + 1),
                    2 => rng.below(64) * bs + rng.below(bs),
                    _ => rng.below(3 << 20),
                };
                let len = match rng.below(3) {
                    0 => rng.below(100) + 1,
                    1 => rng.below(3 * bs) + 1,
                    _ => rng.below(300_000) + 1,
                } as usize;
                let byte = (step % 250) as u8 + 1;
                let buf: Vec<u8> = (0..len).map(|i| byte.wrapping_add((i / 1000) as u8)).collect();
                write(&f, off, &buf);
                let end = off as usize + len;
                if data.len() < end {
                    data.resize(end, 0);
                }
                data[off as usize..end].copy_from_slice(&buf);
            }
            51..=60 if !files.is_empty() => {
                let p = &files[rng.below(files.len() as u64) as usize];
                let Node::File(id) = m.paths[p] else { unreachable!() };
                let f = walk(&root, p).unwrap();
                let data = m.files.get_mut(&id).unwrap();
                let size = if rng.below(2) == 0 { rng.below(data.len() as u64 + 1) } else { rng.below(2 << 20) };
                if rng.below(2) == 0 {
                    f.setattr(&SetAttr { size: Some(size), ..SetAttr::default() }).unwrap();
                } else {
                    let e = f.downcast_ref::<kairos_fs::ext4::Ext4Inode>().unwrap();
                    block_on(e.truncate(size)).unwrap();
                }
                data.resize(size as usize, 0);
            }
            61..=70 if !files.is_empty() => {
                let p = files[rng.below(files.len() as u64) as usize].clone();
                let (pd, pn) = split(&p);
                block_on(walk(&root, pd).unwrap().unlink(pn)).unwrap();
                let Some(Node::File(id)) = m.paths.remove(&p) else { unreachable!() };
                if !m.paths.values().any(|n| *n == Node::File(id)) {
                    m.files.remove(&id);
                }
            }
            71..=75 if !files.is_empty() => {
                let p = &files[rng.below(files.len() as u64) as usize];
                let t = walk(&root, p).unwrap();
                let r = block_on(d.link(&name, &t));
                if exists {
                    assert_eq!(errno(r), Errno::EEXIST);
                } else {
                    r.unwrap();
                    let n = m.paths[p].clone();
                    m.paths.insert(path, n);
                }
            }
            76..=81 => {
                let cands: Vec<String> = m.dirs().into_iter().filter(|d| !d.is_empty()).collect();
                if cands.is_empty() {
                    continue;
                }
                let p = &cands[rng.below(cands.len() as u64) as usize];
                let (pd, pn) = split(p);
                let r = block_on(walk(&root, pd).unwrap().rmdir(pn));
                if m.children(p).is_empty() {
                    r.unwrap();
                    m.paths.remove(p);
                } else {
                    assert_eq!(errno(r), Errno::ENOTEMPTY);
                }
            }
            _ => {
                // Rename any entry to a random place.
                let all: Vec<String> = m.paths.keys().cloned().collect();
                if all.is_empty() {
                    continue;
                }
                let src = all[rng.below(all.len() as u64) as usize].clone();
                let (sd, sn) = split(&src);
                let sdir = walk(&root, sd).unwrap();
                let src_node = m.paths[&src].clone();
                let dst_node = m.paths.get(&path).cloned();
                let into_self = src_node == Node::Dir && (path == src || path.starts_with(&format!("{src}/")));
                let r = block_on(sdir.rename(sn, &d, &name, 0));
                let expect: Result<(), Errno> = if path == src {
                    Ok(())
                } else if into_self || (src_node == Node::Dir && dir.starts_with(&format!("{src}/"))) {
                    Err(Errno::EINVAL)
                } else {
                    match (&src_node, &dst_node) {
                        (Node::Dir, Some(Node::File(_))) => Err(Errno::ENOTDIR),
                        (Node::File(_), Some(Node::Dir)) => Err(Errno::EISDIR),
                        (Node::Dir, Some(Node::Dir)) if !m.children(&path).is_empty() => Err(Errno::ENOTEMPTY),
                        (Node::File(a), Some(Node::File(b))) if a == b => Ok(()),
                        _ => Ok(()),
                    }
                };
                match expect {
                    Err(e) => assert_eq!(errno(r), e, "rename {src} -> {path}"),
                    Ok(()) => {
                        r.unwrap_or_else(|e| panic!("rename {src} -> {path}: {e}"));
                        let same_file = matches!(src_node, Node::File(_)) && dst_node == Some(src_node.clone());
                        if path != src && !same_file {
                            if let Some(Node::File(id)) = m.paths.remove(&path)
                                && !m.paths.values().any(|n| *n == Node::File(id))
                            {
                                m.files.remove(&id);
                            }
                            let moved: Vec<(String, Node)> = m
                                .paths
                                .iter()
                                .filter(|(p, _)| **p == src || p.starts_with(&format!("{src}/")))
                                .map(|(p, n)| (p.clone(), n.clone()))
                                .collect();
                            for (p, n) in moved {
                                m.paths.remove(&p);
                                m.paths.insert(format!("{path}{}", &p[src.len()..]), n);
                            }
                        }
                    }
                }
            }
        }
        if step % 97 == 96 {
            check_model(&root, &m);
        }
        if step % 250 == 249 {
            // Unmount, fsck, remount.
            drop(d);
            drop(root);
            let img = unmount(&disk, &fs);
            assert_fsck_clean(&img);
            (disk, fs) = mount(img);
            root = fs.root();
            check_model(&root, &m);
        }
    }
    check_model(&root, &m);
    drop(root);
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn random_workload_4k_csum() {
    random_workload("-t ext4", 1, 1000);
}

#[test]
fn random_workload_1k() {
    random_workload("-t ext4 -b 1024", 2, 1000);
}

#[test]
fn random_workload_no_csum_no_64bit() {
    random_workload("-t ext4 -O ^metadata_csum,^64bit,uninit_bg", 3, 750);
}

#[test]
fn random_workload_ext3() {
    random_workload("-t ext3", 4, 750);
}

#[test]
fn xattrs_are_readable_and_freed_with_the_inode() {
    let t = TempDir::new("xattr");
    let small = t.path().join("small");
    let big = t.path().join("big");
    std::fs::write(&small, b"s").unwrap();
    std::fs::write(&big, b"b").unwrap();
    sh(&format!(
        "python3 -c \"import os; os.setxattr('{}', 'user.foo', b'bar'); os.setxattr('{}', 'user.big', b'x' * 900); \
         os.setxattr('{}', 'trusted.t', b'1')\"",
        small.display(),
        big.display(),
        big.display()
    ));
    let img = mkfs("-t ext4", 16, Some(t.path()));
    let (disk, fs) = mount(img);
    let root = fs.root();
    let get = |name: &str| {
        let i = lookup(&root, name).unwrap();
        let e = i.downcast_ref::<kairos_fs::ext4::Ext4Inode>().unwrap();
        let mut v: Vec<(String, Vec<u8>)> =
            block_on(e.xattrs()).unwrap().into_iter().map(|x| (x.name, x.value)).collect();
        v.sort();
        v
    };
    assert_eq!(get("small"), vec![("user.foo".to_string(), b"bar".to_vec())]);
    assert_eq!(get("big"), vec![("trusted.t".to_string(), b"1".to_vec()), ("user.big".to_string(), vec![b'x'; 900])]);
    let free = root.statfs().unwrap().f_bfree;
    block_on(root.unlink("big")).unwrap();
    block_on(fs.sync_fs()).unwrap();
    assert!(root.statfs().unwrap().f_bfree >= free + 2, "data and xattr blocks freed");
    drop(root);
    assert_fsck_clean(&unmount(&disk, &fs));
}

#[test]
fn meta_bg_without_resize_inode() {
    namespace_ops("-t ext4 -O meta_bg,^resize_inode");
    random_workload("-t ext4 -b 1024 -O meta_bg,^resize_inode", 5, 300);
}

#[test]
fn orphan_file_feature_and_large_inodes() {
    namespace_ops("-t ext4 -O orphan_file -I 1024");
}

#[test]
fn file_reads_use_multi_block_requests() {
    let t = TempDir::new("ra");
    let data: Vec<u8> = (0..(4 << 20)).map(|i: u32| (i % 253) as u8).collect();
    std::fs::write(t.path().join("f"), &data).unwrap();
    let (disk, fs) = mount(mkfs("-t ext4", 32, Some(t.path())));
    let f = lookup(&fs.root(), "f").unwrap();
    let before = disk.stats().reads;
    assert_eq!(read_all(&f), data);
    let reqs = disk.stats().reads - before;
    assert!(reqs < 16, "4 MiB contiguous read took {reqs} device requests");
    // Cached now: no more requests.
    let before = disk.stats().reads;
    assert_eq!(read_all(&f), data);
    assert_eq!(disk.stats().reads, before);
}
