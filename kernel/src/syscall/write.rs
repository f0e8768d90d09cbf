//! `write`, `writev`, `pwrite64` and `pwritev`: user data is copied in 64 KiB steps and
//! handed to the file, until all of it is written or a step writes less (a full pipe in
//! non-blocking mode, a full disk). A pipe write of at most `PIPE_BUF` bytes is one step, so
//! it stays atomic, even when gathered from several iovecs.

use alloc::sync::Arc;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::{SIGXFSZ, SigInfo};
use kairos_abi::types::{RLIM_INFINITY, RLIMIT_FSIZE};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::Fd;
use super::read::{STEP, UserBufs, can_write, io_file, positioned_file};
use crate::file::{File, FileKind};
use crate::proc::{Thread, signal};

/// Writes `bufs` at `at` (pwrite) or at the file offset (or end, with `O_APPEND`), which
/// then advances. An error after some bytes were written ends the transfer with that count.
async fn write_from(t: &Arc<Thread>, file: &File, bufs: &UserBufs, at: Option<u64>) -> SysResult {
    if let FileKind::Socket(sock) = &file.kind {
        return super::sendmsg::write_socket(t, sock, file, bufs).await;
    }
    let mut done = 0;
    loop {
        let step_len = (bufs.total - done).min(STEP);
        let step = match fsize_allowance(t, file, at.map(|off| off + done as u64), step_len) {
            Ok(want) => match bufs.gather(t, done, want) {
                Ok(data) => match at {
                    None => file.write(t, &data).await,
                    Some(off) => file.write_at(t, pwrite_offset(file, off + done as u64), &data).await,
                },
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let n = match step {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += n;
        if n < step_len || done == bufs.total {
            break;
        }
    }
    Ok(done as isize)
}

/// How many of `len` bytes may be written to `file` at `at` (or its current write
/// position) under `RLIMIT_FSIZE`: regular files are cut at the limit, and a write starting
/// at or past it fails with EFBIG and SIGXFSZ (Linux's `generic_write_check_limits`).
fn fsize_allowance(t: &Arc<Thread>, file: &File, at: Option<u64>, len: usize) -> Result<usize> {
    let FileKind::Inode(inode) = &file.kind else {
        return Ok(len);
    };
    if inode.file_type() != FileType::Regular {
        return Ok(len);
    }
    let pos = match at {
        Some(off) => pwrite_offset(file, off),
        None if file.flags().contains(OpenFlags::O_APPEND) => inode.metadata().size,
        None => file.offset(),
    };
    let room = check_fsize(t, pos)?;
    Ok(len.min(usize::try_from(room).unwrap_or(usize::MAX)))
}

/// Bytes a regular file may grow to beyond offset `pos` under `RLIMIT_FSIZE` (u64::MAX
/// without a limit); EFBIG, after raising SIGXFSZ, when `pos` is at or past the limit.
pub(super) fn check_fsize(t: &Arc<Thread>, pos: u64) -> Result<u64> {
    let (limit, uid) = {
        let st = t.process.state.lock();
        (st.rlimits[RLIMIT_FSIZE as usize].0, st.uid[0])
    };
    if limit == RLIM_INFINITY {
        return Ok(u64::MAX);
    }
    if pos >= limit {
        signal::send_to_thread(t, SigInfo::user(SIGXFSZ, t.process.pid, uid));
        return Err(Errno::EFBIG.into());
    }
    Ok(limit - pos)
}

/// Where a pwrite lands: at `off`, except that Linux appends on an `O_APPEND` file even then
/// (documented under BUGS in pwrite(2)).
fn pwrite_offset(file: &File, off: u64) -> u64 {
    match &file.kind {
        FileKind::Inode(inode) if file.flags().contains(OpenFlags::O_APPEND) => inode.metadata().size,
        _ => off,
    }
}

/// The file for a write: open for writing (EBADF otherwise).
fn writable_file(t: &Thread, fd: Fd) -> Result<Arc<File>> {
    let file = io_file(t, fd)?;
    if !can_write(&file) {
        return Err(Errno::EBADF.into());
    }
    Ok(file)
}

/// The file for a positioned write (EINVAL, EBADF, ESPIPE in Linux's order).
fn positioned_writable(t: &Thread, fd: Fd, offset: i64) -> Result<Arc<File>> {
    let file = positioned_file(t, fd, offset)?;
    if !can_write(&file) {
        return Err(Errno::EBADF.into());
    }
    Ok(file)
}

/// `write(fd, buf, count)`.
pub async fn sys_write(t: &Arc<Thread>, fd: Fd, buf: u64, count: usize) -> SysResult {
    let file = writable_file(t, fd)?;
    write_from(t, &file, &UserBufs::single(buf, count)?, None).await
}

/// `writev(fd, iov, iovcnt)`.
pub async fn sys_writev(t: &Arc<Thread>, fd: Fd, iov: u64, iovcnt: usize) -> SysResult {
    let file = writable_file(t, fd)?;
    write_from(t, &file, &UserBufs::from_iovec(t, iov, iovcnt)?, None).await
}

/// `pwrite64(fd, buf, count, offset)`: writes at `offset`, leaving the file offset alone.
pub async fn sys_pwrite64(t: &Arc<Thread>, fd: Fd, buf: u64, count: usize, offset: i64) -> SysResult {
    let file = positioned_writable(t, fd, offset)?;
    write_from(t, &file, &UserBufs::single(buf, count)?, Some(offset as u64)).await
}

/// `pwritev(fd, iov, iovcnt, offset)`.
pub async fn sys_pwritev(t: &Arc<Thread>, fd: Fd, iov: u64, iovcnt: usize, offset: i64) -> SysResult {
    let file = positioned_writable(t, fd, offset)?;
    write_from(t, &file, &UserBufs::from_iovec(t, iov, iovcnt)?, Some(offset as u64)).await
}
