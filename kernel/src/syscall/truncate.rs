//! `truncate` and `ftruncate`: set a regular file's size (cutting or extending with zeros).
//! A negative length is EINVAL; `truncate` of a directory is EISDIR, of another
//! non-regular file EINVAL; `ftruncate` needs a regular file opened for writing (EINVAL).
//! Permission to write goes through the VFS permission hook; growing a file past
//! `RLIMIT_FSIZE` is EFBIG with SIGXFSZ.

use alloc::sync::Arc;

use kairos_abi::at::AT_FDCWD;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Access, FileType, Inode, SetAttr};

use super::SysResult;
use super::args::Fd;
use super::openat::{credentials, file_inode, lookup_at};
use super::read::{can_write, io_file};
use super::write::check_fsize;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Sets the size of `inode`; growing it past `RLIMIT_FSIZE` is EFBIG (with SIGXFSZ).
async fn set_size(t: &Arc<Thread>, inode: &dyn Inode, length: i64) -> Result<()> {
    let length = length as u64;
    if length > inode.metadata().size && length > 0 {
        check_fsize(t, length - 1)?;
    }
    inode.setattr_async(&SetAttr { size: Some(length), ..SetAttr::default() }).await?;
    crate::mm::pagecache::truncated(inode, length);
    Ok(())
}

/// `truncate(path, length)`: follows symlinks; needs write permission.
pub async fn sys_truncate(t: &Arc<Thread>, path: u64, length: i64) -> SysResult {
    if length < 0 {
        return Err(Errno::EINVAL.into());
    }
    let inode = lookup_at(t, Fd(AT_FDCWD), path, true, false).await?;
    match inode.file_type() {
        FileType::Directory => return Err(Errno::EISDIR.into()),
        FileType::Regular => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    if vfs().is_read_only(&*inode) {
        return Err(Errno::EROFS.into());
    }
    vfs().permission(&credentials(t), &*inode, Access::WRITE)?;
    vfs().may_write_contents(&*inode)?;
    set_size(t, &*inode, length).await?;
    Ok(0)
}

/// `ftruncate(fd, length)`.
pub async fn sys_ftruncate(t: &Arc<Thread>, fd: Fd, length: i64) -> SysResult {
    if length < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = io_file(t, fd)?;
    let inode = file_inode(t, &file);
    if inode.file_type() != FileType::Regular || !can_write(&file) {
        return Err(Errno::EINVAL.into());
    }
    set_size(t, &*inode, length).await?;
    Ok(0)
}
