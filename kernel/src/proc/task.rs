//! The body of every user thread: one executor task per thread.
//!
//! ```text
//! loop {
//!     enter user mode until a trap            (arch::user::enter_user)
//!     await the trap's future                 (syscall, page fault, preemption)
//!     deliver pending signals                 (signal::deliver — the only place)
//! }
//! ```
//! The thread then runs its exit path: clear_child_tid, leave the thread group, and when it
//! was the last thread, turn the process into a zombie and tell the parent.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::signal::{self as sig, SigInfo};
use kairos_executor::yield_now;

use super::process::{self, ExitStatus, Process, Thread};
use super::signal;
use crate::arch::apic::TIMER_VECTOR;
use crate::arch::trap::SPURIOUS_VECTOR;
use crate::arch::user::{SYSCALL_VECTOR, UserContext, enter_user};
use crate::arch::{apic, cpu};
use crate::mm::vm::{Access, FaultError};
use crate::sched::{self, trace_kind};

/// Longest time a thread runs (in user mode or in syscalls that complete at once) before it
/// yields to other tasks.
const TIME_SLICE_NS: u64 = 10_000_000;
/// A syscall that took longer than this is taken to have slept.
const BLOCKED_NS: u64 = 1_000_000;

/// Starts `thread` as a new executor task with the given initial context.
pub fn spawn(thread: Arc<Thread>, ctx: alloc::boxed::Box<UserContext>) -> kairos_abi::Result<()> {
    process::register_thread(&thread);
    let t = thread.clone();
    let body = Accounted { thread: thread.clone(), inner: alloc::boxed::Box::pin(run_thread(t, ctx)) };
    let handle = sched::spawner().spawn("user-thread", body).map_err(|_| kairos_abi::Errno::EAGAIN)?;
    thread.task_id.store(handle.id().as_u64(), Ordering::Relaxed);
    sched::trace(trace_kind::USER_THREAD, handle.id().as_u64(), u64::from(thread.tid()), u64::from(thread.process.pid));
    drop(handle);
    Ok(())
}

/// Wraps a thread's task so that time spent running it in the kernel is charged as system
/// time as it happens: `cpu_mark` is set when a poll starts and after every return from user
/// mode, and [`charge_system`] adds the time since the mark. Time asleep in a blocking call is
/// not charged, because the task is not being polled then.
struct Accounted<F> {
    thread: Arc<Thread>,
    inner: core::pin::Pin<alloc::boxed::Box<F>>,
}

impl<F: core::future::Future<Output = ()>> core::future::Future for Accounted<F> {
    type Output = ();

    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
        self.thread.cpu_mark.store(crate::time::now_ns(), Ordering::Relaxed);
        let r = self.inner.as_mut().poll(cx);
        charge_system(&self.thread);
        r
    }
}

/// Charges the kernel time since the thread's mark to its process and moves the mark.
fn charge_system(t: &Thread) {
    let now = crate::time::now_ns();
    let spent = now.saturating_sub(t.cpu_mark.swap(now, Ordering::Relaxed));
    t.process.cpu_ns.1.fetch_add(spent, Ordering::Relaxed);
    crate::syscall::charge_cpu(&t.process, 0, spent);
}

fn arm_preemption() {
    let now = crate::time::now_ns();
    let slice_end = now + TIME_SLICE_NS;
    let deadline = sched::spawner().next_deadline().map_or(slice_end, |d| d.min(slice_end));
    apic::arm_timer_ns_at_most(deadline.saturating_sub(now));
}

/// The thread's task.
pub async fn run_thread(t: Arc<Thread>, mut ctx: alloc::boxed::Box<UserContext>) {
    t.ctx_addr.store(&*ctx as *const UserContext as u64, Ordering::Relaxed);
    crate::debug::update(&t);
    let tid = u64::from(t.tid());
    // Start of the thread's current time slice: a thread whose traps all complete at once
    // (a loop of non-blocking syscalls) must still let other tasks run.
    let mut slice_start = crate::time::now_ns();
    loop {
        if t.is_exiting() {
            break;
        }
        let now = crate::time::now_ns();
        if now.saturating_sub(slice_start) >= TIME_SLICE_NS {
            yield_now().await;
            slice_start = crate::time::now_ns();
        }
        let mm = t.mm();
        if mm.lock().activate() {
            sched::trace(trace_kind::MM_SWITCH, tid, mm.lock().pml4(), 0);
        }
        drop(mm);
        arm_preemption();
        sched::trace(trace_kind::USER_ENTER, tid, ctx.regs.rip, 0);
        charge_system(&t);
        let user_start = crate::time::now_ns();
        enter_user(&mut ctx);
        let vector = ctx.regs.vector;
        let user_end = crate::time::now_ns();
        let user_ns = user_end - user_start;
        t.process.cpu_ns.0.fetch_add(user_ns, Ordering::Relaxed);
        t.cpu_mark.store(user_end, Ordering::Relaxed);
        crate::syscall::charge_cpu(&t.process, user_ns, 0);
        if vector == SYSCALL_VECTOR {
            cpu::enable_interrupts();
            let k0 = crate::time::now_ns();
            let nr = ctx.regs.rax;
            crate::syscall::handle(&t, &mut ctx).await;
            if nr == kairos_abi::syscall::SYS_EXECVE as u64 || nr == kairos_abi::syscall::SYS_EXECVEAT as u64 {
                crate::debug::update(&t);
            }
            let sys_ns = crate::time::now_ns().saturating_sub(k0);
            if sys_ns > BLOCKED_NS {
                // The call most likely slept: others ran meanwhile, so a new slice begins.
                slice_start = crate::time::now_ns();
            }
        } else if vector >= 32 {
            if vector != u64::from(SPURIOUS_VECTOR) {
                crate::irq::handle_irq(vector as u8);
                apic::eoi();
            }
            cpu::enable_interrupts();
            if vector == u64::from(TIMER_VECTOR) {
                yield_now().await; // preemption
                slice_start = crate::time::now_ns();
            }
        } else {
            let cr2 = cpu::read_cr2();
            cpu::enable_interrupts();
            if let Some((cache, index)) = handle_exception(&t, &mut ctx, vector, cr2) {
                // Page-in: await the file page, then let the instruction fault again.
                if let Err(e) = cache.page(index).await {
                    log::warn!(target: "mm", "page-in of page {index} failed: {e:?}");
                    signal::force(&t, SigInfo::fault(sig::SIGBUS, sig::BUS_ADRERR, cr2));
                }
            }
        }
        signal::deliver(&t, &mut ctx).await;
    }
    exit_thread(&t);
}

/// Turns a CPU exception in user mode into a page-in or a signal. Returns the file page to
/// await when a fault needs one read from its file.
fn handle_exception(
    t: &Arc<Thread>,
    ctx: &mut UserContext,
    vector: u64,
    cr2: u64,
) -> Option<(Arc<crate::mm::pagecache::CachedFile>, u64)> {
    let rip = ctx.regs.rip;
    let info = match vector {
        14 => {
            let err = ctx.regs.error_code;
            let access = if err & 0x10 != 0 {
                Access::Execute
            } else if err & 2 != 0 {
                Access::Write
            } else {
                Access::Read
            };
            sched::trace(trace_kind::PAGE_FAULT, u64::from(t.tid()), cr2, err);
            let r = t.mm().lock().handle_fault(cr2, access);
            log::trace!(target: "fault", "pid {} tid {} page fault at {cr2:#x} ({access:?}, rip {rip:#x}): {r:?}", t.process.pid, t.tid());
            sched::trace(trace_kind::PAGE_FAULT_END, u64::from(t.tid()), cr2, u64::from(r.is_err()));
            match r {
                Ok(()) => return None,
                Err(FaultError::NeedPage(cache, index)) => return Some((cache, index)),
                Err(FaultError::PastEof) => SigInfo::fault(sig::SIGBUS, sig::BUS_ADRERR, cr2),
                Err(FaultError::Unmapped) => SigInfo::fault(sig::SIGSEGV, sig::SEGV_MAPERR, cr2),
                Err(FaultError::Protection) => SigInfo::fault(sig::SIGSEGV, sig::SEGV_ACCERR, cr2),
                Err(FaultError::NoMemory) => {
                    log::warn!(target: "mm", "out of memory: killing pid {}", t.process.pid);
                    signal::group_exit(&t.process, ExitStatus::Signaled(sig::SIGKILL, false));
                    return None;
                }
            }
        }
        0 => SigInfo::fault(sig::SIGFPE, sig::FPE_INTDIV, rip),
        1 => SigInfo::fault(sig::SIGTRAP, sig::TRAP_BRKPT, rip),
        3 => SigInfo::new(sig::SIGTRAP, sig::SI_KERNEL),
        4 | 5 | 13 => SigInfo::new(sig::SIGSEGV, sig::SI_KERNEL),
        6 => SigInfo::fault(sig::SIGILL, sig::ILL_ILLOPN, rip),
        10 => SigInfo::new(sig::SIGSEGV, sig::SI_KERNEL),
        11 | 12 => SigInfo::new(sig::SIGBUS, sig::SI_KERNEL),
        16 | 19 => SigInfo::fault(sig::SIGFPE, sig::FPE_FLTINV, rip),
        17 => SigInfo::fault(sig::SIGBUS, sig::BUS_ADRALN, cr2),
        _ => SigInfo::new(sig::SIGSEGV, sig::SI_KERNEL),
    };
    log::debug!(target: "signal", "pid {} tid {}: exception {vector} at {rip:#x} -> signal {}", t.process.pid, t.tid(), info.signo);
    signal::force(t, info);
    None
}

/// The exit path of a thread (its task ends right after).
fn exit_thread(t: &Arc<Thread>) {
    let p = t.process.clone();
    let ctid = t.clear_child_tid.swap(0, Ordering::AcqRel);
    let mm = t.mm();
    // Like Linux's mm_release: only when another thread still uses this address space
    // (the count includes `t.mm` itself and the local clone).
    if ctid != 0 && alloc::sync::Arc::strong_count(&mm) > 2 && mm.lock().write_bytes(ctid, &0u32.to_le_bytes()).is_ok()
    {
        if let Ok(key) = crate::futex::key(&mm, ctid, false) {
            crate::futex::wake(key, 1, u32::MAX);
        }
        if let Ok(key) = crate::futex::key(&mm, ctid, true) {
            crate::futex::wake(key, 1, u32::MAX);
        }
    }
    process::unregister_thread(t.tid());
    crate::debug::remove(t.tid());
    let last = {
        let mut st = p.state.lock();
        st.threads.retain(|w| w.upgrade().is_some_and(|x| x.tid() != t.tid()));
        st.threads.is_empty()
    };
    t.vfork_done.store(true, Ordering::Release);
    t.vfork_wait.wake_all();
    if !last {
        // Children this thread created get their parent-death signal now (Linux ties it to
        // the creating thread, not the process).
        let children = p.state.lock().children.clone();
        for c in children {
            let sig = {
                let st = c.state.lock();
                if st.parent_tid == t.tid() && st.exit.is_none() { st.pdeath_signal } else { 0 }
            };
            if sig != 0 {
                let uid = p.state.lock().uid[0];
                signal::send_to_process(&c, SigInfo::user(sig, p.pid, uid));
            }
        }
    }
    // Release what the thread holds so pipes see EOF and memory returns now.
    *t.files.lock() = Arc::new(spin::Mutex::new(crate::file::FdTable::new()));
    if last {
        let status = p.state.lock().group_exit.unwrap_or(ExitStatus::Exited(t.exit_code.load(Ordering::Relaxed) as u8));
        process_exit(&p, status);
    }
}

/// Stops the process's POSIX timers (exec and exit) and, on exit, its interval timers.
pub fn cancel_timers(p: &Process, exiting: bool) {
    let (timers, real) = {
        let mut st = p.state.lock();
        let timers = core::mem::take(&mut st.timers);
        let real = if exiting { st.itimer_real.take() } else { None };
        if exiting {
            st.cpu_itimers = [(0, 0); 2];
        }
        (timers, real)
    };
    for (_, t) in timers {
        if let Some(h) = t.task {
            h.cancel();
        }
    }
    if let Some((_, _, h)) = real {
        h.cancel();
    }
}

/// Finds who adopts orphans of `p`: the nearest subreaper ancestor, or init.
fn adoptive_parent(p: &Arc<Process>) -> Option<Arc<Process>> {
    let mut cur = p.parent();
    while let Some(a) = cur {
        let adopts = {
            let st = a.state.lock();
            st.child_subreaper && st.exit.is_none()
        };
        if adopts {
            return Some(a);
        }
        cur = a.parent();
    }
    process::find_process(1).filter(|init| init.pid != p.pid)
}

/// The last thread left: `p` becomes a zombie (or is reaped at once).
pub fn process_exit(p: &Arc<Process>, status: ExitStatus) {
    log::debug!(target: "proc", "pid {} exits: {status:?}", p.pid);
    cancel_timers(p, true);
    let sid = p.state.lock().sid;
    if sid == p.pid {
        crate::file::tty::session_leader_exited(sid);
    }
    // Process groups that were already orphaned before this exit get no SIGHUP/SIGCONT.
    let groups_before: alloc::vec::Vec<(u32, bool)> = {
        let mut g: alloc::vec::Vec<u32> = p.state.lock().children.iter().map(|c| c.state.lock().pgid).collect();
        g.push(p.state.lock().pgid);
        g.sort_unstable();
        g.dedup();
        g.into_iter().map(|pgid| (pgid, signal::is_orphaned_pgrp(pgid))).collect()
    };
    // Orphans go to a subreaper or init.
    let children = core::mem::take(&mut p.state.lock().children);
    let heir = adoptive_parent(p);
    let mut orphan_pgrps = alloc::vec::Vec::new();
    for c in &children {
        let (pdeath, pgid) = {
            let mut st = c.state.lock();
            st.parent = heir.as_ref().map(Arc::downgrade).unwrap_or_default();
            (st.pdeath_signal, st.pgid)
        };
        if pdeath != 0 {
            // Sent as if by kill() from the dying parent (Linux: SEND_SIG_NOINFO).
            let uid = p.state.lock().uid[0];
            signal::send_to_process(c, SigInfo::user(pdeath, p.pid, uid));
        }
        orphan_pgrps.push(pgid);
    }
    if let Some(h) = &heir {
        let any_zombie = children.iter().any(|c| c.is_zombie());
        h.state.lock().children.extend(children);
        if any_zombie {
            h.child_wait.wake_all();
        }
    }
    orphan_pgrps.push(p.state.lock().pgid);
    orphan_pgrps.sort_unstable();
    orphan_pgrps.dedup();
    p.state.lock().exit = Some(status);
    p.pidfd_wait.wake_all();
    // Newly orphaned process groups with stopped members get SIGHUP then SIGCONT.
    for pgid in orphan_pgrps {
        let stopped = process::all_processes().iter().any(|m| {
            let st = m.state.lock();
            m.pid != p.pid && st.pgid == pgid && st.stopped.is_some()
        });
        let was_orphaned = groups_before.iter().any(|&(g, o)| g == pgid && o);
        if stopped && !was_orphaned && signal::is_orphaned_pgrp(pgid) {
            signal::send_to_group(pgid, SigInfo::kernel(sig::SIGHUP));
            signal::send_to_group(pgid, SigInfo::kernel(sig::SIGCONT));
        }
    }
    if p.pid == 1 {
        init_exited(status);
    }
    let parent = p.parent();
    let auto_reap = parent.as_ref().is_some_and(|pp| {
        pp.threads().first().is_some_and(|t| {
            let a = t.sighand().lock().get(sig::SIGCHLD);
            a.is_ignore() || a.sa_flags().contains(sig::SaFlags::SA_NOCLDWAIT)
        })
    });
    let (code, st) = match status {
        ExitStatus::Exited(c) => (sig::CLD_EXITED, i32::from(c)),
        ExitStatus::Signaled(s, false) => (sig::CLD_KILLED, s as i32),
        ExitStatus::Signaled(s, true) => (sig::CLD_DUMPED, s as i32),
    };
    signal::notify_parent(p, code, st);
    if auto_reap {
        if let Some(pp) = &parent {
            super::wait::reap(pp, p, (0, 0));
            pp.child_wait.wake_all();
        }
    } else if parent.is_none() {
        process::unregister_process(p.pid);
    }
}

fn init_exited(status: ExitStatus) -> ! {
    use crate::arch::qemu::ExitCode;
    log::info!(target: "proc", "init exited: {status:?}; powering off");
    let ok = status == ExitStatus::Exited(0);
    crate::power_off(if ok { ExitCode::Success } else { ExitCode::Failure })
}
