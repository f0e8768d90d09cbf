//! `mkdir` and `mkdirat`: a new directory with permission bits `mode & 01777 & ~umask`.

use alloc::sync::Arc;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `mkdirat(dirfd, path, mode)`.
pub async fn sys_mkdirat(t: &Arc<Thread>, dirfd: Fd, path: u64, mode: u32) -> SysResult {
    let path = read_path(t, path)?;
    let at = PathAt::new(t, dirfd, &path)?;
    vfs().mkdir(&at.cx(), &path, mode).await?;
    Ok(0)
}
