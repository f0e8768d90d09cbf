//! `socket` and `socketpair`, and what every socket call shares: the socket behind a
//! descriptor (EBADF, ENOTSOCK), socket addresses copied in and out the way Linux's
//! `move_addr_to_kernel`/`move_addr_to_user` do, and the lookup of the socket an `AF_UNIX`
//! address names (a socket inode in the filesystem, or a name in the abstract namespace).
//!
//! Only `AF_UNIX` exists; other families in range are EAFNOSUPPORT (logged once by name).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use kairos_abi::flags::{OpenFlags, S_IFSOCK};
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::{Access, FileType, Inode};

use super::SysResult;
use super::args::{Fd, UserPtr, read_bytes, read_val, write_bytes, write_val};
use super::dup::install;
use super::openat::{PathAt, credentials};
use super::pipe::AnonInode;
use super::read::{UserBufs, io_file};
use crate::file::{File, FileKind};
use crate::fsctx::vfs;
use crate::net::unix::{self, RecvSink, SendSource, UnixSocket};
use crate::net::{
    AF_INET, AF_INET6, AF_MAX, AF_NETLINK, AF_PACKET, AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_MAX, SOCK_NONBLOCK,
    SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM, SOCK_TYPE_MASK, SOCKADDR_STORAGE_LEN, SOCKADDR_UN_LEN, SUN_PATH_OFFSET,
};
use crate::proc::Thread;

/// The open file and socket behind `fd`: EBADF if it is not open (or `O_PATH`), ENOTSOCK if
/// it is not a socket.
pub(super) fn socket_of(t: &Thread, fd: Fd) -> Result<(Arc<File>, Arc<UnixSocket>)> {
    let file = io_file(t, fd)?;
    let sock = match &file.kind {
        FileKind::Socket(s) => s.clone(),
        _ => return Err(Errno::ENOTSOCK.into()),
    };
    Ok((file, sock))
}

/// Copies a socket address argument in (`move_addr_to_kernel`): EINVAL for a length over
/// `sizeof(struct sockaddr_storage)` (or negative), EFAULT for bad memory.
pub(super) fn read_sockaddr(t: &Thread, addr: u64, len: i64) -> Result<Vec<u8>> {
    if !(0..=SOCKADDR_STORAGE_LEN as i64).contains(&len) {
        return Err(Errno::EINVAL.into());
    }
    if len == 0 {
        return Ok(Vec::new());
    }
    read_bytes(t, addr, len as usize)
}

/// Copies an address out (`move_addr_to_user`): at most `*ulen` bytes of `kaddr` go to
/// `uaddr`, and `*ulen` becomes the full length. EINVAL for a negative `*ulen`.
pub(super) fn write_sockaddr(t: &Thread, kaddr: &[u8], uaddr: u64, ulen: u64) -> Result<()> {
    let len: i32 = read_val(t, ulen)?;
    if len < 0 {
        return Err(Errno::EINVAL.into());
    }
    let n = (len as usize).min(kaddr.len());
    if n > 0 {
        write_bytes(t, uaddr, &kaddr[..n])?;
    }
    write_val(t, ulen, &(kaddr.len() as i32))
}

/// The address bytes a socket reports for itself or its peer: its name, or just the family.
pub(super) fn name_or_family(addr: Option<Arc<[u8]>>) -> Vec<u8> {
    addr.map_or_else(|| AF_UNIX.to_ne_bytes().to_vec(), |a| a.to_vec())
}

/// Linux's `unix_validate_addr`: a family of `AF_UNIX` and at least one byte of path, at
/// most `sizeof(struct sockaddr_un)` in all (EINVAL).
pub(super) fn validate_unix_addr(addr: &[u8]) -> Result<()> {
    if addr.len() <= SUN_PATH_OFFSET || addr.len() > SOCKADDR_UN_LEN {
        return Err(Errno::EINVAL.into());
    }
    if u16::from_ne_bytes([addr[0], addr[1]]) != AF_UNIX {
        return Err(Errno::EINVAL.into());
    }
    Ok(())
}

/// The path of a filesystem address (already normalized: NUL-terminated).
pub(super) fn addr_path(addr: &[u8]) -> Result<String> {
    let bytes = &addr[SUN_PATH_OFFSET..addr.len() - 1];
    String::from_utf8(bytes.to_vec()).map_err(|_| Errno::ENOENT.into())
}

/// The socket of type `kind` a validated address names (Linux's `unix_find_other`): for a
/// path, ENOENT and the walk's errors, EACCES without write permission, ECONNREFUSED if the
/// inode is no socket or nobody is bound to it, EPROTOTYPE for another socket type; for an
/// abstract name, ECONNREFUSED if nobody has it.
pub(super) async fn find_other(t: &Thread, raw: &[u8], kind: i32) -> Result<Arc<UnixSocket>> {
    if raw[SUN_PATH_OFFSET] == 0 {
        return unix::find_abstract(kind, raw);
    }
    let addr = unix::normalize_addr(raw);
    let path = addr_path(&addr)?;
    let at = PathAt::new(t, Fd(kairos_abi::at::AT_FDCWD), &path)?;
    let inode: Arc<dyn Inode> = vfs().resolve(&at.cx(), &path, true).await?;
    vfs().permission(&credentials(t), &*inode, Access::WRITE)?;
    if inode.file_type() != FileType::Socket {
        return Err(Errno::ECONNREFUSED.into());
    }
    let sock = unix::find_path(inode.key()).ok_or(Errno::ECONNREFUSED)?;
    if sock.kind() != kind {
        return Err(Errno::EPROTOTYPE.into());
    }
    Ok(sock)
}

/// A new socket file of type `kind` (`O_RDWR`, plus `O_NONBLOCK` if asked), backed by an
/// anonymous `S_IFSOCK` inode as on Linux's sockfs.
pub(super) fn socket_file(t: &Thread, sock: Option<Arc<UnixSocket>>, kind: i32, nonblock: bool) -> Arc<File> {
    let inode: Arc<dyn Inode> = AnonInode::new(t, S_IFSOCK | 0o777, 0);
    let sock = match sock {
        Some(s) => {
            s.set_ino(inode.ino());
            s
        }
        None => UnixSocket::new(kind, inode.ino()),
    };
    let name = format!("socket:[{}]", inode.ino());
    let mut flags = OpenFlags::O_RDWR;
    if nonblock {
        flags |= OpenFlags::O_NONBLOCK;
    }
    File::new(FileKind::Socket(sock), Some(inode), Some(name), flags)
}

/// User buffers as the source of a send.
pub(super) struct UserSource<'a> {
    pub(super) t: &'a Thread,
    pub(super) bufs: &'a UserBufs,
}

impl SendSource for UserSource<'_> {
    fn fetch(&self, pos: usize, len: usize) -> Result<Vec<u8>> {
        self.bufs.gather(self.t, pos, len)
    }
}

/// User buffers as the destination of a receive.
pub(super) struct UserSink<'a> {
    pub(super) t: &'a Thread,
    pub(super) bufs: &'a UserBufs,
}

impl RecvSink for UserSink<'_> {
    fn put(&self, pos: usize, data: &[u8]) -> Result<()> {
        self.bufs.scatter(self.t, pos, data)
    }
}

/// The type and flags of a `socket`/`socketpair` type argument, checked in Linux's order
/// (unknown flags EINVAL; the family, EAFNOSUPPORT; the type, EINVAL; the protocol,
/// EPROTONOSUPPORT; an `AF_UNIX` type, ESOCKTNOSUPPORT). Returns (type, nonblock, cloexec).
fn check_args(domain: i32, ty: i32, protocol: i32, pair: bool) -> Result<(i32, bool, bool)> {
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let kind = ty & SOCK_TYPE_MASK;
    if !(0..AF_MAX).contains(&domain) {
        return Err(Errno::EAFNOSUPPORT.into());
    }
    if kind >= SOCK_MAX {
        return Err(Errno::EINVAL.into());
    }
    if domain != i32::from(AF_UNIX) {
        report_family(domain);
        // Linux's inet, netlink and packet sockets have no socketpair.
        let known = [AF_INET, AF_INET6, AF_NETLINK, AF_PACKET].contains(&domain);
        return Err(if pair && known { Errno::EOPNOTSUPP } else { Errno::EAFNOSUPPORT }.into());
    }
    if protocol != 0 && protocol != i32::from(AF_UNIX) {
        return Err(Errno::EPROTONOSUPPORT.into());
    }
    let kind = match kind {
        SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET => kind,
        SOCK_RAW => SOCK_DGRAM,
        _ => return Err(Errno::ESOCKTNOSUPPORT.into()),
    };
    Ok((kind, flags & SOCK_NONBLOCK != 0, flags & SOCK_CLOEXEC != 0))
}

/// Logs the first use of each unimplemented address family.
fn report_family(domain: i32) {
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let bit = 1u64 << (domain as u32 % 64);
    if SEEN.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
        let name = match domain {
            AF_INET => "AF_INET",
            AF_INET6 => "AF_INET6",
            AF_NETLINK => "AF_NETLINK",
            AF_PACKET => "AF_PACKET",
            _ => "another family",
        };
        log::warn!(target: "net", "socket family {name} ({domain}) is not implemented: EAFNOSUPPORT");
    }
}

/// `socket(domain, type, protocol)`.
pub fn sys_socket(t: &Arc<Thread>, domain: i32, ty: i32, protocol: i32) -> SysResult {
    let (kind, nonblock, cloexec) = check_args(domain, ty, protocol, false)?;
    let file = socket_file(t, None, kind, nonblock);
    Ok(install(t, file, cloexec)? as isize)
}

/// `socketpair(domain, type, protocol, sv)`: two connected sockets. If `sv` cannot be
/// written the descriptors are closed again (EFAULT).
pub fn sys_socketpair(t: &Arc<Thread>, domain: i32, ty: i32, protocol: i32, sv: UserPtr<[i32; 2]>) -> SysResult {
    let (kind, nonblock, cloexec) = check_args(domain, ty, protocol, true)?;
    let a = socket_file(t, None, kind, nonblock);
    let b = socket_file(t, None, kind, nonblock);
    if let (FileKind::Socket(x), FileKind::Socket(y)) = (&a.kind, &b.kind) {
        UnixSocket::pair(t, x, y);
    }
    let fa = install(t, a, cloexec)?;
    let fb = match install(t, b, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            close_quietly(t, &[fa]);
            return Err(e);
        }
    };
    if let Err(e) = sv.write(t, &[fa, fb]) {
        close_quietly(t, &[fa, fb]);
        return Err(e);
    }
    Ok(0)
}

/// Closes descriptors the caller never learned about.
pub(super) fn close_quietly(t: &Thread, fds: &[i32]) {
    let files = t.files();
    let closed: Vec<_> = {
        let mut table = files.lock();
        fds.iter().filter_map(|&fd| table.close(fd).ok()).collect()
    };
    drop(closed);
}
