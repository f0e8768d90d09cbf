//! `connect`, `accept` and `accept4`. A stream or seqpacket `connect` joins the backlog of
//! the listening socket the address names and returns at once (the connection is usable
//! before it is accepted); it waits only while that backlog is full. A datagram `connect`
//! sets the default destination (`AF_UNSPEC` removes it). Waits are interruptible and
//! restartable (`ERESTARTSYS`).

use alloc::sync::Arc;

use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::Fd;
use super::dup::{check_free_slot, install};
use super::socket::{
    find_other, name_or_family, read_sockaddr, socket_file, socket_of, validate_unix_addr, write_sockaddr,
};
use crate::net::{AF_UNSPEC, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK};
use crate::proc::Thread;

/// `connect(fd, addr, addrlen)`.
pub async fn sys_connect(t: &Arc<Thread>, fd: Fd, addr: u64, addrlen: i32) -> SysResult {
    let (file, sock) = socket_of(t, fd)?;
    let raw = read_sockaddr(t, addr, i64::from(addrlen))?;
    if sock.kind() == SOCK_DGRAM {
        if raw.len() < 2 {
            return Err(Errno::EINVAL.into());
        }
        if u16::from_ne_bytes([raw[0], raw[1]]) == AF_UNSPEC {
            sock.connect_dgram(None)?;
            return Ok(0);
        }
        validate_unix_addr(&raw)?;
        sock.autobind_if_passcred()?;
        let other = find_other(t, &raw, sock.kind()).await?;
        sock.connect_dgram(Some(&other))?;
        return Ok(0);
    }
    validate_unix_addr(&raw)?;
    sock.autobind_if_passcred()?;
    let other = find_other(t, &raw, sock.kind()).await?;
    sock.connect_stream(t, &other, file.nonblocking()).await?;
    Ok(0)
}

/// `accept4(fd, addr, addrlen, flags)`: flags are `SOCK_NONBLOCK` and `SOCK_CLOEXEC`
/// (EINVAL otherwise). The peer's address is written after the connection is taken.
pub async fn sys_accept4(t: &Arc<Thread>, fd: Fd, addr: u64, addrlen: u64, flags: i32) -> SysResult {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (file, sock) = socket_of(t, fd)?;
    check_free_slot(t)?;
    let conn = sock.accept(t, file.nonblocking()).await?;
    let peer_name = conn.peer_addr().ok().flatten();
    let kind = conn.kind();
    let new = socket_file(t, Some(conn), kind, flags & SOCK_NONBLOCK != 0);
    let newfd = install(t, new, flags & SOCK_CLOEXEC != 0)?;
    if addr != 0 {
        let r: Result<()> = write_sockaddr(t, &name_or_family(peer_name), addr, addrlen);
        if let Err(e) = r {
            super::socket::close_quietly(t, &[newfd]);
            return Err(e);
        }
    }
    Ok(newfd as isize)
}
