//! POSIX per-process timers: `timer_create`, `timer_settime`, `timer_gettime`,
//! `timer_getoverrun`, `timer_delete`. Each armed timer is a kernel task sleeping until its
//! next expiry; on expiry it queues the timer's signal (SI_TIMER) to the process or, with
//! SIGEV_THREAD_ID, to one thread. As on Linux, a periodic timer whose signal is queued stops
//! until the signal is dequeued; [`timer_delivered`] then counts the missed periods as the
//! overrun (put into the siginfo) and re-arms it.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};

use kairos_abi::Errno;
use kairos_abi::flags::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, TIMER_ABSTIME};
use kairos_abi::signal::{SIGALRM, SigInfo, valid_signal};
use kairos_abi::types::{Itimerspec, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD_ID, SigEvent};
use kairos_executor::JoinHandle;

use super::SysResult;
use super::args::{UserPtr, write_val};
use super::clock_gettime::{ns_to_timespec, timespec_to_ns};
use crate::proc::process::{self, Process};
use crate::proc::{Thread, signal};

/// Where a timer's expiry goes.
#[derive(Clone, Copy, Debug)]
enum Notify {
    None,
    Process(u32),
    Thread(u32, u32),
}

/// One POSIX timer.
pub struct PosixTimer {
    clock: i32,
    notify: Notify,
    value: u64,
    /// Next expiry (monotonic ns) and interval; 0 = disarmed.
    expiry: u64,
    interval: u64,
    /// Its signal is queued and not yet delivered (the timer waits for the delivery).
    queued: bool,
    /// Overrun reported by timer_getoverrun (of the last delivered expiry).
    overrun: i32,
    /// The task that fires it.
    pub task: Option<JoinHandle<()>>,
}

/// A process's timers by id.
pub type Timers = BTreeMap<i32, PosixTimer>;

async fn run_timer(process: Weak<Process>, id: i32) {
    let spawner = crate::sched::spawner().clone();
    loop {
        let Some(deadline) = process.upgrade().and_then(|p| p.state.lock().timers.get(&id).map(|t| t.expiry)) else {
            return;
        };
        if deadline == 0 {
            return;
        }
        spawner.sleep_until(deadline).await;
        let Some(p) = process.upgrade() else { return };
        let (notify, value) = {
            let mut st = p.state.lock();
            let Some(t) = st.timers.get_mut(&id) else { return };
            if t.interval == 0 {
                t.expiry = 0;
            }
            (t.notify, t.value)
        };
        let signo = match notify {
            Notify::None => {
                // Nothing to deliver: a periodic timer just keeps counting.
                if let Some(t) = p.state.lock().timers.get_mut(&id)
                    && t.interval > 0
                {
                    t.expiry += t.interval;
                    continue;
                }
                return;
            }
            Notify::Process(s) | Notify::Thread(s, _) => s,
        };
        if let Some(t) = p.state.lock().timers.get_mut(&id) {
            t.queued = true;
        }
        let info = SigInfo::timer(signo, id, 0, value);
        let sent = match notify {
            Notify::Thread(_, tid) => match process::find_thread(tid) {
                Some(th) => {
                    signal::send_to_thread(&th, info);
                    th.pending.lock().set.contains(signo)
                }
                None => false,
            },
            _ => {
                signal::send_to_process(&p, info);
                p.pending.lock().set.contains(signo)
            }
        };
        let mut st = p.state.lock();
        let Some(t) = st.timers.get_mut(&id) else { return };
        if sent {
            // `timer_delivered` completes the expiry (and re-arms a periodic timer) when the
            // signal is taken.
            return;
        }
        t.queued = false;
        if t.interval == 0 {
            return;
        }
        // The signal was discarded (ignored): keep the period going.
        t.expiry += t.interval;
    }
}

/// Called when a SI_TIMER signal is dequeued: fills in the overrun (periods missed while it
/// was queued) and re-arms a periodic timer. Returns false for a stale signal — its timer
/// was deleted or re-set since — which is then dropped, as on Linux.
pub fn timer_delivered(p: &Arc<Process>, info: &mut SigInfo) -> bool {
    let id = info.timerid();
    let rearm = {
        let mut st = p.state.lock();
        let Some(t) = st.timers.get_mut(&id) else { return false };
        if !t.queued {
            return false;
        }
        t.queued = false;
        if t.interval == 0 || t.expiry == 0 {
            t.overrun = 0;
            false
        } else {
            let now = crate::time::now_ns();
            let missed = now.saturating_sub(t.expiry) / t.interval;
            t.overrun = i32::try_from(missed).unwrap_or(i32::MAX);
            t.expiry += (missed + 1) * t.interval;
            true
        }
    };
    let overrun = p.state.lock().timers.get(&id).map_or(0, |t| t.overrun);
    info.write_u32(kairos_abi::signal::si_offset::OVERRUN, overrun as u32);
    if rearm
        && let Ok(h) = crate::sched::spawner().spawn("posix-timer", run_timer(Arc::downgrade(p), id))
        && let Some(t) = p.state.lock().timers.get_mut(&id)
        && let Some(old) = t.task.replace(h)
    {
        old.cancel();
    }
    true
}

fn valid_clock(clock: i32) -> bool {
    matches!(clock, CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME)
}

/// `timer_create(clock, sevp, timerid)`.
pub fn sys_timer_create(t: &Arc<Thread>, clock: i32, sevp: UserPtr<SigEvent>, idp: u64) -> SysResult {
    if !valid_clock(clock) {
        if clock < 0 || clock == 2 || clock == 3 {
            log::warn!(target: "syscall", "timer_create: CPU-time clocks are not supported");
        }
        return Err(Errno::EINVAL.into());
    }
    let p = &t.process;
    let ev = sevp.read_opt(t)?;
    let notify = match &ev {
        None => Notify::Process(SIGALRM),
        Some(e) => match e.sigev_notify {
            SIGEV_NONE => Notify::None,
            SIGEV_SIGNAL | SIGEV_THREAD_ID => {
                let signo = e.sigev_signo as u32;
                if !valid_signal(signo) {
                    return Err(Errno::EINVAL.into());
                }
                if e.sigev_notify == SIGEV_THREAD_ID {
                    let tid = e.notify_thread_id() as u32;
                    if process::find_thread(tid).is_none_or(|th| th.process.pid != p.pid) {
                        return Err(Errno::EINVAL.into());
                    }
                    Notify::Thread(signo, tid)
                } else {
                    Notify::Process(signo)
                }
            }
            _ => return Err(Errno::EINVAL.into()),
        },
    };
    let mut st = p.state.lock();
    let id = (0..).find(|i| !st.timers.contains_key(i)).unwrap_or(0);
    let value = ev.map_or(id as u64, |e| e.sigev_value);
    write_val(t, idp, &id)?;
    st.timers
        .insert(id, PosixTimer { clock, notify, value, expiry: 0, interval: 0, queued: false, overrun: 0, task: None });
    Ok(0)
}

fn remaining(t: &PosixTimer) -> Itimerspec {
    let now = crate::time::now_ns();
    Itimerspec {
        it_interval: ns_to_timespec(t.interval),
        it_value: ns_to_timespec(if t.expiry == 0 { 0 } else { t.expiry.saturating_sub(now).max(1) }),
    }
}

/// `timer_settime(id, flags, new, old)`.
pub fn sys_timer_settime(
    t: &Arc<Thread>,
    id: i32,
    flags: u32,
    new: UserPtr<Itimerspec>,
    old: UserPtr<Itimerspec>,
) -> SysResult {
    let spec = new.read(t)?;
    let (value, interval) = (timespec_to_ns(&spec.it_value)?, timespec_to_ns(&spec.it_interval)?);
    let p = &t.process;
    let (prev, clock) = {
        let st = p.state.lock();
        let timer = st.timers.get(&id).ok_or(Errno::EINVAL)?;
        (remaining(timer), timer.clock)
    };
    old.write_opt(t, &prev)?;
    let now = crate::time::now_ns();
    let expiry = if value == 0 {
        0
    } else if flags & TIMER_ABSTIME as u32 != 0 {
        let clock_now = if clock == CLOCK_REALTIME { crate::time::realtime_ns() } else { now };
        now + value.saturating_sub(clock_now).max(1)
    } else {
        now + value
    };
    let old_task = {
        let mut st = p.state.lock();
        let timer = st.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
        timer.expiry = expiry;
        timer.interval = if expiry == 0 { 0 } else { interval };
        // A signal still queued from the old setting is dropped at dequeue (stale).
        timer.queued = false;
        timer.overrun = 0;
        timer.task.take()
    };
    if let Some(h) = old_task {
        h.cancel();
    }
    if expiry != 0 {
        let h = crate::sched::spawner()
            .spawn("posix-timer", run_timer(Arc::downgrade(p), id))
            .map_err(|_| Errno::EAGAIN)?;
        if let Some(timer) = p.state.lock().timers.get_mut(&id) {
            timer.task = Some(h);
        }
    }
    Ok(0)
}

/// `timer_gettime(id, value)`.
pub fn sys_timer_gettime(t: &Arc<Thread>, id: i32, value: UserPtr<Itimerspec>) -> SysResult {
    let cur = remaining(t.process.state.lock().timers.get(&id).ok_or(Errno::EINVAL)?);
    value.write(t, &cur)?;
    Ok(0)
}

/// `timer_getoverrun(id)`.
pub fn sys_timer_getoverrun(t: &Arc<Thread>, id: i32) -> SysResult {
    Ok(t.process.state.lock().timers.get(&id).ok_or(Errno::EINVAL)?.overrun as isize)
}

/// `timer_delete(id)`.
pub fn sys_timer_delete(t: &Arc<Thread>, id: i32) -> SysResult {
    let timer = t.process.state.lock().timers.remove(&id).ok_or(Errno::EINVAL)?;
    if let Some(h) = timer.task {
        h.cancel();
    }
    Ok(0)
}
