//! Sockets: the constants of the Linux socket ABI and the socket families the kernel
//! implements. Only `AF_UNIX` ([`unix`]) exists so far; TCP/IP will live in the top-level
//! `net/` crate. This module owns socket objects and their queues; it does not touch user
//! memory (the syscall layer copies data in and out through the small traits of [`unix`]) and
//! does not walk paths (the syscall layer resolves names to bound sockets).

pub mod unix;

use bytemuck::{Pod, Zeroable};

/// `AF_UNSPEC`.
pub const AF_UNSPEC: u16 = 0;
/// `AF_UNIX` / `AF_LOCAL`.
pub const AF_UNIX: u16 = 1;
/// `AF_INET`.
pub const AF_INET: i32 = 2;
/// `AF_INET6`.
pub const AF_INET6: i32 = 10;
/// `AF_NETLINK`.
pub const AF_NETLINK: i32 = 16;
/// `AF_PACKET`.
pub const AF_PACKET: i32 = 17;
/// Number of address families Linux knows (`AF_MAX`, `NPROTO`).
pub const AF_MAX: i32 = 46;

/// `SOCK_STREAM`.
pub const SOCK_STREAM: i32 = 1;
/// `SOCK_DGRAM`.
pub const SOCK_DGRAM: i32 = 2;
/// `SOCK_RAW` (an alias of `SOCK_DGRAM` for `AF_UNIX`).
pub const SOCK_RAW: i32 = 3;
/// `SOCK_SEQPACKET`.
pub const SOCK_SEQPACKET: i32 = 5;
/// One past the largest socket type (`SOCK_MAX`).
pub const SOCK_MAX: i32 = 11;
/// The type bits of `socket`'s type argument.
pub const SOCK_TYPE_MASK: i32 = 0xf;
/// `SOCK_NONBLOCK` (= `O_NONBLOCK`).
pub const SOCK_NONBLOCK: i32 = 0o4000;
/// `SOCK_CLOEXEC` (= `O_CLOEXEC`).
pub const SOCK_CLOEXEC: i32 = 0o2000000;

/// `MSG_OOB`.
pub const MSG_OOB: u32 = 0x1;
/// `MSG_PEEK`.
pub const MSG_PEEK: u32 = 0x2;
/// `MSG_CTRUNC`.
pub const MSG_CTRUNC: u32 = 0x8;
/// `MSG_TRUNC`.
pub const MSG_TRUNC: u32 = 0x20;
/// `MSG_DONTWAIT`.
pub const MSG_DONTWAIT: u32 = 0x40;
/// `MSG_EOR`.
pub const MSG_EOR: u32 = 0x80;
/// `MSG_WAITALL`.
pub const MSG_WAITALL: u32 = 0x100;
/// `MSG_NOSIGNAL`.
pub const MSG_NOSIGNAL: u32 = 0x4000;
/// `MSG_CMSG_CLOEXEC`.
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// `SOL_SOCKET`.
pub const SOL_SOCKET: i32 = 1;
/// `SO_DEBUG`.
pub const SO_DEBUG: i32 = 1;
/// `SO_REUSEADDR`.
pub const SO_REUSEADDR: i32 = 2;
/// `SO_TYPE`.
pub const SO_TYPE: i32 = 3;
/// `SO_ERROR`.
pub const SO_ERROR: i32 = 4;
/// `SO_DONTROUTE`.
pub const SO_DONTROUTE: i32 = 5;
/// `SO_BROADCAST`.
pub const SO_BROADCAST: i32 = 6;
/// `SO_SNDBUF`.
pub const SO_SNDBUF: i32 = 7;
/// `SO_RCVBUF`.
pub const SO_RCVBUF: i32 = 8;
/// `SO_KEEPALIVE`.
pub const SO_KEEPALIVE: i32 = 9;
/// `SO_PASSCRED`.
pub const SO_PASSCRED: i32 = 16;
/// `SO_PEERCRED`.
pub const SO_PEERCRED: i32 = 17;
/// `SO_RCVLOWAT`.
pub const SO_RCVLOWAT: i32 = 18;
/// `SO_SNDLOWAT`.
pub const SO_SNDLOWAT: i32 = 19;
/// `SO_RCVTIMEO` (the `struct timeval` flavour, `SO_RCVTIMEO_OLD`).
pub const SO_RCVTIMEO: i32 = 20;
/// `SO_SNDTIMEO` (`SO_SNDTIMEO_OLD`).
pub const SO_SNDTIMEO: i32 = 21;
/// `SO_ACCEPTCONN`.
pub const SO_ACCEPTCONN: i32 = 30;
/// `SO_SNDBUFFORCE`.
pub const SO_SNDBUFFORCE: i32 = 32;
/// `SO_RCVBUFFORCE`.
pub const SO_RCVBUFFORCE: i32 = 33;
/// `SO_PROTOCOL`.
pub const SO_PROTOCOL: i32 = 38;
/// `SO_DOMAIN`.
pub const SO_DOMAIN: i32 = 39;

/// `SCM_RIGHTS`.
pub const SCM_RIGHTS: i32 = 1;
/// `SCM_CREDENTIALS`.
pub const SCM_CREDENTIALS: i32 = 2;
/// Most descriptors one `SCM_RIGHTS` message may carry (`SCM_MAX_FD`).
pub const SCM_MAX_FD: usize = 253;

/// `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`.
pub const SHUT_RDWR: i32 = 2;

/// Default and maximum send/receive buffer (`net.core.[rw]mem_default` / `_max`).
pub const SOCK_BUF_DEFAULT: usize = 212_992;
/// Smallest send buffer `SO_SNDBUF` sets (`SOCK_MIN_SNDBUF`).
pub const SOCK_MIN_SNDBUF: usize = 4608;
/// Smallest receive buffer `SO_RCVBUF` sets (`SOCK_MIN_RCVBUF`).
pub const SOCK_MIN_RCVBUF: usize = 2304;

/// `offsetof(struct sockaddr_un, sun_path)`.
pub const SUN_PATH_OFFSET: usize = 2;
/// `sizeof(struct sockaddr_un)`.
pub const SOCKADDR_UN_LEN: usize = 110;
/// `sizeof(struct sockaddr_storage)`: the most bytes an address argument may have.
pub const SOCKADDR_STORAGE_LEN: usize = 128;

/// `struct ucred`: credentials of a peer or a message sender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Ucred {
    /// Process id (thread-group id).
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl Ucred {
    /// What Linux reports when there are no credentials: pid 0 and the overflow ids.
    pub const NONE: Ucred = Ucred { pid: 0, uid: 65534, gid: 65534 };
}
