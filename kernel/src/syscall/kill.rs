//! `kill`, `tkill`, `tgkill`: signal generation from user space, with Linux's target rules
//! and permission checks.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Errno;
use kairos_abi::signal::{SigInfo, valid_signal};

use super::SysResult;
use crate::proc::process::{self, Process};
use crate::proc::{Thread, signal};
use crate::sched::{self, trace_kind};

/// Linux's `kill_ok_by_cred` plus the SIGCONT exception: root, or a real/effective uid of
/// the sender matching the target's real or saved uid; SIGCONT may go to any process of the
/// sender's session.
pub fn may_signal(sender: &Process, target: &Process, sig: u32) -> bool {
    let (s, ssid) = {
        let st = sender.state.lock();
        (st.uid, st.sid)
    };
    let (tgt, tsid) = {
        let st = target.state.lock();
        (st.uid, st.sid)
    };
    if sig == kairos_abi::signal::SIGCONT && ssid == tsid {
        return true;
    }
    s[1] == 0 || s[0] == tgt[0] || s[0] == tgt[2] || s[1] == tgt[0] || s[1] == tgt[2]
}

/// `kill(pid, sig)`: pid > 0 one process; 0 the caller's group; -1 everyone but init and
/// the caller; < -1 the group -pid. Signal 0 only checks.
pub fn sys_kill(t: &Arc<Thread>, pid: i32, sig: u32) -> SysResult {
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let me = &t.process;
    let uid = me.state.lock().uid[0];
    let targets: Vec<Arc<Process>> = match pid {
        // A zombie still has its pid until it is reaped: the signal is accepted and dropped.
        p if p > 0 => process::find_process(p as u32).into_iter().collect(),
        0 => {
            let g = me.state.lock().pgid;
            process::all_processes().into_iter().filter(|p| p.state.lock().pgid == g).collect()
        }
        -1 => process::all_processes().into_iter().filter(|p| p.pid != 1 && p.pid != me.pid).collect(),
        p => {
            let g = p.unsigned_abs();
            process::all_processes().into_iter().filter(|p| p.state.lock().pgid == g).collect()
        }
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH.into());
    }
    let mut sent = 0;
    for target in &targets {
        if !may_signal(me, target, sig) {
            continue;
        }
        sent += 1;
        if sig != 0 {
            sched::trace(trace_kind::SIGNAL_GENERATE, u64::from(target.pid), u64::from(sig), u64::from(me.pid));
            signal::send_to_process(target, SigInfo::user(sig, me.pid, uid));
        }
    }
    if sent == 0 { Err(Errno::EPERM.into()) } else { Ok(0) }
}

/// `tgkill(tgid, tid, sig)`; `tkill` passes no tgid (any group).
pub fn sys_tgkill(t: &Arc<Thread>, tgid: Option<i32>, tid: i32, sig: u32) -> SysResult {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) || (sig != 0 && !valid_signal(sig)) {
        return Err(Errno::EINVAL.into());
    }
    let Some(target) = process::find_thread(tid as u32) else {
        // An exited group leader stays (as a zombie task) until the process is reaped: Linux
        // accepts the signal and drops it. Other exited threads are gone: ESRCH.
        let leader = process::find_process(tid as u32).filter(|p| tgid.is_none_or(|g| p.pid == g as u32));
        return match leader {
            Some(p) if !may_signal(&t.process, &p, sig) => Err(Errno::EPERM.into()),
            Some(_) => Ok(0),
            None => Err(Errno::ESRCH.into()),
        };
    };
    if tgid.is_some_and(|g| target.process.pid != g as u32) {
        return Err(Errno::ESRCH.into());
    }
    if !may_signal(&t.process, &target.process, sig) {
        return Err(Errno::EPERM.into());
    }
    if sig != 0 {
        let uid = t.process.state.lock().uid[0];
        sched::trace(trace_kind::SIGNAL_GENERATE, u64::from(target.tid()), u64::from(sig), u64::from(t.process.pid));
        let info = signal::queue_check(&target.process, &SigInfo::tkill(sig, t.process.pid, uid))?;
        signal::send_to_thread(&target, info);
    }
    Ok(0)
}
