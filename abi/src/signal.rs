//! Signals: numbers and names, [`SigSet`], the kernel `struct sigaction`
//! ([`SigAction`], [`SaFlags`]), `stack_t` ([`StackT`]), `siginfo_t`
//! ([`SigInfo`] and the `si_code` values), and the x86_64 signal frame:
//! [`SigContext`], [`UContext`], [`FpState`], [`RtSigFrame`] and the
//! placement rule [`rt_sigframe_layout`].
//!
//! # The x86_64 `rt_sigframe`
//!
//! Linux delivers a signal to a handler by building, on the user stack:
//!
//! ```text
//!   higher addresses
//!   ┌───────────────────────────────┐ ← sp: user rsp − 128 (red zone), or
//!   │                               │        ss_sp + ss_size on the altstack
//!   │ (padding to 64 bytes)         │
//!   ├───────────────────────────────┤ ← fpstate: 64-byte aligned
//!   │ FXSAVE/XSAVE area (512+ bytes)│   (sigcontext.fpstate points here;
//!   │ + FP_XSTATE_MAGIC2 (4 bytes)  │    UC_FP_XSTATE in uc_flags if XSAVE)
//!   ├───────────────────────────────┤
//!   │ (padding)                     │
//!   │ struct siginfo   (128 bytes)  │ ← frame + 312   (rsi)
//!   │ struct ucontext  (304 bytes)  │ ← frame + 8     (rdx)
//!   │ pretcode = sa_restorer        │ ← frame = rsp at handler entry,
//!   └───────────────────────────────┘   frame % 16 == 8 (like after a call)
//! ```
//!
//! The handler runs with `rdi = signo`, `rsi = &frame.info`,
//! `rdx = &frame.uc`, `rax = 0`, `rip = sa_handler`; returning pops
//! `pretcode` and jumps to the restorer, which calls `rt_sigreturn(2)`,
//! which reads the `ucontext` back at `rsp - 8`.
//!
//! The FXSAVE area's bytes 464..512 (`sw_reserved`) hold an
//! [`FpxSwBytes`] whose `magic1` is [`FP_XSTATE_MAGIC1`] when an XSAVE area
//! follows; the 4 bytes after the XSAVE area hold [`FP_XSTATE_MAGIC2`].

use bitflags::bitflags;
use bytemuck::{Pod, Zeroable};
use core::fmt;

abi_consts! {
    /// Signal numbers.
    table SIGNALS: u32 {
        /// Hangup.
        SIGHUP = 1,
        /// Interrupt from keyboard.
        SIGINT = 2,
        /// Quit from keyboard.
        SIGQUIT = 3,
        /// Illegal instruction.
        SIGILL = 4,
        /// Trace/breakpoint trap.
        SIGTRAP = 5,
        /// Abort.
        SIGABRT = 6,
        /// Alias of `SIGABRT`.
        SIGIOT = 6,
        /// Bus error.
        SIGBUS = 7,
        /// Floating-point exception.
        SIGFPE = 8,
        /// Kill (cannot be caught or blocked).
        SIGKILL = 9,
        /// User-defined signal 1.
        SIGUSR1 = 10,
        /// Invalid memory reference.
        SIGSEGV = 11,
        /// User-defined signal 2.
        SIGUSR2 = 12,
        /// Broken pipe.
        SIGPIPE = 13,
        /// Timer signal from alarm(2).
        SIGALRM = 14,
        /// Termination.
        SIGTERM = 15,
        /// Stack fault on coprocessor (unused).
        SIGSTKFLT = 16,
        /// Child stopped or terminated.
        SIGCHLD = 17,
        /// Continue if stopped.
        SIGCONT = 18,
        /// Stop process (cannot be caught or blocked).
        SIGSTOP = 19,
        /// Stop typed at terminal.
        SIGTSTP = 20,
        /// Terminal input for background process.
        SIGTTIN = 21,
        /// Terminal output for background process.
        SIGTTOU = 22,
        /// Urgent condition on socket.
        SIGURG = 23,
        /// CPU time limit exceeded.
        SIGXCPU = 24,
        /// File size limit exceeded.
        SIGXFSZ = 25,
        /// Virtual alarm clock.
        SIGVTALRM = 26,
        /// Profiling timer expired.
        SIGPROF = 27,
        /// Window resize.
        SIGWINCH = 28,
        /// I/O now possible.
        SIGIO = 29,
        /// Alias of `SIGIO`.
        SIGPOLL = 29,
        /// Power failure.
        SIGPWR = 30,
        /// Bad system call.
        SIGSYS = 31,
        /// Old alias of `SIGSYS`.
        SIGUNUSED = 31,
        /// First real-time signal, as the kernel sees it (libcs reserve a few).
        SIGRTMIN = 32,
        /// Last real-time signal.
        SIGRTMAX = 64,
    }
}

/// Number of signals (the kernel's `_NSIG`); valid signals are `1..=NSIG`.
pub const NSIG: u32 = 64;

abi_consts! {
    /// `sa_handler` special values.
    table SIG_HANDLERS: u64 {
        /// Default action.
        SIG_DFL = 0,
        /// Ignore the signal.
        SIG_IGN = 1,
        /// Error return of `signal()` (`(void (*)(int))-1`), never a valid
        /// handler.
        SIG_ERR = !0,
    }
}

abi_consts! {
    /// `how` argument of `rt_sigprocmask`.
    table SIGPROCMASK_HOW: i32 {
        /// Add to the mask.
        SIG_BLOCK = 0,
        /// Remove from the mask.
        SIG_UNBLOCK = 1,
        /// Replace the mask.
        SIG_SETMASK = 2,
    }
}

abi_consts! {
    /// `ss_flags` of `stack_t`.
    table SS_FLAGS: i32 {
        /// Currently executing on the alternate stack.
        SS_ONSTACK = 1,
        /// Alternate stack disabled.
        SS_DISABLE = 2,
        /// Disarm the altstack while a handler runs on it.
        SS_AUTODISARM = 1 << 31,
    }
}

abi_consts! {
    /// Alternate signal stack sizes.
    table SIGSTACK_SIZES: usize {
        /// Minimum alternate stack size (`sigaltstack` fails with `ENOMEM`
        /// below it).
        MINSIGSTKSZ = 2048,
        /// Default alternate stack size.
        SIGSTKSZ = 8192,
    }
}

/// `SS_*` bits that `sigaltstack` accepts in `ss_flags` besides the mode.
pub const SS_FLAG_BITS: i32 = SS_AUTODISARM;

// --------------------------------------------------------------------------
// Names and default actions
// --------------------------------------------------------------------------

const SIGNAL_NAMES: [&str; 64] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
    "SIGRTMIN",
    "SIGRTMIN+1",
    "SIGRTMIN+2",
    "SIGRTMIN+3",
    "SIGRTMIN+4",
    "SIGRTMIN+5",
    "SIGRTMIN+6",
    "SIGRTMIN+7",
    "SIGRTMIN+8",
    "SIGRTMIN+9",
    "SIGRTMIN+10",
    "SIGRTMIN+11",
    "SIGRTMIN+12",
    "SIGRTMIN+13",
    "SIGRTMIN+14",
    "SIGRTMIN+15",
    "SIGRTMIN+16",
    "SIGRTMIN+17",
    "SIGRTMIN+18",
    "SIGRTMIN+19",
    "SIGRTMIN+20",
    "SIGRTMIN+21",
    "SIGRTMIN+22",
    "SIGRTMIN+23",
    "SIGRTMIN+24",
    "SIGRTMIN+25",
    "SIGRTMIN+26",
    "SIGRTMIN+27",
    "SIGRTMIN+28",
    "SIGRTMIN+29",
    "SIGRTMIN+30",
    "SIGRTMIN+31",
    "SIGRTMAX",
];

/// The name of signal `sig` (`"SIGSEGV"`, `"SIGRTMIN+3"`, `"SIGRTMAX"`), or
/// `None` outside `1..=64`.
pub const fn signal_name(sig: u32) -> Option<&'static str> {
    if sig >= 1 && sig <= NSIG { Some(SIGNAL_NAMES[(sig - 1) as usize]) } else { None }
}

/// True if `sig` is a valid signal number (`1..=64`).
pub const fn valid_signal(sig: u32) -> bool {
    sig >= 1 && sig <= NSIG
}

/// True for the real-time signals (`SIGRTMIN..=SIGRTMAX`), which queue.
pub const fn is_realtime(sig: u32) -> bool {
    sig >= SIGRTMIN && sig <= SIGRTMAX
}

/// What `SIG_DFL` does for a signal (signal(7)).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    /// Terminate the process.
    Term,
    /// Terminate the process and dump core.
    Core,
    /// Ignore the signal.
    Ign,
    /// Stop the process.
    Stop,
    /// Continue the process if stopped.
    Cont,
}

/// The default action of `sig`; real-time and unknown signals terminate.
pub const fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            DefaultAction::Core
        }
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ign,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGCONT => DefaultAction::Cont,
        _ => DefaultAction::Term,
    }
}

// --------------------------------------------------------------------------
// SigSet
// --------------------------------------------------------------------------

/// A signal set (`sigset_t` as the kernel sees it: 64 bits, bit `n - 1`
/// for signal `n`).
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash, Pod, Zeroable)]
#[repr(transparent)]
pub struct SigSet(pub u64);

/// Size in bytes of the kernel `sigset_t` (the `sigsetsize` argument of the
/// `rt_sig*` syscalls must equal this).
pub const SIGSET_SIZE: usize = 8;

impl SigSet {
    /// No signal.
    pub const EMPTY: SigSet = SigSet(0);
    /// All 64 signals.
    pub const FULL: SigSet = SigSet(!0);
    /// `SIGKILL` and `SIGSTOP`, which can be neither blocked nor caught.
    pub const UNBLOCKABLE: SigSet = SigSet::EMPTY.with(SIGKILL).with(SIGSTOP);
    /// Signals whose default action is to stop (`SIGSTOP`, `SIGTSTP`,
    /// `SIGTTIN`, `SIGTTOU`).
    pub const STOP_SIGNALS: SigSet = SigSet::EMPTY.with(SIGSTOP).with(SIGTSTP).with(SIGTTIN).with(SIGTTOU);
    /// Synchronous (fault) signals, delivered first (`SIGSEGV`, `SIGBUS`,
    /// `SIGILL`, `SIGTRAP`, `SIGFPE`, `SIGSYS`).
    pub const SYNCHRONOUS: SigSet =
        SigSet::EMPTY.with(SIGSEGV).with(SIGBUS).with(SIGILL).with(SIGTRAP).with(SIGFPE).with(SIGSYS);

    /// The empty set.
    pub const fn empty() -> SigSet {
        SigSet::EMPTY
    }

    /// The set with exactly `sig` (empty if `sig` is invalid).
    pub const fn single(sig: u32) -> SigSet {
        SigSet::EMPTY.with(sig)
    }

    /// The raw 64-bit mask.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// From a raw mask.
    pub const fn from_bits(bits: u64) -> SigSet {
        SigSet(bits)
    }

    const fn bit(sig: u32) -> u64 {
        if valid_signal(sig) { 1 << (sig - 1) } else { 0 }
    }

    /// True if `sig` is in the set (false for invalid numbers).
    pub const fn contains(self, sig: u32) -> bool {
        self.0 & SigSet::bit(sig) != 0
    }

    /// Adds `sig` (ignored if invalid).
    pub fn add(&mut self, sig: u32) {
        self.0 |= SigSet::bit(sig);
    }

    /// Removes `sig`.
    pub fn remove(&mut self, sig: u32) {
        self.0 &= !SigSet::bit(sig);
    }

    /// A copy with `sig` added.
    pub const fn with(self, sig: u32) -> SigSet {
        SigSet(self.0 | SigSet::bit(sig))
    }

    /// A copy with `sig` removed.
    pub const fn without(self, sig: u32) -> SigSet {
        SigSet(self.0 & !SigSet::bit(sig))
    }

    /// True if no signal is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of signals in the set.
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// Union.
    pub const fn union(self, other: SigSet) -> SigSet {
        SigSet(self.0 | other.0)
    }

    /// Intersection.
    pub const fn intersection(self, other: SigSet) -> SigSet {
        SigSet(self.0 & other.0)
    }

    /// Signals in `self` but not in `other`.
    pub const fn difference(self, other: SigSet) -> SigSet {
        SigSet(self.0 & !other.0)
    }

    /// Complement.
    pub const fn complement(self) -> SigSet {
        SigSet(!self.0)
    }

    /// The set minus `SIGKILL` and `SIGSTOP`: what a blocked mask may hold.
    pub const fn blockable(self) -> SigSet {
        self.difference(SigSet::UNBLOCKABLE)
    }

    /// The lowest-numbered signal in the set.
    pub const fn lowest(self) -> Option<u32> {
        if self.0 == 0 { None } else { Some(self.0.trailing_zeros() + 1) }
    }

    /// The next signal to deliver from a pending set: synchronous signals
    /// first, then the lowest number (Linux's `next_signal`).
    pub const fn next_to_deliver(self) -> Option<u32> {
        let sync = self.intersection(SigSet::SYNCHRONOUS);
        if !sync.is_empty() { sync.lowest() } else { self.lowest() }
    }

    /// Iterates the signal numbers in the set, ascending.
    pub fn iter(self) -> SigSetIter {
        SigSetIter(self.0)
    }
}

/// Iterator over the signals of a [`SigSet`], ascending.
#[derive(Clone, Debug)]
pub struct SigSetIter(u64);

impl Iterator for SigSetIter {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.0 == 0 {
            return None;
        }
        let sig = self.0.trailing_zeros() + 1;
        self.0 &= self.0 - 1;
        Some(sig)
    }
}

impl IntoIterator for SigSet {
    type Item = u32;
    type IntoIter = SigSetIter;

    fn into_iter(self) -> SigSetIter {
        self.iter()
    }
}

impl FromIterator<u32> for SigSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> SigSet {
        let mut s = SigSet::EMPTY;
        for sig in iter {
            s.add(sig);
        }
        s
    }
}

impl core::ops::BitOr for SigSet {
    type Output = SigSet;
    fn bitor(self, rhs: SigSet) -> SigSet {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for SigSet {
    fn bitor_assign(&mut self, rhs: SigSet) {
        self.0 |= rhs.0;
    }
}

impl core::ops::BitAnd for SigSet {
    type Output = SigSet;
    fn bitand(self, rhs: SigSet) -> SigSet {
        self.intersection(rhs)
    }
}

impl core::ops::BitAndAssign for SigSet {
    fn bitand_assign(&mut self, rhs: SigSet) {
        self.0 &= rhs.0;
    }
}

impl core::ops::Not for SigSet {
    type Output = SigSet;
    fn not(self) -> SigSet {
        self.complement()
    }
}

impl fmt::Debug for SigSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|s| signal_name(s).unwrap_or("?"))).finish()
    }
}

// --------------------------------------------------------------------------
// sigaction
// --------------------------------------------------------------------------

bitflags! {
    /// `sa_flags` of `struct sigaction`.
    ///
    /// Linux ignores unknown bits here (and reports them via
    /// `SA_UNSUPPORTED`), so use `from_bits_truncate`.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SaFlags: u64 {
        /// Don't send `SIGCHLD` when children stop.
        const SA_NOCLDSTOP = 0x0000_0001;
        /// Don't create zombies on child exit.
        const SA_NOCLDWAIT = 0x0000_0002;
        /// Three-argument handler with `siginfo_t`.
        const SA_SIGINFO = 0x0000_0004;
        /// Probe bit: the kernel clears it to show it checks flag support.
        const SA_UNSUPPORTED = 0x0000_0400;
        /// Keep tag bits in `si_addr` (arm64).
        const SA_EXPOSE_TAGBITS = 0x0000_0800;
        /// `sa_restorer` is valid (always set by libcs on x86_64).
        const SA_RESTORER = 0x0400_0000;
        /// Run the handler on the alternate stack.
        const SA_ONSTACK = 0x0800_0000;
        /// Restart interrupted syscalls.
        const SA_RESTART = 0x1000_0000;
        /// Don't block the signal while its handler runs.
        const SA_NODEFER = 0x4000_0000;
        /// Reset to `SIG_DFL` on delivery.
        const SA_RESETHAND = 0x8000_0000;
        /// Old name of `SA_NODEFER`.
        const SA_NOMASK = Self::SA_NODEFER.bits();
        /// Old name of `SA_RESETHAND`.
        const SA_ONESHOT = Self::SA_RESETHAND.bits();
    }
}

/// The kernel `struct sigaction` passed to `rt_sigaction` on x86_64
/// (not glibc's): handler, flags, restorer, mask — 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct SigAction {
    /// `sa_handler` / `sa_sigaction`, or [`SIG_DFL`] / [`SIG_IGN`].
    pub handler: u64,
    /// `sa_flags` ([`SaFlags`] bits).
    pub flags: u64,
    /// `sa_restorer`: the code that calls `rt_sigreturn`.
    pub restorer: u64,
    /// `sa_mask`: signals blocked while the handler runs.
    pub mask: SigSet,
}

impl SigAction {
    /// The `SIG_DFL` disposition.
    pub const DEFAULT: SigAction = SigAction { handler: SIG_DFL, flags: 0, restorer: 0, mask: SigSet::EMPTY };

    /// The flags, ignoring unknown bits.
    pub const fn sa_flags(&self) -> SaFlags {
        SaFlags::from_bits_truncate(self.flags)
    }

    /// True if the handler is `SIG_DFL`.
    pub const fn is_default(&self) -> bool {
        self.handler == SIG_DFL
    }

    /// True if the handler is `SIG_IGN`.
    pub const fn is_ignore(&self) -> bool {
        self.handler == SIG_IGN
    }
}

/// `stack_t`, the `sigaltstack` descriptor (24 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct StackT {
    /// Base of the stack.
    pub ss_sp: u64,
    /// [`SS_ONSTACK`], [`SS_DISABLE`], [`SS_AUTODISARM`].
    pub ss_flags: i32,
    /// Padding.
    pub _pad: i32,
    /// Size of the stack.
    pub ss_size: u64,
}

// --------------------------------------------------------------------------
// siginfo
// --------------------------------------------------------------------------

abi_consts! {
    /// `si_code` values.
    table SI_CODES: i32 {
        /// Sent by kill(2) / raise.
        SI_USER = 0,
        /// Sent by the kernel.
        SI_KERNEL = 0x80,
        /// Sent by sigqueue.
        SI_QUEUE = -1,
        /// POSIX timer expiry.
        SI_TIMER = -2,
        /// POSIX message queue state change.
        SI_MESGQ = -3,
        /// AIO completion.
        SI_ASYNCIO = -4,
        /// Queued SIGIO.
        SI_SIGIO = -5,
        /// Sent by tkill / tgkill.
        SI_TKILL = -6,
        /// Sent by execve killing subsidiary threads.
        SI_DETHREAD = -7,
        /// Sent by glibc async name lookup completion.
        SI_ASYNCNL = -60,
        /// SIGILL: illegal opcode.
        ILL_ILLOPC = 1,
        /// SIGILL: illegal operand.
        ILL_ILLOPN = 2,
        /// SIGILL: illegal addressing mode.
        ILL_ILLADR = 3,
        /// SIGILL: illegal trap.
        ILL_ILLTRP = 4,
        /// SIGILL: privileged opcode.
        ILL_PRVOPC = 5,
        /// SIGILL: privileged register.
        ILL_PRVREG = 6,
        /// SIGILL: coprocessor error.
        ILL_COPROC = 7,
        /// SIGILL: internal stack error.
        ILL_BADSTK = 8,
        /// SIGILL: unimplemented instruction address.
        ILL_BADIADDR = 9,
        /// SIGFPE: integer divide by zero.
        FPE_INTDIV = 1,
        /// SIGFPE: integer overflow.
        FPE_INTOVF = 2,
        /// SIGFPE: floating-point divide by zero.
        FPE_FLTDIV = 3,
        /// SIGFPE: floating-point overflow.
        FPE_FLTOVF = 4,
        /// SIGFPE: floating-point underflow.
        FPE_FLTUND = 5,
        /// SIGFPE: floating-point inexact result.
        FPE_FLTRES = 6,
        /// SIGFPE: floating-point invalid operation.
        FPE_FLTINV = 7,
        /// SIGFPE: subscript out of range.
        FPE_FLTSUB = 8,
        /// SIGFPE: undiagnosed floating-point exception.
        FPE_FLTUNK = 14,
        /// SIGFPE: trap on condition.
        FPE_CONDTRAP = 15,
        /// SIGSEGV: address not mapped.
        SEGV_MAPERR = 1,
        /// SIGSEGV: invalid permissions for mapped object.
        SEGV_ACCERR = 2,
        /// SIGSEGV: failed address bound checks.
        SEGV_BNDERR = 3,
        /// SIGSEGV: failed protection key checks.
        SEGV_PKUERR = 4,
        /// SIGSEGV: ADI not enabled (sparc).
        SEGV_ACCADI = 5,
        /// SIGSEGV: disrupting MCD error (sparc).
        SEGV_ADIDERR = 6,
        /// SIGSEGV: precise MCD exception (sparc).
        SEGV_ADIPERR = 7,
        /// SIGSEGV: asynchronous MTE error (arm64).
        SEGV_MTEAERR = 8,
        /// SIGSEGV: synchronous MTE error (arm64).
        SEGV_MTESERR = 9,
        /// SIGSEGV: control protection (shadow stack) fault.
        SEGV_CPERR = 10,
        /// SIGBUS: invalid address alignment.
        BUS_ADRALN = 1,
        /// SIGBUS: non-existent physical address.
        BUS_ADRERR = 2,
        /// SIGBUS: object-specific hardware error.
        BUS_OBJERR = 3,
        /// SIGBUS: hardware memory error consumed on a machine check.
        BUS_MCEERR_AR = 4,
        /// SIGBUS: hardware memory error detected, action optional.
        BUS_MCEERR_AO = 5,
        /// SIGTRAP: process breakpoint.
        TRAP_BRKPT = 1,
        /// SIGTRAP: process trace trap.
        TRAP_TRACE = 2,
        /// SIGTRAP: process taken branch trap.
        TRAP_BRANCH = 3,
        /// SIGTRAP: hardware breakpoint/watchpoint.
        TRAP_HWBKPT = 4,
        /// SIGTRAP: undiagnosed trap.
        TRAP_UNK = 5,
        /// SIGTRAP: perf event with sigtrap=1.
        TRAP_PERF = 6,
        /// SIGCHLD: child has exited.
        CLD_EXITED = 1,
        /// SIGCHLD: child was killed.
        CLD_KILLED = 2,
        /// SIGCHLD: child terminated abnormally (core dump).
        CLD_DUMPED = 3,
        /// SIGCHLD: traced child has trapped.
        CLD_TRAPPED = 4,
        /// SIGCHLD: child has stopped.
        CLD_STOPPED = 5,
        /// SIGCHLD: stopped child has continued.
        CLD_CONTINUED = 6,
        /// SIGPOLL: data input available.
        POLL_IN = 1,
        /// SIGPOLL: output buffers available.
        POLL_OUT = 2,
        /// SIGPOLL: input message available.
        POLL_MSG = 3,
        /// SIGPOLL: I/O error.
        POLL_ERR = 4,
        /// SIGPOLL: high priority input available.
        POLL_PRI = 5,
        /// SIGPOLL: device disconnected.
        POLL_HUP = 6,
        /// SIGSYS: seccomp triggered.
        SYS_SECCOMP = 1,
        /// SIGSYS: syscall user dispatch triggered.
        SYS_USER_DISPATCH = 2,
    }
}

/// `siginfo_t`: 128 bytes. The first three ints are common; the union at
/// offset 16 is stored as `fields` and read through the accessors, whose
/// offsets follow `asm-generic/siginfo.h` on x86_64:
///
/// | layout          | @16        | @20       | @24          | @32    | @40   |
/// |-----------------|------------|-----------|--------------|--------|-------|
/// | kill            | pid        | uid       |              |        |       |
/// | timer           | tid        | overrun   | value (u64)  |        |       |
/// | rt / queue      | pid        | uid       | value (u64)  |        |       |
/// | sigchld         | pid        | uid       | status (i32) | utime  | stime |
/// | fault           | addr (u64) |           | addr_lsb etc.|        |       |
/// | poll            | band (i64) |           | fd (i32)     |        |       |
/// | sys (seccomp)   | call_addr  |           | syscall, arch|        |       |
#[derive(Clone, Copy, PartialEq, Eq, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct SigInfo {
    /// `si_signo`.
    pub signo: i32,
    /// `si_errno`.
    pub errno: i32,
    /// `si_code` (`SI_*`, `CLD_*`, `SEGV_*`, …).
    pub code: i32,
    /// Padding before the 8-byte-aligned union.
    pub _pad: i32,
    /// The union `_sifields` (112 bytes).
    pub fields: [u64; 14],
}

/// Size of `siginfo_t`.
pub const SI_MAX_SIZE: usize = 128;

/// Offsets (from the start of `siginfo_t`) of the union members.
pub mod si_offset {
    /// `si_pid` (kill, rt, sigchld).
    pub const PID: usize = 16;
    /// `si_uid` (kill, rt, sigchld).
    pub const UID: usize = 20;
    /// `si_status` (sigchld).
    pub const STATUS: usize = 24;
    /// `si_utime` (sigchld).
    pub const UTIME: usize = 32;
    /// `si_stime` (sigchld).
    pub const STIME: usize = 40;
    /// `si_value` (rt, timer).
    pub const VALUE: usize = 24;
    /// `si_timerid` (timer).
    pub const TIMERID: usize = 16;
    /// `si_overrun` (timer).
    pub const OVERRUN: usize = 20;
    /// `si_addr` (fault).
    pub const ADDR: usize = 16;
    /// `si_addr_lsb` (fault, BUS_MCEERR_*).
    pub const ADDR_LSB: usize = 24;
    /// `si_pkey` (fault, SEGV_PKUERR).
    pub const PKEY: usize = 32;
    /// `si_band` (poll).
    pub const BAND: usize = 16;
    /// `si_fd` (poll).
    pub const FD: usize = 24;
    /// `si_call_addr` (sys).
    pub const CALL_ADDR: usize = 16;
    /// `si_syscall` (sys).
    pub const SYSCALL: usize = 24;
    /// `si_arch` (sys).
    pub const ARCH: usize = 28;
}

impl Default for SigInfo {
    fn default() -> SigInfo {
        SigInfo::zeroed()
    }
}

impl SigInfo {
    /// A siginfo with the common header set and a zero union.
    pub fn new(signo: u32, code: i32) -> SigInfo {
        SigInfo { signo: signo as i32, code, ..SigInfo::zeroed() }
    }

    fn union_bytes(&self) -> &[u8] {
        bytemuck::bytes_of(&self.fields)
    }

    fn union_bytes_mut(&mut self) -> &mut [u8] {
        bytemuck::bytes_of_mut(&mut self.fields)
    }

    /// Reads the `u32` at byte `off` of the siginfo (`16 <= off <= 124`).
    pub fn read_u32(&self, off: usize) -> u32 {
        let o = off - 16;
        bytemuck::pod_read_unaligned(&self.union_bytes()[o..o + 4])
    }

    /// Reads the `u64` at byte `off` of the siginfo (`16 <= off <= 120`).
    pub fn read_u64(&self, off: usize) -> u64 {
        let o = off - 16;
        bytemuck::pod_read_unaligned(&self.union_bytes()[o..o + 8])
    }

    /// Writes the `u32` at byte `off` of the siginfo.
    pub fn write_u32(&mut self, off: usize, v: u32) {
        let o = off - 16;
        self.union_bytes_mut()[o..o + 4].copy_from_slice(&v.to_ne_bytes());
    }

    /// Writes the `u64` at byte `off` of the siginfo.
    pub fn write_u64(&mut self, off: usize, v: u64) {
        let o = off - 16;
        self.union_bytes_mut()[o..o + 8].copy_from_slice(&v.to_ne_bytes());
    }

    /// kill layout: a signal sent by a process (`code` is usually
    /// [`SI_USER`] or [`SI_TKILL`]).
    pub fn kill(signo: u32, code: i32, pid: u32, uid: u32) -> SigInfo {
        let mut s = SigInfo::new(signo, code);
        s.write_u32(si_offset::PID, pid);
        s.write_u32(si_offset::UID, uid);
        s
    }

    /// kill layout with [`SI_USER`] (kill(2)).
    pub fn user(signo: u32, pid: u32, uid: u32) -> SigInfo {
        SigInfo::kill(signo, SI_USER, pid, uid)
    }

    /// kill layout with [`SI_TKILL`] (tkill / tgkill).
    pub fn tkill(signo: u32, pid: u32, uid: u32) -> SigInfo {
        SigInfo::kill(signo, SI_TKILL, pid, uid)
    }

    /// A signal sent by the kernel itself ([`SI_KERNEL`], zero union).
    pub fn kernel(signo: u32) -> SigInfo {
        SigInfo::new(signo, SI_KERNEL)
    }

    /// rt layout: sigqueue / rt_sigqueueinfo (`code` usually
    /// [`SI_QUEUE`]), carrying `sigval` `value`.
    pub fn queue(signo: u32, code: i32, pid: u32, uid: u32, value: u64) -> SigInfo {
        let mut s = SigInfo::kill(signo, code, pid, uid);
        s.write_u64(si_offset::VALUE, value);
        s
    }

    /// sigchld layout (`SIGCHLD` with a `CLD_*` code). `status` is the
    /// exit code for `CLD_EXITED`, else the signal number; times are in
    /// clock ticks.
    pub fn chld(code: i32, pid: u32, uid: u32, status: i32, utime: i64, stime: i64) -> SigInfo {
        let mut s = SigInfo::kill(SIGCHLD, code, pid, uid);
        s.write_u32(si_offset::STATUS, status as u32);
        s.write_u64(si_offset::UTIME, utime as u64);
        s.write_u64(si_offset::STIME, stime as u64);
        s
    }

    /// fault layout (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, `SIGTRAP`).
    pub fn fault(signo: u32, code: i32, addr: u64) -> SigInfo {
        let mut s = SigInfo::new(signo, code);
        s.write_u64(si_offset::ADDR, addr);
        s
    }

    /// timer layout ([`SI_TIMER`]).
    pub fn timer(signo: u32, timerid: i32, overrun: i32, value: u64) -> SigInfo {
        let mut s = SigInfo::new(signo, SI_TIMER);
        s.write_u32(si_offset::TIMERID, timerid as u32);
        s.write_u32(si_offset::OVERRUN, overrun as u32);
        s.write_u64(si_offset::VALUE, value);
        s
    }

    /// poll layout (`SIGIO`/`SIGPOLL` with a `POLL_*` code).
    pub fn poll(signo: u32, code: i32, band: i64, fd: i32) -> SigInfo {
        let mut s = SigInfo::new(signo, code);
        s.write_u64(si_offset::BAND, band as u64);
        s.write_u32(si_offset::FD, fd as u32);
        s
    }

    /// sys layout (`SIGSYS` from seccomp / syscall user dispatch).
    pub fn sys(code: i32, call_addr: u64, syscall: i32, arch: u32) -> SigInfo {
        let mut s = SigInfo::new(SIGSYS, code);
        s.write_u64(si_offset::CALL_ADDR, call_addr);
        s.write_u32(si_offset::SYSCALL, syscall as u32);
        s.write_u32(si_offset::ARCH, arch);
        s
    }

    /// `si_pid`.
    pub fn pid(&self) -> u32 {
        self.read_u32(si_offset::PID)
    }

    /// `si_uid`.
    pub fn uid(&self) -> u32 {
        self.read_u32(si_offset::UID)
    }

    /// `si_status`.
    pub fn status(&self) -> i32 {
        self.read_u32(si_offset::STATUS) as i32
    }

    /// `si_utime`.
    pub fn utime(&self) -> i64 {
        self.read_u64(si_offset::UTIME) as i64
    }

    /// `si_stime`.
    pub fn stime(&self) -> i64 {
        self.read_u64(si_offset::STIME) as i64
    }

    /// `si_value` (`sival_ptr` / `sival_int` in its low half).
    pub fn value(&self) -> u64 {
        self.read_u64(si_offset::VALUE)
    }

    /// `si_addr`.
    pub fn addr(&self) -> u64 {
        self.read_u64(si_offset::ADDR)
    }

    /// `si_timerid`.
    pub fn timerid(&self) -> i32 {
        self.read_u32(si_offset::TIMERID) as i32
    }

    /// `si_overrun`.
    pub fn overrun(&self) -> i32 {
        self.read_u32(si_offset::OVERRUN) as i32
    }

    /// `si_band`.
    pub fn band(&self) -> i64 {
        self.read_u64(si_offset::BAND) as i64
    }

    /// `si_fd`.
    pub fn fd(&self) -> i32 {
        self.read_u32(si_offset::FD) as i32
    }

    /// `si_call_addr`.
    pub fn call_addr(&self) -> u64 {
        self.read_u64(si_offset::CALL_ADDR)
    }

    /// `si_syscall`.
    pub fn syscall(&self) -> i32 {
        self.read_u32(si_offset::SYSCALL) as i32
    }

    /// `si_arch`.
    pub fn arch(&self) -> u32 {
        self.read_u32(si_offset::ARCH)
    }
}

// --------------------------------------------------------------------------
// Signal frame
// --------------------------------------------------------------------------

/// x86_64 `struct sigcontext` (user-space spelling of
/// `asm/sigcontext.h`), 256 bytes: the registers saved in
/// `ucontext.uc_mcontext`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
#[allow(missing_docs)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    /// `ss`, called `__pad0` before Linux 4.6; restored only with
    /// `UC_SIGCONTEXT_SS` / `UC_STRICT_RESTORE_SS`.
    pub ss: u16,
    /// Page-fault error code (for `SIGSEGV`) or exception error code.
    pub err: u64,
    /// Exception vector number.
    pub trapno: u64,
    /// Low 64 bits of the blocked mask (legacy; same as `uc_sigmask`).
    pub oldmask: u64,
    /// Faulting address for page faults.
    pub cr2: u64,
    /// User pointer to the [`FpState`] area, or 0 (no FPU state saved).
    pub fpstate: u64,
    /// Reserved, zero.
    pub reserved1: [u64; 8],
}

/// `uc_flags`: the fpstate is an XSAVE area (with [`FpxSwBytes`] magic).
pub const UC_FP_XSTATE: u64 = 0x1;
/// `uc_flags`: `sigcontext.ss` holds the interrupted `ss`.
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
/// `uc_flags`: `rt_sigreturn` must restore `ss` exactly.
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// The kernel `struct ucontext` on x86_64, 304 bytes. The FPU state is not
/// inside: `uc_mcontext.fpstate` points at it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct UContext {
    /// `UC_*` flags.
    pub uc_flags: u64,
    /// Unused by the kernel (0).
    pub uc_link: u64,
    /// The `sigaltstack` settings at delivery.
    pub uc_stack: StackT,
    /// The saved registers.
    pub uc_mcontext: SigContext,
    /// The blocked mask to restore on `rt_sigreturn`.
    pub uc_sigmask: SigSet,
}

/// Linux's `struct rt_sigframe` on x86_64 (440 bytes); see the module docs
/// for where it goes and how the FPU state follows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct RtSigFrame {
    /// Return address of the handler: `sa_restorer`.
    pub pretcode: u64,
    /// The interrupted context.
    pub uc: UContext,
    /// The signal's info.
    pub info: SigInfo,
}

/// `size_of::<RtSigFrame>()`.
pub const RT_SIGFRAME_SIZE: usize = 440;
/// Offset of `uc` in the frame (handler's `rdx = frame + 8`).
pub const RT_SIGFRAME_UC_OFFSET: usize = 8;
/// Offset of `info` in the frame (handler's `rsi = frame + 312`).
pub const RT_SIGFRAME_INFO_OFFSET: usize = 312;

/// Bytes below the user `rsp` that a signal frame must skip (the x86_64
/// ABI red zone).
pub const SIGFRAME_REDZONE: u64 = 128;
/// Alignment of the FXSAVE/XSAVE area in the frame.
pub const FPSTATE_ALIGN: u64 = 64;
/// Size of the legacy FXSAVE area ([`FpState`]).
pub const FXSAVE_SIZE: usize = 512;
/// Offset of [`FpxSwBytes`] inside the FXSAVE area.
pub const FPX_SW_BYTES_OFFSET: usize = 464;
/// Size of the XSAVE header that follows the FXSAVE area.
pub const XSAVE_HDR_SIZE: usize = 64;
/// `FP_XSTATE_MAGIC1`, in [`FpxSwBytes::magic1`] ("FPXS").
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// `FP_XSTATE_MAGIC2`, the `u32` right after the XSAVE area ("FPXE").
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Size of the trailing `FP_XSTATE_MAGIC2`.
pub const FP_XSTATE_MAGIC2_SIZE: usize = 4;

/// `struct _fpx_sw_bytes` (48 bytes), stored in the FXSAVE area's
/// software-reserved bytes 464..512.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct FpxSwBytes {
    /// [`FP_XSTATE_MAGIC1`] if an XSAVE area follows, else 0.
    pub magic1: u32,
    /// Bytes from the start of the FXSAVE area to the end of
    /// `FP_XSTATE_MAGIC2` (XSAVE size + 4).
    pub extended_size: u32,
    /// XSAVE feature bits present in the area.
    pub xfeatures: u64,
    /// Size of the XSAVE area (without the magic).
    pub xstate_size: u32,
    /// Reserved.
    pub padding: [u32; 7],
}

/// The 512-byte FXSAVE area (`struct _fpstate_64`), the start of the
/// signal frame's FPU state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Pod, Zeroable)]
#[repr(C)]
#[allow(missing_docs)]
pub struct FpState {
    pub cwd: u16,
    pub swd: u16,
    /// Abridged tag word (FXSAVE format).
    pub twd: u16,
    pub fop: u16,
    pub rip: u64,
    pub rdp: u64,
    pub mxcsr: u32,
    pub mxcsr_mask: u32,
    /// 8 x87 registers, 16 bytes each.
    pub st_space: [u32; 32],
    /// 16 XMM registers, 16 bytes each.
    pub xmm_space: [u32; 64],
    pub reserved2: [u32; 12],
    /// Software-reserved bytes: the XSAVE description.
    pub sw_reserved: FpxSwBytes,
}

impl Default for FpState {
    fn default() -> FpState {
        FpState::zeroed()
    }
}

/// The XSAVE header (64 bytes) at offset 512 of an XSAVE area.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct XStateHeader {
    /// `XSTATE_BV`: components present.
    pub xfeatures: u64,
    /// `XCOMP_BV`: 0 in the standard (user) format.
    pub xcomp_bv: u64,
    /// Reserved, zero.
    pub reserved: [u64; 6],
}

/// Where a signal frame goes; see [`rt_sigframe_layout`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SigFrameLayout {
    /// Address of the [`RtSigFrame`]; the handler's `rsp`.
    pub frame: u64,
    /// Address of the FPU state (64-byte aligned), `sigcontext.fpstate`.
    pub fpstate: u64,
}

/// Linux's placement of an x86_64 signal frame (`get_sigframe`):
///
/// - `sp` is the starting top: the user `rsp` minus [`SIGFRAME_REDZONE`],
///   or `ss_sp + ss_size` when switching to the alternate stack;
/// - `fpstate_size` is the size of the FPU area: 512 for FXSAVE only, or the
///   XSAVE size + [`FP_XSTATE_MAGIC2_SIZE`];
/// - `fpstate = round_down(sp - fpstate_size, 64)`;
/// - `frame = round_down(fpstate - 440, 16) - 8`.
///
/// Uses wrapping arithmetic; the caller checks the result lies in mapped,
/// writable user memory (else `SIGSEGV`).
pub const fn rt_sigframe_layout(sp: u64, fpstate_size: u64) -> SigFrameLayout {
    let fpstate = sp.wrapping_sub(fpstate_size) & !(FPSTATE_ALIGN - 1);
    let frame = (fpstate.wrapping_sub(RT_SIGFRAME_SIZE as u64) & !15).wrapping_sub(8);
    SigFrameLayout { frame, fpstate }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes() {
        assert_eq!(size_of::<SigSet>(), SIGSET_SIZE);
        assert_eq!(size_of::<SigAction>(), 32);
        assert_eq!(size_of::<StackT>(), 24);
        assert_eq!(size_of::<SigInfo>(), SI_MAX_SIZE);
        assert_eq!(size_of::<SigContext>(), 256);
        assert_eq!(size_of::<UContext>(), 304);
        assert_eq!(size_of::<RtSigFrame>(), RT_SIGFRAME_SIZE);
        assert_eq!(size_of::<FpxSwBytes>(), 48);
        assert_eq!(size_of::<FpState>(), FXSAVE_SIZE);
        assert_eq!(size_of::<XStateHeader>(), XSAVE_HDR_SIZE);
    }

    #[test]
    fn offsets() {
        assert_eq!(offset_of!(SigAction, flags), 8);
        assert_eq!(offset_of!(SigAction, restorer), 16);
        assert_eq!(offset_of!(SigAction, mask), 24);
        assert_eq!(offset_of!(StackT, ss_flags), 8);
        assert_eq!(offset_of!(StackT, ss_size), 16);
        assert_eq!(offset_of!(SigInfo, code), 8);
        assert_eq!(offset_of!(SigInfo, fields), 16);
        assert_eq!(offset_of!(SigContext, rdi), 64);
        assert_eq!(offset_of!(SigContext, rsp), 120);
        assert_eq!(offset_of!(SigContext, rip), 128);
        assert_eq!(offset_of!(SigContext, eflags), 136);
        assert_eq!(offset_of!(SigContext, cs), 144);
        assert_eq!(offset_of!(SigContext, ss), 150);
        assert_eq!(offset_of!(SigContext, err), 152);
        assert_eq!(offset_of!(SigContext, cr2), 176);
        assert_eq!(offset_of!(SigContext, fpstate), 184);
        assert_eq!(offset_of!(SigContext, reserved1), 192);
        assert_eq!(offset_of!(UContext, uc_stack), 16);
        assert_eq!(offset_of!(UContext, uc_mcontext), 40);
        assert_eq!(offset_of!(UContext, uc_sigmask), 296);
        assert_eq!(offset_of!(RtSigFrame, uc), RT_SIGFRAME_UC_OFFSET);
        assert_eq!(offset_of!(RtSigFrame, info), RT_SIGFRAME_INFO_OFFSET);
        assert_eq!(offset_of!(FpState, mxcsr), 24);
        assert_eq!(offset_of!(FpState, st_space), 32);
        assert_eq!(offset_of!(FpState, xmm_space), 160);
        assert_eq!(offset_of!(FpState, sw_reserved), FPX_SW_BYTES_OFFSET);
        assert_eq!(offset_of!(FpxSwBytes, xfeatures), 8);
        assert_eq!(offset_of!(FpxSwBytes, xstate_size), 16);
    }

    #[test]
    fn sigset_ops() {
        let mut s = SigSet::empty();
        assert!(s.is_empty());
        s.add(SIGINT);
        s.add(SIGRTMAX);
        s.add(0); // ignored
        s.add(65); // ignored
        assert_eq!(s.bits(), (1 << 1) | (1 << 63));
        assert!(s.contains(SIGINT));
        assert!(!s.contains(SIGHUP));
        assert!(!s.contains(0));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![SIGINT, SIGRTMAX]);
        s.remove(SIGINT);
        assert_eq!(s.lowest(), Some(64));
        assert_eq!(SigSet::FULL.blockable().len(), 62);
        assert!(!SigSet::FULL.blockable().contains(SIGKILL));
        let p = SigSet::single(SIGUSR1) | SigSet::single(SIGSEGV) | SigSet::single(SIGHUP);
        assert_eq!(p.next_to_deliver(), Some(SIGSEGV));
        assert_eq!(SigSet::single(SIGUSR1).next_to_deliver(), Some(SIGUSR1));
        assert_eq!(!SigSet::EMPTY, SigSet::FULL);
        let c: SigSet = [SIGHUP, SIGTERM].into_iter().collect();
        assert_eq!(format!("{c:?}"), r#"{"SIGHUP", "SIGTERM"}"#);
    }

    #[test]
    fn names_and_actions() {
        assert_eq!(signal_name(1), Some("SIGHUP"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(32), Some("SIGRTMIN"));
        assert_eq!(signal_name(35), Some("SIGRTMIN+3"));
        assert_eq!(signal_name(64), Some("SIGRTMAX"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(65), None);
        for (name, v) in SIGNALS {
            if !matches!(*name, "SIGIOT" | "SIGPOLL" | "SIGUNUSED") {
                assert_eq!(signal_name(*v as u32), Some(*name));
            }
        }
        for i in 1..=31u32 {
            assert!(SIGNALS.iter().any(|(_, v)| *v == i as i64));
        }
        for i in 1..=63u32 {
            let n = signal_name(i + 1).unwrap();
            assert_ne!(signal_name(i).unwrap(), n);
        }
        assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ign);
        assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(SIGCONT), DefaultAction::Cont);
        assert_eq!(default_action(SIGTERM), DefaultAction::Term);
        assert_eq!(default_action(40), DefaultAction::Term);
        assert!(is_realtime(SIGRTMIN) && !is_realtime(SIGSYS));
    }

    #[test]
    fn sa_flags() {
        assert_eq!(SaFlags::SA_RESTORER.bits(), 0x0400_0000);
        assert_eq!(SaFlags::from_bits(0x20), None);
        let f = SaFlags::from_bits(0x1400_0004).unwrap();
        assert!(f.contains(SaFlags::SA_SIGINFO | SaFlags::SA_RESTART | SaFlags::SA_RESTORER));
        let a = SigAction { handler: 0x1234, flags: f.bits() | 0x20, ..SigAction::DEFAULT };
        assert_eq!(a.sa_flags(), f);
        assert!(SigAction::DEFAULT.is_default());
    }

    #[test]
    fn siginfo_layouts() {
        let k = SigInfo::user(SIGTERM, 42, 1000);
        let b = bytemuck::bytes_of(&k);
        assert_eq!(&b[0..4], &15i32.to_ne_bytes());
        assert_eq!(&b[8..12], &SI_USER.to_ne_bytes());
        assert_eq!(&b[16..20], &42u32.to_ne_bytes());
        assert_eq!(&b[20..24], &1000u32.to_ne_bytes());
        assert_eq!((k.pid(), k.uid()), (42, 1000));

        let c = SigInfo::chld(CLD_EXITED, 7, 0, 3, 11, 12);
        let b = bytemuck::bytes_of(&c);
        assert_eq!(c.signo, SIGCHLD as i32);
        assert_eq!(&b[24..28], &3i32.to_ne_bytes());
        assert_eq!(&b[32..40], &11i64.to_ne_bytes());
        assert_eq!(&b[40..48], &12i64.to_ne_bytes());
        assert_eq!((c.pid(), c.status(), c.utime(), c.stime()), (7, 3, 11, 12));

        let f = SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0xdead_beef_0000);
        assert_eq!(&bytemuck::bytes_of(&f)[16..24], &0xdead_beef_0000u64.to_ne_bytes());
        assert_eq!(f.addr(), 0xdead_beef_0000);

        let q = SigInfo::queue(40, SI_QUEUE, 5, 6, 0x55);
        assert_eq!(&bytemuck::bytes_of(&q)[24..32], &0x55u64.to_ne_bytes());
        assert_eq!((q.pid(), q.uid(), q.value()), (5, 6, 0x55));

        let t = SigInfo::timer(SIGALRM, 3, 2, 9);
        assert_eq!((t.timerid(), t.overrun(), t.value(), t.code), (3, 2, 9, SI_TIMER));

        let p = SigInfo::poll(SIGIO, POLL_IN, 0x41, 4);
        assert_eq!((p.band(), p.fd()), (0x41, 4));

        let s = SigInfo::sys(SYS_SECCOMP, 0x400000, 59, 0xc000_003e);
        assert_eq!((s.call_addr(), s.syscall(), s.arch()), (0x400000, 59, 0xc000_003e));
        assert_eq!(SigInfo::kernel(SIGKILL).code, 0x80);
    }

    #[test]
    fn frame_layout() {
        // FXSAVE-only frame from a 16-aligned rsp.
        let sp = 0x7fff_ffff_e000u64 - SIGFRAME_REDZONE;
        let l = rt_sigframe_layout(sp, FXSAVE_SIZE as u64);
        assert_eq!(l.fpstate % 64, 0);
        assert!(l.fpstate + FXSAVE_SIZE as u64 <= sp);
        assert_eq!(l.frame % 16, 8);
        assert!(l.frame + RT_SIGFRAME_SIZE as u64 <= l.fpstate);
        assert!(l.fpstate - (l.frame + RT_SIGFRAME_SIZE as u64) < 32);
        // XSAVE frame of odd size.
        let l = rt_sigframe_layout(0x1000_0007, 2696 + 4);
        assert_eq!(l.fpstate % 64, 0);
        assert!(l.fpstate + 2700 <= 0x1000_0007);
        assert_eq!(l.frame % 16, 8);
        assert!(l.frame + RT_SIGFRAME_SIZE as u64 <= l.fpstate);
    }
}
