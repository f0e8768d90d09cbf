//! `getpid`, `getppid`, `gettid`.

use alloc::sync::Arc;

use super::SysResult;
use crate::proc::Thread;

/// `getpid()`: the thread group id.
pub fn sys_getpid(t: &Arc<Thread>) -> SysResult {
    Ok(t.process.pid as isize)
}

/// `getppid()`: the parent's pid (0 for init).
pub fn sys_getppid(t: &Arc<Thread>) -> SysResult {
    Ok(t.process.ppid() as isize)
}

/// `gettid()`.
pub fn sys_gettid(t: &Arc<Thread>) -> SysResult {
    Ok(t.tid() as isize)
}
