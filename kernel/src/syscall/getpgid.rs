//! `getpgid` / `getpgrp`.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use crate::proc::{Thread, process};

/// `getpgid(pid)`: 0 means the caller.
pub fn sys_getpgid(t: &Arc<Thread>, pid: i32) -> SysResult {
    if pid < 0 {
        return Err(Errno::ESRCH.into());
    }
    let p = if pid == 0 { t.process.clone() } else { process::find_process(pid as u32).ok_or(Errno::ESRCH)? };
    Ok(p.state.lock().pgid as isize)
}
