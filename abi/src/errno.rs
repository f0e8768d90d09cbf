//! Error numbers: the [`Errno`] enum (Linux values 1..=133 plus the
//! kernel-internal restart codes), the kernel-wide [`Error`] / [`Result`]
//! types, and the [`return_errno!`](crate::return_errno) / [`errno!`](macro@crate::errno) macros.
//!
//! A syscall that fails returns `-errno` in `rax`; [`Errno::as_neg_isize`]
//! and [`Errno::from_syscall_ret`] convert between the two forms.

use core::fmt;

macro_rules! errnos {
    ( $( $name:ident = $val:literal, $desc:literal; )* ) => {
        /// A Linux error number (`errno`), with Linux's x86_64 values.
        ///
        /// Values 41 and 58 are unused by Linux (they would be
        /// `EWOULDBLOCK` / `EDEADLOCK` on other systems; on Linux those are
        /// aliases, see [`Errno::EWOULDBLOCK`], [`Errno::EDEADLOCK`]).
        ///
        /// [`Errno::ERESTARTSYS`], [`Errno::ERESTARTNOINTR`],
        /// [`Errno::ERESTARTNOHAND`] and [`Errno::ERESTART_RESTARTBLOCK`]
        /// are kernel-internal: the signal-delivery path turns them into
        /// `EINTR` or a syscall restart; they never reach user space.
        #[repr(i32)]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(non_camel_case_types)]
        pub enum Errno {
            $(
                #[doc = concat!($desc, " (`", stringify!($name), "` = ", stringify!($val), ").")]
                $name = $val,
            )*
        }

        impl Errno {
            /// Every variant, in increasing numeric order.
            pub const ALL: &'static [Errno] = &[ $( Errno::$name ),* ];

            /// The Linux spelling, e.g. `"EINVAL"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Errno::$name => stringify!($name), )*
                }
            }

            /// The `strerror`-style description, e.g. `"Invalid argument"`.
            pub const fn description(self) -> &'static str {
                match self {
                    $( Errno::$name => $desc, )*
                }
            }

            /// The variant with numeric value `v`, if Linux defines one.
            pub const fn from_i32(v: i32) -> Option<Errno> {
                match v {
                    $( $val => Some(Errno::$name), )*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "I/O error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file number";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Try again";
    ENOMEM = 12, "Out of memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "File table overflow";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Not a typewriter";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Math argument out of domain of func";
    ERANGE = 34, "Math result not representable";
    EDEADLK = 35, "Resource deadlock would occur";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No record locks available";
    ENOSYS = 38, "Invalid system call number";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many symbolic links encountered";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ECHRNG = 44, "Channel number out of range";
    EL2NSYNC = 45, "Level 2 not synchronized";
    EL3HLT = 46, "Level 3 halted";
    EL3RST = 47, "Level 3 reset";
    ELNRNG = 48, "Link number out of range";
    EUNATCH = 49, "Protocol driver not attached";
    ENOCSI = 50, "No CSI structure available";
    EL2HLT = 51, "Level 2 halted";
    EBADE = 52, "Invalid exchange";
    EBADR = 53, "Invalid request descriptor";
    EXFULL = 54, "Exchange full";
    ENOANO = 55, "No anode";
    EBADRQC = 56, "Invalid request code";
    EBADSLT = 57, "Invalid slot";
    EBFONT = 59, "Bad font file format";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOSR = 63, "Out of streams resources";
    ENONET = 64, "Machine is not on the network";
    ENOPKG = 65, "Package not installed";
    EREMOTE = 66, "Object is remote";
    ENOLINK = 67, "Link has been severed";
    EADV = 68, "Advertise error";
    ESRMNT = 69, "Srmount error";
    ECOMM = 70, "Communication error on send";
    EPROTO = 71, "Protocol error";
    EMULTIHOP = 72, "Multihop attempted";
    EDOTDOT = 73, "RFS specific error";
    EBADMSG = 74, "Not a data message";
    EOVERFLOW = 75, "Value too large for defined data type";
    ENOTUNIQ = 76, "Name not unique on network";
    EBADFD = 77, "File descriptor in bad state";
    EREMCHG = 78, "Remote address changed";
    ELIBACC = 79, "Can not access a needed shared library";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    ELIBSCN = 81, ".lib section in a.out corrupted";
    ELIBMAX = 82, "Attempting to link in too many shared libraries";
    ELIBEXEC = 83, "Cannot exec a shared library directly";
    EILSEQ = 84, "Illegal byte sequence";
    ERESTART = 85, "Interrupted system call should be restarted";
    ESTRPIPE = 86, "Streams pipe error";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported on transport endpoint";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection because of reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EUCLEAN = 117, "Structure needs cleaning";
    ENOTNAM = 118, "Not a XENIX named type file";
    ENAVAIL = 119, "No XENIX semaphores available";
    EISNAM = 120, "Is a named type file";
    EREMOTEIO = 121, "Remote I/O error";
    EDQUOT = 122, "Quota exceeded";
    ENOMEDIUM = 123, "No medium found";
    EMEDIUMTYPE = 124, "Wrong medium type";
    ECANCELED = 125, "Operation Canceled";
    ENOKEY = 126, "Required key not available";
    EKEYEXPIRED = 127, "Key has expired";
    EKEYREVOKED = 128, "Key has been revoked";
    EKEYREJECTED = 129, "Key was rejected by service";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
    ERFKILL = 132, "Operation not possible due to RF-kill";
    EHWPOISON = 133, "Memory page has hardware error";
    ERESTARTSYS = 512, "Kernel-internal: restart the syscall if SA_RESTART, else EINTR";
    ERESTARTNOINTR = 513, "Kernel-internal: always restart the syscall";
    ERESTARTNOHAND = 514, "Kernel-internal: restart if no handler ran, else EINTR";
    ERESTART_RESTARTBLOCK = 516, "Kernel-internal: restart via restart_syscall(2)";
}

impl Errno {
    /// `EWOULDBLOCK` is `EAGAIN` on Linux.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// `EDEADLOCK` is `EDEADLK` on Linux x86_64.
    pub const EDEADLOCK: Errno = Errno::EDEADLK;
    /// `ENOTSUP` (libc spelling) is `EOPNOTSUPP` on Linux.
    pub const ENOTSUP: Errno = Errno::EOPNOTSUPP;

    /// Aliases (name, value) that are not variants of their own.
    pub const ALIASES: &'static [(&'static str, Errno)] =
        &[("EWOULDBLOCK", Errno::EWOULDBLOCK), ("EDEADLOCK", Errno::EDEADLOCK), ("ENOTSUP", Errno::ENOTSUP)];

    /// Largest errno value user space can see (`EHWPOISON`).
    pub const MAX_USER: i32 = 133;

    /// The numeric value.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// `-errno`, the syscall return value that reports this error.
    pub const fn as_neg_isize(self) -> isize {
        -(self as i32 as isize)
    }

    /// Decodes a raw syscall return value: values in `-4095..=-1` are errors
    /// (Linux's `IS_ERR_VALUE` range), anything else is a success.
    pub const fn from_syscall_ret(ret: isize) -> Option<Errno> {
        if ret < 0 && ret >= -4095 { Errno::from_i32(-ret as i32) } else { None }
    }

    /// True for the kernel-internal restart codes (>= 512), which must be
    /// converted before returning to user space.
    pub const fn is_restart(self) -> bool {
        matches!(
            self,
            Errno::ERESTARTSYS | Errno::ERESTARTNOINTR | Errno::ERESTARTNOHAND | Errno::ERESTART_RESTARTBLOCK
        )
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::error::Error for Errno {}

impl From<Errno> for i32 {
    fn from(e: Errno) -> i32 {
        e as i32
    }
}

/// The kernel's error type: an [`Errno`] plus an optional static message
/// for logs (never shown to user space).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Error {
    /// The error number returned to user space.
    pub errno: Errno,
    /// Why, for kernel logs.
    pub msg: Option<&'static str>,
}

impl Error {
    /// An error without message.
    pub const fn new(errno: Errno) -> Error {
        Error { errno, msg: None }
    }

    /// An error with a message for logs.
    pub const fn with_msg(errno: Errno, msg: &'static str) -> Error {
        Error { errno, msg: Some(msg) }
    }

    /// The error number.
    pub const fn errno(&self) -> Errno {
        self.errno
    }

    /// `-errno`, the syscall return value.
    pub const fn as_neg_isize(&self) -> isize {
        self.errno.as_neg_isize()
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::new(errno)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.msg {
            Some(m) => write!(f, "{}: {}", self.errno.name(), m),
            None => f.write_str(self.errno.name()),
        }
    }
}

impl core::error::Error for Error {}

/// The kernel-wide result type.
pub type Result<T> = core::result::Result<T, Error>;

/// Builds an [`Error`](crate::Error): `errno!(EINVAL)` or
/// `errno!(EINVAL, "why")`.
#[macro_export]
macro_rules! errno {
    ($errno:ident) => {
        $crate::Error::new($crate::Errno::$errno)
    };
    ($errno:ident, $msg:expr) => {
        $crate::Error::with_msg($crate::Errno::$errno, $msg)
    };
}

/// Returns `Err(Error)` from the current function:
/// `return_errno!(EINVAL)` or `return_errno!(EINVAL, "why")`.
#[macro_export]
macro_rules! return_errno {
    ($errno:ident) => {
        return ::core::result::Result::Err($crate::Error::new($crate::Errno::$errno))
    };
    ($errno:ident, $msg:expr) => {
        return ::core::result::Result::Err($crate::Error::with_msg($crate::Errno::$errno, $msg))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names() {
        assert_eq!(Errno::EPERM.as_i32(), 1);
        assert_eq!(Errno::EINVAL.as_i32(), 22);
        assert_eq!(Errno::EHWPOISON.as_i32(), 133);
        assert_eq!(Errno::ERESTARTSYS.as_i32(), 512);
        assert_eq!(Errno::ERESTART_RESTARTBLOCK.as_i32(), 516);
        assert_eq!(Errno::EINVAL.name(), "EINVAL");
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
        assert_eq!(Errno::EDEADLOCK.as_i32(), 35);
        assert_eq!(Errno::ENOTSUP.as_i32(), 95);
        assert_eq!(Errno::from_i32(41), None);
        assert_eq!(Errno::from_i32(58), None);
        assert_eq!(Errno::from_i32(134), None);
        assert_eq!(Errno::from_i32(0), None);
    }

    #[test]
    fn table_is_complete_and_round_trips() {
        // 1..=133 minus the two holes, plus four restart codes.
        assert_eq!(Errno::ALL.len(), 133 - 2 + 4);
        for v in 1..=133 {
            let e = Errno::from_i32(v);
            assert_eq!(e.is_some(), v != 41 && v != 58, "{v}");
            if let Some(e) = e {
                assert_eq!(e.as_i32(), v);
                assert!(!e.is_restart());
            }
        }
        let mut prev = 0;
        for e in Errno::ALL {
            assert!(e.as_i32() > prev);
            prev = e.as_i32();
            assert_eq!(Errno::from_i32(e.as_i32()), Some(*e));
        }
        assert!(Errno::ERESTARTNOHAND.is_restart());
    }

    #[test]
    fn syscall_ret() {
        assert_eq!(Errno::ENOENT.as_neg_isize(), -2);
        assert_eq!(Errno::from_syscall_ret(-2), Some(Errno::ENOENT));
        assert_eq!(Errno::from_syscall_ret(0), None);
        assert_eq!(Errno::from_syscall_ret(5), None);
        assert_eq!(Errno::from_syscall_ret(-4096), None);
    }

    fn fails(n: i32) -> Result<i32> {
        if n == 0 {
            return_errno!(EINVAL);
        }
        if n == 1 {
            return_errno!(EBADF, "bad fd");
        }
        if n == 2 {
            return Err(errno!(ENOMEM));
        }
        Ok(n)
    }

    #[test]
    fn macros_and_display() {
        assert_eq!(fails(0), Err(Error::new(Errno::EINVAL)));
        let e = fails(1).unwrap_err();
        assert_eq!(e.errno, Errno::EBADF);
        assert_eq!(e.msg, Some("bad fd"));
        assert_eq!(format!("{e}"), "EBADF: bad fd");
        assert_eq!(format!("{}", Error::from(Errno::EIO)), "EIO");
        assert_eq!(fails(2).unwrap_err().errno, Errno::ENOMEM);
        assert_eq!(fails(7), Ok(7));
        assert_eq!(format!("{}", Errno::ENOENT), "ENOENT");
        assert_eq!(format!("{:?}", Errno::ENOENT), "ENOENT");
    }
}
