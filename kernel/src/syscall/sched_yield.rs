//! `sched_yield`: let every other ready task run once.

use super::SysResult;

/// `sched_yield()`.
pub async fn sys_sched_yield() -> SysResult {
    kairos_executor::yield_now().await;
    Ok(0)
}
