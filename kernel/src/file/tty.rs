//! Terminals: one line discipline (Linux's N_TTY) for every terminal instance, whatever its
//! output goes to.
//!
//! A [`Tty`] is a terminal: settings (termios, window size), job-control state (session,
//! foreground group), the input queues of the line discipline, and a [`Sink`] for output:
//! the serial port (the console, `/dev/ttyS0`), the read buffer of a pty master
//! ([`super::pty`]), or nowhere (the virtual consoles of [`super::vt`], which have no
//! display). Input arrives through [`Tty::receive`] / [`Tty::receive_bytes`] — from the
//! serial input task, a pty master's writes, or `TIOCSTI` — and the discipline applies at
//! once: signal characters (^C, ^Z, ^\) go to the foreground process group even when nobody
//! is reading; canonical mode edits lines (erase, kill, werase, ^D) with echo and hands
//! finished lines to readers; raw mode passes bytes through. Readers, writers and `poll`
//! wait on the terminal's one wait queue. Output applies OPOST (ONLCR, OCRNL). Background
//! jobs get SIGTTIN on read and, with TOSTOP, SIGTTOU on write.
//!
//! A hung-up terminal (a pty slave whose master closed) reads end-of-file and fails writes
//! and requests with EIO, as Linux's `hung_up_tty_fops`.
//!
//! Every terminal is in a registry of weak references, so the controlling terminal of a
//! session can be found ([`ctty_of_session`]) for `/dev/tty` and `/proc/PID/stat`.
//! Nothing here runs in interrupt context: the serial IRQ only queues bytes for
//! [`input_task`].

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use kairos_abi::signal::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SigInfo};
use kairos_abi::termios::*;
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};

use crate::proc::signal;
use crate::proc::{Pid, Thread, process};
use crate::sync::WaitQueue;

/// Bytes a pty slave may queue for its master before writers wait (Linux's tty buffer
/// limit is 64 KiB per direction).
pub const PTY_BUFFER: usize = 64 * 1024;
/// Bytes of pending input a terminal queues before a pty master's writes wait.
pub const INPUT_BUFFER: usize = 64 * 1024;

/// Where a terminal's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// The serial port (COM1).
    Serial,
    /// The read buffer of the pty master ([`PtyState::output`]).
    Master,
    /// Nowhere: a virtual console without a display.
    Discard,
}

/// The master side of a pty pair, kept in its slave's state.
pub struct PtyState {
    /// `N` of `/dev/pts/N`.
    pub index: u32,
    /// Output of the slave, waiting for the master to read it.
    pub output: VecDeque<u8>,
    /// The last slave file closed (Linux's `TTY_OTHER_CLOSED` on the master): master reads
    /// fail with EIO once `output` is empty. Cleared when the slave is opened again.
    pub slave_closed: bool,
    /// The slave cannot be opened (`TIOCSPTLCK`; set when the pair is created).
    pub locked: bool,
    /// Packet mode (`TIOCPKT`).
    pub packet: bool,
}

/// Mutable terminal state.
pub struct TtyState {
    /// Current settings.
    pub termios: Termios,
    /// Window size.
    pub winsize: WinSize,
    /// Foreground process group (0 = none).
    pub fg_pgrp: Pid,
    /// Session that has this as controlling terminal (0 = none).
    pub session: Pid,
    /// Hung up (a pty slave whose master closed): reads EOF, writes EIO.
    pub hung_up: bool,
    /// The master side, for a pty slave.
    pub pty: Option<PtyState>,
    /// Line being edited (canonical mode).
    line: Vec<u8>,
    /// Bytes ready for readers.
    ready: VecDeque<u8>,
    /// Pending end-of-file marks (a ^D at the start of a line), as positions in `ready`.
    eof_marks: VecDeque<usize>,
}

/// A terminal.
pub struct Tty {
    /// State.
    pub state: spin::Mutex<TtyState>,
    wait: WaitQueue,
    sink: Sink,
    /// Device number (major, minor): (4, 64) for ttyS0, (4, N) for ttyN, (136, N) for pts/N.
    device: (u32, u32),
    /// Open files of this terminal (for a pty slave: when it drops to 0 the master sees EOF).
    opens: AtomicUsize,
}

/// Every terminal alive (pty slaves come and go).
static TTYS: spin::Mutex<Vec<Weak<Tty>>> = spin::Mutex::new(Vec::new());

static CONSOLE_TTY: spin::Once<Arc<Tty>> = spin::Once::new();

/// The serial console terminal (created on first use).
pub fn console() -> Arc<Tty> {
    CONSOLE_TTY
        .call_once(|| {
            let winsize = WinSize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
            Tty::new(Sink::Serial, (4, 64), Termios::linux_default(), winsize, None)
        })
        .clone()
}

/// The controlling terminal of session `sid`, if it has one.
pub fn ctty_of_session(sid: Pid) -> Option<Arc<Tty>> {
    if sid == 0 {
        return None;
    }
    let ttys: Vec<Arc<Tty>> = TTYS.lock().iter().filter_map(Weak::upgrade).collect();
    ttys.into_iter().find(|t| t.state.lock().session == sid)
}

/// The leader of session `sid` exits (Linux's `disassociate_ctty(1)`): its controlling
/// terminal loses the session and foreground group, and that foreground group gets SIGHUP.
/// (Linux also hangs up the open files of a non-pty terminal; Kairos keeps them usable.)
pub fn session_leader_exited(sid: Pid) {
    let Some(tty) = ctty_of_session(sid) else { return };
    let fg = {
        let mut s = tty.state.lock();
        let fg = s.fg_pgrp;
        s.session = 0;
        s.fg_pgrp = 0;
        fg
    };
    if fg != 0 {
        signal::send_to_group(fg, SigInfo::kernel(SIGHUP));
    }
    tty.wake();
}

/// Is the leader of session `sid` still alive? (Also checked when another session wants the
/// terminal, for a leader whose exit did not release it.)
pub fn session_leader_alive(sid: Pid) -> bool {
    process::find_process(sid).is_some_and(|p| p.state.lock().exit.is_none())
}

/// The kernel task feeding console input through the line discipline.
pub async fn input_task() {
    let tty = console();
    let mut buf = [0u8; 128];
    loop {
        let n = crate::console::read(&mut buf).await;
        for &b in &buf[..n] {
            tty.receive(b);
        }
    }
}

/// Applies output processing (OPOST: ONLCR, OCRNL) to `data`, appending to `out` while it
/// holds fewer than `cap` bytes; returns how many bytes of `data` were taken.
fn push_output(out: &mut VecDeque<u8>, termios: &Termios, data: &[u8], cap: usize) -> usize {
    let opost = termios.c_oflag & OPOST != 0;
    let mut taken = 0;
    for &b in data {
        if out.len() >= cap {
            break;
        }
        match b {
            b'\n' if opost && termios.c_oflag & ONLCR != 0 => out.extend([b'\r', b'\n']),
            b'\r' if opost && termios.c_oflag & OCRNL != 0 => out.push_back(b'\n'),
            _ => out.push_back(b),
        }
        taken += 1;
    }
    taken
}

impl Tty {
    /// A new terminal writing to `sink`, registered for [`ctty_of_session`].
    pub fn new(sink: Sink, device: (u32, u32), termios: Termios, winsize: WinSize, pty: Option<PtyState>) -> Arc<Tty> {
        let tty = Arc::new(Tty {
            state: spin::Mutex::new(TtyState {
                termios,
                winsize,
                fg_pgrp: 0,
                session: 0,
                hung_up: false,
                pty,
                line: Vec::new(),
                ready: VecDeque::new(),
                eof_marks: VecDeque::new(),
            }),
            wait: WaitQueue::new(),
            sink,
            device,
            opens: AtomicUsize::new(0),
        });
        let mut ttys = TTYS.lock();
        ttys.retain(|w| w.strong_count() > 0);
        ttys.push(Arc::downgrade(&tty));
        drop(ttys);
        tty
    }

    /// The device number (major, minor).
    pub fn device(&self) -> (u32, u32) {
        self.device
    }

    /// The device number in the 32-bit `new_encode_dev` form (`TIOCGDEV`, `/proc/PID/stat`).
    pub fn encoded_device(&self) -> u32 {
        let (major, minor) = self.device;
        (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
    }

    /// Where output goes.
    pub fn sink(&self) -> Sink {
        self.sink
    }

    /// Is this a virtual console (major 4, minor below 64)?
    pub fn is_vt(&self) -> bool {
        self.device.0 == 4 && self.device.1 < 64
    }

    /// Open files of this terminal.
    pub fn open_count(&self) -> usize {
        self.opens.load(Ordering::Relaxed)
    }

    /// Counts a new open file of this terminal. A pty slave fails with EIO while locked or
    /// hung up (Linux's `pty_open`).
    pub fn opened(&self) -> Result<()> {
        let mut s = self.state.lock();
        if let Some(p) = &mut s.pty {
            if p.locked {
                return Err(Errno::EIO.into());
            }
            p.slave_closed = false;
        }
        if s.hung_up {
            return Err(Errno::EIO.into());
        }
        self.opens.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// An open file of this terminal was closed (the last reference dropped).
    pub fn released(&self) {
        // A file that was never counted (init's console) leaves the count at 0.
        let prev = self.opens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| Some(n.saturating_sub(1)));
        if prev.unwrap_or(0) <= 1 {
            if let Some(p) = &mut self.state.lock().pty {
                p.slave_closed = true;
            }
            self.wait.wake_all();
        }
    }

    /// Hangs the terminal up (its pty master closed; Linux's `__tty_hangup`): pending input is
    /// dropped, the session leader gets SIGHUP and SIGCONT, the session loses the terminal,
    /// and every reader and writer wakes to EOF / EIO.
    pub fn hang_up(&self) {
        let session = {
            let mut s = self.state.lock();
            s.hung_up = true;
            s.line.clear();
            s.ready.clear();
            s.eof_marks.clear();
            let session = s.session;
            s.session = 0;
            s.fg_pgrp = 0;
            session
        };
        if session != 0
            && let Some(leader) = process::find_process(session)
        {
            signal::send_to_process(&leader, SigInfo::kernel(SIGHUP));
            signal::send_to_process(&leader, SigInfo::kernel(SIGCONT));
        }
        self.wait.wake_all();
    }

    /// Sends output (echo or written data) to the sink; called with the state locked.
    fn emit(&self, s: &mut TtyState, bytes: &[u8]) {
        match self.sink {
            Sink::Serial => {
                let t = &s.termios;
                crate::console::write_raw(bytes, t.c_oflag & OPOST != 0 && t.c_oflag & ONLCR != 0);
            }
            Sink::Master => {
                let termios = s.termios;
                if let Some(p) = &mut s.pty {
                    // Echo never waits: beyond twice the buffer it is dropped.
                    push_output(&mut p.output, &termios, bytes, 2 * PTY_BUFFER);
                }
            }
            Sink::Discard => {}
        }
    }

    /// Processes one received byte.
    pub fn receive(&self, b: u8) {
        let signal_to = {
            let mut s = self.state.lock();
            self.receive_locked(&mut s, b)
        };
        if let Some((sig, pgrp)) = signal_to {
            signal::send_to_group(pgrp, SigInfo::kernel(sig));
        }
        self.wait.wake_all();
    }

    /// Processes received bytes (a pty master's write) while there is room for input;
    /// returns how many were taken.
    pub fn receive_bytes(&self, data: &[u8]) -> usize {
        let mut signals: Vec<(u32, Pid)> = Vec::new();
        let mut taken = 0;
        {
            let mut s = self.state.lock();
            for &b in data {
                if s.ready.len() + s.line.len() >= INPUT_BUFFER {
                    break;
                }
                if let Some(sig) = self.receive_locked(&mut s, b) {
                    signals.push(sig);
                }
                taken += 1;
            }
        }
        for (sig, pgrp) in signals {
            signal::send_to_group(pgrp, SigInfo::kernel(sig));
        }
        self.wait.wake_all();
        taken
    }

    /// Is there room for more input?
    pub fn input_room(&self) -> bool {
        let s = self.state.lock();
        s.ready.len() + s.line.len() < INPUT_BUFFER
    }

    /// The discipline for one byte; returns a signal for a process group to send once the
    /// state is unlocked.
    fn receive_locked(&self, s: &mut TtyState, mut b: u8) -> Option<(u32, Pid)> {
        if s.hung_up {
            return None;
        }
        let t = s.termios;
        if t.c_iflag & ISTRIP != 0 {
            b &= 0x7f;
        }
        if b == b'\r' {
            if t.c_iflag & IGNCR != 0 {
                return None;
            }
            if t.c_iflag & ICRNL != 0 {
                b = b'\n';
            }
        } else if b == b'\n' && t.c_iflag & INLCR != 0 {
            b = b'\r';
        }
        let cc = t.c_cc;
        if t.c_lflag & ISIG != 0 {
            let sig = if b == cc[VINTR] {
                Some(SIGINT)
            } else if b == cc[VQUIT] {
                Some(SIGQUIT)
            } else if b == cc[VSUSP] {
                Some(SIGTSTP)
            } else {
                None
            };
            if let Some(sig) = sig {
                if t.c_lflag & NOFLSH == 0 {
                    s.line.clear();
                    s.ready.clear();
                    s.eof_marks.clear();
                    // Linux also drops output not yet taken (`tty_driver_flush_buffer`).
                    if let Some(p) = &mut s.pty {
                        p.output.clear();
                    }
                }
                if t.c_lflag & ECHO != 0 {
                    // Linux's echo_char: "^C" with ECHOCTL, else the character itself.
                    let ctl = [b'^', b ^ 0x40];
                    let raw = [b];
                    self.emit(s, if t.c_lflag & ECHOCTL != 0 && b < 0x20 { &ctl } else { &raw });
                }
                return (s.fg_pgrp != 0).then_some((sig, s.fg_pgrp));
            }
        }
        if t.c_lflag & ICANON != 0 {
            self.canonical(s, b);
        } else {
            s.ready.push_back(b);
            if t.c_lflag & ECHO != 0 {
                self.emit(s, &[b]);
            }
        }
        None
    }

    fn canonical(&self, s: &mut TtyState, b: u8) {
        let t = s.termios;
        let cc = t.c_cc;
        let echo = t.c_lflag & ECHO != 0;
        if b == cc[VERASE] || b == 0x08 {
            if s.line.pop().is_some() && echo && t.c_lflag & ECHOE != 0 {
                self.emit(s, b"\x08 \x08");
            }
        } else if b == cc[VKILL] {
            let n = s.line.len();
            s.line.clear();
            if echo && t.c_lflag & ECHOK != 0 {
                for _ in 0..n {
                    self.emit(s, b"\x08 \x08");
                }
            }
        } else if b == cc[VWERASE] && t.c_lflag & IEXTEN != 0 {
            while s.line.last() == Some(&b' ') {
                s.line.pop();
                if echo {
                    self.emit(s, b"\x08 \x08");
                }
            }
            while s.line.last().is_some_and(|&c| c != b' ') {
                s.line.pop();
                if echo {
                    self.emit(s, b"\x08 \x08");
                }
            }
        } else if b == cc[VEOF] {
            let line = core::mem::take(&mut s.line);
            s.ready.extend(line);
            let pos = s.ready.len();
            s.eof_marks.push_back(pos);
        } else if b == b'\n' || b == cc[VEOL] || (b == cc[VEOL2] && cc[VEOL2] != 0) {
            s.line.push(b);
            let line = core::mem::take(&mut s.line);
            s.ready.extend(line);
            if echo || (b == b'\n' && t.c_lflag & ECHONL != 0) {
                self.emit(s, &[b]);
            }
        } else {
            s.line.push(b);
            if echo {
                if b < 0x20 && b != b'\t' && t.c_lflag & ECHOCTL != 0 {
                    self.emit(s, &[b'^', b ^ 0x40]);
                } else {
                    self.emit(s, &[b]);
                }
            }
        }
    }

    /// Takes input for a reader: Some(n) when something (or EOF) is available.
    fn take(s: &mut TtyState, out: &mut [u8]) -> Option<usize> {
        if s.hung_up {
            return Some(0);
        }
        let canon = s.termios.c_lflag & ICANON != 0;
        if canon {
            // Up to one line, or up to an EOF mark.
            let eof_at = s.eof_marks.front().copied();
            let nl = s.ready.iter().position(|&c| c == b'\n').map(|p| p + 1);
            let limit = match (nl, eof_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }?;
            let n = limit.min(out.len());
            for (dst, src) in out.iter_mut().zip(s.ready.drain(..n)) {
                *dst = src;
            }
            for m in s.eof_marks.iter_mut() {
                *m -= n;
            }
            if s.eof_marks.front() == Some(&0) {
                s.eof_marks.pop_front();
            }
            Some(n)
        } else {
            let vmin = usize::from(s.termios.c_cc[VMIN]);
            if s.ready.is_empty() && vmin > 0 {
                return None;
            }
            let n = out.len().min(s.ready.len());
            for (dst, src) in out.iter_mut().zip(s.ready.drain(..n)) {
                *dst = src;
            }
            Some(n)
        }
    }

    fn check_background(&self, t: &Arc<Thread>, sig: u32) -> Result<()> {
        let (fg, session) = {
            let s = self.state.lock();
            (s.fg_pgrp, s.session)
        };
        let (pgid, sid) = {
            let st = t.process.state.lock();
            (st.pgid, st.sid)
        };
        if session == 0 || sid != session || fg == 0 || pgid == fg {
            return Ok(());
        }
        let blocked_or_ignored = t.sigmask.lock().contains(sig) || t.sighand().lock().get(sig).is_ignore();
        if blocked_or_ignored {
            return if sig == SIGTTIN { Err(Errno::EIO.into()) } else { Ok(()) };
        }
        if signal::is_orphaned_pgrp(pgid) {
            return Err(Errno::EIO.into());
        }
        signal::send_to_group(pgid, SigInfo::kernel(sig));
        Err(Errno::ERESTARTSYS.into())
    }

    /// Reads input (canonical: up to one line). A hung-up terminal reads end-of-file.
    pub async fn read(&self, t: &Arc<Thread>, out: &mut [u8], nonblock: bool) -> Result<usize> {
        if self.state.lock().hung_up {
            return Ok(0);
        }
        self.check_background(t, SIGTTIN)?;
        if out.is_empty() {
            return Ok(0);
        }
        let ready = Self::take(&mut self.state.lock(), out);
        let n = match ready {
            Some(n) => n,
            None if nonblock => return Err(Errno::EAGAIN.into()),
            None => {
                crate::syscall::interruptible(t, self.wait.wait_until(|| Self::take(&mut self.state.lock(), out)))
                    .await?
            }
        };
        if self.sink == Sink::Master {
            // A master writer may be waiting for room.
            self.wait.wake_all();
        }
        Ok(n)
    }

    /// Writes output with OPOST processing. A hung-up terminal fails with EIO; a pty slave
    /// waits while its master's buffer is full (EAGAIN with `nonblock`).
    pub async fn write(&self, t: &Arc<Thread>, data: &[u8], nonblock: bool) -> Result<usize> {
        let (termios, hung_up) = {
            let s = self.state.lock();
            (s.termios, s.hung_up)
        };
        if hung_up {
            return Err(Errno::EIO.into());
        }
        if termios.c_lflag & TOSTOP != 0 {
            self.check_background(t, SIGTTOU)?;
        }
        match self.sink {
            Sink::Serial => {
                crate::console::write_raw(data, termios.c_oflag & OPOST != 0 && termios.c_oflag & ONLCR != 0);
                Ok(data.len())
            }
            Sink::Discard => Ok(data.len()),
            Sink::Master => self.write_to_master(t, data, nonblock).await,
        }
    }

    /// A pty slave's write: into the master's read buffer, waiting for room.
    async fn write_to_master(&self, t: &Arc<Thread>, data: &[u8], nonblock: bool) -> Result<usize> {
        let mut done = 0;
        loop {
            {
                let mut s = self.state.lock();
                if s.hung_up {
                    return if done > 0 { Ok(done) } else { Err(Errno::EIO.into()) };
                }
                let termios = s.termios;
                let Some(p) = &mut s.pty else { return Ok(data.len()) };
                done += push_output(&mut p.output, &termios, &data[done..], PTY_BUFFER);
            }
            self.wait.wake_all();
            if done == data.len() {
                return Ok(done);
            }
            if nonblock {
                return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN.into()) };
            }
            let room = || {
                let s = self.state.lock();
                (s.hung_up || s.pty.as_ref().is_none_or(|p| p.output.len() < PTY_BUFFER)).then_some(())
            };
            match crate::syscall::interruptible(t, self.wait.wait_until(room)).await {
                Ok(()) => {}
                Err(_) if done > 0 => return Ok(done),
                Err(e) => return Err(e),
            }
        }
    }

    /// Readiness.
    pub fn poll(&self) -> PollEvents {
        let s = self.state.lock();
        if s.hung_up {
            return PollEvents::POLLIN
                | PollEvents::POLLOUT
                | PollEvents::POLLERR
                | PollEvents::POLLHUP
                | PollEvents::POLLRDNORM
                | PollEvents::POLLWRNORM;
        }
        let canon = s.termios.c_lflag & ICANON != 0;
        let readable = if canon { s.ready.contains(&b'\n') || !s.eof_marks.is_empty() } else { !s.ready.is_empty() };
        let writable = s.pty.as_ref().is_none_or(|p| p.output.len() < PTY_BUFFER);
        let mut ev = PollEvents::empty();
        if writable {
            ev |= PollEvents::POLLOUT | PollEvents::POLLWRNORM;
        }
        if readable {
            ev |= PollEvents::POLLIN | PollEvents::POLLRDNORM;
        }
        ev
    }

    /// Bytes a read could return now (FIONREAD).
    pub fn available(&self) -> usize {
        self.state.lock().ready.len()
    }

    /// Discards queued input (TCFLSH).
    pub fn flush_input(&self) {
        let mut s = self.state.lock();
        s.ready.clear();
        s.line.clear();
        s.eof_marks.clear();
    }

    /// Woken when input arrives, output drains, or the terminal hangs up.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.wait
    }

    /// Wakes readers (after settings change).
    pub fn wake(&self) {
        self.wait.wake_all();
    }
}
