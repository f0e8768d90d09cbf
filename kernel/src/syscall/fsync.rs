//! `fsync`, `fdatasync` and `sync`: write data to stable storage through the inode's `sync`
//! (a no-op for memory filesystems). Files without storage (pipes, terminals, memory
//! devices) are EINVAL, as on Linux.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::Fd;
use super::read::io_file;
use crate::file::FileKind;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `fsync(fd)` / `fdatasync(fd)`.
pub async fn sys_fsync(t: &Arc<Thread>, fd: Fd) -> SysResult {
    let file = io_file(t, fd)?;
    let FileKind::Inode(inode) = &file.kind else {
        return Err(Errno::EINVAL.into());
    };
    crate::mm::pagecache::sync_inode(&**inode).await?;
    inode.sync().await?;
    Ok(0)
}

/// `sync()`: syncs the root of every mount; errors are not reported (sync cannot fail).
pub async fn sys_sync() -> SysResult {
    let _ = crate::mm::pagecache::sync_all().await;
    for mount in vfs().mounts() {
        let _ = mount.root.sync().await;
    }
    Ok(0)
}

/// `syncfs(fd)`: syncs the filesystem `fd` is on (EBADF for a bad descriptor).
pub async fn sys_syncfs(t: &Arc<Thread>, fd: Fd) -> SysResult {
    let file = fd.file(t)?;
    let _ = crate::mm::pagecache::sync_all().await;
    if let Some(inode) = &file.inode
        && let Some(mount) = vfs().mount_of(&**inode)
    {
        mount.root.sync().await?;
    }
    Ok(0)
}
