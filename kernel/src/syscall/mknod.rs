//! `mknod` and `mknodat`: regular files, device nodes, FIFOs and sockets, with permission
//! bits `mode & 07777 & ~umask`. Device nodes need root (EPERM otherwise); a directory type
//! is EPERM and an unknown type EINVAL, as in Linux's `may_mknod`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK};
use kairos_fs::vfs::{FileType, dev_major, dev_minor, makedev};

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::PathAt;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// `mknodat(dirfd, path, mode, dev)`; `dev` is the 32-bit `dev_t` the syscall takes.
pub async fn sys_mknodat(t: &Arc<Thread>, dirfd: Fd, path: u64, mode: u32, dev: u64) -> SysResult {
    let path = read_path(t, path)?;
    let kind = match mode & S_IFMT {
        0 | S_IFREG => FileType::Regular,
        S_IFCHR => FileType::CharDevice,
        S_IFBLK => FileType::BlockDevice,
        S_IFIFO => FileType::Fifo,
        S_IFSOCK => FileType::Socket,
        S_IFDIR => return Err(Errno::EPERM.into()),
        _ => return Err(Errno::EINVAL.into()),
    };
    let rdev = if kind.is_device() {
        if t.process.state.lock().uid[1] != 0 {
            return Err(Errno::EPERM.into());
        }
        // Linux's `new_decode_dev` of the low 32 bits, re-encoded the way inodes store it.
        let dev = u64::from(dev as u32);
        makedev(dev_major(dev), dev_minor(dev))
    } else {
        0
    };
    let at = PathAt::new(t, dirfd, &path)?;
    vfs().mknod(&at.cx(), &path, kind, mode, rdev).await?;
    Ok(0)
}
