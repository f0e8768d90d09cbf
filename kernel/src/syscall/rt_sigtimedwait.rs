//! `rt_sigtimedwait`: synchronously accept a signal from a set.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{SigInfo, SigSet};
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::UserPtr;
use super::clock_gettime::timespec_to_ns;
use crate::proc::{Thread, signal};

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: returns the signal number; EAGAIN on
/// timeout; EINTR when another (handled) signal interrupts the wait.
pub async fn sys_rt_sigtimedwait(
    t: &Arc<Thread>,
    set: UserPtr<SigSet>,
    info: UserPtr<SigInfo>,
    timeout: UserPtr<Timespec>,
    size: usize,
) -> SysResult {
    if size != core::mem::size_of::<SigSet>() {
        return Err(Errno::EINVAL.into());
    }
    let set = set.read(t)?.difference(SigSet::UNBLOCKABLE);
    let deadline = match timeout.read_opt(t)? {
        Some(ts) => Some(crate::time::now_ns().saturating_add(timespec_to_ns(&ts)?)),
        None => None,
    };
    let take = || signal::dequeue_from(t, set);
    let got = match take() {
        Some(i) => Some(i),
        None if deadline.is_some_and(|d| d <= crate::time::now_ns()) => None,
        None => {
            // Wait for a signal in `set` (or any other deliverable one, which interrupts).
            let wait = t.signal_wait.wait_until(|| {
                if let Some(i) = take() {
                    return Some(Some(i));
                }
                signal::has_interruption(t).then_some(None)
            });
            let sleep = async {
                match deadline {
                    Some(d) => crate::sched::spawner().sleep_until(d).await,
                    None => core::future::pending::<()>().await,
                }
            };
            let mut wait = core::pin::pin!(wait);
            let mut sleep = core::pin::pin!(sleep);
            let r = core::future::poll_fn(|cx| {
                use core::future::Future;
                if let core::task::Poll::Ready(v) = wait.as_mut().poll(cx) {
                    return core::task::Poll::Ready(Some(v));
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return core::task::Poll::Ready(None);
                }
                core::task::Poll::Pending
            })
            .await;
            match r {
                Some(Some(i)) => Some(i),
                Some(None) => return Err(Errno::EINTR.into()),
                None => take(),
            }
        }
    };
    match got {
        Some(i) => {
            info.write_opt(t, &i)?;
            Ok(i.signo as isize)
        }
        None => Err(Errno::EAGAIN.into()),
    }
}
