//! Flag words and command numbers of the syscalls: open, mmap / mremap /
//! madvise / msync, clone, wait, fcntl, file modes, lseek, rename, clocks,
//! futex, prctl, arch_prctl, getrandom, access, eventfd / timerfd /
//! signalfd / memfd / pipe2, close_range, scheduling and priorities.
//!
//! Flag words that the kernel must validate are [`bitflags`](mod@bitflags) types whose
//! constants carry the Linux names (`OpenFlags::O_CREAT`), so
//! `from_bits(x)` returning `None` means "unknown bit: `EINVAL`". Command
//! numbers and enumerations are plain constants.
//!
//! The `AT_*` flags of the `*at()` calls are in [`crate::at`] and the
//! auxiliary-vector keys in [`crate::auxv`], because both use the `AT_`
//! prefix.

use bitflags::bitflags;

// --------------------------------------------------------------------------
// open
// --------------------------------------------------------------------------

bitflags! {
    /// `flags` of open / openat / openat2 (x86_64 values, octal as in
    /// `asm-generic/fcntl.h`).
    ///
    /// `O_SYNC` includes `O_DSYNC`'s bit and `O_TMPFILE` includes
    /// `O_DIRECTORY`'s, as in Linux. x86_64 user space passes 0 for
    /// `O_LARGEFILE`; the kernel forces it on.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct OpenFlags: u32 {
        /// Read only (access mode 0).
        const O_RDONLY = 0o0;
        /// Write only.
        const O_WRONLY = 0o1;
        /// Read and write.
        const O_RDWR = 0o2;
        /// Mask of the access mode.
        const O_ACCMODE = 0o3;
        /// Create if missing.
        const O_CREAT = 0o100;
        /// With `O_CREAT`: fail if it exists.
        const O_EXCL = 0o200;
        /// Don't make a tty the controlling terminal.
        const O_NOCTTY = 0o400;
        /// Truncate to 0.
        const O_TRUNC = 0o1000;
        /// Writes append.
        const O_APPEND = 0o2000;
        /// Non-blocking I/O.
        const O_NONBLOCK = 0o4000;
        /// Same as `O_NONBLOCK`.
        const O_NDELAY = 0o4000;
        /// Synchronized data integrity writes.
        const O_DSYNC = 0o10000;
        /// Signal-driven I/O (the kernel headers spell it `FASYNC`).
        const O_ASYNC = 0o20000;
        /// Direct I/O.
        const O_DIRECT = 0o40000;
        /// Large file (implied on 64-bit).
        const O_LARGEFILE = 0o100000;
        /// Fail unless a directory.
        const O_DIRECTORY = 0o200000;
        /// Don't follow a final symlink.
        const O_NOFOLLOW = 0o400000;
        /// Don't update atime.
        const O_NOATIME = 0o1000000;
        /// Close on exec.
        const O_CLOEXEC = 0o2000000;
        /// Synchronized file integrity writes (`__O_SYNC | O_DSYNC`).
        const O_SYNC = 0o4010000;
        /// Path-only descriptor.
        const O_PATH = 0o10000000;
        /// Unnamed temporary file (`__O_TMPFILE | O_DIRECTORY`).
        const O_TMPFILE = 0o20200000;
    }
}

impl OpenFlags {
    /// The access mode bits (`flags & O_ACCMODE`): 0, 1, 2 (or 3, invalid
    /// except with `O_PATH` ignored).
    pub const fn access_mode(self) -> u32 {
        self.bits() & 0o3
    }

    /// True if the descriptor may be read (`O_RDONLY` or `O_RDWR`).
    pub const fn readable(self) -> bool {
        matches!(self.access_mode(), 0 | 2)
    }

    /// True if the descriptor may be written (`O_WRONLY` or `O_RDWR`).
    pub const fn writable(self) -> bool {
        matches!(self.access_mode(), 1 | 2)
    }

    /// The flags `F_SETFL` may change: `O_APPEND | O_ASYNC | O_DIRECT |
    /// O_NOATIME | O_NONBLOCK`.
    pub const SETFL_MASK: OpenFlags = OpenFlags::O_APPEND
        .union(OpenFlags::O_ASYNC)
        .union(OpenFlags::O_DIRECT)
        .union(OpenFlags::O_NOATIME)
        .union(OpenFlags::O_NONBLOCK);
}

// --------------------------------------------------------------------------
// mmap and friends
// --------------------------------------------------------------------------

bitflags! {
    /// `prot` of mmap / mprotect.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct MmapProt: u32 {
        /// No access.
        const PROT_NONE = 0x0;
        /// Readable.
        const PROT_READ = 0x1;
        /// Writable.
        const PROT_WRITE = 0x2;
        /// Executable.
        const PROT_EXEC = 0x4;
        /// Usable for atomic ops (no-op).
        const PROT_SEM = 0x8;
        /// mprotect: extend the change down to the start of a grows-down
        /// mapping.
        const PROT_GROWSDOWN = 0x0100_0000;
        /// mprotect: extend the change up (not on x86).
        const PROT_GROWSUP = 0x0200_0000;
    }
}

bitflags! {
    /// `flags` of mmap (x86_64).
    ///
    /// Bits 26..=31 encode a huge page size (`MAP_HUGE_SHIFT`) when
    /// `MAP_HUGETLB` is set; Linux ignores unknown bits unless
    /// `MAP_SHARED_VALIDATE` is used.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct MmapFlags: u32 {
        /// Compatibility no-op (0).
        const MAP_FILE = 0;
        /// Shared mapping.
        const MAP_SHARED = 0x01;
        /// Private copy-on-write mapping.
        const MAP_PRIVATE = 0x02;
        /// Shared, and fail on unknown flags.
        const MAP_SHARED_VALIDATE = 0x03;
        /// Private mapping that the kernel may drop under pressure (6.11).
        const MAP_DROPPABLE = 0x08;
        /// Place exactly at `addr`, replacing existing mappings.
        const MAP_FIXED = 0x10;
        /// Not backed by a file.
        const MAP_ANONYMOUS = 0x20;
        /// Map in the low 2 GiB (x86_64).
        const MAP_32BIT = 0x40;
        /// Only map above 4 GiB (x86 shadow stacks).
        const MAP_ABOVE4G = 0x80;
        /// Stack-like segment that grows down.
        const MAP_GROWSDOWN = 0x0100;
        /// Ignored.
        const MAP_DENYWRITE = 0x0800;
        /// Ignored.
        const MAP_EXECUTABLE = 0x1000;
        /// Lock the pages (mlock).
        const MAP_LOCKED = 0x2000;
        /// Don't reserve swap.
        const MAP_NORESERVE = 0x4000;
        /// Prefault the pages.
        const MAP_POPULATE = 0x8000;
        /// With `MAP_POPULATE`: don't block on I/O.
        const MAP_NONBLOCK = 0x10000;
        /// Address is suitable for a stack.
        const MAP_STACK = 0x20000;
        /// Use huge pages.
        const MAP_HUGETLB = 0x40000;
        /// Synchronous page faults for DAX (needs `MAP_SHARED_VALIDATE`).
        const MAP_SYNC = 0x80000;
        /// Like `MAP_FIXED` but fail with `EEXIST` instead of replacing.
        const MAP_FIXED_NOREPLACE = 0x100000;
        /// Don't clear anonymous pages (embedded only).
        const MAP_UNINITIALIZED = 0x4000000;
    }
}

impl MmapFlags {
    /// The mapping type (`flags & MAP_TYPE`): `MAP_SHARED`, `MAP_PRIVATE`,
    /// `MAP_SHARED_VALIDATE` or `MAP_DROPPABLE`.
    pub const fn map_type(self) -> u32 {
        self.bits() & MAP_TYPE
    }
}

/// Mask of the mapping type in mmap flags.
pub const MAP_TYPE: u32 = 0x0f;
/// Shift of the huge page size (log2) in mmap flags.
pub const MAP_HUGE_SHIFT: u32 = 26;
/// Mask of the huge page size, after shifting.
pub const MAP_HUGE_MASK: u32 = 0x3f;
/// `mmap` failure value in user space (`(void *)-1`).
pub const MAP_FAILED: u64 = !0;

bitflags! {
    /// `flags` of mremap.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct MremapFlags: u32 {
        /// May move the mapping.
        const MREMAP_MAYMOVE = 1;
        /// Move to `new_address` (needs `MREMAP_MAYMOVE`).
        const MREMAP_FIXED = 2;
        /// Leave the old range mapped but empty.
        const MREMAP_DONTUNMAP = 4;
    }
}

bitflags! {
    /// `flags` of msync.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct MsyncFlags: u32 {
        /// Schedule the write-back.
        const MS_ASYNC = 1;
        /// Invalidate other mappings.
        const MS_INVALIDATE = 2;
        /// Write back and wait.
        const MS_SYNC = 4;
    }
}

abi_consts! {
    /// `advice` of madvise.
    table MADV: i32 {
        /// No special treatment.
        MADV_NORMAL = 0,
        /// Expect random access.
        MADV_RANDOM = 1,
        /// Expect sequential access.
        MADV_SEQUENTIAL = 2,
        /// Will need these pages.
        MADV_WILLNEED = 3,
        /// Drop the pages (anonymous: zero-fill on next touch).
        MADV_DONTNEED = 4,
        /// Pages may be freed lazily.
        MADV_FREE = 8,
        /// Remove the pages and backing store.
        MADV_REMOVE = 9,
        /// Don't inherit across fork.
        MADV_DONTFORK = 10,
        /// Undo `MADV_DONTFORK`.
        MADV_DOFORK = 11,
        /// KSM may merge.
        MADV_MERGEABLE = 12,
        /// KSM may not merge.
        MADV_UNMERGEABLE = 13,
        /// Use transparent huge pages.
        MADV_HUGEPAGE = 14,
        /// Don't use transparent huge pages.
        MADV_NOHUGEPAGE = 15,
        /// Exclude from core dumps.
        MADV_DONTDUMP = 16,
        /// Undo `MADV_DONTDUMP`.
        MADV_DODUMP = 17,
        /// Zero the range in the child after fork.
        MADV_WIPEONFORK = 18,
        /// Undo `MADV_WIPEONFORK`.
        MADV_KEEPONFORK = 19,
        /// Deactivate the pages.
        MADV_COLD = 20,
        /// Reclaim the pages.
        MADV_PAGEOUT = 21,
        /// Populate (prefault) page tables readable.
        MADV_POPULATE_READ = 22,
        /// Populate (prefault) page tables writable.
        MADV_POPULATE_WRITE = 23,
        /// Like `MADV_DONTNEED`, also for locked pages.
        MADV_DONTNEED_LOCKED = 24,
        /// Synchronous huge page collapse.
        MADV_COLLAPSE = 25,
        /// Poison the pages (testing).
        MADV_HWPOISON = 100,
        /// Soft-offline the pages (testing).
        MADV_SOFT_OFFLINE = 101,
        /// Install guard regions (6.13).
        MADV_GUARD_INSTALL = 102,
        /// Remove guard regions (6.13).
        MADV_GUARD_REMOVE = 103,
    }
}

abi_consts! {
    /// mlock2 / mlockall flags.
    table MLOCK: i32 {
        /// mlock2: lock pages as they are faulted in.
        MLOCK_ONFAULT = 0x01,
        /// mlockall: lock current mappings.
        MCL_CURRENT = 1,
        /// mlockall: lock future mappings.
        MCL_FUTURE = 2,
        /// mlockall: lock on fault.
        MCL_ONFAULT = 4,
    }
}

// --------------------------------------------------------------------------
// clone and wait
// --------------------------------------------------------------------------

bitflags! {
    /// `flags` of clone / clone3 / unshare.
    ///
    /// For clone(2) the low byte (`CSIGNAL`) is the exit signal; clone3
    /// passes it separately and rejects `CSIGNAL` bits other than
    /// `CLONE_NEWTIME` (0x80), which shares the byte.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct CloneFlags: u64 {
        /// Mask of the exit signal in clone(2) flags.
        const CSIGNAL = 0x0000_00ff;
        /// New time namespace (clone3 / unshare only).
        const CLONE_NEWTIME = 0x0000_0080;
        /// Share the address space.
        const CLONE_VM = 0x0000_0100;
        /// Share cwd, root and umask.
        const CLONE_FS = 0x0000_0200;
        /// Share the file descriptor table.
        const CLONE_FILES = 0x0000_0400;
        /// Share signal handlers (needs `CLONE_VM`).
        const CLONE_SIGHAND = 0x0000_0800;
        /// Return a pidfd.
        const CLONE_PIDFD = 0x0000_1000;
        /// Continue tracing the child.
        const CLONE_PTRACE = 0x0000_2000;
        /// Suspend the parent until the child execs or exits.
        const CLONE_VFORK = 0x0000_4000;
        /// Same parent as the caller.
        const CLONE_PARENT = 0x0000_8000;
        /// Same thread group (needs `CLONE_SIGHAND`).
        const CLONE_THREAD = 0x0001_0000;
        /// New mount namespace.
        const CLONE_NEWNS = 0x0002_0000;
        /// Share System V semaphore undo lists.
        const CLONE_SYSVSEM = 0x0004_0000;
        /// Set the TLS (fs base).
        const CLONE_SETTLS = 0x0008_0000;
        /// Store the child TID at `parent_tid`.
        const CLONE_PARENT_SETTID = 0x0010_0000;
        /// Clear `child_tid` and futex-wake it when the child exits.
        const CLONE_CHILD_CLEARTID = 0x0020_0000;
        /// Ignored.
        const CLONE_DETACHED = 0x0040_0000;
        /// Tracer can't force `CLONE_PTRACE`.
        const CLONE_UNTRACED = 0x0080_0000;
        /// Store the child TID at `child_tid` in the child.
        const CLONE_CHILD_SETTID = 0x0100_0000;
        /// New cgroup namespace.
        const CLONE_NEWCGROUP = 0x0200_0000;
        /// New UTS namespace.
        const CLONE_NEWUTS = 0x0400_0000;
        /// New IPC namespace.
        const CLONE_NEWIPC = 0x0800_0000;
        /// New user namespace.
        const CLONE_NEWUSER = 0x1000_0000;
        /// New PID namespace.
        const CLONE_NEWPID = 0x2000_0000;
        /// New network namespace.
        const CLONE_NEWNET = 0x4000_0000;
        /// Share the I/O context.
        const CLONE_IO = 0x8000_0000;
        /// Reset signal handlers to default (clone3 only).
        const CLONE_CLEAR_SIGHAND = 0x1_0000_0000;
        /// Start in the cgroup `clone_args.cgroup` (clone3 only).
        const CLONE_INTO_CGROUP = 0x2_0000_0000;
    }
}

impl CloneFlags {
    /// The exit signal of clone(2) flags (`flags & CSIGNAL`).
    pub const fn exit_signal(self) -> u32 {
        (self.bits() & 0xff) as u32
    }
}

bitflags! {
    /// `options` of wait4 / waitid.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct WaitOptions: u32 {
        /// Don't block.
        const WNOHANG = 0x0000_0001;
        /// Report stopped children (wait4).
        const WUNTRACED = 0x0000_0002;
        /// Report stopped children (waitid).
        const WSTOPPED = 0x0000_0002;
        /// Report exited children (waitid).
        const WEXITED = 0x0000_0004;
        /// Report continued children.
        const WCONTINUED = 0x0000_0008;
        /// Leave the child waitable.
        const WNOWAIT = 0x0100_0000;
        /// Only this thread's children.
        const __WNOTHREAD = 0x2000_0000;
        /// Wait for all children, clone or not.
        const __WALL = 0x4000_0000;
        /// Wait only for "clone" children (non-SIGCHLD exit signal).
        const __WCLONE = 0x8000_0000;
    }
}

abi_consts! {
    /// `idtype` of waitid.
    table WAITID_TYPES: i32 {
        /// Any child.
        P_ALL = 0,
        /// The child with pid `id`.
        P_PID = 1,
        /// Children in process group `id` (0: the caller's).
        P_PGID = 2,
        /// The child referred to by pidfd `id`.
        P_PIDFD = 3,
    }
}

/// `wait` status of a child that exited with `code` (`(code & 0xff) << 8`).
pub const fn w_exitcode(code: i32, sig: i32) -> i32 {
    ((code & 0xff) << 8) | (sig & 0x7f)
}

/// `wait` status of a child stopped by `sig` (`(sig << 8) | 0x7f`).
pub const fn w_stopcode(sig: i32) -> i32 {
    (sig << 8) | 0x7f
}

/// `wait` status of a continued child.
pub const W_CONTINUED: i32 = 0xffff;
/// Bit set in the `wait` status when a core was dumped.
pub const WCOREFLAG: i32 = 0x80;

// --------------------------------------------------------------------------
// fcntl, flock, seals
// --------------------------------------------------------------------------

abi_consts! {
    /// fcntl commands.
    table FCNTL_CMDS: i32 {
        /// Duplicate to the lowest fd >= arg.
        F_DUPFD = 0,
        /// Get fd flags (`FD_CLOEXEC`).
        F_GETFD = 1,
        /// Set fd flags.
        F_SETFD = 2,
        /// Get file status flags (`O_*`).
        F_GETFL = 3,
        /// Set file status flags (`OpenFlags::SETFL_MASK`).
        F_SETFL = 4,
        /// Test a POSIX lock.
        F_GETLK = 5,
        /// Set a POSIX lock.
        F_SETLK = 6,
        /// Set a POSIX lock, waiting.
        F_SETLKW = 7,
        /// Set the SIGIO owner.
        F_SETOWN = 8,
        /// Get the SIGIO owner.
        F_GETOWN = 9,
        /// Set the signal sent for I/O.
        F_SETSIG = 10,
        /// Get the signal sent for I/O.
        F_GETSIG = 11,
        /// Set the owner (`struct f_owner_ex`).
        F_SETOWN_EX = 15,
        /// Get the owner (`struct f_owner_ex`).
        F_GETOWN_EX = 16,
        /// Get the owner uids.
        F_GETOWNER_UIDS = 17,
        /// Test an open-file-description lock.
        F_OFD_GETLK = 36,
        /// Set an OFD lock.
        F_OFD_SETLK = 37,
        /// Set an OFD lock, waiting.
        F_OFD_SETLKW = 38,
        /// Set a lease.
        F_SETLEASE = 1024,
        /// Get the lease.
        F_GETLEASE = 1025,
        /// Directory change notifications.
        F_NOTIFY = 1026,
        /// Is arg a duplicate of fd? (6.10)
        F_DUPFD_QUERY = 1027,
        /// Did this open create the file? (6.12)
        F_CREATED_QUERY = 1028,
        /// Cancel a lock request.
        F_CANCELLK = 1029,
        /// Like `F_DUPFD`, with close-on-exec.
        F_DUPFD_CLOEXEC = 1030,
        /// Set the pipe capacity.
        F_SETPIPE_SZ = 1031,
        /// Get the pipe capacity.
        F_GETPIPE_SZ = 1032,
        /// Add memfd seals.
        F_ADD_SEALS = 1033,
        /// Get memfd seals.
        F_GET_SEALS = 1034,
        /// Get the inode write hint.
        F_GET_RW_HINT = 1035,
        /// Set the inode write hint.
        F_SET_RW_HINT = 1036,
        /// Get the file write hint.
        F_GET_FILE_RW_HINT = 1037,
        /// Set the file write hint.
        F_SET_FILE_RW_HINT = 1038,
        /// Base of the Linux-specific commands.
        F_LINUX_SPECIFIC_BASE = 1024,
    }
}

abi_consts! {
    /// fcntl arguments: fd flags, lock types, seals, owner types.
    table FCNTL_ARGS: i32 {
        /// Close on exec (the only fd flag).
        FD_CLOEXEC = 1,
        /// Shared (read) lock.
        F_RDLCK = 0,
        /// Exclusive (write) lock.
        F_WRLCK = 1,
        /// Unlock.
        F_UNLCK = 2,
        /// Old BSD flock emulation: exclusive (`l_type`).
        F_EXLCK = 4,
        /// Old BSD flock emulation: shared (`l_type`).
        F_SHLCK = 8,
        /// Seal: no more seals.
        F_SEAL_SEAL = 0x0001,
        /// Seal: no shrinking.
        F_SEAL_SHRINK = 0x0002,
        /// Seal: no growing.
        F_SEAL_GROW = 0x0004,
        /// Seal: no writes.
        F_SEAL_WRITE = 0x0008,
        /// Seal: no future writes through new mappings/fds.
        F_SEAL_FUTURE_WRITE = 0x0010,
        /// Seal: no chmod +x.
        F_SEAL_EXEC = 0x0020,
        /// `f_owner_ex.type`: thread.
        F_OWNER_TID = 0,
        /// `f_owner_ex.type`: process.
        F_OWNER_PID = 1,
        /// `f_owner_ex.type`: process group.
        F_OWNER_PGRP = 2,
    }
}

abi_consts! {
    /// flock(2) operations.
    table FLOCK_OPS: i32 {
        /// Shared lock.
        LOCK_SH = 1,
        /// Exclusive lock.
        LOCK_EX = 2,
        /// Don't block.
        LOCK_NB = 4,
        /// Unlock.
        LOCK_UN = 8,
    }
}

// --------------------------------------------------------------------------
// File modes, lseek, rename, access
// --------------------------------------------------------------------------

abi_consts! {
    /// File type and permission bits of `st_mode`.
    table MODE_BITS: u32 {
        /// File type mask.
        S_IFMT = 0o170000,
        /// Socket.
        S_IFSOCK = 0o140000,
        /// Symbolic link.
        S_IFLNK = 0o120000,
        /// Regular file.
        S_IFREG = 0o100000,
        /// Block device.
        S_IFBLK = 0o060000,
        /// Directory.
        S_IFDIR = 0o040000,
        /// Character device.
        S_IFCHR = 0o020000,
        /// FIFO.
        S_IFIFO = 0o010000,
        /// Set-user-ID.
        S_ISUID = 0o4000,
        /// Set-group-ID.
        S_ISGID = 0o2000,
        /// Sticky.
        S_ISVTX = 0o1000,
        /// Owner rwx.
        S_IRWXU = 0o700,
        /// Owner read.
        S_IRUSR = 0o400,
        /// Owner write.
        S_IWUSR = 0o200,
        /// Owner execute.
        S_IXUSR = 0o100,
        /// Group rwx.
        S_IRWXG = 0o070,
        /// Group read.
        S_IRGRP = 0o040,
        /// Group write.
        S_IWGRP = 0o020,
        /// Group execute.
        S_IXGRP = 0o010,
        /// Others rwx.
        S_IRWXO = 0o007,
        /// Others read.
        S_IROTH = 0o004,
        /// Others write.
        S_IWOTH = 0o002,
        /// Others execute.
        S_IXOTH = 0o001,
    }
}

/// Permission bits settable by chmod (`S_ISUID | S_ISGID | S_ISVTX | 0o777`).
pub const S_IALLUGO: u32 = 0o7777;

/// `S_ISREG(mode)`.
pub const fn s_isreg(mode: u32) -> bool {
    mode & S_IFMT == S_IFREG
}
/// `S_ISDIR(mode)`.
pub const fn s_isdir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}
/// `S_ISLNK(mode)`.
pub const fn s_islnk(mode: u32) -> bool {
    mode & S_IFMT == S_IFLNK
}
/// `S_ISCHR(mode)`.
pub const fn s_ischr(mode: u32) -> bool {
    mode & S_IFMT == S_IFCHR
}
/// `S_ISBLK(mode)`.
pub const fn s_isblk(mode: u32) -> bool {
    mode & S_IFMT == S_IFBLK
}
/// `S_ISFIFO(mode)`.
pub const fn s_isfifo(mode: u32) -> bool {
    mode & S_IFMT == S_IFIFO
}
/// `S_ISSOCK(mode)`.
pub const fn s_issock(mode: u32) -> bool {
    mode & S_IFMT == S_IFSOCK
}

abi_consts! {
    /// `whence` of lseek.
    table SEEK_WHENCE: i32 {
        /// From the start.
        SEEK_SET = 0,
        /// From the current position.
        SEEK_CUR = 1,
        /// From the end.
        SEEK_END = 2,
        /// Next data at or after offset.
        SEEK_DATA = 3,
        /// Next hole at or after offset.
        SEEK_HOLE = 4,
    }
}

bitflags! {
    /// `flags` of renameat2.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct RenameFlags: u32 {
        /// Fail if the target exists.
        const RENAME_NOREPLACE = 1 << 0;
        /// Atomically exchange source and target.
        const RENAME_EXCHANGE = 1 << 1;
        /// Leave a whiteout at the source.
        const RENAME_WHITEOUT = 1 << 2;
    }
}

abi_consts! {
    /// `mode` of access / faccessat.
    table ACCESS_MODES: i32 {
        /// Existence.
        F_OK = 0,
        /// Execute/search.
        X_OK = 1,
        /// Write.
        W_OK = 2,
        /// Read.
        R_OK = 4,
    }
}

// --------------------------------------------------------------------------
// Clocks and timers
// --------------------------------------------------------------------------

abi_consts! {
    /// Clock ids.
    table CLOCK_IDS: i32 {
        /// Wall clock.
        CLOCK_REALTIME = 0,
        /// Monotonic, stops in suspend.
        CLOCK_MONOTONIC = 1,
        /// Process CPU time.
        CLOCK_PROCESS_CPUTIME_ID = 2,
        /// Thread CPU time.
        CLOCK_THREAD_CPUTIME_ID = 3,
        /// Monotonic, not NTP-adjusted.
        CLOCK_MONOTONIC_RAW = 4,
        /// Fast, coarse wall clock.
        CLOCK_REALTIME_COARSE = 5,
        /// Fast, coarse monotonic clock.
        CLOCK_MONOTONIC_COARSE = 6,
        /// Monotonic including suspend.
        CLOCK_BOOTTIME = 7,
        /// Wall clock that wakes the system.
        CLOCK_REALTIME_ALARM = 8,
        /// Boot time that wakes the system.
        CLOCK_BOOTTIME_ALARM = 9,
        /// International Atomic Time.
        CLOCK_TAI = 11,
    }
}

/// Absolute timeout for clock_nanosleep / timer_settime.
pub const TIMER_ABSTIME: i32 = 0x01;

abi_consts! {
    /// timerfd_create / timerfd_settime flags.
    table TFD_FLAGS: i32 {
        /// timerfd_settime: absolute time.
        TFD_TIMER_ABSTIME = 1 << 0,
        /// timerfd_settime: cancel on clock change.
        TFD_TIMER_CANCEL_ON_SET = 1 << 1,
        /// timerfd_create: close on exec.
        TFD_CLOEXEC = 0o2000000,
        /// timerfd_create: non-blocking.
        TFD_NONBLOCK = 0o4000,
    }
}

// --------------------------------------------------------------------------
// futex
// --------------------------------------------------------------------------

abi_consts! {
    /// futex(2) operations and flags.
    table FUTEX_OPS: i32 {
        /// Wait if `*uaddr == val`.
        FUTEX_WAIT = 0,
        /// Wake up to `val` waiters.
        FUTEX_WAKE = 1,
        /// Removed.
        FUTEX_FD = 2,
        /// Wake and requeue.
        FUTEX_REQUEUE = 3,
        /// Compare, wake and requeue.
        FUTEX_CMP_REQUEUE = 4,
        /// Operate on a second futex and wake.
        FUTEX_WAKE_OP = 5,
        /// PI lock.
        FUTEX_LOCK_PI = 6,
        /// PI unlock.
        FUTEX_UNLOCK_PI = 7,
        /// PI trylock.
        FUTEX_TRYLOCK_PI = 8,
        /// Wait with a bitset (absolute timeout).
        FUTEX_WAIT_BITSET = 9,
        /// Wake with a bitset.
        FUTEX_WAKE_BITSET = 10,
        /// Wait, to be requeued to a PI futex.
        FUTEX_WAIT_REQUEUE_PI = 11,
        /// Requeue to a PI futex.
        FUTEX_CMP_REQUEUE_PI = 12,
        /// PI lock with selectable clock.
        FUTEX_LOCK_PI2 = 13,
        /// Process-private futex.
        FUTEX_PRIVATE_FLAG = 128,
        /// Timeout is against `CLOCK_REALTIME`.
        FUTEX_CLOCK_REALTIME = 256,
        /// Mask of the command in `op`.
        FUTEX_CMD_MASK = !(128 | 256),
        /// `FUTEX_WAIT | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAIT_PRIVATE = FUTEX_WAIT | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_WAKE | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAKE_PRIVATE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG`.
        FUTEX_REQUEUE_PRIVATE = FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG`.
        FUTEX_CMP_REQUEUE_PRIVATE = FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAKE_OP_PRIVATE = FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG`.
        FUTEX_LOCK_PI_PRIVATE = FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG`.
        FUTEX_LOCK_PI2_PRIVATE = FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG`.
        FUTEX_UNLOCK_PI_PRIVATE = FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG`.
        FUTEX_TRYLOCK_PI_PRIVATE = FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAIT_BITSET_PRIVATE = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAKE_BITSET_PRIVATE = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG`.
        FUTEX_WAIT_REQUEUE_PI_PRIVATE = FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG,
        /// `FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE_FLAG`.
        FUTEX_CMP_REQUEUE_PI_PRIVATE = FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE_FLAG,
    }
}

/// Bitset matching every waiter.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;
/// Futex word bit: there are waiters (PI / robust).
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// Futex word bit: the owner died (robust).
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// Futex word mask of the owner TID.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Maximum robust list length walked at exit.
pub const ROBUST_LIST_LIMIT: usize = 2048;
/// Maximum number of futexes in futex_waitv.
pub const FUTEX_WAITV_MAX: usize = 128;

abi_consts! {
    /// futex2 flags (futex_waitv, futex_wake, futex_wait).
    table FUTEX2_FLAGS: u32 {
        /// 8-bit futex.
        FUTEX2_SIZE_U8 = 0x00,
        /// 16-bit futex.
        FUTEX2_SIZE_U16 = 0x01,
        /// 32-bit futex (the only size supported).
        FUTEX2_SIZE_U32 = 0x02,
        /// 64-bit futex.
        FUTEX2_SIZE_U64 = 0x03,
        /// NUMA node in the futex.
        FUTEX2_NUMA = 0x04,
        /// Process-private futex.
        FUTEX2_PRIVATE = 128,
        /// Mask of the size.
        FUTEX2_SIZE_MASK = 0x03,
        /// Old name of `FUTEX2_SIZE_U32` (futex_waitv, Linux 5.16).
        FUTEX_32 = 0x02,
    }
}

abi_consts! {
    /// `FUTEX_WAKE_OP` encoding: operations and comparisons.
    table FUTEX_WAKE_OPS: u32 {
        /// `*uaddr2 = oparg`.
        FUTEX_OP_SET = 0,
        /// `*uaddr2 += oparg`.
        FUTEX_OP_ADD = 1,
        /// `*uaddr2 |= oparg`.
        FUTEX_OP_OR = 2,
        /// `*uaddr2 &= !oparg`.
        FUTEX_OP_ANDN = 3,
        /// `*uaddr2 ^= oparg`.
        FUTEX_OP_XOR = 4,
        /// Flag: use `1 << oparg`.
        FUTEX_OP_OPARG_SHIFT = 8,
        /// `oldval == cmparg`.
        FUTEX_OP_CMP_EQ = 0,
        /// `oldval != cmparg`.
        FUTEX_OP_CMP_NE = 1,
        /// `oldval < cmparg`.
        FUTEX_OP_CMP_LT = 2,
        /// `oldval <= cmparg`.
        FUTEX_OP_CMP_LE = 3,
        /// `oldval > cmparg`.
        FUTEX_OP_CMP_GT = 4,
        /// `oldval >= cmparg`.
        FUTEX_OP_CMP_GE = 5,
    }
}

/// `FUTEX_OP(op, oparg, cmp, cmparg)`: encodes the `val3` of
/// `FUTEX_WAKE_OP`.
pub const fn futex_op(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
    ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
}

// --------------------------------------------------------------------------
// prctl, arch_prctl
// --------------------------------------------------------------------------

abi_consts! {
    /// prctl options.
    table PRCTL_OPTIONS: i32 {
        /// Set the parent-death signal.
        PR_SET_PDEATHSIG = 1,
        /// Get the parent-death signal.
        PR_GET_PDEATHSIG = 2,
        /// Get the dumpable flag.
        PR_GET_DUMPABLE = 3,
        /// Set the dumpable flag.
        PR_SET_DUMPABLE = 4,
        /// Get unaligned access control.
        PR_GET_UNALIGN = 5,
        /// Set unaligned access control.
        PR_SET_UNALIGN = 6,
        /// Get keep-capabilities.
        PR_GET_KEEPCAPS = 7,
        /// Set keep-capabilities.
        PR_SET_KEEPCAPS = 8,
        /// Get FP emulation control.
        PR_GET_FPEMU = 9,
        /// Set FP emulation control.
        PR_SET_FPEMU = 10,
        /// Get FP exception mode.
        PR_GET_FPEXC = 11,
        /// Set FP exception mode.
        PR_SET_FPEXC = 12,
        /// Get process timing method.
        PR_GET_TIMING = 13,
        /// Set process timing method.
        PR_SET_TIMING = 14,
        /// Set the thread name (16 bytes with NUL).
        PR_SET_NAME = 15,
        /// Get the thread name.
        PR_GET_NAME = 16,
        /// Get endianness.
        PR_GET_ENDIAN = 19,
        /// Set endianness.
        PR_SET_ENDIAN = 20,
        /// Get the seccomp mode.
        PR_GET_SECCOMP = 21,
        /// Set the seccomp mode.
        PR_SET_SECCOMP = 22,
        /// Read the capability bounding set.
        PR_CAPBSET_READ = 23,
        /// Drop from the capability bounding set.
        PR_CAPBSET_DROP = 24,
        /// Get TSC access.
        PR_GET_TSC = 25,
        /// Set TSC access.
        PR_SET_TSC = 26,
        /// Get securebits.
        PR_GET_SECUREBITS = 27,
        /// Set securebits.
        PR_SET_SECUREBITS = 28,
        /// Set the timer slack.
        PR_SET_TIMERSLACK = 29,
        /// Get the timer slack.
        PR_GET_TIMERSLACK = 30,
        /// Disable perf events.
        PR_TASK_PERF_EVENTS_DISABLE = 31,
        /// Enable perf events.
        PR_TASK_PERF_EVENTS_ENABLE = 32,
        /// Set machine-check kill policy.
        PR_MCE_KILL = 33,
        /// Get machine-check kill policy.
        PR_MCE_KILL_GET = 34,
        /// Set mm fields.
        PR_SET_MM = 35,
        /// Become a child subreaper.
        PR_SET_CHILD_SUBREAPER = 36,
        /// Query child subreaper.
        PR_GET_CHILD_SUBREAPER = 37,
        /// Set no_new_privs.
        PR_SET_NO_NEW_PRIVS = 38,
        /// Get no_new_privs.
        PR_GET_NO_NEW_PRIVS = 39,
        /// Get the clear_child_tid address.
        PR_GET_TID_ADDRESS = 40,
        /// Disable THP.
        PR_SET_THP_DISABLE = 41,
        /// Get THP disable.
        PR_GET_THP_DISABLE = 42,
        /// Removed (MPX).
        PR_MPX_ENABLE_MANAGEMENT = 43,
        /// Removed (MPX).
        PR_MPX_DISABLE_MANAGEMENT = 44,
        /// Set FP mode (MIPS).
        PR_SET_FP_MODE = 45,
        /// Get FP mode (MIPS).
        PR_GET_FP_MODE = 46,
        /// Ambient capabilities.
        PR_CAP_AMBIENT = 47,
        /// Set SVE vector length (arm64).
        PR_SVE_SET_VL = 50,
        /// Get SVE vector length (arm64).
        PR_SVE_GET_VL = 51,
        /// Get speculation control.
        PR_GET_SPECULATION_CTRL = 52,
        /// Set speculation control.
        PR_SET_SPECULATION_CTRL = 53,
        /// Reset pointer authentication keys (arm64).
        PR_PAC_RESET_KEYS = 54,
        /// Set tagged address control (arm64).
        PR_SET_TAGGED_ADDR_CTRL = 55,
        /// Get tagged address control (arm64).
        PR_GET_TAGGED_ADDR_CTRL = 56,
        /// Set IO flusher.
        PR_SET_IO_FLUSHER = 57,
        /// Get IO flusher.
        PR_GET_IO_FLUSHER = 58,
        /// Syscall user dispatch.
        PR_SET_SYSCALL_USER_DISPATCH = 59,
        /// Set enabled PAC keys (arm64).
        PR_PAC_SET_ENABLED_KEYS = 60,
        /// Get enabled PAC keys (arm64).
        PR_PAC_GET_ENABLED_KEYS = 61,
        /// Core scheduling.
        PR_SCHED_CORE = 62,
        /// Set SME vector length (arm64).
        PR_SME_SET_VL = 63,
        /// Get SME vector length (arm64).
        PR_SME_GET_VL = 64,
        /// Set memory-deny-write-execute.
        PR_SET_MDWE = 65,
        /// Get memory-deny-write-execute.
        PR_GET_MDWE = 66,
        /// Set KSM memory merging.
        PR_SET_MEMORY_MERGE = 67,
        /// Get KSM memory merging.
        PR_GET_MEMORY_MERGE = 68,
        /// Set RISC-V vector control.
        PR_RISCV_V_SET_CONTROL = 69,
        /// Get RISC-V vector control.
        PR_RISCV_V_GET_CONTROL = 70,
        /// RISC-V icache flush context.
        PR_RISCV_SET_ICACHE_FLUSH_CTX = 71,
        /// Name an anonymous VMA.
        PR_SET_VMA = 0x53564d41,
        /// Allow a ptracer (Yama).
        PR_SET_PTRACER = 0x59616d61,
    }
}

/// Length of a task name including the NUL (`PR_SET_NAME`, `/proc/*/comm`).
pub const TASK_COMM_LEN: usize = 16;

abi_consts! {
    /// arch_prctl codes (x86).
    table ARCH_PRCTL_CODES: i32 {
        /// Set the GS base.
        ARCH_SET_GS = 0x1001,
        /// Set the FS base (TLS).
        ARCH_SET_FS = 0x1002,
        /// Get the FS base.
        ARCH_GET_FS = 0x1003,
        /// Get the GS base.
        ARCH_GET_GS = 0x1004,
        /// Get CPUID faulting state.
        ARCH_GET_CPUID = 0x1011,
        /// Set CPUID faulting.
        ARCH_SET_CPUID = 0x1012,
        /// Supported XSTATE components.
        ARCH_GET_XCOMP_SUPP = 0x1021,
        /// Permitted XSTATE components.
        ARCH_GET_XCOMP_PERM = 0x1022,
        /// Request an XSTATE component (AMX).
        ARCH_REQ_XCOMP_PERM = 0x1023,
        /// Permitted guest XSTATE components.
        ARCH_GET_XCOMP_GUEST_PERM = 0x1024,
        /// Request a guest XSTATE component.
        ARCH_REQ_XCOMP_GUEST_PERM = 0x1025,
        /// Map the x32 vDSO.
        ARCH_MAP_VDSO_X32 = 0x2001,
        /// Map the 32-bit vDSO.
        ARCH_MAP_VDSO_32 = 0x2002,
        /// Map the 64-bit vDSO.
        ARCH_MAP_VDSO_64 = 0x2003,
        /// LAM: get the untag mask.
        ARCH_GET_UNTAG_MASK = 0x4001,
        /// LAM: enable tagged addresses.
        ARCH_ENABLE_TAGGED_ADDR = 0x4002,
        /// LAM: maximum tag bits.
        ARCH_GET_MAX_TAG_BITS = 0x4003,
        /// LAM: allow SVA with tagged addresses.
        ARCH_FORCE_TAGGED_SVA = 0x4004,
        /// Shadow stack: enable features.
        ARCH_SHSTK_ENABLE = 0x5001,
        /// Shadow stack: disable features.
        ARCH_SHSTK_DISABLE = 0x5002,
        /// Shadow stack: lock features.
        ARCH_SHSTK_LOCK = 0x5003,
        /// Shadow stack: unlock features (ptrace).
        ARCH_SHSTK_UNLOCK = 0x5004,
        /// Shadow stack: status.
        ARCH_SHSTK_STATUS = 0x5005,
    }
}

// --------------------------------------------------------------------------
// Small flag words
// --------------------------------------------------------------------------

bitflags! {
    /// `flags` of getrandom.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct GrndFlags: u32 {
        /// Don't block.
        const GRND_NONBLOCK = 0x0001;
        /// Use the (former) blocking pool.
        const GRND_RANDOM = 0x0002;
        /// Don't wait for initialisation.
        const GRND_INSECURE = 0x0004;
    }
}

abi_consts! {
    /// eventfd2 flags.
    table EFD_FLAGS: i32 {
        /// Semaphore semantics.
        EFD_SEMAPHORE = 1,
        /// Close on exec.
        EFD_CLOEXEC = 0o2000000,
        /// Non-blocking.
        EFD_NONBLOCK = 0o4000,
    }
}

abi_consts! {
    /// signalfd4 flags.
    table SFD_FLAGS: i32 {
        /// Close on exec.
        SFD_CLOEXEC = 0o2000000,
        /// Non-blocking.
        SFD_NONBLOCK = 0o4000,
    }
}

abi_consts! {
    /// memfd_create flags.
    table MFD_FLAGS: u32 {
        /// Close on exec.
        MFD_CLOEXEC = 0x0001,
        /// Allow sealing.
        MFD_ALLOW_SEALING = 0x0002,
        /// Use huge pages.
        MFD_HUGETLB = 0x0004,
        /// Not executable, sealed.
        MFD_NOEXEC_SEAL = 0x0008,
        /// Executable.
        MFD_EXEC = 0x0010,
    }
}

abi_consts! {
    /// close_range flags.
    table CLOSE_RANGE_FLAGS: u32 {
        /// Unshare the fd table first.
        CLOSE_RANGE_UNSHARE = 1 << 1,
        /// Set close-on-exec instead of closing.
        CLOSE_RANGE_CLOEXEC = 1 << 2,
    }
}

abi_consts! {
    /// Scheduling policies.
    table SCHED_POLICIES: i32 {
        /// Normal time sharing.
        SCHED_NORMAL = 0,
        /// FIFO real-time.
        SCHED_FIFO = 1,
        /// Round-robin real-time.
        SCHED_RR = 2,
        /// Batch.
        SCHED_BATCH = 3,
        /// Very low priority.
        SCHED_IDLE = 5,
        /// Deadline.
        SCHED_DEADLINE = 6,
        /// sched_ext.
        SCHED_EXT = 7,
        /// Flag: children revert to the default policy.
        SCHED_RESET_ON_FORK = 0x4000_0000,
    }
}

abi_consts! {
    /// `which` of getpriority / setpriority.
    table PRIO_WHICH: i32 {
        /// A process.
        PRIO_PROCESS = 0,
        /// A process group.
        PRIO_PGRP = 1,
        /// A user.
        PRIO_USER = 2,
    }
}

abi_consts! {
    /// `flags` of umount2.
    table UMOUNT_FLAGS: i32 {
        /// Force unmount.
        MNT_FORCE = 0x0000_0001,
        /// Lazy unmount.
        MNT_DETACH = 0x0000_0002,
        /// Mark for expiry.
        MNT_EXPIRE = 0x0000_0004,
        /// Don't follow a final symlink.
        UMOUNT_NOFOLLOW = 0x0000_0008,
    }
}

abi_consts! {
    /// personality(2) values.
    table PERSONALITIES: u32 {
        /// Linux.
        PER_LINUX = 0x0000,
        /// Disable ASLR.
        ADDR_NO_RANDOMIZE = 0x0040000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags() {
        assert_eq!(OpenFlags::O_CREAT.bits(), 0x40);
        assert_eq!(OpenFlags::O_CLOEXEC.bits(), 0x80000);
        assert_eq!(OpenFlags::O_TMPFILE.bits(), 0x410000);
        assert!(OpenFlags::O_SYNC.contains(OpenFlags::O_DSYNC));
        assert!(OpenFlags::O_TMPFILE.contains(OpenFlags::O_DIRECTORY));
        // 0o40000000 (bit 23) is not an open flag.
        assert_eq!(OpenFlags::from_bits(0o40000000), None);
        let f = OpenFlags::from_bits(0o2000102).unwrap();
        assert!(f.readable() && f.writable());
        assert!(OpenFlags::O_RDONLY.readable() && !OpenFlags::O_RDONLY.writable());
        assert!(OpenFlags::O_WRONLY.writable() && !OpenFlags::O_WRONLY.readable());
    }

    #[test]
    fn mmap_flags() {
        assert_eq!(MmapFlags::from_bits(0x22), Some(MmapFlags::MAP_PRIVATE | MmapFlags::MAP_ANONYMOUS));
        assert_eq!(MmapFlags::from_bits(0x200), None);
        assert_eq!(MmapFlags::MAP_SHARED_VALIDATE.map_type(), 3);
        assert_eq!(MmapProt::from_bits(0x10), None);
    }

    #[test]
    fn clone_flags() {
        let f = CloneFlags::from_bits(0x3d0f00).unwrap();
        assert!(f.contains(CloneFlags::CLONE_VM | CloneFlags::CLONE_THREAD | CloneFlags::CLONE_SETTLS));
        assert_eq!(f.exit_signal(), 0);
        let f = CloneFlags::from_bits(0x01200011).unwrap();
        assert_eq!(f.exit_signal(), 17);
        assert_eq!(CloneFlags::from_bits(0x4_0000_0000), None);
    }

    #[test]
    fn wait_and_status() {
        assert_eq!(WaitOptions::from_bits(0x10), None);
        assert_eq!(WaitOptions::__WALL.bits(), 0x4000_0000);
        assert_eq!(w_exitcode(3, 0), 0x300);
        assert_eq!(w_exitcode(0, 9), 9);
        assert_eq!(w_stopcode(19), 0x137f);
    }

    #[test]
    fn modes() {
        assert!(s_isdir(0o040755));
        assert!(s_isreg(0o100644));
        assert!(!s_isreg(0o120777) && s_islnk(0o120777));
        assert!(s_ischr(0o020666) && s_isblk(0o060600) && s_isfifo(0o010600) && s_issock(0o140777));
        assert_eq!(FUTEX_CMD_MASK, -385);
        assert_eq!(FUTEX_WAKE_PRIVATE, 129);
        assert_eq!(futex_op(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0), 0x1400_1000);
    }
}
