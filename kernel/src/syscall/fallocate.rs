//! `fallocate(fd, mode, offset, len)`: mode 0 (and FALLOC_FL_KEEP_SIZE) make sure the range
//! is backed; the filesystems here allocate on write, so mode 0 extends the file size when the
//! range ends past it and KEEP_SIZE has nothing to do. Punching holes, collapsing, zeroing
//! and inserting ranges are EOPNOTSUPP (what Linux returns for a filesystem without them).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_fs::vfs::{FileType, SetAttr};

use super::SysResult;
use super::args::Fd;
use super::read::{can_write, io_file};
use crate::fsctx::vfs;
use crate::proc::Thread;

const FALLOC_FL_KEEP_SIZE: i32 = 1;
const FALLOC_FL_PUNCH_HOLE: i32 = 2;
const FALLOC_FL_COLLAPSE_RANGE: i32 = 8;
const FALLOC_FL_ZERO_RANGE: i32 = 0x10;
const FALLOC_FL_INSERT_RANGE: i32 = 0x20;
const FALLOC_FL_UNSHARE_RANGE: i32 = 0x40;
const KNOWN: i32 = FALLOC_FL_KEEP_SIZE
    | FALLOC_FL_PUNCH_HOLE
    | FALLOC_FL_COLLAPSE_RANGE
    | FALLOC_FL_ZERO_RANGE
    | FALLOC_FL_INSERT_RANGE
    | FALLOC_FL_UNSHARE_RANGE;

/// `fallocate(fd, mode, offset, len)`.
pub async fn sys_fallocate(t: &Arc<Thread>, fd: Fd, mode: i32, offset: i64, len: i64) -> SysResult {
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL.into());
    }
    if mode & !KNOWN != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let file = io_file(t, fd)?;
    if !can_write(&file) {
        return Err(Errno::EBADF.into());
    }
    let Some(inode) = file.inode.clone() else { return Err(Errno::ENODEV.into()) };
    match inode.file_type() {
        FileType::Regular => {}
        FileType::Directory => return Err(Errno::EISDIR.into()),
        FileType::Fifo => return Err(Errno::ESPIPE.into()),
        _ => return Err(Errno::ENODEV.into()),
    }
    let end = (offset as u64).checked_add(len as u64).filter(|&e| e <= i64::MAX as u64).ok_or(Errno::EFBIG)?;
    if mode & !FALLOC_FL_KEEP_SIZE != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    if vfs().is_read_only(&*inode) {
        return Err(Errno::EROFS.into());
    }
    if mode & FALLOC_FL_KEEP_SIZE == 0 && end > inode.metadata().size {
        super::write::check_fsize(t, end - 1)?;
        inode.setattr_async(&SetAttr { size: Some(end), ..SetAttr::default() }).await?;
    }
    Ok(0)
}
