//! Open files and file-descriptor tables.
//!
//! A [`File`] is an open file description (offset, status flags) over one of the kinds of
//! object the kernel can read and write: an inode of a filesystem, a terminal (serial line,
//! virtual console, pty slave) or a pty master, a pipe end, or one of the memory devices. An [`FdTable`] maps descriptor numbers to shared `File`s.

pub mod epoll;
pub mod pidfd;
pub mod pipe;
pub mod pty;
pub mod signalfd;
pub mod tty;
pub mod vt;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use kairos_abi::flags::OpenFlags;
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result, return_errno};
use kairos_fs::vfs::{FileType, Inode};

use self::pipe::{Pipe, PipeEnd};
use self::tty::Tty;
use crate::proc::Thread;
use crate::sync::WaitQueue;

/// The memory devices of `/dev` (major 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemDevice {
    /// `/dev/null` (1,3): reads EOF, swallows writes.
    Null,
    /// `/dev/zero` (1,5): reads zeros.
    Zero,
    /// `/dev/full` (1,7): reads zeros, writes fail with ENOSPC.
    Full,
    /// `/dev/random` (1,8) and `/dev/urandom` (1,9).
    Random,
    /// `/dev/kmsg` (1,11): writes go to the kernel log; the log cannot be read back
    /// (EAGAIN, as an empty log read without blocking).
    Kmsg,
}

/// What an open file reads from and writes to.
pub enum FileKind {
    /// A filesystem inode (regular file, directory, symlink opened with O_PATH).
    Inode(Arc<dyn Inode>),
    /// A terminal: the serial console, a virtual console or a pty slave.
    Tty(Arc<Tty>),
    /// The master of a pty pair.
    PtyMaster(Arc<pty::Master>),
    /// One end of a pipe.
    Pipe(Arc<Pipe>, PipeEnd),
    /// A memory device.
    Mem(MemDevice),
    /// A signalfd.
    SignalFd(Arc<signalfd::SignalFd>),
    /// An epoll instance.
    Epoll(Arc<epoll::Epoll>),
    /// A read-only, seekable snapshot of kernel data taken at open (`/dev/kairos-trace`).
    Snapshot(Arc<Vec<u8>>),
    /// An `AF_UNIX` socket.
    Socket(Arc<crate::net::unix::UnixSocket>),
    /// A pidfd (`pidfd_open`, `CLONE_PIDFD`).
    PidFd(Arc<pidfd::PidFd>),
}

/// An open file description.
pub struct File {
    /// The object.
    pub kind: FileKind,
    /// The inode behind it, for fstat/fchmod/… (device nodes and FIFOs keep theirs too).
    pub inode: Option<Arc<dyn Inode>>,
    /// The path it was opened by (for /proc/PID/fd and messages).
    pub path: Option<String>,
    status: AtomicU32,
    offset: spin::Mutex<u64>,
}

impl File {
    /// A new open file with `flags` (access mode + status flags).
    pub fn new(kind: FileKind, inode: Option<Arc<dyn Inode>>, path: Option<String>, flags: OpenFlags) -> Arc<File> {
        let keep = OpenFlags::O_ACCMODE
            | OpenFlags::SETFL_MASK
            | OpenFlags::O_PATH
            | OpenFlags::O_DIRECTORY
            | OpenFlags::O_LARGEFILE;
        Arc::new(File { kind, inode, path, status: AtomicU32::new((flags & keep).bits()), offset: spin::Mutex::new(0) })
    }

    /// Status flags and access mode as `F_GETFL` reports them.
    pub fn flags(&self) -> OpenFlags {
        OpenFlags::from_bits_truncate(self.status.load(Ordering::Relaxed))
    }

    /// Replaces the `F_SETFL`-settable flags.
    pub fn set_status_flags(&self, flags: OpenFlags) {
        let cur = self.flags();
        let new = (cur & !OpenFlags::SETFL_MASK) | (flags & OpenFlags::SETFL_MASK);
        self.status.store(new.bits(), Ordering::Relaxed);
    }

    /// Non-blocking?
    pub fn nonblocking(&self) -> bool {
        self.flags().contains(OpenFlags::O_NONBLOCK)
    }

    fn readable(&self) -> bool {
        let acc = self.flags() & OpenFlags::O_ACCMODE;
        !self.flags().contains(OpenFlags::O_PATH) && (acc == OpenFlags::O_RDONLY || acc == OpenFlags::O_RDWR)
    }

    fn writable(&self) -> bool {
        let acc = self.flags() & OpenFlags::O_ACCMODE;
        !self.flags().contains(OpenFlags::O_PATH) && (acc == OpenFlags::O_WRONLY || acc == OpenFlags::O_RDWR)
    }

    /// The current offset.
    pub fn offset(&self) -> u64 {
        *self.offset.lock()
    }

    /// Sets the offset.
    pub fn set_offset(&self, off: u64) {
        *self.offset.lock() = off;
    }

    /// Can this file be positioned (lseek / pread)?
    pub fn seekable(&self) -> bool {
        matches!(self.kind, FileKind::Inode(_) | FileKind::Mem(_) | FileKind::Snapshot(_))
    }

    /// Reads at the current offset, advancing it. Blocking kinds wait (interruptibly).
    pub async fn read(&self, t: &Arc<Thread>, buf: &mut [u8]) -> Result<usize> {
        if !self.readable() {
            return_errno!(EBADF);
        }
        match &self.kind {
            FileKind::Inode(inode) => {
                if inode.file_type() == FileType::Directory {
                    return_errno!(EISDIR);
                }
                let off = self.offset();
                let n = crate::mm::pagecache::read_file(inode, off, buf).await?;
                self.set_offset(off + n as u64);
                Ok(n)
            }
            _ => self.read_at_kind(t, 0, buf).await,
        }
    }

    /// Reads at `offset` without moving the file offset (pread); non-inode kinds ignore it.
    pub async fn read_at(&self, t: &Arc<Thread>, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if !self.readable() {
            return_errno!(EBADF);
        }
        match &self.kind {
            FileKind::Inode(inode) => {
                if inode.file_type() == FileType::Directory {
                    return_errno!(EISDIR);
                }
                crate::mm::pagecache::read_file(inode, offset, buf).await
            }
            _ => self.read_at_kind(t, offset, buf).await,
        }
    }

    async fn read_at_kind(&self, t: &Arc<Thread>, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        match &self.kind {
            FileKind::Inode(_) => unreachable!("handled by callers"),
            FileKind::Tty(tty) => tty.read(t, buf, self.nonblocking()).await,
            FileKind::PtyMaster(m) => m.read(t, buf, self.nonblocking()).await,
            FileKind::Pipe(p, end) => {
                if *end == PipeEnd::Write {
                    return_errno!(EBADF);
                }
                p.read(t, buf, self.nonblocking()).await
            }
            FileKind::Mem(MemDevice::Null) => Ok(0),
            FileKind::Mem(MemDevice::Zero | MemDevice::Full) => {
                buf.fill(0);
                Ok(buf.len())
            }
            FileKind::Mem(MemDevice::Random) => {
                crate::random::fill(buf);
                Ok(buf.len())
            }
            FileKind::Mem(MemDevice::Kmsg) => Err(Errno::EAGAIN.into()),
            FileKind::SignalFd(sfd) => sfd.read(t, buf, self.nonblocking()).await,
            FileKind::Snapshot(data) => {
                let off = (self.offset() as usize).min(data.len());
                let n = buf.len().min(data.len() - off);
                buf[..n].copy_from_slice(&data[off..off + n]);
                self.set_offset((off + n) as u64);
                Ok(n)
            }
            FileKind::Epoll(_) | FileKind::PidFd(_) => Err(Errno::EINVAL.into()),
            FileKind::Socket(s) => {
                let len = buf.len();
                let sink = crate::net::unix::KernelSink(spin::Mutex::new(buf));
                s.read(t, &sink, len, self.nonblocking()).await
            }
        }
    }

    /// Writes at the current offset (or the end with O_APPEND), advancing it.
    pub async fn write(&self, t: &Arc<Thread>, data: &[u8]) -> Result<usize> {
        if !self.writable() {
            return_errno!(EBADF);
        }
        match &self.kind {
            FileKind::Inode(inode) => {
                let off =
                    if self.flags().contains(OpenFlags::O_APPEND) { inode.metadata().size } else { self.offset() };
                let n = inode.write_at(off, data).await?;
                crate::mm::pagecache::written(&**inode, off, &data[..n]);
                self.set_offset(off + n as u64);
                Ok(n)
            }
            _ => self.write_at_kind(t, data).await,
        }
    }

    /// Writes at `offset` without moving the file offset (pwrite).
    pub async fn write_at(&self, t: &Arc<Thread>, offset: u64, data: &[u8]) -> Result<usize> {
        if !self.writable() {
            return_errno!(EBADF);
        }
        match &self.kind {
            FileKind::Inode(inode) => {
                let n = inode.write_at(offset, data).await?;
                crate::mm::pagecache::written(&**inode, offset, &data[..n]);
                Ok(n)
            }
            _ => self.write_at_kind(t, data).await,
        }
    }

    async fn write_at_kind(&self, t: &Arc<Thread>, data: &[u8]) -> Result<usize> {
        match &self.kind {
            FileKind::Inode(_) => unreachable!("handled by callers"),
            FileKind::Tty(tty) => tty.write(t, data, self.nonblocking()).await,
            FileKind::PtyMaster(m) => m.write(t, data, self.nonblocking()).await,
            FileKind::Pipe(p, end) => {
                if *end == PipeEnd::Read {
                    return_errno!(EBADF);
                }
                p.write(t, data, self.nonblocking()).await
            }
            FileKind::Mem(MemDevice::Full) => Err(Errno::ENOSPC.into()),
            FileKind::Mem(MemDevice::Kmsg) => {
                // Linux strips a leading "<N>" priority.
                let text = String::from_utf8_lossy(data);
                let msg = match text.strip_prefix('<').and_then(|r| r.split_once('>')) {
                    Some((prio, rest)) if prio.bytes().all(|b| b.is_ascii_digit()) => rest,
                    _ => &text,
                };
                log::info!(target: "kmsg", "{}", msg.trim_end_matches('\n'));
                Ok(data.len())
            }
            FileKind::Mem(_) => Ok(data.len()),
            FileKind::SignalFd(_) | FileKind::Epoll(_) | FileKind::Snapshot(_) | FileKind::PidFd(_) => {
                Err(Errno::EINVAL.into())
            }
            FileKind::Socket(s) => {
                s.write(t, &crate::net::unix::KernelSource(data), data.len(), self.nonblocking()).await
            }
        }
    }

    /// Readiness for poll/select. Regular files and memory devices are always ready
    /// (Linux's DEFAULT_POLLMASK, whatever the access mode); pipes and ttys report their state.
    pub fn poll(&self) -> PollEvents {
        match &self.kind {
            FileKind::Inode(_) | FileKind::Mem(_) | FileKind::Snapshot(_) => {
                PollEvents::POLLIN | PollEvents::POLLOUT | PollEvents::POLLRDNORM | PollEvents::POLLWRNORM
            }
            FileKind::Tty(tty) => tty.poll(),
            FileKind::PtyMaster(m) => m.poll(),
            FileKind::Pipe(p, end) => p.poll(*end),
            FileKind::SignalFd(s) => s.poll(),
            FileKind::Epoll(e) => e.poll(),
            FileKind::Socket(s) => s.poll(),
            FileKind::PidFd(p) => p.poll(),
        }
    }

    /// The queue woken when readiness may have changed (None: always ready).
    pub fn wait_queue(&self) -> Option<&WaitQueue> {
        match &self.kind {
            FileKind::Tty(tty) => Some(tty.wait_queue()),
            FileKind::PtyMaster(m) => Some(m.wait_queue()),
            FileKind::Pipe(p, _) => Some(p.wait_queue()),
            FileKind::SignalFd(s) => s.wait_queue(),
            FileKind::Socket(s) => Some(s.wait_queue()),
            FileKind::PidFd(p) => Some(p.wait_queue()),
            // An epoll fd inside poll/another epoll is re-checked on a global queue woken
            // whenever a watched file's queue is (not tracked yet): treat it as level.
            FileKind::Epoll(_) => None,
            _ => None,
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        crate::syscall::flock_release(self);
        if let FileKind::Pipe(p, end) = &self.kind {
            p.close(*end);
        }
        if let FileKind::Tty(tty) = &self.kind {
            tty.released();
        }
        if let FileKind::Socket(s) = &self.kind {
            s.release(false);
        }
    }
}

/// One descriptor slot.
#[derive(Clone)]
pub struct FdEntry {
    /// The open file.
    pub file: Arc<File>,
    /// FD_CLOEXEC.
    pub cloexec: bool,
}

/// A descriptor table.
#[derive(Clone, Default)]
pub struct FdTable {
    fds: Vec<Option<FdEntry>>,
}

impl FdTable {
    /// An empty table.
    pub fn new() -> FdTable {
        FdTable { fds: Vec::new() }
    }

    /// The file at `fd` (EBADF when closed or negative).
    pub fn get(&self, fd: i32) -> Result<Arc<File>> {
        self.entry(fd).map(|e| e.file.clone())
    }

    /// The slot at `fd`.
    pub fn entry(&self, fd: i32) -> Result<&FdEntry> {
        usize::try_from(fd).ok().and_then(|i| self.fds.get(i)).and_then(Option::as_ref).ok_or(Errno::EBADF.into())
    }

    /// Sets FD_CLOEXEC of `fd`.
    pub fn set_cloexec(&mut self, fd: i32, on: bool) -> Result<()> {
        let e =
            usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)).and_then(Option::as_mut).ok_or(Errno::EBADF)?;
        e.cloexec = on;
        Ok(())
    }

    /// Installs `file` at the lowest free descriptor >= `min`, below `limit` (EMFILE).
    pub fn alloc(&mut self, file: Arc<File>, cloexec: bool, min: usize, limit: u64) -> Result<i32> {
        let mut i = min;
        while i < self.fds.len() && self.fds[i].is_some() {
            i += 1;
        }
        if i as u64 >= limit {
            return_errno!(EMFILE);
        }
        if i >= self.fds.len() {
            self.fds.resize(i + 1, None);
        }
        self.fds[i] = Some(FdEntry { file, cloexec });
        Ok(i as i32)
    }

    /// Installs `file` at exactly `fd`, returning what was there.
    pub fn set(&mut self, fd: usize, file: Arc<File>, cloexec: bool) -> Option<Arc<File>> {
        if fd >= self.fds.len() {
            self.fds.resize(fd + 1, None);
        }
        self.fds[fd].replace(FdEntry { file, cloexec }).map(|e| e.file)
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: i32) -> Result<Arc<File>> {
        let slot = usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)).ok_or(Errno::EBADF)?;
        slot.take().map(|e| e.file).ok_or(Errno::EBADF.into())
    }

    /// Closes every FD_CLOEXEC descriptor (execve).
    pub fn close_on_exec(&mut self) {
        for slot in &mut self.fds {
            if slot.as_ref().is_some_and(|e| e.cloexec) {
                *slot = None;
            }
        }
    }

    /// Open descriptors, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &FdEntry)> {
        self.fds.iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i as i32, e)))
    }

    /// Highest open descriptor + 1.
    pub fn len(&self) -> usize {
        self.fds.iter().rposition(Option::is_some).map_or(0, |p| p + 1)
    }

    /// No descriptors open?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Name for messages.
pub fn describe(f: &File) -> String {
    match &f.kind {
        FileKind::Inode(_) => String::from("file"),
        FileKind::Tty(_) => String::from("tty"),
        FileKind::PtyMaster(_) => String::from("ptmx"),
        FileKind::Pipe(..) => String::from("pipe"),
        FileKind::Mem(m) => alloc::format!("{m:?}"),
        FileKind::SignalFd(_) => String::from("signalfd"),
        FileKind::Epoll(_) => String::from("eventpoll"),
        FileKind::Snapshot(_) => String::from("snapshot"),
        FileKind::Socket(s) => alloc::format!("socket:[{}]", s.ino()),
        FileKind::PidFd(_) => String::from("anon_inode:[pidfd]"),
    }
}
