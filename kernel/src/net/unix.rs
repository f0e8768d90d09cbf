//! `AF_UNIX` sockets as Linux's `net/unix/af_unix.c` has them: stream, datagram and
//! sequenced-packet sockets, their names (a filesystem socket inode, found by its
//! [`InodeKey`], or a byte string in the abstract namespace kept here), listening sockets with
//! a backlog of not-yet-accepted connections, and receive queues of messages carrying data,
//! the sender's address, passed files (`SCM_RIGHTS`) and credentials.
//!
//! Every socket has one wait queue, woken whenever anything a waiter could be waiting for
//! changes: data queued or consumed, a peer or state change, shutdown, an error, or send
//! space freed (a queued message gives its sender's space back when it is dropped). All
//! waits are cancel-safe `wait_until` futures: a signal drops them and the call reports
//! `ERESTARTSYS` (or `EINTR` with a send/receive timeout, as Linux's `sock_intr_errno`).
//!
//! Locking: at most one socket's state lock is held at a time, and messages (which may
//! hold files, whose release may close sockets) are always dropped outside any lock.
//!
//! Not implemented: out-of-band data, `SO_PEEK_OFF`, garbage collection of sockets passed
//! over themselves (such cycles leak, as before Linux's unix_gc).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::future::{Future, poll_fn};
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::Poll;

use kairos_abi::signal::{SIGPIPE, SigInfo};
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::InodeKey;

use super::{
    AF_UNIX, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, SOCK_BUF_DEFAULT, SOCK_DGRAM,
    SOCK_SEQPACKET, SOCK_STREAM, SUN_PATH_OFFSET, Ucred,
};
use crate::file::File;
use crate::proc::{Thread, signal};
use crate::sync::WaitQueue;

/// Receive shutdown (`RCV_SHUTDOWN`).
const RCV_SHUTDOWN: u8 = 1;
/// Send shutdown (`SEND_SHUTDOWN`).
const SEND_SHUTDOWN: u8 = 2;
/// Both.
const SHUTDOWN_MASK: u8 = 3;

/// Datagrams a receiver queues from senders it is not connected to (`net.unix.max_dgram_qlen`).
const MAX_DGRAM_QLEN: usize = 10;
/// Bytes a queued message costs its sender beyond its data (an approximation of an skb's
/// truesize overhead).
const MSG_OVERHEAD: usize = 512;
/// Largest piece of a stream write queued as one message.
const STREAM_CHUNK: usize = 64 * 1024;

/// Where data to send comes from (user memory, read by the syscall layer).
pub trait SendSource: Sync {
    /// `len` bytes at position `pos` of the data.
    fn fetch(&self, pos: usize, len: usize) -> Result<Vec<u8>>;
}

/// Where received data goes (user memory, written by the syscall layer).
pub trait RecvSink: Sync {
    /// Stores `data` at position `pos` of the caller's buffers.
    fn put(&self, pos: usize, data: &[u8]) -> Result<()>;
}

/// How one socket is named, for removal from the name tables when it closes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum BoundKey {
    /// A socket inode.
    Path(InodeKey),
    /// An abstract name (the socket type and the address bytes).
    Abstract(i32, Vec<u8>),
}

/// Sockets bound to filesystem names, by socket inode.
static PATHS: spin::Mutex<BTreeMap<InodeKey, Weak<UnixSocket>>> = spin::Mutex::new(BTreeMap::new());
/// Sockets bound in the abstract namespace, by type and full address.
type AbstractTable = BTreeMap<(i32, Vec<u8>), Weak<UnixSocket>>;
static ABSTRACT: spin::Mutex<AbstractTable> = spin::Mutex::new(BTreeMap::new());

/// The socket bound to the socket inode `key`, if one is.
pub fn find_path(key: InodeKey) -> Option<Arc<UnixSocket>> {
    PATHS.lock().get(&key).and_then(Weak::upgrade)
}

/// The socket of type `kind` bound to the abstract address `addr` (ECONNREFUSED if none).
pub fn find_abstract(kind: i32, addr: &[u8]) -> Result<Arc<UnixSocket>> {
    ABSTRACT.lock().get(&(kind, addr.to_vec())).and_then(Weak::upgrade).ok_or(Errno::ECONNREFUSED.into())
}

/// What a send carries besides data: files (`SCM_RIGHTS`) and credentials
/// (`SCM_CREDENTIALS`).
#[derive(Default)]
pub struct Ancillary {
    /// Files to pass.
    pub rights: Vec<Arc<File>>,
    /// Credentials the sender claims.
    pub cred: Option<Ucred>,
}

/// One queued message (an skb): data, who sent it and what it carries.
struct Message {
    data: Vec<u8>,
    /// Bytes already read (streams read messages piecemeal).
    consumed: usize,
    /// The sender's address when it sent.
    from: Option<Arc<[u8]>>,
    /// Passed files (`SCM_RIGHTS`).
    rights: Vec<Arc<File>>,
    /// Credentials, if the sender attached them.
    cred: Option<Ucred>,
    /// The sender, whose send space this message uses until dropped.
    sender: Weak<UnixSocket>,
    charge: usize,
}

impl Message {
    fn remaining(&self) -> usize {
        self.data.len() - self.consumed
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        if let Some(s) = self.sender.upgrade() {
            s.wmem.fetch_sub(self.charge, Ordering::Relaxed);
            s.wait.wake_all();
        }
    }
}

/// Connection state (`sk_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conn {
    /// `TCP_CLOSE`.
    Unconnected,
    /// `TCP_LISTEN`.
    Listening,
    /// `TCP_ESTABLISHED`.
    Connected,
}

struct State {
    conn: Conn,
    peer: Option<Arc<UnixSocket>>,
    addr: Option<Arc<[u8]>>,
    bound: Option<BoundKey>,
    queue: VecDeque<Message>,
    /// Connections waiting for `accept` (listening sockets).
    pending: VecDeque<Arc<UnixSocket>>,
    /// `sk_max_ack_backlog`: the listen backlog, or the datagram queue limit.
    backlog: usize,
    shutdown: u8,
    err: Option<Errno>,
    dead: bool,
    peercred: Option<Ucred>,
    passcred: bool,
    reuseaddr: bool,
    sndbuf: usize,
    rcvbuf: usize,
    /// Receive and send timeouts in ns (0: none).
    rcvtimeo: u64,
    sndtimeo: u64,
}

/// What a receive returned besides the data.
#[derive(Default)]
pub struct Received {
    /// The call's result: bytes copied (or the full datagram length with `MSG_TRUNC`).
    pub len: usize,
    /// The sender's address, if it has one.
    pub from: Option<Arc<[u8]>>,
    /// Passed files.
    pub rights: Vec<Arc<File>>,
    /// Credentials to report (`SO_PASSCRED`).
    pub cred: Option<Ucred>,
    /// `MSG_TRUNC` if a datagram did not fit.
    pub msg_flags: u32,
}

/// An `AF_UNIX` socket.
pub struct UnixSocket {
    kind: i32,
    ino: AtomicU64,
    state: spin::Mutex<State>,
    /// Send space in use: the charges of this socket's messages still queued somewhere.
    wmem: AtomicUsize,
    wait: WaitQueue,
}

/// The credentials of the calling process (peer credentials: effective ids).
pub fn current_cred(t: &Thread) -> Ucred {
    let st = t.process.state.lock();
    Ucred { pid: t.process.pid as i32, uid: st.uid[1], gid: st.gid[1] }
}

/// Real ids of the caller: the credentials a message carries.
fn message_cred(t: &Thread) -> Ucred {
    let st = t.process.state.lock();
    Ucred { pid: t.process.pid as i32, uid: st.uid[0], gid: st.gid[0] }
}

/// Waits on `queue` until `cond` holds: interruptibly (ERESTARTSYS) without a timeout;
/// with one (ns, from `SO_RCVTIMEO`/`SO_SNDTIMEO`) EAGAIN when it expires and EINTR on a
/// signal, as Linux's `sock_intr_errno`.
async fn wait_on<T, F: FnMut() -> Option<T> + Unpin>(t: &Thread, queue: &WaitQueue, timeo: u64, cond: F) -> Result<T> {
    if timeo == 0 {
        return crate::syscall::interruptible(t, queue.wait_until(cond)).await;
    }
    let deadline = crate::time::now_ns().saturating_add(timeo);
    let mut wait = pin!(queue.wait_until(cond));
    let mut sleep = crate::sched::spawner().sleep_until(deadline);
    let fut = poll_fn(move |cx| {
        if let Poll::Ready(v) = wait.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if Pin::new(&mut sleep).poll(cx).is_ready() {
            return Poll::Ready(Err(Errno::EAGAIN.into()));
        }
        Poll::Pending
    });
    match crate::syscall::interruptible(t, fut).await {
        Ok(r) => r,
        Err(_) => Err(Errno::EINTR.into()),
    }
}

/// Linux's `sock_intr_errno`-style mapping is done by [`wait_on`]; this gives the timeout
/// of a blocking operation, or `None` when it must not block.
fn timeout(nonblock: bool, timeo: u64) -> Option<u64> {
    if nonblock { None } else { Some(timeo) }
}

impl UnixSocket {
    /// A new unconnected socket of type `kind` (`SOCK_STREAM`, `SOCK_DGRAM` or
    /// `SOCK_SEQPACKET`); `ino` is its inode number (for `socket:[N]`).
    pub fn new(kind: i32, ino: u64) -> Arc<UnixSocket> {
        Arc::new(UnixSocket {
            kind,
            ino: AtomicU64::new(ino),
            state: spin::Mutex::new(State {
                conn: Conn::Unconnected,
                peer: None,
                addr: None,
                bound: None,
                queue: VecDeque::new(),
                pending: VecDeque::new(),
                backlog: MAX_DGRAM_QLEN,
                shutdown: 0,
                err: None,
                dead: false,
                peercred: None,
                passcred: false,
                reuseaddr: false,
                sndbuf: SOCK_BUF_DEFAULT,
                rcvbuf: SOCK_BUF_DEFAULT,
                rcvtimeo: 0,
                sndtimeo: 0,
            }),
            wmem: AtomicUsize::new(0),
            wait: WaitQueue::new(),
        })
    }

    /// Connects `a` and `b` back to back (`socketpair`), both with the caller's credentials.
    pub fn pair(t: &Thread, a: &Arc<UnixSocket>, b: &Arc<UnixSocket>) {
        let cred = current_cred(t);
        for (x, y) in [(a, b), (b, a)] {
            let mut s = x.state.lock();
            s.peer = Some(y.clone());
            s.conn = Conn::Connected;
            s.peercred = Some(cred);
        }
    }

    /// The socket type.
    pub fn kind(&self) -> i32 {
        self.kind
    }

    /// The inode number of its file.
    pub fn ino(&self) -> u64 {
        self.ino.load(Ordering::Relaxed)
    }

    /// Sets the inode number (an accepted connection gets its file only then).
    pub fn set_ino(&self, ino: u64) {
        self.ino.store(ino, Ordering::Relaxed);
    }

    fn connection_based(&self) -> bool {
        self.kind != SOCK_DGRAM
    }

    /// The queue woken on every change.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.wait
    }

    // --------------------------------------------------------------------------------------
    // Names
    // --------------------------------------------------------------------------------------

    /// The bound address (`sockaddr_un` bytes), if any.
    pub fn addr(&self) -> Option<Arc<[u8]>> {
        self.state.lock().addr.clone()
    }

    /// Is the socket bound?
    pub fn is_bound(&self) -> bool {
        self.state.lock().addr.is_some()
    }

    /// The peer's address for `getpeername` (ENOTCONN without a peer; `None` if the peer is
    /// unbound).
    pub fn peer_addr(&self) -> Result<Option<Arc<[u8]>>> {
        let peer = self.state.lock().peer.clone().ok_or(Errno::ENOTCONN)?;
        Ok(peer.addr())
    }

    /// Binds to the socket inode `key` created for `addr` (EINVAL if already bound).
    pub fn bind_path(self: &Arc<Self>, key: InodeKey, addr: &[u8]) -> Result<()> {
        let mut s = self.state.lock();
        if s.addr.is_some() {
            return Err(Errno::EINVAL.into());
        }
        PATHS.lock().insert(key, Arc::downgrade(self));
        s.addr = Some(Arc::from(addr));
        s.bound = Some(BoundKey::Path(key));
        Ok(())
    }

    /// Binds to the abstract address `addr` (EINVAL if already bound, EADDRINUSE if taken).
    pub fn bind_abstract(self: &Arc<Self>, addr: &[u8]) -> Result<()> {
        let mut s = self.state.lock();
        if s.addr.is_some() {
            return Err(Errno::EINVAL.into());
        }
        let mut table = ABSTRACT.lock();
        let key = (self.kind, addr.to_vec());
        if table.get(&key).is_some_and(|w| w.strong_count() > 0) {
            return Err(Errno::EADDRINUSE.into());
        }
        table.insert(key, Arc::downgrade(self));
        s.addr = Some(Arc::from(addr));
        s.bound = Some(BoundKey::Abstract(self.kind, addr.to_vec()));
        Ok(())
    }

    /// Binds to a free abstract name of five hex digits (Linux's `unix_autobind`); nothing
    /// if already bound.
    pub fn autobind(self: &Arc<Self>) -> Result<()> {
        if self.is_bound() {
            return Ok(());
        }
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut seed = [0u8; 4];
        crate::random::fill(&mut seed);
        let start = u32::from_le_bytes(seed) as u64;
        for _ in 0..0x10_0000 {
            let n = (start + NEXT.fetch_add(1, Ordering::Relaxed)) & 0xf_ffff;
            let mut addr = Vec::with_capacity(8);
            addr.extend_from_slice(&AF_UNIX.to_ne_bytes());
            addr.push(0);
            addr.extend_from_slice(alloc::format!("{n:05x}").as_bytes());
            match self.bind_abstract(&addr) {
                Ok(()) => return Ok(()),
                Err(e) if e.errno == Errno::EINVAL => return Ok(()),
                Err(_) => continue,
            }
        }
        Err(Errno::ENOSPC.into())
    }

    /// Autobinds if `SO_PASSCRED` is on and the socket has no name (before connect/send).
    pub fn autobind_if_passcred(self: &Arc<Self>) -> Result<()> {
        if self.state.lock().passcred { self.autobind() } else { Ok(()) }
    }

    // --------------------------------------------------------------------------------------
    // Connections
    // --------------------------------------------------------------------------------------

    /// `listen(backlog)`: EOPNOTSUPP for datagram sockets, EINVAL unbound or connected.
    pub fn listen(&self, t: &Thread, backlog: usize) -> Result<()> {
        if self.kind == SOCK_DGRAM {
            return Err(Errno::EOPNOTSUPP.into());
        }
        let mut s = self.state.lock();
        if s.addr.is_none() || !matches!(s.conn, Conn::Unconnected | Conn::Listening) {
            return Err(Errno::EINVAL.into());
        }
        s.backlog = backlog;
        s.conn = Conn::Listening;
        s.peercred = Some(current_cred(t));
        drop(s);
        self.wait.wake_all();
        Ok(())
    }

    /// Connects a stream or seqpacket socket to the listening socket `other`: a new server
    /// end joins `other`'s backlog, waiting while the backlog is full (EAGAIN when
    /// non-blocking). ECONNREFUSED if `other` does not listen.
    pub async fn connect_stream(self: &Arc<Self>, t: &Thread, other: &Arc<UnixSocket>, nonblock: bool) -> Result<()> {
        let mycred = current_cred(t);
        loop {
            // The listener first (ECONNREFUSED, a full backlog), then our own state.
            let full = {
                let o = other.state.lock();
                if o.dead || o.conn != Conn::Listening || o.shutdown & RCV_SHUTDOWN != 0 {
                    return Err(Errno::ECONNREFUSED.into());
                }
                o.pending.len() > o.backlog
            };
            if full {
                let timeo = self.state.lock().sndtimeo;
                let Some(timeo) = timeout(nonblock, timeo) else {
                    return Err(Errno::EAGAIN.into());
                };
                wait_on(t, &other.wait, timeo, || {
                    let o = other.state.lock();
                    let gone = o.dead || o.conn != Conn::Listening || o.shutdown & RCV_SHUTDOWN != 0;
                    (gone || o.pending.len() <= o.backlog).then_some(())
                })
                .await?;
                continue;
            }
            match self.state.lock().conn {
                Conn::Connected => return Err(Errno::EISCONN.into()),
                Conn::Listening => return Err(Errno::EINVAL.into()),
                Conn::Unconnected => {}
            }
            let embryo = UnixSocket::new(self.kind, 0);
            let listener_cred = {
                let mut o = other.state.lock();
                if o.dead || o.conn != Conn::Listening || o.pending.len() > o.backlog {
                    continue;
                }
                {
                    let mut e = embryo.state.lock();
                    e.conn = Conn::Connected;
                    e.peer = Some(self.clone());
                    e.peercred = Some(mycred);
                    e.addr = o.addr.clone();
                    e.passcred = o.passcred;
                }
                o.pending.push_back(embryo.clone());
                o.peercred
            };
            {
                let mut s = self.state.lock();
                s.peer = Some(embryo);
                s.conn = Conn::Connected;
                s.peercred = listener_cred;
            }
            other.wait.wake_all();
            self.wait.wake_all();
            return Ok(());
        }
    }

    /// `accept`: the next connection of a listening socket, waiting for one unless
    /// `nonblock` (EAGAIN). EOPNOTSUPP for datagram sockets, EINVAL if not listening.
    pub async fn accept(&self, t: &Thread, nonblock: bool) -> Result<Arc<UnixSocket>> {
        if self.kind == SOCK_DGRAM {
            return Err(Errno::EOPNOTSUPP.into());
        }
        let take = || -> Option<Result<Arc<UnixSocket>>> {
            let mut s = self.state.lock();
            if s.conn != Conn::Listening {
                return Some(Err(Errno::EINVAL.into()));
            }
            if let Some(e) = s.err.take() {
                return Some(Err(e.into()));
            }
            if let Some(c) = s.pending.pop_front() {
                return Some(Ok(c));
            }
            if s.shutdown & RCV_SHUTDOWN != 0 {
                return Some(Err(Errno::EINVAL.into()));
            }
            None
        };
        if self.state.lock().conn != Conn::Listening {
            return Err(Errno::EINVAL.into());
        }
        let got = match take() {
            Some(r) => r,
            None => {
                let timeo = self.state.lock().rcvtimeo;
                let Some(timeo) = timeout(nonblock, timeo) else {
                    return Err(Errno::EAGAIN.into());
                };
                wait_on(t, &self.wait, timeo, take).await?
            }
        };
        self.wait.wake_all();
        got
    }

    /// `connect` of a datagram socket: `other` becomes the default destination and the
    /// only sender accepted (EPERM if `other` is connected elsewhere); `None` (AF_UNSPEC)
    /// dissolves the association.
    pub fn connect_dgram(self: &Arc<Self>, other: Option<&Arc<UnixSocket>>) -> Result<()> {
        if let Some(o) = other {
            let os = o.state.lock();
            if os.peer.as_ref().is_some_and(|p| !Arc::ptr_eq(p, self)) {
                return Err(Errno::EPERM.into());
            }
        }
        let (old, purged) = {
            let mut s = self.state.lock();
            let old = core::mem::replace(&mut s.peer, other.cloned());
            s.conn = if other.is_some() { Conn::Connected } else { Conn::Unconnected };
            let changed = match (&old, other) {
                (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
                (Some(_), None) => true,
                _ => false,
            };
            let purged: Vec<Message> = if changed { s.queue.drain(..).collect() } else { Vec::new() };
            (old.filter(|_| changed), purged)
        };
        if let Some(old) = old
            && !purged.is_empty()
        {
            let mut os = old.state.lock();
            if !os.dead && os.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, self)) {
                os.err = Some(Errno::ECONNRESET);
            }
            drop(os);
            old.wait.wake_all();
        }
        drop(purged);
        self.wait.wake_all();
        Ok(())
    }

    /// Is the socket connected (`TCP_ESTABLISHED`)?
    pub fn is_connected(&self) -> bool {
        self.state.lock().conn == Conn::Connected
    }

    /// Is it listening?
    pub fn is_listening(&self) -> bool {
        self.state.lock().conn == Conn::Listening
    }

    /// `shutdown(how)` (0..=2; EINVAL otherwise). A stream or seqpacket peer learns of it.
    pub fn shutdown(&self, how: i32) -> Result<()> {
        if !(0..=2).contains(&how) {
            return Err(Errno::EINVAL.into());
        }
        let mode = (how + 1) as u8;
        let peer = {
            let mut s = self.state.lock();
            s.shutdown |= mode;
            s.peer.clone()
        };
        self.wait.wake_all();
        if let Some(peer) = peer
            && self.connection_based()
        {
            let mut peer_mode = 0;
            if mode & RCV_SHUTDOWN != 0 {
                peer_mode |= SEND_SHUTDOWN;
            }
            if mode & SEND_SHUTDOWN != 0 {
                peer_mode |= RCV_SHUTDOWN;
            }
            peer.state.lock().shutdown |= peer_mode;
            peer.wait.wake_all();
        }
        Ok(())
    }

    /// The last file of the socket closed (Linux's `unix_release_sock`; `embryo` for a
    /// connection never accepted): the name goes, the peer sees a hang-up (and ECONNRESET if
    /// data was left unread), queued messages and pending connections are dropped.
    pub fn release(&self, embryo: bool) {
        let (peer, queue, pending, bound) = {
            let mut s = self.state.lock();
            if s.dead {
                return;
            }
            s.dead = true;
            s.shutdown = SHUTDOWN_MASK;
            s.conn = Conn::Unconnected;
            let queue: Vec<Message> = s.queue.drain(..).collect();
            let pending: Vec<Arc<UnixSocket>> = s.pending.drain(..).collect();
            (s.peer.take(), queue, pending, s.bound.take())
        };
        match bound {
            Some(BoundKey::Path(key)) => {
                let mut paths = PATHS.lock();
                if paths.get(&key).is_some_and(|w| core::ptr::eq(w.as_ptr(), self)) {
                    paths.remove(&key);
                }
            }
            Some(BoundKey::Abstract(kind, name)) => {
                let mut table = ABSTRACT.lock();
                let key = (kind, name);
                if table.get(&key).is_some_and(|w| core::ptr::eq(w.as_ptr(), self)) {
                    table.remove(&key);
                }
            }
            None => {}
        }
        self.wait.wake_all();
        if let Some(peer) = peer {
            if self.connection_based() {
                let mut ps = peer.state.lock();
                ps.shutdown = SHUTDOWN_MASK;
                if !queue.is_empty() || embryo {
                    ps.err = Some(Errno::ECONNRESET);
                }
            }
            peer.wait.wake_all();
        }
        drop(queue);
        for c in pending {
            c.release(true);
        }
    }

    // --------------------------------------------------------------------------------------
    // Sending
    // --------------------------------------------------------------------------------------

    /// Most bytes one datagram may have (EMSGSIZE beyond).
    pub fn max_dgram(&self) -> usize {
        self.state.lock().sndbuf.saturating_sub(32)
    }

    fn take_error(&self) -> Option<Errno> {
        self.state.lock().err.take()
    }

    /// The error a seqpacket send reports first (`sock_error`), consuming it.
    pub fn sock_error(&self) -> Result<()> {
        match self.take_error() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Builds a message from this socket.
    fn message(self: &Arc<Self>, data: Vec<u8>, rights: Vec<Arc<File>>, cred: Option<Ucred>) -> Message {
        let charge = data.len() + MSG_OVERHEAD;
        self.wmem.fetch_add(charge, Ordering::Relaxed);
        Message { data, consumed: 0, from: self.addr(), rights, cred, sender: Arc::downgrade(self), charge }
    }

    /// Waits until this socket has send space (`sock_alloc_send_pskb`): a pending error or
    /// a send shutdown ends the wait (EPIPE); EAGAIN without blocking.
    async fn wait_send_space(&self, t: &Thread, nonblock: bool) -> Result<()> {
        let check = || -> Option<Result<()>> {
            let mut s = self.state.lock();
            if let Some(e) = s.err.take() {
                return Some(Err(e.into()));
            }
            if s.shutdown & SEND_SHUTDOWN != 0 {
                return Some(Err(Errno::EPIPE.into()));
            }
            (self.wmem.load(Ordering::Relaxed) < s.sndbuf).then_some(Ok(()))
        };
        if let Some(r) = check() {
            return r;
        }
        let timeo = self.state.lock().sndtimeo;
        let Some(timeo) = timeout(nonblock, timeo) else {
            return Err(Errno::EAGAIN.into());
        };
        wait_on(t, &self.wait, timeo, check).await?
    }

    /// Credentials a message carries: explicit ones, else the sender's if either end has
    /// `SO_PASSCRED`.
    fn creds_for(&self, t: &Thread, other: &UnixSocket, explicit: Option<Ucred>) -> Option<Ucred> {
        explicit.or_else(|| {
            let want = self.state.lock().passcred || other.state.lock().passcred;
            want.then(|| message_cred(t))
        })
    }

    /// Sends one datagram (datagram and seqpacket sockets) to `dest`, or to the peer when
    /// `None` (ENOTCONN without one). Waits for send space and, when the receiver is not
    /// connected back to us, for room in its queue.
    pub async fn send_dgram(
        self: &Arc<Self>,
        t: &Thread,
        data: Vec<u8>,
        dest: Option<Arc<UnixSocket>>,
        anc: Ancillary,
        flags: u32,
        nonblock: bool,
    ) -> Result<usize> {
        let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
        let len = data.len();
        self.wait_send_space(t, nonblock).await?;
        let named = dest.is_some();
        let other = match dest {
            Some(o) => o,
            None => self.state.lock().peer.clone().ok_or(Errno::ENOTCONN)?,
        };
        let cred = self.creds_for(t, &other, anc.cred);
        let mut msg = Some(self.message(data, anc.rights, cred));
        loop {
            let full = {
                let mut o = other.state.lock();
                if o.peer.as_ref().is_some_and(|p| !Arc::ptr_eq(p, self)) {
                    return Err(Errno::EPERM.into());
                }
                if o.dead {
                    drop(o);
                    if self.kind == SOCK_SEQPACKET {
                        return Err(Errno::EPIPE.into());
                    }
                    let was_peer = {
                        let mut s = self.state.lock();
                        if s.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, &other)) {
                            s.peer = None;
                            s.conn = Conn::Unconnected;
                            true
                        } else {
                            false
                        }
                    };
                    if was_peer {
                        let purged: Vec<Message> = self.state.lock().queue.drain(..).collect();
                        drop(purged);
                        return Err(Errno::ECONNREFUSED.into());
                    }
                    return Err(if named { Errno::ECONNREFUSED } else { Errno::ECONNRESET }.into());
                }
                if o.shutdown & RCV_SHUTDOWN != 0 {
                    return Err(Errno::EPIPE.into());
                }
                let connected_back = o.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, self));
                if !Arc::ptr_eq(&other, self) && !connected_back && o.queue.len() > o.backlog {
                    true
                } else {
                    o.queue.push_back(msg.take().expect("message sent once"));
                    false
                }
            };
            if !full {
                other.wait.wake_all();
                return Ok(len);
            }
            let timeo = self.state.lock().sndtimeo;
            let Some(timeo) = timeout(nonblock, timeo) else {
                return Err(Errno::EAGAIN.into());
            };
            wait_on(t, &other.wait, timeo, || {
                let o = other.state.lock();
                (o.dead || o.shutdown & RCV_SHUTDOWN != 0 || o.queue.len() <= o.backlog).then_some(())
            })
            .await?;
        }
    }

    /// Sends `len` bytes of a stream from `src` to the peer, in pieces as send space allows.
    /// Returns the bytes sent; a broken connection is EPIPE (with SIGPIPE unless
    /// `MSG_NOSIGNAL`) if nothing was sent.
    pub async fn send_stream(
        self: &Arc<Self>,
        t: &Arc<Thread>,
        src: &dyn SendSource,
        len: usize,
        anc: Ancillary,
        flags: u32,
        nonblock: bool,
    ) -> Result<usize> {
        let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
        let (other, shut) = {
            let s = self.state.lock();
            (s.peer.clone().ok_or(Errno::ENOTCONN)?, s.shutdown & SEND_SHUTDOWN != 0)
        };
        let pipe = |sent: usize| -> Result<usize> {
            if sent == 0 && flags & MSG_NOSIGNAL == 0 {
                signal::send_to_thread(t, SigInfo::user(SIGPIPE, t.process.pid, 0));
            }
            if sent > 0 { Ok(sent) } else { Err(Errno::EPIPE.into()) }
        };
        if shut {
            return pipe(0);
        }
        let cred = self.creds_for(t, &other, anc.cred);
        let mut rights = anc.rights;
        let mut sent = 0;
        while sent < len {
            let max = (self.state.lock().sndbuf / 2).saturating_sub(64).clamp(1, STREAM_CHUNK);
            let size = (len - sent).min(max);
            if let Err(e) = self.wait_send_space(t, nonblock).await {
                return if sent > 0 { Ok(sent) } else { Err(e) };
            }
            let data = match src.fetch(sent, size) {
                Ok(d) => d,
                Err(e) => return if sent > 0 { Ok(sent) } else { Err(e) },
            };
            let msg = self.message(data, core::mem::take(&mut rights), cred);
            {
                let mut o = other.state.lock();
                if o.dead || o.shutdown & RCV_SHUTDOWN != 0 {
                    drop(o);
                    drop(msg);
                    return pipe(sent);
                }
                o.queue.push_back(msg);
            }
            other.wait.wake_all();
            sent += size;
        }
        Ok(sent)
    }

    // --------------------------------------------------------------------------------------
    // Receiving
    // --------------------------------------------------------------------------------------

    /// Receives one datagram (datagram and seqpacket sockets) into `sink` (at most `len`
    /// bytes; the rest of a longer datagram is lost and `MSG_TRUNC` set).
    pub async fn recv_dgram(
        &self,
        t: &Thread,
        sink: &dyn RecvSink,
        len: usize,
        flags: u32,
        nonblock: bool,
    ) -> Result<Received> {
        let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
        let peek = flags & MSG_PEEK != 0;
        if self.kind == SOCK_SEQPACKET && !self.is_connected() {
            return Err(Errno::ENOTCONN.into());
        }
        enum Got {
            Taken(Message),
            Peeked(Vec<u8>, Option<Arc<[u8]>>, Vec<Arc<File>>, Option<Ucred>),
            Eof,
        }
        let try_take = |blocking: bool| -> Option<Result<Got>> {
            let mut s = self.state.lock();
            if let Some(e) = s.err.take() {
                return Some(Err(e.into()));
            }
            if peek {
                if let Some(m) = s.queue.front() {
                    return Some(Ok(Got::Peeked(m.data.clone(), m.from.clone(), m.rights.clone(), m.cred)));
                }
            } else if let Some(m) = s.queue.pop_front() {
                return Some(Ok(Got::Taken(m)));
            }
            if blocking {
                if s.shutdown & RCV_SHUTDOWN != 0 {
                    return Some(Ok(Got::Eof));
                }
                if self.kind == SOCK_SEQPACKET && !matches!(s.conn, Conn::Connected | Conn::Listening) {
                    return Some(Err(Errno::ENOTCONN.into()));
                }
            }
            None
        };
        let got = match try_take(false) {
            Some(r) => r?,
            None if nonblock => {
                let eof = self.kind == SOCK_SEQPACKET && self.state.lock().shutdown & RCV_SHUTDOWN != 0;
                return if eof { Ok(Received::default()) } else { Err(Errno::EAGAIN.into()) };
            }
            None => {
                let timeo = self.state.lock().rcvtimeo;
                wait_on(t, &self.wait, timeo, || try_take(true)).await??
            }
        };
        let (data, from, rights, cred, msg) = match got {
            Got::Eof => return Ok(Received::default()),
            Got::Peeked(d, f, r, c) => (d, f, r, c, None),
            Got::Taken(mut m) => {
                let d = core::mem::take(&mut m.data);
                let r = core::mem::take(&mut m.rights);
                (d, m.from.clone(), r, m.cred, Some(m))
            }
        };
        drop(msg);
        self.wait.wake_all();
        let n = len.min(data.len());
        let mut out = Received { from, rights, msg_flags: 0, ..Received::default() };
        if n < data.len() {
            out.msg_flags |= MSG_TRUNC;
        }
        sink.put(0, &data[..n])?;
        if self.state.lock().passcred {
            out.cred = Some(cred.unwrap_or(Ucred::NONE));
        }
        out.len = if flags & MSG_TRUNC != 0 { data.len() } else { n };
        Ok(out)
    }

    /// Receives from a stream into `sink`: what is there (at least one byte, or all `len`
    /// with `MSG_WAITALL`), stopping at messages that carry files or other credentials.
    /// EINVAL if not connected; 0 at end of stream.
    pub async fn recv_stream(
        &self,
        t: &Thread,
        sink: &dyn RecvSink,
        len: usize,
        flags: u32,
        nonblock: bool,
    ) -> Result<Received> {
        let nonblock = nonblock || flags & MSG_DONTWAIT != 0;
        let peek = flags & MSG_PEEK != 0;
        if !self.is_connected() {
            return Err(Errno::EINVAL.into());
        }
        let target = if flags & MSG_WAITALL != 0 { len.max(1) } else { 1 };
        let passcred = self.state.lock().passcred;
        let mut out = Received::default();
        let mut copied = 0usize;
        let mut size = len;
        let mut scm_cred: Option<Option<Ucred>> = None;
        loop {
            // One pass over what is queued now.
            let mut done_msgs: Vec<Message> = Vec::new();
            let mut stop = false;
            let mut fault = None;
            let empty;
            {
                let mut s = self.state.lock();
                empty = s.queue.is_empty();
                let mut idx = 0;
                while idx < s.queue.len() {
                    let m = &mut s.queue[idx];
                    if let Some(c) = scm_cred {
                        if c != m.cred {
                            stop = true;
                            break;
                        }
                    } else if passcred {
                        scm_cred = Some(m.cred);
                    }
                    if out.from.is_none() {
                        out.from = m.from.clone();
                    }
                    let chunk = m.remaining().min(size);
                    if let Err(e) = sink.put(copied, &m.data[m.consumed..m.consumed + chunk]) {
                        fault = Some(e);
                        stop = true;
                        break;
                    }
                    copied += chunk;
                    size -= chunk;
                    if peek {
                        if !m.rights.is_empty() {
                            out.rights = m.rights.clone();
                            stop = true;
                            break;
                        }
                        idx += 1;
                        if size == 0 {
                            stop = true;
                            break;
                        }
                        continue;
                    }
                    m.consumed += chunk;
                    let has_rights = !m.rights.is_empty();
                    if has_rights {
                        out.rights = core::mem::take(&mut m.rights);
                    }
                    if m.remaining() > 0 {
                        stop = true;
                        break;
                    }
                    done_msgs.extend(s.queue.pop_front());
                    if has_rights || size == 0 {
                        stop = true;
                        break;
                    }
                }
                if peek && !empty {
                    stop = true;
                }
            }
            let consumed_any = !done_msgs.is_empty();
            drop(done_msgs);
            if consumed_any || (copied > 0 && !peek) {
                self.wait.wake_all();
            }
            if let Some(e) = fault {
                if copied == 0 {
                    return Err(e);
                }
                break;
            }
            if stop || size == 0 || copied >= target {
                break;
            }
            // Nothing (more) queued: error, end of stream, or wait.
            {
                let mut s = self.state.lock();
                if s.queue.is_empty() {
                    if let Some(e) = s.err.take() {
                        if copied == 0 {
                            return Err(e.into());
                        }
                        break;
                    }
                    if s.shutdown & RCV_SHUTDOWN != 0 {
                        break;
                    }
                }
            }
            if nonblock {
                if copied == 0 {
                    return Err(Errno::EAGAIN.into());
                }
                break;
            }
            let timeo = self.state.lock().rcvtimeo;
            let waited = wait_on(t, &self.wait, timeo, || {
                let s = self.state.lock();
                (!s.queue.is_empty() || s.err.is_some() || s.shutdown & RCV_SHUTDOWN != 0).then_some(())
            })
            .await;
            if let Err(e) = waited {
                if copied == 0 {
                    return Err(e);
                }
                break;
            }
        }
        if passcred {
            out.cred = Some(scm_cred.flatten().unwrap_or(Ucred::NONE));
        }
        out.len = copied;
        Ok(out)
    }

    /// `write` on a socket: a stream write, or one datagram to the peer.
    pub async fn write(
        self: &Arc<Self>,
        t: &Arc<Thread>,
        src: &dyn SendSource,
        len: usize,
        nonblock: bool,
    ) -> Result<usize> {
        if self.kind == SOCK_STREAM {
            return self.send_stream(t, src, len, Ancillary::default(), 0, nonblock).await;
        }
        if self.kind == SOCK_SEQPACKET {
            self.sock_error()?;
            if !self.is_connected() {
                return Err(Errno::ENOTCONN.into());
            }
        }
        if len > self.max_dgram() {
            return Err(Errno::EMSGSIZE.into());
        }
        let data = src.fetch(0, len)?;
        self.send_dgram(t, data, None, Ancillary::default(), 0, nonblock).await
    }

    /// `read` on a socket.
    pub async fn read(&self, t: &Thread, sink: &dyn RecvSink, len: usize, nonblock: bool) -> Result<usize> {
        if len == 0 {
            return Ok(0);
        }
        let r = if self.kind == SOCK_STREAM {
            self.recv_stream(t, sink, len, 0, nonblock).await?
        } else {
            self.recv_dgram(t, sink, len, 0, nonblock).await?
        };
        // Files passed to a plain read are closed, as Linux's scm_destroy does.
        drop(r.rights);
        Ok(r.len)
    }

    // --------------------------------------------------------------------------------------
    // State for poll, ioctl and socket options
    // --------------------------------------------------------------------------------------

    /// Readiness (`unix_poll` / `unix_dgram_poll`).
    pub fn poll(self: &Arc<Self>) -> PollEvents {
        let (mut ev, conn, peer, sndbuf) = {
            let s = self.state.lock();
            let mut ev = PollEvents::empty();
            if s.err.is_some() {
                ev |= PollEvents::POLLERR;
            }
            if s.shutdown == SHUTDOWN_MASK {
                ev |= PollEvents::POLLHUP;
            }
            if s.shutdown & RCV_SHUTDOWN != 0 {
                ev |= PollEvents::POLLRDHUP | PollEvents::POLLIN | PollEvents::POLLRDNORM;
            }
            if !s.queue.is_empty() || !s.pending.is_empty() {
                ev |= PollEvents::POLLIN | PollEvents::POLLRDNORM;
            }
            (ev, s.conn, s.peer.clone(), s.sndbuf)
        };
        if self.connection_based() && conn == Conn::Unconnected {
            ev |= PollEvents::POLLHUP;
        }
        let mut writable = conn != Conn::Listening && self.wmem.load(Ordering::Relaxed) * 4 <= sndbuf;
        if writable
            && self.kind != SOCK_STREAM
            && let Some(other) = peer
        {
            let o = other.state.lock();
            let back = o.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, self));
            if !back && !o.dead && o.queue.len() > o.backlog {
                writable = false;
            }
        }
        if writable {
            ev |= PollEvents::POLLOUT | PollEvents::POLLWRNORM | PollEvents::POLLWRBAND;
        }
        ev
    }

    /// Bytes readable now (`FIONREAD`/`SIOCINQ`): all queued stream bytes, or the size of
    /// the next datagram. EINVAL for a listening socket.
    pub fn inq(&self) -> Result<usize> {
        let s = self.state.lock();
        match (s.conn, self.kind) {
            (Conn::Listening, _) => Err(Errno::EINVAL.into()),
            (_, SOCK_DGRAM) => Ok(s.queue.front().map_or(0, |m| m.data.len())),
            _ => Ok(s.queue.iter().map(Message::remaining).sum()),
        }
    }

    /// `SO_ERROR`: the pending error (cleared), 0 if none.
    pub fn take_so_error(&self) -> i32 {
        self.take_error().map_or(0, |e| e as i32)
    }

    /// `SO_PEERCRED`.
    pub fn peercred(&self) -> Ucred {
        self.state.lock().peercred.unwrap_or(Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX })
    }

    /// Boolean options (`SO_PASSCRED`, `SO_REUSEADDR`).
    pub fn flag(&self, name: i32) -> bool {
        let s = self.state.lock();
        match name {
            super::SO_PASSCRED => s.passcred,
            super::SO_REUSEADDR => s.reuseaddr,
            _ => false,
        }
    }

    /// Sets a boolean option.
    pub fn set_flag(&self, name: i32, on: bool) {
        let mut s = self.state.lock();
        match name {
            super::SO_PASSCRED => s.passcred = on,
            super::SO_REUSEADDR => s.reuseaddr = on,
            _ => {}
        }
    }

    /// (`SO_SNDBUF`, `SO_RCVBUF`) as stored (already doubled).
    pub fn bufs(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.sndbuf, s.rcvbuf)
    }

    /// Sets the send (`send`) or receive buffer size in bytes.
    pub fn set_buf(&self, send: bool, bytes: usize) {
        {
            let mut s = self.state.lock();
            if send {
                s.sndbuf = bytes;
            } else {
                s.rcvbuf = bytes;
            }
        }
        self.wait.wake_all();
    }

    /// The (receive, send) timeouts in ns.
    pub fn timeouts(&self) -> (u64, u64) {
        let s = self.state.lock();
        (s.rcvtimeo, s.sndtimeo)
    }

    /// Sets the receive (`recv`) or send timeout, in ns (0: none).
    pub fn set_timeout(&self, recv: bool, ns: u64) {
        let mut s = self.state.lock();
        if recv {
            s.rcvtimeo = ns;
        } else {
            s.sndtimeo = ns;
        }
    }
}

/// The `sockaddr_un` bytes of an address as stored: `family` and `sun_path`, a path name
/// cut at its first NUL and given one (Linux's `unix_mkname_bsd`), an abstract one as is.
pub fn normalize_addr(raw: &[u8]) -> Vec<u8> {
    let path = &raw[SUN_PATH_OFFSET..];
    if path.first().is_some_and(|&b| b != 0) {
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        let mut v = raw[..SUN_PATH_OFFSET + end].to_vec();
        v.push(0);
        v
    } else {
        raw.to_vec()
    }
}

/// A kernel buffer as the source of a send.
pub struct KernelSource<'a>(pub &'a [u8]);

impl SendSource for KernelSource<'_> {
    fn fetch(&self, pos: usize, len: usize) -> Result<Vec<u8>> {
        Ok(self.0[pos..pos + len].to_vec())
    }
}

/// A kernel buffer as the destination of a receive.
pub struct KernelSink<'a>(pub spin::Mutex<&'a mut [u8]>);

impl RecvSink for KernelSink<'_> {
    fn put(&self, pos: usize, data: &[u8]) -> Result<()> {
        self.0.lock()[pos..pos + data.len()].copy_from_slice(data);
        Ok(())
    }
}
