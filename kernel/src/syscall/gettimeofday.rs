//! `gettimeofday` and `time`.

use alloc::sync::Arc;

use kairos_abi::types::{Timeval, Timezone};

use super::SysResult;
use super::args::{UserPtr, write_val};
use crate::proc::Thread;

/// `gettimeofday(tv, tz)`.
pub fn sys_gettimeofday(t: &Arc<Thread>, tv: UserPtr<Timeval>, tz: u64) -> SysResult {
    let ns = crate::time::realtime_ns();
    tv.write_opt(t, &super::getrusage::ns_to_timeval(ns))?;
    if tz != 0 {
        write_val(t, tz, &Timezone { tz_minuteswest: 0, tz_dsttime: 0 })?;
    }
    Ok(0)
}

/// `time(tloc)`.
pub fn sys_time(t: &Arc<Thread>, tloc: u64) -> SysResult {
    let secs = (crate::time::realtime_ns() / 1_000_000_000) as i64;
    if tloc != 0 {
        write_val(t, tloc, &secs)?;
    }
    Ok(secs as isize)
}
