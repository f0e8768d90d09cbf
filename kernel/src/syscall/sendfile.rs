//! `sendfile(out_fd, in_fd, offset, count)`: copies from a file to any writable descriptor
//! through a kernel buffer, in steps; with `offset` the input's file offset is untouched and
//! the user's offset advances instead.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::{Fd, UserPtr};
use super::read::{can_read, can_write, io_file};
use crate::file::FileKind;
use crate::proc::Thread;

const STEP: usize = 64 * 1024;

/// `sendfile(out_fd, in_fd, offset, count)`: EBADF for bad descriptors or wrong access
/// modes, EINVAL for an input that cannot be read at an offset (pipes, terminals), EFAULT
/// for a bad offset pointer.
pub async fn sys_sendfile(t: &Arc<Thread>, out_fd: Fd, in_fd: Fd, offset: UserPtr<i64>, count: usize) -> SysResult {
    let input = io_file(t, in_fd)?;
    let output = io_file(t, out_fd)?;
    if !can_read(&input) || !can_write(&output) {
        return Err(Errno::EBADF.into());
    }
    if !matches!(input.kind, FileKind::Inode(_) | FileKind::Mem(_)) {
        return Err(Errno::EINVAL.into());
    }
    let mut pos = if offset.is_null() {
        None
    } else {
        let v = offset.read(t)?;
        if v < 0 {
            return Err(Errno::EINVAL.into());
        }
        Some(v as u64)
    };
    let count = count.min(0x7fff_f000);
    let mut done = 0usize;
    let mut buf = alloc::vec![0u8; STEP.min(count.max(1))];
    while done < count {
        let want = (count - done).min(buf.len());
        let n = match pos {
            Some(p) => input.read_at(t, p, &mut buf[..want]).await,
            None => input.read(t, &mut buf[..want]).await,
        };
        let n = match n {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let w = match output.write(t, &buf[..n]).await {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        match pos.as_mut() {
            Some(p) => *p += w as u64,
            None if w < n => input.set_offset(input.offset() - (n - w) as u64),
            None => {}
        }
        if w < n {
            break;
        }
    }
    if let Some(p) = pos {
        offset.write(t, &(p as i64))?;
    }
    Ok(done as isize)
}
