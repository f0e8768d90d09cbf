//! `fcntl`: duplication (`F_DUPFD*`), descriptor flags (`F_GETFD`/`F_SETFD`), status flags
//! (`F_GETFL`/`F_SETFL`), pipe capacity, and POSIX record locks (`F_GETLK`/`F_SETLK`/
//! `F_SETLKW`).
//!
//! Record locks are owned by processes and kept in one table per inode. They follow POSIX:
//! a process's locks on a file go away when it closes *any* descriptor of that file (see
//! [`release_locks`]) and never conflict with each other; `F_SETLKW` fails with EDEADLK when
//! waiting would close a cycle of waiters. Locks of a process that has exited lapse lazily:
//! the next check ignores and prunes them.
//!
//! The dispatcher runs `fcntl` synchronously, so a blocked `F_SETLKW` cannot sleep here: it
//! returns `ERESTARTNOINTR`, which makes signal delivery re-issue the call after running any
//! handler — a polling wait that is correct but busy.
//!
//! Not implemented: open-file-description locks, leases, `F_NOTIFY` and signal-driven I/O.
//! `F_GETOWN`/`F_GETSIG` report none (0) and `F_GETLEASE` reports `F_UNLCK`; the other
//! commands fail with EINVAL (logged once each). Seals are EINVAL, as for any file that is
//! not a memfd.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::flags::*;
use kairos_abi::types::Flock;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Inode, InodeKey};

use super::SysResult;
use super::args::{Fd, UserPtr};
use super::dup::{install_from, nofile_limit};
use super::openat::file_inode;
use super::read::{can_read, can_write};
use crate::file::{File, FileKind};
use crate::proc::process::find_process;
use crate::proc::{Pid, Thread};

/// Largest pipe size request Linux accepts at all (larger is EINVAL).
const PIPE_SIZE_MAX_REQUEST: u32 = 1 << 31;

/// `fcntl(fd, cmd, arg)`.
pub fn sys_fcntl(t: &Arc<Thread>, fd: Fd, cmd: u32, arg: u64) -> SysResult {
    let cmd = cmd as i32;
    let file = fd.file(t)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => dup_from(t, file, arg as u32, cmd == F_DUPFD_CLOEXEC),
        F_GETFD => Ok(isize::from(t.files().lock().entry(fd.0)?.cloexec)),
        F_SETFD => {
            t.files().lock().set_cloexec(fd.0, arg as i32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(file.flags().bits() as isize),
        F_DUPFD_QUERY => {
            let other = Fd(arg as i32).file(t)?;
            Ok(isize::from(Arc::ptr_eq(&file, &other)))
        }
        // An O_PATH descriptor supports nothing beyond the commands above.
        _ if file.flags().contains(OpenFlags::O_PATH) => Err(Errno::EBADF.into()),
        F_SETFL => {
            file.set_status_flags(OpenFlags::from_bits_truncate(arg as u32));
            Ok(0)
        }
        F_GETPIPE_SZ | F_SETPIPE_SZ => pipe_size(&file, cmd, arg),
        F_GETLK | F_SETLK | F_SETLKW => record_lock(t, &file, cmd, UserPtr::new(arg)),
        F_GETOWN | F_GETSIG => Ok(0),
        F_GETLEASE => Ok(F_UNLCK as isize),
        F_ADD_SEALS | F_GET_SEALS => Err(Errno::EINVAL.into()),
        _ => unsupported(cmd),
    }
}

/// `F_DUPFD` / `F_DUPFD_CLOEXEC`: a new descriptor >= `min` (EINVAL at or past the limit).
fn dup_from(t: &Thread, file: Arc<File>, min: u32, cloexec: bool) -> SysResult {
    if u64::from(min) >= nofile_limit(t) {
        return Err(Errno::EINVAL.into());
    }
    Ok(install_from(t, file, cloexec, min as usize)? as isize)
}

/// `F_GETPIPE_SZ` / `F_SETPIPE_SZ` (EBADF if the file is not a pipe).
fn pipe_size(file: &File, cmd: i32, arg: u64) -> SysResult {
    let FileKind::Pipe(pipe, _) = &file.kind else {
        return Err(Errno::EBADF.into());
    };
    if cmd == F_GETPIPE_SZ {
        return Ok(pipe.capacity() as isize);
    }
    // Linux takes the size as an `unsigned int`.
    let size = arg as u32;
    if size > PIPE_SIZE_MAX_REQUEST {
        return Err(Errno::EINVAL.into());
    }
    Ok(pipe.set_capacity(size as usize)? as isize)
}

/// A command Linux has and Kairos does not (or one Linux does not know): EINVAL, logged
/// once per command.
fn unsupported(cmd: i32) -> SysResult {
    static LOGGED: spin::Mutex<Vec<i32>> = spin::Mutex::new(Vec::new());
    let mut logged = LOGGED.lock();
    if !logged.contains(&cmd) {
        logged.push(cmd);
        log::warn!(target: "syscall", "fcntl: command {cmd} is not supported: EINVAL");
    }
    Err(Errno::EINVAL.into())
}

// ------------------------------------------------------------------------------------------
// POSIX record locks
// ------------------------------------------------------------------------------------------

/// The "to end of file" end offset (Linux's `OFFSET_MAX`).
const OFFSET_MAX: u64 = i64::MAX as u64;

/// One lock: bytes `start..=end` of a file, held by process `pid`.
#[derive(Clone, Copy, Debug)]
struct RecordLock {
    pid: Pid,
    write: bool,
    start: u64,
    end: u64,
}

impl RecordLock {
    fn overlaps(&self, other: &RecordLock) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Do the two locks exclude each other?
    fn conflicts(&self, other: &RecordLock) -> bool {
        self.pid != other.pid && self.overlaps(other) && (self.write || other.write)
    }

    /// Can the two be merged into one (same owner and type, touching or overlapping)?
    fn mergeable(&self, other: &RecordLock) -> bool {
        self.pid == other.pid
            && self.write == other.write
            && self.start <= other.end.saturating_add(1)
            && other.start <= self.end.saturating_add(1)
    }
}

/// Every file's locks, and who waits for whom (for deadlock detection).
struct LockTable {
    files: BTreeMap<InodeKey, Vec<RecordLock>>,
    waiting: BTreeMap<Pid, Pid>,
}

static LOCKS: spin::Mutex<LockTable> = spin::Mutex::new(LockTable { files: BTreeMap::new(), waiting: BTreeMap::new() });

/// Is `pid` a running (not exited) process?
fn alive(pid: Pid) -> bool {
    find_process(pid).is_some_and(|p| !p.is_zombie())
}

impl LockTable {
    /// A lock of another process that excludes `want`, after pruning those of exited
    /// processes.
    fn conflict(&mut self, key: InodeKey, want: &RecordLock) -> Option<RecordLock> {
        let locks = self.files.get_mut(&key)?;
        locks.retain(|l| l.pid == want.pid || alive(l.pid));
        locks.iter().find(|l| l.conflicts(want)).copied()
    }

    /// Removes `pid`'s locks on `start..=end`, splitting those that stick out.
    fn unlock(&mut self, key: InodeKey, pid: Pid, start: u64, end: u64) {
        let Some(locks) = self.files.get_mut(&key) else { return };
        let cut = RecordLock { pid, write: false, start, end };
        let mut kept = Vec::with_capacity(locks.len());
        for l in locks.drain(..) {
            if l.pid != pid || !l.overlaps(&cut) {
                kept.push(l);
                continue;
            }
            if l.start < start {
                kept.push(RecordLock { end: start - 1, ..l });
            }
            if l.end > end {
                kept.push(RecordLock { start: end + 1, ..l });
            }
        }
        *locks = kept;
        if locks.is_empty() {
            self.files.remove(&key);
        }
    }

    /// Installs `new`, replacing the owner's locks on its range and merging neighbours.
    fn lock(&mut self, key: InodeKey, mut new: RecordLock) {
        self.unlock(key, new.pid, new.start, new.end);
        let locks = self.files.entry(key).or_default();
        locks.retain(|l| {
            if l.mergeable(&new) {
                new.start = new.start.min(l.start);
                new.end = new.end.max(l.end);
                false
            } else {
                true
            }
        });
        locks.push(new);
    }

    /// Would `pid` waiting for `blocker` close a cycle of waiters?
    fn would_deadlock(&self, pid: Pid, mut blocker: Pid) -> bool {
        for _ in 0..=self.waiting.len() {
            if blocker == pid {
                return true;
            }
            match self.waiting.get(&blocker) {
                Some(&next) => blocker = next,
                None => return false,
            }
        }
        false
    }
}

/// Drops the locks the calling process holds on `file`'s inode (called on every close of
/// a descriptor, as POSIX requires).
pub(super) fn release_locks(t: &Thread, file: &File) {
    let Some(inode) = file.inode.clone().or_else(|| match &file.kind {
        FileKind::Inode(i) => Some(i.clone()),
        _ => None,
    }) else {
        return;
    };
    let mut table = LOCKS.lock();
    if !table.files.is_empty() {
        table.unlock(inode.key(), t.process.pid, 0, u64::MAX);
    }
}

/// The byte range a `struct flock` describes, as `start..=end` (Linux's
/// `flock64_to_posix_lock`): EINVAL for a bad `l_whence` or a negative start, EOVERFLOW when
/// the range does not fit.
fn lock_range(file: &File, inode: &dyn Inode, fl: &Flock) -> Result<(u64, u64)> {
    let base = match i32::from(fl.l_whence) {
        SEEK_SET => 0,
        SEEK_CUR => file.offset() as i64,
        SEEK_END => inode.metadata().size as i64,
        _ => return Err(Errno::EINVAL.into()),
    };
    let start = base.checked_add(fl.l_start).ok_or(Errno::EOVERFLOW)?;
    if start < 0 {
        return Err(Errno::EINVAL.into());
    }
    let (start, end) = match fl.l_len {
        0 => (start, OFFSET_MAX as i64),
        len if len > 0 => (start, start.checked_add(len - 1).ok_or(Errno::EOVERFLOW)?),
        len => {
            let begin = start + len;
            if begin < 0 {
                return Err(Errno::EINVAL.into());
            }
            (begin, start - 1)
        }
    };
    Ok((start as u64, end as u64))
}

/// `F_GETLK`, `F_SETLK`, `F_SETLKW`.
fn record_lock(t: &Arc<Thread>, file: &File, cmd: i32, arg: UserPtr<Flock>) -> SysResult {
    let mut fl = arg.read(t)?;
    let inode = file_inode(t, file);
    let key = inode.key();
    let pid = t.process.pid;
    let l_type = i32::from(fl.l_type);
    let (start, end) = lock_range(file, &*inode, &fl)?;
    let want = RecordLock { pid, write: l_type == F_WRLCK, start, end };
    match (cmd, l_type) {
        (F_GETLK, F_RDLCK | F_WRLCK) => {
            match LOCKS.lock().conflict(key, &want) {
                Some(l) => {
                    fl.l_type = if l.write { F_WRLCK } else { F_RDLCK } as i16;
                    fl.l_whence = SEEK_SET as i16;
                    fl.l_start = l.start as i64;
                    fl.l_len = if l.end == OFFSET_MAX { 0 } else { (l.end - l.start + 1) as i64 };
                    fl.l_pid = l.pid as i32;
                }
                None => fl.l_type = F_UNLCK as i16,
            }
            arg.write(t, &fl)?;
            Ok(0)
        }
        (F_SETLK | F_SETLKW, F_UNLCK) => {
            LOCKS.lock().unlock(key, pid, start, end);
            Ok(0)
        }
        (F_SETLK | F_SETLKW, F_RDLCK | F_WRLCK) => {
            let allowed = if want.write { can_write(file) } else { can_read(file) };
            if !allowed {
                return Err(Errno::EBADF.into());
            }
            set_lock(key, want, cmd == F_SETLKW)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

/// Takes `want`; on a conflict, EAGAIN, or with `wait` EDEADLK / a restart of the call.
fn set_lock(key: InodeKey, want: RecordLock, wait: bool) -> SysResult {
    let mut table = LOCKS.lock();
    match table.conflict(key, &want) {
        None => {
            table.lock(key, want);
            table.waiting.remove(&want.pid);
            Ok(0)
        }
        Some(_) if !wait => Err(Errno::EAGAIN.into()),
        Some(blocker) => {
            if table.would_deadlock(want.pid, blocker.pid) {
                table.waiting.remove(&want.pid);
                return Err(Errno::EDEADLK.into());
            }
            table.waiting.insert(want.pid, blocker.pid);
            Err(Errno::ERESTARTNOINTR.into())
        }
    }
}
