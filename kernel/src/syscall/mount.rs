//! `mount`: new mounts of `tmpfs`, `devtmpfs`, `devpts`, `proc` and `sysfs` (and, through
//! [`mount_block_fs`], disk filesystems), `MS_REMOUNT` (changes the per-mount flags, e.g.
//! `mount -o remount,ro /`), and the propagation flags (accepted: every Kairos mount is
//! private).
//!
//! Not supported, with Linux's errno for "cannot": `MS_BIND` and `MS_MOVE` are EINVAL (the
//! VFS mounts a filesystem instance once and cannot graft a subtree elsewhere), an unknown
//! or unsupported filesystem type (cgroup2, ...) is ENODEV. The order of the checks
//! follows Linux's `do_mount`/`path_mount`: strings (EFAULT), the target path (ENOENT,
//! ENOTDIR...), `MS_NOUSER` (EINVAL), privilege (EPERM), then the operation.

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use kairos_abi::{Errno, Result};
use kairos_fs::path::MountOptions;
use kairos_fs::tmpfs::Tmpfs;
use kairos_fs::vfs::{Inode, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY};

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::resolve_at;
use crate::fsctx::vfs;
use crate::proc::Thread;
use crate::pseudofs::{RealtimeClock, devfs, devpts, procfs, sysfs};

const MS_SYNCHRONOUS: u64 = 16;
const MS_REMOUNT: u64 = 32;
const MS_MANDLOCK: u64 = 64;
const MS_DIRSYNC: u64 = 128;
const MS_NOSYMFOLLOW: u64 = 256;
const MS_NOATIME: u64 = 1024;
const MS_NODIRATIME: u64 = 2048;
const MS_BIND: u64 = 4096;
const MS_MOVE: u64 = 8192;
const MS_REC: u64 = 16384;
const MS_SILENT: u64 = 32768;
const MS_UNBINDABLE: u64 = 1 << 17;
const MS_PRIVATE: u64 = 1 << 18;
const MS_SLAVE: u64 = 1 << 19;
const MS_SHARED: u64 = 1 << 20;
const MS_RELATIME: u64 = 1 << 21;
const MS_STRICTATIME: u64 = 1 << 24;
const MS_LAZYTIME: u64 = 1 << 25;
const MS_NOUSER: u64 = 1 << 31;
const MS_MGC_VAL: u64 = 0xc0ed_0000;
const MS_MGC_MSK: u64 = 0xffff_0000;

/// The flags a mount keeps (what `/proc/mounts` shows and `statfs` reports).
const KEPT_FLAGS: u64 = MS_RDONLY
    | MS_NOSUID
    | MS_NODEV
    | MS_NOEXEC
    | MS_SYNCHRONOUS
    | MS_MANDLOCK
    | MS_DIRSYNC
    | MS_NOSYMFOLLOW
    | MS_NOATIME
    | MS_NODIRATIME
    | MS_RELATIME
    | MS_STRICTATIME
    | MS_LAZYTIME;

/// Disk filesystem types [`mount_block_fs`] can mount (listed in `/proc/filesystems`
/// without `nodev`).
pub fn block_fs_types() -> &'static [&'static str] {
    crate::diskfs::TYPES
}

/// Mounts a filesystem that lives on a block device: `fstype` on the device `dev_path`
/// (`/dev/vda`; see `drivers::block_device`) with `MS_*` `flags` and the option string
/// `data`; returns the root directory of the new instance.
///
/// Linux's errnos: ENODEV for a type it does not know, ENOENT for a missing device path,
/// ENOTBLK for a path that is not a block device, ENXIO for a device without a driver,
/// EBUSY when it is mounted already, EINVAL for a device without that filesystem on it.
pub async fn mount_block_fs(fstype: &str, dev_path: &str, flags: u64, data: &str) -> Result<Arc<dyn Inode>> {
    let _ = data;
    if !crate::diskfs::TYPES.contains(&fstype) {
        return Err(Errno::ENODEV.into());
    }
    let root = vfs().root();
    let ctx = kairos_fs::PathCtx::new(&root, &root);
    let node = vfs().resolve(&ctx, dev_path, true).await?;
    let meta = node.metadata();
    if meta.file_type() != kairos_fs::FileType::BlockDevice {
        return Err(Errno::ENOTBLK.into());
    }
    let (major, minor) = (kairos_fs::vfs::dev_major(meta.rdev), kairos_fs::vfs::dev_minor(meta.rdev));
    let entry = crate::drivers::block_devices()
        .into_iter()
        .find(|e| e.major == major && e.minor == minor)
        .ok_or(Errno::ENXIO)?;
    crate::diskfs::mount(&entry.name, flags & MS_RDONLY != 0).await.map_err(|e| {
        if e.errno() == Errno::EUCLEAN || e.errno() == Errno::EBUSY || e.errno() == Errno::EIO {
            e
        } else {
            Errno::EINVAL.into()
        }
    })
}

/// Reads an optional string argument (NULL is None), at most a page as Linux copies.
fn read_opt_string(t: &Thread, addr: u64) -> Result<Option<String>> {
    if addr == 0 {
        return Ok(None);
    }
    let bytes = t
        .mm()
        .lock()
        .read_cstring(addr, 4095)
        .map_err(|e| if e.errno() == Errno::ENAMETOOLONG { Errno::EINVAL.into() } else { e })?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The root of the mount `inode` is the root of, if it is one.
fn mount_root_of(inode: &Arc<dyn Inode>) -> Option<Arc<kairos_fs::path::Mount>> {
    vfs().mount_of(&**inode).filter(|m| m.root.key() == inode.key())
}

/// `mount(source, target, fstype, flags, data)`.
pub async fn sys_mount(t: &Arc<Thread>, source: u64, target: u64, fstype: u64, flags: u64, data: u64) -> SysResult {
    let fstype = read_opt_string(t, fstype)?;
    let source = read_opt_string(t, source)?;
    let data = read_opt_string(t, data)?.unwrap_or_default();
    let path = read_path(t, target)?;
    let at = resolve_at(t, Fd(kairos_abi::at::AT_FDCWD), &path, true, false).await?;
    let mut flags = flags;
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        flags &= !MS_MGC_MSK;
    }
    if flags & MS_NOUSER != 0 {
        return Err(Errno::EINVAL.into());
    }
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    let kept = flags & KEPT_FLAGS;
    if flags & MS_REMOUNT != 0 {
        // The per-mount flags are replaced (with or without MS_BIND); filesystem options
        // given at mount time stay (a tmpfs cannot be resized by a remount here).
        mount_root_of(&at).ok_or(Errno::EINVAL)?;
        // A bind remount changes only the mount's flags; a read-only superblock stays
        // read-only (each filesystem here has one mount, so a read-only mount is taken as
        // a read-only superblock).
        let bind = flags & MS_BIND != 0;
        if !bind {
            crate::diskfs::remount(&*at, kept & MS_RDONLY != 0).await?;
        }
        return vfs().remount(&at, |o| o.flags = if bind { kept | (o.flags & MS_RDONLY) } else { kept }).map(|()| 0);
    }
    if flags & MS_BIND != 0 {
        log_once(&BIND_LOGGED, "MS_BIND: bind mounts are not supported (EINVAL)");
        return Err(Errno::EINVAL.into());
    }
    let propagation = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE);
    if propagation != 0 {
        let kind = flags & !(MS_REC | MS_SILENT);
        if !kind.is_power_of_two() || kind != propagation {
            return Err(Errno::EINVAL.into());
        }
        // Every mount is private already: nothing propagates between Kairos mounts.
        mount_root_of(&at).ok_or(Errno::EINVAL)?;
        return Ok(0);
    }
    if flags & MS_MOVE != 0 {
        log_once(&MOVE_LOGGED, "MS_MOVE: moving mounts is not supported (EINVAL)");
        return Err(Errno::EINVAL.into());
    }
    let fstype = fstype.ok_or(Errno::EINVAL)?;
    let source = source.unwrap_or_else(|| String::from("none"));
    let (root, shown_data) = match fstype.as_str() {
        "tmpfs" => new_tmpfs(&data)?,
        "devtmpfs" => (devfs::new_instance().await, String::from("mode=755")),
        "proc" => (procfs::new_instance(), String::new()),
        "sysfs" => (sysfs::new_instance(), String::new()),
        "devpts" => {
            let opts = devpts::DevptsOptions::parse(&data)?;
            (devpts::Devpts::new(opts).root(), opts.shown())
        }
        other => (mount_block_fs(other, &source, kept, &data).await?, data),
    };
    let options = MountOptions { source, fstype, flags: kept, data: shown_data };
    vfs().mount(&at, root, options)?;
    Ok(0)
}

static BIND_LOGGED: AtomicBool = AtomicBool::new(false);
static MOVE_LOGGED: AtomicBool = AtomicBool::new(false);

fn log_once(flag: &AtomicBool, msg: &str) {
    if !flag.swap(true, Ordering::Relaxed) {
        log::warn!(target: "mount", "{msg}");
    }
}

/// A size with an optional `k`/`m`/`g` suffix (or `%` of RAM, with `percent`).
fn parse_size(v: &str, percent: bool) -> Result<u64> {
    let (num, mult) = match v.as_bytes().last() {
        Some(b'k' | b'K') => (&v[..v.len() - 1], 1 << 10),
        Some(b'm' | b'M') => (&v[..v.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&v[..v.len() - 1], 1 << 30),
        Some(b'%') if percent => {
            let pct: u64 = v[..v.len() - 1].parse().map_err(|_| Errno::EINVAL)?;
            let ram = crate::mm::frame::stats().0 * 4096;
            return Ok(ram / 100 * pct);
        }
        _ => (v, 1),
    };
    let n: u64 = num.parse().map_err(|_| Errno::EINVAL)?;
    n.checked_mul(mult).ok_or(Errno::EINVAL.into())
}

/// A new tmpfs with the options `size=`, `nr_inodes=`, `mode=`, `uid=`, `gid=` (others are
/// EINVAL, as Linux's "tmpfs: Unknown parameter").
/// A new tmpfs from its option string, and the options as /proc/mounts shows them (Linux's
/// `shmem_show_options`: size and nr_inodes only when not the defaults, in KiB and inodes;
/// mode only when not 1777, as three octal digits; uid/gid when not 0; then `inode64`).
fn new_tmpfs(data: &str) -> Result<(Arc<dyn Inode>, String)> {
    let default = crate::pseudofs::default_tmpfs_options();
    let mut o = crate::pseudofs::default_tmpfs_options();
    for opt in data.split(',').filter(|s| !s.is_empty()) {
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        let num = |v: &str| v.parse::<u32>().map_err(|_| kairos_abi::Error::from(Errno::EINVAL));
        match key {
            "size" => o.max_bytes = Some(parse_size(value, true)?).filter(|&b| b != 0),
            "nr_inodes" => o.max_inodes = Some(parse_size(value, false)?).filter(|&n| n != 0),
            "mode" => o.root_mode = u32::from_str_radix(value, 8).map_err(|_| Errno::EINVAL)? & 0o7777,
            "uid" => o.root_uid = num(value)?,
            "gid" => o.root_gid = num(value)?,
            _ => return Err(Errno::EINVAL.into()),
        }
    }
    let mut shown: alloc::vec::Vec<String> = alloc::vec::Vec::new();
    if o.max_bytes != default.max_bytes {
        shown.push(alloc::format!("size={}k", o.max_bytes.unwrap_or(0).div_ceil(4096) * 4));
    }
    if o.max_inodes != default.max_inodes {
        shown.push(alloc::format!("nr_inodes={}", o.max_inodes.unwrap_or(0)));
    }
    if o.root_mode != 0o1777 {
        shown.push(alloc::format!("mode={:03o}", o.root_mode));
    }
    if o.root_uid != 0 {
        shown.push(alloc::format!("uid={}", o.root_uid));
    }
    if o.root_gid != 0 {
        shown.push(alloc::format!("gid={}", o.root_gid));
    }
    shown.push(String::from("inode64"));
    Ok((Tmpfs::with_options(Arc::new(RealtimeClock), o).root(), shown.join(",")))
}
