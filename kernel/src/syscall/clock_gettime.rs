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

/// CPU time of the process (or thread) a dynamic CPU clock id names (`clock_getcpuclockid`,
/// `pthread_getcpuclockid`): `~pid << 3 | type`, bit 2 set for a thread, type 0..=2.
fn cpu_clock_now(t: &Thread, clock: i32) -> kairos_abi::Result<u64> {
    let id = !(clock >> 3) as u32;
    if clock & 3 == 3 {
        return Err(Errno::EINVAL.into());
    }
    let p = if id == 0 {
        t.process.clone()
    } else if clock & 4 != 0 {
        crate::proc::process::find_thread(id).ok_or(Errno::EINVAL)?.process.clone()
    } else {
        crate::proc::process::find_process(id).filter(|p| !p.is_zombie()).ok_or(Errno::EINVAL)?
    };
    Ok(p.cpu_ns.0.load(Ordering::Relaxed) + p.cpu_ns.1.load(Ordering::Relaxed))
}

/// The current value of `clock` in nanoseconds.
pub fn clock_now(t: &Thread, clock: i32) -> kairos_abi::Result<u64> {
    if clock < 0 {
        return cpu_clock_now(t, clock);
    }
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

/// `clock_settime(clock, tp)`: only CLOCK_REALTIME can be set (root).
pub fn sys_clock_settime(t: &Arc<Thread>, clock: i32, tp: UserPtr<Timespec>) -> SysResult {
    let ts = tp.read(t)?;
    if clock != CLOCK_REALTIME {
        return Err(Errno::EINVAL.into());
    }
    let ns = timespec_to_ns(&ts)?;
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    crate::time::set_realtime_ns(ns);
    Ok(0)
}
