//! Pseudo-terminals: `/dev/ptmx` and the pty pairs it creates.
//!
//! Opening ptmx (5,2) creates a pair in a devpts instance ([`open_ptmx`]): the slave is an
//! ordinary [`Tty`] whose output sink is the master's read buffer, shown as `/dev/pts/N`
//! and locked until `TIOCSPTLCK` unlocks it; the master is a [`Master`], held by exactly
//! one open file. Master writes are input to the slave's line discipline (with its echo
//! coming back to the master); master reads take what the slave wrote, after output
//! processing. Closing the master hangs the slave up (its readers see end-of-file, writers
//! EIO, the session leader SIGHUP) and removes `/dev/pts/N`; closing the last slave file
//! makes master reads fail with EIO once the buffer is drained.
//!
//! Which devpts instance: the one the ptmx node belongs to (`/dev/pts/ptmx`), else the one
//! mounted on `pts` next to it (`/dev/ptmx` → `/dev/pts`), as Linux's `devpts_acquire`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use kairos_abi::flags::OpenFlags;
use kairos_abi::termios::*;
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};
use kairos_fs::path::PathCtx;
use kairos_fs::vfs::{FileType, Inode, dev_major, dev_minor};

use super::tty::{PtyState, Sink, Tty};
use super::{File, FileKind};
use crate::fsctx::vfs;
use crate::proc::Thread;
use crate::pseudofs::devpts::{self, Devpts, PTMX_DEV};
use crate::sync::WaitQueue;

/// The master of a pty pair (one per ptmx open).
pub struct Master {
    slave: Arc<Tty>,
    fs: Arc<Devpts>,
    index: u32,
}

/// The settings of a new pty slave: Linux's `tty_std_termios` with `B38400 | CS8 | CREAD`.
pub fn slave_termios() -> Termios {
    let mut t = Termios::linux_default();
    t.c_cflag = B38400 | CS8 | CREAD;
    t
}

/// Is `inode` a ptmx node (5,2)?
pub fn is_ptmx(inode: &Arc<dyn Inode>) -> bool {
    let meta = inode.metadata();
    meta.file_type() == FileType::CharDevice && (dev_major(meta.rdev), dev_minor(meta.rdev)) == PTMX_DEV
}

/// Opens ptmx `inode` (reached by `path` in `cx`): a new pair; the file is its master.
/// Without a devpts instance to put the slave in, ENOENT (no `pts` next to it) or ENODEV.
pub async fn open_ptmx(
    t: &Thread,
    cx: &PathCtx<'_>,
    path: &str,
    inode: &Arc<dyn Inode>,
    flags: OpenFlags,
) -> Result<Arc<File>> {
    let fs = match devpts::instance_of(inode) {
        Some(fs) => fs,
        None => {
            let dir = path.rfind('/').map_or("", |i| &path[..=i]);
            let pts = vfs().resolve(cx, &format!("{dir}pts"), true).await?;
            devpts::root_instance(&pts).ok_or(Errno::ENODEV)?
        }
    };
    let (uid, gid) = {
        let fsctx = t.fs();
        let fsctx = fsctx.lock();
        (fsctx.cred.fsuid, fsctx.cred.fsgid)
    };
    let (index, slave) = fs.alloc(uid, gid, |index| {
        let pty = PtyState { index, output: Default::default(), slave_closed: false, locked: true, packet: false };
        let winsize = WinSize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
        Tty::new(Sink::Master, (devpts::PTY_SLAVE_MAJOR, index), slave_termios(), winsize, Some(pty))
    })?;
    let master = Arc::new(Master { slave, fs, index });
    Ok(File::new(FileKind::PtyMaster(master), Some(inode.clone()), Some(String::from(path)), flags))
}

/// The slave terminal behind a `/dev/pts/N` node (ENXIO for a 136:N node elsewhere, EIO
/// for a pty whose master is gone).
pub fn slave_of_node(inode: &Arc<dyn Inode>) -> Result<Arc<Tty>> {
    let (fs, index) = devpts::pts_of(inode).ok_or(Errno::ENXIO)?;
    fs.slave(index).ok_or(Errno::EIO.into())
}

impl Master {
    /// The slave terminal.
    pub fn slave(&self) -> &Arc<Tty> {
        &self.slave
    }

    /// `N` of `/dev/pts/N`.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The slave's node in its devpts instance.
    pub fn slave_node(&self) -> Arc<dyn Inode> {
        self.fs.node(self.index)
    }

    /// The path of the slave, for a file opened with `TIOCGPTPEER`.
    pub fn slave_path(&self) -> String {
        format!("/dev/pts/{}", self.index)
    }

    /// Takes slave output: Some(n) with data, Some(EIO) when every slave file is closed and
    /// nothing is left, None to wait.
    fn take(&self, buf: &mut [u8]) -> Option<Result<usize>> {
        let mut s = self.slave.state.lock();
        let p = s.pty.as_mut()?;
        if !p.output.is_empty() {
            let start = usize::from(p.packet);
            if p.packet {
                buf[0] = 0; // TIOCPKT_DATA
            }
            let n = (buf.len() - start).min(p.output.len());
            for (dst, src) in buf[start..].iter_mut().zip(p.output.drain(..n)) {
                *dst = src;
            }
            return Some(Ok(start + n));
        }
        p.slave_closed.then(|| Err(Errno::EIO.into()))
    }

    /// Reads what the slave wrote.
    pub async fn read(&self, t: &Thread, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let r = match self.take(buf) {
            Some(r) => r,
            None if nonblock => return Err(Errno::EAGAIN.into()),
            None => crate::syscall::interruptible(t, self.slave.wait_queue().wait_until(|| self.take(buf))).await?,
        };
        // A slave writer may be waiting for room.
        self.slave.wake();
        r
    }

    /// Feeds `data` to the slave's line discipline, waiting while its input is full.
    pub async fn write(&self, t: &Thread, data: &[u8], nonblock: bool) -> Result<usize> {
        let mut done = 0;
        loop {
            done += self.slave.receive_bytes(&data[done..]);
            if done == data.len() {
                return Ok(done);
            }
            if nonblock {
                return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN.into()) };
            }
            let room = || self.slave.input_room().then_some(());
            match crate::syscall::interruptible(t, self.slave.wait_queue().wait_until(room)).await {
                Ok(()) => {}
                Err(_) if done > 0 => return Ok(done),
                Err(e) => return Err(e),
            }
        }
    }

    /// Readiness: POLLIN with slave output, POLLHUP once every slave file is closed,
    /// POLLOUT while the slave takes input.
    pub fn poll(&self) -> PollEvents {
        let mut ev = PollEvents::empty();
        if self.slave.input_room() {
            ev |= PollEvents::POLLOUT | PollEvents::POLLWRNORM;
        }
        let s = self.slave.state.lock();
        if let Some(p) = &s.pty {
            if !p.output.is_empty() {
                ev |= PollEvents::POLLIN | PollEvents::POLLRDNORM;
            }
            if p.slave_closed {
                ev |= PollEvents::POLLHUP;
            }
        }
        ev
    }

    /// Woken when the slave writes, reads or closes.
    pub fn wait_queue(&self) -> &WaitQueue {
        self.slave.wait_queue()
    }

    /// Bytes a master read could return now (FIONREAD).
    pub fn available(&self) -> usize {
        self.slave.state.lock().pty.as_ref().map_or(0, |p| p.output.len())
    }

    /// Discards slave output not read yet.
    pub fn flush_output(&self) {
        if let Some(p) = &mut self.slave.state.lock().pty {
            p.output.clear();
        }
        self.slave.wake();
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        self.fs.unlist(self.index);
        self.slave.hang_up();
    }
}
