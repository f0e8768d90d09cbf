//! `waitid`: like wait4, with a siginfo result and WNOWAIT; `P_PIDFD` waits for the child a
//! pidfd names (a non-blocking pidfd makes the wait WNOHANG, and "nothing yet" EAGAIN unless
//! the caller itself asked for WNOHANG, as Linux 5.10+).

use alloc::sync::Arc;

use bytemuck::Zeroable;
use kairos_abi::Errno;
use kairos_abi::flags::{P_ALL, P_PGID, P_PID, P_PIDFD, WaitOptions};
use kairos_abi::signal::{SIGCHLD, SigInfo};
use kairos_abi::types::Rusage;

use super::SysResult;
use super::args::{Fd, UserPtr};
use super::getrusage::ns_to_timeval;
use crate::proc::Thread;
use crate::proc::wait::{WaitTarget, wait_child};

/// `waitid(idtype, id, infop, options, rusage)`.
pub async fn sys_waitid(t: &Arc<Thread>, idtype: u32, id: u32, infop: u64, options: u32, rusage: u64) -> SysResult {
    let allowed = WaitOptions::WNOHANG
        | WaitOptions::WSTOPPED
        | WaitOptions::WEXITED
        | WaitOptions::WCONTINUED
        | WaitOptions::WNOWAIT
        | WaitOptions::__WNOTHREAD
        | WaitOptions::__WCLONE
        | WaitOptions::__WALL;
    let opts = WaitOptions::from_bits(options).filter(|o| allowed.contains(*o)).ok_or(Errno::EINVAL)?;
    if !opts.intersects(WaitOptions::WEXITED | WaitOptions::WSTOPPED | WaitOptions::WCONTINUED) {
        return Err(Errno::EINVAL.into());
    }
    let id = id as i32;
    let mut opts = opts;
    let mut eagain = false;
    let target = match idtype as i32 {
        P_ALL => WaitTarget::Any,
        P_PID if id > 0 => WaitTarget::Pid(id as u32),
        P_PGID if id >= 0 => WaitTarget::Pgid(if id == 0 { t.process.state.lock().pgid } else { id as u32 }),
        P_PIDFD if id >= 0 => {
            let (pidfd, nonblock) = super::pidfd::pidfd_of(t, Fd(id))?;
            if nonblock {
                eagain = !opts.contains(WaitOptions::WNOHANG);
                opts |= WaitOptions::WNOHANG;
            }
            if pidfd.is_reaped() {
                // Its pid may name another process by now: nothing of ours matches.
                return Err(Errno::ECHILD.into());
            }
            WaitTarget::Pid(pidfd.id())
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    let r = wait_child(t, target, opts).await?;
    if r.is_none() && eagain {
        // Linux still fills in the (empty) siginfo.
        if infop != 0 {
            UserPtr::<SigInfo>::new(infop).write(t, &SigInfo::zeroed())?;
        }
        return Err(Errno::EAGAIN.into());
    }
    let info = match &r {
        Some(r) => {
            SigInfo::chld(r.code, r.pid, 0, r.status, (r.times.0 / 10_000_000) as i64, (r.times.1 / 10_000_000) as i64)
        }
        None => SigInfo::zeroed(),
    };
    if infop != 0 {
        let mut info = info;
        if r.is_some() {
            info.signo = SIGCHLD as i32;
        }
        UserPtr::<SigInfo>::new(infop).write(t, &info)?;
    }
    // As Linux, the rusage is written only when a child was found.
    if let (Some(r), true) = (&r, rusage != 0) {
        let mut ru = Rusage::zeroed();
        ru.ru_utime = ns_to_timeval(r.times.0);
        ru.ru_stime = ns_to_timeval(r.times.1);
        UserPtr::<Rusage>::new(rusage).write(t, &ru)?;
    }
    Ok(0)
}
