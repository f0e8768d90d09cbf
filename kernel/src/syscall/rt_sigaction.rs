//! `rt_sigaction`: read and change a signal's disposition.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::signal::{SIGKILL, SIGSTOP, SigAction, SigSet, valid_signal};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::Thread;
use crate::proc::process::SigHandlers;

/// The sa_flags bits Linux keeps on x86_64.
const KNOWN_SA_FLAGS: u64 = 0x0000_0001
    | 0x0000_0002
    | 0x0000_0004
    | 0x0000_0800
    | 0x0400_0000
    | 0x0800_0000
    | 0x1000_0000
    | 0x4000_0000
    | 0x8000_0000;

/// `rt_sigaction(sig, act, oact, sigsetsize)`.
pub fn sys_rt_sigaction(
    t: &Arc<Thread>,
    sig: u32,
    act: UserPtr<SigAction>,
    oact: UserPtr<SigAction>,
    size: usize,
) -> SysResult {
    if size != core::mem::size_of::<SigSet>() || !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let new = act.read_opt(t)?;
    if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL.into());
    }
    let sighand = t.sighand();
    let old = sighand.lock().get(sig);
    oact.write_opt(t, &old)?;
    if let Some(mut a) = new {
        a.mask = a.mask.difference(SigSet::UNBLOCKABLE);
        // Unknown flag bits are dropped, as Linux's UAPI_SA_FLAGS mask does.
        a.flags &= KNOWN_SA_FLAGS;
        set_action(&sighand, sig, a);
        // Setting SIG_IGN (or a default-ignore SIG_DFL) discards pending instances.
        if a.is_ignore()
            || (a.is_default()
                && matches!(kairos_abi::signal::default_action(sig), kairos_abi::signal::DefaultAction::Ign))
        {
            let one = SigSet::single(sig);
            t.process.pending.lock().discard(one);
            for th in t.process.threads() {
                th.pending.lock().discard(one);
            }
        }
    }
    Ok(0)
}

fn set_action(sighand: &spin::Mutex<SigHandlers>, sig: u32, a: SigAction) {
    sighand.lock().actions[(sig - 1) as usize] = a;
}
