//! `symlink` and `symlinkat`: a new symbolic link holding `target` verbatim.

use alloc::sync::Arc;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `symlinkat(target, newdirfd, linkpath)`.
pub async fn sys_symlinkat(t: &Arc<Thread>, target: u64, newdirfd: Fd, linkpath: u64) -> SysResult {
    let target = read_path(t, target)?;
    let path = read_path(t, linkpath)?;
    let at = PathAt::new(t, newdirfd, &path)?;
    vfs().symlink(&at.cx(), &target, &path).await?;
    Ok(0)
}
