//! `read`, `readv`, `pread64` and `preadv`, and the transfer machinery `write.rs` shares:
//! user buffers as a list of segments ([`UserBufs`]) and data moved through a kernel bounce
//! buffer of at most 64 KiB per step.
//!
//! Streams (pipes, terminals) are read once — a read returns what is there after waiting for
//! at least something — while positioned files (regular files, memory devices) are read step
//! by step until the request is satisfied or a short read marks the end of the data.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use kairos_abi::flags::OpenFlags;
use kairos_abi::types::{Iovec, UIO_MAXIOV};
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{Fd, UserPtr};
use crate::file::File;
use crate::mm::vm::VmProt;
use crate::proc::Thread;

/// Most bytes one call transfers (Linux's `MAX_RW_COUNT`); larger requests are clamped.
const MAX_RW_COUNT: usize = 0x7fff_f000;

/// Size of one step through the kernel bounce buffer.
pub(super) const STEP: usize = 64 * 1024;

/// End of the user half of the address space.
const USER_END: u64 = 0x0000_8000_0000_0000;

/// Linux's `access_ok`: does `[addr, addr + len)` lie in user space?
pub(super) fn access_ok(addr: u64, len: usize) -> bool {
    addr.checked_add(len as u64).is_some_and(|end| end <= USER_END)
}

/// The open file behind `fd` for I/O-like calls: `O_PATH` descriptors count as closed
/// (EBADF), as in Linux's `fdget`.
pub(super) fn io_file(t: &Thread, fd: Fd) -> Result<Arc<File>> {
    let file = fd.file(t)?;
    if file.flags().contains(OpenFlags::O_PATH) {
        return Err(Errno::EBADF.into());
    }
    Ok(file)
}

/// Was the file opened for reading?
pub(super) fn can_read(file: &File) -> bool {
    matches!(file.flags().access_mode(), 0 | 2)
}

/// Was the file opened for writing?
pub(super) fn can_write(file: &File) -> bool {
    matches!(file.flags().access_mode(), 1 | 2)
}

/// The user memory of one transfer: segments in order, `total` bytes in all (clamped to
/// [`MAX_RW_COUNT`]).
pub(super) struct UserBufs {
    segs: Vec<(u64, usize)>,
    /// Bytes to transfer.
    pub(super) total: usize,
}

impl UserBufs {
    /// One buffer (`read`/`write`); EFAULT if it is not in user space.
    pub(super) fn single(addr: u64, len: usize) -> Result<UserBufs> {
        let len = len.min(MAX_RW_COUNT);
        if !access_ok(addr, len) {
            return Err(Errno::EFAULT.into());
        }
        Ok(UserBufs { segs: vec![(addr, len)], total: len })
    }

    /// The `iovcnt` buffers of an iovec array (Linux's `import_iovec`): EINVAL for more than
    /// `UIO_MAXIOV` or a negative length, EFAULT for an unreadable array or a buffer outside
    /// user space; the total is clamped by shortening the buffers.
    pub(super) fn from_iovec(t: &Thread, iov: u64, iovcnt: usize) -> Result<UserBufs> {
        if iovcnt > UIO_MAXIOV {
            return Err(Errno::EINVAL.into());
        }
        let iovs = if iovcnt == 0 { Vec::new() } else { UserPtr::<Iovec>::new(iov).read_array(t, iovcnt)? };
        let mut segs = Vec::with_capacity(iovs.len());
        let mut total = 0usize;
        for v in iovs {
            if v.iov_len > isize::MAX as u64 {
                return Err(Errno::EINVAL.into());
            }
            let len = (v.iov_len as usize).min(MAX_RW_COUNT - total);
            if !access_ok(v.iov_base, len) {
                return Err(Errno::EFAULT.into());
            }
            total += len;
            segs.push((v.iov_base, len));
        }
        Ok(UserBufs { segs, total })
    }

    /// The user ranges covering bytes `[pos, pos + len)` of the transfer.
    fn ranges(&self, mut pos: usize, mut len: usize) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.segs.iter().filter_map(move |&(addr, seg_len)| {
            if pos >= seg_len {
                pos -= seg_len;
                return None;
            }
            if len == 0 {
                return None;
            }
            let n = (seg_len - pos).min(len);
            let range = (addr + pos as u64, n);
            pos = 0;
            len -= n;
            Some(range)
        })
    }

    /// Copies `data` to the user buffers at transfer position `pos`.
    pub(super) fn scatter(&self, t: &Thread, pos: usize, data: &[u8]) -> Result<()> {
        let mut done = 0;
        for (addr, n) in self.ranges(pos, data.len()) {
            super::args::write_bytes(t, addr, &data[done..done + n])?;
            done += n;
        }
        Ok(())
    }

    /// How many of the first `len` bytes of the transfer land in writable mappings. A stream
    /// read is limited to them, so data the caller cannot take stays queued (Linux stops
    /// copying at the first fault and consumes only what it copied).
    fn writable_prefix(&self, t: &Thread, len: usize) -> usize {
        let mm = t.mm();
        let mm = mm.lock();
        let mut ok = 0;
        for (addr, n) in self.ranges(0, len) {
            let end = addr + n as u64;
            let mut a = addr;
            while a < end {
                match mm.find_vma(a) {
                    Some(vma) if vma.prot.contains(VmProt::WRITE) => a = vma.end.min(end),
                    _ => return ok + (a - addr) as usize,
                }
            }
            ok += n;
        }
        ok
    }

    /// Copies `len` bytes at transfer position `pos` out of the user buffers.
    pub(super) fn gather(&self, t: &Thread, pos: usize, len: usize) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(len);
        for (addr, n) in self.ranges(pos, len) {
            out.extend_from_slice(&super::args::read_bytes(t, addr, n)?);
        }
        Ok(out)
    }
}

/// Reads into `bufs` at `at` (pread) or at the file offset, which then advances. Returns
/// the byte count; an error after some bytes moved ends the transfer with that count.
pub(super) async fn read_into(t: &Arc<Thread>, file: &File, bufs: &UserBufs, at: Option<u64>) -> SysResult {
    if let crate::file::FileKind::Socket(sock) = &file.kind {
        return super::recvmsg::read_socket(t, sock, file, bufs).await;
    }
    let mut kbuf = vec![0u8; bufs.total.min(STEP)];
    if !file.seekable() {
        // A stream: one read of what is there (waiting only while nothing is).
        let room = bufs.writable_prefix(t, kbuf.len());
        if room == 0 && !kbuf.is_empty() {
            return Err(Errno::EFAULT.into());
        }
        let n = file.read(t, &mut kbuf[..room]).await?;
        bufs.scatter(t, 0, &kbuf[..n])?;
        return Ok(n as isize);
    }
    let start = at.unwrap_or_else(|| file.offset());
    let mut done = 0;
    loop {
        let want = (bufs.total - done).min(STEP);
        let step = match file.read_at(t, start + done as u64, &mut kbuf[..want]).await {
            Ok(n) => bufs.scatter(t, done, &kbuf[..n]).map(|()| n),
            Err(e) => Err(e),
        };
        let n = match step {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += n;
        if n < want || done == bufs.total {
            break;
        }
    }
    if at.is_none() {
        file.set_offset(start + done as u64);
    }
    Ok(done as isize)
}

/// The file for a read: open for reading (EBADF otherwise).
fn readable_file(t: &Thread, fd: Fd) -> Result<Arc<File>> {
    let file = io_file(t, fd)?;
    if !can_read(&file) {
        return Err(Errno::EBADF.into());
    }
    Ok(file)
}

/// The file for a positioned read or write (EINVAL for a negative offset, checked first;
/// ESPIPE for streams).
pub(super) fn positioned_file(t: &Thread, fd: Fd, offset: i64) -> Result<Arc<File>> {
    if offset < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = io_file(t, fd)?;
    if !file.seekable() {
        return Err(Errno::ESPIPE.into());
    }
    Ok(file)
}

/// `read(fd, buf, count)`.
pub async fn sys_read(t: &Arc<Thread>, fd: Fd, buf: u64, count: usize) -> SysResult {
    let file = readable_file(t, fd)?;
    read_into(t, &file, &UserBufs::single(buf, count)?, None).await
}

/// `readv(fd, iov, iovcnt)`.
pub async fn sys_readv(t: &Arc<Thread>, fd: Fd, iov: u64, iovcnt: usize) -> SysResult {
    let file = readable_file(t, fd)?;
    read_into(t, &file, &UserBufs::from_iovec(t, iov, iovcnt)?, None).await
}

/// `pread64(fd, buf, count, offset)`: reads at `offset`, leaving the file offset alone.
pub async fn sys_pread64(t: &Arc<Thread>, fd: Fd, buf: u64, count: usize, offset: i64) -> SysResult {
    let file = positioned_file(t, fd, offset)?;
    if !can_read(&file) {
        return Err(Errno::EBADF.into());
    }
    read_into(t, &file, &UserBufs::single(buf, count)?, Some(offset as u64)).await
}

/// `preadv(fd, iov, iovcnt, offset)`.
pub async fn sys_preadv(t: &Arc<Thread>, fd: Fd, iov: u64, iovcnt: usize, offset: i64) -> SysResult {
    let file = positioned_file(t, fd, offset)?;
    if !can_read(&file) {
        return Err(Errno::EBADF.into());
    }
    read_into(t, &file, &UserBufs::from_iovec(t, iov, iovcnt)?, Some(offset as u64)).await
}
