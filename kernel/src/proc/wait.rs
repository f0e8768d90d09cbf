//! Waiting for children: the shared engine of `wait4` and `waitid`.

use alloc::sync::Arc;

use kairos_abi::flags::WaitOptions;
use kairos_abi::signal as sig;
use kairos_abi::{Errno, Result};

use super::process::{self, ExitStatus, JobEvent, Pid, Process, Thread};

/// Which children a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitTarget {
    /// Any child.
    Any,
    /// The child with this pid.
    Pid(Pid),
    /// Any child in this process group.
    Pgid(Pid),
}

/// A collected state change.
#[derive(Clone, Copy, Debug)]
pub struct WaitResult {
    /// The child.
    pub pid: Pid,
    /// `wstatus` as wait4 reports it.
    pub wstatus: i32,
    /// `si_code` for waitid (CLD_*).
    pub code: i32,
    /// `si_status` for waitid.
    pub status: i32,
    /// The child's CPU time (user, system) in ns, including its reaped children.
    pub times: (u64, u64),
}

fn matches(child: &Process, target: WaitTarget, opts: WaitOptions) -> bool {
    let (pgid, exit_signal) = {
        let st = child.state.lock();
        (st.pgid, st.exit_signal)
    };
    // A "clone" child reports to its parent with a signal other than SIGCHLD: plain waits
    // ignore it, __WCLONE waits only for such children, __WALL for both.
    let clone_child = exit_signal != sig::SIGCHLD;
    let kind_ok = opts.contains(WaitOptions::__WALL) || (clone_child == opts.contains(WaitOptions::__WCLONE));
    kind_ok
        && match target {
            WaitTarget::Any => true,
            WaitTarget::Pid(p) => child.pid == p,
            WaitTarget::Pgid(g) => pgid == g,
        }
}

/// Looks once for a child state change; `None` means "nothing yet, keep waiting".
fn scan(parent: &Arc<Process>, target: WaitTarget, opts: WaitOptions) -> Option<Result<Option<WaitResult>>> {
    let children: alloc::vec::Vec<Arc<Process>> = parent.state.lock().children.clone();
    let mut any = false;
    for child in children.iter().filter(|c| matches(c, target, opts)) {
        any = true;
        let (exit, job) = {
            let st = child.state.lock();
            (st.exit, st.job_event)
        };
        if let Some(status) = exit {
            if !opts.contains(WaitOptions::WEXITED) {
                continue;
            }
            let times = (
                child.cpu_ns.0.load(core::sync::atomic::Ordering::Relaxed),
                child.cpu_ns.1.load(core::sync::atomic::Ordering::Relaxed),
            );
            let (code, st) = match status {
                ExitStatus::Exited(c) => (sig::CLD_EXITED, i32::from(c)),
                ExitStatus::Signaled(s, false) => (sig::CLD_KILLED, s as i32),
                ExitStatus::Signaled(s, true) => (sig::CLD_DUMPED, s as i32),
            };
            if !opts.contains(WaitOptions::WNOWAIT) {
                reap(parent, child, times);
            }
            return Some(Ok(Some(WaitResult { pid: child.pid, wstatus: status.wstatus(), code, status: st, times })));
        }
        match job {
            Some(JobEvent::Stopped(s)) if opts.contains(WaitOptions::WUNTRACED) => {
                if !opts.contains(WaitOptions::WNOWAIT) {
                    child.state.lock().job_event = None;
                }
                return Some(Ok(Some(WaitResult {
                    pid: child.pid,
                    wstatus: ((s as i32) << 8) | 0x7f,
                    code: sig::CLD_STOPPED,
                    status: s as i32,
                    times: (0, 0),
                })));
            }
            Some(JobEvent::Continued) if opts.contains(WaitOptions::WCONTINUED) => {
                if !opts.contains(WaitOptions::WNOWAIT) {
                    child.state.lock().job_event = None;
                }
                return Some(Ok(Some(WaitResult {
                    pid: child.pid,
                    wstatus: 0xffff,
                    code: sig::CLD_CONTINUED,
                    status: sig::SIGCONT as i32,
                    times: (0, 0),
                })));
            }
            _ => {}
        }
    }
    if !any {
        return Some(Err(Errno::ECHILD.into()));
    }
    if opts.contains(WaitOptions::WNOHANG) {
        return Some(Ok(None));
    }
    None
}

/// Removes a zombie child for good.
pub fn reap(parent: &Arc<Process>, child: &Arc<Process>, times: (u64, u64)) {
    {
        let mut st = parent.state.lock();
        st.children.retain(|c| c.pid != child.pid);
        let (cu, cs) = child.state.lock().children_times;
        st.children_times.0 += times.0 + cu;
        st.children_times.1 += times.1 + cs;
    }
    process::unregister_process(child.pid);
}

/// Waits (interruptibly) for a child matching `target` to change state as `opts` asks.
pub async fn wait_child(t: &Arc<Thread>, target: WaitTarget, opts: WaitOptions) -> Result<Option<WaitResult>> {
    let p = t.process.clone();
    if let Some(r) = scan(&p, target, opts) {
        return r;
    }
    crate::syscall::interruptible(t, p.child_wait.wait_until(|| scan(&p, target, opts))).await?
}
