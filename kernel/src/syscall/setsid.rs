//! `setsid` / `getsid`.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use crate::proc::{Thread, process};

/// `setsid()`: a new session and group led by the caller (EPERM for a group leader).
pub fn sys_setsid(t: &Arc<Thread>) -> SysResult {
    let p = &t.process;
    let pid = p.pid;
    let leader_elsewhere = process::all_processes().iter().any(|q| q.pid != pid && q.state.lock().pgid == pid);
    let mut st = p.state.lock();
    if st.pgid == pid || leader_elsewhere {
        return Err(Errno::EPERM.into());
    }
    st.pgid = pid;
    st.sid = pid;
    Ok(pid as isize)
}

/// `getsid(pid)`.
pub fn sys_getsid(t: &Arc<Thread>, pid: i32) -> SysResult {
    if pid < 0 {
        return Err(Errno::ESRCH.into());
    }
    let p = if pid == 0 { t.process.clone() } else { process::find_process(pid as u32).ok_or(Errno::ESRCH)? };
    Ok(p.state.lock().sid as isize)
}
