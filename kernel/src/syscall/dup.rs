//! `dup`, `dup2` and `dup3`, plus the descriptor-allocation helpers every call that creates
//! descriptors shares (the `RLIMIT_NOFILE` limit, lowest-free-slot allocation).

use alloc::sync::Arc;

use kairos_abi::flags::OpenFlags;
use kairos_abi::types::RLIMIT_NOFILE;
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::Fd;
use crate::file::File;
use crate::proc::Thread;

/// The soft `RLIMIT_NOFILE` of the caller: descriptors must stay below it.
pub(super) fn nofile_limit(t: &Thread) -> u64 {
    t.process.state.lock().rlimits[RLIMIT_NOFILE as usize].0
}

/// Installs `file` at the lowest free descriptor >= `min` (EMFILE at the limit).
pub(super) fn install_from(t: &Thread, file: Arc<File>, cloexec: bool, min: usize) -> Result<i32> {
    let limit = nofile_limit(t);
    t.files().lock().alloc(file, cloexec, min, limit)
}

/// Installs `file` at the lowest free descriptor.
pub(super) fn install(t: &Thread, file: Arc<File>, cloexec: bool) -> Result<i32> {
    install_from(t, file, cloexec, 0)
}

/// Fails with EMFILE if no descriptor is free below the limit (checked before work that
/// must not happen when the descriptor cannot be installed, as Linux reserves it first).
pub(super) fn check_free_slot(t: &Thread) -> Result<()> {
    let limit = nofile_limit(t);
    let files = t.files();
    let table = files.lock();
    let mut lowest = 0u64;
    for (fd, _) in table.iter() {
        if fd as u64 != lowest {
            break;
        }
        lowest += 1;
    }
    if lowest >= limit { Err(Errno::EMFILE.into()) } else { Ok(()) }
}

/// `dup(oldfd)`: the lowest free descriptor, sharing the open file (FD_CLOEXEC clear).
pub fn sys_dup(t: &Arc<Thread>, oldfd: Fd) -> SysResult {
    let file = oldfd.file(t)?;
    Ok(install(t, file, false)? as isize)
}

/// `dup2(oldfd, newfd)`: like `dup3` with no flags, except that `oldfd == newfd` returns
/// `newfd` when it is open (EBADF otherwise).
pub fn sys_dup2(t: &Arc<Thread>, oldfd: Fd, newfd: Fd) -> SysResult {
    if oldfd == newfd {
        oldfd.file(t)?;
        return Ok(newfd.0 as isize);
    }
    replace(t, oldfd, newfd, false)
}

/// `dup3(oldfd, newfd, flags)`: EINVAL for flags other than O_CLOEXEC or the same fd.
pub fn sys_dup3(t: &Arc<Thread>, oldfd: Fd, newfd: Fd, flags: u32) -> SysResult {
    if flags & !OpenFlags::O_CLOEXEC.bits() != 0 || oldfd == newfd {
        return Err(Errno::EINVAL.into());
    }
    replace(t, oldfd, newfd, flags != 0)
}

/// Makes `newfd` refer to the file of `oldfd`, closing what `newfd` held (EBADF if `newfd`
/// is outside `[0, RLIMIT_NOFILE)` or `oldfd` is not open).
fn replace(t: &Thread, oldfd: Fd, newfd: Fd, cloexec: bool) -> SysResult {
    // Linux reads newfd as unsigned: negative values are huge, hence EBADF.
    if u64::from(newfd.0 as u32) >= nofile_limit(t) {
        return Err(Errno::EBADF.into());
    }
    let files = t.files();
    let previous = {
        let mut table = files.lock();
        let file = table.get(oldfd.0)?;
        table.set(newfd.0 as usize, file, cloexec)
    };
    // The replaced file is released outside the table lock.
    if let Some(old) = previous {
        super::fcntl::release_locks(t, &old);
    }
    Ok(newfd.0 as isize)
}
