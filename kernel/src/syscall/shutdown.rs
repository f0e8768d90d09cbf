//! `shutdown`: ends reception (`SHUT_RD`), transmission (`SHUT_WR`) or both; a stream or
//! seqpacket peer then reads end-of-file or gets EPIPE.

use alloc::sync::Arc;

use super::SysResult;
use super::args::Fd;
use super::socket::socket_of;
use crate::proc::Thread;

/// `shutdown(fd, how)`.
pub fn sys_shutdown(t: &Arc<Thread>, fd: Fd, how: i32) -> SysResult {
    let (_file, sock) = socket_of(t, fd)?;
    sock.shutdown(how)?;
    Ok(0)
}
