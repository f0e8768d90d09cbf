//! `lseek`: repositions the offset of an open file. Regular files follow Linux's
//! `generic_file_llseek` (the whole file counts as data for `SEEK_DATA`/`SEEK_HOLE`),
//! directories accept only `SEEK_SET`/`SEEK_CUR` to offsets `getdents64` handed out, the memory
//! devices stay at 0 (`/dev/random` keeps its offset), and streams are ESPIPE.

use alloc::sync::Arc;

use kairos_abi::flags::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{FileType, Inode};

use super::SysResult;
use super::args::Fd;
use super::read::io_file;
use crate::file::{File, FileKind, MemDevice};
use crate::proc::Thread;

/// `lseek(fd, offset, whence)`: the new offset.
pub fn sys_lseek(t: &Arc<Thread>, fd: Fd, offset: i64, whence: u32) -> SysResult {
    let file = io_file(t, fd)?;
    if whence > SEEK_HOLE as u32 {
        return Err(Errno::EINVAL.into());
    }
    let whence = whence as i32;
    let pos = match &file.kind {
        // pidfs files have no llseek: ESPIPE.
        FileKind::Tty(_) | FileKind::PtyMaster(_) | FileKind::Pipe(..) | FileKind::Socket(_) | FileKind::PidFd(_) => {
            return Err(Errno::ESPIPE.into());
        }
        // anon-inode files seek nowhere (Linux's noop_llseek): the offset stays put.
        FileKind::SignalFd(_) | FileKind::Epoll(_) => file.offset() as i64,
        FileKind::Snapshot(data) => {
            let base = match whence {
                SEEK_SET => 0,
                SEEK_CUR => file.offset() as i64,
                SEEK_END => data.len() as i64,
                _ => return Err(Errno::EINVAL.into()),
            };
            base.checked_add(offset).filter(|p| *p >= 0).ok_or(Errno::EINVAL)?
        }
        FileKind::Mem(MemDevice::Random) => file.offset() as i64,
        FileKind::Mem(_) => 0,
        FileKind::Inode(inode) => seek_inode(&file, &**inode, offset, whence)?,
    };
    file.set_offset(pos as u64);
    Ok(pos as isize)
}

/// The new offset within an inode (EINVAL if negative or overflowing, ENXIO for
/// `SEEK_DATA`/`SEEK_HOLE` at or past the end).
fn seek_inode(file: &File, inode: &dyn Inode, offset: i64, whence: i32) -> Result<i64> {
    let cur = file.offset() as i64;
    let invalid = || -> kairos_abi::Error { Errno::EINVAL.into() };
    if inode.file_type() == FileType::Directory {
        let pos = match whence {
            SEEK_SET => offset,
            SEEK_CUR => cur.checked_add(offset).ok_or_else(invalid)?,
            _ => return Err(invalid()),
        };
        return if pos < 0 { Err(invalid()) } else { Ok(pos) };
    }
    let size = inode.metadata().size as i64;
    let pos = match whence {
        SEEK_SET => offset,
        SEEK_CUR => cur.checked_add(offset).ok_or_else(invalid)?,
        SEEK_END => size.checked_add(offset).ok_or_else(invalid)?,
        SEEK_DATA | SEEK_HOLE => {
            if offset < 0 || offset >= size {
                return Err(Errno::ENXIO.into());
            }
            if whence == SEEK_DATA { offset } else { size }
        }
        _ => return Err(invalid()),
    };
    if pos < 0 { Err(invalid()) } else { Ok(pos) }
}
