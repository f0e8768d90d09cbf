//! `getsockopt` and `setsockopt` at `SOL_SOCKET` (other levels are EOPNOTSUPP for `AF_UNIX`,
//! unknown options ENOPROTOOPT), following Linux's `sk_getsockopt`/`sk_setsockopt`: an
//! `int` option needs `optlen >= 4` to be set; a get copies at most `*optlen` bytes and
//! writes back the length used. Buffer sizes are doubled when set, as Linux does.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::types::Timeval;
use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{Fd, read_val, write_bytes, write_val};
use super::socket::socket_of;
use crate::net::unix::UnixSocket;
use crate::net::*;
use crate::proc::Thread;

/// Options accepted and ignored (they mean nothing for `AF_UNIX`); they read back as 0.
const IGNORED: [i32; 6] =
    [SO_DEBUG, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, 10 /* SO_OOBINLINE */, 12 /* SO_PRIORITY */];

/// A timeout in ns as `struct timeval` (0: none).
fn timeval_of(ns: u64) -> Timeval {
    Timeval::from_micros(ns / 1000)
}

/// The value of option `name`.
fn get(sock: &UnixSocket, name: i32) -> Result<Vec<u8>> {
    let int = |v: i32| Ok(v.to_ne_bytes().to_vec());
    match name {
        SO_TYPE => int(sock.kind()),
        SO_DOMAIN => int(i32::from(AF_UNIX)),
        SO_PROTOCOL => int(0),
        SO_ERROR => int(sock.take_so_error()),
        SO_ACCEPTCONN => int(i32::from(sock.is_listening())),
        SO_PASSCRED | SO_REUSEADDR => int(i32::from(sock.flag(name))),
        SO_SNDBUF => int(sock.bufs().0 as i32),
        SO_RCVBUF => int(sock.bufs().1 as i32),
        SO_RCVLOWAT | SO_SNDLOWAT => int(1),
        SO_PEERCRED => Ok(bytemuck::bytes_of(&sock.peercred()).to_vec()),
        SO_RCVTIMEO => Ok(bytemuck::bytes_of(&timeval_of(sock.timeouts().0)).to_vec()),
        SO_SNDTIMEO => Ok(bytemuck::bytes_of(&timeval_of(sock.timeouts().1)).to_vec()),
        n if IGNORED.contains(&n) => int(0),
        _ => Err(Errno::ENOPROTOOPT.into()),
    }
}

/// `getsockopt(fd, level, optname, optval, optlen)`.
pub fn sys_getsockopt(t: &Arc<Thread>, fd: Fd, level: i32, name: i32, optval: u64, optlen: u64) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    if level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let len: i32 = read_val(t, optlen)?;
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    let v = get(&sock, name)?;
    let n = (len as usize).min(v.len());
    if n > 0 {
        write_bytes(t, optval, &v[..n])?;
    }
    write_val(t, optlen, &(n as i32))?;
    Ok(0)
}

/// A timeout option value in ns: EINVAL if short, EDOM for bad microseconds; a negative
/// time means "do not wait" (1 ns), zero means none.
fn read_timeout(t: &Thread, optval: u64, optlen: i32) -> Result<u64> {
    if (optlen as usize) < core::mem::size_of::<Timeval>() {
        return Err(Errno::EINVAL.into());
    }
    let tv: Timeval = read_val(t, optval)?;
    if !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EDOM.into());
    }
    if tv.tv_sec < 0 {
        return Ok(1);
    }
    Ok((tv.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(tv.tv_usec as u64 * 1000))
}

/// `setsockopt(fd, level, optname, optval, optlen)`.
pub fn sys_setsockopt(t: &Arc<Thread>, fd: Fd, level: i32, name: i32, optval: u64, optlen: i32) -> SysResult {
    if optlen < 0 {
        return Err(Errno::EINVAL.into());
    }
    let (_file, sock) = socket_of(t, fd)?;
    if level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP.into());
    }
    if name == SO_RCVTIMEO || name == SO_SNDTIMEO {
        let ns = read_timeout(t, optval, optlen)?;
        sock.set_timeout(name == SO_RCVTIMEO, ns);
        return Ok(0);
    }
    if (optlen as usize) < 4 {
        return Err(Errno::EINVAL.into());
    }
    let val: i32 = read_val(t, optval)?;
    match name {
        SO_PASSCRED | SO_REUSEADDR => sock.set_flag(name, val != 0),
        SO_SNDBUF | SO_SNDBUFFORCE => {
            let v = if name == SO_SNDBUF { (val as u32).min(SOCK_BUF_DEFAULT as u32) } else { val.max(0) as u32 };
            let v = v.min(i32::MAX as u32 / 2) as usize;
            sock.set_buf(true, (v * 2).max(SOCK_MIN_SNDBUF));
        }
        SO_RCVBUF | SO_RCVBUFFORCE => {
            let v = if name == SO_RCVBUF { (val as u32).min(SOCK_BUF_DEFAULT as u32) } else { val.max(0) as u32 };
            let v = v.min(i32::MAX as u32 / 2) as usize;
            sock.set_buf(false, (v * 2).max(SOCK_MIN_RCVBUF));
        }
        SO_RCVLOWAT => {}
        n if IGNORED.contains(&n) => {}
        _ => return Err(Errno::ENOPROTOOPT.into()),
    }
    Ok(0)
}
