//! `clock_nanosleep`: relative or absolute (TIMER_ABSTIME) sleeps on REALTIME, MONOTONIC
//! and BOOTTIME.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::*;
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::UserPtr;
use super::clock_gettime::timespec_to_ns;
use crate::proc::Thread;

/// `clock_nanosleep(clock, flags, req, rem)`: errors are returned as positive numbers by
/// libc, but the raw syscall uses -errno like every other.
pub async fn sys_clock_nanosleep(
    t: &Arc<Thread>,
    clock: i32,
    flags: u32,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SysResult {
    let ns = timespec_to_ns(&req.read(t)?)?;
    let now = crate::time::now_ns();
    let deadline = match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {
            if flags & TIMER_ABSTIME as u32 != 0 {
                let clock_now = super::clock_gettime::clock_now(t, clock)?;
                now.saturating_add(ns.saturating_sub(clock_now))
            } else {
                now.saturating_add(ns)
            }
        }
        // Known clocks that cannot be slept on: EOPNOTSUPP, as Linux.
        CLOCK_THREAD_CPUTIME_ID | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_REALTIME_COARSE => {
            return Err(Errno::EOPNOTSUPP.into());
        }
        CLOCK_PROCESS_CPUTIME_ID => {
            log::warn!(target: "syscall", "clock_nanosleep on CLOCK_PROCESS_CPUTIME_ID is not supported");
            return Err(Errno::EOPNOTSUPP.into());
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    // Absolute sleeps never report a remaining time and restart transparently.
    let rem = if flags & TIMER_ABSTIME as u32 != 0 { None } else { Some(rem) };
    match super::nanosleep::sleep_until(t, deadline, rem).await {
        Err(e) if flags & TIMER_ABSTIME as u32 != 0 && e.errno() == Errno::ERESTART_RESTARTBLOCK => {
            Err(Errno::ERESTARTNOHAND.into())
        }
        r => r,
    }
}
