//! `getpriority` / `setpriority`: nice values are kept per process (the cooperative executor
//! does not weight them yet).

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Errno;

use super::SysResult;
use crate::proc::Thread;
use crate::proc::process::{self, Process};

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

fn targets(t: &Thread, which: i32, who: i32) -> kairos_abi::Result<Vec<Arc<Process>>> {
    let all = process::all_processes().into_iter().filter(|p| !p.is_zombie());
    let v: Vec<Arc<Process>> = match which {
        PRIO_PROCESS => {
            let pid = if who == 0 { t.process.pid } else { who as u32 };
            all.filter(|p| p.pid == pid).collect()
        }
        PRIO_PGRP => {
            let g = if who == 0 { t.process.state.lock().pgid } else { who as u32 };
            all.filter(|p| p.state.lock().pgid == g).collect()
        }
        PRIO_USER => {
            let u = if who == 0 { t.process.state.lock().uid[0] } else { who as u32 };
            all.filter(|p| p.state.lock().uid[0] == u).collect()
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    if v.is_empty() { Err(Errno::ESRCH.into()) } else { Ok(v) }
}

/// `getpriority(which, who)`: returns 20 - nice (the raw syscall's convention).
pub fn sys_getpriority(t: &Arc<Thread>, which: i32, who: i32) -> SysResult {
    let best = targets(t, which, who)?.iter().map(|p| p.state.lock().nice).min().unwrap_or(0);
    Ok((20 - best) as isize)
}

/// `setpriority(which, who, prio)`.
pub fn sys_setpriority(t: &Arc<Thread>, which: i32, who: i32, prio: i32) -> SysResult {
    let nice = prio.clamp(-20, 19);
    let root = t.process.state.lock().uid[1] == 0;
    for p in targets(t, which, who)? {
        let mut st = p.state.lock();
        if nice < st.nice && !root {
            return Err(Errno::EACCES.into());
        }
        st.nice = nice;
    }
    Ok(0)
}
