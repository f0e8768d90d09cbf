//! `rt_sigqueueinfo` / `rt_tgsigqueueinfo`: send a signal with caller-supplied siginfo.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{SI_TKILL, SigInfo, valid_signal};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::{Thread, process, signal};

/// Linux's rule: codes that pretend to come from kill/tkill or the kernel (si_code >= 0 or
/// SI_TKILL) may only be sent when the id argument is the caller's own thread id.
fn check_info(t: &Thread, id_arg: u32, info: &SigInfo) -> kairos_abi::Result<()> {
    if (info.code >= 0 || info.code == SI_TKILL) && id_arg != t.tid() {
        return Err(Errno::EPERM.into());
    }
    Ok(())
}

/// `rt_sigqueueinfo(tgid, sig, info)`.
pub fn sys_rt_sigqueueinfo(t: &Arc<Thread>, tgid: i32, sig: u32, uinfo: UserPtr<SigInfo>) -> SysResult {
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let mut info = uinfo.read(t)?;
    let p = process::find_process(tgid as u32).filter(|p| !p.is_zombie()).ok_or(Errno::ESRCH)?;
    check_info(t, tgid as u32, &info)?;
    if !super::kill::may_signal(&t.process, &p, sig) {
        return Err(Errno::EPERM.into());
    }
    if sig == 0 {
        return Ok(0);
    }
    info.signo = sig as i32;
    let info = signal::queue_check(&p, &info)?;
    signal::send_to_process(&p, info);
    Ok(0)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, info)`.
pub fn sys_rt_tgsigqueueinfo(t: &Arc<Thread>, tgid: i32, tid: i32, sig: u32, uinfo: UserPtr<SigInfo>) -> SysResult {
    if (sig != 0 && !valid_signal(sig)) || tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let mut info = uinfo.read(t)?;
    let target = process::find_thread(tid as u32).filter(|x| x.process.pid == tgid as u32).ok_or(Errno::ESRCH)?;
    check_info(t, tid as u32, &info)?;
    if !super::kill::may_signal(&t.process, &target.process, sig) {
        return Err(Errno::EPERM.into());
    }
    if sig == 0 {
        return Ok(0);
    }
    info.signo = sig as i32;
    let info = signal::queue_check(&target.process, &info)?;
    signal::send_to_thread(&target, info);
    Ok(0)
}
