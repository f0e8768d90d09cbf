//! `getsockname` and `getpeername`: the socket's own name or its peer's (ENOTCONN without
//! a peer); an unnamed socket reports only its family (length 2).

use alloc::sync::Arc;

use super::SysResult;
use super::args::Fd;
use super::socket::{name_or_family, socket_of, write_sockaddr};
use crate::proc::Thread;

/// `getsockname(fd, addr, addrlen)`.
pub fn sys_getsockname(t: &Arc<Thread>, fd: Fd, addr: u64, addrlen: u64) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    write_sockaddr(t, &name_or_family(sock.addr()), addr, addrlen)?;
    Ok(0)
}

/// `getpeername(fd, addr, addrlen)`.
pub fn sys_getpeername(t: &Arc<Thread>, fd: Fd, addr: u64, addrlen: u64) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    let name = sock.peer_addr()?;
    write_sockaddr(t, &name_or_family(name), addr, addrlen)?;
    Ok(0)
}
