//! `pipe` and `pipe2`: a pipe as two open files (read end `O_RDONLY`, write end `O_WRONLY`)
//! over one [`Pipe`], both backed by an [`AnonInode`] so `fstat` reports a FIFO as on Linux's
//! pipefs. [`AnonInode`] also stands in for open files that have no inode of their own.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use kairos_abi::flags::{OpenFlags, S_IFIFO};
use kairos_abi::types::{PIPEFS_MAGIC, ST_VALID, StatFs, Timespec};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Inode, Metadata, SetAttr, TimeSet, alloc_fs_id, makedev};

use super::SysResult;
use super::args::UserPtr;
use super::dup::install;
use crate::file::pipe::{Pipe, PipeEnd};
use crate::file::{File, FileKind};
use crate::proc::Thread;

/// An inode that belongs to no mounted filesystem (Linux's pipefs / anonymous inodes): it
/// only carries attributes, which `fchmod`, `fchown` and `futimens` may change.
pub(super) struct AnonInode {
    meta: spin::Mutex<Metadata>,
}

/// The filesystem id shared by every anonymous inode.
fn anon_fs_id() -> u64 {
    static ID: spin::Once<u64> = spin::Once::new();
    *ID.call_once(alloc_fs_id)
}

/// The current wall-clock time, for timestamps.
pub(super) fn now() -> Timespec {
    Timespec::from_nanos(crate::time::realtime_ns())
}

impl AnonInode {
    /// A new inode with type and permission bits `mode` and device number `rdev`, owned by
    /// the caller's effective ids.
    pub(super) fn new(t: &Thread, mode: u32, rdev: u64) -> Arc<AnonInode> {
        static NEXT_INO: AtomicU64 = AtomicU64::new(1);
        let (uid, gid) = {
            let st = t.process.state.lock();
            (st.uid[1], st.gid[1])
        };
        let time = now();
        let meta = Metadata {
            dev: makedev(0, 12),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            mode,
            nlink: 1,
            uid,
            gid,
            rdev,
            blksize: 4096,
            atime: time,
            mtime: time,
            ctime: time,
            ..Metadata::default()
        };
        Arc::new(AnonInode { meta: spin::Mutex::new(meta) })
    }
}

impl Inode for AnonInode {
    fn metadata(&self) -> Metadata {
        *self.meta.lock()
    }

    fn fs_id(&self) -> u64 {
        anon_fs_id()
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        if attr.size.is_some() {
            return Err(Errno::EINVAL.into());
        }
        let time = now();
        let stamp = |s: TimeSet| match s {
            TimeSet::Now => time,
            TimeSet::At(ts) => ts,
        };
        let mut m = self.meta.lock();
        if let Some(mode) = attr.mode {
            m.mode = (m.mode & !0o7777) | (mode & 0o7777);
        }
        if let Some(uid) = attr.uid {
            m.uid = uid;
        }
        if let Some(gid) = attr.gid {
            m.gid = gid;
        }
        if let Some(a) = attr.atime {
            m.atime = stamp(a);
        }
        if let Some(mt) = attr.mtime {
            m.mtime = stamp(mt);
        }
        m.ctime = time;
        Ok(())
    }

    fn statfs(&self) -> Result<StatFs> {
        let id = anon_fs_id();
        Ok(StatFs {
            f_type: PIPEFS_MAGIC,
            f_bsize: 4096,
            f_frsize: 4096,
            f_namelen: 255,
            f_flags: ST_VALID,
            f_fsid: [id as i32, (id >> 32) as i32],
            ..StatFs::default()
        })
    }
}

/// `pipe2(fds, flags)`: flags are `O_CLOEXEC`, `O_NONBLOCK` and `O_DIRECT` (accepted; packet
/// mode is not implemented), anything else is EINVAL. If `fds` cannot be written the
/// descriptors are closed again and the call fails with EFAULT.
pub fn sys_pipe2(t: &Arc<Thread>, fds: UserPtr<[i32; 2]>, flags: u32) -> SysResult {
    let allowed = OpenFlags::O_CLOEXEC | OpenFlags::O_NONBLOCK | OpenFlags::O_DIRECT;
    let flags = OpenFlags::from_bits(flags).filter(|f| allowed.contains(*f)).ok_or(Errno::EINVAL)?;
    let pipe = Pipe::new();
    let inode: Arc<dyn Inode> = AnonInode::new(t, S_IFIFO | 0o600, 0);
    let name = format!("pipe:[{}]", inode.ino());
    let read_flags = OpenFlags::O_RDONLY | (flags & OpenFlags::O_NONBLOCK);
    let write_flags = OpenFlags::O_WRONLY | (flags & (OpenFlags::O_NONBLOCK | OpenFlags::O_DIRECT));
    let read =
        File::new(FileKind::Pipe(pipe.clone(), PipeEnd::Read), Some(inode.clone()), Some(name.clone()), read_flags);
    let write = File::new(FileKind::Pipe(pipe, PipeEnd::Write), Some(inode), Some(name), write_flags);
    let cloexec = flags.contains(OpenFlags::O_CLOEXEC);
    let rfd = install(t, read, cloexec)?;
    let wfd = match install(t, write, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            close_quietly(t, &[rfd]);
            return Err(e);
        }
    };
    if let Err(e) = fds.write(t, &[rfd, wfd]) {
        close_quietly(t, &[rfd, wfd]);
        return Err(e);
    }
    Ok(0)
}

/// Closes descriptors the caller never learned about (a failed `pipe2`).
fn close_quietly(t: &Thread, fds: &[i32]) {
    let files = t.files();
    let closed: alloc::vec::Vec<_> = {
        let mut table = files.lock();
        fds.iter().filter_map(|&fd| table.close(fd).ok()).collect()
    };
    drop(closed);
}
