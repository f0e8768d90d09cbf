//! `umask`: sets the file-creation mask of the caller's filesystem context.

use alloc::sync::Arc;

use super::SysResult;
use crate::proc::Thread;

/// `umask(mask)`: the previous mask; only the permission bits `0777` are kept.
pub fn sys_umask(t: &Arc<Thread>, mask: u32) -> SysResult {
    let fs = t.fs();
    let mut fs = fs.lock();
    let old = fs.umask;
    fs.umask = mask & 0o777;
    Ok(old as isize)
}
