//! `brk`: move the program break.

use alloc::sync::Arc;

use super::SysResult;
use crate::proc::Thread;

/// `brk(addr)`: returns the new break (the old one when the request fails or addr is 0).
pub fn sys_brk(t: &Arc<Thread>, addr: u64) -> SysResult {
    let mm = t.mm();
    let mut mm = mm.lock();
    let r = if addr == 0 { mm.brk } else { mm.set_brk(addr) };
    Ok(r as isize)
}
