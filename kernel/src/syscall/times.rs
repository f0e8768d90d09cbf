//! `times`: process and children CPU time in clock ticks (100 Hz), and the tick count.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::types::Tms;

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;

const NS_PER_TICK: u64 = 10_000_000;

/// `times(buf)`: returns ticks since boot.
pub fn sys_times(t: &Arc<Thread>, buf: UserPtr<Tms>) -> SysResult {
    let p = &t.process;
    let (cu, cs) = p.state.lock().children_times;
    let tms = Tms {
        tms_utime: (p.cpu_ns.0.load(Ordering::Relaxed) / NS_PER_TICK) as i64,
        tms_stime: (p.cpu_ns.1.load(Ordering::Relaxed) / NS_PER_TICK) as i64,
        tms_cutime: (cu / NS_PER_TICK) as i64,
        tms_cstime: (cs / NS_PER_TICK) as i64,
    };
    buf.write_opt(t, &tms)?;
    Ok((crate::time::now_ns() / NS_PER_TICK) as isize)
}
