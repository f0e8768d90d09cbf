//! `rename`, `renameat` and `renameat2` (`RENAME_NOREPLACE`, `RENAME_EXCHANGE`; the VFS
//! rejects `RENAME_WHITEOUT` and unknown flags with EINVAL).

use alloc::sync::Arc;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `renameat2(olddirfd, oldpath, newdirfd, newpath, flags)`.
pub async fn sys_renameat2(
    t: &Arc<Thread>,
    olddirfd: Fd,
    oldpath: u64,
    newdirfd: Fd,
    newpath: u64,
    flags: u32,
) -> SysResult {
    let old = read_path(t, oldpath)?;
    let new = read_path(t, newpath)?;
    let old_at = PathAt::new(t, olddirfd, &old)?;
    let new_at = PathAt::new(t, newdirfd, &new)?;
    vfs().rename(&old_at.cx(), &old, &new_at.cx(), &new, flags).await?;
    Ok(0)
}
