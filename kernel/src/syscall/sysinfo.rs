//! `sysinfo`: uptime, memory and process count.

use alloc::sync::Arc;

use bytemuck::Zeroable;
use kairos_abi::types::Sysinfo;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::{Thread, process};

/// `sysinfo(info)`.
pub fn sys_sysinfo(t: &Arc<Thread>, info: UserPtr<Sysinfo>) -> SysResult {
    let m = crate::mm::memory_summary();
    let mut s = Sysinfo::zeroed();
    s.uptime = (crate::time::now_ns() / 1_000_000_000) as i64;
    s.totalram = m.total;
    s.freeram = m.free;
    s.bufferram = m.buffers;
    s.procs = process::thread_count() as u16;
    s.mem_unit = 1;
    info.write(t, &s)?;
    Ok(0)
}
