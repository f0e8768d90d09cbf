//! `umount2` (and `umount`): detaches the mount at a path.
//!
//! A mount is busy (EBUSY, unless `MNT_DETACH`) while a thread has its working or root
//! directory in it, a descriptor or a file mapping refers to a file in it, a process runs a
//! program from it, or another mount sits on it (the last one even with `MNT_DETACH`: the
//! VFS cannot detach a subtree). `MNT_FORCE` is accepted and changes nothing (no filesystem
//! here has requests to abort). `MNT_EXPIRE` is not supported: EAGAIN as for a first call,
//! and a mount is never marked.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::{MNT_DETACH, MNT_EXPIRE, MNT_FORCE, UMOUNT_NOFOLLOW};

use super::SysResult;
use super::args::{Fd, read_path};
use super::openat::resolve_at;
use crate::fsctx::vfs;
use crate::proc::{Thread, process};

/// `umount2(target, flags)`.
pub async fn sys_umount2(t: &Arc<Thread>, target: u64, flags: u32) -> SysResult {
    let known = (MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) as u32;
    if flags & !known != 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = read_path(t, target)?;
    let follow = flags & UMOUNT_NOFOLLOW as u32 == 0;
    let root = resolve_at(t, Fd(kairos_abi::at::AT_FDCWD), &path, follow, false).await?;
    if t.process.state.lock().uid[1] != 0 {
        return Err(Errno::EPERM.into());
    }
    let mount = vfs().mount_of(&*root).filter(|m| m.root.key() == root.key()).ok_or(Errno::EINVAL)?;
    if flags & MNT_EXPIRE as u32 != 0 {
        if flags & (MNT_FORCE | MNT_DETACH) as u32 != 0 {
            return Err(Errno::EINVAL.into());
        }
        return Err(Errno::EAGAIN.into());
    }
    if mount.mountpoint.is_some() && flags & MNT_DETACH as u32 == 0 && in_use(mount.root.fs_id()) {
        return Err(Errno::EBUSY.into());
    }
    vfs().umount(&root)?;
    // A disk filesystem is written back and left clean (its objects may live on while
    // detached users hold them; they become read-only).
    crate::diskfs::unmount(&*root).await?;
    Ok(0)
}

/// Does anything hold a reference into the filesystem `fs_id`?
fn in_use(fs_id: u64) -> bool {
    let on = |inode: &Arc<dyn kairos_fs::vfs::Inode>| inode.fs_id() == fs_id;
    for p in process::all_processes() {
        if p.exec_image.lock().exe.as_ref().is_some_and(on) {
            return true;
        }
        for th in p.threads() {
            {
                let fs = th.fs();
                let fs = fs.lock();
                if on(&fs.cwd) || on(&fs.root) {
                    return true;
                }
            }
            let files = th.files();
            let busy_fd = files.lock().iter().any(|(_, e)| {
                e.file.inode.as_ref().is_some_and(on)
                    || matches!(&e.file.kind, crate::file::FileKind::Inode(i) if on(i))
            });
            if busy_fd {
                return true;
            }
            let mm = th.mm();
            let busy_map = mm.lock().vmas().any(|v| v.file.as_ref().is_some_and(|f| on(f.cache.inode())));
            if busy_map {
                return true;
            }
        }
    }
    false
}
