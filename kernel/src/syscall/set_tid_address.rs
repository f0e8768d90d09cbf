//! `set_tid_address`: remember where to clear and futex-wake on thread exit.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::SysResult;
use crate::proc::Thread;

/// `set_tid_address(tidptr)`: returns the caller's tid.
pub fn sys_set_tid_address(t: &Arc<Thread>, tidptr: u64) -> SysResult {
    t.clear_child_tid.store(tidptr, Ordering::Relaxed);
    Ok(t.tid() as isize)
}
