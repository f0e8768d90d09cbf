//! `signalfd` / `signalfd4`: create a signalfd or change the mask of an existing one.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::SigSet;

use super::SysResult;
use super::args::{Fd, UserPtr};
use crate::file::signalfd::SignalFd;
use crate::file::{File, FileKind};
use crate::proc::Thread;

const SFD_CLOEXEC: u32 = 0o2000000;
const SFD_NONBLOCK: u32 = 0o4000;

/// `signalfd4(fd, mask, sizemask, flags)`; `signalfd` passes flags 0.
pub fn sys_signalfd4(t: &Arc<Thread>, fd: Fd, mask: UserPtr<SigSet>, size: usize, flags: u32) -> SysResult {
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 || size != core::mem::size_of::<SigSet>() {
        return Err(Errno::EINVAL.into());
    }
    let mask = mask.read(t)?;
    if fd.0 != -1 {
        let file = fd.file(t)?;
        let FileKind::SignalFd(sfd) = &file.kind else { return Err(Errno::EINVAL.into()) };
        *sfd.mask.lock() = mask.difference(SigSet::UNBLOCKABLE);
        return Ok(fd.0 as isize);
    }
    let mut oflags = OpenFlags::O_RDWR;
    if flags & SFD_NONBLOCK != 0 {
        oflags |= OpenFlags::O_NONBLOCK;
    }
    let file = File::new(
        FileKind::SignalFd(SignalFd::new(&t.process, mask)),
        None,
        Some("anon_inode:[signalfd]".into()),
        oflags,
    );
    let limit = t.process.state.lock().rlimits[7].0;
    let n = t.files().lock().alloc(file, flags & SFD_CLOEXEC != 0, 0, limit)?;
    Ok(n as isize)
}
