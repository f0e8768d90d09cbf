//! `devtmpfs`: the device nodes of `/dev`.
//!
//! Linux mounts one devtmpfs superblock wherever `devtmpfs` is mounted. The Kairos VFS mounts
//! a filesystem instance at most once (no bind mounts), so each mount here is a fresh tmpfs
//! filled with the same nodes: the memory devices, the terminals, `kmsg`, the block devices
//! the drivers registered (`/dev/vda` = 254:0, `vdb` = 254:16, ... as Linux's virtio_blk),
//! the `fd`/`stdin`/`stdout`/`stderr` links into `/proc/self/fd`, and the `shm/` and `pts/`
//! directories. Nodes created later in one mount do not appear in another. The terminals
//! are `tty` (5,0), `console` (5,1), `ptmx` (5,2; its pty slaves live in a devpts mounted on
//! `pts/`), `ttyS0` (4,64) and the virtual consoles `tty0` … `tty63` (4,N; root:tty 0620).
//!
//! What a node does when opened is decided by its type and device number, in
//! `syscall::openat` (char devices) — this module only names them.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Result;
use kairos_fs::tmpfs::{Tmpfs, TmpfsOptions};
use kairos_fs::vfs::{FileType, Inode, makedev};

use super::RealtimeClock;
use crate::drivers::BlockDeviceEntry;

/// Device number of `/dev/kairos-trace` (a misc-major minor Linux leaves unassigned).
pub const KAIROS_TRACE_DEV: (u32, u32) = (10, 242);

/// The `tty` group, owner of the virtual consoles.
const TTY_GID: u32 = 5;

/// Device number of `/dev/kmsg`.
pub const KMSG_DEV: (u32, u32) = (1, 11);

/// The character devices: (name, major, minor, mode), with devtmpfs's modes.
const CHAR_DEVICES: &[(&str, u32, u32, u32)] = &[
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
    ("kmsg", KMSG_DEV.0, KMSG_DEV.1, 0o644),
    ("tty", 5, 0, 0o666),
    ("console", 5, 1, 0o600),
    ("ptmx", 5, 2, 0o666),
    ("ttyS0", 4, 64, 0o600),
    ("kairos-trace", KAIROS_TRACE_DEV.0, KAIROS_TRACE_DEV.1, 0o400),
];

/// The links every Linux `/dev` has (udev or the init scripts usually add them; devtmpfs
/// does not, but they cost nothing here).
const LINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];

/// The block devices to create nodes for: the driver registry (`vda`, `vdb`, ...).
pub fn block_devices() -> Vec<BlockDeviceEntry> {
    crate::drivers::block_devices()
}

/// A new devtmpfs instance (root mode 0755), populated.
pub async fn new_instance() -> Arc<dyn Inode> {
    let options = TmpfsOptions { root_mode: 0o755, ..super::default_tmpfs_options() };
    let fs = Tmpfs::with_options(Arc::new(RealtimeClock), options);
    let root = fs.root();
    populate(&root).await;
    root
}

/// Creates the device nodes, links and directories in `dev` (existing names are left
/// alone, so this also completes an initramfs's `/dev`).
pub async fn populate(dev: &Arc<dyn Inode>) {
    for &(name, major, minor, mode) in CHAR_DEVICES {
        node(dev, name, FileType::CharDevice, mode, 0, makedev(major, minor)).await;
    }
    for n in 0..=crate::file::vt::MAX_NR_CONSOLES {
        let name = alloc::format!("tty{n}");
        node(dev, &name, FileType::CharDevice, 0o620, TTY_GID, makedev(4, n)).await;
    }
    for e in block_devices() {
        node(dev, &e.name, FileType::BlockDevice, 0o600, 0, makedev(e.major, e.minor)).await;
    }
    for &(name, target) in LINKS {
        if dev.lookup(name).await.is_err() {
            log_err(name, dev.symlink(name, target, 0, 0).await.map(drop));
        }
    }
    for (name, mode) in [("shm", 0o1777), ("pts", 0o755)] {
        if dev.lookup(name).await.is_err() {
            log_err(name, dev.create(name, FileType::Directory, mode, 0, 0, 0).await.map(drop));
        }
    }
}

async fn node(dev: &Arc<dyn Inode>, name: &str, kind: FileType, mode: u32, gid: u32, rdev: u64) {
    if dev.lookup(name).await.is_err() {
        log_err(name, dev.create(name, kind, mode, 0, gid, rdev).await.map(drop));
    }
}

fn log_err(name: &str, r: Result<()>) {
    if let Err(e) = r {
        log::warn!(target: "devtmpfs", "cannot create /dev/{name}: {e:?}");
    }
}
