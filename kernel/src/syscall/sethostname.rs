//! `sethostname` / `setdomainname`: the UTS names `uname` reports (also
//! `/proc/sys/kernel/{hostname,domainname}`).

use alloc::string::String;
use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use super::args::read_bytes;
use crate::proc::Thread;

/// `sethostname(name, len)` (root only, at most 64 bytes).
pub fn sys_sethostname(t: &Arc<Thread>, name: u64, len: usize) -> SysResult {
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    if len > 64 {
        return Err(Errno::EINVAL.into());
    }
    let bytes = read_bytes(t, name, len)?;
    *crate::HOSTNAME.lock() = String::from_utf8_lossy(&bytes).into_owned();
    Ok(0)
}

/// `setdomainname(name, len)` (root only, at most 64 bytes).
pub fn sys_setdomainname(t: &Arc<Thread>, name: u64, len: usize) -> SysResult {
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    if len > 64 {
        return Err(Errno::EINVAL.into());
    }
    let bytes = read_bytes(t, name, len)?;
    *crate::DOMAINNAME.lock() = String::from_utf8_lossy(&bytes).into_owned();
    Ok(0)
}
