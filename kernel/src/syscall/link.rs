//! `link` and `linkat`: a new hard link. `AT_SYMLINK_FOLLOW` links the target of a final
//! symlink rather than the link; `AT_EMPTY_PATH` (root only, like Linux's
//! `CAP_DAC_READ_SEARCH` rule) links the file `olddirfd` refers to.

use alloc::sync::Arc;

use kairos_abi::at::{AT_EMPTY_PATH, AT_SYMLINK_FOLLOW};
use kairos_abi::{Errno, Result};
use kairos_fs::path::LastKind;
use kairos_fs::vfs::Inode;

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::{PathAt, fd_inode, read_path_at};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `linkat(olddirfd, oldpath, newdirfd, newpath, flags)`.
pub async fn sys_linkat(
    t: &Arc<Thread>,
    olddirfd: Fd,
    oldpath: u64,
    newdirfd: Fd,
    newpath: u64,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    if empty_ok && t.process.state.lock().uid[1] != 0 {
        return Err(Errno::ENOENT.into());
    }
    let old = read_path_at(t, oldpath, empty_ok)?;
    let new = read_path(t, newpath)?;
    let new_at = PathAt::new(t, newdirfd, &new)?;
    if old.is_empty() && empty_ok {
        link_inode(&new_at, &new, fd_inode(t, olddirfd)?).await?;
        return Ok(0);
    }
    let old_at = PathAt::new(t, olddirfd, &old)?;
    vfs().link(&old_at.cx(), &old, &new_at.cx(), &new, flags & AT_SYMLINK_FOLLOW != 0).await?;
    Ok(0)
}

/// Gives `inode` the new name `path` (the `AT_EMPTY_PATH` case, with the checks of
/// [`Vfs::link`](kairos_fs::path::Vfs::link)).
async fn link_inode(at: &PathAt, path: &str, inode: Arc<dyn Inode>) -> Result<()> {
    let parent = vfs().resolve_parent(&at.cx(), path).await?;
    if parent.kind != LastKind::Normal {
        return Err(Errno::EEXIST.into());
    }
    match parent.dir.lookup(&parent.name).await {
        Ok(_) => return Err(Errno::EEXIST.into()),
        Err(e) if e.errno == Errno::ENOENT => {}
        Err(e) => return Err(e),
    }
    if parent.trailing_slash {
        return Err(Errno::ENOENT.into());
    }
    if vfs().is_read_only(&*parent.dir) {
        return Err(Errno::EROFS.into());
    }
    if inode.fs_id() != parent.dir.fs_id() {
        return Err(Errno::EXDEV.into());
    }
    if inode.is_dir() {
        return Err(Errno::EPERM.into());
    }
    parent.dir.link(&parent.name, &inode).await
}
