//! `arch_prctl`: the thread's FS and GS bases (TLS).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};

use super::SysResult;
use super::args::write_val;
use crate::arch::layout::USER_END;
use crate::arch::user::UserContext;
use crate::proc::Thread;

/// `arch_prctl(code, addr)`.
pub fn sys_arch_prctl(t: &Arc<Thread>, ctx: &mut UserContext, code: i32, addr: u64) -> SysResult {
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= USER_END {
                return Err(Errno::EPERM.into());
            }
            if code == ARCH_SET_FS {
                ctx.fs_base = addr;
            } else {
                ctx.gs_base = addr;
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            write_val(t, addr, &ctx.fs_base)?;
            Ok(0)
        }
        ARCH_GET_GS => {
            write_val(t, addr, &ctx.gs_base)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}
