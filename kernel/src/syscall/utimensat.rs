//! `utimensat` (and `futimens`, which is `utimensat(fd, NULL, times, 0)`): set access and
//! modification times, each to a given time, to now (`UTIME_NOW`) or left alone
//! (`UTIME_OMIT`); NULL `times` means both now. Explicit times need ownership (EPERM),
//! "now" ownership or write permission (EACCES).

use alloc::sync::Arc;

use kairos_abi::at::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use kairos_abi::types::{NSEC_PER_SEC, Timespec, UTIME_NOW, UTIME_OMIT};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Access, Inode, SetAttr, TimeSet};

use super::SysResult;
use super::args::{Fd, read_val};
use super::openat::{credentials, file_inode, lookup_at};
use super::read::io_file;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `utimensat(dirfd, path, times, flags)`.
pub async fn sys_utimensat(t: &Arc<Thread>, dirfd: Fd, path: u64, times: u64, flags: u32) -> SysResult {
    let times: Option<[Timespec; 2]> = if times == 0 { None } else { Some(read_val(t, times)?) };
    // Both omitted: nothing to do, and Linux does not even look at the path.
    if times.is_some_and(|ts| ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT) {
        return Ok(0);
    }
    let inode = if path == 0 && dirfd.0 != AT_FDCWD {
        // futimens
        if flags != 0 {
            return Err(Errno::EINVAL.into());
        }
        file_inode(t, &*io_file(t, dirfd)?)
    } else {
        if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
            return Err(Errno::EINVAL.into());
        }
        lookup_at(t, dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0).await?
    };
    set_times(t, &*inode, times)?;
    Ok(0)
}

/// What one `struct timespec` of `times` asks for (EINVAL for a bad `tv_nsec`).
fn time_set(ts: &Timespec) -> Result<Option<TimeSet>> {
    match ts.tv_nsec {
        UTIME_OMIT => Ok(None),
        UTIME_NOW => Ok(Some(TimeSet::Now)),
        n if (0..NSEC_PER_SEC).contains(&n) => Ok(Some(TimeSet::At(*ts))),
        _ => Err(Errno::EINVAL.into()),
    }
}

/// Applies `times` (None: both now) to `inode`.
fn set_times(t: &Thread, inode: &dyn Inode, times: Option<[Timespec; 2]>) -> Result<()> {
    let (atime, mtime) = match times {
        None => (Some(TimeSet::Now), Some(TimeSet::Now)),
        Some(ts) => (time_set(&ts[0])?, time_set(&ts[1])?),
    };
    if vfs().is_read_only(inode) {
        return Err(Errno::EROFS.into());
    }
    let cred = credentials(t);
    let meta = inode.metadata();
    if cred.fsuid != 0 && cred.fsuid != meta.uid {
        let explicit = [atime, mtime].iter().any(|s| matches!(s, Some(TimeSet::At(_))));
        if explicit {
            return Err(Errno::EPERM.into());
        }
        vfs().permission(&cred, inode, Access::WRITE)?;
    }
    inode.setattr(&SetAttr { atime, mtime, ..SetAttr::default() })
}
