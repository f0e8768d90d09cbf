//! `rt_sigsuspend` and `pause`: wait for a signal. Both always fail with EINTR once a handler
//! ran (ERESTARTNOHAND: a signal without handler, such as a stop/continue, resumes the wait).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::SigSet;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::{Thread, signal};

/// `rt_sigsuspend(mask, sigsetsize)`: waits with `mask` installed; the old mask comes back
/// after the handler runs (kept in `saved_sigmask` until delivery).
pub async fn sys_rt_sigsuspend(t: &Arc<Thread>, mask: UserPtr<SigSet>, size: usize) -> SysResult {
    if size != core::mem::size_of::<SigSet>() {
        return Err(Errno::EINVAL.into());
    }
    let new = mask.read(t)?.difference(SigSet::UNBLOCKABLE);
    let old = core::mem::replace(&mut *t.sigmask.lock(), new);
    *t.saved_sigmask.lock() = Some(old);
    signal::interrupted(t).await;
    Err(Errno::ERESTARTNOHAND.into())
}

/// `pause()`.
pub async fn sys_pause(t: &Arc<Thread>) -> SysResult {
    signal::interrupted(t).await;
    Err(Errno::ERESTARTNOHAND.into())
}
