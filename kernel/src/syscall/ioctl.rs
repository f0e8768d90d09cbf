//! `ioctl`: the generic file requests (`FIONBIO`, `FIOASYNC`, `FIOCLEX`, `FIONCLEX`,
//! `FIOQSIZE`, `FIGETBSZ`, `FIONREAD`) and the terminal requests of the serial TTY: termios
//! (`TCGETS*`/`TCSETS*`, `TCGETA`/`TCSETA*`), window size, job control (`TIOCGPGRP`,
//! `TIOCSPGRP`, `TIOCGSID`, `TIOCSCTTY`, `TIOCNOTTY`), queues (`TCFLSH`, `TCXONC`, `FIONREAD`,
//! `TIOCOUTQ`) and line discipline. Anything else is ENOTTY, as Linux answers for requests a
//! file does not know.
//!
//! Kairos has one terminal, so "the caller's controlling terminal" is that TTY exactly when
//! its session is the caller's ([`is_ctty`]).

use alloc::sync::Arc;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::{SIGCONT, SIGHUP, SIGTTOU, SIGWINCH, SigInfo};
use kairos_abi::termios::*;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::{Fd, read_val, write_val};
use super::openat::file_inode;
use super::read::{can_read, io_file};
use crate::file::tty::Tty;
use crate::file::{File, FileKind};
use crate::proc::process::all_processes;
use crate::proc::signal;
use crate::proc::{Pid, Thread};

/// `FIGETBSZ`: the block size of the file's filesystem.
const FIGETBSZ: u32 = 2;
/// `N_TTY`, the only line discipline.
const N_TTY: i32 = 0;
/// Size of `struct termio` as the kernel reads and writes it (fields only, no padding).
const TERMIO_LEN: usize = 17;
/// Control characters in `struct termio`.
const NCC: usize = 8;

/// `ioctl(fd, request, arg)`.
pub fn sys_ioctl(t: &Arc<Thread>, fd: Fd, cmd: u32, arg: u64) -> SysResult {
    let file = io_file(t, fd)?;
    match cmd {
        FIOCLEX | FIONCLEX => {
            t.files().lock().set_cloexec(fd.0, cmd == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO => set_status_flag(t, &file, OpenFlags::O_NONBLOCK, arg),
        FIOASYNC => set_status_flag(t, &file, OpenFlags::O_ASYNC, arg),
        FIOQSIZE => {
            let meta = file_inode(t, &file).metadata();
            match meta.file_type() {
                FileType::Regular | FileType::Directory | FileType::Symlink => {
                    // Linux reports the allocated bytes (`inode_get_bytes`), not the size.
                    write_val(t, arg, &((meta.blocks * 512) as i64))?;
                    Ok(0)
                }
                _ => Err(Errno::ENOTTY.into()),
            }
        }
        FIGETBSZ => {
            write_val(t, arg, &(file_inode(t, &file).metadata().blksize as i32))?;
            Ok(0)
        }
        _ => match &file.kind {
            FileKind::Tty(tty) => tty_ioctl(t, &file, tty, cmd, arg),
            FileKind::Pipe(pipe, _) if cmd == FIONREAD => {
                write_val(t, arg, &(pipe.available() as i32))?;
                Ok(0)
            }
            FileKind::Inode(inode) if cmd == FIONREAD && inode.file_type() == FileType::Regular => {
                let left = inode.metadata().size as i64 - file.offset() as i64;
                write_val(t, arg, &(left as i32))?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY.into()),
        },
    }
}

/// `FIONBIO` / `FIOASYNC`: sets or clears a status flag from the `int` at `arg`.
fn set_status_flag(t: &Thread, file: &File, flag: OpenFlags, arg: u64) -> SysResult {
    let on: i32 = read_val(t, arg)?;
    let mut flags = file.flags();
    flags.set(flag, on != 0);
    file.set_status_flags(flags);
    Ok(0)
}

// ------------------------------------------------------------------------------------------
// Controlling terminal and job control
// ------------------------------------------------------------------------------------------

/// The caller's process id, process group and session.
fn ids(t: &Thread) -> (Pid, Pid, Pid) {
    let st = t.process.state.lock();
    (t.process.pid, st.pgid, st.sid)
}

/// Is `tty` the controlling terminal of the caller's session?
pub(super) fn is_ctty(t: &Thread, tty: &Tty) -> bool {
    let (_, _, sid) = ids(t);
    let session = tty.state.lock().session;
    session != 0 && session == sid
}

/// Opening a terminal (without `O_NOCTTY`, for reading) makes it the controlling terminal of
/// a session leader that has none, if no other session has it (Linux's
/// `tty_open_proc_set_tty`).
pub(super) fn maybe_acquire_ctty(t: &Thread, tty: &Tty) {
    let (pid, pgid, sid) = ids(t);
    let mut s = tty.state.lock();
    if pid == sid && s.session == 0 {
        s.session = sid;
        s.fg_pgrp = pgid;
    }
}

/// Linux's `tty_check_change`: a background process of the terminal's session changing its
/// settings gets SIGTTOU (ERESTARTSYS), unless SIGTTOU is blocked or ignored (allowed) or
/// its group is orphaned (EIO).
fn check_change(t: &Arc<Thread>, tty: &Tty) -> Result<()> {
    if !is_ctty(t, tty) {
        return Ok(());
    }
    let (_, pgid, _) = ids(t);
    let fg = tty.state.lock().fg_pgrp;
    if fg == 0 || fg == pgid {
        return Ok(());
    }
    if t.sigmask.lock().contains(SIGTTOU) || t.sighand().lock().get(SIGTTOU).is_ignore() {
        return Ok(());
    }
    if signal::is_orphaned_pgrp(pgid) {
        return Err(Errno::EIO.into());
    }
    signal::send_to_group(pgid, SigInfo::kernel(SIGTTOU));
    Err(Errno::ERESTARTSYS.into())
}

/// The session of process group `pgrp`: of a member, else of the process with that id
/// (ESRCH if neither exists).
fn session_of_pgrp(pgrp: Pid) -> Result<Pid> {
    let procs = all_processes();
    let member = procs.iter().find(|p| {
        let st = p.state.lock();
        st.exit.is_none() && st.pgid == pgrp
    });
    let owner = member.or_else(|| procs.iter().find(|p| p.pid == pgrp));
    owner.map(|p| p.state.lock().sid).ok_or(Errno::ESRCH.into())
}

/// `TIOCSPGRP`: makes `pgrp` (of the caller's session) the foreground group.
fn set_foreground(t: &Arc<Thread>, tty: &Tty, arg: u64) -> SysResult {
    match check_change(t, tty) {
        Err(e) if e.errno == Errno::EIO => return Err(Errno::ENOTTY.into()),
        r => r?,
    }
    let pgrp: i32 = read_val(t, arg)?;
    if pgrp < 0 {
        return Err(Errno::EINVAL.into());
    }
    if !is_ctty(t, tty) {
        return Err(Errno::ENOTTY.into());
    }
    let (_, _, sid) = ids(t);
    if session_of_pgrp(pgrp as Pid)? != sid {
        return Err(Errno::EPERM.into());
    }
    tty.state.lock().fg_pgrp = pgrp as Pid;
    Ok(0)
}

/// `TIOCSCTTY`: a session leader without a controlling terminal takes this one (root may
/// steal it from another session with `arg == 1`).
fn set_ctty(t: &Thread, file: &File, tty: &Tty, arg: u64) -> SysResult {
    let (pid, pgid, sid) = ids(t);
    let root = t.process.state.lock().uid[1] == 0;
    let mut s = tty.state.lock();
    if pid == sid && s.session == sid {
        return Ok(0);
    }
    if pid != sid {
        return Err(Errno::EPERM.into());
    }
    if s.session != 0 && !(arg as i32 == 1 && root) {
        return Err(Errno::EPERM.into());
    }
    if !can_read(file) && !root {
        return Err(Errno::EPERM.into());
    }
    s.session = sid;
    s.fg_pgrp = pgid;
    Ok(0)
}

/// `TIOCNOTTY`: gives up the controlling terminal; a session leader hangs it up for its
/// foreground group (SIGHUP, SIGCONT) and frees it.
fn give_up_ctty(t: &Thread, tty: &Tty) -> SysResult {
    if !is_ctty(t, tty) {
        return Err(Errno::ENOTTY.into());
    }
    let (pid, _, sid) = ids(t);
    if pid != sid {
        // Only the caller would lose it, and Kairos tracks the terminal per session.
        return Ok(0);
    }
    let fg = {
        let mut s = tty.state.lock();
        let fg = s.fg_pgrp;
        s.session = 0;
        s.fg_pgrp = 0;
        fg
    };
    if fg != 0 {
        signal::send_to_group(fg, SigInfo::kernel(SIGHUP));
        signal::send_to_group(fg, SigInfo::kernel(SIGCONT));
    }
    Ok(0)
}

// ------------------------------------------------------------------------------------------
// Terminal requests
// ------------------------------------------------------------------------------------------

/// The speed a `CBAUD` value encodes (for `termios2`).
fn baud_rate(cflag: u32) -> u32 {
    const RATES: [u32; 16] = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
    const HIGH: [u32; 15] = [
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000,
        3500000, 4000000,
    ];
    let code = cflag & CBAUD;
    if code & CBAUDEX == 0 {
        RATES[code as usize]
    } else {
        let i = (code & !CBAUDEX) as usize;
        if i == 0 { 0 } else { HIGH.get(i - 1).copied().unwrap_or(0) }
    }
}

/// The kernel `struct termio` bytes of `tio` (`TCGETA`).
fn to_termio(tio: &Termios) -> [u8; TERMIO_LEN] {
    let mut b = [0u8; TERMIO_LEN];
    for (i, v) in [tio.c_iflag, tio.c_oflag, tio.c_cflag, tio.c_lflag].into_iter().enumerate() {
        b[2 * i..2 * i + 2].copy_from_slice(&(v as u16).to_ne_bytes());
    }
    b[8] = tio.c_line;
    b[9..].copy_from_slice(&tio.c_cc[..NCC]);
    b
}

/// `tio` with the fields of a `struct termio` applied (`TCSETA*`): the low 16 bits of each
/// flag word and the first control characters.
fn from_termio(tio: &Termios, b: &[u8; TERMIO_LEN]) -> Termios {
    let word = |i: usize, old: u32| (old & 0xffff_0000) | u32::from(u16::from_ne_bytes([b[2 * i], b[2 * i + 1]]));
    let mut new = *tio;
    new.c_iflag = word(0, tio.c_iflag);
    new.c_oflag = word(1, tio.c_oflag);
    new.c_cflag = word(2, tio.c_cflag);
    new.c_lflag = word(3, tio.c_lflag);
    new.c_line = b[8];
    new.c_cc[..NCC].copy_from_slice(&b[9..]);
    new
}

/// Installs new settings (after the job-control check), flushing input first for the
/// `*F` variants. Output is written synchronously, so the `*W` variants need not wait.
fn set_termios(t: &Arc<Thread>, tty: &Tty, flush: bool, read: impl FnOnce(&Termios) -> Result<Termios>) -> SysResult {
    check_change(t, tty)?;
    let current = tty.state.lock().termios;
    let new = read(&current)?;
    if flush {
        tty.flush_input();
    }
    tty.state.lock().termios = new;
    tty.wake();
    Ok(0)
}

/// The terminal requests.
fn tty_ioctl(t: &Arc<Thread>, file: &File, tty: &Tty, cmd: u32, arg: u64) -> SysResult {
    match cmd {
        TCGETS => {
            write_val(t, arg, &tty.state.lock().termios)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => set_termios(t, tty, cmd == TCSETSF, |_| read_val::<Termios>(t, arg)),
        TCGETS2 => {
            let tio = tty.state.lock().termios;
            let speed = baud_rate(tio.c_cflag);
            let t2 = Termios2 {
                c_iflag: tio.c_iflag,
                c_oflag: tio.c_oflag,
                c_cflag: tio.c_cflag,
                c_lflag: tio.c_lflag,
                c_line: tio.c_line,
                c_cc: tio.c_cc,
                c_ispeed: speed,
                c_ospeed: speed,
            };
            write_val(t, arg, &t2)?;
            Ok(0)
        }
        TCSETS2 | TCSETSW2 | TCSETSF2 => set_termios(t, tty, cmd == TCSETSF2, |_| {
            let t2: Termios2 = read_val(t, arg)?;
            Ok(Termios {
                c_iflag: t2.c_iflag,
                c_oflag: t2.c_oflag,
                c_cflag: t2.c_cflag,
                c_lflag: t2.c_lflag,
                c_line: t2.c_line,
                c_cc: t2.c_cc,
            })
        }),
        TCGETA => {
            write_val(t, arg, &to_termio(&tty.state.lock().termios))?;
            Ok(0)
        }
        TCSETA | TCSETAW | TCSETAF => {
            set_termios(t, tty, cmd == TCSETAF, |cur| Ok(from_termio(cur, &read_val::<[u8; TERMIO_LEN]>(t, arg)?)))
        }
        TIOCGWINSZ => {
            write_val(t, arg, &tty.state.lock().winsize)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let ws: WinSize = read_val(t, arg)?;
            let fg = {
                let mut s = tty.state.lock();
                let changed = s.winsize != ws;
                s.winsize = ws;
                if changed { s.fg_pgrp } else { 0 }
            };
            if fg != 0 {
                signal::send_to_group(fg, SigInfo::kernel(SIGWINCH));
            }
            Ok(0)
        }
        TIOCGPGRP | TIOCGSID => {
            if !is_ctty(t, tty) {
                return Err(Errno::ENOTTY.into());
            }
            let s = tty.state.lock();
            let v = if cmd == TIOCGPGRP { s.fg_pgrp } else { s.session };
            drop(s);
            write_val(t, arg, &(v as i32))?;
            Ok(0)
        }
        TIOCSPGRP => set_foreground(t, tty, arg),
        TIOCSCTTY => set_ctty(t, file, tty, arg),
        TIOCNOTTY => give_up_ctty(t, tty),
        FIONREAD => {
            write_val(t, arg, &(tty.available() as i32))?;
            Ok(0)
        }
        TIOCOUTQ | TIOCGEXCL | TIOCGETD => {
            write_val(t, arg, &0i32)?;
            Ok(0)
        }
        TIOCSETD => {
            let disc: i32 = read_val(t, arg)?;
            if disc == N_TTY { Ok(0) } else { Err(Errno::EINVAL.into()) }
        }
        TCFLSH => {
            check_change(t, tty)?;
            match arg as i32 {
                TCIFLUSH | TCIOFLUSH => tty.flush_input(),
                TCOFLUSH => {}
                _ => return Err(Errno::EINVAL.into()),
            }
            Ok(0)
        }
        TCXONC => {
            check_change(t, tty)?;
            if (TCOOFF..=TCION).contains(&(arg as i32)) { Ok(0) } else { Err(Errno::EINVAL.into()) }
        }
        TCSBRK | TCSBRKP | TIOCSBRK | TIOCCBRK | TIOCEXCL | TIOCNXCL => Ok(0),
        TIOCSTI => {
            if t.process.state.lock().uid[1] != 0 {
                return Err(Errno::EIO.into());
            }
            let b: u8 = read_val(t, arg)?;
            tty.receive(b);
            Ok(0)
        }
        TIOCGDEV => {
            // The console is the first serial line, ttyS0 (4,64), in the 32-bit encoding.
            write_val(t, arg, &((4u32 << 8) | 64))?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY.into()),
    }
}
