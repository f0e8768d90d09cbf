//! Disk filesystems: mounting ext4 from a block device (`root=/dev/vda`, `mount -t ext4`),
//! the table of mounted disk filesystem instances, remounting them read-only, and the
//! orderly shutdown that writes everything back before the machine powers off.
//!
//! The VFS mount table (`kairos_fs::path::Vfs`) knows mounts only as root inodes; this
//! module keeps the `Ext4` objects behind them so that `sync`, `mount -o remount,ro` and
//! power-off can reach the filesystem itself (journal commit, clean-state flag).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result};
use kairos_fs::ext4::{Ext4, Ext4Options};
use kairos_fs::vfs::{Inode, makedev};

use crate::drivers;
use crate::pseudofs::RealtimeClock;

/// A mounted disk filesystem.
pub struct DiskMount {
    /// Device name (`vda`).
    pub device: String,
    /// The filesystem.
    pub fs: Arc<Ext4>,
}

static MOUNTED: spin::Mutex<Vec<DiskMount>> = spin::Mutex::new(Vec::new());

/// Filesystem types [`mount`] knows.
pub const TYPES: &[&str] = &["ext4", "ext3", "ext2"];

/// Mounts the ext4 filesystem on block device `device` (`vda` or `/dev/vda`). ENXIO when
/// there is no such device, EBUSY when it is already mounted, EINVAL when it holds no
/// valid ext4 (the errors of `Ext4::mount` otherwise).
pub async fn mount(device: &str, read_only: bool) -> Result<Arc<dyn Inode>> {
    let name = device.strip_prefix("/dev/").unwrap_or(device);
    let entry = drivers::block_devices().into_iter().find(|e| e.name == name).ok_or(Errno::ENXIO)?;
    if MOUNTED.lock().iter().any(|m| m.device == name) {
        return Err(Errno::EBUSY.into());
    }
    let mut options = Ext4Options::new(makedev(entry.major, entry.minor), Arc::new(RealtimeClock));
    options.read_only = read_only;
    let fs = Ext4::mount(entry.device.clone(), options).await?;
    log::info!(target: "fs", "mounted ext4 on /dev/{name} ({})", if fs.is_read_only() { "ro" } else { "rw" });
    let root = fs.root();
    MOUNTED.lock().push(DiskMount { device: String::from(name), fs });
    Ok(root)
}

/// Bytes of disk blocks the mounted filesystems keep in their buffer caches, and how many
/// of them are dirty.
pub fn buffer_bytes() -> (u64, u64) {
    let all: Vec<Arc<Ext4>> = MOUNTED.lock().iter().map(|m| m.fs.clone()).collect();
    let (mut cached, mut dirty) = (0, 0);
    for fs in all {
        let stats = fs.cache_stats();
        let bs = fs.block_size() as u64;
        cached += stats.cached as u64 * bs;
        dirty += stats.dirty as u64 * bs;
    }
    (cached, dirty)
}

/// Is `fs_id` a mounted disk filesystem (whose file data the page cache keeps)?
pub fn is_disk_fs(fs_id: u64) -> bool {
    MOUNTED.lock().iter().any(|m| m.fs.fs_id() == fs_id)
}

fn find(root: &dyn Inode) -> Option<Arc<Ext4>> {
    MOUNTED.lock().iter().find(|m| m.fs.fs_id() == root.fs_id()).map(|m| m.fs.clone())
}

/// Writes everything of the disk filesystem `root` belongs to (sync(2) for one mount).
/// Not a disk filesystem: nothing to do.
pub async fn sync(root: &dyn Inode) -> Result<()> {
    match find(root) {
        Some(fs) => fs.sync_fs().await,
        None => Ok(()),
    }
}

/// `mount -o remount` of the disk filesystem whose root is `root`: `read_only` writes it back
/// and marks it clean (see `Ext4::remount`). Not a disk filesystem: nothing to do.
pub async fn remount(root: &dyn Inode, read_only: bool) -> Result<()> {
    match find(root) {
        Some(fs) => {
            if read_only {
                crate::mm::pagecache::release_fs(fs.fs_id()).await?;
            }
            fs.remount(read_only).await
        }
        None => Ok(()),
    }
}

/// `umount` of the disk filesystem whose root is `root`: writes everything back and leaves
/// it clean on disk.
pub async fn unmount(root: &dyn Inode) -> Result<()> {
    let Some(fs) = find(root) else { return Ok(()) };
    crate::mm::pagecache::release_fs(fs.fs_id()).await?;
    fs.unmount().await?;
    MOUNTED.lock().retain(|m| !Arc::ptr_eq(&m.fs, &fs));
    Ok(())
}

/// Writes every dirty mapped page and every disk filesystem back and marks them clean:
/// what Linux's shutdown path does after user space has unmounted or remounted read-only.
/// Called before power-off and restart.
pub async fn shutdown() {
    let _ = crate::mm::pagecache::sync_all().await;
    let all: Vec<(String, Arc<Ext4>)> = MOUNTED.lock().iter().map(|m| (m.device.clone(), m.fs.clone())).collect();
    for (device, fs) in all {
        let _ = crate::mm::pagecache::release_fs(fs.fs_id()).await;
        match fs.unmount().await {
            Ok(()) => log::info!(target: "fs", "/dev/{device}: written back and clean"),
            Err(e) => log::error!(target: "fs", "/dev/{device}: write-back at shutdown failed: {e:?}"),
        }
    }
}

/// Mounts the root filesystem from disk (`root=/dev/vda`, `rw`/`ro`, `rootfstype=`), makes it
/// the VFS root and mounts devtmpfs on its `/dev` (as Linux with CONFIG_DEVTMPFS_MOUNT).
pub async fn mount_root(spec: &str, read_only: bool, fstype: Option<&str>) -> Result<()> {
    if let Some(t) = fstype
        && !TYPES.contains(&t)
    {
        log::error!(target: "fs", "rootfstype={t}: unknown filesystem type");
        return Err(Errno::ENODEV.into());
    }
    let root = mount(spec, read_only).await?;
    let vfs = crate::fsctx::init_with_options(
        root.clone(),
        kairos_fs::path::MountOptions {
            source: String::from(spec),
            fstype: String::from(fstype.unwrap_or("ext4")),
            flags: if read_only { kairos_fs::vfs::MS_RDONLY } else { 0 },
            data: String::new(),
        },
    );
    match root.lookup("dev").await {
        Ok(dev) if dev.is_dir() => {
            let options = kairos_fs::path::MountOptions {
                source: String::from("devtmpfs"),
                fstype: String::from("devtmpfs"),
                flags: 0,
                data: String::from("mode=755"),
            };
            match vfs.mount(&dev, crate::pseudofs::devfs::new_instance().await, options) {
                Ok(_) => log::info!(target: "init", "devtmpfs: mounted on /dev"),
                Err(e) => log::warn!(target: "init", "devtmpfs: cannot mount on /dev: {e:?}"),
            }
        }
        _ => log::warn!(target: "init", "no /dev on the root filesystem: devtmpfs not mounted"),
    }
    Ok(())
}
