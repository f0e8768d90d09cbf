//! `unlink` and `unlinkat`: removes a name (or, with `AT_REMOVEDIR`, an empty directory).
//! An open file lives on until its last descriptor is closed.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::at::AT_REMOVEDIR;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use super::rmdir::rmdir_at;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `unlinkat(dirfd, path, flags)`: EINVAL for flags other than `AT_REMOVEDIR`.
pub async fn sys_unlinkat(t: &Arc<Thread>, dirfd: Fd, path: u64, flags: u32) -> SysResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = read_path(t, path)?;
    if flags & AT_REMOVEDIR != 0 {
        return rmdir_at(t, dirfd, &path).await;
    }
    let at = PathAt::new(t, dirfd, &path)?;
    vfs().unlink(&at.cx(), &path).await?;
    Ok(0)
}
