//! `rt_sigpending`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::SigSet;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

/// `rt_sigpending(set, sigsetsize)`: pending signals that are blocked... and unblocked ones
/// not yet delivered (the union of thread and process pending sets).
pub fn sys_rt_sigpending(t: &Arc<Thread>, set: UserPtr<SigSet>, size: usize) -> SysResult {
    if size > core::mem::size_of::<SigSet>() {
        return Err(Errno::EINVAL.into());
    }
    let pending = t.pending.lock().set.union(t.process.pending.lock().set);
    set.write(t, &pending)?;
    Ok(0)
}
