//! Signals: generation (`send_*`), the pending sets, and delivery.
//!
//! **Delivery happens in exactly one place**: [`deliver`], which the thread loop
//! (`task::run_thread`) calls after the trap's future has completed and before returning to
//! user mode. Nothing else writes a signal frame, so a frame can never be built into a context
//! that a syscall is still using (the bug Kevlar hit with SIGCHLD mid-`wait4`). Signal
//! handlers are per-thread `Arc`s chosen by `clone` flags, so a `vfork` child (which does not
//! pass `CLONE_SIGHAND`) never shares its parent's table.
//!
//! Blocking syscalls race their future against [`interrupted`]; when a signal that would do
//! something arrives, the syscall future is dropped (cancel-safe) and the call returns one of
//! the `ERESTART*` codes, which [`deliver`] turns into `EINTR` or a transparent restart
//! following Linux's rules.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::signal::{
    self as sig, DefaultAction, RtSigFrame, SaFlags, SigAction, SigContext, SigInfo, SigSet, UContext,
};
use kairos_abi::{Errno, Result};

use super::process::{ExitStatus, JobEvent, Process, Thread};
use crate::arch::user::UserContext;

/// What `restart_syscall` resumes after an interrupted sleep whose signal ran no handler.
#[derive(Clone, Copy, Debug)]
pub enum RestartBlock {
    /// Sleep until this monotonic deadline; write the remainder to `rem` if interrupted.
    Sleep {
        /// Monotonic deadline (ns).
        deadline: u64,
        /// User address of the `rem` timespec (0 = none).
        rem: u64,
    },
    /// A timed poll: poll again until the same monotonic deadline.
    Poll {
        /// User address of the pollfd array.
        fds: u64,
        /// Number of entries.
        nfds: usize,
        /// Monotonic deadline (ns).
        deadline: u64,
    },
    /// A futex wait with a timeout: wait again until the same monotonic deadline.
    FutexWait {
        /// The futex word.
        uaddr: u64,
        /// The expected value.
        val: u32,
        /// The wait bitset.
        bitset: u32,
        /// Private futex.
        private: bool,
        /// Monotonic deadline (ns).
        deadline: u64,
    },
}

/// Signals waiting for delivery.
#[derive(Default)]
pub struct PendingSignals {
    /// Which signals are pending.
    pub set: SigSet,
    /// Queued information, in arrival order (several per real-time signal).
    pub queue: VecDeque<SigInfo>,
}

impl PendingSignals {
    /// Adds a signal; standard signals already pending are coalesced (returns false).
    pub fn add(&mut self, info: SigInfo) -> bool {
        let s = info.signo as u32;
        if !sig::is_realtime(s) && self.set.contains(s) {
            return false;
        }
        self.set.add(s);
        self.queue.push_back(info);
        true
    }

    /// Marks `s` pending without queueing its information (Linux's "silent loss of
    /// information" when RLIMIT_SIGPENDING is reached): nothing changes if `s` is pending
    /// already. Returns true if it was not pending.
    pub fn add_unqueued(&mut self, s: u32) -> bool {
        if self.set.contains(s) {
            return false;
        }
        self.set.add(s);
        true
    }

    /// Removes and returns the first queued instance of `s` (a pending `s` without queued
    /// information yields a zeroed SI_USER record, as Linux's `collect_signal`).
    pub fn take(&mut self, s: u32) -> Option<SigInfo> {
        let Some(pos) = self.queue.iter().position(|i| i.signo as u32 == s) else {
            if self.set.contains(s) {
                self.set.remove(s);
                return Some(SigInfo::user(s, 0, 0));
            }
            return None;
        };
        let info = self.queue.remove(pos);
        if !self.queue.iter().any(|i| i.signo as u32 == s) {
            self.set.remove(s);
        }
        info
    }

    /// Drops every pending instance of the signals in `mask`.
    pub fn discard(&mut self, mask: SigSet) {
        self.queue.retain(|i| !mask.contains(i.signo as u32));
        self.set = self.set.difference(mask);
    }
}

fn is_ignored(action: &SigAction, s: u32) -> bool {
    action.is_ignore() || (action.is_default() && default_action_ignores(s))
}

fn default_action_ignores(s: u32) -> bool {
    matches!(sig::default_action(s), DefaultAction::Ign)
}

/// Sends a signal to a process (kill, SIGCHLD, …). Applies SIGCONT/stop side effects at
/// generation time, discards ignored signals, and wakes a thread that can take it.
pub fn send_to_process(p: &Arc<Process>, info: SigInfo) {
    let s = info.signo as u32;
    if p.is_zombie() {
        return;
    }
    let threads = p.threads();
    if s == sig::SIGKILL || sig::SigSet::STOP_SIGNALS.contains(s) || s == sig::SIGCONT {
        job_control_side_effects(p, &threads, s);
    }
    let Some(first) = threads.first() else { return };
    let action = first.sighand().lock().get(s);
    let blocked_everywhere = threads.iter().all(|t| t.sigmask.lock().contains(s));
    if is_ignored(&action, s) && !blocked_everywhere && s != sig::SIGKILL {
        return;
    }
    let lost = lost_to_sigpending_limit(p, &info);
    let added = if lost { p.pending.lock().add_unqueued(s) } else { p.pending.lock().add(info) };
    if !added {
        return;
    }
    if s == sig::SIGKILL {
        group_exit(p, ExitStatus::Signaled(sig::SIGKILL, false));
        return;
    }
    // Wake every thread: one that does not block it takes it, and threads waiting for it
    // in `rt_sigtimedwait` (where it is usually blocked) re-check. Spurious wakes are harmless.
    for t in &threads {
        t.signal_wait.wake_all();
    }
    p.signal_event.wake_all();
}

/// Linux's RLIMIT_SIGPENDING rule: queued signals are counted per real user. Signals from
/// kill() (SI_USER) are always queued. Beyond the limit, other real-time signals fail with
/// EAGAIN, and other standard signals are still sent but lose their information (they
/// arrive as SI_USER from pid 0). Returns the siginfo to send.
pub fn queue_check(target: &Arc<Process>, info: &SigInfo) -> kairos_abi::Result<SigInfo> {
    let s = info.signo as u32;
    if info.code == sig::SI_USER || !sigpending_limit_reached(target) {
        return Ok(*info);
    }
    if sig::is_realtime(s) {
        return Err(kairos_abi::Errno::EAGAIN.into());
    }
    Ok(SigInfo::user(s, 0, 0))
}

/// Has the real user of `target` as many signals queued as its RLIMIT_SIGPENDING allows?
fn sigpending_limit_reached(target: &Arc<Process>) -> bool {
    let (uid, limit) = {
        let st = target.state.lock();
        (st.uid[0], st.rlimits[11].0)
    };
    let mut queued = 0u64;
    for p in super::process::all_processes() {
        if p.state.lock().uid[0] != uid {
            continue;
        }
        queued += p.pending.lock().queue.len() as u64;
        for th in p.threads() {
            queued += th.pending.lock().queue.len() as u64;
        }
    }
    queued >= limit
}

/// A real-time signal sent by kill() (SI_USER) beyond RLIMIT_SIGPENDING is not queued: only
/// its pending bit is set (Linux's `__send_signal_locked`; other senders got EAGAIN from
/// [`queue_check`]).
fn lost_to_sigpending_limit(target: &Arc<Process>, info: &SigInfo) -> bool {
    sig::is_realtime(info.signo as u32) && info.code == sig::SI_USER && sigpending_limit_reached(target)
}

/// Sends a signal to every process of a process group; returns how many got it.
pub fn send_to_group(pgid: u32, info: SigInfo) -> usize {
    let members: alloc::vec::Vec<_> = super::process::all_processes()
        .into_iter()
        .filter(|p| {
            let st = p.state.lock();
            st.pgid == pgid && st.exit.is_none()
        })
        .collect();
    for p in &members {
        send_to_process(p, info);
    }
    members.len()
}

/// Sends a signal to one thread (tkill, tgkill, faults).
pub fn send_to_thread(t: &Arc<Thread>, info: SigInfo) {
    let s = info.signo as u32;
    let p = &t.process;
    if p.is_zombie() || t.is_exiting() {
        return;
    }
    if s == sig::SIGKILL || sig::SigSet::STOP_SIGNALS.contains(s) || s == sig::SIGCONT {
        job_control_side_effects(p, &p.threads(), s);
    }
    let action = t.sighand().lock().get(s);
    if is_ignored(&action, s) && !t.sigmask.lock().contains(s) && s != sig::SIGKILL {
        return;
    }
    let lost = lost_to_sigpending_limit(p, &info);
    let added = if lost { t.pending.lock().add_unqueued(s) } else { t.pending.lock().add(info) };
    if !added {
        return;
    }
    if s == sig::SIGKILL {
        group_exit(p, ExitStatus::Signaled(sig::SIGKILL, false));
        return;
    }
    t.signal_wait.wake_all();
    p.signal_event.wake_all();
}

/// A synchronous fault signal (SIGSEGV, SIGILL, …): if the thread blocks or ignores it, the
/// disposition is reset to default and it is unblocked, as Linux's `force_sig_info`.
pub fn force(t: &Arc<Thread>, info: SigInfo) {
    let s = info.signo as u32;
    {
        let sighand = t.sighand();
        let mut h = sighand.lock();
        let mut mask = t.sigmask.lock();
        if h.get(s).is_ignore() || mask.contains(s) {
            h.actions[(s - 1) as usize] = SigAction::DEFAULT;
            mask.remove(s);
        }
    }
    t.pending.lock().add(info);
}

fn job_control_side_effects(p: &Arc<Process>, threads: &[Arc<Thread>], s: u32) {
    if s == sig::SIGCONT || s == sig::SIGKILL {
        let stop_mask = SigSet::STOP_SIGNALS;
        p.pending.lock().discard(stop_mask);
        for t in threads {
            t.pending.lock().discard(stop_mask);
        }
        let was_stopped = {
            let mut st = p.state.lock();
            let was = st.stopped.take().is_some();
            if was && s == sig::SIGCONT {
                st.job_event = Some(JobEvent::Continued);
            }
            was
        };
        if was_stopped && s == sig::SIGCONT {
            notify_parent(p, sig::CLD_CONTINUED, sig::SIGCONT as i32);
        }
        p.stop_wait.wake_all();
    } else {
        let cont = SigSet::single(sig::SIGCONT);
        p.pending.lock().discard(cont);
        for t in threads {
            t.pending.lock().discard(cont);
        }
    }
}

/// Tells the parent about a state change of `p`: SIGCHLD with `code` and wakes its waiters.
pub fn notify_parent(p: &Arc<Process>, code: i32, status: i32) {
    let Some(parent) = p.parent() else { return };
    let is_stop_event = code == sig::CLD_STOPPED || code == sig::CLD_CONTINUED;
    let send = match parent.threads().first() {
        Some(t) => {
            let a = t.sighand().lock().get(sig::SIGCHLD);
            !(is_stop_event && a.sa_flags().contains(SaFlags::SA_NOCLDSTOP))
        }
        None => false,
    };
    if send {
        let (utime, stime) = (
            p.cpu_ns.0.load(Ordering::Relaxed) as i64 / 10_000_000,
            p.cpu_ns.1.load(Ordering::Relaxed) as i64 / 10_000_000,
        );
        let signo = if is_stop_event { sig::SIGCHLD } else { p.state.lock().exit_signal };
        if signo != 0 {
            let uid = p.state.lock().uid[0];
            let mut info = SigInfo::chld(code, p.pid, uid, status, utime, stime);
            info.signo = signo as i32;
            send_to_process(&parent, info);
        }
    }
    parent.child_wait.wake_all();
}

/// Starts a group exit: every thread of `p` will leave at its next delivery point.
pub fn group_exit(p: &Arc<Process>, status: ExitStatus) {
    {
        let mut st = p.state.lock();
        if st.group_exit.is_none() {
            st.group_exit = Some(status);
        }
        st.stopped = None;
    }
    for t in p.threads() {
        t.exiting.store(true, Ordering::Release);
        t.signal_wait.wake_all();
    }
    p.stop_wait.wake_all();
}

/// Signals pending for `t` and not blocked by it.
pub fn deliverable(t: &Thread) -> SigSet {
    let mask = *t.sigmask.lock();
    t.pending.lock().set.union(t.process.pending.lock().set).difference(mask)
}

/// Is there a reason for a blocking syscall of `t` to stop waiting?
pub fn has_interruption(t: &Thread) -> bool {
    t.is_exiting() || !deliverable(t).is_empty() || t.process.state.lock().stopped.is_some()
}

/// Completes when the thread should abandon a blocking syscall: a deliverable signal
/// arrived or it must exit. Race a blocking future against this and drop the loser.
pub async fn interrupted(t: &Thread) {
    t.signal_wait.wait_until(|| has_interruption(t).then_some(())).await
}

/// Is a signal of `set` pending for `t` (its own or its process's)?
pub fn peek_in(t: &Thread, set: SigSet) -> bool {
    !t.pending.lock().set.union(t.process.pending.lock().set).intersection(set).is_empty()
}

/// Takes the next pending signal of `t` that is *in* `set` (for `rt_sigtimedwait`).
pub fn dequeue_from(t: &Thread, set: SigSet) -> Option<SigInfo> {
    let blocked_outside = set.complement();
    dequeue_masked(t, blocked_outside)
}

fn dequeue(t: &Thread) -> Option<SigInfo> {
    let mask = *t.sigmask.lock();
    dequeue_masked(t, mask)
}

fn dequeue_masked(t: &Thread, mask: SigSet) -> Option<SigInfo> {
    let taken = {
        let mut own = t.pending.lock();
        match own.set.difference(mask).next_to_deliver() {
            Some(s) => own.take(s),
            None => {
                drop(own);
                let mut shared = t.process.pending.lock();
                let s = shared.set.difference(mask).next_to_deliver()?;
                shared.take(s)
            }
        }
    };
    let mut info = taken?;
    if info.code == sig::SI_TIMER && !crate::syscall::timer_delivered(&t.process, &mut info) {
        // A stale timer signal: drop it and look again.
        return dequeue_masked(t, mask);
    }
    Some(info)
}

/// Is the process group of `p` orphaned (no member has a parent in another group of the
/// same session)?
pub fn is_orphaned_pgrp(pgid: u32) -> bool {
    let members: alloc::vec::Vec<_> = super::process::all_processes()
        .into_iter()
        .filter(|p| {
            let st = p.state.lock();
            st.pgid == pgid && st.exit.is_none()
        })
        .collect();
    // As Linux's will_become_orphaned_pgrp: members whose parent is init do not count.
    !members.iter().any(|p| {
        let (sid, parent) = {
            let s = p.state.lock();
            (s.sid, s.parent.upgrade())
        };
        parent.is_some_and(|pp| {
            let ps = pp.state.lock();
            pp.pid != 1 && ps.pgid != pgid && ps.sid == sid
        })
    })
}

async fn group_stop(t: &Arc<Thread>, s: u32) {
    let p = &t.process;
    let newly = {
        let mut st = p.state.lock();
        if st.group_exit.is_some() {
            return;
        }
        if st.stopped.is_none() {
            st.stopped = Some(s);
            st.job_event = Some(JobEvent::Stopped(s));
            true
        } else {
            false
        }
    };
    if newly {
        notify_parent(p, sig::CLD_STOPPED, s as i32);
        for other in p.threads() {
            other.signal_wait.wake_all();
        }
    }
    wait_while_stopped(t).await;
}

async fn wait_while_stopped(t: &Arc<Thread>) {
    let p = &t.process;
    p.stop_wait
        .wait_until(|| {
            let stopped = p.state.lock().stopped.is_some();
            (!stopped || t.is_exiting() || deliverable(t).contains(sig::SIGKILL)).then_some(())
        })
        .await
}

/// Would Linux report a core dump (WCOREDUMP)? Only when a core file would be written whole:
/// the process is dumpable and RLIMIT_CORE covers the image (its mappings plus headers).
/// Kairos does not write the file; the status follows what Linux would report.
fn core_dumped(t: &Thread) -> bool {
    let (limit, dumpable) = {
        let st = t.process.state.lock();
        (st.rlimits[4].0, st.dumpable)
    };
    if !dumpable || limit == 0 {
        return false;
    }
    let image: u64 = t.mm().lock().vmas().map(|v| v.end - v.start).sum::<u64>() + 4096;
    limit >= image
}

/// Applies Linux's restart rules to a syscall that returned an `ERESTART*` code.
fn restart_syscall(ctx: &mut UserContext, handler: Option<&SigAction>) {
    if !ctx.in_syscall() || ctx.orig_rax == u64::MAX {
        return;
    }
    let ret = ctx.regs.rax as i64;
    let Some(errno) = Errno::from_i32((-ret) as i32).filter(|_| ret < 0) else { return };
    let restart = match (errno, handler) {
        (Errno::ERESTARTNOINTR, _) => true,
        (Errno::ERESTARTSYS, Some(a)) => a.sa_flags().contains(SaFlags::SA_RESTART),
        (Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK, Some(_)) => false,
        (Errno::ERESTARTSYS | Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK, None) => true,
        _ => return,
    };
    if restart {
        ctx.regs.rax = if errno == Errno::ERESTART_RESTARTBLOCK {
            kairos_abi::syscall::SYS_RESTART_SYSCALL as u64
        } else {
            ctx.orig_rax
        };
        ctx.regs.rip -= 2;
        ctx.force_iret = true;
    } else {
        ctx.regs.rax = Errno::EINTR.as_neg_isize() as u64;
    }
    ctx.orig_rax = u64::MAX;
}

/// THE delivery point. Called once after every trap, before returning to user mode.
pub async fn deliver(t: &Arc<Thread>, ctx: &mut UserContext) {
    let mut handler_ran = false;
    loop {
        if t.is_exiting() {
            return;
        }
        if t.process.state.lock().stopped.is_some() {
            wait_while_stopped(t).await;
            continue;
        }
        let Some(info) = dequeue(t) else { break };
        let s = info.signo as u32;
        let action = t.sighand().lock().get(s);
        if action.is_ignore() && s != sig::SIGKILL && s != sig::SIGSTOP {
            continue;
        }
        if action.is_default() || s == sig::SIGKILL || s == sig::SIGSTOP {
            match sig::default_action(s) {
                DefaultAction::Ign | DefaultAction::Cont => continue,
                DefaultAction::Stop => {
                    let pgid = t.process.state.lock().pgid;
                    if s != sig::SIGSTOP && is_orphaned_pgrp(pgid) {
                        continue;
                    }
                    group_stop(t, s).await;
                    continue;
                }
                DefaultAction::Term => {
                    group_exit(&t.process, ExitStatus::Signaled(s, false));
                    return;
                }
                DefaultAction::Core => {
                    group_exit(&t.process, ExitStatus::Signaled(s, core_dumped(t)));
                    return;
                }
            }
        }
        restart_syscall(ctx, Some(&action));
        let saved = t.saved_sigmask.lock().take();
        let old_mask = saved.unwrap_or(*t.sigmask.lock());
        if setup_frame(t, ctx, &info, &action, old_mask).is_err() {
            // Cannot write the frame: the process dies of SIGSEGV.
            group_exit(&t.process, ExitStatus::Signaled(sig::SIGSEGV, core_dumped(t)));
            return;
        }
        {
            let mut mask = t.sigmask.lock();
            *mask = mask.union(action.mask);
            if !action.sa_flags().contains(SaFlags::SA_NODEFER) {
                mask.add(s);
            }
            *mask = mask.difference(SigSet::UNBLOCKABLE);
        }
        if action.sa_flags().contains(SaFlags::SA_RESETHAND) {
            // Linux resets only the handler; the flags stay as they were.
            t.sighand().lock().actions[(s - 1) as usize].handler = sig::SIG_DFL;
        }
        handler_ran = true;
    }
    if !handler_ran {
        restart_syscall(ctx, None);
        if let Some(mask) = t.saved_sigmask.lock().take() {
            *t.sigmask.lock() = mask;
        }
    }
}

/// Bytes the x86-64 ABI reserves below the stack pointer (the red zone).
const RED_ZONE: u64 = 128;
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;

fn fpu_image_size() -> usize {
    let f = crate::arch::cpu::features();
    if f.xsave { f.fpu_state_size as usize } else { 512 }
}

fn setup_frame(
    t: &Arc<Thread>,
    ctx: &mut UserContext,
    info: &SigInfo,
    action: &SigAction,
    old_mask: SigSet,
) -> Result<()> {
    let alt = *t.altstack.lock();
    let on_alt = on_altstack(&alt, ctx.regs.rsp);
    let mut sp = ctx.regs.rsp;
    if action.sa_flags().contains(SaFlags::SA_ONSTACK) && alt.ss_size > 0 && !on_alt {
        sp = alt.ss_sp + alt.ss_size;
    } else {
        sp -= RED_ZONE;
    }
    // FPU state (64-byte aligned), then the frame, aligned so that the handler sees the
    // stack as if `pretcode` had been pushed by a call.
    let fp_size = fpu_image_size();
    let xsave = crate::arch::cpu::features().xsave;
    sp -= (fp_size + if xsave { 4 } else { 0 }) as u64;
    sp &= !63;
    let fpstate = sp;
    sp -= core::mem::size_of::<RtSigFrame>() as u64;
    sp = (sp & !15) - 8;

    let mut fp = ctx.fpu.bytes(fp_size);
    if xsave {
        fp[464..468].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        fp[468..472].copy_from_slice(&((fp_size + 4) as u32).to_le_bytes());
        fp[472..480].copy_from_slice(&7u64.to_le_bytes()); // x87 | SSE | AVX (XCR0)
        fp[480..484].copy_from_slice(&(fp_size as u32).to_le_bytes());
        fp.extend_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    }
    let r = &ctx.regs;
    let frame = RtSigFrame {
        pretcode: action.restorer,
        uc: UContext {
            uc_flags: if xsave { sig::UC_FP_XSTATE } else { 0 } | sig::UC_SIGCONTEXT_SS | sig::UC_STRICT_RESTORE_SS,
            uc_link: 0,
            uc_stack: alt,
            uc_mcontext: SigContext {
                r8: r.r8,
                r9: r.r9,
                r10: r.r10,
                r11: r.r11,
                r12: r.r12,
                r13: r.r13,
                r14: r.r14,
                r15: r.r15,
                rdi: r.rdi,
                rsi: r.rsi,
                rbp: r.rbp,
                rbx: r.rbx,
                rdx: r.rdx,
                rax: r.rax,
                rcx: r.rcx,
                rsp: r.rsp,
                rip: r.rip,
                eflags: r.rflags,
                cs: r.cs as u16,
                gs: 0,
                fs: 0,
                ss: r.ss as u16,
                err: if ctx.in_syscall() { 0 } else { r.error_code },
                trapno: if ctx.in_syscall() { 0 } else { r.vector },
                oldmask: old_mask.bits(),
                cr2: if r.vector == 14 && !ctx.in_syscall() { info.addr() } else { 0 },
                fpstate,
                reserved1: [0; 8],
            },
            uc_sigmask: old_mask,
        },
        info: *info,
    };
    let mm = t.mm();
    {
        let mut mm = mm.lock();
        mm.write_bytes(fpstate, &fp)?;
        mm.write_bytes(sp, bytemuck::bytes_of(&frame))?;
    }
    crate::sched::trace(
        crate::sched::trace_kind::SIGNAL_DELIVER,
        t.tid().into(),
        u64::from(info.signo as u32),
        action.handler,
    );
    let regs = &mut ctx.regs;
    regs.rsp = sp;
    regs.rip = action.handler;
    regs.rdi = u64::from(info.signo as u32);
    regs.rsi = sp + sig::RT_SIGFRAME_INFO_OFFSET as u64;
    regs.rdx = sp + sig::RT_SIGFRAME_UC_OFFSET as u64;
    regs.rax = 0;
    regs.rflags &= !(0x100 | 0x400 | 0x40000); // TF, DF, AC cleared
    ctx.force_iret = true;
    // The handler starts with a clean FPU (MXCSR and control word at their defaults); the
    // interrupted state comes back from the frame on sigreturn.
    ctx.fpu.reset();
    if alt.ss_flags & sig::SS_AUTODISARM != 0 && action.sa_flags().contains(SaFlags::SA_ONSTACK) {
        // Linux's sas_ss_reset.
        let mut a = t.altstack.lock();
        a.ss_flags = sig::SS_DISABLE;
        a.ss_sp = 0;
        a.ss_size = 0;
    }
    Ok(())
}

/// Is `sp` inside the (enabled) alternate stack?
pub fn on_altstack(alt: &sig::StackT, sp: u64) -> bool {
    alt.ss_size > 0 && sp.wrapping_sub(alt.ss_sp) < alt.ss_size
}

/// The `ss_flags` that `sigaltstack` reports: the stack's state plus SS_AUTODISARM if set.
pub fn altstack_flags(alt: &sig::StackT, sp: u64) -> i32 {
    let state = if alt.ss_size == 0 {
        sig::SS_DISABLE
    } else if on_altstack(alt, sp) {
        sig::SS_ONSTACK
    } else {
        0
    };
    state | (alt.ss_flags & sig::SS_AUTODISARM)
}

/// `rt_sigreturn`: restores the context saved by `setup_frame`.
pub fn sigreturn(t: &Arc<Thread>, ctx: &mut UserContext) -> Result<()> {
    let uc_addr = ctx.regs.rsp; // `ret` popped pretcode: the ucontext starts here
    let mut uc = UContext::default();
    let mm = t.mm();
    mm.lock().read_bytes(uc_addr, bytemuck::bytes_of_mut(&mut uc))?;
    let sc = &uc.uc_mcontext;
    const FIX_EFLAGS: u64 = 0x4_0dd5 | 0x1_0000; // AC OF DF TF SF ZF AF PF CF | RF
    let r = &mut ctx.regs;
    r.r8 = sc.r8;
    r.r9 = sc.r9;
    r.r10 = sc.r10;
    r.r11 = sc.r11;
    r.r12 = sc.r12;
    r.r13 = sc.r13;
    r.r14 = sc.r14;
    r.r15 = sc.r15;
    r.rdi = sc.rdi;
    r.rsi = sc.rsi;
    r.rbp = sc.rbp;
    r.rbx = sc.rbx;
    r.rdx = sc.rdx;
    r.rax = sc.rax;
    r.rcx = sc.rcx;
    r.rsp = sc.rsp;
    r.rip = sc.rip;
    r.rflags = (r.rflags & !FIX_EFLAGS) | (sc.eflags & FIX_EFLAGS);
    if sc.fpstate != 0 {
        let size = fpu_image_size();
        let mut fp = alloc::vec![0u8; size];
        mm.lock().read_bytes(sc.fpstate, &mut fp)?;
        // Keep only state components the kernel enabled; zero the reserved header bytes so
        // xrstor cannot fault on a crafted image.
        if crate::arch::cpu::features().xsave {
            let bv = u64::from_le_bytes(fp[512..520].try_into().unwrap_or([0; 8])) & 7;
            fp[512..520].copy_from_slice(&bv.to_le_bytes());
            fp[520..576].fill(0);
        }
        let mxcsr = u32::from_le_bytes(fp[24..28].try_into().unwrap_or([0; 4]));
        fp[24..28].copy_from_slice(&(mxcsr & 0xffbf).to_le_bytes());
        ctx.fpu.write(&fp);
    }
    *t.sigmask.lock() = uc.uc_sigmask.difference(SigSet::UNBLOCKABLE);
    // Restore the alternate stack as `sigaltstack` would — which refuses (silently here)
    // while running on it, as Linux's restore_altstack does.
    let mut alt = t.altstack.lock();
    if !on_altstack(&alt, uc_addr) {
        let new = uc.uc_stack;
        let mode = new.ss_flags & !sig::SS_AUTODISARM;
        if mode == sig::SS_DISABLE {
            *alt = sig::StackT { ss_sp: 0, ss_flags: new.ss_flags, _pad: 0, ss_size: 0 };
        } else if (mode == 0 || mode == sig::SS_ONSTACK) && new.ss_size >= sig::MINSIGSTKSZ as u64 {
            *alt = sig::StackT { ss_sp: new.ss_sp, ss_flags: new.ss_flags, _pad: 0, ss_size: new.ss_size };
        }
    }
    ctx.orig_rax = u64::MAX;
    ctx.force_iret = true;
    Ok(())
}
