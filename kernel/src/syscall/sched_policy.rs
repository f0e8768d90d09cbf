//! `sched_getscheduler`, `sched_setscheduler`, `sched_getparam`, `sched_setparam`,
//! `sched_get_priority_max/min`, `sched_rr_get_interval`: policies and priorities are kept
//! and reported as Linux does; the cooperative executor does not honour real-time priorities
//! yet.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::{read_val, write_val};
use crate::proc::Thread;
use crate::proc::process::{self, Process};

const SCHED_OTHER: i32 = 0;
const SCHED_FIFO: i32 = 1;
const SCHED_RR: i32 = 2;
const SCHED_BATCH: i32 = 3;
const SCHED_IDLE: i32 = 5;
const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

fn target(t: &Arc<Thread>, pid: i32) -> kairos_abi::Result<Arc<Process>> {
    if pid < 0 {
        return Err(Errno::EINVAL.into());
    }
    if pid == 0 {
        return Ok(t.process.clone());
    }
    process::find_thread(pid as u32).map(|th| th.process.clone()).ok_or(Errno::ESRCH.into())
}

fn priority_range(policy: i32) -> kairos_abi::Result<(i32, i32)> {
    match policy {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok((0, 0)),
        _ => Err(Errno::EINVAL.into()),
    }
}

/// `sched_getscheduler(pid)`.
pub fn sys_sched_getscheduler(t: &Arc<Thread>, pid: i32) -> SysResult {
    Ok(target(t, pid)?.state.lock().sched.0 as isize)
}

/// `sched_getparam(pid, param)`.
pub fn sys_sched_getparam(t: &Arc<Thread>, pid: i32, param: u64) -> SysResult {
    if param == 0 {
        return Err(Errno::EINVAL.into());
    }
    let prio = target(t, pid)?.state.lock().sched.1;
    write_val(t, param, &prio)?;
    Ok(0)
}

/// `sched_setscheduler(pid, policy, param)`; `sched_setparam` passes policy -1 (keep).
pub fn sys_sched_setscheduler(t: &Arc<Thread>, pid: i32, policy: i32, param: u64) -> SysResult {
    if param == 0 || pid < 0 {
        return Err(Errno::EINVAL.into());
    }
    let prio: i32 = read_val(t, param)?;
    let p = target(t, pid)?;
    let policy = if policy == -1 { p.state.lock().sched.0 } else { policy & !SCHED_RESET_ON_FORK };
    let (lo, hi) = priority_range(policy)?;
    if prio < lo || prio > hi {
        return Err(Errno::EINVAL.into());
    }
    p.state.lock().sched = (policy, prio);
    Ok(0)
}

/// `sched_get_priority_max(policy)` / `sched_get_priority_min(policy)`.
pub fn sys_sched_get_priority(policy: i32, max: bool) -> SysResult {
    let (lo, hi) = priority_range(policy)?;
    Ok((if max { hi } else { lo }) as isize)
}

/// `sched_rr_get_interval(pid, tp)`: the time slice.
pub fn sys_sched_rr_get_interval(t: &Arc<Thread>, pid: i32, tp: u64) -> SysResult {
    target(t, pid)?;
    write_val(t, tp, &kairos_abi::types::Timespec { tv_sec: 0, tv_nsec: 100_000_000 })?;
    Ok(0)
}
