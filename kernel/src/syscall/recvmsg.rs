//! `recvfrom` and `recvmsg` (and `read` on a socket): data into user buffers, the sender's
//! address into `msg_name`, and control messages built as Linux's `scm_recv` does —
//! `SCM_CREDENTIALS` with `SO_PASSCRED`, then `SCM_RIGHTS`, whose files are installed as
//! new descriptors (`O_CLOEXEC` with `MSG_CMSG_CLOEXEC`); what does not fit in the control
//! buffer is dropped and flagged `MSG_CTRUNC`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result};

use super::SysResult;
use super::args::{Fd, read_val, write_bytes, write_val};
use super::dup::install;
use super::read::UserBufs;
use super::sendmsg::{CMSG_HDR, MsgHdr, cmsg_align};
use super::socket::{UserSink, socket_of, write_sockaddr};
use crate::file::File;
use crate::net::unix::{Received, UnixSocket};
use crate::net::{MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_OOB, SCM_CREDENTIALS, SCM_RIGHTS, SOCK_STREAM, SOL_SOCKET};
use crate::proc::Thread;

/// The protocol part of a receive.
async fn recv(t: &Thread, sock: &UnixSocket, bufs: &UserBufs, flags: u32, nonblock: bool) -> Result<Received> {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    let sink = UserSink { t, bufs };
    if sock.kind() == SOCK_STREAM {
        sock.recv_stream(t, &sink, bufs.total, flags, nonblock).await
    } else {
        sock.recv_dgram(t, &sink, bufs.total, flags, nonblock).await
    }
}

/// `read`/`readv` on a socket (a zero-length read returns 0 at once, as Linux's
/// `sock_read_iter`).
pub(super) async fn read_socket(t: &Arc<Thread>, sock: &UnixSocket, file: &File, bufs: &UserBufs) -> SysResult {
    if bufs.total == 0 {
        return Ok(0);
    }
    let r = recv(t, sock, bufs, 0, file.nonblocking()).await?;
    Ok(r.len as isize)
}

/// `recvfrom(fd, buf, len, flags, src_addr, addrlen)`.
pub async fn sys_recvfrom(
    t: &Arc<Thread>,
    fd: Fd,
    buf: u64,
    len: usize,
    flags: u32,
    addr: u64,
    addrlen: u64,
) -> SysResult {
    let bufs = UserBufs::single(buf, len.min(i32::MAX as usize))?;
    let (file, sock) = socket_of(t, fd)?;
    let r = recv(t, &sock, &bufs, flags, file.nonblocking()).await?;
    if addr != 0 {
        let name: Vec<u8> = r.from.as_deref().map(<[u8]>::to_vec).unwrap_or_default();
        write_sockaddr(t, &name, addr, addrlen)?;
    }
    Ok(r.len as isize)
}

/// Control messages being written to user memory (`put_cmsg`).
struct CmsgWriter {
    addr: u64,
    len: usize,
    used: usize,
    flags: u32,
}

impl CmsgWriter {
    fn room(&self) -> usize {
        self.len - self.used
    }

    /// One control message, truncated (`MSG_CTRUNC`) if it does not fit.
    fn put(&mut self, t: &Thread, level: i32, ty: i32, data: &[u8]) -> Result<()> {
        if self.addr == 0 || self.room() < CMSG_HDR {
            self.flags |= MSG_CTRUNC;
            return Ok(());
        }
        let mut cmlen = CMSG_HDR + data.len();
        if self.room() < cmlen {
            self.flags |= MSG_CTRUNC;
            cmlen = self.room();
        }
        let mut bytes = Vec::with_capacity(cmlen);
        bytes.extend_from_slice(&(cmlen as u64).to_ne_bytes());
        bytes.extend_from_slice(&level.to_ne_bytes());
        bytes.extend_from_slice(&ty.to_ne_bytes());
        bytes.extend_from_slice(&data[..cmlen - CMSG_HDR]);
        write_bytes(t, self.addr + self.used as u64, &bytes)?;
        self.used += cmsg_align(CMSG_HDR + data.len()).min(self.room());
        Ok(())
    }

    /// `SCM_RIGHTS` (`scm_detach_fds`): as many files as fit become descriptors.
    fn rights(&mut self, t: &Thread, files: Vec<Arc<File>>, cloexec: bool) -> Result<()> {
        let fdmax = if self.addr == 0 || self.room() <= CMSG_HDR { 0 } else { (self.room() - CMSG_HDR) / 4 };
        let count = files.len();
        let mut fds: Vec<i32> = Vec::new();
        for f in files.into_iter().take(fdmax) {
            match install(t, f, cloexec) {
                Ok(fd) => fds.push(fd),
                Err(_) => break,
            }
        }
        if !fds.is_empty() {
            let cmlen = CMSG_HDR + 4 * fds.len();
            let mut bytes = Vec::with_capacity(cmlen);
            bytes.extend_from_slice(&(cmlen as u64).to_ne_bytes());
            bytes.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
            bytes.extend_from_slice(&SCM_RIGHTS.to_ne_bytes());
            for fd in &fds {
                bytes.extend_from_slice(&fd.to_ne_bytes());
            }
            write_bytes(t, self.addr + self.used as u64, &bytes)?;
            self.used += cmsg_align(cmlen).min(self.room());
        }
        if fds.len() < count {
            self.flags |= MSG_CTRUNC;
        }
        Ok(())
    }
}

/// `recvmsg(fd, msg, flags)`.
pub async fn sys_recvmsg(t: &Arc<Thread>, fd: Fd, msg: u64, flags: u32) -> SysResult {
    let (file, sock) = socket_of(t, fd)?;
    let hdr: MsgHdr = read_val(t, msg)?;
    if (hdr.namelen as i32) < 0 {
        return Err(Errno::EINVAL.into());
    }
    let bufs = UserBufs::from_iovec(t, hdr.iov, hdr.iovlen as usize)?;
    let r = recv(t, &sock, &bufs, flags, file.nonblocking()).await?;
    if hdr.name != 0 {
        let name: Vec<u8> = r.from.as_deref().map(<[u8]>::to_vec).unwrap_or_default();
        write_sockaddr(t, &name, hdr.name, msg + 8)?;
    }
    let mut w = CmsgWriter {
        addr: hdr.control,
        len: hdr.controllen.min(i32::MAX as u64) as usize,
        used: 0,
        flags: r.msg_flags | (flags & MSG_CMSG_CLOEXEC),
    };
    if let Some(c) = r.cred {
        w.put(t, SOL_SOCKET, SCM_CREDENTIALS, bytemuck::bytes_of(&c))?;
    }
    if !r.rights.is_empty() {
        w.rights(t, r.rights, flags & MSG_CMSG_CLOEXEC != 0)?;
    }
    write_val(t, msg + 48, &(w.flags as i32))?;
    write_val(t, msg + 40, &(w.used as u64))?;
    Ok(r.len as isize)
}
