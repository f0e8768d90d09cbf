//! pidfds: files that name one process (or, with `PIDFD_THREAD`, one thread) for its whole
//! life, immune to pid reuse. A pidfd holds its process object, so it can tell "still running",
//! "exited but not yet reaped" and "reaped" apart long after the pid has been recycled.
//!
//! Readiness follows Linux's `pidfd_poll`: nothing while the target runs, `POLLIN|POLLRDNORM`
//! once it has exited (for a process: its last thread), and `POLLHUP` as well once it has been
//! reaped. The process's `pidfd_wait` queue is woken at each of those steps. The syscalls
//! (`pidfd_open`, `pidfd_send_signal`, `pidfd_getfd`, `waitid(P_PIDFD)`) live in `syscall/`.

use alloc::sync::{Arc, Weak};

use kairos_abi::types::PollEvents;

use crate::proc::process::{self, Pid, Process, Thread};
use crate::sync::WaitQueue;

/// What a pidfd refers to.
pub struct PidFd {
    process: Arc<Process>,
    /// `PIDFD_THREAD`: the thread (and its id when the pidfd was made).
    thread: Option<(Pid, Weak<Thread>)>,
}

impl PidFd {
    /// A pidfd for the whole of `process`.
    pub fn for_process(process: Arc<Process>) -> Arc<PidFd> {
        Arc::new(PidFd { process, thread: None })
    }

    /// A `PIDFD_THREAD` pidfd for thread `tid` of `process` (`thread` is empty for a main
    /// thread that has already exited while its process lives on or is a zombie).
    pub fn for_thread(process: Arc<Process>, tid: Pid, thread: Weak<Thread>) -> Arc<PidFd> {
        Arc::new(PidFd { process, thread: Some((tid, thread)) })
    }

    /// The process (of the thread, for a thread pidfd).
    pub fn process(&self) -> &Arc<Process> {
        &self.process
    }

    /// Was this made with `PIDFD_THREAD`?
    pub fn is_thread(&self) -> bool {
        self.thread.is_some()
    }

    /// The id the pidfd names: the thread id for a thread pidfd, the process id otherwise.
    pub fn id(&self) -> Pid {
        self.thread.as_ref().map_or(self.process.pid, |(tid, _)| *tid)
    }

    /// Has the process been reaped (it is no longer in the process table under its pid)?
    pub fn is_reaped(&self) -> bool {
        !process::find_process(self.process.pid).is_some_and(|p| Arc::ptr_eq(&p, &self.process))
    }

    /// The thread of a thread pidfd, while it is alive (not for process pidfds).
    pub fn live_thread(&self) -> Option<Arc<Thread>> {
        let (tid, weak) = self.thread.as_ref()?;
        process::find_thread(*tid).filter(|t| core::ptr::eq(Arc::as_ptr(t), weak.as_ptr()))
    }

    /// Does the task the pidfd names still exist in Linux's sense (running or a zombie)? A
    /// non-leader thread is gone as soon as it exits; a process (or its main thread) until it
    /// is reaped.
    pub fn task_exists(&self) -> bool {
        match &self.thread {
            Some((tid, _)) if *tid != self.process.pid => self.live_thread().is_some(),
            _ => !self.is_reaped(),
        }
    }

    /// Readiness (Linux's `pidfd_poll`).
    pub fn poll(&self) -> PollEvents {
        let exited = PollEvents::POLLIN | PollEvents::POLLRDNORM;
        if !self.task_exists() {
            return exited | PollEvents::POLLHUP;
        }
        let done = match &self.thread {
            Some(_) => self.live_thread().is_none(),
            None => self.process.is_zombie(),
        };
        if done { exited } else { PollEvents::empty() }
    }

    /// Woken when the target exits or is reaped.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.process.pidfd_wait
    }
}
