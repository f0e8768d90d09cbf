//! tmpfs through the `Inode` interface: rename matrix, readdir offsets,
//! links and nlink, unlink-while-open, sparse files and truncation, times,
//! limits, and the plain data types of `vfs`.

mod common;

use std::{collections::HashSet, sync::Arc};

use common::*;
use kairos_abi::{
    Errno,
    flags::RenameFlags,
    types::{TMPFS_MAGIC, Timespec},
};
use kairos_fs::{
    FileType, Inode, SetAttr, TimeSet, Tmpfs,
    tmpfs::TmpfsOptions,
    vfs::{dev_major, dev_minor, downcast_arc, makedev},
};

fn mkdir(dir: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    block_on(dir.create(name, FileType::Directory, 0o755, 0, 0, 0)).unwrap()
}

fn mkfile(dir: &Arc<dyn Inode>, name: &str, data: &[u8]) -> Arc<dyn Inode> {
    let f = block_on(dir.create(name, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    assert_eq!(block_on(f.write_at(0, data)).unwrap(), data.len());
    f
}

fn lookup(dir: &Arc<dyn Inode>, name: &str) -> kairos_abi::Result<Arc<dyn Inode>> {
    block_on(dir.lookup(name))
}

fn rename(a: &Arc<dyn Inode>, an: &str, b: &Arc<dyn Inode>, bn: &str, flags: u32) -> kairos_abi::Result<()> {
    block_on(a.rename(an, b, bn, flags))
}

fn nlink(i: &Arc<dyn Inode>) -> u32 {
    i.metadata().nlink
}

#[test]
fn rename_matrix() {
    let fx = Fx::new();
    let r = &fx.root;
    let a = mkdir(r, "a");
    let b = mkdir(r, "b");
    let f1 = mkfile(&a, "f1", b"one");
    let f2 = mkfile(&a, "f2", b"two");
    let empty = mkdir(&b, "empty");
    let full = mkdir(&b, "full");
    mkfile(&full, "x", b"");
    let d = mkdir(&a, "d");
    let dsub = mkdir(&d, "sub");
    assert_eq!(nlink(r), 4);
    assert_eq!(nlink(&a), 3);

    // Plain rename within a directory.
    rename(&a, "f1", &a, "g1", 0).unwrap();
    assert!(same(&lookup(&a, "g1").unwrap(), &f1));
    assert_eq!(errno(lookup(&a, "f1")), Errno::ENOENT);
    // File over file: the victim loses its name; its data lives while held.
    rename(&a, "g1", &a, "f2", 0).unwrap();
    assert!(same(&lookup(&a, "f2").unwrap(), &f1));
    assert_eq!(nlink(&f2), 0);
    assert_eq!(read_all(&f2), b"two");
    // Directory over an empty directory, across directories.
    rename(&a, "d", &b, "empty", 0).unwrap();
    assert!(same(&lookup(&b, "empty").unwrap(), &d));
    assert_eq!(nlink(&empty), 0);
    assert_eq!(errno(lookup(&empty, "x")), Errno::ENOENT);
    assert_eq!(nlink(&a), 2);
    assert_eq!(nlink(&b), 4);
    assert!(same(&lookup(&d, "..").unwrap(), &b));
    assert!(same(&lookup(&dsub, "..").unwrap(), &d));
    // Directory over a non-empty directory; file over dir; dir over file.
    assert_eq!(errno(rename(&b, "empty", &b, "full", 0)), Errno::ENOTEMPTY);
    assert_eq!(errno(rename(&a, "f2", &b, "full", 0)), Errno::EISDIR);
    assert_eq!(errno(rename(&b, "full", &a, "f2", 0)), Errno::ENOTDIR);
    // A directory into itself or its subtree.
    assert_eq!(errno(rename(&b, "empty", &d, "x", 0)), Errno::EINVAL);
    assert_eq!(errno(rename(&b, "empty", &dsub, "x", 0)), Errno::EINVAL);
    assert_eq!(errno(rename(r, "b", &dsub, "x", 0)), Errno::EINVAL);
    // Missing source, non-directory parents.
    assert_eq!(errno(rename(&a, "nope", &a, "x", 0)), Errno::ENOENT);
    assert_eq!(errno(rename(&f1, "x", &a, "y", 0)), Errno::ENOTDIR);
    assert_eq!(errno(rename(&a, "f2", &f1, "y", 0)), Errno::ENOTDIR);
    // Flags.
    let noreplace = RenameFlags::RENAME_NOREPLACE.bits();
    let exchange = RenameFlags::RENAME_EXCHANGE.bits();
    mkfile(&a, "f3", b"three");
    assert_eq!(errno(rename(&a, "f2", &a, "f3", noreplace)), Errno::EEXIST);
    rename(&a, "f3", &a, "f4", noreplace).unwrap();
    assert_eq!(errno(rename(&a, "f2", &a, "nope", exchange)), Errno::ENOENT);
    assert_eq!(errno(rename(&a, "f2", &a, "f4", noreplace | exchange)), Errno::EINVAL);
    assert_eq!(errno(rename(&a, "f2", &a, "f4", 1 << 7)), Errno::EINVAL);
    assert_eq!(errno(rename(&a, ".", &a, "x", 0)), Errno::EBUSY);
    assert_eq!(errno(rename(&a, "f2", &a, "..", 0)), Errno::EBUSY);
    // Hard links of one inode: renaming one onto the other does nothing.
    block_on(a.link("f2link", &lookup(&a, "f2").unwrap())).unwrap();
    rename(&a, "f2", &a, "f2link", 0).unwrap();
    assert!(lookup(&a, "f2").is_ok() && lookup(&a, "f2link").is_ok());
    assert_eq!(nlink(&f1), 2);
}

#[test]
fn rename_exchange() {
    let fx = Fx::new();
    let r = &fx.root;
    let a = mkdir(r, "a");
    let b = mkdir(r, "b");
    let file = mkfile(&a, "file", b"f");
    let dir = mkdir(&b, "dir");
    let ex = RenameFlags::RENAME_EXCHANGE.bits();
    rename(&a, "file", &b, "dir", ex).unwrap();
    assert!(same(&lookup(&a, "file").unwrap(), &dir));
    assert!(same(&lookup(&b, "dir").unwrap(), &file));
    assert!(same(&lookup(&dir, "..").unwrap(), &a));
    assert_eq!((nlink(&a), nlink(&b)), (3, 2));
    assert_eq!((nlink(&file), nlink(&dir)), (1, 2));
    // Exchanging a directory with its own ancestor's entry is a loop.
    let inner = mkdir(&dir, "inner");
    assert_eq!(errno(rename(&dir, "inner", r, "a", ex)), Errno::EINVAL);
    assert_eq!(errno(rename(r, "a", &dir, "inner", ex)), Errno::EINVAL);
    // Exchange within one directory keeps both entries' offsets.
    let before = list(&a);
    mkfile(&a, "other", b"o");
    rename(&a, "file", &a, "other", ex).unwrap();
    let after = list(&a);
    assert_eq!(after[..before.len()], before[..]);
    assert!(same(&lookup(&a, "other").unwrap(), &dir));
    assert!(lookup(&dir, "inner").is_ok_and(|i| same(&i, &inner)));
}

#[test]
fn rename_across_filesystems() {
    let fx = Fx::new();
    let other = Tmpfs::new(fx.clock.clock());
    mkfile(&fx.root, "f", b"");
    let other_root = other.root();
    assert_eq!(errno(rename(&fx.root, "f", &other_root, "f", 0)), Errno::EXDEV);
    assert_eq!(errno(block_on(other_root.link("l", &lookup(&fx.root, "f").unwrap()))), Errno::EXDEV);
}

#[test]
fn readdir_offsets_are_stable() {
    let fx = Fx::new();
    let d = mkdir(&fx.root, "d");
    let names: Vec<String> = (0..50).map(|i| format!("e{i:02}")).collect();
    for n in &names {
        mkfile(&d, n, b"");
    }
    let sub = mkdir(&d, "sub");
    // "." and ".." first, with the right inode numbers and types.
    let (dot, o1) = block_on(d.readdir(0)).unwrap().unwrap();
    let (dotdot, o2) = block_on(d.readdir(o1)).unwrap().unwrap();
    assert_eq!((dot.name.as_str(), dot.ino, dot.kind), (".", d.ino(), FileType::Directory));
    assert_eq!((dotdot.name.as_str(), dotdot.ino), ("..", fx.root.ino()));
    let mut seen = Vec::new();
    let mut off = o2;
    // Read 10 entries, then unlink every third name (listed or not) and the
    // very next entry, then continue from the saved offset.
    for _ in 0..10 {
        let (e, next) = block_on(d.readdir(off)).unwrap().unwrap();
        seen.push(e.name);
        off = next;
    }
    let (next_entry, _) = block_on(d.readdir(off)).unwrap().unwrap();
    let mut removed: HashSet<String> = names.iter().step_by(3).cloned().collect();
    removed.insert(next_entry.name.clone());
    for n in &removed {
        block_on(d.unlink(n)).unwrap();
    }
    while let Some((e, next)) = block_on(d.readdir(off)).unwrap() {
        assert!(next > off);
        seen.push(e.name);
        off = next;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an entry was listed twice");
    for n in &names {
        let listed = seen.contains(n);
        if removed.contains(n) {
            // Removed ones appear only if listed before the removal.
            assert_eq!(listed, seen[..10].contains(n), "{n}");
        } else {
            assert!(listed, "{n} was skipped");
        }
    }
    assert!(seen.contains(&"sub".to_string()));
    let sub_entry = {
        let mut off = 0;
        loop {
            let (e, next) = block_on(d.readdir(off)).unwrap().unwrap();
            if e.name == "sub" {
                break e;
            }
            off = next;
        }
    };
    assert_eq!((sub_entry.ino, sub_entry.kind), (sub.ino(), FileType::Directory));
    // A listing past the end stays at the end.
    assert_eq!(block_on(d.readdir(off)).unwrap(), None);
    assert_eq!(block_on(d.readdir(u64::MAX)).unwrap(), None);
    // Non-directories.
    let f = lookup(&d, "e01").unwrap();
    assert_eq!(errno(block_on(f.readdir(0))), Errno::ENOTDIR);
}

#[test]
fn hard_links_and_nlink() {
    let fx = Fx::new();
    let r = &fx.root;
    assert_eq!(nlink(r), 2);
    let d = mkdir(r, "d");
    let e = mkdir(&d, "e");
    assert_eq!((nlink(r), nlink(&d), nlink(&e)), (3, 3, 2));
    let f = mkfile(&d, "f", b"data");
    block_on(d.link("g", &f)).unwrap();
    block_on(r.link("h", &f)).unwrap();
    assert_eq!(nlink(&f), 3);
    assert!(same(&lookup(r, "h").unwrap(), &f));
    assert_eq!(errno(block_on(d.link("g", &f))), Errno::EEXIST);
    assert_eq!(errno(block_on(d.link("e2", &e))), Errno::EPERM);
    assert_eq!(errno(block_on(f.link("x", &f))), Errno::ENOTDIR);
    block_on(d.unlink("f")).unwrap();
    block_on(d.unlink("g")).unwrap();
    assert_eq!(nlink(&f), 1);
    assert_eq!(read_all(&lookup(r, "h").unwrap()), b"data");
    block_on(r.unlink("h")).unwrap();
    assert_eq!(nlink(&f), 0);
    // An unlinked file cannot get a name again.
    assert_eq!(errno(block_on(r.link("again", &f))), Errno::ENOENT);
    // Directory errors of unlink / rmdir.
    assert_eq!(errno(block_on(d.unlink("e"))), Errno::EISDIR);
    assert_eq!(errno(block_on(d.unlink("nope"))), Errno::ENOENT);
    mkfile(&e, "x", b"");
    assert_eq!(errno(block_on(d.rmdir("e"))), Errno::ENOTEMPTY);
    assert_eq!(errno(block_on(e.rmdir("x"))), Errno::ENOTDIR);
    block_on(e.unlink("x")).unwrap();
    block_on(d.rmdir("e")).unwrap();
    assert_eq!((nlink(&d), nlink(&e)), (2, 0));
    // The removed directory refuses new entries.
    assert_eq!(errno(block_on(e.create("y", FileType::Regular, 0o644, 0, 0, 0))), Errno::ENOENT);
    // Regression (removed cwd): ".." of a removed directory still leads to its old parent,
    // as on Linux, so a process can chdir("..") out of a removed working directory.
    let up = lookup(&e, "..").expect("'..' of a removed directory");
    assert_eq!(up.ino(), d.ino());
}

#[test]
fn unlink_while_open_and_memory_release() {
    let fx = Fx::new();
    let f = mkfile(&fx.root, "f", &[7u8; 10000]);
    assert_eq!(fx.fs.used_bytes(), 3 * 4096);
    let inodes = fx.fs.inode_count();
    block_on(fx.root.unlink("f")).unwrap();
    assert_eq!(errno(lookup(&fx.root, "f")), Errno::ENOENT);
    // Still readable and writable through the open reference.
    assert_eq!(read_all(&f), vec![7u8; 10000]);
    assert_eq!(block_on(f.write_at(10000, b"more")).unwrap(), 4);
    assert_eq!(f.metadata().size, 10004);
    assert_eq!(f.metadata().nlink, 0);
    assert_eq!(fx.fs.inode_count(), inodes);
    drop(f);
    assert_eq!(fx.fs.used_bytes(), 0);
    assert_eq!(fx.fs.inode_count(), inodes - 1);
}

#[test]
fn sparse_files_and_truncate() {
    let fx = Fx::new();
    let f = mkfile(&fx.root, "f", b"");
    assert_eq!(block_on(f.write_at(10_000, b"tail")).unwrap(), 4);
    let m = f.metadata();
    assert_eq!((m.size, m.blocks), (10_004, 8));
    let data = read_all(&f);
    assert!(data[..10_000].iter().all(|&b| b == 0));
    assert_eq!(&data[10_000..], b"tail");
    // Reads at and past EOF.
    let mut buf = [1u8; 16];
    assert_eq!(block_on(f.read_at(10_004, &mut buf)).unwrap(), 0);
    assert_eq!(block_on(f.read_at(1 << 40, &mut buf)).unwrap(), 0);
    assert_eq!(block_on(f.read_at(10_002, &mut buf)).unwrap(), 2);
    assert_eq!(&buf[..2], b"il");
    // Far-away sparse write uses one page.
    assert_eq!(block_on(f.write_at(1 << 40, b"x")).unwrap(), 1);
    assert_eq!(f.metadata().size, (1 << 40) + 1);
    assert_eq!(f.metadata().blocks, 16);
    let mut mid = [9u8; 100];
    assert_eq!(block_on(f.read_at(1 << 30, &mut mid)).unwrap(), 100);
    assert!(mid.iter().all(|&b| b == 0));
    // Shrink in the middle of a page, then grow: the cut part reads as zeros.
    let g = mkfile(&fx.root, "g", &[0xffu8; 5000]);
    g.setattr(&SetAttr { size: Some(4100), ..Default::default() }).unwrap();
    assert_eq!(g.metadata().size, 4100);
    g.setattr(&SetAttr { size: Some(9000), ..Default::default() }).unwrap();
    let d = read_all(&g);
    assert_eq!(d.len(), 9000);
    assert!(d[..4100].iter().all(|&b| b == 0xff));
    assert!(d[4100..].iter().all(|&b| b == 0));
    assert_eq!(g.metadata().blocks, 16);
    g.setattr(&SetAttr { size: Some(0), ..Default::default() }).unwrap();
    assert_eq!((g.metadata().size, g.metadata().blocks), (0, 0));
    // Write past a hole after truncation: hole is zeros.
    assert_eq!(block_on(g.write_at(3, b"abc")).unwrap(), 3);
    assert_eq!(read_all(&g), b"\0\0\0abc");
    // Size limits and non-files.
    assert_eq!(errno(block_on(g.write_at(u64::MAX - 1, b"ab"))), Errno::EFBIG);
    assert_eq!(errno(block_on(g.write_at(i64::MAX as u64, b"a"))), Errno::EFBIG);
    assert_eq!(errno(g.setattr(&SetAttr { size: Some(u64::MAX), ..Default::default() })), Errno::EFBIG);
    assert_eq!(block_on(g.write_at(5, b"")).unwrap(), 0);
    let dir = mkdir(&fx.root, "dir");
    assert_eq!(errno(dir.setattr(&SetAttr { size: Some(0), ..Default::default() })), Errno::EISDIR);
    assert_eq!(errno(block_on(dir.write_at(0, b"x"))), Errno::EISDIR);
    assert_eq!(errno(block_on(dir.read_at(0, &mut buf))), Errno::EISDIR);
    let l = block_on(fx.root.symlink("l", "target", 0, 0)).unwrap();
    assert_eq!(errno(l.setattr(&SetAttr { size: Some(0), ..Default::default() })), Errno::EINVAL);
    assert_eq!(errno(block_on(l.read_at(0, &mut buf))), Errno::EINVAL);
    assert_eq!(errno(block_on(g.readlink())), Errno::EINVAL);
    assert_eq!(errno(lookup(&g, "x")), Errno::ENOTDIR);
}

#[test]
fn timestamps() {
    let fx = Fx::new();
    let t = |s| Timespec::new(s, 0);
    fx.clock.set(100);
    let d = mkdir(&fx.root, "d");
    let m = d.metadata();
    assert_eq!((m.atime, m.mtime, m.ctime, m.btime), (t(100), t(100), t(100), Some(t(100))));
    assert_eq!(fx.root.metadata().mtime, t(100));
    fx.clock.set(200);
    let f = mkfile(&d, "f", b"abc");
    assert_eq!(d.metadata().mtime, t(200));
    assert_eq!(f.metadata().mtime, t(200));
    fx.clock.set(300);
    block_on(f.write_at(0, b"x")).unwrap();
    let m = f.metadata();
    assert_eq!((m.mtime, m.ctime, m.atime), (t(300), t(300), t(200)));
    // relatime: a read after a modification updates atime, a second does not.
    fx.clock.set(400);
    read_all(&f);
    assert_eq!(f.metadata().atime, t(400));
    fx.clock.set(500);
    read_all(&f);
    assert_eq!(f.metadata().atime, t(400));
    // chmod touches only ctime; explicit times; truncate sets mtime.
    fx.clock.set(600);
    f.setattr(&SetAttr { mode: Some(0o4600), ..Default::default() }).unwrap();
    let m = f.metadata();
    assert_eq!((m.mode, m.mtime, m.ctime), (0o104600, t(300), t(600)));
    f.setattr(&SetAttr { atime: Some(TimeSet::At(t(5))), mtime: Some(TimeSet::Now), ..Default::default() }).unwrap();
    let m = f.metadata();
    assert_eq!((m.atime, m.mtime), (t(5), t(600)));
    fx.clock.set(700);
    f.setattr(&SetAttr { size: Some(1), ..Default::default() }).unwrap();
    assert_eq!(f.metadata().mtime, t(700));
    // Link and unlink change the file's ctime and the directory's mtime.
    fx.clock.set(800);
    block_on(d.link("g", &f)).unwrap();
    assert_eq!((f.metadata().ctime, d.metadata().mtime), (t(800), t(800)));
    fx.clock.set(900);
    block_on(d.unlink("g")).unwrap();
    assert_eq!((f.metadata().ctime, d.metadata().mtime), (t(900), t(900)));
    fx.clock.set(1000);
    rename(&d, "f", &fx.root, "moved", 0).unwrap();
    assert_eq!((f.metadata().ctime, d.metadata().mtime, fx.root.metadata().mtime), (t(1000), t(1000), t(1000)));
    // chown
    f.setattr(&SetAttr { uid: Some(5), gid: Some(6), ..Default::default() }).unwrap();
    assert_eq!((f.metadata().uid, f.metadata().gid), (5, 6));
}

#[test]
fn metadata_of_each_type() {
    let fx = Fx::new();
    let r = &fx.root;
    let rm = r.metadata();
    assert_eq!((rm.ino, rm.mode, rm.nlink), (1, 0o041777, 2));
    let f = block_on(r.create("f", FileType::Regular, 0o100640, 1, 2, 99)).unwrap();
    let c = block_on(r.create("c", FileType::CharDevice, 0o600, 0, 0, makedev(4, 64))).unwrap();
    let b = block_on(r.create("b", FileType::BlockDevice, 0o660, 0, 6, makedev(259, 1 << 16))).unwrap();
    let p = block_on(r.create("p", FileType::Fifo, 0o644, 0, 0, 0)).unwrap();
    let s = block_on(r.create("s", FileType::Socket, 0o755, 0, 0, 0)).unwrap();
    let l = block_on(r.symlink("l", "some/target", 3, 4)).unwrap();
    let long = block_on(r.symlink("long", &"t".repeat(200), 0, 0)).unwrap();
    let m = f.metadata();
    assert_eq!((m.mode, m.uid, m.gid, m.rdev, m.size, m.nlink, m.blksize), (0o100640, 1, 2, 0, 0, 1, 4096));
    assert_eq!(c.metadata().mode, 0o020600);
    assert_eq!(c.metadata().rdev, makedev(4, 64));
    let bm = b.metadata();
    assert_eq!((dev_major(bm.rdev), dev_minor(bm.rdev)), (259, 1 << 16));
    assert_eq!(p.metadata().mode, 0o010644);
    assert_eq!(s.metadata().mode, 0o140755);
    let lm = l.metadata();
    assert_eq!((lm.mode, lm.size, lm.uid, lm.gid, lm.blocks), (0o120777, 11, 3, 4, 0));
    assert_eq!(block_on(l.readlink()).unwrap(), "some/target");
    assert_eq!(long.metadata().blocks, 8);
    // Directory sizes grow with entries (like tmpfs' BOGO_DIRENT_SIZE).
    assert_eq!(r.metadata().size, 20 * (2 + 7));
    // Device nodes carry no data here: the kernel attaches drivers.
    assert_eq!(errno(block_on(c.read_at(0, &mut [0; 4]))), Errno::EINVAL);
    // Inode numbers are unique; st_dev is shared; fs_id tells instances apart.
    let inos: HashSet<u64> = [r, &f, &c, &b, &p, &s, &l, &long].iter().map(|i| i.ino()).collect();
    assert_eq!(inos.len(), 8);
    assert!(f.metadata().dev == rm.dev);
    let other = Tmpfs::new(fx.clock.clock());
    assert_ne!(other.fs_id(), fx.fs.fs_id());
    assert_ne!(other.root().metadata().dev, rm.dev);
    // Bad names and kinds.
    assert_eq!(errno(block_on(r.create("f", FileType::Regular, 0o644, 0, 0, 0))), Errno::EEXIST);
    assert_eq!(errno(block_on(r.create("..", FileType::Directory, 0o755, 0, 0, 0))), Errno::EEXIST);
    assert_eq!(errno(block_on(r.create("", FileType::Regular, 0o644, 0, 0, 0))), Errno::ENOENT);
    assert_eq!(errno(block_on(r.create("a/b", FileType::Regular, 0o644, 0, 0, 0))), Errno::EINVAL);
    assert_eq!(errno(block_on(r.create(&"n".repeat(256), FileType::Regular, 0o644, 0, 0, 0))), Errno::ENAMETOOLONG);
    assert_eq!(errno(block_on(r.create("x", FileType::Symlink, 0o777, 0, 0, 0))), Errno::EINVAL);
    assert_eq!(errno(block_on(r.symlink("y", "", 0, 0))), Errno::ENOENT);
    assert_eq!(errno(block_on(r.symlink("y", &"t".repeat(4096), 0, 0))), Errno::ENAMETOOLONG);
    assert_eq!(errno(block_on(f.create("x", FileType::Regular, 0o644, 0, 0, 0))), Errno::ENOTDIR);
    // lookup of . and .. at the fs root.
    assert!(same(&lookup(r, ".").unwrap(), r));
    assert!(same(&lookup(r, "..").unwrap(), r));
    // Stat conversion.
    let st = f.metadata().to_stat();
    assert_eq!((st.st_mode, st.st_ino, st.st_nlink, st.st_blksize), (0o100640, f.ino(), 1, 4096));
    let sx = c.metadata().to_statx();
    assert_eq!((sx.stx_rdev_major, sx.stx_rdev_minor), (4, 64));
    // Downcasting.
    assert!(r.downcast_ref::<kairos_fs::tmpfs::TmpInode>().is_some());
    assert!(downcast_arc::<kairos_fs::tmpfs::TmpInode>(r.clone()).is_ok());
}

#[test]
fn statfs_and_limits() {
    let fx = Fx::with_options(TmpfsOptions { max_bytes: Some(3 * 4096), max_inodes: Some(4), ..Default::default() });
    let st = fx.root.statfs().unwrap();
    assert_eq!((st.f_type, st.f_bsize, st.f_blocks, st.f_bfree, st.f_namelen), (TMPFS_MAGIC, 4096, 3, 3, 255));
    assert_eq!((st.f_files, st.f_ffree), (4, 3));
    let f = mkfile(&fx.root, "f", &[1; 4096]);
    // A write that does not fit entirely is short; the next one fails.
    assert_eq!(block_on(f.write_at(4096, &[2; 3 * 4096])).unwrap(), 2 * 4096);
    assert_eq!(errno(block_on(f.write_at(3 * 4096, &[3; 10]))), Errno::ENOSPC);
    assert_eq!(fx.root.statfs().unwrap().f_bfree, 0);
    // Overwriting allocated pages still works.
    assert_eq!(block_on(f.write_at(0, &[4; 100])).unwrap(), 100);
    f.setattr(&SetAttr { size: Some(4096), ..Default::default() }).unwrap();
    assert_eq!(fx.root.statfs().unwrap().f_bfree, 2);
    mkfile(&fx.root, "g", b"");
    mkdir(&fx.root, "h");
    assert_eq!(errno(block_on(fx.root.create("i", FileType::Regular, 0o644, 0, 0, 0))), Errno::ENOSPC);
    block_on(fx.root.unlink("g")).unwrap();
    mkfile(&fx.root, "i", b"");
    // Unlimited: statfs reports zeros like Linux tmpfs with size=0.
    let fx2 = Fx::new();
    let st = fx2.root.statfs().unwrap();
    assert_eq!((st.f_blocks, st.f_files), (0, 0));
}

#[test]
fn unlinked_files_for_memfd() {
    let fx = Fx::new();
    let f = fx.fs.create_unlinked(0o600, 0, 0).unwrap();
    assert_eq!(f.metadata().nlink, 0);
    assert_eq!(block_on(f.write_at(0, b"memfd")).unwrap(), 5);
    block_on(fx.root.link("named", &f)).unwrap();
    assert_eq!(f.metadata().nlink, 1);
    assert_eq!(fx.read("/named"), b"memfd");
}

#[test]
fn file_types_and_device_numbers() {
    use kairos_abi::types::*;
    for (t, mode, dt) in [
        (FileType::Regular, 0o100000, DT_REG),
        (FileType::Directory, 0o040000, DT_DIR),
        (FileType::Symlink, 0o120000, DT_LNK),
        (FileType::CharDevice, 0o020000, DT_CHR),
        (FileType::BlockDevice, 0o060000, DT_BLK),
        (FileType::Fifo, 0o010000, DT_FIFO),
        (FileType::Socket, 0o140000, DT_SOCK),
    ] {
        assert_eq!(t.mode_bits(), mode);
        assert_eq!(FileType::from_mode(mode | 0o755), Some(t));
        assert_eq!(t.to_dt(), dt);
        assert_eq!(FileType::from_dt(dt), Some(t));
        assert_eq!(mode_to_dt(mode), dt);
    }
    assert_eq!(FileType::from_mode(0o755), None);
    assert_eq!(FileType::from_dt(DT_UNKNOWN), None);
    for (ma, mi) in [(0, 0), (1, 3), (8, 1), (259, 0), (4095, 255), (4096, 256), (u32::MAX, u32::MAX)] {
        let d = makedev(ma, mi);
        assert_eq!((dev_major(d), dev_minor(d)), (ma, mi));
    }
    // glibc's encoding.
    assert_eq!(makedev(1, 3), 0x103);
    assert_eq!(makedev(259, 0x12345), 0x1231_0345);
}

#[test]
fn deep_trees_drop_without_recursion() {
    // Run on a small stack: a recursive drop of 20_000 levels would overflow.
    let t = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let fx = Fx::with_options(TmpfsOptions { max_inodes: Some(1_000_000), ..Default::default() });
            let mut dir = fx.root.clone();
            for _ in 0..20_000 {
                dir = mkdir(&dir, "d");
            }
            mkfile(&dir, "leaf", &[1; 5000]);
            drop(dir);
            let probe = fx.fs.create_unlinked(0o600, 0, 0).unwrap();
            assert_eq!(probe.statfs().unwrap().f_ffree, 1_000_000 - 20_003);
            drop(fx);
            // Only the probe is left (it keeps the filesystem state alive).
            let st = probe.statfs().unwrap();
            assert_eq!((st.f_ffree, st.f_bfree), (1_000_000 - 1, 0));
        })
        .unwrap();
    t.join().expect("deep drop overflowed or failed");
}
