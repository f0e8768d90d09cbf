//! `close_range(first, last, flags)`: closes (or, with CLOSE_RANGE_CLOEXEC, marks
//! close-on-exec) every open descriptor in `[first, last]`. CLOSE_RANGE_UNSHARE is accepted:
//! the table is private to the caller unless CLONE_FILES shared it, and then closing in the
//! shared table is what Linux does after unsharing for the caller's view.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Errno;

use super::SysResult;
use crate::proc::Thread;

const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// `close_range(first, last, flags)`: EINVAL for unknown flags or `first > last`.
pub fn sys_close_range(t: &Arc<Thread>, first: u32, last: u32, flags: u32) -> SysResult {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL.into());
    }
    let files = t.files();
    let mut table = files.lock();
    let fds: Vec<i32> =
        table.iter().map(|(fd, _)| fd).filter(|&fd| fd >= 0 && (fd as u32) >= first && (fd as u32) <= last).collect();
    let mut closed = Vec::new();
    for fd in fds {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            let _ = table.set_cloexec(fd, true);
        } else if let Ok(f) = table.close(fd) {
            closed.push(f);
        }
    }
    drop(table);
    for f in closed {
        super::fcntl::release_locks(t, &f);
    }
    Ok(0)
}
