//! `getdents64`: directory entries as `struct linux_dirent64` records, continuing from the
//! file offset (a filesystem readdir cookie, which `lseek` may set back to one it returned).

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use kairos_abi::types::write_dirent64;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::Inode;

use super::SysResult;
use super::args::{Fd, write_bytes};
use super::read::{STEP, access_ok, io_file};
use crate::file::FileKind;
use crate::proc::Thread;

/// `getdents64(fd, dirp, count)`: bytes of records written, 0 at the end. EINVAL if not even
/// the next record fits, ENOTDIR if `fd` is not a directory, ENOENT once it was removed,
/// EFAULT for a bad buffer.
pub async fn sys_getdents64(t: &Arc<Thread>, fd: Fd, dirp: u64, count: usize) -> SysResult {
    let file = io_file(t, fd)?;
    let FileKind::Inode(dir) = &file.kind else {
        return Err(Errno::ENOTDIR.into());
    };
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    let count = count.min(i32::MAX as usize);
    if !access_ok(dirp, count) {
        return Err(Errno::EFAULT.into());
    }
    // A removed directory cannot be listed any more (Linux's IS_DEADDIR check).
    if dir.metadata().nlink == 0 {
        return Err(Errno::ENOENT.into());
    }
    let (records, offset, full) = fill(&**dir, file.offset(), count.min(STEP)).await?;
    if records.is_empty() && full {
        return Err(Errno::EINVAL.into());
    }
    write_bytes(t, dirp, &records)?;
    file.set_offset(offset);
    Ok(records.len() as isize)
}

/// Packs the entries of `dir` from cookie `offset` into at most `room` bytes of records.
/// Returns the records, the offset to continue from, and whether the buffer filled up
/// before the listing ended. A read error after some records ends the batch early.
async fn fill(dir: &dyn Inode, mut offset: u64, room: usize) -> Result<(Vec<u8>, u64, bool)> {
    let mut buf = vec![0u8; room];
    let mut used = 0;
    let full = loop {
        let (entry, next) = match dir.readdir(offset).await {
            Ok(Some(e)) => e,
            Ok(None) => break false,
            Err(_) if used > 0 => break false,
            Err(e) => return Err(e),
        };
        match write_dirent64(&mut buf[used..], entry.ino, next as i64, entry.kind.to_dt(), entry.name.as_bytes()) {
            Some(len) => used += len,
            None => break true,
        }
        offset = next;
    };
    buf.truncate(used);
    Ok((buf, offset, full))
}
