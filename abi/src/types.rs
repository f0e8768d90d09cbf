//! `#[repr(C)]` structures that syscalls copy to and from user memory
//! (x86_64 layouts), with the constants that go with them: time
//! ([`Timespec`], [`Timeval`], [`Itimerval`], [`Itimerspec`], [`Timezone`],
//! [`Tms`]), resources ([`Rusage`], [`Rlimit`], [`Sysinfo`], [`Utsname`]),
//! files ([`Stat`], [`Statx`], [`StatFs`], [`LinuxDirent64Header`],
//! [`Flock`], [`OpenHow`]), I/O ([`Iovec`], [`PollFd`], [`EpollEvent`]),
//! and threads ([`CloneArgs`], [`RobustListHead`], [`FutexWaitv`],
//! [`SigEvent`]).
//!
//! Every struct derives [`Pod`], so padding is explicit (fields named
//! `__pad*` / `__unused` / `_pad*`, always zero when written by the
//! kernel). Sizes and offsets are unit-tested here and compared with the
//! host's kernel headers in `c_check.rs`.

use bitflags::bitflags;
use bytemuck::{Pod, Zeroable};

// --------------------------------------------------------------------------
// Time
// --------------------------------------------------------------------------

/// `struct timespec` (`__kernel_timespec` on x86_64), 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000` when valid.
    pub tv_nsec: i64,
}

/// Nanoseconds per second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;
/// Microseconds per second.
pub const USEC_PER_SEC: i64 = 1_000_000;

abi_consts! {
    /// Special `tv_nsec` values of `utimensat`.
    table UTIME_SPECIAL: i64 {
        /// Set the timestamp to the current time.
        UTIME_NOW = (1 << 30) - 1,
        /// Leave the timestamp unchanged.
        UTIME_OMIT = (1 << 30) - 2,
    }
}

impl Timespec {
    /// Zero.
    pub const ZERO: Timespec = Timespec { tv_sec: 0, tv_nsec: 0 };

    /// From seconds and nanoseconds.
    pub const fn new(tv_sec: i64, tv_nsec: i64) -> Timespec {
        Timespec { tv_sec, tv_nsec }
    }

    /// From a nanosecond count.
    pub const fn from_nanos(ns: u64) -> Timespec {
        Timespec { tv_sec: (ns / NSEC_PER_SEC as u64) as i64, tv_nsec: (ns % NSEC_PER_SEC as u64) as i64 }
    }

    /// True if `tv_sec >= 0` and `0 <= tv_nsec < 10^9` (what syscalls
    /// taking a timeout require, else `EINVAL`).
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_nsec >= 0 && self.tv_nsec < NSEC_PER_SEC
    }

    /// Total nanoseconds, or `None` if invalid or overflowing.
    pub const fn to_nanos(&self) -> Option<u64> {
        if !self.is_valid() {
            return None;
        }
        match (self.tv_sec as u64).checked_mul(NSEC_PER_SEC as u64) {
            Some(s) => s.checked_add(self.tv_nsec as u64),
            None => None,
        }
    }
}

/// `struct timeval` (`__kernel_old_timeval` on x86_64), 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Timeval {
    /// Seconds.
    pub tv_sec: i64,
    /// Microseconds, `0..1_000_000` when valid.
    pub tv_usec: i64,
}

impl Timeval {
    /// From a microsecond count.
    pub const fn from_micros(us: u64) -> Timeval {
        Timeval { tv_sec: (us / USEC_PER_SEC as u64) as i64, tv_usec: (us % USEC_PER_SEC as u64) as i64 }
    }

    /// True if `tv_sec >= 0` and `0 <= tv_usec < 10^6`.
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_usec >= 0 && self.tv_usec < USEC_PER_SEC
    }

    /// Total microseconds, or `None` if invalid or overflowing.
    pub const fn to_micros(&self) -> Option<u64> {
        if !self.is_valid() {
            return None;
        }
        match (self.tv_sec as u64).checked_mul(USEC_PER_SEC as u64) {
            Some(s) => s.checked_add(self.tv_usec as u64),
            None => None,
        }
    }
}

/// `struct itimerval` (setitimer/getitimer), 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Itimerval {
    /// Reload value.
    pub it_interval: Timeval,
    /// Time to the next expiry.
    pub it_value: Timeval,
}

/// `struct itimerspec` (timer_settime, timerfd_settime), 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Itimerspec {
    /// Reload value.
    pub it_interval: Timespec,
    /// Time to the next expiry.
    pub it_value: Timespec,
}

abi_consts! {
    /// `which` of setitimer/getitimer.
    table ITIMER_WHICH: i32 {
        /// Real time; delivers `SIGALRM`.
        ITIMER_REAL = 0,
        /// User CPU time; delivers `SIGVTALRM`.
        ITIMER_VIRTUAL = 1,
        /// User+system CPU time; delivers `SIGPROF`.
        ITIMER_PROF = 2,
    }
}

/// `struct timezone` (gettimeofday), 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Timezone {
    /// Minutes west of Greenwich.
    pub tz_minuteswest: i32,
    /// Type of DST correction.
    pub tz_dsttime: i32,
}

/// `struct tms` (times), in clock ticks, 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Tms {
    /// User time.
    pub tms_utime: i64,
    /// System time.
    pub tms_stime: i64,
    /// User time of waited-for children.
    pub tms_cutime: i64,
    /// System time of waited-for children.
    pub tms_cstime: i64,
}

/// Clock ticks per second reported by `AT_CLKTCK` and used by `times`.
pub const USER_HZ: i64 = 100;

// --------------------------------------------------------------------------
// Resources and system information
// --------------------------------------------------------------------------

/// `struct rusage` (getrusage, wait4), 144 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
#[allow(missing_docs)]
pub struct Rusage {
    /// User CPU time.
    pub ru_utime: Timeval,
    /// System CPU time.
    pub ru_stime: Timeval,
    /// Maximum resident set size, in KiB.
    pub ru_maxrss: i64,
    pub ru_ixrss: i64,
    pub ru_idrss: i64,
    pub ru_isrss: i64,
    /// Minor page faults.
    pub ru_minflt: i64,
    /// Major page faults.
    pub ru_majflt: i64,
    pub ru_nswap: i64,
    pub ru_inblock: i64,
    pub ru_oublock: i64,
    pub ru_msgsnd: i64,
    pub ru_msgrcv: i64,
    pub ru_nsignals: i64,
    /// Voluntary context switches.
    pub ru_nvcsw: i64,
    /// Involuntary context switches.
    pub ru_nivcsw: i64,
}

abi_consts! {
    /// `who` of getrusage.
    table RUSAGE_WHO: i32 {
        /// The calling process.
        RUSAGE_SELF = 0,
        /// Its waited-for children.
        RUSAGE_CHILDREN = -1,
        /// Both (kernel-internal, rejected by getrusage).
        RUSAGE_BOTH = -2,
        /// The calling thread.
        RUSAGE_THREAD = 1,
    }
}

/// `struct rlimit` (getrlimit, setrlimit, prlimit64), 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Rlimit {
    /// Soft limit.
    pub rlim_cur: u64,
    /// Hard limit.
    pub rlim_max: u64,
}

/// "No limit".
pub const RLIM_INFINITY: u64 = !0;

abi_consts! {
    /// Resource numbers.
    table RLIMITS: u32 {
        /// CPU time in seconds.
        RLIMIT_CPU = 0,
        /// Maximum file size.
        RLIMIT_FSIZE = 1,
        /// Maximum data segment size.
        RLIMIT_DATA = 2,
        /// Maximum stack size.
        RLIMIT_STACK = 3,
        /// Maximum core file size.
        RLIMIT_CORE = 4,
        /// Maximum resident set size.
        RLIMIT_RSS = 5,
        /// Maximum number of processes.
        RLIMIT_NPROC = 6,
        /// Maximum number of open files.
        RLIMIT_NOFILE = 7,
        /// Maximum locked-in-memory address space.
        RLIMIT_MEMLOCK = 8,
        /// Address space limit.
        RLIMIT_AS = 9,
        /// Maximum file locks held.
        RLIMIT_LOCKS = 10,
        /// Maximum number of pending signals.
        RLIMIT_SIGPENDING = 11,
        /// Maximum bytes in POSIX message queues.
        RLIMIT_MSGQUEUE = 12,
        /// Maximum nice priority allowed to raise to.
        RLIMIT_NICE = 13,
        /// Maximum real-time priority.
        RLIMIT_RTPRIO = 14,
        /// Timeout for real-time tasks, in microseconds.
        RLIMIT_RTTIME = 15,
        /// Number of resources.
        RLIM_NLIMITS = 16,
    }
}

/// Length of each [`Utsname`] field, including the NUL.
pub const UTSNAME_LEN: usize = 65;

/// `struct new_utsname` (uname), 6 × 65 = 390 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct Utsname {
    /// Operating system name ("Linux").
    pub sysname: [u8; UTSNAME_LEN],
    /// Host name.
    pub nodename: [u8; UTSNAME_LEN],
    /// Release, e.g. "6.18.0".
    pub release: [u8; UTSNAME_LEN],
    /// Version string.
    pub version: [u8; UTSNAME_LEN],
    /// Machine ("x86_64").
    pub machine: [u8; UTSNAME_LEN],
    /// NIS domain name.
    pub domainname: [u8; UTSNAME_LEN],
}

impl Default for Utsname {
    fn default() -> Utsname {
        Utsname::zeroed()
    }
}

/// Copies `s` into a NUL-terminated utsname field, truncating to 64 bytes.
pub fn utsname_field(s: &str) -> [u8; UTSNAME_LEN] {
    let mut out = [0u8; UTSNAME_LEN];
    let n = s.len().min(UTSNAME_LEN - 1);
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// `struct sysinfo` on x86_64, 112 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Sysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, scaled by `1 << SI_LOAD_SHIFT`.
    pub loads: [u64; 3],
    /// Total usable RAM, in `mem_unit`s.
    pub totalram: u64,
    /// Free RAM.
    pub freeram: u64,
    /// Shared RAM.
    pub sharedram: u64,
    /// Buffer RAM.
    pub bufferram: u64,
    /// Total swap.
    pub totalswap: u64,
    /// Free swap.
    pub freeswap: u64,
    /// Number of processes.
    pub procs: u16,
    /// Padding (`pad` in Linux).
    pub pad: u16,
    /// Alignment padding.
    pub __pad1: u32,
    /// Total high memory.
    pub totalhigh: u64,
    /// Free high memory.
    pub freehigh: u64,
    /// Unit size of the memory fields, in bytes.
    pub mem_unit: u32,
    /// Tail padding (`_f` in Linux, empty on 64-bit).
    pub __pad2: u32,
}

/// Fixed-point shift of [`Sysinfo::loads`].
pub const SI_LOAD_SHIFT: u32 = 16;

// --------------------------------------------------------------------------
// I/O
// --------------------------------------------------------------------------

/// `struct iovec`, 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Iovec {
    /// User address.
    pub iov_base: u64,
    /// Length in bytes.
    pub iov_len: u64,
}

/// Maximum `iovcnt` of readv/writev (`UIO_MAXIOV`).
pub const UIO_MAXIOV: usize = 1024;

/// `struct pollfd`, 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct PollFd {
    /// File descriptor (negative: ignored, `revents` = 0).
    pub fd: i32,
    /// Requested events ([`PollEvents`] bits).
    pub events: i16,
    /// Returned events.
    pub revents: i16,
}

bitflags! {
    /// `poll` event bits (`events` / `revents` of [`PollFd`]).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct PollEvents: i16 {
        /// Data to read.
        const POLLIN = 0x0001;
        /// Urgent data to read.
        const POLLPRI = 0x0002;
        /// Writing possible.
        const POLLOUT = 0x0004;
        /// Error condition (output only).
        const POLLERR = 0x0008;
        /// Hang up (output only).
        const POLLHUP = 0x0010;
        /// Invalid fd (output only).
        const POLLNVAL = 0x0020;
        /// Normal data to read.
        const POLLRDNORM = 0x0040;
        /// Priority band data to read.
        const POLLRDBAND = 0x0080;
        /// Normal data writable.
        const POLLWRNORM = 0x0100;
        /// Priority data writable.
        const POLLWRBAND = 0x0200;
        /// Unused on Linux.
        const POLLMSG = 0x0400;
        /// Remove from the set (unused).
        const POLLREMOVE = 0x1000;
        /// Peer closed its write side.
        const POLLRDHUP = 0x2000;
    }
}

/// `struct epoll_event`: packed on x86_64, 12 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C, packed)]
pub struct EpollEvent {
    /// [`EpollEvents`] bits.
    pub events: u32,
    /// User data, returned as is.
    pub data: u64,
}

bitflags! {
    /// `epoll_event.events` bits.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct EpollEvents: u32 {
        /// Readable.
        const EPOLLIN = 0x0000_0001;
        /// Urgent data.
        const EPOLLPRI = 0x0000_0002;
        /// Writable.
        const EPOLLOUT = 0x0000_0004;
        /// Error.
        const EPOLLERR = 0x0000_0008;
        /// Hang up.
        const EPOLLHUP = 0x0000_0010;
        /// Invalid fd.
        const EPOLLNVAL = 0x0000_0020;
        /// Normal data readable.
        const EPOLLRDNORM = 0x0000_0040;
        /// Priority band readable.
        const EPOLLRDBAND = 0x0000_0080;
        /// Normal data writable.
        const EPOLLWRNORM = 0x0000_0100;
        /// Priority band writable.
        const EPOLLWRBAND = 0x0000_0200;
        /// Unused.
        const EPOLLMSG = 0x0000_0400;
        /// Peer closed its write side.
        const EPOLLRDHUP = 0x0000_2000;
        /// Wakeup from io_uring (internal).
        const EPOLLURING_WAKE = 1 << 27;
        /// Exclusive wakeup.
        const EPOLLEXCLUSIVE = 1 << 28;
        /// Hold a wakeup source.
        const EPOLLWAKEUP = 1 << 29;
        /// Disable after one event.
        const EPOLLONESHOT = 1 << 30;
        /// Edge-triggered.
        const EPOLLET = 1 << 31;
    }
}

abi_consts! {
    /// epoll_ctl operations and epoll_create1 flags.
    table EPOLL_CTL: i32 {
        /// Add an fd.
        EPOLL_CTL_ADD = 1,
        /// Remove an fd.
        EPOLL_CTL_DEL = 2,
        /// Change an fd's events.
        EPOLL_CTL_MOD = 3,
        /// epoll_create1: close on exec (`O_CLOEXEC`).
        EPOLL_CLOEXEC = 0o2000000,
    }
}

// --------------------------------------------------------------------------
// Files
// --------------------------------------------------------------------------

/// x86_64 `struct stat` (stat, fstat, lstat, newfstatat), 144 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Stat {
    /// Device.
    pub st_dev: u64,
    /// Inode number.
    pub st_ino: u64,
    /// Link count.
    pub st_nlink: u64,
    /// Type and permissions (`S_IF*` | mode bits).
    pub st_mode: u32,
    /// Owner.
    pub st_uid: u32,
    /// Group.
    pub st_gid: u32,
    /// Padding.
    pub __pad0: i32,
    /// Device number, for device files.
    pub st_rdev: u64,
    /// Size in bytes.
    pub st_size: i64,
    /// Preferred I/O block size.
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    /// Access time, seconds.
    pub st_atime: i64,
    /// Access time, nanoseconds.
    pub st_atime_nsec: i64,
    /// Modification time, seconds.
    pub st_mtime: i64,
    /// Modification time, nanoseconds.
    pub st_mtime_nsec: i64,
    /// Status change time, seconds.
    pub st_ctime: i64,
    /// Status change time, nanoseconds.
    pub st_ctime_nsec: i64,
    /// Reserved.
    pub __unused: [i64; 3],
}

/// `struct statx_timestamp`, 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct StatxTimestamp {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds.
    pub tv_nsec: u32,
    /// Reserved.
    pub __reserved: i32,
}

/// `struct statx` (Linux 6.18 layout), 256 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct Statx {
    /// `STATX_*` bits of the fields filled in.
    pub stx_mask: u32,
    /// Preferred I/O block size.
    pub stx_blksize: u32,
    /// `STATX_ATTR_*` flags.
    pub stx_attributes: u64,
    /// Link count.
    pub stx_nlink: u32,
    /// Owner.
    pub stx_uid: u32,
    /// Group.
    pub stx_gid: u32,
    /// Type and permissions.
    pub stx_mode: u16,
    /// Reserved.
    pub __spare0: [u16; 1],
    /// Inode number.
    pub stx_ino: u64,
    /// Size in bytes.
    pub stx_size: u64,
    /// 512-byte blocks allocated.
    pub stx_blocks: u64,
    /// `STATX_ATTR_*` bits supported by the filesystem.
    pub stx_attributes_mask: u64,
    /// Access time.
    pub stx_atime: StatxTimestamp,
    /// Birth time.
    pub stx_btime: StatxTimestamp,
    /// Status change time.
    pub stx_ctime: StatxTimestamp,
    /// Modification time.
    pub stx_mtime: StatxTimestamp,
    /// Device major, for device files.
    pub stx_rdev_major: u32,
    /// Device minor, for device files.
    pub stx_rdev_minor: u32,
    /// Containing device major.
    pub stx_dev_major: u32,
    /// Containing device minor.
    pub stx_dev_minor: u32,
    /// Mount id.
    pub stx_mnt_id: u64,
    /// Direct I/O memory alignment.
    pub stx_dio_mem_align: u32,
    /// Direct I/O offset alignment.
    pub stx_dio_offset_align: u32,
    /// Subvolume id (6.10).
    pub stx_subvol: u64,
    /// Minimum atomic write unit (6.11).
    pub stx_atomic_write_unit_min: u32,
    /// Maximum atomic write unit (6.11).
    pub stx_atomic_write_unit_max: u32,
    /// Maximum atomic write segments (6.11).
    pub stx_atomic_write_segments_max: u32,
    /// Direct I/O read offset alignment (6.14).
    pub stx_dio_read_offset_align: u32,
    /// Optimised maximum atomic write unit (6.16).
    pub stx_atomic_write_unit_max_opt: u32,
    /// Reserved.
    pub __spare2: [u32; 1],
    /// Reserved.
    pub __spare3: [u64; 8],
}

impl Default for Statx {
    fn default() -> Statx {
        Statx::zeroed()
    }
}

abi_consts! {
    /// `mask` bits of statx (`stx_mask`).
    table STATX_MASK: u32 {
        /// `stx_mode & S_IFMT`.
        STATX_TYPE = 0x0000_0001,
        /// `stx_mode & !S_IFMT`.
        STATX_MODE = 0x0000_0002,
        /// `stx_nlink`.
        STATX_NLINK = 0x0000_0004,
        /// `stx_uid`.
        STATX_UID = 0x0000_0008,
        /// `stx_gid`.
        STATX_GID = 0x0000_0010,
        /// `stx_atime`.
        STATX_ATIME = 0x0000_0020,
        /// `stx_mtime`.
        STATX_MTIME = 0x0000_0040,
        /// `stx_ctime`.
        STATX_CTIME = 0x0000_0080,
        /// `stx_ino`.
        STATX_INO = 0x0000_0100,
        /// `stx_size`.
        STATX_SIZE = 0x0000_0200,
        /// `stx_blocks`.
        STATX_BLOCKS = 0x0000_0400,
        /// Everything `struct stat` has.
        STATX_BASIC_STATS = 0x0000_07ff,
        /// `stx_btime`.
        STATX_BTIME = 0x0000_0800,
        /// `stx_mnt_id`.
        STATX_MNT_ID = 0x0000_1000,
        /// `stx_dio_*align`.
        STATX_DIOALIGN = 0x0000_2000,
        /// Unique `stx_mnt_id`.
        STATX_MNT_ID_UNIQUE = 0x0000_4000,
        /// `stx_subvol`.
        STATX_SUBVOL = 0x0000_8000,
        /// `stx_atomic_write_*`.
        STATX_WRITE_ATOMIC = 0x0001_0000,
        /// `stx_dio_read_offset_align`.
        STATX_DIO_READ_ALIGN = 0x0002_0000,
        /// Reserved for future extension; statx fails with `EINVAL`.
        STATX__RESERVED = 0x8000_0000,
        /// Deprecated: basic stats and btime.
        STATX_ALL = 0x0000_0fff,
    }
}

abi_consts! {
    /// `stx_attributes` bits.
    table STATX_ATTRS: u64 {
        /// Compressed by the filesystem.
        STATX_ATTR_COMPRESSED = 0x0000_0004,
        /// Immutable.
        STATX_ATTR_IMMUTABLE = 0x0000_0010,
        /// Append only.
        STATX_ATTR_APPEND = 0x0000_0020,
        /// Not to be dumped.
        STATX_ATTR_NODUMP = 0x0000_0040,
        /// Encrypted.
        STATX_ATTR_ENCRYPTED = 0x0000_0800,
        /// Automount trigger.
        STATX_ATTR_AUTOMOUNT = 0x0000_1000,
        /// Root of a mount.
        STATX_ATTR_MOUNT_ROOT = 0x0000_2000,
        /// Verity protected.
        STATX_ATTR_VERITY = 0x0010_0000,
        /// DAX file.
        STATX_ATTR_DAX = 0x0020_0000,
        /// Supports atomic writes.
        STATX_ATTR_WRITE_ATOMIC = 0x0040_0000,
    }
}

/// x86_64 `struct statfs` (statfs, fstatfs), 120 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct StatFs {
    /// Filesystem magic (`*_MAGIC`).
    pub f_type: i64,
    /// Block size.
    pub f_bsize: i64,
    /// Total blocks.
    pub f_blocks: i64,
    /// Free blocks.
    pub f_bfree: i64,
    /// Free blocks for unprivileged users.
    pub f_bavail: i64,
    /// Total inodes.
    pub f_files: i64,
    /// Free inodes.
    pub f_ffree: i64,
    /// Filesystem id.
    pub f_fsid: [i32; 2],
    /// Maximum file name length.
    pub f_namelen: i64,
    /// Fragment size.
    pub f_frsize: i64,
    /// Mount flags (`ST_*`).
    pub f_flags: i64,
    /// Reserved.
    pub f_spare: [i64; 4],
}

abi_consts! {
    /// `f_flags` of [`StatFs`].
    table ST_FLAGS: i64 {
        /// Read-only.
        ST_RDONLY = 0x0001,
        /// setuid/setgid ignored.
        ST_NOSUID = 0x0002,
        /// No device files.
        ST_NODEV = 0x0004,
        /// No execution.
        ST_NOEXEC = 0x0008,
        /// Synchronous writes.
        ST_SYNCHRONOUS = 0x0010,
        /// `f_flags` is valid (always set by Linux).
        ST_VALID = 0x0020,
        /// Mandatory locking.
        ST_MANDLOCK = 0x0040,
        /// No atime updates.
        ST_NOATIME = 0x0400,
        /// No directory atime updates.
        ST_NODIRATIME = 0x0800,
        /// Relative atime updates.
        ST_RELATIME = 0x1000,
    }
}

abi_consts! {
    /// Filesystem magic numbers (`f_type`), from `linux/magic.h`.
    table FS_MAGICS: i64 {
        /// tmpfs.
        TMPFS_MAGIC = 0x0102_1994,
        /// ramfs.
        RAMFS_MAGIC = 0x8584_58f6,
        /// procfs.
        PROC_SUPER_MAGIC = 0x9fa0,
        /// sysfs.
        SYSFS_MAGIC = 0x6265_6572,
        /// devpts.
        DEVPTS_SUPER_MAGIC = 0x1cd1,
        /// ext2/3/4.
        EXT4_SUPER_MAGIC = 0xef53,
        /// Pipes.
        PIPEFS_MAGIC = 0x5049_5045,
        /// Sockets.
        SOCKFS_MAGIC = 0x534f_434b,
        /// Anonymous inodes (eventfd, epoll, ...).
        ANON_INODE_FS_MAGIC = 0x0904_1934,
        /// cgroup v2.
        CGROUP2_SUPER_MAGIC = 0x6367_7270,
        /// FUSE.
        FUSE_SUPER_MAGIC = 0x6573_5546,
        /// overlayfs.
        OVERLAYFS_SUPER_MAGIC = 0x794c_7630,
    }
}

/// The fixed header of `struct linux_dirent64` (getdents64): 19 bytes,
/// followed by the NUL-terminated name and padding up to `d_reclen`
/// (a multiple of 8).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C, packed)]
pub struct LinuxDirent64Header {
    /// Inode number.
    pub d_ino: u64,
    /// Offset to pass to lseek to continue after this entry.
    pub d_off: i64,
    /// Length of this record, header + name + NUL + padding.
    pub d_reclen: u16,
    /// `DT_*` type.
    pub d_type: u8,
}

/// Alias: the fixed part of `struct linux_dirent64`.
pub type LinuxDirent64 = LinuxDirent64Header;

/// Offset of `d_name` in `struct linux_dirent64`.
pub const DIRENT64_NAME_OFFSET: usize = 19;

/// `d_reclen` of a `linux_dirent64` whose name is `name_len` bytes (without
/// NUL): `align_up(19 + name_len + 1, 8)`.
pub const fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_NAME_OFFSET + name_len + 1 + 7) & !7
}

/// Writes one `linux_dirent64` record at the start of `buf`; returns its
/// length, or `None` if `buf` is too small (getdents64 then stops, or
/// fails with `EINVAL` if it is the first entry).
pub fn write_dirent64(buf: &mut [u8], ino: u64, off: i64, d_type: u8, name: &[u8]) -> Option<usize> {
    let reclen = dirent64_reclen(name.len());
    if buf.len() < reclen || reclen > u16::MAX as usize {
        return None;
    }
    let hdr = LinuxDirent64Header { d_ino: ino, d_off: off, d_reclen: reclen as u16, d_type };
    buf[..DIRENT64_NAME_OFFSET].copy_from_slice(bytemuck::bytes_of(&hdr));
    let end = DIRENT64_NAME_OFFSET + name.len();
    buf[DIRENT64_NAME_OFFSET..end].copy_from_slice(name);
    buf[end..reclen].fill(0);
    Some(reclen)
}

abi_consts! {
    /// `d_type` values.
    table DT_TYPES: u8 {
        /// Unknown.
        DT_UNKNOWN = 0,
        /// FIFO.
        DT_FIFO = 1,
        /// Character device.
        DT_CHR = 2,
        /// Directory.
        DT_DIR = 4,
        /// Block device.
        DT_BLK = 6,
        /// Regular file.
        DT_REG = 8,
        /// Symbolic link.
        DT_LNK = 10,
        /// Socket.
        DT_SOCK = 12,
        /// Whiteout.
        DT_WHT = 14,
    }
}

/// The `DT_*` type of a file mode (`(mode & S_IFMT) >> 12`).
pub const fn mode_to_dt(mode: u32) -> u8 {
    ((mode >> 12) & 0xf) as u8
}

/// `struct flock` (fcntl `F_GETLK` / `F_SETLK` / `F_SETLKW`, 64-bit), 32
/// bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct Flock {
    /// `F_RDLCK`, `F_WRLCK` or `F_UNLCK`.
    pub l_type: i16,
    /// `SEEK_SET`, `SEEK_CUR` or `SEEK_END`.
    pub l_whence: i16,
    /// Padding.
    pub __pad0: i32,
    /// Start offset.
    pub l_start: i64,
    /// Length; 0 means to end of file.
    pub l_len: i64,
    /// Owner of a conflicting lock (`F_GETLK`).
    pub l_pid: i32,
    /// Padding.
    pub __pad1: i32,
}

/// `struct open_how` (openat2), 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct OpenHow {
    /// `O_*` flags.
    pub flags: u64,
    /// Mode for `O_CREAT` / `O_TMPFILE` (must be 0 otherwise).
    pub mode: u64,
    /// `RESOLVE_*` flags.
    pub resolve: u64,
}

bitflags! {
    /// `resolve` of [`OpenHow`].
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct ResolveFlags: u64 {
        /// Don't cross mount points.
        const RESOLVE_NO_XDEV = 0x01;
        /// Don't follow magic links (/proc/*/fd/*).
        const RESOLVE_NO_MAGICLINKS = 0x02;
        /// Don't follow any symlink.
        const RESOLVE_NO_SYMLINKS = 0x04;
        /// Stay beneath the starting directory.
        const RESOLVE_BENEATH = 0x08;
        /// Treat the starting directory as root.
        const RESOLVE_IN_ROOT = 0x10;
        /// Only complete from the dcache (else `EAGAIN`).
        const RESOLVE_CACHED = 0x20;
    }
}

// --------------------------------------------------------------------------
// Threads
// --------------------------------------------------------------------------

/// `struct robust_list_head` (set_robust_list), 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct RobustListHead {
    /// `list.next`: user pointer to the first entry (or to this head).
    pub list: u64,
    /// Offset from an entry to its futex word.
    pub futex_offset: i64,
    /// Entry being acquired or released, or 0.
    pub list_op_pending: u64,
}

/// `struct clone_args` (clone3), 88 bytes (version 2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct CloneArgs {
    /// `CLONE_*` flags (no exit signal in the low byte).
    pub flags: u64,
    /// Where to store the pidfd (`CLONE_PIDFD`).
    pub pidfd: u64,
    /// Where to store the child TID in the child (`CLONE_CHILD_SETTID`,
    /// `CLONE_CHILD_CLEARTID`).
    pub child_tid: u64,
    /// Where to store the child TID in the parent (`CLONE_PARENT_SETTID`).
    pub parent_tid: u64,
    /// Signal sent to the parent on exit.
    pub exit_signal: u64,
    /// Lowest address of the child's stack.
    pub stack: u64,
    /// Size of the child's stack.
    pub stack_size: u64,
    /// TLS (fs base) for `CLONE_SETTLS`.
    pub tls: u64,
    /// User pointer to an array of TIDs to use.
    pub set_tid: u64,
    /// Length of `set_tid`.
    pub set_tid_size: u64,
    /// cgroup fd for `CLONE_INTO_CGROUP`.
    pub cgroup: u64,
}

abi_consts! {
    /// Accepted `size` arguments of clone3.
    table CLONE_ARGS_SIZES: usize {
        /// Up to `tls`.
        CLONE_ARGS_SIZE_VER0 = 64,
        /// Up to `set_tid_size`.
        CLONE_ARGS_SIZE_VER1 = 80,
        /// Up to `cgroup`.
        CLONE_ARGS_SIZE_VER2 = 88,
    }
}

/// `struct futex_waitv` (futex_waitv), 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct FutexWaitv {
    /// Expected value.
    pub val: u64,
    /// User address of the futex.
    pub uaddr: u64,
    /// `FUTEX2_*` flags.
    pub flags: u32,
    /// Must be 0.
    pub __reserved: u32,
}

/// `struct sigevent` (timer_create, mq_notify), 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Pod, Zeroable)]
#[repr(C)]
pub struct SigEvent {
    /// `sigev_value` (`sival_ptr` / `sival_int`).
    pub sigev_value: u64,
    /// Signal to send.
    pub sigev_signo: i32,
    /// `SIGEV_*`.
    pub sigev_notify: i32,
    /// The union `_sigev_un`; the first `i32` is `sigev_notify_thread_id`.
    pub sigev_un: [u64; 6],
}

impl SigEvent {
    /// `sigev_notify_thread_id` (`_sigev_un._tid`) for `SIGEV_THREAD_ID`.
    pub const fn notify_thread_id(&self) -> i32 {
        self.sigev_un[0] as u32 as i32
    }
}

abi_consts! {
    /// `sigev_notify` values.
    table SIGEV_NOTIFY: i32 {
        /// Send `sigev_signo` to the process.
        SIGEV_SIGNAL = 0,
        /// No notification.
        SIGEV_NONE = 1,
        /// Handled by libc (thread creation); the kernel sees `SIGEV_SIGNAL`.
        SIGEV_THREAD = 2,
        /// Send the signal to thread `sigev_notify_thread_id`.
        SIGEV_THREAD_ID = 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes() {
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(size_of::<Timeval>(), 16);
        assert_eq!(size_of::<Itimerval>(), 32);
        assert_eq!(size_of::<Itimerspec>(), 32);
        assert_eq!(size_of::<Timezone>(), 8);
        assert_eq!(size_of::<Tms>(), 32);
        assert_eq!(size_of::<Rusage>(), 144);
        assert_eq!(size_of::<Rlimit>(), 16);
        assert_eq!(size_of::<Utsname>(), 390);
        assert_eq!(size_of::<Sysinfo>(), 112);
        assert_eq!(size_of::<Iovec>(), 16);
        assert_eq!(size_of::<PollFd>(), 8);
        assert_eq!(size_of::<EpollEvent>(), 12);
        assert_eq!(size_of::<Stat>(), 144);
        assert_eq!(size_of::<StatxTimestamp>(), 16);
        assert_eq!(size_of::<Statx>(), 256);
        assert_eq!(size_of::<StatFs>(), 120);
        assert_eq!(size_of::<LinuxDirent64Header>(), DIRENT64_NAME_OFFSET);
        assert_eq!(size_of::<Flock>(), 32);
        assert_eq!(size_of::<OpenHow>(), 24);
        assert_eq!(size_of::<RobustListHead>(), 24);
        assert_eq!(size_of::<CloneArgs>(), CLONE_ARGS_SIZE_VER2);
        assert_eq!(size_of::<FutexWaitv>(), 24);
        assert_eq!(size_of::<SigEvent>(), 64);
    }

    #[test]
    fn offsets() {
        assert_eq!(offset_of!(Stat, st_mode), 24);
        assert_eq!(offset_of!(Stat, st_uid), 28);
        assert_eq!(offset_of!(Stat, st_rdev), 40);
        assert_eq!(offset_of!(Stat, st_size), 48);
        assert_eq!(offset_of!(Stat, st_blksize), 56);
        assert_eq!(offset_of!(Stat, st_blocks), 64);
        assert_eq!(offset_of!(Stat, st_atime), 72);
        assert_eq!(offset_of!(Stat, st_mtime), 88);
        assert_eq!(offset_of!(Stat, st_ctime), 104);
        assert_eq!(offset_of!(Stat, __unused), 120);
        assert_eq!(offset_of!(Statx, stx_mode), 28);
        assert_eq!(offset_of!(Statx, stx_ino), 32);
        assert_eq!(offset_of!(Statx, stx_atime), 64);
        assert_eq!(offset_of!(Statx, stx_btime), 80);
        assert_eq!(offset_of!(Statx, stx_ctime), 96);
        assert_eq!(offset_of!(Statx, stx_mtime), 112);
        assert_eq!(offset_of!(Statx, stx_rdev_major), 128);
        assert_eq!(offset_of!(Statx, stx_mnt_id), 144);
        assert_eq!(offset_of!(Statx, stx_dio_mem_align), 152);
        assert_eq!(offset_of!(Statx, stx_subvol), 160);
        assert_eq!(offset_of!(Statx, stx_atomic_write_unit_min), 168);
        assert_eq!(offset_of!(Statx, stx_dio_read_offset_align), 180);
        assert_eq!(offset_of!(Statx, stx_atomic_write_unit_max_opt), 184);
        assert_eq!(offset_of!(Statx, __spare3), 192);
        assert_eq!(offset_of!(Rusage, ru_maxrss), 32);
        assert_eq!(offset_of!(Rusage, ru_nivcsw), 136);
        assert_eq!(offset_of!(Sysinfo, procs), 80);
        assert_eq!(offset_of!(Sysinfo, totalhigh), 88);
        assert_eq!(offset_of!(Sysinfo, mem_unit), 104);
        assert_eq!(offset_of!(Utsname, machine), 260);
        assert_eq!(offset_of!(StatFs, f_fsid), 56);
        assert_eq!(offset_of!(StatFs, f_namelen), 64);
        assert_eq!(offset_of!(StatFs, f_spare), 88);
        assert_eq!(offset_of!(EpollEvent, data), 4);
        assert_eq!(offset_of!(LinuxDirent64Header, d_reclen), 16);
        assert_eq!(offset_of!(LinuxDirent64Header, d_type), 18);
        assert_eq!(offset_of!(Flock, l_start), 8);
        assert_eq!(offset_of!(Flock, l_pid), 24);
        assert_eq!(offset_of!(CloneArgs, tls), 56);
        assert_eq!(offset_of!(CloneArgs, set_tid_size), 72);
        assert_eq!(offset_of!(CloneArgs, cgroup), 80);
        assert_eq!(offset_of!(FutexWaitv, flags), 16);
        assert_eq!(offset_of!(SigEvent, sigev_notify), 12);
        assert_eq!(offset_of!(SigEvent, sigev_un), 16);
        assert_eq!(offset_of!(PollFd, revents), 6);
    }

    #[test]
    fn time_helpers() {
        let t = Timespec::from_nanos(3_000_000_007);
        assert_eq!(t, Timespec::new(3, 7));
        assert_eq!(t.to_nanos(), Some(3_000_000_007));
        assert_eq!(Timespec::new(0, NSEC_PER_SEC).to_nanos(), None);
        assert_eq!(Timespec::new(-1, 0).to_nanos(), None);
        assert_eq!(Timespec::new(i64::MAX, 0).to_nanos(), None);
        let v = Timeval::from_micros(1_500_000);
        assert_eq!((v.tv_sec, v.tv_usec), (1, 500_000));
        assert_eq!(v.to_micros(), Some(1_500_000));
        assert_eq!(UTIME_NOW, 0x3fff_ffff);
        assert_eq!(UTIME_OMIT, 0x3fff_fffe);
    }

    #[test]
    fn dirent() {
        assert_eq!(dirent64_reclen(1), 24);
        assert_eq!(dirent64_reclen(4), 24);
        assert_eq!(dirent64_reclen(5), 32);
        let mut buf = [0xffu8; 64];
        let n = write_dirent64(&mut buf, 7, 1, DT_DIR, b"..").unwrap();
        assert_eq!(n, 24);
        let h: LinuxDirent64Header = bytemuck::pod_read_unaligned(&buf[..19]);
        assert_eq!({ h.d_ino }, 7);
        assert_eq!({ h.d_reclen }, 24);
        assert_eq!(h.d_type, DT_DIR);
        assert_eq!(&buf[19..24], b"..\0\0\0");
        assert_eq!(buf[24], 0xff);
        assert_eq!(write_dirent64(&mut buf[..20], 1, 1, DT_REG, b"x"), None);
        assert_eq!(mode_to_dt(0o040755), DT_DIR);
        assert_eq!(mode_to_dt(0o100644), DT_REG);
        assert_eq!(mode_to_dt(0o120777), DT_LNK);
    }

    #[test]
    fn flags() {
        assert_eq!(PollEvents::from_bits(0x4000), None);
        assert!(PollEvents::from_bits(0x2005).is_some());
        assert_eq!(EpollEvents::EPOLLET.bits(), 0x8000_0000);
        assert_eq!(ResolveFlags::from_bits(0x40), None);
        assert_eq!(&utsname_field("Linux")[..6], b"Linux\0");
        assert_eq!(utsname_field(&"x".repeat(100))[64], 0);
    }
}
