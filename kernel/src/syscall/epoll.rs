//! `epoll_create1`, `epoll_ctl`, `epoll_wait`, `epoll_pwait`, `epoll_pwait2`. The wait scans
//! the interest list and, when nothing is ready, sleeps on every watched file's wait queue
//! (like poll). A signal ends the wait with EINTR — epoll waits are never restarted, not even
//! after a stop and continue, exactly as on Linux.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Errno;
use kairos_abi::flags::OpenFlags;
use kairos_abi::types::EpollEvent;

use super::SysResult;
use super::args::{Fd, read_val, write_bytes};
use super::poll::{Timeout, finish_wait, queues_of, set_temp_sigmask, wait_ready};
use crate::file::epoll::{EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP, Epoll};
use crate::file::{File, FileKind};
use crate::proc::Thread;

const EPOLL_CLOEXEC: u32 = 0o2000000;
const EPOLL_CTL_ADD: i32 = 1;
const EPOLL_CTL_DEL: i32 = 2;
const EPOLL_CTL_MOD: i32 = 3;
/// Most events one epoll_wait returns (INT_MAX / sizeof(struct epoll_event)).
const EP_MAX_EVENTS: i32 = i32::MAX / 12;

/// `epoll_create1(flags)`; `epoll_create(size)` passes 0 after checking size > 0.
pub fn sys_epoll_create1(t: &Arc<Thread>, flags: u32) -> SysResult {
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = File::new(FileKind::Epoll(Epoll::new()), None, Some("anon_inode:[eventpoll]".into()), OpenFlags::O_RDWR);
    let limit = t.process.state.lock().rlimits[7].0;
    Ok(t.files().lock().alloc(file, flags & EPOLL_CLOEXEC != 0, 0, limit)? as isize)
}

/// `epoll_create(size)`.
pub fn sys_epoll_create(t: &Arc<Thread>, size: i32) -> SysResult {
    if size <= 0 {
        return Err(Errno::EINVAL.into());
    }
    sys_epoll_create1(t, 0)
}

fn epoll_of(file: &File) -> kairos_abi::Result<&Arc<Epoll>> {
    match &file.kind {
        FileKind::Epoll(e) => Ok(e),
        _ => Err(Errno::EINVAL.into()),
    }
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub fn sys_epoll_ctl(t: &Arc<Thread>, epfd: Fd, op: i32, fd: Fd, event: u64) -> SysResult {
    let ev: Option<EpollEvent> = if op == EPOLL_CTL_DEL { None } else { Some(read_val(t, event)?) };
    let ep_file = epfd.file(t)?;
    let target = fd.file(t)?;
    let ep = epoll_of(&ep_file)?;
    if Arc::ptr_eq(&ep_file, &target) {
        return Err(Errno::EINVAL.into());
    }
    // Regular files and directories are always ready: Linux refuses to watch them.
    if matches!(target.kind, FileKind::Inode(_)) {
        return Err(Errno::EPERM.into());
    }
    match op {
        EPOLL_CTL_ADD | EPOLL_CTL_MOD => {
            let ev = ev.ok_or(Errno::EFAULT)?;
            let events = ev.events;
            if events & EPOLLEXCLUSIVE != 0 && (op == EPOLL_CTL_MOD || events & EPOLLONESHOT != 0) {
                return Err(Errno::EINVAL.into());
            }
            let events = events & !EPOLLWAKEUP;
            let data = ev.data;
            if op == EPOLL_CTL_ADD {
                ep.add(fd.0, &target, events, data)?
            } else {
                ep.modify(fd.0, &target, events, data)?
            }
            Ok(0)
        }
        EPOLL_CTL_DEL => {
            ep.delete(fd.0, &target)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

async fn do_wait(t: &Arc<Thread>, epfd: Fd, events: u64, max: i32, timeout: Timeout) -> SysResult {
    if max <= 0 || max > EP_MAX_EVENTS {
        return Err(Errno::EINVAL.into());
    }
    let ep_file = epfd.file(t)?;
    let ep = epoll_of(&ep_file)?.clone();
    // The output buffer must be writable before anything is consumed.
    write_bytes(t, events, &alloc::vec![0u8; 12])?;
    let ready = ep.collect(max as usize);
    let ready = if !ready.is_empty() || timeout == Timeout::Zero {
        ready
    } else {
        let files = ep.files();
        let queues = queues_of(files.iter());
        match wait_ready(t, &queues, timeout, || {
            let r = ep.collect(max as usize);
            (!r.is_empty()).then_some(r)
        })
        .await
        {
            Ok(Some(r)) => r,
            Ok(None) => Vec::new(),
            Err(_) => return Err(Errno::EINTR.into()),
        }
    };
    let mut bytes = Vec::with_capacity(ready.len() * 12);
    for (ev, data) in &ready {
        bytes.extend_from_slice(&ev.to_le_bytes());
        bytes.extend_from_slice(&data.to_le_bytes());
    }
    write_bytes(t, events, &bytes)?;
    Ok(ready.len() as isize)
}

/// `epoll_wait(epfd, events, maxevents, timeout_ms)`.
pub async fn sys_epoll_wait(t: &Arc<Thread>, epfd: Fd, events: u64, max: i32, timeout_ms: i32) -> SysResult {
    let timeout = if timeout_ms < 0 { Timeout::Never } else { Timeout::after_nanos(timeout_ms as u64 * 1_000_000) };
    do_wait(t, epfd, events, max, timeout).await
}

/// `epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask, sigsetsize)`.
pub async fn sys_epoll_pwait(
    t: &Arc<Thread>,
    epfd: Fd,
    events: u64,
    max: i32,
    timeout_ms: i32,
    sigmask: u64,
    size: usize,
) -> SysResult {
    let timeout = if timeout_ms < 0 { Timeout::Never } else { Timeout::after_nanos(timeout_ms as u64 * 1_000_000) };
    set_temp_sigmask(t, sigmask, size)?;
    let r = do_wait(t, epfd, events, max, timeout).await;
    finish_mask(t, r)
}

/// `epoll_pwait2(epfd, events, maxevents, timeout_ts, sigmask, sigsetsize)`.
pub async fn sys_epoll_pwait2(
    t: &Arc<Thread>,
    epfd: Fd,
    events: u64,
    max: i32,
    timeout: u64,
    sigmask: u64,
    size: usize,
) -> SysResult {
    let timeout = Timeout::from_user_timespec(t, timeout)?;
    set_temp_sigmask(t, sigmask, size)?;
    let r = do_wait(t, epfd, events, max, timeout).await;
    finish_mask(t, r)
}

/// Restores the caller's mask unless a signal interrupted the wait (delivery does it then).
fn finish_mask(t: &Thread, r: SysResult) -> SysResult {
    let interrupted = matches!(&r, Err(e) if e.errno == Errno::EINTR);
    if interrupted {
        // Let delivery restore the mask after the handler; report EINTR (never restarted).
        return r;
    }
    finish_wait(t, r, Timeout::Never, |_| Ok(()))
}
