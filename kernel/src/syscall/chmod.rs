//! `chmod`, `fchmod`, `fchmodat`, `chown`, `lchown`, `fchown` and `fchownat`, with Linux's
//! rules: only the owner (or root) may change the mode, a non-member of the file's group
//! loses set-group-ID; root may give a file to anyone, the owner only to one of its groups;
//! changing the owner of a non-directory clears set-user-ID (and set-group-ID when group
//! execute is set). Read-only mounts are EROFS.

use alloc::sync::Arc;

use kairos_abi::at::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use kairos_abi::flags::{S_ISGID, S_ISUID, S_IXGRP};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Inode, SetAttr};

use super::SysResult;
use super::args::Fd;
use super::openat::{credentials, file_inode, lookup_at};
use super::read::io_file;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Sets the permission bits of `inode` to `mode & 07777`.
fn chmod_inode(t: &Thread, inode: &dyn Inode, mode: u32) -> Result<()> {
    if vfs().is_read_only(inode) {
        return Err(Errno::EROFS.into());
    }
    let cred = credentials(t);
    let meta = inode.metadata();
    if cred.fsuid != 0 && cred.fsuid != meta.uid {
        return Err(Errno::EPERM.into());
    }
    let mut mode = mode & 0o7777;
    if cred.fsuid != 0 && !cred.in_group(meta.gid) {
        mode &= !S_ISGID;
    }
    inode.setattr(&SetAttr { mode: Some(mode), ..SetAttr::default() })
}

/// Changes the owner and/or group of `inode` (`u32::MAX` leaves one alone).
fn chown_inode(t: &Thread, inode: &dyn Inode, uid: u32, gid: u32) -> Result<()> {
    if vfs().is_read_only(inode) {
        return Err(Errno::EROFS.into());
    }
    let cred = credentials(t);
    let meta = inode.metadata();
    let uid = (uid != u32::MAX).then_some(uid);
    let gid = (gid != u32::MAX).then_some(gid);
    if cred.fsuid != 0 {
        let owner = cred.fsuid == meta.uid;
        let uid_ok = uid.is_none_or(|u| owner && u == meta.uid);
        let gid_ok = gid.is_none_or(|g| owner && (g == meta.gid || cred.in_group(g)));
        if !uid_ok || !gid_ok {
            return Err(Errno::EPERM.into());
        }
    }
    let mut attr = SetAttr { uid, gid, ..SetAttr::default() };
    if !meta.is_dir() {
        let perm = meta.perm();
        let mut new = perm & !S_ISUID;
        if perm & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP {
            new &= !S_ISGID;
        }
        if new != perm {
            attr.mode = Some(new);
        }
    }
    inode.setattr(&attr)
}

/// `fchmodat(dirfd, path, mode)` (also `chmod`); follows symlinks.
pub async fn sys_fchmodat(t: &Arc<Thread>, dirfd: Fd, path: u64, mode: u32) -> SysResult {
    let inode = lookup_at(t, dirfd, path, true, false).await?;
    chmod_inode(t, &*inode, mode)?;
    Ok(0)
}

/// `fchmod(fd, mode)`.
pub fn sys_fchmod(t: &Arc<Thread>, fd: Fd, mode: u32) -> SysResult {
    let file = io_file(t, fd)?;
    chmod_inode(t, &*file_inode(t, &file), mode)?;
    Ok(0)
}

/// `fchownat(dirfd, path, uid, gid, flags)` (also `chown`, `lchown`).
pub async fn sys_fchownat(t: &Arc<Thread>, dirfd: Fd, path: u64, uid: u32, gid: u32, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inode = lookup_at(t, dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0, flags & AT_EMPTY_PATH != 0).await?;
    chown_inode(t, &*inode, uid, gid)?;
    Ok(0)
}

/// `fchown(fd, uid, gid)`.
pub fn sys_fchown(t: &Arc<Thread>, fd: Fd, uid: u32, gid: u32) -> SysResult {
    let file = io_file(t, fd)?;
    chown_inode(t, &*file_inode(t, &file), uid, gid)?;
    Ok(0)
}
