//! `nanosleep`: a timer future raced against signals. When a handler interrupts it, the
//! remaining time is written back and the call fails with EINTR; when the signal had no
//! handler (a stop/continue), the sleep restarts for the remaining time.

use alloc::boxed::Box;
use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::UserPtr;
use super::clock_gettime::{ns_to_timespec, timespec_to_ns};
use crate::proc::Thread;
use crate::proc::signal::RestartBlock;

/// Sleeps until `deadline` (monotonic ns). On interruption it writes the remaining time to
/// `rem` (if given), records a restart block and returns ERESTART_RESTARTBLOCK: a handler
/// makes that EINTR, no handler resumes the sleep through `restart_syscall`.
pub async fn sleep_until(t: &Arc<Thread>, deadline: u64, rem: Option<UserPtr<Timespec>>) -> SysResult {
    let sleep = crate::sched::spawner().sleep_until(deadline);
    match super::interruptible(t, sleep).await {
        Ok(()) => Ok(0),
        Err(_) => {
            let left = deadline.saturating_sub(crate::time::now_ns());
            if let Some(r) = rem {
                r.write_opt(t, &ns_to_timespec(left))?;
            }
            *t.restart_block.lock() = Some(RestartBlock::Sleep { deadline, rem: rem.map_or(0, |r| r.addr()) });
            Err(Errno::ERESTART_RESTARTBLOCK.into())
        }
    }
}

/// `nanosleep(req, rem)`.
pub async fn sys_nanosleep(t: &Arc<Thread>, req: UserPtr<Timespec>, rem: UserPtr<Timespec>) -> SysResult {
    let ns = timespec_to_ns(&req.read(t)?)?;
    let deadline = crate::time::now_ns().saturating_add(ns);
    sleep_until(t, deadline, Some(rem)).await
}

/// `restart_syscall()`: resumes the call recorded in the thread's restart block.
pub async fn sys_restart_syscall(t: &Arc<Thread>) -> SysResult {
    // Take the block first: the lock guard must not live across the match (the sleep may
    // store a new block when interrupted again).
    let block = t.restart_block.lock().take();
    match block {
        Some(RestartBlock::Sleep { deadline, rem }) => {
            let rem = (rem != 0).then(|| UserPtr::new(rem));
            Box::pin(sleep_until(t, deadline, rem)).await
        }
        Some(RestartBlock::FutexWait { uaddr, val, bitset, private, deadline }) => {
            Box::pin(super::futex::restart_wait(t, uaddr, val, bitset, private, deadline)).await
        }
        Some(RestartBlock::Poll { fds, nfds, deadline }) => {
            Box::pin(super::poll::restart_poll(t, fds, nfds, deadline)).await
        }
        None => Err(Errno::EINTR.into()),
    }
}
