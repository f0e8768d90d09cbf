//! `ioctl`: the generic file requests (`FIONBIO`, `FIOASYNC`, `FIOCLEX`, `FIONCLEX`,
//! `FIOQSIZE`, `FIGETBSZ`, `FIONREAD`) and the terminal requests: termios (`TCGETS*`/
//! `TCSETS*`, `TCGETA`/`TCSETA*`), window size (`TIOCSWINSZ` sends SIGWINCH), job control
//! (`TIOCGPGRP`, `TIOCSPGRP`, `TIOCGSID`, `TIOCSCTTY`, `TIOCNOTTY`), queues (`TCFLSH`,
//! `TCXONC`, `FIONREAD`, `TIOCOUTQ`) and line discipline, for every terminal; the pty master
//! requests (`TIOCGPTN`, `TIOCSPTLCK`, `TIOCGPTLCK`, `TIOCGPTPEER`, `TIOCPKT`, `TIOCGPKT`,
//! `TIOCSIG`, and the slave's window size and process groups); the virtual-console requests
//! (`VT_OPENQRY`, `VT_GETSTATE`, `VT_GETMODE`, `KDGKBTYPE`, ...) with Linux's answers for a
//! console without a display. Anything else is ENOTTY, as Linux answers for requests a file
//! does not know; a hung-up terminal answers EIO (ENOTTY for `TIOCSPGRP`).
//!
//! A terminal records the session it controls ([`is_ctty`]); a session has at most one
//! controlling terminal ([`tty::ctty_of_session`]).

use alloc::sync::Arc;

use kairos_abi::flags::OpenFlags;
use kairos_abi::signal::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTOU, SIGWINCH, SigInfo};
use kairos_abi::termios::*;
use kairos_abi::{Errno, Result};
use kairos_fs::vfs::FileType;

use super::SysResult;
use super::args::{Fd, read_val, write_val};
use super::dup::install;
use super::openat::{file_inode, open_tty};
use super::read::{can_read, io_file};
use crate::file::pty::Master;
use crate::file::tty::{self, Tty};
use crate::file::{File, FileKind, vt};
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
            FileKind::PtyMaster(m) => master_ioctl(t, &file, m, cmd, arg),
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
    if pid != sid || has_other_ctty(sid, tty) {
        return;
    }
    let mut s = tty.state.lock();
    if !s.hung_up && (s.session == 0 || stale_session(s.session, sid)) {
        s.session = sid;
        s.fg_pgrp = pgid;
    }
}

/// Does session `sid` have a controlling terminal other than `tty`?
fn has_other_ctty(sid: Pid, tty: &Tty) -> bool {
    tty::ctty_of_session(sid).is_some_and(|other| !core::ptr::eq(&*other, tty))
}

/// Is `session` (not the caller's `sid`) a session whose leader has exited? Linux takes the
/// terminal from a session when its leader exits; Kairos frees it when someone asks.
fn stale_session(session: Pid, sid: Pid) -> bool {
    session != sid && !tty::session_leader_alive(session)
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
    if pid == sid && tty.state.lock().session == sid {
        return Ok(0);
    }
    if pid != sid {
        return Err(Errno::EPERM.into());
    }
    if has_other_ctty(sid, tty) {
        return Err(Errno::EPERM.into());
    }
    let mut s = tty.state.lock();
    if s.session != 0 && !stale_session(s.session, sid) && !(arg as i32 == 1 && root) {
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

/// The `termios` as `TCGETS2` reports it (with the speeds the `CBAUD` bits encode).
fn to_termios2(tio: &Termios) -> Termios2 {
    let speed = baud_rate(tio.c_cflag);
    Termios2 {
        c_iflag: tio.c_iflag,
        c_oflag: tio.c_oflag,
        c_cflag: tio.c_cflag,
        c_lflag: tio.c_lflag,
        c_line: tio.c_line,
        c_cc: tio.c_cc,
        c_ispeed: speed,
        c_ospeed: speed,
    }
}

/// The settings of a `struct termios2` (`TCSETS2*`).
fn from_termios2(t2: &Termios2) -> Termios {
    Termios {
        c_iflag: t2.c_iflag,
        c_oflag: t2.c_oflag,
        c_cflag: t2.c_cflag,
        c_lflag: t2.c_lflag,
        c_line: t2.c_line,
        c_cc: t2.c_cc,
    }
}

/// The settings a termios request reads and writes.
trait Settings {
    /// Linux's `tty_check_change` before a change (a terminal's job-control check).
    fn check_change(&self, t: &Arc<Thread>) -> Result<()>;
    /// The current settings.
    fn get(&self) -> Termios;
    /// Installs `new`, discarding pending input first if `flush`.
    fn set(&self, new: Termios, flush: bool);
}

/// A terminal's own settings.
struct TtySettings<'a>(&'a Tty);

impl Settings for TtySettings<'_> {
    fn check_change(&self, t: &Arc<Thread>) -> Result<()> {
        check_change(t, self.0)
    }

    fn get(&self) -> Termios {
        self.0.state.lock().termios
    }

    fn set(&self, new: Termios, flush: bool) {
        if flush {
            self.0.flush_input();
        }
        self.0.state.lock().termios = new;
        self.0.wake();
    }
}

/// The termios requests on `settings`; None for other requests. A change is checked
/// (job control) before the new value is read; output is written synchronously, so the
/// `*W` variants need not wait.
fn termios_ioctl(t: &Arc<Thread>, settings: &dyn Settings, cmd: u32, arg: u64) -> Option<SysResult> {
    let change = |flush: bool, read: &dyn Fn(&Termios) -> Result<Termios>| -> SysResult {
        settings.check_change(t)?;
        let new = read(&settings.get())?;
        settings.set(new, flush);
        Ok(0)
    };
    let r = match cmd {
        TCGETS => write_val(t, arg, &settings.get()).map(|()| 0),
        TCSETS | TCSETSW | TCSETSF => change(cmd == TCSETSF, &|_| read_val::<Termios>(t, arg)),
        TCGETS2 => write_val(t, arg, &to_termios2(&settings.get())).map(|()| 0),
        TCSETS2 | TCSETSW2 | TCSETSF2 => change(cmd == TCSETSF2, &|_| Ok(from_termios2(&read_val(t, arg)?))),
        TCGETA => write_val(t, arg, &to_termio(&settings.get())).map(|()| 0),
        TCSETA | TCSETAW | TCSETAF => {
            change(cmd == TCSETAF, &|cur| Ok(from_termio(cur, &read_val::<[u8; TERMIO_LEN]>(t, arg)?)))
        }
        _ => return None,
    };
    Some(r)
}

/// `TIOCSWINSZ`: a new window size; the foreground group of `tty` gets SIGWINCH when it
/// changed.
fn set_winsize(t: &Thread, tty: &Tty, arg: u64) -> SysResult {
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

/// The terminal requests.
fn tty_ioctl(t: &Arc<Thread>, file: &File, tty: &Tty, cmd: u32, arg: u64) -> SysResult {
    if tty.state.lock().hung_up {
        return Err(if cmd == TIOCSPGRP { Errno::ENOTTY } else { Errno::EIO }.into());
    }
    if let Some(r) = termios_ioctl(t, &TtySettings(tty), cmd, arg) {
        return r;
    }
    if tty.is_vt()
        && let Some(r) = vt_ioctl(t, cmd, arg)
    {
        return r;
    }
    match cmd {
        TIOCGWINSZ => {
            write_val(t, arg, &tty.state.lock().winsize)?;
            Ok(0)
        }
        TIOCSWINSZ => set_winsize(t, tty, arg),
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
            write_val(t, arg, &tty.encoded_device())?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY.into()),
    }
}

// ------------------------------------------------------------------------------------------
// Pty masters
// ------------------------------------------------------------------------------------------

/// The requests of a pty master. Settings, window size and process groups are the slave's
/// (Linux's `tty_pair_get_tty`): `TIOCGPGRP`/`TIOCGSID` answer without the caller having
/// the slave as controlling terminal, `TIOCSPGRP` needs it, `TIOCSCTTY` takes the slave.
fn master_ioctl(t: &Arc<Thread>, file: &File, m: &Master, cmd: u32, arg: u64) -> SysResult {
    let slave = m.slave();
    if let Some(r) = termios_ioctl(t, &TtySettings(slave), cmd, arg) {
        return r;
    }
    let with_pty =
        |f: &mut dyn FnMut(&mut tty::PtyState) -> i32| -> i32 { slave.state.lock().pty.as_mut().map_or(0, f) };
    match cmd {
        TIOCGPTN => {
            write_val(t, arg, &m.index())?;
            Ok(0)
        }
        TIOCSPTLCK => {
            let lock: i32 = read_val(t, arg)?;
            with_pty(&mut |p| {
                p.locked = lock != 0;
                0
            });
            Ok(0)
        }
        TIOCGPTLCK => {
            write_val(t, arg, &with_pty(&mut |p| i32::from(p.locked)))?;
            Ok(0)
        }
        TIOCPKT => {
            let on: i32 = read_val(t, arg)?;
            with_pty(&mut |p| {
                p.packet = on != 0;
                0
            });
            Ok(0)
        }
        TIOCGPKT => {
            write_val(t, arg, &with_pty(&mut |p| i32::from(p.packet)))?;
            Ok(0)
        }
        TIOCGPTPEER => open_peer(t, m, arg),
        TIOCSIG => {
            let sig = arg as u32;
            if sig != SIGINT && sig != SIGQUIT && sig != SIGTSTP {
                return Err(Errno::EINVAL.into());
            }
            let fg = slave.state.lock().fg_pgrp;
            if fg != 0 {
                signal::send_to_group(fg, SigInfo::kernel(sig));
            }
            Ok(0)
        }
        TIOCGWINSZ => {
            write_val(t, arg, &slave.state.lock().winsize)?;
            Ok(0)
        }
        TIOCSWINSZ => set_winsize(t, slave, arg),
        TIOCGPGRP => {
            let fg = slave.state.lock().fg_pgrp;
            write_val(t, arg, &(fg as i32))?;
            Ok(0)
        }
        TIOCGSID => {
            let sid = slave.state.lock().session;
            if sid == 0 {
                return Err(Errno::ENOTTY.into());
            }
            write_val(t, arg, &(sid as i32))?;
            Ok(0)
        }
        TIOCSPGRP => set_foreground(t, slave, arg),
        TIOCSCTTY => set_ctty(t, file, slave, arg),
        FIONREAD => {
            write_val(t, arg, &(m.available() as i32))?;
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
            match arg as i32 {
                TCIFLUSH => m.flush_output(),
                TCIOFLUSH => {
                    m.flush_output();
                    slave.flush_input();
                }
                TCOFLUSH => slave.flush_input(),
                _ => return Err(Errno::EINVAL.into()),
            }
            Ok(0)
        }
        TCXONC => {
            if (TCOOFF..=TCION).contains(&(arg as i32)) {
                Ok(0)
            } else {
                Err(Errno::EINVAL.into())
            }
        }
        TCSBRK | TCSBRKP | TIOCSBRK | TIOCCBRK | TIOCEXCL | TIOCNXCL => Ok(0),
        TIOCGDEV => {
            write_val(t, arg, &slave.encoded_device())?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY.into()),
    }
}

/// `TIOCGPTPEER`: opens the slave with open flags `arg` as a new descriptor (EIO while it
/// is locked). Like Linux, unknown flags are ignored rather than refused.
fn open_peer(t: &Arc<Thread>, m: &Master, arg: u64) -> SysResult {
    let keep = OpenFlags::O_ACCMODE | OpenFlags::SETFL_MASK | OpenFlags::O_NOCTTY | OpenFlags::O_CLOEXEC;
    let flags = OpenFlags::from_bits_truncate(arg as u32) & keep;
    let kind = open_tty(t, m.slave().clone(), flags)?;
    let file = File::new(kind, Some(m.slave_node()), Some(m.slave_path()), flags | OpenFlags::O_LARGEFILE);
    Ok(install(t, file, flags.contains(OpenFlags::O_CLOEXEC))? as isize)
}

// ------------------------------------------------------------------------------------------
// Virtual consoles
// ------------------------------------------------------------------------------------------

/// `KDGKBTYPE`: the keyboard type.
const KDGKBTYPE: u32 = 0x4B33;
/// `KB_101`, what Linux reports for a PC keyboard.
const KB_101: u8 = 0x02;
/// `KDSETMODE`: text or graphics.
const KDSETMODE: u32 = 0x4B3A;
/// `KDGETMODE`.
const KDGETMODE: u32 = 0x4B3B;
/// `KDGKBMODE`: keyboard translation mode.
const KDGKBMODE: u32 = 0x4B44;
/// `KDSKBMODE`.
const KDSKBMODE: u32 = 0x4B45;
/// `K_UNICODE`, the default keyboard mode with `default_utf8`.
const K_UNICODE: i32 = 3;
/// `KDGETLED` / `KDGKBLED`: LED and lock state.
const KDGETLED: u32 = 0x4B31;
const KDGKBLED: u32 = 0x4B64;
/// `VT_OPENQRY`: the first free console.
const VT_OPENQRY: u32 = 0x5600;
/// `VT_GETMODE` / `VT_SETMODE`: `struct vt_mode` (switching policy).
const VT_GETMODE: u32 = 0x5601;
const VT_SETMODE: u32 = 0x5602;
/// `VT_GETSTATE`: `struct vt_stat`.
const VT_GETSTATE: u32 = 0x5603;
/// `VT_ACTIVATE` / `VT_WAITACTIVE`: switch to / wait for a console.
const VT_ACTIVATE: u32 = 0x5606;
const VT_WAITACTIVE: u32 = 0x5607;
/// `VT_DISALLOCATE`: free a console.
const VT_DISALLOCATE: u32 = 0x5608;

/// The virtual-console requests, with Linux's answers for consoles that exist but are never
/// switched (tty1 stays in front); None for other requests.
fn vt_ioctl(t: &Thread, cmd: u32, arg: u64) -> Option<SysResult> {
    let r = match cmd {
        KDGKBTYPE => write_val(t, arg, &KB_101).map(|()| 0),
        KDGETMODE => write_val(t, arg, &0i32).map(|()| 0), // KD_TEXT
        KDSETMODE => {
            if arg <= 3 {
                Ok(0)
            } else {
                Err(Errno::EINVAL.into())
            }
        }
        KDGKBMODE => write_val(t, arg, &K_UNICODE).map(|()| 0),
        KDSKBMODE => {
            if arg <= 4 {
                Ok(0)
            } else {
                Err(Errno::EINVAL.into())
            }
        }
        KDGETLED | KDGKBLED => write_val(t, arg, &0u8).map(|()| 0),
        VT_OPENQRY => write_val(t, arg, &vt::first_free()).map(|()| 0),
        VT_GETMODE => write_val(t, arg, &[0u8; 8]).map(|()| 0), // VT_AUTO, no signals
        VT_SETMODE => {
            read_val::<[u8; 8]>(t, arg).and_then(|m| if m[0] > 1 { Err(Errno::EINVAL.into()) } else { Ok(0) })
        }
        VT_GETSTATE => {
            let state: [u16; 3] = [vt::FG_CONSOLE as u16, 0, vt::state_bits()];
            write_val(t, arg, &state).map(|()| 0)
        }
        VT_ACTIVATE | VT_WAITACTIVE => {
            if arg == 0 || arg > u64::from(vt::MAX_NR_CONSOLES) {
                Err(Errno::ENXIO.into())
            } else {
                Ok(0)
            }
        }
        VT_DISALLOCATE => Ok(0),
        _ => return None,
    };
    Some(r)
}
