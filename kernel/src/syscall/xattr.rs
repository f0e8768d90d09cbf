//! The extended-attribute calls: `setxattr`, `getxattr`, `listxattr`, `removexattr`, each
//! in a path form, an `l` form that does not follow a final symlink, and an `f` form on a
//! descriptor (`O_PATH` descriptors count as closed: EBADF).
//!
//! Checks come in Linux's order: flags (EINVAL), the name (EFAULT; empty or longer than 255
//! bytes: ERANGE), the value's size (E2BIG) and bytes (EFAULT) are read before the file is
//! looked up; then the path or descriptor errors, a read-only mount (EROFS, for changes),
//! [`check_xattr_access`] (namespace and permission rules), and last the filesystem
//! (namespaces, ENODATA, EEXIST, ENOSPC). Result buffers are written only when there is
//! something to write, so a bad buffer with a size query or an empty value is not EFAULT.
//! Names that are not UTF-8 are refused with EINVAL (Linux would accept them).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::at::AT_FDCWD;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{
    Inode, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX, check_xattr_access,
    xattr_name_list,
};

use super::SysResult;
use super::args::{Fd, read_bytes, write_bytes};
use super::openat::{credentials, file_inode, lookup_at};
use super::read::io_file;
use crate::fsctx::vfs;
use crate::proc::Thread;

/// The file a call acts on.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target {
    /// A path in user memory, relative to the cwd; `true` follows a final symlink.
    Path(u64, bool),
    /// An open descriptor.
    Fd(Fd),
}

impl Target {
    async fn inode(self, t: &Thread) -> Result<Arc<dyn Inode>> {
        match self {
            Target::Path(path, follow) => lookup_at(t, Fd(AT_FDCWD), path, follow, false).await,
            Target::Fd(fd) => Ok(file_inode(t, &*io_file(t, fd)?)),
        }
    }
}

/// Reads an attribute name: EFAULT, or ERANGE when empty or longer than
/// [`XATTR_NAME_MAX`].
fn read_name(t: &Thread, addr: u64) -> Result<String> {
    let bytes = t
        .mm()
        .lock()
        .read_cstring(addr, XATTR_NAME_MAX)
        .map_err(|e| if e.errno() == Errno::ENAMETOOLONG { Errno::ERANGE.into() } else { e })?;
    if bytes.is_empty() {
        return Err(Errno::ERANGE.into());
    }
    String::from_utf8(bytes).map_err(|_| Errno::EINVAL.into())
}

/// Copies `data` out for a get/list call with a `size`-byte buffer at `addr` (0: a size
/// query) whose kernel buffer is capped at `max`; returns its length.
fn copy_result(t: &Thread, data: &[u8], addr: u64, size: u64, max: usize) -> SysResult {
    if size == 0 {
        return Ok(data.len() as isize);
    }
    let size = size.min(max as u64) as usize;
    if data.len() > size {
        // What Linux reports when even the largest buffer is too small.
        return Err(if size >= max { Errno::E2BIG } else { Errno::ERANGE }.into());
    }
    if !data.is_empty() {
        write_bytes(t, addr, data)?;
    }
    Ok(data.len() as isize)
}

/// `setxattr`, `lsetxattr`, `fsetxattr`: sets `name` to the `size` bytes at `value`.
pub(super) async fn sys_setxattr(
    t: &Arc<Thread>,
    target: Target,
    name: u64,
    value: u64,
    size: u64,
    flags: u32,
) -> SysResult {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let name = read_name(t, name)?;
    if size > XATTR_SIZE_MAX as u64 {
        return Err(Errno::E2BIG.into());
    }
    let value = if size > 0 { read_bytes(t, value, size as usize)? } else { Vec::new() };
    let inode = target.inode(t).await?;
    if vfs().is_read_only(&*inode) {
        return Err(Errno::EROFS.into());
    }
    check_xattr_access(&credentials(t), &inode.metadata(), &name, true)?;
    inode.setxattr(&name, &value, flags).await?;
    Ok(0)
}

/// `getxattr`, `lgetxattr`, `fgetxattr`: the value of `name` into the `size`-byte buffer at
/// `value` (size 0: just its length).
pub(super) async fn sys_getxattr(t: &Arc<Thread>, target: Target, name: u64, value: u64, size: u64) -> SysResult {
    let name = read_name(t, name)?;
    let inode = target.inode(t).await?;
    check_xattr_access(&credentials(t), &inode.metadata(), &name, false)?;
    let data = inode.getxattr(&name).await?;
    copy_result(t, &data, value, size, XATTR_SIZE_MAX)
}

/// `listxattr`, `llistxattr`, `flistxattr`: the NUL-terminated names into the `size`-byte
/// buffer at `list` (size 0: just the length). Unprivileged callers do not see `trusted.*`.
pub(super) async fn sys_listxattr(t: &Arc<Thread>, target: Target, list: u64, size: u64) -> SysResult {
    let inode = target.inode(t).await?;
    let privileged = credentials(t).fsuid == 0;
    let names = inode.listxattr().await?;
    let data = xattr_name_list(names.iter().map(String::as_str).filter(|n| privileged || !n.starts_with("trusted.")));
    copy_result(t, &data, list, size, XATTR_LIST_MAX)
}

/// `removexattr`, `lremovexattr`, `fremovexattr`.
pub(super) async fn sys_removexattr(t: &Arc<Thread>, target: Target, name: u64) -> SysResult {
    let name = read_name(t, name)?;
    let inode = target.inode(t).await?;
    if vfs().is_read_only(&*inode) {
        return Err(Errno::EROFS.into());
    }
    check_xattr_access(&credentials(t), &inode.metadata(), &name, true)?;
    inode.removexattr(&name).await?;
    Ok(0)
}
