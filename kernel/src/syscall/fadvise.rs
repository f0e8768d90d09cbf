//! `fadvise64(fd, offset, len, advice)` and `readahead(fd, offset, count)`: access-pattern
//! hints. They are validated exactly as Linux does (EBADF, ESPIPE for pipes, EINVAL for an
//! unknown advice or a negative length); the hint itself changes nothing here because the
//! caches below already read ahead along extents.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::Fd;
use super::read::{can_read, io_file};
use crate::file::FileKind;
use crate::proc::Thread;

/// `fadvise64(fd, offset, len, advice)`.
pub fn sys_fadvise64(t: &Arc<Thread>, fd: Fd, _offset: i64, len: i64, advice: i32) -> SysResult {
    let file = io_file(t, fd)?;
    if matches!(file.kind, FileKind::Pipe(..)) || file.inode.as_ref().is_some_and(|i| i.file_type() == FileType::Fifo) {
        return Err(Errno::ESPIPE.into());
    }
    if len < 0 || !(0..=5).contains(&advice) {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

/// `readahead(fd, offset, count)`: EBADF unless open for reading, EINVAL for files that are
/// not regular.
pub fn sys_readahead(t: &Arc<Thread>, fd: Fd, _offset: i64, _count: u64) -> SysResult {
    let file = io_file(t, fd)?;
    if !can_read(&file) {
        return Err(Errno::EBADF.into());
    }
    match &file.kind {
        FileKind::Inode(i) if i.file_type() == FileType::Regular => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}
