//! `sysinfo`: uptime, memory and process count.

use alloc::sync::Arc;

use bytemuck::Zeroable;
use kairos_abi::types::Sysinfo;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::{Thread, process};

/// `sysinfo(info)`.
pub fn sys_sysinfo(t: &Arc<Thread>, info: UserPtr<Sysinfo>) -> SysResult {
    let (total, used) = crate::mm::frame::stats();
    let mut s = Sysinfo::zeroed();
    s.uptime = (crate::time::now_ns() / 1_000_000_000) as i64;
    s.totalram = total * 4096;
    s.freeram = (total - used) * 4096;
    s.procs = process::thread_count() as u16;
    s.mem_unit = 1;
    info.write(t, &s)?;
    Ok(0)
}
