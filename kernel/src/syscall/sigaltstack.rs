//! `sigaltstack`: the alternate signal stack.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, StackT};

use super::SysResult;
use super::args::UserPtr;
use crate::arch::user::UserContext;
use crate::proc::{Thread, signal};

/// `sigaltstack(ss, old_ss)`.
pub fn sys_sigaltstack(t: &Arc<Thread>, ctx: &UserContext, ss: UserPtr<StackT>, old: UserPtr<StackT>) -> SysResult {
    let cur = *t.altstack.lock();
    let on = signal::on_altstack(&cur, ctx.regs.rsp);
    let new = ss.read_opt(t)?;
    let report = StackT {
        ss_sp: cur.ss_sp,
        ss_flags: signal::altstack_flags(&cur, ctx.regs.rsp),
        _pad: 0,
        ss_size: cur.ss_size,
    };
    old.write_opt(t, &report)?;
    if let Some(n) = new {
        if on {
            return Err(Errno::EPERM.into());
        }
        let mode = n.ss_flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL.into());
        }
        if mode == SS_DISABLE {
            *t.altstack.lock() = StackT { ss_sp: 0, ss_flags: n.ss_flags, _pad: 0, ss_size: 0 };
        } else {
            if n.ss_size < MINSIGSTKSZ as u64 {
                return Err(Errno::ENOMEM.into());
            }
            *t.altstack.lock() = StackT { ss_sp: n.ss_sp, ss_flags: n.ss_flags, _pad: 0, ss_size: n.ss_size };
        }
    }
    Ok(0)
}
