//! User and group ids: `get[e]uid/get[e]gid`, `getres[ug]id`, the `set*id` family and
//! supplementary groups. Root may set anything; others may only switch among their
//! real, effective and saved ids (EPERM otherwise).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::syscall::{SYS_GETEGID, SYS_GETEUID, SYS_GETGID};

use super::SysResult;
use super::args::{read_val, write_val};
use crate::proc::Thread;

/// `getuid`, `geteuid`, `getgid`, `getegid`.
pub fn sys_get_id(t: &Arc<Thread>, nr: usize) -> SysResult {
    let st = t.process.state.lock();
    Ok(match nr {
        SYS_GETEUID => st.uid[1],
        SYS_GETGID => st.gid[0],
        SYS_GETEGID => st.gid[1],
        _ => st.uid[0],
    } as isize)
}

/// `getresuid` / `getresgid`.
pub fn sys_getresuid(t: &Arc<Thread>, r: u64, e: u64, s: u64, group: bool) -> SysResult {
    let ids = {
        let st = t.process.state.lock();
        if group { st.gid } else { st.uid }
    };
    write_val(t, r, &ids[0])?;
    write_val(t, e, &ids[1])?;
    write_val(t, s, &ids[2])?;
    Ok(0)
}

/// The `set*id` family. `u32::MAX` (-1) leaves an id unchanged. `setuid_style` gives
/// setuid/setgid semantics: root sets all three, others only the effective id.
pub fn sys_setresuid(t: &Arc<Thread>, r: u32, e: u32, s: u32, group: bool, setuid_style: bool) -> SysResult {
    let mut st = t.process.state.lock();
    let privileged = st.uid[1] == 0;
    let cur = if group { st.gid } else { st.uid };
    let allowed = |id: u32| id == u32::MAX || privileged || cur.contains(&id);
    let new = if setuid_style {
        if !allowed(r) {
            return Err(Errno::EPERM.into());
        }
        if privileged { [r, r, r] } else { [cur[0], r, cur[2]] }
    } else {
        if !(allowed(r) && allowed(e) && allowed(s)) {
            return Err(Errno::EPERM.into());
        }
        let pick = |v: u32, old: u32| if v == u32::MAX { old } else { v };
        [pick(r, cur[0]), pick(e, cur[1]), pick(s, cur[2])]
    };
    if group {
        st.gid = new;
    } else {
        st.uid = new;
    }
    drop(st);
    crate::fsctx::set_credentials(t);
    Ok(0)
}

/// Most supplementary groups (NGROUPS_MAX).
const NGROUPS_MAX: usize = 65536;

/// `getgroups(size, list)`: with size 0 only the count.
pub fn sys_getgroups(t: &Arc<Thread>, size: i32, list: u64) -> SysResult {
    let groups = t.process.state.lock().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL.into());
    }
    if size == 0 {
        return Ok(groups.len() as isize);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL.into());
    }
    for (i, g) in groups.iter().enumerate() {
        write_val(t, list + 4 * i as u64, g)?;
    }
    Ok(groups.len() as isize)
}

/// `setgroups(size, list)` (root only).
pub fn sys_setgroups(t: &Arc<Thread>, size: usize, list: u64) -> SysResult {
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL.into());
    }
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    let mut groups = alloc::vec::Vec::with_capacity(size);
    for i in 0..size {
        groups.push(read_val::<u32>(t, list + 4 * i as u64)?);
    }
    t.process.state.lock().groups = groups;
    crate::fsctx::set_credentials(t);
    Ok(0)
}
