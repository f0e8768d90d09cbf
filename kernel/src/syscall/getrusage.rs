//! `getrusage`: CPU time of the caller, its reaped children, or the calling thread.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use bytemuck::Zeroable;
use kairos_abi::Errno;
use kairos_abi::types::{Rusage, Timeval};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

/// Nanoseconds as a `timeval`.
pub fn ns_to_timeval(ns: u64) -> Timeval {
    Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns % 1_000_000_000) / 1000) as i64 }
}

/// `getrusage(who, usage)`.
pub fn sys_getrusage(t: &Arc<Thread>, who: i32, usage: UserPtr<Rusage>) -> SysResult {
    let p = &t.process;
    let (u, s) = match who {
        RUSAGE_SELF | RUSAGE_THREAD => (p.cpu_ns.0.load(Ordering::Relaxed), p.cpu_ns.1.load(Ordering::Relaxed)),
        RUSAGE_CHILDREN => p.state.lock().children_times,
        _ => return Err(Errno::EINVAL.into()),
    };
    let mut r = Rusage::zeroed();
    r.ru_utime = ns_to_timeval(u);
    r.ru_stime = ns_to_timeval(s);
    usage.write(t, &r)?;
    Ok(0)
}
