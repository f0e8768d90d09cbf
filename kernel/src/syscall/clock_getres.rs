//! `clock_getres`.

use alloc::sync::Arc;

use kairos_abi::flags::*;
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::UserPtr;
use super::clock_gettime::clock_now;
use crate::proc::Thread;

/// `clock_getres(clock, res)`: 1 ns for the precise clocks, 4 ms for the coarse ones.
pub fn sys_clock_getres(t: &Arc<Thread>, clock: i32, res: UserPtr<Timespec>) -> SysResult {
    clock_now(t, clock)?;
    let ns = if clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE { 4_000_000 } else { 1 };
    res.write_opt(t, &Timespec { tv_sec: 0, tv_nsec: ns })?;
    Ok(0)
}
