//! `getitimer` (see `setitimer`).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::types::Itimerval;

use super::SysResult;
use super::args::UserPtr;
use super::setitimer::{ITIMER_REAL, current};
use crate::proc::Thread;

/// `getitimer(which, value)`.
pub fn sys_getitimer(t: &Arc<Thread>, which: i32, value: UserPtr<Itimerval>) -> SysResult {
    let v = match which {
        ITIMER_REAL => current(&t.process),
        1 | 2 => super::setitimer::current_cpu(&t.process, which),
        _ => return Err(Errno::EINVAL.into()),
    };
    value.write(t, &v)?;
    Ok(0)
}
