//! `wait4`: wait for a child to exit (or stop/continue with WUNTRACED/WCONTINUED).

use alloc::sync::Arc;

use bytemuck::Zeroable;
use kairos_abi::Errno;
use kairos_abi::flags::WaitOptions;
use kairos_abi::types::Rusage;

use super::SysResult;
use super::args::{UserPtr, write_val};
use super::getrusage::ns_to_timeval;
use crate::proc::Thread;
use crate::proc::wait::{WaitTarget, wait_child};

/// `wait4(pid, wstatus, options, rusage)`.
pub async fn sys_wait4(t: &Arc<Thread>, pid: i32, wstatus: u64, options: u32, rusage: u64) -> SysResult {
    let allowed = WaitOptions::WNOHANG
        | WaitOptions::WUNTRACED
        | WaitOptions::WCONTINUED
        | WaitOptions::__WNOTHREAD
        | WaitOptions::__WCLONE
        | WaitOptions::__WALL;
    let opts = WaitOptions::from_bits(options).filter(|o| allowed.contains(*o)).ok_or(Errno::EINVAL)?;
    let target = match pid {
        i32::MIN => return Err(Errno::ESRCH.into()),
        -1 => WaitTarget::Any,
        0 => WaitTarget::Pgid(t.process.state.lock().pgid),
        p if p < -1 => WaitTarget::Pgid(p.unsigned_abs()),
        p => WaitTarget::Pid(p as u32),
    };
    match wait_child(t, target, opts | WaitOptions::WEXITED).await? {
        None => Ok(0),
        Some(r) => {
            if wstatus != 0 {
                write_val(t, wstatus, &r.wstatus)?;
            }
            if rusage != 0 {
                let mut ru = Rusage::zeroed();
                ru.ru_utime = ns_to_timeval(r.times.0);
                ru.ru_stime = ns_to_timeval(r.times.1);
                UserPtr::<Rusage>::new(rusage).write(t, &ru)?;
            }
            Ok(r.pid as isize)
        }
    }
}
