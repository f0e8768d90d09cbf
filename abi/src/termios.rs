//! Terminals: the kernel `struct termios` / `termios2` used by the `TCGETS`
//! family (not glibc's larger one), [`WinSize`], the `c_cc` indices, the
//! `c_iflag` / `c_oflag` / `c_cflag` / `c_lflag` bits, and the tty and
//! generic file ioctl numbers with the `_IOC` encoding helpers.

use bytemuck::{Pod, Zeroable};

/// Number of control characters in the kernel `struct termios`.
pub const NCCS: usize = 19;

/// Kernel `struct termios` (`asm-generic/termbits.h`), 36 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Termios {
    /// Input modes.
    pub c_iflag: u32,
    /// Output modes.
    pub c_oflag: u32,
    /// Control modes.
    pub c_cflag: u32,
    /// Local modes.
    pub c_lflag: u32,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, indexed by `V*`.
    pub c_cc: [u8; NCCS],
}

/// Kernel `struct termios2` (`TCGETS2`), 44 bytes: [`Termios`] plus
/// arbitrary input/output speeds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Termios2 {
    /// Input modes.
    pub c_iflag: u32,
    /// Output modes.
    pub c_oflag: u32,
    /// Control modes.
    pub c_cflag: u32,
    /// Local modes.
    pub c_lflag: u32,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters.
    pub c_cc: [u8; NCCS],
    /// Input speed (with `BOTHER`).
    pub c_ispeed: u32,
    /// Output speed (with `BOTHER`).
    pub c_ospeed: u32,
}

/// `struct winsize` (`TIOCGWINSZ`), 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct WinSize {
    /// Rows.
    pub ws_row: u16,
    /// Columns.
    pub ws_col: u16,
    /// Width in pixels (unused).
    pub ws_xpixel: u16,
    /// Height in pixels (unused).
    pub ws_ypixel: u16,
}

abi_consts! {
    /// Indices into `c_cc`.
    table CC_INDICES: usize {
        /// Interrupt (^C).
        VINTR = 0,
        /// Quit (^\).
        VQUIT = 1,
        /// Erase (DEL).
        VERASE = 2,
        /// Kill line (^U).
        VKILL = 3,
        /// End of file (^D).
        VEOF = 4,
        /// Non-canonical read timeout, in deciseconds.
        VTIME = 5,
        /// Non-canonical read minimum byte count.
        VMIN = 6,
        /// Switch (unused).
        VSWTC = 7,
        /// Start output (^Q).
        VSTART = 8,
        /// Stop output (^S).
        VSTOP = 9,
        /// Suspend (^Z).
        VSUSP = 10,
        /// Additional end of line.
        VEOL = 11,
        /// Reprint (^R).
        VREPRINT = 12,
        /// Discard (^O).
        VDISCARD = 13,
        /// Word erase (^W).
        VWERASE = 14,
        /// Literal next (^V).
        VLNEXT = 15,
        /// Second additional end of line.
        VEOL2 = 16,
    }
}

abi_consts! {
    /// `c_iflag` bits.
    table IFLAGS: u32 {
        /// Ignore break.
        IGNBRK = 0o000001,
        /// Break sends SIGINT.
        BRKINT = 0o000002,
        /// Ignore parity errors.
        IGNPAR = 0o000004,
        /// Mark parity errors.
        PARMRK = 0o000010,
        /// Enable parity check.
        INPCK = 0o000020,
        /// Strip the 8th bit.
        ISTRIP = 0o000040,
        /// Map NL to CR.
        INLCR = 0o000100,
        /// Ignore CR.
        IGNCR = 0o000200,
        /// Map CR to NL.
        ICRNL = 0o000400,
        /// Map upper case to lower case.
        IUCLC = 0o001000,
        /// Enable XON/XOFF output control.
        IXON = 0o002000,
        /// Any character restarts output.
        IXANY = 0o004000,
        /// Enable XON/XOFF input control.
        IXOFF = 0o010000,
        /// Ring the bell when the input queue is full.
        IMAXBEL = 0o020000,
        /// Input is UTF-8 (for erase in canonical mode).
        IUTF8 = 0o040000,
    }
}

abi_consts! {
    /// `c_oflag` bits.
    table OFLAGS: u32 {
        /// Post-process output.
        OPOST = 0o000001,
        /// Map lower case to upper case.
        OLCUC = 0o000002,
        /// Map NL to CR-NL.
        ONLCR = 0o000004,
        /// Map CR to NL.
        OCRNL = 0o000010,
        /// No CR at column 0.
        ONOCR = 0o000020,
        /// NL performs CR.
        ONLRET = 0o000040,
        /// Use fill characters for delay.
        OFILL = 0o000100,
        /// Fill is DEL.
        OFDEL = 0o000200,
        /// Newline delay mask.
        NLDLY = 0o000400,
        /// Newline delay 0.
        NL0 = 0o000000,
        /// Newline delay 1.
        NL1 = 0o000400,
        /// Carriage-return delay mask.
        CRDLY = 0o003000,
        /// CR delay 0.
        CR0 = 0o000000,
        /// CR delay 1.
        CR1 = 0o001000,
        /// CR delay 2.
        CR2 = 0o002000,
        /// CR delay 3.
        CR3 = 0o003000,
        /// Tab delay mask.
        TABDLY = 0o014000,
        /// Tab delay 0.
        TAB0 = 0o000000,
        /// Tab delay 1.
        TAB1 = 0o004000,
        /// Tab delay 2.
        TAB2 = 0o010000,
        /// Expand tabs to spaces.
        TAB3 = 0o014000,
        /// Same as `TAB3`.
        XTABS = 0o014000,
        /// Backspace delay mask.
        BSDLY = 0o020000,
        /// Backspace delay 0.
        BS0 = 0o000000,
        /// Backspace delay 1.
        BS1 = 0o020000,
        /// Vertical tab delay mask.
        VTDLY = 0o040000,
        /// VT delay 0.
        VT0 = 0o000000,
        /// VT delay 1.
        VT1 = 0o040000,
        /// Form feed delay mask.
        FFDLY = 0o100000,
        /// FF delay 0.
        FF0 = 0o000000,
        /// FF delay 1.
        FF1 = 0o100000,
    }
}

abi_consts! {
    /// `c_cflag` bits and baud rates.
    table CFLAGS: u32 {
        /// Baud rate mask.
        CBAUD = 0o010017,
        /// Hang up.
        B0 = 0o000000,
        /// 50 baud.
        B50 = 0o000001,
        /// 75 baud.
        B75 = 0o000002,
        /// 110 baud.
        B110 = 0o000003,
        /// 134 baud.
        B134 = 0o000004,
        /// 150 baud.
        B150 = 0o000005,
        /// 200 baud.
        B200 = 0o000006,
        /// 300 baud.
        B300 = 0o000007,
        /// 600 baud.
        B600 = 0o000010,
        /// 1200 baud.
        B1200 = 0o000011,
        /// 1800 baud.
        B1800 = 0o000012,
        /// 2400 baud.
        B2400 = 0o000013,
        /// 4800 baud.
        B4800 = 0o000014,
        /// 9600 baud.
        B9600 = 0o000015,
        /// 19200 baud.
        B19200 = 0o000016,
        /// 38400 baud.
        B38400 = 0o000017,
        /// Same as `B19200`.
        EXTA = 0o000016,
        /// Same as `B38400`.
        EXTB = 0o000017,
        /// Character size mask.
        CSIZE = 0o000060,
        /// 5 bits.
        CS5 = 0o000000,
        /// 6 bits.
        CS6 = 0o000020,
        /// 7 bits.
        CS7 = 0o000040,
        /// 8 bits.
        CS8 = 0o000060,
        /// Two stop bits.
        CSTOPB = 0o000100,
        /// Enable receiver.
        CREAD = 0o000200,
        /// Parity enable.
        PARENB = 0o000400,
        /// Odd parity.
        PARODD = 0o001000,
        /// Hang up on last close.
        HUPCL = 0o002000,
        /// Ignore modem control lines.
        CLOCAL = 0o004000,
        /// Extra baud rates flag.
        CBAUDEX = 0o010000,
        /// Use `c_ispeed` / `c_ospeed` (termios2).
        BOTHER = 0o010000,
        /// 57600 baud.
        B57600 = 0o010001,
        /// 115200 baud.
        B115200 = 0o010002,
        /// 230400 baud.
        B230400 = 0o010003,
        /// 460800 baud.
        B460800 = 0o010004,
        /// 500000 baud.
        B500000 = 0o010005,
        /// 576000 baud.
        B576000 = 0o010006,
        /// 921600 baud.
        B921600 = 0o010007,
        /// 1000000 baud.
        B1000000 = 0o010010,
        /// 1152000 baud.
        B1152000 = 0o010011,
        /// 1500000 baud.
        B1500000 = 0o010012,
        /// 2000000 baud.
        B2000000 = 0o010013,
        /// 2500000 baud.
        B2500000 = 0o010014,
        /// 3000000 baud.
        B3000000 = 0o010015,
        /// 3500000 baud.
        B3500000 = 0o010016,
        /// 4000000 baud.
        B4000000 = 0o010017,
        /// Input baud rate mask.
        CIBAUD = 0o002003600000,
        /// Mark or space (stick) parity.
        CMSPAR = 0o010000000000,
        /// Hardware flow control.
        CRTSCTS = 0o020000000000,
        /// Shift from `CBAUD` to `CIBAUD`.
        IBSHIFT = 16,
    }
}

abi_consts! {
    /// `c_lflag` bits.
    table LFLAGS: u32 {
        /// Generate signals for INTR, QUIT, SUSP.
        ISIG = 0o000001,
        /// Canonical (line) mode.
        ICANON = 0o000002,
        /// Upper-case terminal (obsolete).
        XCASE = 0o000004,
        /// Echo input.
        ECHO = 0o000010,
        /// ERASE erases a character visually.
        ECHOE = 0o000020,
        /// KILL erases the line visually.
        ECHOK = 0o000040,
        /// Echo NL even without ECHO.
        ECHONL = 0o000100,
        /// Don't flush queues on signals.
        NOFLSH = 0o000200,
        /// Send SIGTTOU for background output.
        TOSTOP = 0o000400,
        /// Echo control characters as ^X.
        ECHOCTL = 0o001000,
        /// Print erased characters.
        ECHOPRT = 0o002000,
        /// KILL erases each character visually.
        ECHOKE = 0o004000,
        /// Output being flushed.
        FLUSHO = 0o010000,
        /// Retype pending input.
        PENDIN = 0o040000,
        /// Extended input processing (WERASE, LNEXT, ...).
        IEXTEN = 0o100000,
        /// External processing.
        EXTPROC = 0o200000,
    }
}

abi_consts! {
    /// Arguments of `TCXONC`, `TCFLSH` and `tcsetattr`'s actions.
    table TC_ARGS: i32 {
        /// TCXONC: suspend output.
        TCOOFF = 0,
        /// TCXONC: restart output.
        TCOON = 1,
        /// TCXONC: send STOP.
        TCIOFF = 2,
        /// TCXONC: send START.
        TCION = 3,
        /// TCFLSH: flush input.
        TCIFLUSH = 0,
        /// TCFLSH: flush output.
        TCOFLUSH = 1,
        /// TCFLSH: flush both.
        TCIOFLUSH = 2,
        /// tcsetattr: now (`TCSETS`).
        TCSANOW = 0,
        /// tcsetattr: after draining output (`TCSETSW`).
        TCSADRAIN = 1,
        /// tcsetattr: after draining, flushing input (`TCSETSF`).
        TCSAFLUSH = 2,
    }
}

/// The `_IOC` direction "none".
pub const IOC_NONE: u32 = 0;
/// The `_IOC` direction "write" (user → kernel).
pub const IOC_WRITE: u32 = 1;
/// The `_IOC` direction "read" (kernel → user).
pub const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)`.
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    (dir << 30) | ((size as u32 & 0x3fff) << 16) | ((ty as u32) << 8) | nr as u32
}

/// `_IO(type, nr)`.
pub const fn io(ty: u8, nr: u8) -> u32 {
    ioc(IOC_NONE, ty, nr, 0)
}

/// `_IOR(type, nr, size)`.
pub const fn ior(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ, ty, nr, size)
}

/// `_IOW(type, nr, size)`.
pub const fn iow(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_WRITE, ty, nr, size)
}

/// `_IOWR(type, nr, size)`.
pub const fn iowr(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size)
}

/// `_IOC_DIR(cmd)`.
pub const fn ioc_dir(cmd: u32) -> u32 {
    cmd >> 30
}

/// `_IOC_SIZE(cmd)`.
pub const fn ioc_size(cmd: u32) -> usize {
    ((cmd >> 16) & 0x3fff) as usize
}

/// `_IOC_TYPE(cmd)`.
pub const fn ioc_type(cmd: u32) -> u8 {
    (cmd >> 8) as u8
}

/// `_IOC_NR(cmd)`.
pub const fn ioc_nr(cmd: u32) -> u8 {
    cmd as u8
}

const T: u8 = b'T';

abi_consts! {
    /// tty and generic file ioctl numbers (`asm-generic/ioctls.h`).
    table IOCTLS: u32 {
        /// Get `struct termios`.
        TCGETS = 0x5401,
        /// Set `struct termios` now.
        TCSETS = 0x5402,
        /// Set after draining output.
        TCSETSW = 0x5403,
        /// Set after draining output and flushing input.
        TCSETSF = 0x5404,
        /// Get `struct termio` (old).
        TCGETA = 0x5405,
        /// Set `struct termio`.
        TCSETA = 0x5406,
        /// Set `struct termio` after drain.
        TCSETAW = 0x5407,
        /// Set `struct termio` after drain and flush.
        TCSETAF = 0x5408,
        /// Send break / drain (tcdrain when arg != 0).
        TCSBRK = 0x5409,
        /// Flow control (`TCOOFF` ...).
        TCXONC = 0x540A,
        /// Flush (`TCIFLUSH` ...).
        TCFLSH = 0x540B,
        /// Exclusive mode on.
        TIOCEXCL = 0x540C,
        /// Exclusive mode off.
        TIOCNXCL = 0x540D,
        /// Make this the controlling terminal.
        TIOCSCTTY = 0x540E,
        /// Get the foreground process group.
        TIOCGPGRP = 0x540F,
        /// Set the foreground process group.
        TIOCSPGRP = 0x5410,
        /// Bytes in the output queue.
        TIOCOUTQ = 0x5411,
        /// Fake input.
        TIOCSTI = 0x5412,
        /// Get the window size.
        TIOCGWINSZ = 0x5413,
        /// Set the window size (sends SIGWINCH).
        TIOCSWINSZ = 0x5414,
        /// Get modem bits.
        TIOCMGET = 0x5415,
        /// Set modem bits.
        TIOCMBIS = 0x5416,
        /// Clear modem bits.
        TIOCMBIC = 0x5417,
        /// Set all modem bits.
        TIOCMSET = 0x5418,
        /// Get software carrier.
        TIOCGSOFTCAR = 0x5419,
        /// Set software carrier.
        TIOCSSOFTCAR = 0x541A,
        /// Bytes available to read.
        FIONREAD = 0x541B,
        /// Same as `FIONREAD`.
        TIOCINQ = 0x541B,
        /// Linux console subcommands.
        TIOCLINUX = 0x541C,
        /// Redirect console output.
        TIOCCONS = 0x541D,
        /// Get serial info.
        TIOCGSERIAL = 0x541E,
        /// Set serial info.
        TIOCSSERIAL = 0x541F,
        /// Packet mode.
        TIOCPKT = 0x5420,
        /// Set/clear non-blocking I/O.
        FIONBIO = 0x5421,
        /// Give up the controlling terminal.
        TIOCNOTTY = 0x5422,
        /// Set the line discipline.
        TIOCSETD = 0x5423,
        /// Get the line discipline.
        TIOCGETD = 0x5424,
        /// POSIX tcsendbreak.
        TCSBRKP = 0x5425,
        /// Start break.
        TIOCSBRK = 0x5427,
        /// Stop break.
        TIOCCBRK = 0x5428,
        /// Get the session id.
        TIOCGSID = 0x5429,
        /// Get `struct termios2`.
        TCGETS2 = ior(T, 0x2A, 44),
        /// Set `struct termios2`.
        TCSETS2 = iow(T, 0x2B, 44),
        /// Set `struct termios2` after drain.
        TCSETSW2 = iow(T, 0x2C, 44),
        /// Set `struct termios2` after drain and flush.
        TCSETSF2 = iow(T, 0x2D, 44),
        /// Get RS-485 settings.
        TIOCGRS485 = 0x542E,
        /// Set RS-485 settings.
        TIOCSRS485 = 0x542F,
        /// Get the pty number (`/dev/pts/N`).
        TIOCGPTN = ior(T, 0x30, 4),
        /// Lock/unlock the pty slave.
        TIOCSPTLCK = iow(T, 0x31, 4),
        /// Get the device number.
        TIOCGDEV = ior(T, 0x32, 4),
        /// Get `struct termiox`.
        TCGETX = 0x5432,
        /// Set `struct termiox`.
        TCSETX = 0x5433,
        /// Set `struct termiox` after flush.
        TCSETXF = 0x5434,
        /// Set `struct termiox` after drain.
        TCSETXW = 0x5435,
        /// pty master: send a signal to the slave's foreground group.
        TIOCSIG = iow(T, 0x36, 4),
        /// Hang up the tty.
        TIOCVHANGUP = 0x5437,
        /// Get packet mode.
        TIOCGPKT = ior(T, 0x38, 4),
        /// Get the pty lock state.
        TIOCGPTLCK = ior(T, 0x39, 4),
        /// Get exclusive mode.
        TIOCGEXCL = ior(T, 0x40, 4),
        /// Open the pty slave from the master.
        TIOCGPTPEER = io(T, 0x41),
        /// Get ISO 7816 smart-card settings (`struct serial_iso7816`, 40
        /// bytes).
        TIOCGISO7816 = ior(T, 0x42, 40),
        /// Set ISO 7816 smart-card settings.
        TIOCSISO7816 = iowr(T, 0x43, 40),
        /// Clear close-on-exec.
        FIONCLEX = 0x5450,
        /// Set close-on-exec.
        FIOCLEX = 0x5451,
        /// Set/clear async I/O.
        FIOASYNC = 0x5452,
        /// Serial config.
        TIOCSERCONFIG = 0x5453,
        /// Serial: get wild.
        TIOCSERGWILD = 0x5454,
        /// Serial: set wild.
        TIOCSERSWILD = 0x5455,
        /// Get locked termios.
        TIOCGLCKTRMIOS = 0x5456,
        /// Set locked termios.
        TIOCSLCKTRMIOS = 0x5457,
        /// Serial: get multiport config.
        TIOCSERGSTRUCT = 0x5458,
        /// Serial: line status.
        TIOCSERGETLSR = 0x5459,
        /// Serial: get multiport config.
        TIOCSERGETMULTI = 0x545A,
        /// Serial: set multiport config.
        TIOCSERSETMULTI = 0x545B,
        /// Wait for modem status change.
        TIOCMIWAIT = 0x545C,
        /// Get interrupt counts.
        TIOCGICOUNT = 0x545D,
        /// Size of a file or directory (`loff_t`).
        FIOQSIZE = 0x5460,
        /// `TIOCSERGETLSR` result bit: transmitter empty.
        TIOCSER_TEMT = 0x01,
    }
}

abi_consts! {
    /// `TIOCPKT` packet-mode status bytes.
    table TIOCPKT_BITS: u8 {
        /// Data packet.
        TIOCPKT_DATA = 0,
        /// Read queue flushed.
        TIOCPKT_FLUSHREAD = 1,
        /// Write queue flushed.
        TIOCPKT_FLUSHWRITE = 2,
        /// Output stopped.
        TIOCPKT_STOP = 4,
        /// Output restarted.
        TIOCPKT_START = 8,
        /// Not using ^S/^Q.
        TIOCPKT_NOSTOP = 16,
        /// Using ^S/^Q.
        TIOCPKT_DOSTOP = 32,
        /// termios changed (EXTPROC).
        TIOCPKT_IOCTL = 64,
    }
}

impl Termios {
    /// The settings of a freshly opened Linux tty (`tty_std_termios`):
    /// `ICRNL | IXON`, `OPOST | ONLCR`, `B38400 | CS8 | CREAD | HUPCL`,
    /// `ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN`,
    /// and the usual control characters (`^C ^\ DEL ^U ^D ... `).
    pub const fn linux_default() -> Termios {
        let mut c_cc = [0u8; NCCS];
        c_cc[VINTR] = 0o003;
        c_cc[VQUIT] = 0o034;
        c_cc[VERASE] = 0o177;
        c_cc[VKILL] = 0o025;
        c_cc[VEOF] = 0o004;
        c_cc[VTIME] = 0;
        c_cc[VMIN] = 1;
        c_cc[VSWTC] = 0;
        c_cc[VSTART] = 0o021;
        c_cc[VSTOP] = 0o023;
        c_cc[VSUSP] = 0o032;
        c_cc[VEOL] = 0;
        c_cc[VREPRINT] = 0o022;
        c_cc[VDISCARD] = 0o017;
        c_cc[VWERASE] = 0o027;
        c_cc[VLNEXT] = 0o026;
        c_cc[VEOL2] = 0;
        Termios {
            c_iflag: ICRNL | IXON,
            c_oflag: OPOST | ONLCR,
            c_cflag: B38400 | CS8 | CREAD | HUPCL,
            c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            c_line: 0,
            c_cc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes() {
        assert_eq!(size_of::<Termios>(), 36);
        assert_eq!(size_of::<Termios2>(), 44);
        assert_eq!(size_of::<WinSize>(), 8);
        assert_eq!(offset_of!(Termios, c_line), 16);
        assert_eq!(offset_of!(Termios, c_cc), 17);
        assert_eq!(offset_of!(Termios2, c_ispeed), 36);
    }

    #[test]
    fn ioctl_encoding() {
        assert_eq!(TIOCGPTN, 0x8004_5430);
        assert_eq!(TIOCSPTLCK, 0x4004_5431);
        assert_eq!(TCGETS2, 0x802C_542A);
        assert_eq!(TCSETS2, 0x402C_542B);
        assert_eq!(TIOCGPTPEER, 0x5441);
        assert_eq!(ioc_dir(TIOCGPTN), IOC_READ);
        assert_eq!(ioc_size(TCGETS2), size_of::<Termios2>());
        assert_eq!(ioc_type(TIOCGPTN), b'T');
        assert_eq!(ioc_nr(TIOCGPTN), 0x30);
        assert_eq!(iowr(b'f', 1, 8), 0xC008_6601);
    }

    #[test]
    fn default_termios() {
        let t = Termios::linux_default();
        assert_eq!(t.c_iflag, 0o2400);
        assert_eq!(t.c_oflag, 0o5);
        assert_eq!(t.c_cflag, 0o2277);
        assert_eq!(t.c_lflag, 0o105073);
        assert_eq!(t.c_cc[VMIN], 1);
    }
}
