//! `sendto` and `sendmsg` (and `write` on a socket): the data comes from user buffers, the
//! destination from `msg_name`, and `SCM_RIGHTS` (files to pass) and `SCM_CREDENTIALS`
//! from the control messages, parsed as Linux's `__scm_send` does. A non-blocking file or
//! `MSG_DONTWAIT` never waits.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{Fd, read_bytes, read_val};
use super::read::UserBufs;
use super::socket::{UserSource, find_other, read_sockaddr, socket_of, validate_unix_addr};
use crate::file::File;
use crate::net::unix::{Ancillary, UnixSocket};
use crate::net::{MSG_OOB, SCM_CREDENTIALS, SCM_MAX_FD, SCM_RIGHTS, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, Ucred};
use crate::proc::Thread;

/// `struct msghdr`, 56 bytes.
#[derive(Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub(super) struct MsgHdr {
    pub(super) name: u64,
    pub(super) namelen: u32,
    pub(super) _pad0: u32,
    pub(super) iov: u64,
    pub(super) iovlen: u64,
    pub(super) control: u64,
    pub(super) controllen: u64,
    pub(super) flags: i32,
    pub(super) _pad1: u32,
}

/// `sizeof(struct cmsghdr)`.
pub(super) const CMSG_HDR: usize = 16;

/// `CMSG_ALIGN`.
pub(super) fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}

/// Parses control messages (`__scm_send`): EINVAL for a malformed header, an unknown
/// `SOL_SOCKET` type or too many files, EBADF for a bad descriptor, EPERM for credentials
/// the caller may not claim.
fn parse_control(t: &Thread, ctl: &[u8]) -> Result<Ancillary> {
    let mut out = Ancillary::default();
    let mut off = 0usize;
    while off + CMSG_HDR <= ctl.len() {
        let len = u64::from_ne_bytes(ctl[off..off + 8].try_into().expect("8 bytes")) as usize;
        let level = i32::from_ne_bytes(ctl[off + 8..off + 12].try_into().expect("4 bytes"));
        let ty = i32::from_ne_bytes(ctl[off + 12..off + 16].try_into().expect("4 bytes"));
        if len < CMSG_HDR || len > ctl.len() - off {
            return Err(Errno::EINVAL.into());
        }
        if level == SOL_SOCKET {
            let data = &ctl[off + CMSG_HDR..off + len];
            match ty {
                SCM_RIGHTS => {
                    let n = data.len() / 4;
                    if out.rights.len() + n > SCM_MAX_FD {
                        return Err(Errno::EINVAL.into());
                    }
                    let files = t.files();
                    let table = files.lock();
                    for c in data.chunks_exact(4) {
                        let fd = i32::from_ne_bytes(c.try_into().expect("4 bytes"));
                        out.rights.push(table.get(fd)?);
                    }
                }
                SCM_CREDENTIALS => {
                    if data.len() != core::mem::size_of::<Ucred>() {
                        return Err(Errno::EINVAL.into());
                    }
                    let c: Ucred = bytemuck::pod_read_unaligned(data);
                    check_creds(t, &c)?;
                    out.cred = Some(c);
                }
                _ => return Err(Errno::EINVAL.into()),
            }
        }
        off += cmsg_align(len);
    }
    Ok(out)
}

/// Linux's `scm_check_creds`: the own pid and one of the real/effective/saved ids, unless
/// root.
fn check_creds(t: &Thread, c: &Ucred) -> Result<()> {
    let st = t.process.state.lock();
    let root = st.uid[1] == 0;
    let pid_ok = c.pid == t.process.pid as i32 || root;
    let uid_ok = st.uid.contains(&c.uid) || root;
    let gid_ok = st.gid.contains(&c.gid) || root;
    if pid_ok && uid_ok && gid_ok { Ok(()) } else { Err(Errno::EPERM.into()) }
}

/// Sends `bufs` on `sock` (the protocol part of `sendmsg`): `name` is the destination
/// address (empty for none), `ctl` the control bytes.
async fn send(
    t: &Arc<Thread>,
    sock: &Arc<UnixSocket>,
    bufs: &UserBufs,
    name: &[u8],
    ctl: &[u8],
    flags: u32,
    nonblock: bool,
) -> SysResult {
    let src = UserSource { t, bufs };
    if sock.kind() == SOCK_STREAM {
        let c = parse_control(t, ctl)?;
        if flags & MSG_OOB != 0 {
            return Err(Errno::EOPNOTSUPP.into());
        }
        if !name.is_empty() {
            return Err(if sock.is_connected() { Errno::EISCONN } else { Errno::EOPNOTSUPP }.into());
        }
        let n = sock.send_stream(t, &src, bufs.total, c, flags, nonblock).await?;
        return Ok(n as isize);
    }
    let name = if sock.kind() == SOCK_SEQPACKET {
        sock.sock_error()?;
        if !sock.is_connected() {
            return Err(Errno::ENOTCONN.into());
        }
        &[][..]
    } else {
        name
    };
    let c = parse_control(t, ctl)?;
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    if !name.is_empty() {
        validate_unix_addr(name)?;
    }
    sock.autobind_if_passcred()?;
    if bufs.total > sock.max_dgram() {
        return Err(Errno::EMSGSIZE.into());
    }
    let data = bufs.gather(t, 0, bufs.total)?;
    let dest = if name.is_empty() { None } else { Some(find_other(t, name, sock.kind()).await?) };
    let n = sock.send_dgram(t, data, dest, c, flags, nonblock).await?;
    Ok(n as isize)
}

/// `write`/`writev` on a socket: a send without address, control or flags.
pub(super) async fn write_socket(t: &Arc<Thread>, sock: &Arc<UnixSocket>, file: &File, bufs: &UserBufs) -> SysResult {
    let src = UserSource { t, bufs };
    Ok(sock.write(t, &src, bufs.total, file.nonblocking()).await? as isize)
}

/// `sendto(fd, buf, len, flags, dest_addr, addrlen)`.
pub async fn sys_sendto(
    t: &Arc<Thread>,
    fd: Fd,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    addrlen: i32,
) -> SysResult {
    let bufs = UserBufs::single(buf, len.min(i32::MAX as usize))?;
    let (file, sock) = socket_of(t, fd)?;
    let name = if addr != 0 { read_sockaddr(t, addr, i64::from(addrlen))? } else { Vec::new() };
    send(t, &sock, &bufs, &name, &[], flags, file.nonblocking()).await
}

/// `sendmsg(fd, msg, flags)`.
pub async fn sys_sendmsg(t: &Arc<Thread>, fd: Fd, msg: u64, flags: u32) -> SysResult {
    let (file, sock) = socket_of(t, fd)?;
    let hdr: MsgHdr = read_val(t, msg)?;
    if (hdr.namelen as i32) < 0 {
        return Err(Errno::EINVAL.into());
    }
    let namelen = (hdr.namelen as usize).min(crate::net::SOCKADDR_STORAGE_LEN);
    let name = if hdr.name != 0 && namelen > 0 { read_bytes(t, hdr.name, namelen)? } else { Vec::new() };
    let bufs = UserBufs::from_iovec(t, hdr.iov, hdr.iovlen as usize)?;
    if hdr.controllen > i32::MAX as u64 {
        return Err(Errno::ENOBUFS.into());
    }
    let ctl = if hdr.controllen > 0 { read_bytes(t, hdr.control, hdr.controllen as usize)? } else { Vec::new() };
    send(t, &sock, &bufs, &name, &ctl, flags, file.nonblocking()).await
}
