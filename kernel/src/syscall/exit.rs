//! `exit` (this thread) and `exit_group` (the whole process).

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use super::SysResult;
use crate::proc::process::ExitStatus;
use crate::proc::{Thread, signal};

/// `exit(code)`: ends the calling thread; the process ends with its last thread.
pub fn sys_exit(t: &Arc<Thread>, code: i32) -> SysResult {
    t.exit_code.store(code as u32 & 0xff, Ordering::Relaxed);
    t.exiting.store(true, Ordering::Release);
    Ok(0)
}

/// `exit_group(code)`: ends every thread of the process.
pub fn sys_exit_group(t: &Arc<Thread>, code: i32) -> SysResult {
    t.exit_code.store(code as u32 & 0xff, Ordering::Relaxed);
    signal::group_exit(&t.process, ExitStatus::Exited(code as u8));
    Ok(0)
}
