//! `reboot`: power off or restart the machine (root only, magic numbers checked). Before the
//! machine stops, mapped pages and disk filesystems are written back and marked clean
//! (`diskfs::shutdown`): user space normally syncs and remounts read-only first, and this
//! makes a forced power-off (`poweroff -f`) leave a consistent disk too.

use alloc::sync::Arc;

use kairos_abi::Errno;

use super::SysResult;
use crate::arch::qemu::ExitCode;
use crate::proc::Thread;

const MAGIC1: u32 = 0xfee1_dead;
const MAGIC2: [u32; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
const CMD_RESTART: u32 = 0x0123_4567;
const CMD_HALT: u32 = 0xcdef_0123;
const CMD_POWER_OFF: u32 = 0x4321_fedc;
const CMD_CAD_ON: u32 = 0x89ab_cdef;
const CMD_CAD_OFF: u32 = 0;

/// `reboot(magic1, magic2, cmd)`.
pub async fn sys_reboot(t: &Arc<Thread>, magic1: u32, magic2: u32, cmd: u32) -> SysResult {
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(Errno::EINVAL.into());
    }
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    match cmd {
        CMD_POWER_OFF | CMD_HALT | CMD_RESTART => {
            log::info!(target: "reboot", "pid {} requested {}", t.process.pid, if cmd == CMD_RESTART { "restart" } else { "power off" });
            crate::diskfs::shutdown().await;
            crate::power_off(ExitCode::Success)
        }
        CMD_CAD_ON | CMD_CAD_OFF => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}
