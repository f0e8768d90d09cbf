//! `uname`: Kairos reports itself as Linux so unmodified programs behave as they would there.

use alloc::sync::Arc;

use kairos_abi::types::Utsname;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

/// The release string programs see (`uname -r`).
pub const RELEASE: &str = "6.18.0-kairos";
/// The version string (`uname -v`).
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC Kairos";

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    let n = s.len().min(64);
    f[..n].copy_from_slice(&s.as_bytes()[..n]);
    f
}

/// `uname(buf)`.
pub fn sys_uname(t: &Arc<Thread>, buf: UserPtr<Utsname>) -> SysResult {
    let u = Utsname {
        sysname: field("Linux"),
        nodename: field(&crate::hostname()),
        release: field(RELEASE),
        version: field(VERSION),
        machine: field("x86_64"),
        domainname: field(&crate::domainname()),
    };
    buf.write(t, &u)?;
    Ok(0)
}
