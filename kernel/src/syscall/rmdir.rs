//! `rmdir`: removes an empty directory (the VFS gives Linux's errno for `.`, `..`, `/`,
//! mount points and non-empty directories).

use alloc::sync::Arc;

use kairos_abi::at::AT_FDCWD;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Removes the directory `path` relative to `dirfd` (also `unlinkat(..., AT_REMOVEDIR)`).
pub(super) async fn rmdir_at(t: &Thread, dirfd: Fd, path: &str) -> SysResult {
    let at = PathAt::new(t, dirfd, path)?;
    vfs().rmdir(&at.cx(), path).await?;
    Ok(0)
}

/// `rmdir(path)`.
pub async fn sys_rmdir(t: &Arc<Thread>, path: u64) -> SysResult {
    let path = read_path(t, path)?;
    rmdir_at(t, Fd(AT_FDCWD), &path).await
}
