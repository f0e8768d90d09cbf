//! `clock_gettime`.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::Errno;
use kairos_abi::flags::*;
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

/// Nanoseconds as a `timespec`.
pub fn ns_to_timespec(ns: u64) -> Timespec {
    Timespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
}

/// A `timespec` as nanoseconds (EINVAL when out of range).
pub fn timespec_to_ns(ts: &Timespec) -> kairos_abi::Result<u64> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL.into());
    }
    Ok((ts.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec as u64))
}

/// The current value of `clock` in nanoseconds.
pub fn clock_now(t: &Thread, clock: i32) -> kairos_abi::Result<u64> {
    Ok(match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => crate::time::realtime_ns(),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => crate::time::now_ns(),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            t.process.cpu_ns.0.load(Ordering::Relaxed) + t.process.cpu_ns.1.load(Ordering::Relaxed)
        }
        _ => return Err(Errno::EINVAL.into()),
    })
}

/// `clock_gettime(clock, tp)`.
pub fn sys_clock_gettime(t: &Arc<Thread>, clock: i32, tp: UserPtr<Timespec>) -> SysResult {
    let ns = clock_now(t, clock)?;
    tp.write(t, &ns_to_timespec(ns))?;
    Ok(0)
}
