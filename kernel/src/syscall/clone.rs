//! `fork`, `vfork`, `clone`, `clone3`: new threads and processes.
//!
//! Which resources the child shares is exactly what the flags say: address space
//! (`CLONE_VM`), descriptors (`CLONE_FILES`), root/cwd/umask (`CLONE_FS`), signal handlers
//! (`CLONE_SIGHAND`), thread group (`CLONE_THREAD`). Without `CLONE_SIGHAND` the child gets a
//! *copy* of the handler table — so a `vfork` child can never change its parent's handlers.
//! `CLONE_PIDFD` gives the parent an `O_CLOEXEC` pidfd for the child (a `PIDFD_THREAD` one
//! for `CLONE_THREAD`), stored through `parent_tid` by clone and through `pidfd` by clone3.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use kairos_abi::Errno;
use kairos_abi::flags::CloneFlags;
use kairos_abi::signal::{SIGCHLD, valid_signal};
use kairos_abi::types::CloneArgs;

use super::SysResult;
use super::args::write_val;
use crate::arch::user::UserContext;
use crate::proc::process::{self, NO_ALTSTACK, Process, Thread, ThreadResources};
use crate::proc::task;

/// Everything `clone` and `clone3` may ask for.
struct CloneRequest {
    flags: CloneFlags,
    exit_signal: u32,
    stack: u64,
    tls: u64,
    parent_tid: u64,
    child_tid: u64,
    /// Where `CLONE_PIDFD` stores the pidfd (an `int`).
    pidfd: u64,
}

async fn do_clone(t: &Arc<Thread>, ctx: &UserContext, req: CloneRequest) -> SysResult {
    let f = req.flags;
    if f.contains(CloneFlags::CLONE_SIGHAND) && !f.contains(CloneFlags::CLONE_VM) {
        return Err(Errno::EINVAL.into());
    }
    if f.contains(CloneFlags::CLONE_THREAD) && !f.contains(CloneFlags::CLONE_SIGHAND) {
        return Err(Errno::EINVAL.into());
    }
    let namespaces = CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC
        | CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWCGROUP
        | CloneFlags::CLONE_NEWTIME;
    if f.intersects(namespaces) {
        log::warn!(target: "syscall", "clone: namespaces are not supported ({f:?})");
        return Err(Errno::EINVAL.into());
    }
    if f.contains(CloneFlags::CLONE_PIDFD)
        && (f.contains(CloneFlags::CLONE_DETACHED)
            || (f.contains(CloneFlags::CLONE_PARENT_SETTID) && req.pidfd == req.parent_tid))
    {
        return Err(Errno::EINVAL.into());
    }
    let nproc = t.process.state.lock().rlimits[6].0;
    if !f.contains(CloneFlags::CLONE_THREAD)
        && process::thread_count() as u64 >= nproc
        && t.process.state.lock().uid[0] != 0
    {
        return Err(Errno::EAGAIN.into());
    }
    let tid = process::alloc_pid().ok_or(Errno::EAGAIN)?;
    let mm = if f.contains(CloneFlags::CLONE_VM) {
        t.mm()
    } else {
        let child = t.mm().lock().fork()?;
        Arc::new(spin::Mutex::new(child))
    };
    let files = if f.contains(CloneFlags::CLONE_FILES) {
        t.files()
    } else {
        Arc::new(spin::Mutex::new(t.files().lock().clone()))
    };
    let fs = if f.contains(CloneFlags::CLONE_FS) { t.fs() } else { Arc::new(spin::Mutex::new(t.fs().lock().clone())) };
    let sighand = if f.contains(CloneFlags::CLONE_SIGHAND) {
        t.sighand()
    } else {
        let mut copy = t.sighand().lock().clone();
        if f.contains(CloneFlags::CLONE_CLEAR_SIGHAND) {
            for a in copy.actions.iter_mut().filter(|a| !a.is_ignore()) {
                *a = kairos_abi::signal::SigAction::DEFAULT;
            }
        }
        Arc::new(spin::Mutex::new(copy))
    };
    // A thread sharing the address space (not vfork) starts without an alternate stack.
    let altstack = if f.contains(CloneFlags::CLONE_VM) && !f.contains(CloneFlags::CLONE_VFORK) {
        NO_ALTSTACK
    } else {
        *t.altstack.lock()
    };
    // Linux reserves the pidfd's descriptor and stores its number once the child's memory and
    // descriptors are copied (so it sees neither), before the child exists: EMFILE and EFAULT
    // leave no child behind.
    let pidfd = if f.contains(CloneFlags::CLONE_PIDFD) {
        let fd = super::pidfd::next_fd(t)?;
        write_val(t, req.pidfd, &fd)?;
        Some(fd)
    } else {
        None
    };
    let process = if f.contains(CloneFlags::CLONE_THREAD) {
        t.process.clone()
    } else {
        let parent = if f.contains(CloneFlags::CLONE_PARENT) {
            t.process.parent().unwrap_or_else(|| t.process.clone())
        } else {
            t.process.clone()
        };
        let p = Process::new(tid, Some(&parent));
        {
            let mut st = p.state.lock();
            st.exit_signal = req.exit_signal;
            st.parent_tid = t.tid();
        }
        *p.comm.lock() = t.process.comm.lock().clone();
        parent.state.lock().children.push(p.clone());
        process::register_process(&p);
        p
    };
    let sigmask = *t.sigmask.lock();
    let child = Thread::new(tid, process, ThreadResources { mm: mm.clone(), files, fs, sighand, sigmask, altstack });
    let mut cctx = Box::new(ctx.clone());
    cctx.regs.rax = 0;
    if req.stack != 0 {
        cctx.regs.rsp = req.stack;
    }
    if f.contains(CloneFlags::CLONE_SETTLS) {
        cctx.fs_base = req.tls;
    }
    if let Some(reserved) = pidfd {
        // Installed after the child's descriptor table was copied: it does not inherit it.
        let fd = super::pidfd::install_for_clone(t, &child, f.contains(CloneFlags::CLONE_THREAD))?;
        if fd != reserved {
            // Another thread took the reserved number meanwhile.
            write_val(t, req.pidfd, &fd)?;
        }
    }
    if f.contains(CloneFlags::CLONE_PARENT_SETTID) {
        // Linux ignores a failed store here (the child exists and runs either way).
        let _ = write_val(t, req.parent_tid, &tid);
    }
    if f.contains(CloneFlags::CLONE_CHILD_SETTID) {
        // Linux stores it from the child (schedule_tail) and ignores a fault, too.
        let _ = mm.lock().write_bytes(req.child_tid, &tid.to_le_bytes());
    }
    if f.contains(CloneFlags::CLONE_CHILD_CLEARTID) {
        child.clear_child_tid.store(req.child_tid, Ordering::Relaxed);
    }
    task::spawn(child.clone(), cctx)?;
    if f.contains(CloneFlags::CLONE_VFORK) {
        // The parent sleeps until the child execs or exits (signals wait, as on Linux).
        child.vfork_wait.wait_until(|| child.vfork_done.load(Ordering::Acquire).then_some(())).await;
    }
    Ok(tid as isize)
}

/// `fork()`.
pub async fn sys_fork(t: &Arc<Thread>, ctx: &UserContext) -> SysResult {
    let req = CloneRequest {
        flags: CloneFlags::empty(),
        exit_signal: SIGCHLD,
        stack: 0,
        tls: 0,
        parent_tid: 0,
        child_tid: 0,
        pidfd: 0,
    };
    do_clone(t, ctx, req).await
}

/// `vfork()`.
pub async fn sys_vfork(t: &Arc<Thread>, ctx: &UserContext) -> SysResult {
    let req = CloneRequest {
        flags: CloneFlags::CLONE_VM | CloneFlags::CLONE_VFORK,
        exit_signal: SIGCHLD,
        stack: 0,
        tls: 0,
        parent_tid: 0,
        child_tid: 0,
        pidfd: 0,
    };
    do_clone(t, ctx, req).await
}

/// `clone(flags, stack, parent_tid, child_tid, tls)` (x86_64 argument order).
pub async fn sys_clone(
    t: &Arc<Thread>,
    ctx: &UserContext,
    flags: u64,
    stack: u64,
    ptid: u64,
    ctid: u64,
    tls: u64,
) -> SysResult {
    let exit_signal = (flags & 0xff) as u32;
    if exit_signal != 0 && !valid_signal(exit_signal) {
        return Err(Errno::EINVAL.into());
    }
    let flags = CloneFlags::from_bits(flags & !0xff).ok_or(Errno::EINVAL)?;
    let req = CloneRequest { flags, exit_signal, stack, tls, parent_tid: ptid, child_tid: ctid, pidfd: ptid };
    do_clone(t, ctx, req).await
}

/// `clone3(args, size)`.
pub async fn sys_clone3(t: &Arc<Thread>, ctx: &UserContext, args: u64, size: usize) -> SysResult {
    const CLONE_ARGS_SIZE_VER0: usize = 64;
    if !(CLONE_ARGS_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL.into());
    }
    let mut ca: CloneArgs = bytemuck::Zeroable::zeroed();
    let n = size.min(core::mem::size_of::<CloneArgs>());
    let raw = super::args::read_bytes(t, args, size)?;
    if raw[n..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG.into());
    }
    bytemuck::bytes_of_mut(&mut ca)[..n].copy_from_slice(&raw[..n]);
    let flags = CloneFlags::from_bits(ca.flags).ok_or(Errno::EINVAL)?;
    // clone3 takes no CSIGNAL bits (but CLONE_NEWTIME shares that byte) and no CLONE_DETACHED.
    let csignal = CloneFlags::CSIGNAL.difference(CloneFlags::CLONE_NEWTIME);
    if flags.intersects(csignal | CloneFlags::CLONE_DETACHED) {
        return Err(Errno::EINVAL.into());
    }
    if ca.exit_signal > 64 || (ca.set_tid != 0 || ca.set_tid_size != 0) || ca.cgroup != 0 {
        return Err(Errno::EINVAL.into());
    }
    if (ca.stack == 0) != (ca.stack_size == 0) {
        return Err(Errno::EINVAL.into());
    }
    let stack = if ca.stack != 0 { ca.stack + ca.stack_size } else { 0 };
    let req = CloneRequest {
        flags,
        exit_signal: ca.exit_signal as u32,
        stack,
        tls: ca.tls,
        parent_tid: ca.parent_tid,
        child_tid: ca.child_tid,
        pidfd: ca.pidfd,
    };
    do_clone(t, ctx, req).await
}
