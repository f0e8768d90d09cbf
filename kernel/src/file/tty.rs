//! The serial terminal: a line discipline over the async console byte stream.
//!
//! One kernel task (`input_task`) reads console bytes as they arrive and applies the
//! discipline at once: signal characters (^C, ^Z, ^\) go to the foreground process group even
//! when nobody is reading; canonical mode edits lines (erase, kill, werase, ^D) with echo and
//! hands finished lines to readers; raw mode passes bytes through. Readers and `poll` wait on
//! the TTY's wait queue. Output applies OPOST/ONLCR. Background jobs get SIGTTIN on read and,
//! with TOSTOP, SIGTTOU on write.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::signal::{SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SigInfo};
use kairos_abi::termios::*;
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};

use crate::proc::signal;
use crate::proc::{Pid, Thread};
use crate::sync::WaitQueue;

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
}

static CONSOLE_TTY: spin::Once<Arc<Tty>> = spin::Once::new();

/// The serial console terminal (created on first use).
pub fn console() -> Arc<Tty> {
    CONSOLE_TTY
        .call_once(|| {
            Arc::new(Tty {
                state: spin::Mutex::new(TtyState {
                    termios: Termios::linux_default(),
                    winsize: WinSize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 },
                    fg_pgrp: 0,
                    session: 0,
                    line: Vec::new(),
                    ready: VecDeque::new(),
                    eof_marks: VecDeque::new(),
                }),
                wait: WaitQueue::new(),
            })
        })
        .clone()
}

fn echo_bytes(bytes: &[u8], termios: &Termios) {
    let crlf = termios.c_oflag & OPOST != 0 && termios.c_oflag & ONLCR != 0;
    crate::console::write_raw(bytes, crlf);
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

impl Tty {
    /// Processes one received byte.
    pub fn receive(&self, mut b: u8) {
        let mut signal_to: Option<(u32, Pid)> = None;
        {
            let mut s = self.state.lock();
            let t = s.termios;
            if t.c_iflag & ISTRIP != 0 {
                b &= 0x7f;
            }
            if b == b'\r' {
                if t.c_iflag & IGNCR != 0 {
                    return;
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
                    }
                    if t.c_lflag & ECHO != 0 {
                        let ctl = [b'^', b ^ 0x40, b'\n'];
                        echo_bytes(if t.c_lflag & ECHOCTL != 0 { &ctl } else { &ctl[2..] }, &t);
                    }
                    signal_to = Some((sig, s.fg_pgrp));
                }
            }
            if signal_to.is_none() {
                if t.c_lflag & ICANON != 0 {
                    self.canonical(&mut s, b);
                } else {
                    s.ready.push_back(b);
                    if t.c_lflag & ECHO != 0 {
                        echo_bytes(&[b], &t);
                    }
                }
            }
        }
        if let Some((sig, pgrp)) = signal_to
            && pgrp != 0
        {
            signal::send_to_group(pgrp, SigInfo::kernel(sig));
        }
        self.wait.wake_all();
    }

    fn canonical(&self, s: &mut TtyState, b: u8) {
        let t = s.termios;
        let cc = t.c_cc;
        let echo = t.c_lflag & ECHO != 0;
        if b == cc[VERASE] || b == 0x08 {
            if s.line.pop().is_some() && echo && t.c_lflag & ECHOE != 0 {
                echo_bytes(b"\x08 \x08", &t);
            }
        } else if b == cc[VKILL] {
            let n = s.line.len();
            s.line.clear();
            if echo && t.c_lflag & ECHOK != 0 {
                for _ in 0..n {
                    echo_bytes(b"\x08 \x08", &t);
                }
            }
        } else if b == cc[VWERASE] && t.c_lflag & IEXTEN != 0 {
            while s.line.last() == Some(&b' ') {
                s.line.pop();
                if echo {
                    echo_bytes(b"\x08 \x08", &t);
                }
            }
            while s.line.last().is_some_and(|&c| c != b' ') {
                s.line.pop();
                if echo {
                    echo_bytes(b"\x08 \x08", &t);
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
                echo_bytes(&[b], &t);
            }
        } else {
            s.line.push(b);
            if echo {
                if b < 0x20 && b != b'\t' && t.c_lflag & ECHOCTL != 0 {
                    echo_bytes(&[b'^', b ^ 0x40], &t);
                } else {
                    echo_bytes(&[b], &t);
                }
            }
        }
    }

    /// Takes input for a reader: Some(n) when something (or EOF) is available.
    fn take(s: &mut TtyState, out: &mut [u8]) -> Option<usize> {
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

    /// Reads input (canonical: up to one line).
    pub async fn read(&self, t: &Arc<Thread>, out: &mut [u8], nonblock: bool) -> Result<usize> {
        self.check_background(t, SIGTTIN)?;
        if out.is_empty() {
            return Ok(0);
        }
        if let Some(n) = Self::take(&mut self.state.lock(), out) {
            return Ok(n);
        }
        if nonblock {
            return Err(Errno::EAGAIN.into());
        }
        crate::syscall::interruptible(t, self.wait.wait_until(|| Self::take(&mut self.state.lock(), out))).await
    }

    /// Writes output with OPOST processing.
    pub async fn write(&self, t: &Arc<Thread>, data: &[u8]) -> Result<usize> {
        let termios = self.state.lock().termios;
        if termios.c_lflag & TOSTOP != 0 {
            self.check_background(t, SIGTTOU)?;
        }
        echo_bytes(data, &termios);
        Ok(data.len())
    }

    /// Readiness.
    pub fn poll(&self) -> PollEvents {
        let s = self.state.lock();
        let canon = s.termios.c_lflag & ICANON != 0;
        let readable = if canon { s.ready.contains(&b'\n') || !s.eof_marks.is_empty() } else { !s.ready.is_empty() };
        let mut ev = PollEvents::POLLOUT | PollEvents::POLLWRNORM;
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

    /// Woken when input arrives.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.wait
    }

    /// Wakes readers (after settings change).
    pub fn wake(&self) {
        self.wait.wake_all();
    }
}
