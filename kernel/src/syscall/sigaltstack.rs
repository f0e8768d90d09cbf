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
    let mut report = cur;
    if on {
        report.ss_flags |= SS_ONSTACK;
    }
    if cur.ss_flags & SS_DISABLE != 0 {
        report = StackT { ss_sp: 0, ss_flags: SS_DISABLE, _pad: 0, ss_size: 0 };
    }
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
            *t.altstack.lock() = StackT { ss_sp: 0, ss_flags: SS_DISABLE, _pad: 0, ss_size: 0 };
        } else {
            if n.ss_size < MINSIGSTKSZ as u64 {
                return Err(Errno::ENOMEM.into());
            }
            *t.altstack.lock() =
                StackT { ss_sp: n.ss_sp, ss_flags: n.ss_flags & SS_AUTODISARM, _pad: 0, ss_size: n.ss_size };
        }
    }
    Ok(0)
}
