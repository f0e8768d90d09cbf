//! `readlink` and `readlinkat`: the target of a symlink, truncated to the buffer and not
//! NUL-terminated. An empty path names `dirfd` itself (an `O_PATH | O_NOFOLLOW` descriptor
//! of a link), as Linux allows.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::{Fd, read_path, write_bytes};
use super::openat::resolve_at;
use crate::proc::Thread;

/// `readlinkat(dirfd, path, buf, bufsiz)`: bytes written; EINVAL for `bufsiz <= 0` or a
/// file that is not a symlink (ENOENT if that file was named by an empty path).
pub async fn sys_readlinkat(t: &Arc<Thread>, dirfd: Fd, path: u64, buf: u64, bufsiz: usize) -> SysResult {
    // Linux takes `int bufsiz`.
    let bufsiz = bufsiz as i32;
    if bufsiz <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = read_path(t, path)?;
    let inode = resolve_at(t, dirfd, &path, false, true).await?;
    if inode.file_type() != FileType::Symlink {
        // Linux 6.x: ENOENT when the empty path named a file that is not a link.
        return Err(if path.is_empty() { Errno::ENOENT } else { Errno::EINVAL }.into());
    }
    let target = inode.readlink().await?;
    let n = target.len().min(bufsiz as usize);
    write_bytes(t, buf, &target.as_bytes()[..n])?;
    Ok(n as isize)
}
