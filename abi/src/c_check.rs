//! The oracle: compares this crate's numbers and layouts with the host's C
//! headers (Linux UAPI headers under `/usr/include`, plus glibc for the few
//! constants the kernel does not export).
//!
//! The test generates C programs from the Rust tables (one
//! `printf("name value")` per constant, `sizeof` / `offsetof` per struct
//! field), compiles them with the host `cc`, runs them and compares every
//! value. A constant the headers lack is a failure unless it is listed in
//! [`MAY_BE_MISSING`] (newer than the host headers, or kernel-internal).
//! A second pass lists the macros the headers define (`cc -dM -E`) for the
//! prefixes where completeness matters (syscalls, errno, signals, clone
//! flags, tty ioctls, auxv keys, ...) and fails on any the crate lacks.
//!
//! Without a working `cc` the test fails with an explanation rather than
//! passing silently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use core::mem::{offset_of, size_of};

use crate::at::*;
use crate::auxv::*;
use crate::errno::Errno;
use crate::flags::*;
use crate::signal::*;
use crate::syscall::SYSCALLS;
use crate::termios::*;
use crate::types::*;

/// Names that may be absent from the host headers, with the reason.
const MAY_BE_MISSING: &[(&str, &str)] = &[
    // Kernel-internal, never in UAPI headers.
    ("ERESTARTSYS", "kernel-internal"),
    ("ERESTARTNOINTR", "kernel-internal"),
    ("ERESTARTNOHAND", "kernel-internal"),
    ("ERESTART_RESTARTBLOCK", "kernel-internal"),
    ("AT_SYSINFO", "i386-only auxv key"),
    ("SI_ASYNCNL", "glibc-only si_code"),
    ("ST_VALID", "kernel-internal statfs flag"),
    ("FUSE_SUPER_MAGIC", "not in every linux/magic.h"),
    ("SEGV_CPERR", "Linux 6.6"),
    ("FPE_CONDTRAP", "Linux 5.16+"),
    ("EPOLLURING_WAKE", "Linux 6.1+"),
    ("MAP_DROPPABLE", "Linux 6.11"),
    ("MAP_ABOVE4G", "Linux 6.6"),
    ("MADV_GUARD_INSTALL", "Linux 6.13"),
    ("MADV_GUARD_REMOVE", "Linux 6.13"),
    ("F_DUPFD_QUERY", "Linux 6.10"),
    ("F_CREATED_QUERY", "Linux 6.12"),
    ("F_SEAL_EXEC", "Linux 6.3"),
    ("FUTEX2_SIZE_U8", "Linux 6.7"),
    ("FUTEX2_SIZE_U16", "Linux 6.7"),
    ("FUTEX2_SIZE_U32", "Linux 6.7"),
    ("FUTEX2_SIZE_U64", "Linux 6.7"),
    ("FUTEX2_NUMA", "Linux 6.7"),
    ("FUTEX2_PRIVATE", "Linux 6.7"),
    ("FUTEX2_SIZE_MASK", "Linux 6.7"),
    ("PR_SET_MDWE", "Linux 6.3"),
    ("PR_GET_MDWE", "Linux 6.3"),
    ("PR_SET_MEMORY_MERGE", "Linux 6.4"),
    ("PR_GET_MEMORY_MERGE", "Linux 6.4"),
    ("PR_RISCV_V_SET_CONTROL", "Linux 6.5"),
    ("PR_RISCV_V_GET_CONTROL", "Linux 6.5"),
    ("PR_RISCV_SET_ICACHE_FLUSH_CTX", "Linux 6.9"),
    ("ARCH_GET_UNTAG_MASK", "Linux 6.4"),
    ("ARCH_ENABLE_TAGGED_ADDR", "Linux 6.4"),
    ("ARCH_GET_MAX_TAG_BITS", "Linux 6.4"),
    ("ARCH_FORCE_TAGGED_SVA", "Linux 6.4"),
    ("ARCH_SHSTK_ENABLE", "Linux 6.6"),
    ("ARCH_SHSTK_DISABLE", "Linux 6.6"),
    ("ARCH_SHSTK_LOCK", "Linux 6.6"),
    ("ARCH_SHSTK_UNLOCK", "Linux 6.6"),
    ("ARCH_SHSTK_STATUS", "Linux 6.6"),
    ("STATX_MNT_ID_UNIQUE", "Linux 6.8"),
    ("STATX_SUBVOL", "Linux 6.10"),
    ("STATX_WRITE_ATOMIC", "Linux 6.11"),
    ("STATX_DIO_READ_ALIGN", "Linux 6.14"),
    ("STATX_ATTR_WRITE_ATOMIC", "Linux 6.11"),
    ("AT_RSEQ_FEATURE_SIZE", "Linux 6.3"),
    ("AT_RSEQ_ALIGN", "Linux 6.3"),
    ("AT_HWCAP3", "Linux 6.13"),
    ("AT_HWCAP4", "Linux 6.13"),
    ("SCHED_EXT", "Linux 6.12"),
    ("MFD_NOEXEC_SEAL", "Linux 6.3"),
    ("MFD_EXEC", "Linux 6.3"),
];

/// Rust names whose C macro is spelt differently in the kernel headers.
const C_NAME_OF: &[(&str, &str)] = &[("O_ASYNC", "FASYNC")];

/// Syscalls newer than Linux 6.1 (the oldest headers this test expects).
fn syscall_may_be_missing(nr: usize) -> bool {
    nr == 335 || nr == 336 || nr > 450
}

/// One value to compare.
struct Check {
    /// Which translation unit (set of headers) evaluates it.
    tu: &'static str,
    /// Label printed by the C program and used in reports.
    label: String,
    /// The C expression.
    expr: String,
    /// Wrap in `#ifdef expr` (for macros).
    guard: bool,
    /// Whether absence is acceptable.
    optional: bool,
    /// The Rust value.
    rust: i64,
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    /// A macro named like the Rust constant.
    fn mac(&mut self, tu: &'static str, name: &str, rust: i64) {
        let c_name = C_NAME_OF.iter().find(|(r, _)| *r == name).map_or(name, |(_, c)| *c);
        self.mac_as(tu, name, c_name, rust);
    }

    /// A macro whose C name differs from the Rust label.
    fn mac_as(&mut self, tu: &'static str, label: &str, c_name: &str, rust: i64) {
        let optional = MAY_BE_MISSING.iter().any(|(n, _)| *n == label || *n == c_name);
        self.0.push(Check { tu, label: label.to_string(), expr: c_name.to_string(), guard: true, optional, rust });
    }

    /// An enum constant or other non-macro name.
    fn enum_const(&mut self, tu: &'static str, name: &str, rust: i64) {
        self.expr(tu, name, name, rust);
    }

    /// Any C expression (sizeof, offsetof, ...).
    fn expr(&mut self, tu: &'static str, label: &str, expr: &str, rust: i64) {
        self.0.push(Check {
            tu,
            label: label.to_string(),
            expr: expr.to_string(),
            guard: false,
            optional: false,
            rust,
        });
    }

    /// All constants of an `abi_consts!` table.
    fn table(&mut self, tu: &'static str, table: &[(&str, i64)]) {
        for (name, v) in table {
            self.mac(tu, name, *v);
        }
    }

    /// All constants of an `abi_consts!` table, except `skip`.
    fn table_except(&mut self, tu: &'static str, table: &[(&str, i64)], skip: &[&str]) {
        for (name, v) in table {
            if !skip.contains(name) {
                self.mac(tu, name, *v);
            }
        }
    }

    fn size(&mut self, tu: &'static str, c_type: &str, rust: usize) {
        let e = format!("sizeof({c_type})");
        self.expr(tu, &e, &e, rust as i64);
    }

    fn offset(&mut self, tu: &'static str, c_type: &str, c_field: &str, rust: usize) {
        let e = format!("offsetof({c_type}, {c_field})");
        self.expr(tu, &e, &e, rust as i64);
    }

    fn field_size(&mut self, tu: &'static str, c_type: &str, c_field: &str, rust: usize) {
        let e = format!("sizeof((({c_type} *)0)->{c_field})");
        self.expr(tu, &e, &e, rust as i64);
    }
}

/// A header, a predicate selecting a macro family, and names to ignore.
type Family<'a> = (&'a str, &'a dyn Fn(&str) -> bool, &'a [&'a str]);

/// Size of a field, from a projection closure.
fn fsize<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// Adds every flag of a bitflags type as a macro check.
macro_rules! flag_checks {
    ($c:expr, $tu:expr, $ty:ty) => {
        for f in <$ty as bitflags::Flags>::FLAGS {
            $c.mac($tu, f.name(), f.value().bits() as i64);
        }
    };
}

/// Adds `sizeof(struct)` and, per field, its offset and size.
/// `rust_field => "c_field"`.
macro_rules! struct_checks {
    ($c:expr, $tu:expr, $rust:ty, $cty:literal { $( $rf:ident => $cf:literal ),* $(,)? }) => {
        $c.size($tu, $cty, size_of::<$rust>());
        $(
            $c.offset($tu, $cty, $cf, offset_of!($rust, $rf));
            $c.field_size($tu, $cty, $cf, fsize(|s: &$rust| &s.$rf));
        )*
    };
}

/// Like `struct_checks!` but offsets only (packed structs).
macro_rules! struct_offsets {
    ($c:expr, $tu:expr, $rust:ty, $cty:literal { $( $rf:ident => $cf:literal ),* $(,)? }) => {
        $c.size($tu, $cty, size_of::<$rust>());
        $( $c.offset($tu, $cty, $cf, offset_of!($rust, $rf)); )*
    };
}

/// Translation units: name and prologue. UAPI units use no libc header
/// (some UAPI headers hide definitions when glibc is detected), so they
/// declare `printf` themselves.
const TUS: &[(&str, &str)] = &[
    ("unistd", "#include <asm/unistd.h>\n"),
    ("errno", "#include <asm/errno.h>\n"),
    (
        "uapi",
        "#include <linux/types.h>
#include <linux/signal.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/prctl.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/times.h>
#include <linux/resource.h>
#include <linux/utsname.h>
#include <linux/sysinfo.h>
#include <linux/uio.h>
#include <linux/poll.h>
#include <linux/eventpoll.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <asm/ioctls.h>
#include <linux/serial.h>
#include <asm/stat.h>
#include <linux/stat.h>
#include <asm/statfs.h>
#include <linux/auxvec.h>
#include <linux/random.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/close_range.h>
#include <linux/personality.h>
#include <linux/signalfd.h>
#include <linux/timerfd.h>
",
    ),
    ("generic_signal", "#include <asm-generic/signal.h>\n"),
    (
        "libc",
        "#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/mount.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <stdio.h>
",
    ),
];

fn build_checks() -> Checks {
    let mut c = Checks::default();

    // ---- syscalls
    for (nr, name) in SYSCALLS {
        let label = format!("__NR_{name}");
        c.0.push(Check {
            tu: "unistd",
            label: label.clone(),
            expr: label,
            guard: true,
            optional: syscall_may_be_missing(*nr),
            rust: *nr as i64,
        });
    }

    // ---- errno
    for e in Errno::ALL {
        c.mac("errno", e.name(), e.as_i32() as i64);
    }
    c.mac("errno", "EWOULDBLOCK", Errno::EWOULDBLOCK.as_i32() as i64);
    c.mac("errno", "EDEADLOCK", Errno::EDEADLOCK.as_i32() as i64);
    // ENOTSUP is a libc spelling only.
    c.mac("libc", "ENOTSUP", Errno::ENOTSUP.as_i32() as i64);

    // ---- signals
    c.table_except("uapi", SIGNALS, &["SIGRTMAX"]);
    c.mac("generic_signal", "SIGRTMIN", SIGRTMIN as i64);
    c.mac("generic_signal", "SIGRTMAX", SIGRTMAX as i64);
    c.mac_as("generic_signal", "NSIG (_NSIG)", "_NSIG", NSIG as i64);
    c.table("uapi", SIG_HANDLERS);
    c.table("uapi", SIGPROCMASK_HOW);
    c.table("uapi", SS_FLAGS);
    c.mac("uapi", "SS_FLAG_BITS", SS_FLAG_BITS as i64);
    c.table("uapi", SIGSTACK_SIZES);
    flag_checks!(c, "uapi", SaFlags);
    c.table("uapi", SI_CODES);
    c.table("uapi", SIGEV_NOTIFY);
    c.mac("uapi", "SI_MAX_SIZE", SI_MAX_SIZE as i64);
    c.mac("uapi", "UC_FP_XSTATE", UC_FP_XSTATE as i64);
    c.mac("uapi", "UC_SIGCONTEXT_SS", UC_SIGCONTEXT_SS as i64);
    c.mac("uapi", "UC_STRICT_RESTORE_SS", UC_STRICT_RESTORE_SS as i64);
    c.mac("uapi", "FP_XSTATE_MAGIC1", FP_XSTATE_MAGIC1 as i64);
    c.mac("uapi", "FP_XSTATE_MAGIC2", FP_XSTATE_MAGIC2 as i64);
    c.mac("uapi", "FP_XSTATE_MAGIC2_SIZE", FP_XSTATE_MAGIC2_SIZE as i64);

    struct_checks!(c, "uapi", SigAction, "struct sigaction" {
        handler => "sa_handler",
        flags => "sa_flags",
        restorer => "sa_restorer",
        mask => "sa_mask",
    });
    struct_checks!(c, "uapi", StackT, "stack_t" {
        ss_sp => "ss_sp",
        ss_flags => "ss_flags",
        ss_size => "ss_size",
    });
    c.size("uapi", "sigset_t", size_of::<SigSet>());
    c.size("uapi", "siginfo_t", size_of::<SigInfo>());
    for (rust, field) in [
        (offset_of!(SigInfo, signo), "si_signo"),
        (offset_of!(SigInfo, errno), "si_errno"),
        (offset_of!(SigInfo, code), "si_code"),
        (si_offset::PID, "si_pid"),
        (si_offset::UID, "si_uid"),
        (si_offset::STATUS, "si_status"),
        (si_offset::UTIME, "si_utime"),
        (si_offset::STIME, "si_stime"),
        (si_offset::VALUE, "si_value"),
        (si_offset::VALUE, "si_int"),
        (si_offset::VALUE, "si_ptr"),
        (si_offset::TIMERID, "si_tid"),
        (si_offset::OVERRUN, "si_overrun"),
        (si_offset::ADDR, "si_addr"),
        (si_offset::ADDR_LSB, "si_addr_lsb"),
        (si_offset::PKEY, "si_pkey"),
        (si_offset::BAND, "si_band"),
        (si_offset::FD, "si_fd"),
        (si_offset::CALL_ADDR, "si_call_addr"),
        (si_offset::SYSCALL, "si_syscall"),
        (si_offset::ARCH, "si_arch"),
    ] {
        c.offset("uapi", "siginfo_t", field, rust);
    }
    struct_checks!(c, "uapi", SigEvent, "struct sigevent" {
        sigev_value => "sigev_value",
        sigev_signo => "sigev_signo",
        sigev_notify => "sigev_notify",
    });
    c.offset("uapi", "struct sigevent", "_sigev_un._tid", offset_of!(SigEvent, sigev_un));
    struct_checks!(c, "uapi", SigContext, "struct sigcontext" {
        r8 => "r8", r9 => "r9", r10 => "r10", r11 => "r11",
        r12 => "r12", r13 => "r13", r14 => "r14", r15 => "r15",
        rdi => "rdi", rsi => "rsi", rbp => "rbp", rbx => "rbx",
        rdx => "rdx", rax => "rax", rcx => "rcx", rsp => "rsp",
        rip => "rip", eflags => "eflags", cs => "cs", gs => "gs",
        fs => "fs", ss => "ss", err => "err", trapno => "trapno",
        oldmask => "oldmask", cr2 => "cr2", fpstate => "fpstate",
        reserved1 => "reserved1",
    });
    struct_checks!(c, "uapi", UContext, "struct ucontext" {
        uc_flags => "uc_flags",
        uc_link => "uc_link",
        uc_stack => "uc_stack",
        uc_mcontext => "uc_mcontext",
        uc_sigmask => "uc_sigmask",
    });
    struct_checks!(c, "uapi", FpState, "struct _fpstate_64" {
        cwd => "cwd", swd => "swd", twd => "twd", fop => "fop",
        rip => "rip", rdp => "rdp", mxcsr => "mxcsr", mxcsr_mask => "mxcsr_mask",
        st_space => "st_space", xmm_space => "xmm_space",
        reserved2 => "reserved2", sw_reserved => "sw_reserved",
    });
    struct_checks!(c, "uapi", FpxSwBytes, "struct _fpx_sw_bytes" {
        magic1 => "magic1",
        extended_size => "extended_size",
        xfeatures => "xfeatures",
        xstate_size => "xstate_size",
        padding => "padding",
    });
    c.size("uapi", "struct _header", size_of::<XStateHeader>());
    c.offset("uapi", "struct _header", "xfeatures", offset_of!(XStateHeader, xfeatures));

    // ---- open, fcntl, at
    flag_checks!(c, "uapi", OpenFlags);
    c.mac("uapi", "AT_FDCWD", AT_FDCWD as i64);
    c.table("uapi", AT_FLAG_BITS);
    flag_checks!(c, "uapi", AtFlags);
    c.table("uapi", FCNTL_CMDS);
    c.table("uapi", FCNTL_ARGS);
    c.table("uapi", FLOCK_OPS);
    struct_checks!(c, "uapi", Flock, "struct flock" {
        l_type => "l_type",
        l_whence => "l_whence",
        l_start => "l_start",
        l_len => "l_len",
        l_pid => "l_pid",
    });
    struct_checks!(c, "uapi", OpenHow, "struct open_how" {
        flags => "flags",
        mode => "mode",
        resolve => "resolve",
    });
    flag_checks!(c, "uapi", ResolveFlags);
    c.table("uapi", MODE_BITS);
    c.table("uapi", SEEK_WHENCE);
    flag_checks!(c, "uapi", RenameFlags);
    c.table("libc", ACCESS_MODES);

    // ---- memory
    flag_checks!(c, "uapi", MmapProt);
    flag_checks!(c, "uapi", MmapFlags);
    c.mac("uapi", "MAP_TYPE", MAP_TYPE as i64);
    c.mac("uapi", "MAP_HUGE_SHIFT", MAP_HUGE_SHIFT as i64);
    c.mac("uapi", "MAP_HUGE_MASK", MAP_HUGE_MASK as i64);
    flag_checks!(c, "uapi", MremapFlags);
    flag_checks!(c, "uapi", MsyncFlags);
    c.table("uapi", MADV);
    c.table("uapi", MLOCK);

    // ---- processes
    flag_checks!(c, "uapi", CloneFlags);
    c.table("uapi", CLONE_ARGS_SIZES);
    struct_checks!(c, "uapi", CloneArgs, "struct clone_args" {
        flags => "flags", pidfd => "pidfd", child_tid => "child_tid",
        parent_tid => "parent_tid", exit_signal => "exit_signal",
        stack => "stack", stack_size => "stack_size", tls => "tls",
        set_tid => "set_tid", set_tid_size => "set_tid_size", cgroup => "cgroup",
    });
    flag_checks!(c, "uapi", WaitOptions);
    c.table("uapi", WAITID_TYPES);
    c.table("uapi", PRCTL_OPTIONS);
    c.table("uapi", ARCH_PRCTL_CODES);
    c.table("uapi", SCHED_POLICIES);
    c.table("uapi", PRIO_WHICH);
    for (name, v) in PERSONALITIES {
        c.enum_const("uapi", name, *v);
    }

    // ---- futex
    c.table("uapi", FUTEX_OPS);
    c.mac("uapi", "FUTEX_BITSET_MATCH_ANY", FUTEX_BITSET_MATCH_ANY as i64);
    c.mac("uapi", "FUTEX_WAITERS", FUTEX_WAITERS as i64);
    c.mac("uapi", "FUTEX_OWNER_DIED", FUTEX_OWNER_DIED as i64);
    c.mac("uapi", "FUTEX_TID_MASK", FUTEX_TID_MASK as i64);
    c.mac("uapi", "ROBUST_LIST_LIMIT", ROBUST_LIST_LIMIT as i64);
    c.mac("uapi", "FUTEX_WAITV_MAX", FUTEX_WAITV_MAX as i64);
    c.table("uapi", FUTEX2_FLAGS);
    c.table("uapi", FUTEX_WAKE_OPS);
    for (op, oparg, cmp, cmparg) in [(1, 1, 4, 0), (4, 0xfff, 5, 0x123), (0, 7, 0, 1)] {
        let e = format!("FUTEX_OP({op}, {oparg}, {cmp}, {cmparg})");
        c.expr("uapi", &e, &e, futex_op(op, oparg, cmp, cmparg) as i64);
    }
    struct_checks!(c, "uapi", RobustListHead, "struct robust_list_head" {
        list => "list",
        futex_offset => "futex_offset",
        list_op_pending => "list_op_pending",
    });
    struct_checks!(c, "uapi", FutexWaitv, "struct futex_waitv" {
        val => "val",
        uaddr => "uaddr",
        flags => "flags",
        __reserved => "__reserved",
    });

    // ---- time
    c.table("uapi", CLOCK_IDS);
    c.mac("uapi", "TIMER_ABSTIME", TIMER_ABSTIME as i64);
    c.table("uapi", ITIMER_WHICH);
    c.table("libc", UTIME_SPECIAL);
    c.table("libc", TFD_FLAGS);
    struct_checks!(c, "uapi", Timespec, "struct __kernel_timespec" {
        tv_sec => "tv_sec",
        tv_nsec => "tv_nsec",
    });
    struct_checks!(c, "uapi", Timespec, "struct timespec" {
        tv_sec => "tv_sec",
        tv_nsec => "tv_nsec",
    });
    struct_checks!(c, "uapi", Timeval, "struct timeval" {
        tv_sec => "tv_sec",
        tv_usec => "tv_usec",
    });
    struct_checks!(c, "uapi", Itimerspec, "struct itimerspec" {
        it_interval => "it_interval",
        it_value => "it_value",
    });
    struct_checks!(c, "uapi", Itimerval, "struct itimerval" {
        it_interval => "it_interval",
        it_value => "it_value",
    });
    struct_checks!(c, "uapi", Timezone, "struct timezone" {
        tz_minuteswest => "tz_minuteswest",
        tz_dsttime => "tz_dsttime",
    });
    struct_checks!(c, "uapi", Tms, "struct tms" {
        tms_utime => "tms_utime",
        tms_stime => "tms_stime",
        tms_cutime => "tms_cutime",
        tms_cstime => "tms_cstime",
    });

    // ---- resources, system information
    struct_checks!(c, "uapi", Rusage, "struct rusage" {
        ru_utime => "ru_utime", ru_stime => "ru_stime", ru_maxrss => "ru_maxrss",
        ru_ixrss => "ru_ixrss", ru_idrss => "ru_idrss", ru_isrss => "ru_isrss",
        ru_minflt => "ru_minflt", ru_majflt => "ru_majflt", ru_nswap => "ru_nswap",
        ru_inblock => "ru_inblock", ru_oublock => "ru_oublock", ru_msgsnd => "ru_msgsnd",
        ru_msgrcv => "ru_msgrcv", ru_nsignals => "ru_nsignals", ru_nvcsw => "ru_nvcsw",
        ru_nivcsw => "ru_nivcsw",
    });
    c.table("uapi", RUSAGE_WHO);
    struct_checks!(c, "uapi", Rlimit, "struct rlimit" {
        rlim_cur => "rlim_cur",
        rlim_max => "rlim_max",
    });
    c.table("uapi", RLIMITS);
    c.mac("uapi", "RLIM_INFINITY", RLIM_INFINITY as i64);
    struct_checks!(c, "uapi", Utsname, "struct new_utsname" {
        sysname => "sysname", nodename => "nodename", release => "release",
        version => "version", machine => "machine", domainname => "domainname",
    });
    c.expr("uapi", "UTSNAME_LEN", "__NEW_UTS_LEN + 1", UTSNAME_LEN as i64);
    struct_checks!(c, "uapi", Sysinfo, "struct sysinfo" {
        uptime => "uptime", loads => "loads", totalram => "totalram",
        freeram => "freeram", sharedram => "sharedram", bufferram => "bufferram",
        totalswap => "totalswap", freeswap => "freeswap", procs => "procs",
        pad => "pad", totalhigh => "totalhigh", freehigh => "freehigh",
        mem_unit => "mem_unit",
    });
    c.mac("uapi", "SI_LOAD_SHIFT", SI_LOAD_SHIFT as i64);
    flag_checks!(c, "uapi", GrndFlags);
    c.table("libc", EFD_FLAGS);
    c.table("uapi", SFD_FLAGS);
    c.table("uapi", MFD_FLAGS);
    c.table("uapi", CLOSE_RANGE_FLAGS);
    c.table("libc", UMOUNT_FLAGS);

    // ---- I/O
    struct_checks!(c, "uapi", Iovec, "struct iovec" {
        iov_base => "iov_base",
        iov_len => "iov_len",
    });
    c.mac("uapi", "UIO_MAXIOV", UIO_MAXIOV as i64);
    struct_checks!(c, "uapi", PollFd, "struct pollfd" {
        fd => "fd",
        events => "events",
        revents => "revents",
    });
    flag_checks!(c, "uapi", PollEvents);
    struct_offsets!(c, "uapi", EpollEvent, "struct epoll_event" {
        events => "events",
        data => "data",
    });
    flag_checks!(c, "uapi", EpollEvents);
    c.table("uapi", EPOLL_CTL);

    // ---- files
    struct_checks!(c, "uapi", Stat, "struct stat" {
        st_dev => "st_dev", st_ino => "st_ino", st_nlink => "st_nlink",
        st_mode => "st_mode", st_uid => "st_uid", st_gid => "st_gid",
        __pad0 => "__pad0", st_rdev => "st_rdev", st_size => "st_size",
        st_blksize => "st_blksize", st_blocks => "st_blocks",
        st_atime => "st_atime", st_atime_nsec => "st_atime_nsec",
        st_mtime => "st_mtime", st_mtime_nsec => "st_mtime_nsec",
        st_ctime => "st_ctime", st_ctime_nsec => "st_ctime_nsec",
        __unused => "__unused",
    });
    // Fields present in every header since 6.1; later ones replace spares.
    struct_checks!(c, "uapi", Statx, "struct statx" {
        stx_mask => "stx_mask", stx_blksize => "stx_blksize",
        stx_attributes => "stx_attributes", stx_nlink => "stx_nlink",
        stx_uid => "stx_uid", stx_gid => "stx_gid", stx_mode => "stx_mode",
        stx_ino => "stx_ino", stx_size => "stx_size", stx_blocks => "stx_blocks",
        stx_attributes_mask => "stx_attributes_mask",
        stx_atime => "stx_atime", stx_btime => "stx_btime",
        stx_ctime => "stx_ctime", stx_mtime => "stx_mtime",
        stx_rdev_major => "stx_rdev_major", stx_rdev_minor => "stx_rdev_minor",
        stx_dev_major => "stx_dev_major", stx_dev_minor => "stx_dev_minor",
        stx_mnt_id => "stx_mnt_id", stx_dio_mem_align => "stx_dio_mem_align",
        stx_dio_offset_align => "stx_dio_offset_align",
    });
    struct_checks!(c, "uapi", StatxTimestamp, "struct statx_timestamp" {
        tv_sec => "tv_sec",
        tv_nsec => "tv_nsec",
        __reserved => "__reserved",
    });
    c.table("uapi", STATX_MASK);
    c.table("uapi", STATX_ATTRS);
    struct_checks!(c, "uapi", StatFs, "struct statfs" {
        f_type => "f_type", f_bsize => "f_bsize", f_blocks => "f_blocks",
        f_bfree => "f_bfree", f_bavail => "f_bavail", f_files => "f_files",
        f_ffree => "f_ffree", f_fsid => "f_fsid", f_namelen => "f_namelen",
        f_frsize => "f_frsize", f_flags => "f_flags", f_spare => "f_spare",
    });
    c.table("libc", ST_FLAGS);
    c.table("uapi", FS_MAGICS);
    c.table("libc", DT_TYPES);

    // ---- terminals
    struct_checks!(c, "uapi", Termios, "struct termios" {
        c_iflag => "c_iflag", c_oflag => "c_oflag", c_cflag => "c_cflag",
        c_lflag => "c_lflag", c_line => "c_line", c_cc => "c_cc",
    });
    struct_checks!(c, "uapi", Termios2, "struct termios2" {
        c_iflag => "c_iflag", c_oflag => "c_oflag", c_cflag => "c_cflag",
        c_lflag => "c_lflag", c_line => "c_line", c_cc => "c_cc",
        c_ispeed => "c_ispeed", c_ospeed => "c_ospeed",
    });
    struct_checks!(c, "uapi", WinSize, "struct winsize" {
        ws_row => "ws_row", ws_col => "ws_col",
        ws_xpixel => "ws_xpixel", ws_ypixel => "ws_ypixel",
    });
    c.mac("uapi", "NCCS", NCCS as i64);
    c.table("uapi", CC_INDICES);
    c.table("uapi", IFLAGS);
    c.table("uapi", OFLAGS);
    c.table("uapi", CFLAGS);
    c.table("uapi", LFLAGS);
    c.table("uapi", TC_ARGS);
    c.table("uapi", IOCTLS);
    c.table("uapi", TIOCPKT_BITS);

    // ---- auxv
    c.table("uapi", AUXV_KEYS);

    c
}

/// Compares a C value with a Rust value. Equal as `i64`, or equal as 32-bit
/// patterns when both fit in 32 bits (a C `int` macro such as `~(128|256)`
/// against a Rust `u32`).
fn same_value(c: i64, rust: i64) -> bool {
    let fits32 = |v: i64| (i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&v);
    c == rust || (fits32(c) && fits32(rust) && c as u32 == rust as u32)
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kairos-abi-c-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

/// Compiles and runs one generated program; returns label → value
/// (`None` for a missing macro).
fn run_tu(dir: &Path, tu: &str, prologue: &str, checks: &[&Check]) -> BTreeMap<String, Option<i64>> {
    let mut src = String::new();
    src.push_str(prologue);
    src.push_str("#include <stddef.h>\n");
    if tu != "libc" {
        src.push_str("int printf(const char *, ...);\n");
    }
    src.push_str("int main(void) {\n");
    for ch in checks {
        let label = ch.label.replace('\\', "\\\\").replace('"', "\\\"");
        if ch.guard {
            writeln!(src, "#ifdef {}", ch.expr).unwrap();
        }
        writeln!(src, "  printf(\"%s\\t%lld\\n\", \"{label}\", (long long)({}));", ch.expr).unwrap();
        if ch.guard {
            writeln!(src, "#else\n  printf(\"%s\\tMISSING\\n\", \"{label}\");\n#endif").unwrap();
        }
    }
    src.push_str("  return 0;\n}\n");

    let c_file = dir.join(format!("{tu}.c"));
    let exe = dir.join(tu);
    std::fs::write(&c_file, &src).expect("write C file");
    let out =
        Command::new(cc()).arg("-std=gnu11").arg("-w").arg("-o").arg(&exe).arg(&c_file).output().unwrap_or_else(|e| {
            panic!(
                "the C-header check needs a C compiler: running `{}` failed: {e}. \
                 Install gcc and the Linux headers (apt-get install gcc linux-libc-dev) \
                 or set CC.",
                cc()
            )
        });
    assert!(
        out.status.success(),
        "compiling the generated C file {} failed:\n{}",
        c_file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("run generated program");
    assert!(run.status.success(), "generated program {tu} failed");
    let text = String::from_utf8(run.stdout).expect("utf-8 output");
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let (label, val) = line.rsplit_once('\t').expect("label<TAB>value");
        let v = if val == "MISSING" { None } else { Some(val.parse::<i64>().expect("integer")) };
        map.insert(label.to_string(), v);
    }
    map
}

/// Macro names defined by `header` (via `cc -dM -E`).
fn header_macros(dir: &Path, header: &str) -> BTreeSet<String> {
    let c_file = dir.join("macros.c");
    std::fs::write(&c_file, format!("#include <{header}>\n")).unwrap();
    let out = Command::new(cc())
        .args(["-dM", "-E"])
        .arg(&c_file)
        .output()
        .unwrap_or_else(|e| panic!("running `{}` failed: {e}", cc()));
    assert!(out.status.success(), "cc -dM -E <{header}> failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split([' ', '(']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn matches_host_c_headers() {
    let dir = work_dir();
    let checks = build_checks();
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut compared = 0usize;

    for (tu, prologue) in TUS {
        let mine: Vec<&Check> = checks.0.iter().filter(|c| c.tu == *tu).collect();
        let got = run_tu(&dir, tu, prologue, &mine);
        for ch in mine {
            match got.get(&ch.label) {
                Some(Some(v)) => {
                    compared += 1;
                    if !same_value(*v, ch.rust) {
                        failures.push(format!(
                            "[{tu}] {}: C says {v} ({v:#x}), Rust says {} ({:#x})",
                            ch.label, ch.rust, ch.rust
                        ));
                    }
                }
                Some(None) if ch.optional => skipped.push(ch.label.clone()),
                Some(None) => failures.push(format!(
                    "[{tu}] {}: not defined by the host headers (misspelt? if it is newer \
                     than the headers, add it to MAY_BE_MISSING)",
                    ch.label
                )),
                None => failures.push(format!("[{tu}] {}: no output", ch.label)),
            }
        }
    }

    // ---- completeness: every macro of these families must be known.
    let mut known: BTreeSet<String> = checks.0.iter().map(|c| c.expr.clone()).collect();
    known.extend(SYSCALLS.iter().map(|(_, n)| format!("__NR_{n}")));
    let families: &[Family] = &[
        ("asm/unistd.h", &|n| n.starts_with("__NR_"), &[]),
        (
            "asm/errno.h",
            &|n| n.starts_with('E') && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            &[],
        ),
        ("asm/signal.h", &|n| n.starts_with("SIG") || n.starts_with("SA_"), &["SIGRTMAX"]),
        ("linux/sched.h", &|n| n.starts_with("CLONE_") || n == "CSIGNAL", &[]),
        ("asm/ioctls.h", &|n| n.starts_with("TC") || n.starts_with("TIOC") || n.starts_with("FIO"), &[]),
        ("asm/termbits.h", &|n| n.starts_with('V') && n.len() > 2, &[]),
        ("linux/auxvec.h", &|n| n.starts_with("AT_"), &["AT_VECTOR_SIZE_ARCH"]),
        ("asm/fcntl.h", &|n| n.starts_with("O_") || n.starts_with("F_"), &[]),
        (
            "linux/mman.h",
            &|n| {
                (n.starts_with("MAP_") && !n.starts_with("MAP_HUGE_"))
                    || n.starts_with("PROT_")
                    || n.starts_with("MADV_")
                    || n.starts_with("MREMAP_")
            },
            &[],
        ),
        (
            "linux/wait.h",
            &|n| (n.starts_with('W') || n.starts_with("__W") || n.starts_with("P_")) && !n.ends_with("__"),
            &[],
        ),
        ("linux/stat.h", &|n| n.starts_with("STATX_"), &[]),
        ("linux/futex.h", &|n| n.starts_with("FUTEX"), &["FUTEX_OP"]),
    ];
    for (header, pred, ignore) in families {
        for name in header_macros(&dir, header) {
            if pred(&name) && !ignore.contains(&name.as_str()) && !known.contains(&name) {
                failures.push(format!("<{header}> defines {name}, which the crate lacks"));
            }
        }
    }

    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "C-header check: {compared} values compared, {} absent from the host headers \
         and allowed: {skipped:?}",
        skipped.len()
    );
    assert!(compared > 1500, "suspiciously few values compared: {compared}");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
