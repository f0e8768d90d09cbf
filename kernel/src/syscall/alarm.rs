//! `alarm`: ITIMER_REAL in whole seconds.

use alloc::sync::Arc;

use super::SysResult;
use super::setitimer::arm;
use crate::proc::Thread;

/// `alarm(seconds)`: returns the seconds left on the previous alarm (rounded up).
pub fn sys_alarm(t: &Arc<Thread>, seconds: u32) -> SysResult {
    let old = arm(&t.process, u64::from(seconds) * 1_000_000_000, 0);
    let mut left = old.it_value.tv_sec;
    if old.it_value.tv_usec >= 500_000 || (left == 0 && old.it_value.tv_usec > 0) {
        left += 1;
    }
    Ok(left as isize)
}
