//! `set_robust_list` / `get_robust_list`: the head is recorded (and reported back); walking
//! the list to release a dead thread's robust mutexes is not done yet.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::Errno;

use super::SysResult;
use super::args::write_val;
use crate::proc::{Thread, process};

/// Size of `struct robust_list_head` on x86_64.
const ROBUST_LIST_HEAD_SIZE: usize = 24;

/// `set_robust_list(head, len)`.
pub fn sys_set_robust_list(t: &Arc<Thread>, head: u64, len: usize) -> SysResult {
    if len != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL.into());
    }
    t.robust_list.store(head, Ordering::Relaxed);
    Ok(0)
}

/// `get_robust_list(pid, head_ptr, len_ptr)`.
pub fn sys_get_robust_list(t: &Arc<Thread>, pid: i32, head_ptr: u64, len_ptr: u64) -> SysResult {
    let target = if pid == 0 { t.clone() } else { process::find_thread(pid as u32).ok_or(Errno::ESRCH)? };
    write_val(t, head_ptr, &target.robust_list.load(Ordering::Relaxed))?;
    write_val(t, len_ptr, &(ROBUST_LIST_HEAD_SIZE as u64))?;
    Ok(0)
}
