//! `rt_sigprocmask`: the calling thread's blocked set.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SigSet};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
pub fn sys_rt_sigprocmask(
    t: &Arc<Thread>,
    how: u32,
    set: UserPtr<SigSet>,
    old: UserPtr<SigSet>,
    size: usize,
) -> SysResult {
    if size != core::mem::size_of::<SigSet>() {
        return Err(Errno::EINVAL.into());
    }
    let new = set.read_opt(t)?;
    if new.is_some() && ![SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK].contains(&(how as i32)) {
        return Err(Errno::EINVAL.into());
    }
    let cur = *t.sigmask.lock();
    if let Some(s) = new {
        let next = match how as i32 {
            SIG_BLOCK => cur.union(s),
            SIG_UNBLOCK => cur.difference(s),
            _ => s,
        };
        *t.sigmask.lock() = next.difference(SigSet::UNBLOCKABLE);
    }
    // As Linux: the new mask is in force even if writing the old one back faults.
    old.write_opt(t, &cur)?;
    Ok(0)
}
