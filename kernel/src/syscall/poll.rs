//! `poll` and `ppoll`, and the machinery `select.rs` shares: timeouts, the temporary signal
//! mask of `ppoll`/`pselect6`, and [`wait_ready`], which sleeps on the wait queues of many
//! files at once.
//!
//! Readiness comes from [`File::poll`]; a file without a wait queue is always ready for
//! what it supports. When nothing is ready and the timeout allows, the task registers on
//! every involved queue, re-checks, and sleeps until a queue is woken, the deadline passes or
//! a signal arrives. A signal ends the call with `ERESTARTNOHAND` (EINTR once a handler ran,
//! a transparent restart otherwise); these calls never restart after a handler, whatever
//! `SA_RESTART` says. As in Linux, the remaining time is written back to the timeout of
//! `ppoll`, `select` and `pselect6`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::Poll;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::{SIGSET_SIZE, SigSet};
use kairos_abi::types::{PollEvents, PollFd, Timespec};
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{UserPtr, read_val, write_bytes, write_val};
use super::dup::nofile_limit;
use crate::file::File;
use crate::proc::Thread;
use crate::sync::WaitQueue;
use crate::sync::wait_queue::WaitUntil;

// ------------------------------------------------------------------------------------------
// Timeouts
// ------------------------------------------------------------------------------------------

/// The timeout of a readiness wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timeout {
    /// Wait as long as it takes.
    Never,
    /// Do not wait at all (and do not report a remaining time).
    Zero,
    /// Give up at this monotonic time (ns).
    Until(u64),
}

impl Timeout {
    /// A timeout `ns` nanoseconds from now.
    pub(super) fn after_nanos(ns: u64) -> Timeout {
        if ns == 0 { Timeout::Zero } else { Timeout::Until(crate::time::now_ns().saturating_add(ns)) }
    }

    /// A timeout from a user `struct timespec` (NULL: none; EINVAL if invalid).
    pub(super) fn from_user_timespec(t: &Thread, addr: u64) -> Result<Timeout> {
        if addr == 0 {
            return Ok(Timeout::Never);
        }
        let ts: Timespec = read_val(t, addr)?;
        let ns = ts.to_nanos().ok_or(Errno::EINVAL)?;
        Ok(Timeout::after_nanos(ns))
    }

    /// Time left before the deadline, if there is one to report.
    pub(super) fn remaining(self) -> Option<u64> {
        match self {
            Timeout::Until(deadline) => Some(deadline.saturating_sub(crate::time::now_ns())),
            Timeout::Never | Timeout::Zero => None,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Waiting on many queues
// ------------------------------------------------------------------------------------------

/// The distinct wait queues of `files` (files without one are always ready).
pub(super) fn queues_of<'a>(files: impl Iterator<Item = &'a Arc<File>>) -> Vec<&'a WaitQueue> {
    let mut queues: Vec<&WaitQueue> = files.filter_map(|f| f.wait_queue()).collect();
    queues.sort_by_key(|q| *q as *const WaitQueue as usize);
    queues.dedup_by(|a, b| core::ptr::eq(*a, *b));
    queues
}

/// Waits until `check` returns `Some`, re-running it whenever one of `queues` is woken:
/// `Ok(Some(v))` once ready, `Ok(None)` when `timeout` expires, `Err(ERESTARTSYS)` when a
/// signal arrives first. The task registers on every queue before each check, so no wake-up
/// between check and sleep is lost; dropping the future unregisters it everywhere.
pub(super) async fn wait_ready<T>(
    t: &Thread,
    queues: &[&WaitQueue],
    timeout: Timeout,
    mut check: impl FnMut() -> Option<T>,
) -> Result<Option<T>> {
    /// A registration that only waits to be woken (the readiness check is `check`).
    type Registration<'q> = WaitUntil<'q, fn() -> Option<()>>;
    fn never() -> Option<()> {
        None
    }
    let mut waits: Vec<Registration<'_>> = queues.iter().map(|q| q.wait_until(never as fn() -> Option<()>)).collect();
    let mut sleep = match timeout {
        Timeout::Never => None,
        Timeout::Zero => Some(crate::sched::spawner().sleep_until(0)),
        Timeout::Until(deadline) => Some(crate::sched::spawner().sleep_until(deadline)),
    };
    let wait = poll_fn(move |cx| {
        for w in &mut waits {
            // Never ready: polling only (re-)registers the waker.
            let _ = Pin::new(w).poll(cx);
        }
        if let Some(v) = check() {
            return Poll::Ready(Some(v));
        }
        if let Some(s) = sleep.as_mut()
            && Pin::new(s).poll(cx).is_ready()
        {
            return Poll::Ready(None);
        }
        Poll::Pending
    });
    super::interruptible(t, wait).await
}

// ------------------------------------------------------------------------------------------
// Temporary signal masks and the end of a wait
// ------------------------------------------------------------------------------------------

/// Installs the temporary signal mask of `ppoll`/`pselect6` from user memory (nothing for
/// NULL; EINVAL unless `size` is the kernel `sigset_t` size), saving the current mask in
/// `saved_sigmask` for [`finish_wait`] or signal delivery to restore.
pub(super) fn set_temp_sigmask(t: &Thread, addr: u64, size: usize) -> Result<()> {
    if addr == 0 {
        return Ok(());
    }
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let mask: SigSet = UserPtr::new(addr).read(t)?;
    let old = {
        let mut cur = t.sigmask.lock();
        let old = *cur;
        *cur = mask.difference(SigSet::UNBLOCKABLE);
        old
    };
    *t.saved_sigmask.lock() = Some(old);
    Ok(())
}

/// Did the wait end because of a signal?
fn interrupted(result: &SysResult) -> bool {
    matches!(result, Err(e) if e.errno == Errno::ERESTARTNOHAND)
}

/// Linux's `poll_select_finish`: unless a signal interrupted the wait (then delivery
/// restores the mask after setting up the handler), the mask saved by [`set_temp_sigmask`]
/// comes back now; the remaining time is written with `write_remaining` if there is a
/// timeout to update. If that write fails, an interrupted call is not restarted (EINTR).
pub(super) fn finish_wait(
    t: &Thread,
    result: SysResult,
    timeout: Timeout,
    write_remaining: impl FnOnce(u64) -> Result<()>,
) -> SysResult {
    if !interrupted(&result) {
        let saved = t.saved_sigmask.lock().take();
        if let Some(mask) = saved {
            *t.sigmask.lock() = mask;
        }
    }
    if let Some(left) = timeout.remaining()
        && write_remaining(left).is_err()
        && interrupted(&result)
    {
        return Err(Errno::EINTR.into());
    }
    result
}

/// Converts the `ERESTARTSYS` of an interrupted wait into the code of poll and select.
pub(super) fn no_restart(e: kairos_abi::Error) -> kairos_abi::Error {
    if e.errno == Errno::ERESTARTSYS { Errno::ERESTARTNOHAND.into() } else { e }
}

// ------------------------------------------------------------------------------------------
// poll
// ------------------------------------------------------------------------------------------

/// What one `struct pollfd` refers to.
enum Target {
    /// A negative fd: skipped, `revents` 0.
    Ignored,
    /// Not an open descriptor (or an `O_PATH` one): `POLLNVAL`.
    Invalid,
    /// An open file.
    File(Arc<File>),
}

/// The `revents` of every entry and how many are non-zero.
fn scan(fds: &[PollFd], targets: &[Target]) -> (usize, Vec<i16>) {
    let revents: Vec<i16> = fds
        .iter()
        .zip(targets)
        .map(|(p, target)| match target {
            Target::Ignored => 0,
            Target::Invalid => PollEvents::POLLNVAL.bits(),
            Target::File(f) => {
                let wanted = PollEvents::from_bits_retain(p.events) | PollEvents::POLLERR | PollEvents::POLLHUP;
                (f.poll() & wanted).bits()
            }
        })
        .collect();
    (revents.iter().filter(|&&r| r != 0).count(), revents)
}

/// The body of `poll` and `ppoll`.
async fn do_poll(t: &Thread, addr: u64, nfds: usize, timeout: Timeout) -> SysResult {
    if nfds as u64 > nofile_limit(t) {
        return Err(Errno::EINVAL.into());
    }
    let user = UserPtr::<PollFd>::new(addr);
    let mut fds = if nfds == 0 { Vec::new() } else { user.read_array(t, nfds)? };
    let targets: Vec<Target> = {
        let files = t.files();
        let table = files.lock();
        fds.iter()
            .map(|p| match table.get(p.fd) {
                Ok(f) if !f.flags().contains(OpenFlags::O_PATH) => Target::File(f),
                _ if p.fd < 0 => Target::Ignored,
                _ => Target::Invalid,
            })
            .collect()
    };
    let mut result = scan(&fds, &targets);
    if result.0 == 0 && timeout != Timeout::Zero {
        let files = targets.iter().filter_map(|tg| match tg {
            Target::File(f) => Some(f),
            _ => None,
        });
        let queues = queues_of(files);
        let ready = || Some(scan(&fds, &targets)).filter(|r| r.0 > 0);
        result = match wait_ready(t, &queues, timeout, ready).await.map_err(no_restart)? {
            Some(r) => r,
            None => scan(&fds, &targets),
        };
    }
    for (p, r) in fds.iter_mut().zip(&result.1) {
        p.revents = *r;
    }
    write_bytes(t, addr, bytemuck::cast_slice(&fds))?;
    Ok(result.0 as isize)
}

/// `poll(fds, nfds, timeout_ms)`: a negative timeout waits forever.
pub async fn sys_poll(t: &Arc<Thread>, fds: u64, nfds: usize, timeout_ms: i32) -> SysResult {
    let timeout = if timeout_ms < 0 { Timeout::Never } else { Timeout::after_nanos(timeout_ms as u64 * 1_000_000) };
    poll_keeping_deadline(t, fds, nfds, timeout).await
}

/// `poll` with Linux's restart rule: a timed poll interrupted by a signal that runs no handler
/// (a stop and continue) resumes through `restart_syscall` until the *same* deadline.
async fn poll_keeping_deadline(t: &Arc<Thread>, fds: u64, nfds: usize, timeout: Timeout) -> SysResult {
    let r = do_poll(t, fds, nfds, timeout).await;
    match (&r, timeout) {
        (Err(e), Timeout::Until(deadline)) if e.errno == Errno::ERESTARTNOHAND => {
            *t.restart_block.lock() = Some(crate::proc::signal::RestartBlock::Poll { fds, nfds, deadline });
            Err(Errno::ERESTART_RESTARTBLOCK.into())
        }
        _ => r,
    }
}

/// Resumes an interrupted timed poll (`restart_syscall`).
pub async fn restart_poll(t: &Arc<Thread>, fds: u64, nfds: usize, deadline: u64) -> SysResult {
    poll_keeping_deadline(t, fds, nfds, Timeout::Until(deadline)).await
}

/// `ppoll(fds, nfds, tmo_p, sigmask, sigsetsize)`.
pub async fn sys_ppoll(t: &Arc<Thread>, fds: u64, nfds: usize, tmo: u64, sigmask: u64, sigsetsize: usize) -> SysResult {
    let timeout = Timeout::from_user_timespec(t, tmo)?;
    set_temp_sigmask(t, sigmask, sigsetsize)?;
    let result = do_poll(t, fds, nfds, timeout).await;
    finish_wait(t, result, timeout, |left| write_val(t, tmo, &Timespec::from_nanos(left)))
}
