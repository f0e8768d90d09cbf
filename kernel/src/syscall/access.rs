//! `access`, `faccessat` and `faccessat2`: may the caller read, write or execute a file?
//! Checked with the real ids (the effective ones with `AT_EACCESS`). Root may read and
//! write anything, and execute anything but a non-directory without any execute bit;
//! writing to a read-only mount is EROFS.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::at::{AT_EACCESS, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use kairos_abi::flags::{R_OK, W_OK, X_OK};
use kairos_fs::vfs::{Access, Credentials, FileType, check_access};

use super::SysResult;
use super::args::Fd;
use super::openat::lookup_at;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `faccessat2(dirfd, path, mode, flags)`: EINVAL for a mode beyond `R_OK | W_OK | X_OK` or
/// unknown flags, EACCES when denied.
pub async fn sys_faccessat2(t: &Arc<Thread>, dirfd: Fd, path: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !0o7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inode = lookup_at(t, dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0).await?;
    let mode = mode as i32;
    if mode == 0 {
        return Ok(0);
    }
    let meta = inode.metadata();
    let writes_data = matches!(meta.file_type(), FileType::Regular | FileType::Directory | FileType::Symlink);
    if mode & W_OK != 0 && writes_data && vfs().is_read_only(&*inode) {
        return Err(Errno::EROFS.into());
    }
    let cred = {
        let st = t.process.state.lock();
        let which = if flags & AT_EACCESS != 0 { 1 } else { 0 };
        Credentials { fsuid: st.uid[which], fsgid: st.gid[which], groups: st.groups.clone() }
    };
    let mut want = Access::empty();
    want.set(Access::READ, mode & R_OK != 0);
    want.set(Access::WRITE, mode & W_OK != 0);
    want.set(Access::EXEC, mode & X_OK != 0);
    check_access(&cred, &meta, want)?;
    Ok(0)
}
