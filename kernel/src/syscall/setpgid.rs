//! `setpgid`: move a process (the caller or one of its children) into a process group of
//! the same session, with POSIX's error rules.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use crate::proc::{Thread, process};

/// `setpgid(pid, pgid)`.
pub fn sys_setpgid(t: &Arc<Thread>, pid: i32, pgid: i32) -> SysResult {
    if pid < 0 || pgid < 0 {
        return Err(Errno::EINVAL.into());
    }
    let me = &t.process;
    let target = if pid == 0 || pid as u32 == me.pid {
        me.clone()
    } else {
        let child = me.state.lock().children.iter().find(|c| c.pid == pid as u32).cloned().ok_or(Errno::ESRCH)?;
        if child.state.lock().sid != me.state.lock().sid {
            return Err(Errno::EPERM.into());
        }
        if child.state.lock().did_exec {
            return Err(Errno::EACCES.into());
        }
        child
    };
    let pgid = if pgid == 0 { target.pid } else { pgid as u32 };
    let (tsid, tpid_is_leader) = {
        let st = target.state.lock();
        (st.sid, st.sid == target.pid)
    };
    if tpid_is_leader {
        return Err(Errno::EPERM.into());
    }
    if pgid != target.pid {
        // The group must exist in the same session.
        let ok = process::all_processes().iter().any(|p| {
            let st = p.state.lock();
            st.pgid == pgid && st.sid == tsid && st.exit.is_none()
        });
        if !ok {
            return Err(Errno::EPERM.into());
        }
    }
    target.state.lock().pgid = pgid;
    Ok(0)
}
