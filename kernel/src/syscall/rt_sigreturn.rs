//! `rt_sigreturn`: return from a signal handler.

use alloc::sync::Arc;

use kairos_abi::signal::{SIGSEGV, SigInfo};

use super::SysResult;
use crate::arch::user::UserContext;
use crate::proc::{Thread, signal};

/// `rt_sigreturn()`: restores the interrupted context; a corrupt frame is fatal (SIGSEGV).
pub fn sys_rt_sigreturn(t: &Arc<Thread>, ctx: &mut UserContext) -> SysResult {
    match signal::sigreturn(t, ctx) {
        Ok(()) => Ok(ctx.regs.rax as isize),
        Err(_) => {
            signal::force(t, SigInfo::new(SIGSEGV, kairos_abi::signal::SI_KERNEL));
            Ok(ctx.regs.rax as isize)
        }
    }
}
