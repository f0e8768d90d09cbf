//! `sched_getaffinity` / `sched_setaffinity`: Kairos runs on one CPU, so the only valid
//! mask contains CPU 0.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::{read_bytes, write_bytes};
use crate::proc::{Thread, process};

fn check_target(t: &Thread, pid: i32) -> kairos_abi::Result<()> {
    if pid < 0 || (pid != 0 && pid as u32 != t.tid() && process::find_thread(pid as u32).is_none()) {
        return Err(Errno::ESRCH.into());
    }
    Ok(())
}

/// `sched_getaffinity(pid, len, mask)`: returns the number of bytes written.
pub fn sys_sched_getaffinity(t: &Arc<Thread>, pid: i32, len: usize, mask: u64) -> SysResult {
    check_target(t, pid)?;
    if len < 8 || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL.into());
    }
    write_bytes(t, mask, &1u64.to_le_bytes())?;
    Ok(8)
}

/// `sched_setaffinity(pid, len, mask)`: EINVAL unless CPU 0 is in the mask.
pub fn sys_sched_setaffinity(t: &Arc<Thread>, pid: i32, len: usize, mask: u64) -> SysResult {
    check_target(t, pid)?;
    let bytes = read_bytes(t, mask, len.min(128))?;
    if bytes.first().is_some_and(|b| b & 1 != 0) { Ok(0) } else { Err(Errno::EINVAL.into()) }
}
