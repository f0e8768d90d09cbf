//! `rt_sigqueueinfo` / `rt_tgsigqueueinfo`: send a signal with caller-supplied siginfo.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{SI_TKILL, SigInfo, valid_signal};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::{Thread, process, signal};

fn check_info(t: &Thread, target_pid: u32, info: &SigInfo) -> kairos_abi::Result<()> {
    // Only the kernel may forge SI_USER/SI_KERNEL-style codes for another process.
    if (info.code >= 0 || info.code == SI_TKILL) && target_pid != t.process.pid {
        return Err(Errno::EPERM.into());
    }
    Ok(())
}

/// `rt_sigqueueinfo(tgid, sig, info)`.
pub fn sys_rt_sigqueueinfo(t: &Arc<Thread>, tgid: i32, sig: u32, uinfo: UserPtr<SigInfo>) -> SysResult {
    if !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let mut info = uinfo.read(t)?;
    let p = process::find_process(tgid as u32).filter(|p| !p.is_zombie()).ok_or(Errno::ESRCH)?;
    check_info(t, p.pid, &info)?;
    info.signo = sig as i32;
    signal::send_to_process(&p, info);
    Ok(0)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, info)`.
pub fn sys_rt_tgsigqueueinfo(t: &Arc<Thread>, tgid: i32, tid: i32, sig: u32, uinfo: UserPtr<SigInfo>) -> SysResult {
    if !valid_signal(sig) || tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let mut info = uinfo.read(t)?;
    let target = process::find_thread(tid as u32).filter(|x| x.process.pid == tgid as u32).ok_or(Errno::ESRCH)?;
    check_info(t, target.process.pid, &info)?;
    info.signo = sig as i32;
    signal::send_to_thread(&target, info);
    Ok(0)
}
