//! `chroot(path)`: changes the caller's root directory (root only; the working directory is
//! left alone, as Linux).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::at::AT_FDCWD;
use kairos_fs::vfs::Access;

use super::SysResult;
use super::args::Fd;
use super::openat::{credentials, lookup_at};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `chroot(path)`: ENOTDIR for a non-directory, EPERM without privilege (euid 0 here, the
/// stand-in for CAP_SYS_CHROOT), EACCES without search permission.
pub async fn sys_chroot(t: &Arc<Thread>, path: u64) -> SysResult {
    let dir = lookup_at(t, Fd(AT_FDCWD), path, true, false).await?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    let cred = credentials(t);
    vfs().permission(&cred, &*dir, Access::EXEC)?;
    let euid = t.process.state.lock().uid[1];
    if euid != 0 {
        return Err(Errno::EPERM.into());
    }
    t.fs().lock().root = dir;
    Ok(0)
}
