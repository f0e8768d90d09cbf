//! `statx`: extended file status. Every basic field is always filled in (Linux may return
//! more than the mask asks for), plus the mount id and the mount-root attribute.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::at::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW};
use kairos_abi::types::{STATX__RESERVED, STATX_ATTR_MOUNT_ROOT, STATX_MNT_ID, STATX_MNT_ID_UNIQUE, Statx};
use kairos_fs::vfs::Inode;

use super::SysResult;
use super::args::{Fd, UserPtr};
use super::openat::{read_path_at, resolve_at};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// Flags `statx` accepts.
const STATX_FLAGS: u32 = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;

/// `statx(dirfd, path, flags, mask, buf)`: EINVAL for unknown flags, both sync types at
/// once, or the reserved mask bit.
pub async fn sys_statx(t: &Arc<Thread>, dirfd: Fd, path: u64, flags: u32, mask: u32, buf: UserPtr<Statx>) -> SysResult {
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let name = read_path_at(t, path, empty_ok)?;
    if name.is_empty() && !empty_ok {
        return Err(Errno::ENOENT.into());
    }
    if mask & STATX__RESERVED != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || flags & !STATX_FLAGS != 0 {
        return Err(Errno::EINVAL.into());
    }
    let inode = resolve_at(t, dirfd, &name, flags & AT_SYMLINK_NOFOLLOW == 0, empty_ok).await?;
    buf.write(t, &statx_of(&*inode, mask))?;
    Ok(0)
}

/// The `struct statx` of `inode` for request `mask`.
fn statx_of(inode: &dyn Inode, mask: u32) -> Statx {
    let mut sx = inode.metadata().to_statx();
    sx.stx_attributes_mask |= STATX_ATTR_MOUNT_ROOT;
    if let Some(mount) = vfs().mount_of(inode) {
        sx.stx_mnt_id = mount.id;
        sx.stx_mask |= if mask & STATX_MNT_ID_UNIQUE != 0 { STATX_MNT_ID_UNIQUE } else { STATX_MNT_ID };
        if mount.root.key() == inode.key() {
            sx.stx_attributes |= STATX_ATTR_MOUNT_ROOT;
        }
    }
    sx
}
