//! `getrlimit`, `setrlimit`, `prlimit64`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::types::Rlimit;

use super::SysResult;
use super::args::{read_val, write_val};
use crate::proc::{Thread, process};

/// Number of resource limits Linux defines.
const RLIM_NLIMITS: u32 = 16;

/// `prlimit64(pid, resource, new, old)`; getrlimit/setrlimit pass pid 0 and one pointer.
pub fn sys_prlimit64(t: &Arc<Thread>, pid: i32, resource: u32, new: u64, old: u64) -> SysResult {
    if resource >= RLIM_NLIMITS {
        return Err(Errno::EINVAL.into());
    }
    let p = if pid == 0 || pid as u32 == t.process.pid {
        t.process.clone()
    } else {
        process::find_process(pid as u32).ok_or(Errno::ESRCH)?
    };
    let new_val: Option<Rlimit> = if new != 0 { Some(read_val(t, new)?) } else { None };
    let r = resource as usize;
    let cur = p.state.lock().rlimits[r];
    if old != 0 {
        write_val(t, old, &Rlimit { rlim_cur: cur.0, rlim_max: cur.1 })?;
    }
    if let Some(n) = new_val {
        if n.rlim_cur > n.rlim_max {
            return Err(Errno::EINVAL.into());
        }
        let privileged = t.process.state.lock().uid[1] == 0;
        if n.rlim_max > cur.1 && !privileged {
            return Err(Errno::EPERM.into());
        }
        if r == 7 && n.rlim_max > 1 << 20 {
            return Err(Errno::EPERM.into()); // RLIMIT_NOFILE above nr_open
        }
        p.state.lock().rlimits[r] = (n.rlim_cur, n.rlim_max);
    }
    Ok(0)
}
