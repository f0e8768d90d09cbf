//! `pidfd_open`, `pidfd_send_signal` and `pidfd_getfd`, plus what `clone` (`CLONE_PIDFD`) and
//! `waitid` (`P_PIDFD`) need to make and read pidfds. The pidfd object and its readiness are in
//! [`crate::file::pidfd`].
//!
//! Errors follow Linux 6.18: a pid that is a thread but not a thread-group leader gets ENOENT
//! from `pidfd_open` without `PIDFD_THREAD`; a reaped target is ESRCH; a zombie still accepts
//! signals (they are dropped) but has no descriptors left to take. Every pidfd is `O_CLOEXEC`.

use alloc::sync::{Arc, Weak};

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::{SI_TKILL, SigInfo, valid_signal};
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{Fd, UserPtr};
use crate::file::pidfd::PidFd;
use crate::file::{File, FileKind};
use crate::proc::process::{self, Pid, Process, Thread};
use crate::proc::signal;
use crate::sched::{self, trace_kind};

/// `PIDFD_NONBLOCK` (= `O_NONBLOCK`).
const PIDFD_NONBLOCK: u32 = OpenFlags::O_NONBLOCK.bits();
/// `PIDFD_THREAD` (= `O_EXCL`): the pidfd names one thread, not its whole process.
const PIDFD_THREAD: u32 = OpenFlags::O_EXCL.bits();
/// `pidfd_send_signal` scope: the thread the pidfd names (the main thread for a process pidfd).
const PIDFD_SIGNAL_THREAD: u32 = 1 << 0;
/// `pidfd_send_signal` scope: the whole thread group.
const PIDFD_SIGNAL_THREAD_GROUP: u32 = 1 << 1;
/// `pidfd_send_signal` scope: the process group whose id is the pidfd's pid.
const PIDFD_SIGNAL_PROCESS_GROUP: u32 = 1 << 2;
/// Special pidfd value naming the calling thread (Linux 6.15+).
const PIDFD_SELF_THREAD: i32 = -10000;
/// Special pidfd value naming the calling process (Linux 6.15+).
const PIDFD_SELF_THREAD_GROUP: i32 = -10001;

/// A new pidfd file: `O_RDWR`, plus `O_NONBLOCK` when asked.
fn new_file(pidfd: Arc<PidFd>, nonblock: bool) -> Arc<File> {
    let mut flags = OpenFlags::O_RDWR;
    if nonblock {
        flags |= OpenFlags::O_NONBLOCK;
    }
    File::new(FileKind::PidFd(pidfd), None, Some("anon_inode:[pidfd]".into()), flags)
}

/// The pidfd open at `fd` and whether its file is non-blocking (EBADF when `fd` is not open or
/// not a pidfd).
pub(super) fn pidfd_of(t: &Thread, fd: Fd) -> Result<(Arc<PidFd>, bool)> {
    let file = fd.file(t)?;
    match &file.kind {
        FileKind::PidFd(p) => Ok((p.clone(), file.nonblocking())),
        _ => Err(Errno::EBADF.into()),
    }
}

/// The descriptor the next pidfd will get (EMFILE when none is free): `clone` reports it to
/// user space before the child exists, as Linux reserves it first.
pub(super) fn next_fd(t: &Thread) -> Result<i32> {
    let limit = super::dup::nofile_limit(t);
    let files = t.files();
    let table = files.lock();
    let mut lowest = 0i32;
    for (fd, _) in table.iter() {
        if fd != lowest {
            break;
        }
        lowest += 1;
    }
    if lowest as u64 >= limit { Err(Errno::EMFILE.into()) } else { Ok(lowest) }
}

/// Installs a pidfd for a child `clone` just made (a thread pidfd for `CLONE_THREAD`).
pub(super) fn install_for_clone(t: &Thread, child: &Arc<Thread>, thread: bool) -> Result<i32> {
    let pidfd = if thread {
        PidFd::for_thread(child.process.clone(), child.tid(), Arc::downgrade(child))
    } else {
        PidFd::for_process(child.process.clone())
    };
    super::dup::install(t, new_file(pidfd, false), true)
}

/// `pidfd_open(pid, flags)`.
pub fn sys_pidfd_open(t: &Arc<Thread>, pid: i32, flags: u32) -> SysResult {
    if flags & !(PIDFD_NONBLOCK | PIDFD_THREAD) != 0 || pid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let pid = pid as Pid;
    let pidfd = if flags & PIDFD_THREAD != 0 {
        match process::find_thread(pid) {
            Some(th) => PidFd::for_thread(th.process.clone(), pid, Arc::downgrade(&th)),
            // A main thread that has exited stays a (zombie) task until its process is reaped.
            None => PidFd::for_thread(process::find_process(pid).ok_or(Errno::ESRCH)?, pid, Weak::new()),
        }
    } else {
        match process::find_process(pid) {
            Some(p) => PidFd::for_process(p),
            // A thread, but not a thread-group leader.
            None if process::find_thread(pid).is_some() => return Err(Errno::ENOENT.into()),
            None => return Err(Errno::ESRCH.into()),
        }
    };
    Ok(super::dup::install(t, new_file(pidfd, flags & PIDFD_NONBLOCK != 0), true)? as isize)
}

/// Whom `pidfd_send_signal` signals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// One thread (Linux's PIDTYPE_PID).
    Thread,
    /// The thread group (PIDTYPE_TGID).
    Process,
    /// The process group whose id is the pidfd's pid (PIDTYPE_PGID).
    ProcessGroup,
}

/// `pidfd_send_signal(pidfd, sig, info, flags)`.
pub fn sys_pidfd_send_signal(t: &Arc<Thread>, pidfd: i32, sig: i32, uinfo: u64, flags: u32) -> SysResult {
    let scopes = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP;
    if flags & !scopes != 0 || flags.count_ones() > 1 {
        return Err(Errno::EINVAL.into());
    }
    let target = match pidfd {
        PIDFD_SELF_THREAD => PidFd::for_thread(t.process.clone(), t.tid(), Arc::downgrade(t)),
        PIDFD_SELF_THREAD_GROUP => PidFd::for_process(t.process.clone()),
        fd => pidfd_of(t, Fd(fd))?.0,
    };
    let scope = match flags {
        PIDFD_SIGNAL_THREAD => Scope::Thread,
        PIDFD_SIGNAL_THREAD_GROUP => Scope::Process,
        PIDFD_SIGNAL_PROCESS_GROUP => Scope::ProcessGroup,
        _ if target.is_thread() => Scope::Thread,
        _ => Scope::Process,
    };
    let me = &t.process;
    let info = if uinfo != 0 {
        let info: SigInfo = UserPtr::new(uinfo).read(t)?;
        if info.signo != sig {
            return Err(Errno::EINVAL.into());
        }
        // Codes that pretend to come from kill/tkill or the kernel only to oneself.
        let to_self = scope != Scope::ProcessGroup && Arc::ptr_eq(target.process(), me) && target.id() == t.tid();
        if !to_self && (info.code >= 0 || info.code == SI_TKILL) {
            return Err(Errno::EPERM.into());
        }
        info
    } else {
        let uid = me.state.lock().uid[0];
        let sig = sig as u32;
        if scope == Scope::Thread { SigInfo::tkill(sig, me.pid, uid) } else { SigInfo::user(sig, me.pid, uid) }
    };
    if scope == Scope::ProcessGroup {
        return signal_group(me, target.id(), sig as u32, &info);
    }
    if !target.task_exists() {
        return Err(Errno::ESRCH.into());
    }
    let sig = sig as u32;
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let p = target.process();
    if !super::kill::may_signal(me, p, sig) {
        return Err(Errno::EPERM.into());
    }
    // Signal 0 only probes; a zombie accepts signals and drops them.
    if sig == 0 || p.is_zombie() {
        return Ok(0);
    }
    sched::trace(trace_kind::SIGNAL_GENERATE, u64::from(target.id()), u64::from(sig), u64::from(me.pid));
    let info = signal::queue_check(p, &info)?;
    match scope {
        Scope::Thread => {
            let thread = if target.is_thread() { target.live_thread() } else { process::find_thread(p.pid) };
            // A main thread that already exited ignores it, as a zombie task would.
            if let Some(th) = thread.filter(|th| Arc::ptr_eq(&th.process, p)) {
                signal::send_to_thread(&th, info);
            }
        }
        _ => signal::send_to_process(p, info),
    }
    Ok(0)
}

/// `PIDFD_SIGNAL_PROCESS_GROUP`: every process of group `pgid` (Linux's `__kill_pgrp_info`:
/// success if one of them could be signalled, else the last error).
fn signal_group(me: &Arc<Process>, pgid: Pid, sig: u32, info: &SigInfo) -> SysResult {
    let members: alloc::vec::Vec<Arc<Process>> =
        process::all_processes().into_iter().filter(|p| p.state.lock().pgid == pgid).collect();
    if members.is_empty() {
        return Err(Errno::ESRCH.into());
    }
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL.into());
    }
    let mut sent = false;
    for p in &members {
        if !super::kill::may_signal(me, p, sig) {
            continue;
        }
        sent = true;
        if sig != 0 {
            sched::trace(trace_kind::SIGNAL_GENERATE, u64::from(p.pid), u64::from(sig), u64::from(me.pid));
            if let Ok(info) = signal::queue_check(p, info) {
                signal::send_to_process(p, info);
            }
        }
    }
    if sent { Ok(0) } else { Err(Errno::EPERM.into()) }
}

/// Linux's `ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)` without an LSM: the same process,
/// or the caller's real uid and gid match all of the target's (and the target is dumpable),
/// or the caller is privileged (effective uid 0).
fn may_ptrace(me: &Process, target: &Process) -> bool {
    if core::ptr::eq(me, target) {
        return true;
    }
    let (uid, gid) = {
        let st = me.state.lock();
        (st.uid, st.gid)
    };
    let privileged = uid[1] == 0;
    let st = target.state.lock();
    let same_creds = st.uid.iter().all(|&u| u == uid[0]) && st.gid.iter().all(|&g| g == gid[0]);
    privileged || (same_creds && st.dumpable)
}

/// `pidfd_getfd(pidfd, targetfd, flags)`: a new `O_CLOEXEC` descriptor for the target's open
/// file `targetfd` (the same open file description).
pub fn sys_pidfd_getfd(t: &Arc<Thread>, pidfd: Fd, targetfd: i32, flags: u32) -> SysResult {
    if flags != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (target, _) = pidfd_of(t, pidfd)?;
    if !target.task_exists() {
        return Err(Errno::ESRCH.into());
    }
    let p = target.process();
    if !may_ptrace(&t.process, p) {
        return Err(Errno::EPERM.into());
    }
    // The descriptors of the task the pidfd names; an exited task has none left (ESRCH).
    let thread = if target.is_thread() { target.live_thread() } else { process::find_thread(p.pid) };
    let thread = thread.filter(|th| Arc::ptr_eq(&th.process, p) && !th.is_exiting()).ok_or(Errno::ESRCH)?;
    let file = thread.files().lock().get(targetfd)?;
    Ok(super::dup::install(t, file, true)? as isize)
}
