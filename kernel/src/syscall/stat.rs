//! `stat`, `lstat`, `fstat`, `newfstatat`, `statfs` and `fstatfs`: inode metadata as the
//! x86_64 `struct stat`, filesystem data as `struct statfs` (with the mount's flags).

use alloc::sync::Arc;

use kairos_abi::at::{AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW};
use kairos_abi::types::{ST_NODEV, ST_NOEXEC, ST_NOSUID, ST_RDONLY, Stat, StatFs};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Inode, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY};

use super::SysResult;
use super::args::{Fd, UserPtr};
use super::openat::{file_inode, lookup_at, read_path_at, resolve_at};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Flags `newfstatat` accepts (the statx set: Linux implements one with the other).
const FSTATAT_FLAGS: u32 = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;

/// `newfstatat(dirfd, path, buf, flags)` (also `stat` and `lstat`).
pub async fn sys_newfstatat(t: &Arc<Thread>, dirfd: Fd, path: u64, buf: UserPtr<Stat>, flags: u32) -> SysResult {
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    // The path is read first: an empty one without AT_EMPTY_PATH is ENOENT before EINVAL.
    let name = read_path_at(t, path, empty_ok)?;
    if name.is_empty() && !empty_ok {
        return Err(Errno::ENOENT.into());
    }
    if flags & !FSTATAT_FLAGS != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inode = resolve_at(t, dirfd, &name, flags & AT_SYMLINK_NOFOLLOW == 0, empty_ok).await?;
    buf.write(t, &inode.metadata().to_stat())?;
    Ok(0)
}

/// `fstat(fd, buf)` (works on `O_PATH` descriptors too).
pub fn sys_fstat(t: &Arc<Thread>, fd: Fd, buf: UserPtr<Stat>) -> SysResult {
    let file = fd.file(t)?;
    buf.write(t, &file_inode(t, &file).metadata().to_stat())?;
    Ok(0)
}

/// `statfs` of the filesystem `inode` is on, with its mount flags as `ST_*` bits.
pub(super) fn statfs_of(inode: &dyn Inode) -> Result<StatFs> {
    let mut st = inode.statfs()?;
    if let Some(mount) = vfs().mount_of(inode) {
        let flags = mount.options.flags;
        for (ms, st_flag) in
            [(MS_RDONLY, ST_RDONLY), (MS_NOSUID, ST_NOSUID), (MS_NODEV, ST_NODEV), (MS_NOEXEC, ST_NOEXEC)]
        {
            if flags & ms != 0 {
                st.f_flags |= st_flag;
            }
        }
    }
    Ok(st)
}

/// `statfs(path, buf)`.
pub async fn sys_statfs(t: &Arc<Thread>, path: u64, buf: UserPtr<StatFs>) -> SysResult {
    let inode = lookup_at(t, Fd(AT_FDCWD), path, true, false).await?;
    buf.write(t, &statfs_of(&*inode)?)?;
    Ok(0)
}

/// `fstatfs(fd, buf)`.
pub fn sys_fstatfs(t: &Arc<Thread>, fd: Fd, buf: UserPtr<StatFs>) -> SysResult {
    let file = fd.file(t)?;
    buf.write(t, &statfs_of(&*file_inode(t, &file))?)?;
    Ok(0)
}
