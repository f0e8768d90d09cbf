//! `munmap`.

use alloc::sync::Arc;

use super::SysResult;
use crate::proc::Thread;

/// `munmap(addr, len)`.
pub fn sys_munmap(t: &Arc<Thread>, addr: u64, len: u64) -> SysResult {
    t.mm().lock().unmap(addr, len)?;
    Ok(0)
}
