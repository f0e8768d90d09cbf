//! Shared helpers of the ext4 integration tests: a polling `block_on`,
//! image building with the host's `mke2fs -d`, `e2fsck -fn` as the oracle,
//! mounting from a `MemDisk`, and a comparison of a mounted tree with a
//! host directory.
#![allow(dead_code)]

use std::{
    collections::BTreeMap,
    future::Future,
    os::unix::fs::{FileTypeExt, MetadataExt},
    path::{Path, PathBuf},
    pin::pin,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    task::{Context, Poll, Waker},
};

use kairos_abi::{Result, types::Timespec};
use kairos_fs::{
    FileType, Inode,
    block::MemDisk,
    ext4::{Ext4, Ext4Options},
    vfs::makedev,
};

/// Runs a future to completion (every future here completes without a
/// real wake-up; a long run of `Pending` means a deadlock).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future never completed (deadlock?)");
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A unique temporary path.
pub fn temp_path(tag: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("kairos-ext4-{}-{tag}-{n}", std::process::id()))
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = temp_path(tag);
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a shell command, panicking on failure.
pub fn sh(cmd: &str) {
    let out = Command::new("sh").arg("-c").arg(cmd).output().expect("sh");
    assert!(out.status.success(), "command failed: {cmd}\n{}", String::from_utf8_lossy(&out.stderr));
}

/// Makes an image of `size_mb` MiB with `mke2fs -q -F {opts}`, populated
/// from `dir` if given.
pub fn mkfs(opts: &str, size_mb: u64, dir: Option<&Path>) -> Vec<u8> {
    let img = temp_path("img");
    let d = dir.map(|d| format!("-d '{}'", d.display())).unwrap_or_default();
    sh(&format!("mke2fs -q -F -E lazy_itable_init=0 {opts} {d} '{}' {size_mb}M >/dev/null", img.display()));
    let bytes = std::fs::read(&img).unwrap();
    let _ = std::fs::remove_file(&img);
    bytes
}

/// Runs `e2fsck` with `args` over `bytes`; returns the exit code and
/// output. `-fyD` modifies a copy and returns it too.
pub fn e2fsck(bytes: &[u8], args: &str) -> (i32, String, Vec<u8>) {
    let img = temp_path("fsck");
    std::fs::write(&img, bytes).unwrap();
    let out = Command::new("e2fsck").args(args.split_whitespace()).arg(&img).output().expect("e2fsck");
    let after = std::fs::read(&img).unwrap();
    let _ = std::fs::remove_file(&img);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text, after)
}

/// Asserts that `e2fsck -fn` finds nothing wrong.
#[track_caller]
pub fn assert_fsck_clean(bytes: &[u8]) {
    let (code, text, _) = e2fsck(bytes, "-fn");
    assert_eq!(code, 0, "e2fsck -fn found problems:\n{text}");
}

/// A clock tests move by hand.
#[derive(Clone, Default)]
pub struct TestClock(pub Arc<AtomicI64>);

impl TestClock {
    pub fn at(secs: i64) -> TestClock {
        let c = TestClock::default();
        c.0.store(secs, Ordering::SeqCst);
        c
    }
    pub fn clock(&self) -> Arc<dyn kairos_fs::vfs::Clock> {
        let c = self.0.clone();
        Arc::new(move || Timespec::new(c.load(Ordering::SeqCst), 123_456_789))
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

/// Test device number.
pub const DEV: u64 = makedev(8, 1);

pub fn options(read_only: bool) -> Ext4Options {
    let mut o = Ext4Options::new(DEV, TestClock::at(1_700_000_000).clock());
    o.read_only = read_only;
    o
}

/// Mounts `bytes` from a fresh `MemDisk`.
pub fn mount_bytes(bytes: Vec<u8>, read_only: bool) -> Result<(Arc<MemDisk>, Arc<Ext4>)> {
    let disk = MemDisk::from_bytes(bytes, false).shared();
    let fs = block_on(Ext4::mount(disk.clone(), options(read_only)))?;
    Ok((disk, fs))
}

/// Mounts, panicking on failure.
pub fn mount(bytes: Vec<u8>) -> (Arc<MemDisk>, Arc<Ext4>) {
    mount_bytes(bytes, false).unwrap_or_else(|e| panic!("mount: {e}"))
}

/// Unmounts and returns the disk contents.
pub fn unmount(disk: &Arc<MemDisk>, fs: &Arc<Ext4>) -> Vec<u8> {
    block_on(fs.unmount()).unwrap_or_else(|e| panic!("unmount: {e}"));
    disk.to_bytes()
}

/// Reads a whole file.
pub fn read_all(f: &Arc<dyn Inode>) -> Vec<u8> {
    let size = f.metadata().size as usize;
    let mut buf = vec![0xAAu8; size + 10];
    let n = block_on(f.read_at(0, &mut buf)).unwrap();
    assert_eq!(n, size);
    buf.truncate(n);
    buf
}

/// The entries of a directory (name → (ino, kind)), "." and ".." included;
/// checks offsets increase.
pub fn list(dir: &Arc<dyn Inode>) -> BTreeMap<String, (u64, FileType)> {
    let mut out = BTreeMap::new();
    let mut off = 0;
    while let Some((e, next)) = block_on(dir.readdir(off)).unwrap() {
        assert!(next > off, "readdir offsets must increase");
        assert!(out.insert(e.name.clone(), (e.ino, e.kind)).is_none(), "duplicate entry {}", e.name);
        off = next;
    }
    out
}

pub fn lookup(dir: &Arc<dyn Inode>, name: &str) -> Result<Arc<dyn Inode>> {
    block_on(dir.lookup(name))
}

/// Resolves a relative path without symlinks.
pub fn walk(root: &Arc<dyn Inode>, path: &str) -> Result<Arc<dyn Inode>> {
    let mut cur = root.clone();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        cur = lookup(&cur, c)?;
    }
    Ok(cur)
}

/// Compares the mounted tree under `dir` with the host directory `host`:
/// names, types, modes, owners, sizes, link counts, mtimes (seconds),
/// contents, symlink targets, device numbers. Returns the number of
/// entries compared.
pub fn compare_tree(dir: &Arc<dyn Inode>, host: &Path) -> usize {
    let mut count = 0;
    let mut stack = vec![(dir.clone(), host.to_path_buf())];
    while let Some((d, h)) = stack.pop() {
        let entries = list(&d);
        let mut host_names: Vec<String> =
            std::fs::read_dir(&h).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        host_names.sort();
        let mut ours: Vec<String> = entries.keys().filter(|n| *n != "." && *n != "..").cloned().collect();
        if h == host {
            ours.retain(|n| n != "lost+found" || host_names.contains(n));
        }
        ours.sort();
        assert_eq!(ours, host_names, "entries of {}", h.display());
        assert_eq!(entries["."].0, d.ino(), "'.' of {}", h.display());
        for name in ours {
            let hp = h.join(&name);
            let hm = std::fs::symlink_metadata(&hp).unwrap();
            let child = lookup(&d, &name).unwrap_or_else(|e| panic!("lookup {}: {e}", hp.display()));
            let m = child.metadata();
            let what = hp.display().to_string();
            assert_eq!(entries[&name].0, m.ino, "{what}: readdir ino");
            assert_eq!(entries[&name].1, child.file_type(), "{what}: readdir type");
            assert_eq!(m.mode, hm.mode(), "{what}: mode");
            assert_eq!(m.uid, hm.uid(), "{what}: uid");
            assert_eq!(m.gid, hm.gid(), "{what}: gid");
            assert_eq!(m.mtime.tv_sec, hm.mtime(), "{what}: mtime");
            assert_eq!(m.dev, DEV, "{what}: dev");
            assert_eq!(m.blksize, 4096);
            let ft = hm.file_type();
            if !ft.is_dir() {
                assert_eq!(m.nlink as u64, hm.nlink(), "{what}: nlink");
            }
            if ft.is_symlink() {
                let target = std::fs::read_link(&hp).unwrap().into_os_string().into_string().unwrap();
                assert_eq!(block_on(child.readlink()).unwrap(), target, "{what}: target");
                assert_eq!(m.size, target.len() as u64);
            } else if ft.is_file() {
                assert_eq!(m.size, hm.len(), "{what}: size");
                let data = read_all(&child);
                assert!(data == std::fs::read(&hp).unwrap(), "{what}: contents differ");
            } else if ft.is_dir() {
                let sub = list(&child);
                assert_eq!(sub[".."].0, d.ino(), "{what}: '..'");
                assert_eq!(lookup(&child, "..").unwrap().ino(), d.ino(), "{what}: lookup('..')");
                stack.push((child, hp));
            } else if ft.is_char_device() || ft.is_block_device() {
                assert_eq!(m.rdev, hm.rdev(), "{what}: rdev");
            }
            count += 1;
        }
    }
    count
}

/// Deterministic pseudo-random numbers (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
