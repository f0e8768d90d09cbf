//! System calls: one file per call (`wait4.rs` holds `sys_wait4`), one table ([`dispatch`])
//! that turns raw registers into typed arguments, and one place ([`handle`]) that maps `Err`
//! to `-errno`, traces the call, and logs each unimplemented number once.

pub mod args;

pub use execve::exec_program;
pub use mount::{block_fs_types, mount_block_fs};
pub use setitimer::charge_cpu;
pub use timer_create::{Timers, timer_delivered};
pub use uname::{RELEASE, VERSION as UTS_VERSION};

mod access;
mod alarm;
mod arch_prctl;
mod bind;
mod brk;
mod chdir;
mod chmod;
mod chroot;
mod clock_getres;
mod clock_gettime;
mod clock_nanosleep;
mod clone;
mod close;
mod close_range;
mod connect;
mod dup;
mod epoll;
mod execve;
mod exit;
mod fadvise;
mod fallocate;
mod fcntl;
mod flock;
mod fsync;
mod futex;
mod getcwd;
mod getdents64;
mod getitimer;
mod getpgid;
mod getpid;
mod getrandom;
mod getrlimit;
mod getrusage;
mod getsockname;
mod gettimeofday;
mod ids;
mod ioctl;
mod kill;
mod link;
mod lseek;
mod madvise;
mod mkdir;
mod mknod;
mod mmap;
mod mount;
mod mprotect;
mod mremap;
mod msync;
mod munmap;
mod nanosleep;
mod openat;
mod pidfd;
mod pipe;
mod poll;
mod prctl;
mod priority;
mod read;
mod readlink;
mod reboot;
mod recvmsg;
mod rename;
mod rmdir;
mod robust_list;
mod rt_sigaction;
mod rt_sigpending;
mod rt_sigprocmask;
mod rt_sigqueueinfo;
mod rt_sigreturn;
mod rt_sigsuspend;
mod rt_sigtimedwait;
mod sched_affinity;
mod sched_policy;
mod sched_yield;
mod select;
mod sendfile;
mod sendmsg;
mod set_tid_address;
mod sethostname;
mod setitimer;
mod setpgid;
mod setsid;
mod shutdown;
mod sigaltstack;
mod signalfd;
mod socket;
mod sockopt;
mod stat;
mod statx;
mod symlink;
mod sysinfo;
mod syslog;
mod timer_create;
mod times;
mod truncate;
mod umask;
mod umount2;
mod uname;
mod unlink;
mod utimensat;
mod wait4;
mod waitid;
mod write;
mod xattr;

use alloc::sync::Arc;
use core::future::Future;
use core::pin::pin;
use core::sync::atomic::Ordering;
use core::task::Poll;

use kairos_abi::syscall::*;
use kairos_abi::{Errno, Result};

use self::args::{Fd, UserPtr};

/// Drops the `flock` an open file description holds (called when it is freed).
pub fn flock_release(file: &crate::file::File) {
    flock::release(file);
}
use crate::arch::user::UserContext;
use crate::proc::Thread;
use crate::sched::{self, trace_kind};

const AT_NOFOLLOW: u32 = kairos_abi::at::AT_SYMLINK_NOFOLLOW;

/// Result of a syscall handler: the value for `rax`.
pub type SysResult = Result<isize>;

/// Runs `fut` unless a signal (or exit) interrupts the thread first; then the future is
/// dropped — every blocking future in the kernel is cancel-safe — and the call reports
/// `ERESTARTSYS`, which signal delivery turns into EINTR or a restart.
pub async fn interruptible<F: Future>(t: &Thread, fut: F) -> Result<F::Output> {
    let mut fut = pin!(fut);
    let mut intr = pin!(crate::proc::signal::interrupted(t));
    core::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if intr.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(Errno::ERESTARTSYS.into()));
        }
        Poll::Pending
    })
    .await
}

/// One bit per syscall number already reported as unimplemented.
static REPORTED: [core::sync::atomic::AtomicU64; 8] = [const { core::sync::atomic::AtomicU64::new(0) }; 8];

fn report_unimplemented(nr: usize) {
    let (word, bit) = (nr / 64 % 8, nr % 64);
    if REPORTED[word].fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0 {
        log::warn!(target: "syscall", "unimplemented syscall {} ({nr}): ENOSYS", syscall_name(nr).unwrap_or("unknown"));
    }
}

/// Handles the syscall that made `ctx` leave user mode; leaves the result in `rax`.
pub async fn handle(t: &Arc<Thread>, ctx: &mut UserContext) {
    let nr = ctx.regs.rax;
    ctx.orig_rax = nr;
    let a = [ctx.regs.rdi, ctx.regs.rsi, ctx.regs.rdx, ctx.regs.r10, ctx.regs.r8, ctx.regs.r9];
    let tid = u64::from(t.tid());
    sched::trace(trace_kind::SYSCALL_ENTER, tid, nr, a[0]);
    let result = dispatch(t, ctx, nr as usize, a).await;
    let ret = match result {
        Ok(v) => v,
        Err(e) => e.errno().as_neg_isize(),
    };
    ctx.regs.rax = ret as u64;
    sched::trace(trace_kind::SYSCALL_EXIT, tid, nr, ret as u64);
    if t.trace_syscalls.load(Ordering::Relaxed) || crate::strace::enabled_for(t.process.pid) {
        crate::strace::print(t, nr as usize, &a, ret);
    }
}

/// The syscall table.
async fn dispatch(t: &Arc<Thread>, ctx: &mut UserContext, nr: usize, a: [u64; 6]) -> SysResult {
    let fd = |i: usize| Fd::from_reg(a[i]);
    match nr {
        SYS_READ => read::sys_read(t, fd(0), a[1], a[2] as usize).await,
        SYS_WRITE => write::sys_write(t, fd(0), a[1], a[2] as usize).await,
        SYS_READV => read::sys_readv(t, fd(0), a[1], a[2] as usize).await,
        SYS_WRITEV => write::sys_writev(t, fd(0), a[1], a[2] as usize).await,
        SYS_PREAD64 => read::sys_pread64(t, fd(0), a[1], a[2] as usize, a[3] as i64).await,
        SYS_PWRITE64 => write::sys_pwrite64(t, fd(0), a[1], a[2] as usize, a[3] as i64).await,
        SYS_PREADV => read::sys_preadv(t, fd(0), a[1], a[2] as usize, a[3] as i64).await,
        SYS_PWRITEV => write::sys_pwritev(t, fd(0), a[1], a[2] as usize, a[3] as i64).await,
        SYS_LSEEK => lseek::sys_lseek(t, fd(0), a[1] as i64, a[2] as u32),
        SYS_OPEN => openat::sys_openat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32, a[2] as u32).await,
        SYS_CREAT => openat::sys_creat(t, a[0], a[1] as u32).await,
        SYS_OPENAT => openat::sys_openat(t, fd(0), a[1], a[2] as u32, a[3] as u32).await,
        SYS_CLOSE => close::sys_close(t, fd(0)),
        SYS_CLOSE_RANGE => close_range::sys_close_range(t, a[0] as u32, a[1] as u32, a[2] as u32),
        SYS_FLOCK => flock::sys_flock(t, fd(0), a[1] as i32).await,
        SYS_FALLOCATE => fallocate::sys_fallocate(t, fd(0), a[1] as i32, a[2] as i64, a[3] as i64).await,
        SYS_FADVISE64 => fadvise::sys_fadvise64(t, fd(0), a[1] as i64, a[2] as i64, a[3] as i32),
        SYS_READAHEAD => fadvise::sys_readahead(t, fd(0), a[1] as i64, a[2]),
        SYS_SENDFILE => sendfile::sys_sendfile(t, fd(0), Fd(a[1] as i32), UserPtr::new(a[2]), a[3] as usize).await,
        SYS_CHROOT => chroot::sys_chroot(t, a[0]).await,
        SYS_DUP => dup::sys_dup(t, fd(0)),
        SYS_DUP2 => dup::sys_dup2(t, fd(0), fd(1)),
        SYS_DUP3 => dup::sys_dup3(t, fd(0), fd(1), a[2] as u32),
        SYS_FCNTL => fcntl::sys_fcntl(t, fd(0), a[1] as u32, a[2]),
        SYS_IOCTL => ioctl::sys_ioctl(t, fd(0), a[1] as u32, a[2]),
        SYS_PIPE => pipe::sys_pipe2(t, UserPtr::new(a[0]), 0),
        SYS_PIPE2 => pipe::sys_pipe2(t, UserPtr::new(a[0]), a[1] as u32),
        SYS_GETDENTS64 => getdents64::sys_getdents64(t, fd(0), a[1], a[2] as usize).await,
        SYS_STAT => stat::sys_newfstatat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], UserPtr::new(a[1]), 0).await,
        SYS_LSTAT => {
            stat::sys_newfstatat(
                t,
                Fd(kairos_abi::at::AT_FDCWD),
                a[0],
                UserPtr::new(a[1]),
                kairos_abi::at::AT_SYMLINK_NOFOLLOW,
            )
            .await
        }
        SYS_FSTAT => stat::sys_fstat(t, fd(0), UserPtr::new(a[1])),
        SYS_NEWFSTATAT => stat::sys_newfstatat(t, fd(0), a[1], UserPtr::new(a[2]), a[3] as u32).await,
        SYS_STATX => statx::sys_statx(t, fd(0), a[1], a[2] as u32, a[3] as u32, UserPtr::new(a[4])).await,
        SYS_STATFS => stat::sys_statfs(t, a[0], UserPtr::new(a[1])).await,
        SYS_FSTATFS => stat::sys_fstatfs(t, fd(0), UserPtr::new(a[1])),
        SYS_GETCWD => getcwd::sys_getcwd(t, a[0], a[1] as usize).await,
        SYS_CHDIR => chdir::sys_chdir(t, a[0]).await,
        SYS_FCHDIR => chdir::sys_fchdir(t, fd(0)),
        SYS_MKDIR => mkdir::sys_mkdirat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32).await,
        SYS_MKDIRAT => mkdir::sys_mkdirat(t, fd(0), a[1], a[2] as u32).await,
        SYS_MKNOD => mknod::sys_mknodat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32, a[2]).await,
        SYS_MKNODAT => mknod::sys_mknodat(t, fd(0), a[1], a[2] as u32, a[3]).await,
        SYS_RMDIR => rmdir::sys_rmdir(t, a[0]).await,
        SYS_UNLINK => unlink::sys_unlinkat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], 0).await,
        SYS_UNLINKAT => unlink::sys_unlinkat(t, fd(0), a[1], a[2] as u32).await,
        SYS_RENAME => {
            rename::sys_renameat2(t, Fd(kairos_abi::at::AT_FDCWD), a[0], Fd(kairos_abi::at::AT_FDCWD), a[1], 0).await
        }
        SYS_RENAMEAT => rename::sys_renameat2(t, fd(0), a[1], fd(2), a[3], 0).await,
        SYS_RENAMEAT2 => rename::sys_renameat2(t, fd(0), a[1], fd(2), a[3], a[4] as u32).await,
        SYS_SYMLINK => symlink::sys_symlinkat(t, a[0], Fd(kairos_abi::at::AT_FDCWD), a[1]).await,
        SYS_SYMLINKAT => symlink::sys_symlinkat(t, a[0], fd(1), a[2]).await,
        SYS_READLINK => readlink::sys_readlinkat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1], a[2] as usize).await,
        SYS_READLINKAT => readlink::sys_readlinkat(t, fd(0), a[1], a[2], a[3] as usize).await,
        SYS_LINK => {
            link::sys_linkat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], Fd(kairos_abi::at::AT_FDCWD), a[1], 0).await
        }
        SYS_LINKAT => link::sys_linkat(t, fd(0), a[1], fd(2), a[3], a[4] as u32).await,
        SYS_ACCESS => access::sys_faccessat2(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32, 0).await,
        SYS_FACCESSAT => access::sys_faccessat2(t, fd(0), a[1], a[2] as u32, 0).await,
        SYS_FACCESSAT2 => access::sys_faccessat2(t, fd(0), a[1], a[2] as u32, a[3] as u32).await,
        SYS_CHMOD => chmod::sys_fchmodat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32).await,
        SYS_FCHMOD => chmod::sys_fchmod(t, fd(0), a[1] as u32),
        SYS_FCHMODAT => chmod::sys_fchmodat(t, fd(0), a[1], a[2] as u32).await,
        SYS_CHOWN => chmod::sys_fchownat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32, a[2] as u32, 0).await,
        SYS_LCHOWN => {
            chmod::sys_fchownat(t, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1] as u32, a[2] as u32, AT_NOFOLLOW).await
        }
        SYS_FCHOWN => chmod::sys_fchown(t, fd(0), a[1] as u32, a[2] as u32),
        SYS_FCHOWNAT => chmod::sys_fchownat(t, fd(0), a[1], a[2] as u32, a[3] as u32, a[4] as u32).await,
        SYS_UTIMENSAT => utimensat::sys_utimensat(t, fd(0), a[1], a[2], a[3] as u32).await,
        SYS_SETXATTR => xattr::sys_setxattr(t, xattr::Target::Path(a[0], true), a[1], a[2], a[3], a[4] as u32).await,
        SYS_LSETXATTR => xattr::sys_setxattr(t, xattr::Target::Path(a[0], false), a[1], a[2], a[3], a[4] as u32).await,
        SYS_FSETXATTR => xattr::sys_setxattr(t, xattr::Target::Fd(fd(0)), a[1], a[2], a[3], a[4] as u32).await,
        SYS_GETXATTR => xattr::sys_getxattr(t, xattr::Target::Path(a[0], true), a[1], a[2], a[3]).await,
        SYS_LGETXATTR => xattr::sys_getxattr(t, xattr::Target::Path(a[0], false), a[1], a[2], a[3]).await,
        SYS_FGETXATTR => xattr::sys_getxattr(t, xattr::Target::Fd(fd(0)), a[1], a[2], a[3]).await,
        SYS_LISTXATTR => xattr::sys_listxattr(t, xattr::Target::Path(a[0], true), a[1], a[2]).await,
        SYS_LLISTXATTR => xattr::sys_listxattr(t, xattr::Target::Path(a[0], false), a[1], a[2]).await,
        SYS_FLISTXATTR => xattr::sys_listxattr(t, xattr::Target::Fd(fd(0)), a[1], a[2]).await,
        SYS_REMOVEXATTR => xattr::sys_removexattr(t, xattr::Target::Path(a[0], true), a[1]).await,
        SYS_LREMOVEXATTR => xattr::sys_removexattr(t, xattr::Target::Path(a[0], false), a[1]).await,
        SYS_FREMOVEXATTR => xattr::sys_removexattr(t, xattr::Target::Fd(fd(0)), a[1]).await,
        SYS_TRUNCATE => truncate::sys_truncate(t, a[0], a[1] as i64).await,
        SYS_FTRUNCATE => truncate::sys_ftruncate(t, fd(0), a[1] as i64).await,
        SYS_FSYNC | SYS_FDATASYNC => fsync::sys_fsync(t, fd(0)).await,
        SYS_SYNC => fsync::sys_sync().await,
        SYS_UMASK => umask::sys_umask(t, a[0] as u32),
        SYS_POLL => poll::sys_poll(t, a[0], a[1] as usize, a[2] as i32).await,
        SYS_PPOLL => poll::sys_ppoll(t, a[0], a[1] as usize, a[2], a[3], a[4] as usize).await,
        SYS_SELECT => select::sys_select(t, a[0] as i32, a[1], a[2], a[3], a[4]).await,
        SYS_PSELECT6 => select::sys_pselect6(t, a[0] as i32, a[1], a[2], a[3], a[4], a[5]).await,

        SYS_BRK => brk::sys_brk(t, a[0]),
        SYS_MMAP => mmap::sys_mmap(t, a[0], a[1], a[2] as u32, a[3] as u32, fd(4), a[5]).await,
        SYS_MUNMAP => munmap::sys_munmap(t, a[0], a[1]),
        SYS_MSYNC => msync::sys_msync(t, a[0], a[1], a[2] as i32).await,
        SYS_SYNCFS => fsync::sys_syncfs(t, fd(0)).await,
        SYS_MPROTECT => mprotect::sys_mprotect(t, a[0], a[1], a[2] as u32),
        SYS_MREMAP => mremap::sys_mremap(t, a[0], a[1], a[2], a[3] as u32, a[4]),
        SYS_MADVISE => madvise::sys_madvise(t, a[0], a[1], a[2] as i32),

        SYS_GETPID => getpid::sys_getpid(t),
        SYS_GETPPID => getpid::sys_getppid(t),
        SYS_GETTID => getpid::sys_gettid(t),
        SYS_GETUID | SYS_GETEUID | SYS_GETGID | SYS_GETEGID => ids::sys_get_id(t, nr),
        SYS_GETRESUID => ids::sys_getresuid(t, a[0], a[1], a[2], false),
        SYS_GETRESGID => ids::sys_getresuid(t, a[0], a[1], a[2], true),
        SYS_SETUID => ids::sys_setresuid(t, a[0] as u32, a[0] as u32, u32::MAX, false, true),
        SYS_SETGID => ids::sys_setresuid(t, a[0] as u32, a[0] as u32, u32::MAX, true, true),
        SYS_SETREUID => ids::sys_setresuid(t, a[0] as u32, a[1] as u32, u32::MAX, false, false),
        SYS_SETREGID => ids::sys_setresuid(t, a[0] as u32, a[1] as u32, u32::MAX, true, false),
        SYS_SETRESUID => ids::sys_setresuid(t, a[0] as u32, a[1] as u32, a[2] as u32, false, false),
        SYS_SETRESGID => ids::sys_setresuid(t, a[0] as u32, a[1] as u32, a[2] as u32, true, false),
        SYS_GETGROUPS => ids::sys_getgroups(t, a[0] as i32, a[1]),
        SYS_SETGROUPS => ids::sys_setgroups(t, a[0] as usize, a[1]),
        SYS_SET_TID_ADDRESS => set_tid_address::sys_set_tid_address(t, a[0]),
        SYS_SET_ROBUST_LIST => robust_list::sys_set_robust_list(t, a[0], a[1] as usize),
        SYS_GET_ROBUST_LIST => robust_list::sys_get_robust_list(t, a[0] as i32, a[1], a[2]),
        SYS_EXIT => exit::sys_exit(t, a[0] as i32),
        SYS_EXIT_GROUP => exit::sys_exit_group(t, a[0] as i32),
        SYS_FORK => clone::sys_fork(t, ctx).await,
        SYS_VFORK => clone::sys_vfork(t, ctx).await,
        SYS_CLONE => clone::sys_clone(t, ctx, a[0], a[1], a[2], a[3], a[4]).await,
        SYS_CLONE3 => clone::sys_clone3(t, ctx, a[0], a[1] as usize).await,
        SYS_EXECVE => execve::sys_execve(t, ctx, Fd(kairos_abi::at::AT_FDCWD), a[0], a[1], a[2], 0).await,
        SYS_EXECVEAT => execve::sys_execve(t, ctx, fd(0), a[1], a[2], a[3], a[4] as u32).await,
        SYS_WAIT4 => wait4::sys_wait4(t, a[0] as i32, a[1], a[2] as u32, a[3]).await,
        SYS_WAITID => waitid::sys_waitid(t, a[0] as u32, a[1] as u32, a[2], a[3] as u32, a[4]).await,
        SYS_KILL => kill::sys_kill(t, a[0] as i32, a[1] as u32),
        SYS_PIDFD_OPEN => pidfd::sys_pidfd_open(t, a[0] as i32, a[1] as u32),
        SYS_PIDFD_SEND_SIGNAL => pidfd::sys_pidfd_send_signal(t, a[0] as i32, a[1] as i32, a[2], a[3] as u32),
        SYS_PIDFD_GETFD => pidfd::sys_pidfd_getfd(t, fd(0), a[1] as i32, a[2] as u32),
        SYS_TKILL => kill::sys_tgkill(t, None, a[0] as i32, a[1] as u32),
        SYS_TGKILL => kill::sys_tgkill(t, Some(a[0] as i32), a[1] as i32, a[2] as u32),
        SYS_GETPGID => getpgid::sys_getpgid(t, a[0] as i32),
        SYS_GETPGRP => getpgid::sys_getpgid(t, 0),
        SYS_SETPGID => setpgid::sys_setpgid(t, a[0] as i32, a[1] as i32),
        SYS_SETSID => setsid::sys_setsid(t),
        SYS_GETSID => setsid::sys_getsid(t, a[0] as i32),
        SYS_PRCTL => prctl::sys_prctl(t, a[0] as i32, a[1], a[2]),
        SYS_ARCH_PRCTL => arch_prctl::sys_arch_prctl(t, ctx, a[0] as i32, a[1]),
        SYS_SCHED_GETAFFINITY => sched_affinity::sys_sched_getaffinity(t, a[0] as i32, a[1] as usize, a[2]),
        SYS_SCHED_SETAFFINITY => sched_affinity::sys_sched_setaffinity(t, a[0] as i32, a[1] as usize, a[2]),
        SYS_GETPRIORITY => priority::sys_getpriority(t, a[0] as i32, a[1] as i32),
        SYS_SETPRIORITY => priority::sys_setpriority(t, a[0] as i32, a[1] as i32, a[2] as i32),
        SYS_SETHOSTNAME => sethostname::sys_sethostname(t, a[0], a[1] as usize),
        SYS_SETDOMAINNAME => sethostname::sys_setdomainname(t, a[0], a[1] as usize),
        SYS_MOUNT => mount::sys_mount(t, a[0], a[1], a[2], a[3], a[4]).await,
        SYS_UMOUNT2 => umount2::sys_umount2(t, a[0], a[1] as u32).await,
        SYS_SCHED_GETSCHEDULER => sched_policy::sys_sched_getscheduler(t, a[0] as i32),
        SYS_SCHED_GETPARAM => sched_policy::sys_sched_getparam(t, a[0] as i32, a[1]),
        SYS_SCHED_SETSCHEDULER => sched_policy::sys_sched_setscheduler(t, a[0] as i32, a[1] as i32, a[2]),
        SYS_SCHED_SETPARAM => sched_policy::sys_sched_setscheduler(t, a[0] as i32, -1, a[1]),
        SYS_SCHED_GET_PRIORITY_MAX => sched_policy::sys_sched_get_priority(a[0] as i32, true),
        SYS_SCHED_GET_PRIORITY_MIN => sched_policy::sys_sched_get_priority(a[0] as i32, false),
        SYS_SCHED_RR_GET_INTERVAL => sched_policy::sys_sched_rr_get_interval(t, a[0] as i32, a[1]),
        SYS_SCHED_YIELD => sched_yield::sys_sched_yield().await,
        SYS_GETRLIMIT => getrlimit::sys_prlimit64(t, 0, a[0] as u32, 0, a[1]),
        SYS_SETRLIMIT => getrlimit::sys_prlimit64(t, 0, a[0] as u32, a[1], 0),
        SYS_PRLIMIT64 => getrlimit::sys_prlimit64(t, a[0] as i32, a[1] as u32, a[2], a[3]),
        SYS_GETRUSAGE => getrusage::sys_getrusage(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_TIMES => times::sys_times(t, UserPtr::new(a[0])),
        SYS_SYSINFO => sysinfo::sys_sysinfo(t, UserPtr::new(a[0])),
        SYS_UNAME => uname::sys_uname(t, UserPtr::new(a[0])),
        SYS_GETRANDOM => getrandom::sys_getrandom(t, a[0], a[1] as usize, a[2] as u32),
        SYS_SYSLOG => syslog::sys_syslog(t, a[0] as i32, a[1], a[2] as i32).await,
        SYS_REBOOT => reboot::sys_reboot(t, a[0] as u32, a[1] as u32, a[2] as u32).await,
        SYS_FUTEX => futex::sys_futex(t, a[0], a[1] as u32, a[2] as u32, a[3], a[4], a[5] as u32).await,

        SYS_RT_SIGACTION => {
            rt_sigaction::sys_rt_sigaction(t, a[0] as u32, UserPtr::new(a[1]), UserPtr::new(a[2]), a[3] as usize)
        }
        SYS_RT_SIGPROCMASK => {
            rt_sigprocmask::sys_rt_sigprocmask(t, a[0] as u32, UserPtr::new(a[1]), UserPtr::new(a[2]), a[3] as usize)
        }
        SYS_RT_SIGRETURN => rt_sigreturn::sys_rt_sigreturn(t, ctx),
        SYS_RT_SIGPENDING => rt_sigpending::sys_rt_sigpending(t, UserPtr::new(a[0]), a[1] as usize),
        SYS_RT_SIGSUSPEND => rt_sigsuspend::sys_rt_sigsuspend(t, UserPtr::new(a[0]), a[1] as usize).await,
        SYS_PAUSE => rt_sigsuspend::sys_pause(t).await,
        SYS_RT_SIGTIMEDWAIT => {
            rt_sigtimedwait::sys_rt_sigtimedwait(
                t,
                UserPtr::new(a[0]),
                UserPtr::new(a[1]),
                UserPtr::new(a[2]),
                a[3] as usize,
            )
            .await
        }
        SYS_RT_SIGQUEUEINFO => rt_sigqueueinfo::sys_rt_sigqueueinfo(t, a[0] as i32, a[1] as u32, UserPtr::new(a[2])),
        SYS_RT_TGSIGQUEUEINFO => {
            rt_sigqueueinfo::sys_rt_tgsigqueueinfo(t, a[0] as i32, a[1] as i32, a[2] as u32, UserPtr::new(a[3]))
        }
        SYS_SIGNALFD => signalfd::sys_signalfd4(t, fd(0), UserPtr::new(a[1]), a[2] as usize, 0),
        SYS_SIGNALFD4 => signalfd::sys_signalfd4(t, fd(0), UserPtr::new(a[1]), a[2] as usize, a[3] as u32),
        SYS_EPOLL_CREATE => epoll::sys_epoll_create(t, a[0] as i32),
        SYS_EPOLL_CREATE1 => epoll::sys_epoll_create1(t, a[0] as u32),
        SYS_EPOLL_CTL => epoll::sys_epoll_ctl(t, fd(0), a[1] as i32, fd(2), a[3]),
        SYS_EPOLL_WAIT => epoll::sys_epoll_wait(t, fd(0), a[1], a[2] as i32, a[3] as i32).await,
        SYS_EPOLL_PWAIT => epoll::sys_epoll_pwait(t, fd(0), a[1], a[2] as i32, a[3] as i32, a[4], a[5] as usize).await,
        SYS_EPOLL_PWAIT2 => epoll::sys_epoll_pwait2(t, fd(0), a[1], a[2] as i32, a[3], a[4], a[5] as usize).await,
        SYS_SIGALTSTACK => sigaltstack::sys_sigaltstack(t, ctx, UserPtr::new(a[0]), UserPtr::new(a[1])),

        SYS_CLOCK_GETTIME => clock_gettime::sys_clock_gettime(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_CLOCK_SETTIME => clock_gettime::sys_clock_settime(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_CLOCK_GETRES => clock_getres::sys_clock_getres(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_GETTIMEOFDAY => gettimeofday::sys_gettimeofday(t, UserPtr::new(a[0]), a[1]),
        SYS_TIME => gettimeofday::sys_time(t, a[0]),
        SYS_RESTART_SYSCALL => nanosleep::sys_restart_syscall(t).await,
        SYS_NANOSLEEP => nanosleep::sys_nanosleep(t, UserPtr::new(a[0]), UserPtr::new(a[1])).await,
        SYS_CLOCK_NANOSLEEP => {
            clock_nanosleep::sys_clock_nanosleep(t, a[0] as i32, a[1] as u32, UserPtr::new(a[2]), UserPtr::new(a[3]))
                .await
        }
        SYS_SETITIMER => setitimer::sys_setitimer(t, a[0] as i32, UserPtr::new(a[1]), UserPtr::new(a[2])),
        SYS_GETITIMER => getitimer::sys_getitimer(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_TIMER_CREATE => timer_create::sys_timer_create(t, a[0] as i32, UserPtr::new(a[1]), a[2]),
        SYS_TIMER_SETTIME => {
            timer_create::sys_timer_settime(t, a[0] as i32, a[1] as u32, UserPtr::new(a[2]), UserPtr::new(a[3]))
        }
        SYS_TIMER_GETTIME => timer_create::sys_timer_gettime(t, a[0] as i32, UserPtr::new(a[1])),
        SYS_TIMER_GETOVERRUN => timer_create::sys_timer_getoverrun(t, a[0] as i32),
        SYS_TIMER_DELETE => timer_create::sys_timer_delete(t, a[0] as i32),
        SYS_ALARM => alarm::sys_alarm(t, a[0] as u32),

        SYS_SOCKET => socket::sys_socket(t, a[0] as i32, a[1] as i32, a[2] as i32),
        SYS_SOCKETPAIR => socket::sys_socketpair(t, a[0] as i32, a[1] as i32, a[2] as i32, UserPtr::new(a[3])),
        SYS_BIND => bind::sys_bind(t, fd(0), a[1], a[2] as i32).await,
        SYS_LISTEN => bind::sys_listen(t, fd(0), a[1] as i32),
        SYS_CONNECT => connect::sys_connect(t, fd(0), a[1], a[2] as i32).await,
        SYS_ACCEPT => connect::sys_accept4(t, fd(0), a[1], a[2], 0).await,
        SYS_ACCEPT4 => connect::sys_accept4(t, fd(0), a[1], a[2], a[3] as i32).await,
        SYS_SENDTO => sendmsg::sys_sendto(t, fd(0), a[1], a[2] as usize, a[3] as u32, a[4], a[5] as i32).await,
        SYS_SENDMSG => sendmsg::sys_sendmsg(t, fd(0), a[1], a[2] as u32).await,
        SYS_RECVFROM => recvmsg::sys_recvfrom(t, fd(0), a[1], a[2] as usize, a[3] as u32, a[4], a[5]).await,
        SYS_RECVMSG => recvmsg::sys_recvmsg(t, fd(0), a[1], a[2] as u32).await,
        SYS_SHUTDOWN => shutdown::sys_shutdown(t, fd(0), a[1] as i32),
        SYS_GETSOCKNAME => getsockname::sys_getsockname(t, fd(0), a[1], a[2]),
        SYS_GETPEERNAME => getsockname::sys_getpeername(t, fd(0), a[1], a[2]),
        SYS_GETSOCKOPT => sockopt::sys_getsockopt(t, fd(0), a[1] as i32, a[2] as i32, a[3], a[4]),
        SYS_SETSOCKOPT => sockopt::sys_setsockopt(t, fd(0), a[1] as i32, a[2] as i32, a[3], a[4] as i32),
        _ => {
            report_unimplemented(nr);
            Err(Errno::ENOSYS.into())
        }
    }
}
