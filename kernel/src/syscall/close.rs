//! `close`: frees a descriptor; the open file lives on while other descriptors (or other
//! processes) still refer to it. Closing any descriptor of a file drops the caller's POSIX
//! record locks on it, as Linux does.

use alloc::sync::Arc;

use super::SysResult;
use super::args::Fd;
use crate::proc::Thread;

/// `close(fd)`: EBADF if `fd` is not open.
pub fn sys_close(t: &Arc<Thread>, fd: Fd) -> SysResult {
    let file = t.files().lock().close(fd.0)?;
    super::fcntl::release_locks(t, &file);
    // The last reference (if this was it) is dropped here, outside the table lock.
    drop(file);
    Ok(0)
}
