//! `getitimer` (ITIMER_REAL only, see `setitimer`).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::types::Itimerval;

use super::SysResult;
use super::args::UserPtr;
use super::setitimer::{ITIMER_REAL, current};
use crate::proc::Thread;

/// `getitimer(which, value)`.
pub fn sys_getitimer(t: &Arc<Thread>, which: i32, value: UserPtr<Itimerval>) -> SysResult {
    if which != ITIMER_REAL {
        return Err(Errno::EINVAL.into());
    }
    value.write(t, &current(&t.process))?;
    Ok(0)
}
