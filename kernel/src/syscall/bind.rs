//! `bind` and `listen`. A filesystem name is a new socket inode, created like `mknod` with
//! permission bits `0777 & ~umask` (EADDRINUSE if the name exists); an abstract name
//! (`sun_path[0] == 0`) lives in a kernel table; an address of only the family autobinds to
//! a free abstract name. A socket is bound once (EINVAL).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::Fd;
use super::openat::PathAt;
use super::socket::{addr_path, read_sockaddr, socket_of, validate_unix_addr};
use crate::fsctx::vfs;
use crate::net::{AF_UNIX, SUN_PATH_OFFSET, unix};
use crate::proc::Thread;

/// Largest listen backlog (`net.core.somaxconn`).
const SOMAXCONN: u32 = 4096;

/// `bind(fd, addr, addrlen)`.
pub async fn sys_bind(t: &Arc<Thread>, fd: Fd, addr: u64, addrlen: i32) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    let raw = read_sockaddr(t, addr, i64::from(addrlen))?;
    if raw.len() == SUN_PATH_OFFSET && u16::from_ne_bytes([raw[0], raw[1]]) == AF_UNIX {
        sock.autobind()?;
        return Ok(0);
    }
    validate_unix_addr(&raw)?;
    if raw[SUN_PATH_OFFSET] == 0 {
        sock.bind_abstract(&raw)?;
        return Ok(0);
    }
    let name = unix::normalize_addr(&raw);
    let path = addr_path(&name)?;
    let at = PathAt::new(t, Fd(kairos_abi::at::AT_FDCWD), &path)?;
    let inode = vfs()
        .mknod(&at.cx(), &path, FileType::Socket, 0o777, 0)
        .await
        .map_err(|e| if e.errno == Errno::EEXIST { Errno::EADDRINUSE.into() } else { e })?;
    if let Err(e) = sock.bind_path(inode.key(), &name) {
        // Bound meanwhile: the new inode goes again, as in Linux.
        let _ = vfs().unlink(&at.cx(), &path).await;
        return Err(e);
    }
    Ok(0)
}

/// `listen(fd, backlog)`: a negative or too large backlog is `somaxconn`.
pub fn sys_listen(t: &Arc<Thread>, fd: Fd, backlog: i32) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    let backlog = (backlog as u32).min(SOMAXCONN);
    sock.listen(t, backlog as usize)?;
    Ok(0)
}
