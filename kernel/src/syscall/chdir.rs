//! `chdir` and `fchdir`: change the working directory of the caller's filesystem context
//! (shared with `CLONE_FS` threads).

use alloc::sync::Arc;

use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Access, Inode};

use super::SysResult;
use super::args::Fd;
use super::openat::{credentials, file_inode, lookup_at};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Makes `dir` the working directory: ENOTDIR unless it is a directory, EACCES without
/// search permission.
fn set_cwd(t: &Thread, dir: Arc<dyn Inode>) -> Result<()> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    vfs().permission(&credentials(t), &*dir, Access::EXEC)?;
    t.fs().lock().cwd = dir;
    Ok(())
}

/// `chdir(path)`.
pub async fn sys_chdir(t: &Arc<Thread>, path: u64) -> SysResult {
    let dir = lookup_at(t, Fd(kairos_abi::at::AT_FDCWD), path, true, false).await?;
    set_cwd(t, dir)?;
    Ok(0)
}

/// `fchdir(fd)` (an `O_PATH` descriptor of a directory will do).
pub fn sys_fchdir(t: &Arc<Thread>, fd: Fd) -> SysResult {
    let file = fd.file(t)?;
    set_cwd(t, file_inode(t, &file))?;
    Ok(0)
}
