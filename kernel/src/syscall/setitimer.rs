//! `setitimer`. ITIMER_REAL: a kernel task per armed timer sleeps until expiry, sends
//! SIGALRM to the process and re-arms with the interval; re-arming or disarming cancels it.
//! ITIMER_VIRTUAL and ITIMER_PROF count down as the process is charged user (and system)
//! CPU time in the thread loop ([`charge_cpu`]) and raise SIGVTALRM / SIGPROF.

use alloc::sync::{Arc, Weak};

use kairos_abi::Errno;
use kairos_abi::signal::{SIGALRM, SIGPROF, SIGVTALRM, SigInfo};
use kairos_abi::types::{Itimerval, Timeval};

use super::SysResult;
use super::args::UserPtr;
use crate::proc::process::Process;
use crate::proc::{Thread, signal};

/// ITIMER_REAL.
pub const ITIMER_REAL: i32 = 0;

fn tv_to_ns(tv: &Timeval) -> kairos_abi::Result<u64> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL.into());
    }
    Ok(tv.tv_sec as u64 * 1_000_000_000 + tv.tv_usec as u64 * 1000)
}

fn ns_to_tv(ns: u64) -> Timeval {
    // Round up so a running timer never reads as 0 (as Linux).
    let us = ns.div_ceil(1000);
    Timeval { tv_sec: (us / 1_000_000) as i64, tv_usec: (us % 1_000_000) as i64 }
}

/// Charges CPU time to the process's CPU-time timers; sends their signals on expiry.
pub fn charge_cpu(p: &Arc<Process>, user_ns: u64, system_ns: u64) {
    let mut fired = [false; 2];
    {
        let mut st = p.state.lock();
        for (i, spent) in [user_ns, user_ns + system_ns].into_iter().enumerate() {
            let (left, interval) = &mut st.cpu_itimers[i];
            if *left == 0 || spent == 0 {
                continue;
            }
            if spent >= *left {
                fired[i] = true;
                *left = *interval;
            } else {
                *left -= spent;
            }
        }
    }
    if fired[0] {
        signal::send_to_process(p, SigInfo::kernel(SIGVTALRM));
    }
    if fired[1] {
        signal::send_to_process(p, SigInfo::kernel(SIGPROF));
    }
}

/// The current value of a CPU-time timer (1 = VIRTUAL, 2 = PROF).
pub fn current_cpu(p: &Process, which: i32) -> Itimerval {
    let (left, interval) = p.state.lock().cpu_itimers[(which - 1) as usize];
    Itimerval { it_interval: ns_to_tv(interval), it_value: ns_to_tv(left) }
}

/// The current ITIMER_REAL value of `p`.
pub fn current(p: &Process) -> Itimerval {
    match &p.state.lock().itimer_real {
        Some((expiry, interval, _)) => Itimerval {
            it_interval: ns_to_tv(*interval),
            it_value: ns_to_tv(expiry.saturating_sub(crate::time::now_ns()).max(1)),
        },
        None => {
            Itimerval { it_interval: Timeval { tv_sec: 0, tv_usec: 0 }, it_value: Timeval { tv_sec: 0, tv_usec: 0 } }
        }
    }
}

async fn timer_task(process: Weak<Process>, mut expiry: u64, interval: u64) {
    let spawner = crate::sched::spawner().clone();
    loop {
        spawner.sleep_until(expiry).await;
        let Some(p) = process.upgrade() else { return };
        signal::send_to_process(&p, SigInfo::kernel(SIGALRM));
        if interval == 0 {
            p.state.lock().itimer_real = None;
            return;
        }
        expiry += interval;
        if let Some(t) = p.state.lock().itimer_real.as_mut() {
            t.0 = expiry;
        }
    }
}

/// Arms (value > 0) or disarms ITIMER_REAL; returns the previous setting.
pub fn arm(p: &Arc<Process>, value_ns: u64, interval_ns: u64) -> Itimerval {
    let old = current(p);
    let prev = p.state.lock().itimer_real.take();
    if let Some((_, _, handle)) = prev {
        handle.cancel();
    }
    if value_ns > 0 {
        let expiry = crate::time::now_ns() + value_ns;
        if let Ok(handle) = crate::sched::spawner().spawn("itimer", timer_task(Arc::downgrade(p), expiry, interval_ns))
        {
            p.state.lock().itimer_real = Some((expiry, interval_ns, handle));
        }
    }
    old
}

/// `setitimer(which, new, old)`.
pub fn sys_setitimer(t: &Arc<Thread>, which: i32, new: UserPtr<Itimerval>, old: UserPtr<Itimerval>) -> SysResult {
    if !(0..=2).contains(&which) {
        return Err(Errno::EINVAL.into());
    }
    let v = new.read_opt(t)?.unwrap_or(Itimerval {
        it_interval: Timeval { tv_sec: 0, tv_usec: 0 },
        it_value: Timeval { tv_sec: 0, tv_usec: 0 },
    });
    let (value, interval) = (tv_to_ns(&v.it_value)?, tv_to_ns(&v.it_interval)?);
    let prev = if which == ITIMER_REAL {
        arm(&t.process, value, interval)
    } else {
        let prev = current_cpu(&t.process, which);
        t.process.state.lock().cpu_itimers[(which - 1) as usize] = (value, if value == 0 { 0 } else { interval });
        prev
    };
    old.write_opt(t, &prev)?;
    Ok(0)
}
