//! x86_64 syscall numbers (`arch/x86/entry/syscalls/syscall_64.tbl`),
//! as of Linux 6.18: 0..=336 and 424..=469 (387..=423 are reserved for the
//! 32-bit time64 calls and unused on x86_64; 512..=547 are x32-only).
//!
//! One macro table is the single source of truth for the `SYS_*`
//! constants, [`SYSCALLS`] and [`syscall_name`].

macro_rules! syscalls {
    ( $( $nr:literal $name:ident $konst:ident; )* ) => {
        $(
            #[doc = concat!("`", stringify!($name), "` (", stringify!($nr), ").")]
            pub const $konst: usize = $nr;
        )*

        /// Every x86_64 syscall as `(number, name)`, in increasing order.
        pub const SYSCALLS: &[(usize, &str)] = &[ $( ($nr, stringify!($name)) ),* ];

        /// `(constant name, number)` of every `SYS_*` constant (for tests).
        pub const SYSCALL_CONSTS: &[(&str, usize)] = &[ $( (stringify!($konst), $konst) ),* ];

        /// The Linux name of syscall `nr` (e.g. `"rt_sigaction"`), if it
        /// exists on x86_64.
        pub const fn syscall_name(nr: usize) -> Option<&'static str> {
            match nr {
                $( $nr => Some(stringify!($name)), )*
                _ => None,
            }
        }
    };
}

/// One past the highest syscall number in the table, for sizing dispatch
/// tables.
pub const NR_SYSCALLS: usize = 470;

syscalls! {
    0 read SYS_READ;
    1 write SYS_WRITE;
    2 open SYS_OPEN;
    3 close SYS_CLOSE;
    4 stat SYS_STAT;
    5 fstat SYS_FSTAT;
    6 lstat SYS_LSTAT;
    7 poll SYS_POLL;
    8 lseek SYS_LSEEK;
    9 mmap SYS_MMAP;
    10 mprotect SYS_MPROTECT;
    11 munmap SYS_MUNMAP;
    12 brk SYS_BRK;
    13 rt_sigaction SYS_RT_SIGACTION;
    14 rt_sigprocmask SYS_RT_SIGPROCMASK;
    15 rt_sigreturn SYS_RT_SIGRETURN;
    16 ioctl SYS_IOCTL;
    17 pread64 SYS_PREAD64;
    18 pwrite64 SYS_PWRITE64;
    19 readv SYS_READV;
    20 writev SYS_WRITEV;
    21 access SYS_ACCESS;
    22 pipe SYS_PIPE;
    23 select SYS_SELECT;
    24 sched_yield SYS_SCHED_YIELD;
    25 mremap SYS_MREMAP;
    26 msync SYS_MSYNC;
    27 mincore SYS_MINCORE;
    28 madvise SYS_MADVISE;
    29 shmget SYS_SHMGET;
    30 shmat SYS_SHMAT;
    31 shmctl SYS_SHMCTL;
    32 dup SYS_DUP;
    33 dup2 SYS_DUP2;
    34 pause SYS_PAUSE;
    35 nanosleep SYS_NANOSLEEP;
    36 getitimer SYS_GETITIMER;
    37 alarm SYS_ALARM;
    38 setitimer SYS_SETITIMER;
    39 getpid SYS_GETPID;
    40 sendfile SYS_SENDFILE;
    41 socket SYS_SOCKET;
    42 connect SYS_CONNECT;
    43 accept SYS_ACCEPT;
    44 sendto SYS_SENDTO;
    45 recvfrom SYS_RECVFROM;
    46 sendmsg SYS_SENDMSG;
    47 recvmsg SYS_RECVMSG;
    48 shutdown SYS_SHUTDOWN;
    49 bind SYS_BIND;
    50 listen SYS_LISTEN;
    51 getsockname SYS_GETSOCKNAME;
    52 getpeername SYS_GETPEERNAME;
    53 socketpair SYS_SOCKETPAIR;
    54 setsockopt SYS_SETSOCKOPT;
    55 getsockopt SYS_GETSOCKOPT;
    56 clone SYS_CLONE;
    57 fork SYS_FORK;
    58 vfork SYS_VFORK;
    59 execve SYS_EXECVE;
    60 exit SYS_EXIT;
    61 wait4 SYS_WAIT4;
    62 kill SYS_KILL;
    63 uname SYS_UNAME;
    64 semget SYS_SEMGET;
    65 semop SYS_SEMOP;
    66 semctl SYS_SEMCTL;
    67 shmdt SYS_SHMDT;
    68 msgget SYS_MSGGET;
    69 msgsnd SYS_MSGSND;
    70 msgrcv SYS_MSGRCV;
    71 msgctl SYS_MSGCTL;
    72 fcntl SYS_FCNTL;
    73 flock SYS_FLOCK;
    74 fsync SYS_FSYNC;
    75 fdatasync SYS_FDATASYNC;
    76 truncate SYS_TRUNCATE;
    77 ftruncate SYS_FTRUNCATE;
    78 getdents SYS_GETDENTS;
    79 getcwd SYS_GETCWD;
    80 chdir SYS_CHDIR;
    81 fchdir SYS_FCHDIR;
    82 rename SYS_RENAME;
    83 mkdir SYS_MKDIR;
    84 rmdir SYS_RMDIR;
    85 creat SYS_CREAT;
    86 link SYS_LINK;
    87 unlink SYS_UNLINK;
    88 symlink SYS_SYMLINK;
    89 readlink SYS_READLINK;
    90 chmod SYS_CHMOD;
    91 fchmod SYS_FCHMOD;
    92 chown SYS_CHOWN;
    93 fchown SYS_FCHOWN;
    94 lchown SYS_LCHOWN;
    95 umask SYS_UMASK;
    96 gettimeofday SYS_GETTIMEOFDAY;
    97 getrlimit SYS_GETRLIMIT;
    98 getrusage SYS_GETRUSAGE;
    99 sysinfo SYS_SYSINFO;
    100 times SYS_TIMES;
    101 ptrace SYS_PTRACE;
    102 getuid SYS_GETUID;
    103 syslog SYS_SYSLOG;
    104 getgid SYS_GETGID;
    105 setuid SYS_SETUID;
    106 setgid SYS_SETGID;
    107 geteuid SYS_GETEUID;
    108 getegid SYS_GETEGID;
    109 setpgid SYS_SETPGID;
    110 getppid SYS_GETPPID;
    111 getpgrp SYS_GETPGRP;
    112 setsid SYS_SETSID;
    113 setreuid SYS_SETREUID;
    114 setregid SYS_SETREGID;
    115 getgroups SYS_GETGROUPS;
    116 setgroups SYS_SETGROUPS;
    117 setresuid SYS_SETRESUID;
    118 getresuid SYS_GETRESUID;
    119 setresgid SYS_SETRESGID;
    120 getresgid SYS_GETRESGID;
    121 getpgid SYS_GETPGID;
    122 setfsuid SYS_SETFSUID;
    123 setfsgid SYS_SETFSGID;
    124 getsid SYS_GETSID;
    125 capget SYS_CAPGET;
    126 capset SYS_CAPSET;
    127 rt_sigpending SYS_RT_SIGPENDING;
    128 rt_sigtimedwait SYS_RT_SIGTIMEDWAIT;
    129 rt_sigqueueinfo SYS_RT_SIGQUEUEINFO;
    130 rt_sigsuspend SYS_RT_SIGSUSPEND;
    131 sigaltstack SYS_SIGALTSTACK;
    132 utime SYS_UTIME;
    133 mknod SYS_MKNOD;
    134 uselib SYS_USELIB;
    135 personality SYS_PERSONALITY;
    136 ustat SYS_USTAT;
    137 statfs SYS_STATFS;
    138 fstatfs SYS_FSTATFS;
    139 sysfs SYS_SYSFS;
    140 getpriority SYS_GETPRIORITY;
    141 setpriority SYS_SETPRIORITY;
    142 sched_setparam SYS_SCHED_SETPARAM;
    143 sched_getparam SYS_SCHED_GETPARAM;
    144 sched_setscheduler SYS_SCHED_SETSCHEDULER;
    145 sched_getscheduler SYS_SCHED_GETSCHEDULER;
    146 sched_get_priority_max SYS_SCHED_GET_PRIORITY_MAX;
    147 sched_get_priority_min SYS_SCHED_GET_PRIORITY_MIN;
    148 sched_rr_get_interval SYS_SCHED_RR_GET_INTERVAL;
    149 mlock SYS_MLOCK;
    150 munlock SYS_MUNLOCK;
    151 mlockall SYS_MLOCKALL;
    152 munlockall SYS_MUNLOCKALL;
    153 vhangup SYS_VHANGUP;
    154 modify_ldt SYS_MODIFY_LDT;
    155 pivot_root SYS_PIVOT_ROOT;
    156 _sysctl SYS__SYSCTL;
    157 prctl SYS_PRCTL;
    158 arch_prctl SYS_ARCH_PRCTL;
    159 adjtimex SYS_ADJTIMEX;
    160 setrlimit SYS_SETRLIMIT;
    161 chroot SYS_CHROOT;
    162 sync SYS_SYNC;
    163 acct SYS_ACCT;
    164 settimeofday SYS_SETTIMEOFDAY;
    165 mount SYS_MOUNT;
    166 umount2 SYS_UMOUNT2;
    167 swapon SYS_SWAPON;
    168 swapoff SYS_SWAPOFF;
    169 reboot SYS_REBOOT;
    170 sethostname SYS_SETHOSTNAME;
    171 setdomainname SYS_SETDOMAINNAME;
    172 iopl SYS_IOPL;
    173 ioperm SYS_IOPERM;
    174 create_module SYS_CREATE_MODULE;
    175 init_module SYS_INIT_MODULE;
    176 delete_module SYS_DELETE_MODULE;
    177 get_kernel_syms SYS_GET_KERNEL_SYMS;
    178 query_module SYS_QUERY_MODULE;
    179 quotactl SYS_QUOTACTL;
    180 nfsservctl SYS_NFSSERVCTL;
    181 getpmsg SYS_GETPMSG;
    182 putpmsg SYS_PUTPMSG;
    183 afs_syscall SYS_AFS_SYSCALL;
    184 tuxcall SYS_TUXCALL;
    185 security SYS_SECURITY;
    186 gettid SYS_GETTID;
    187 readahead SYS_READAHEAD;
    188 setxattr SYS_SETXATTR;
    189 lsetxattr SYS_LSETXATTR;
    190 fsetxattr SYS_FSETXATTR;
    191 getxattr SYS_GETXATTR;
    192 lgetxattr SYS_LGETXATTR;
    193 fgetxattr SYS_FGETXATTR;
    194 listxattr SYS_LISTXATTR;
    195 llistxattr SYS_LLISTXATTR;
    196 flistxattr SYS_FLISTXATTR;
    197 removexattr SYS_REMOVEXATTR;
    198 lremovexattr SYS_LREMOVEXATTR;
    199 fremovexattr SYS_FREMOVEXATTR;
    200 tkill SYS_TKILL;
    201 time SYS_TIME;
    202 futex SYS_FUTEX;
    203 sched_setaffinity SYS_SCHED_SETAFFINITY;
    204 sched_getaffinity SYS_SCHED_GETAFFINITY;
    205 set_thread_area SYS_SET_THREAD_AREA;
    206 io_setup SYS_IO_SETUP;
    207 io_destroy SYS_IO_DESTROY;
    208 io_getevents SYS_IO_GETEVENTS;
    209 io_submit SYS_IO_SUBMIT;
    210 io_cancel SYS_IO_CANCEL;
    211 get_thread_area SYS_GET_THREAD_AREA;
    212 lookup_dcookie SYS_LOOKUP_DCOOKIE;
    213 epoll_create SYS_EPOLL_CREATE;
    214 epoll_ctl_old SYS_EPOLL_CTL_OLD;
    215 epoll_wait_old SYS_EPOLL_WAIT_OLD;
    216 remap_file_pages SYS_REMAP_FILE_PAGES;
    217 getdents64 SYS_GETDENTS64;
    218 set_tid_address SYS_SET_TID_ADDRESS;
    219 restart_syscall SYS_RESTART_SYSCALL;
    220 semtimedop SYS_SEMTIMEDOP;
    221 fadvise64 SYS_FADVISE64;
    222 timer_create SYS_TIMER_CREATE;
    223 timer_settime SYS_TIMER_SETTIME;
    224 timer_gettime SYS_TIMER_GETTIME;
    225 timer_getoverrun SYS_TIMER_GETOVERRUN;
    226 timer_delete SYS_TIMER_DELETE;
    227 clock_settime SYS_CLOCK_SETTIME;
    228 clock_gettime SYS_CLOCK_GETTIME;
    229 clock_getres SYS_CLOCK_GETRES;
    230 clock_nanosleep SYS_CLOCK_NANOSLEEP;
    231 exit_group SYS_EXIT_GROUP;
    232 epoll_wait SYS_EPOLL_WAIT;
    233 epoll_ctl SYS_EPOLL_CTL;
    234 tgkill SYS_TGKILL;
    235 utimes SYS_UTIMES;
    236 vserver SYS_VSERVER;
    237 mbind SYS_MBIND;
    238 set_mempolicy SYS_SET_MEMPOLICY;
    239 get_mempolicy SYS_GET_MEMPOLICY;
    240 mq_open SYS_MQ_OPEN;
    241 mq_unlink SYS_MQ_UNLINK;
    242 mq_timedsend SYS_MQ_TIMEDSEND;
    243 mq_timedreceive SYS_MQ_TIMEDRECEIVE;
    244 mq_notify SYS_MQ_NOTIFY;
    245 mq_getsetattr SYS_MQ_GETSETATTR;
    246 kexec_load SYS_KEXEC_LOAD;
    247 waitid SYS_WAITID;
    248 add_key SYS_ADD_KEY;
    249 request_key SYS_REQUEST_KEY;
    250 keyctl SYS_KEYCTL;
    251 ioprio_set SYS_IOPRIO_SET;
    252 ioprio_get SYS_IOPRIO_GET;
    253 inotify_init SYS_INOTIFY_INIT;
    254 inotify_add_watch SYS_INOTIFY_ADD_WATCH;
    255 inotify_rm_watch SYS_INOTIFY_RM_WATCH;
    256 migrate_pages SYS_MIGRATE_PAGES;
    257 openat SYS_OPENAT;
    258 mkdirat SYS_MKDIRAT;
    259 mknodat SYS_MKNODAT;
    260 fchownat SYS_FCHOWNAT;
    261 futimesat SYS_FUTIMESAT;
    262 newfstatat SYS_NEWFSTATAT;
    263 unlinkat SYS_UNLINKAT;
    264 renameat SYS_RENAMEAT;
    265 linkat SYS_LINKAT;
    266 symlinkat SYS_SYMLINKAT;
    267 readlinkat SYS_READLINKAT;
    268 fchmodat SYS_FCHMODAT;
    269 faccessat SYS_FACCESSAT;
    270 pselect6 SYS_PSELECT6;
    271 ppoll SYS_PPOLL;
    272 unshare SYS_UNSHARE;
    273 set_robust_list SYS_SET_ROBUST_LIST;
    274 get_robust_list SYS_GET_ROBUST_LIST;
    275 splice SYS_SPLICE;
    276 tee SYS_TEE;
    277 sync_file_range SYS_SYNC_FILE_RANGE;
    278 vmsplice SYS_VMSPLICE;
    279 move_pages SYS_MOVE_PAGES;
    280 utimensat SYS_UTIMENSAT;
    281 epoll_pwait SYS_EPOLL_PWAIT;
    282 signalfd SYS_SIGNALFD;
    283 timerfd_create SYS_TIMERFD_CREATE;
    284 eventfd SYS_EVENTFD;
    285 fallocate SYS_FALLOCATE;
    286 timerfd_settime SYS_TIMERFD_SETTIME;
    287 timerfd_gettime SYS_TIMERFD_GETTIME;
    288 accept4 SYS_ACCEPT4;
    289 signalfd4 SYS_SIGNALFD4;
    290 eventfd2 SYS_EVENTFD2;
    291 epoll_create1 SYS_EPOLL_CREATE1;
    292 dup3 SYS_DUP3;
    293 pipe2 SYS_PIPE2;
    294 inotify_init1 SYS_INOTIFY_INIT1;
    295 preadv SYS_PREADV;
    296 pwritev SYS_PWRITEV;
    297 rt_tgsigqueueinfo SYS_RT_TGSIGQUEUEINFO;
    298 perf_event_open SYS_PERF_EVENT_OPEN;
    299 recvmmsg SYS_RECVMMSG;
    300 fanotify_init SYS_FANOTIFY_INIT;
    301 fanotify_mark SYS_FANOTIFY_MARK;
    302 prlimit64 SYS_PRLIMIT64;
    303 name_to_handle_at SYS_NAME_TO_HANDLE_AT;
    304 open_by_handle_at SYS_OPEN_BY_HANDLE_AT;
    305 clock_adjtime SYS_CLOCK_ADJTIME;
    306 syncfs SYS_SYNCFS;
    307 sendmmsg SYS_SENDMMSG;
    308 setns SYS_SETNS;
    309 getcpu SYS_GETCPU;
    310 process_vm_readv SYS_PROCESS_VM_READV;
    311 process_vm_writev SYS_PROCESS_VM_WRITEV;
    312 kcmp SYS_KCMP;
    313 finit_module SYS_FINIT_MODULE;
    314 sched_setattr SYS_SCHED_SETATTR;
    315 sched_getattr SYS_SCHED_GETATTR;
    316 renameat2 SYS_RENAMEAT2;
    317 seccomp SYS_SECCOMP;
    318 getrandom SYS_GETRANDOM;
    319 memfd_create SYS_MEMFD_CREATE;
    320 kexec_file_load SYS_KEXEC_FILE_LOAD;
    321 bpf SYS_BPF;
    322 execveat SYS_EXECVEAT;
    323 userfaultfd SYS_USERFAULTFD;
    324 membarrier SYS_MEMBARRIER;
    325 mlock2 SYS_MLOCK2;
    326 copy_file_range SYS_COPY_FILE_RANGE;
    327 preadv2 SYS_PREADV2;
    328 pwritev2 SYS_PWRITEV2;
    329 pkey_mprotect SYS_PKEY_MPROTECT;
    330 pkey_alloc SYS_PKEY_ALLOC;
    331 pkey_free SYS_PKEY_FREE;
    332 statx SYS_STATX;
    333 io_pgetevents SYS_IO_PGETEVENTS;
    334 rseq SYS_RSEQ;
    335 uretprobe SYS_URETPROBE;
    336 uprobe SYS_UPROBE;
    424 pidfd_send_signal SYS_PIDFD_SEND_SIGNAL;
    425 io_uring_setup SYS_IO_URING_SETUP;
    426 io_uring_enter SYS_IO_URING_ENTER;
    427 io_uring_register SYS_IO_URING_REGISTER;
    428 open_tree SYS_OPEN_TREE;
    429 move_mount SYS_MOVE_MOUNT;
    430 fsopen SYS_FSOPEN;
    431 fsconfig SYS_FSCONFIG;
    432 fsmount SYS_FSMOUNT;
    433 fspick SYS_FSPICK;
    434 pidfd_open SYS_PIDFD_OPEN;
    435 clone3 SYS_CLONE3;
    436 close_range SYS_CLOSE_RANGE;
    437 openat2 SYS_OPENAT2;
    438 pidfd_getfd SYS_PIDFD_GETFD;
    439 faccessat2 SYS_FACCESSAT2;
    440 process_madvise SYS_PROCESS_MADVISE;
    441 epoll_pwait2 SYS_EPOLL_PWAIT2;
    442 mount_setattr SYS_MOUNT_SETATTR;
    443 quotactl_fd SYS_QUOTACTL_FD;
    444 landlock_create_ruleset SYS_LANDLOCK_CREATE_RULESET;
    445 landlock_add_rule SYS_LANDLOCK_ADD_RULE;
    446 landlock_restrict_self SYS_LANDLOCK_RESTRICT_SELF;
    447 memfd_secret SYS_MEMFD_SECRET;
    448 process_mrelease SYS_PROCESS_MRELEASE;
    449 futex_waitv SYS_FUTEX_WAITV;
    450 set_mempolicy_home_node SYS_SET_MEMPOLICY_HOME_NODE;
    451 cachestat SYS_CACHESTAT;
    452 fchmodat2 SYS_FCHMODAT2;
    453 map_shadow_stack SYS_MAP_SHADOW_STACK;
    454 futex_wake SYS_FUTEX_WAKE;
    455 futex_wait SYS_FUTEX_WAIT;
    456 futex_requeue SYS_FUTEX_REQUEUE;
    457 statmount SYS_STATMOUNT;
    458 listmount SYS_LISTMOUNT;
    459 lsm_get_self_attr SYS_LSM_GET_SELF_ATTR;
    460 lsm_set_self_attr SYS_LSM_SET_SELF_ATTR;
    461 lsm_list_modules SYS_LSM_LIST_MODULES;
    462 mseal SYS_MSEAL;
    463 setxattrat SYS_SETXATTRAT;
    464 getxattrat SYS_GETXATTRAT;
    465 listxattrat SYS_LISTXATTRAT;
    466 removexattrat SYS_REMOVEXATTRAT;
    467 open_tree_attr SYS_OPEN_TREE_ATTR;
    468 file_getattr SYS_FILE_GETATTR;
    469 file_setattr SYS_FILE_SETATTR;
}

/// The number of the syscall called `name` (e.g. `"openat"`), if any.
pub fn syscall_number(name: &str) -> Option<usize> {
    SYSCALLS.iter().find(|(_, n)| *n == name).map(|(nr, _)| *nr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_checks() {
        assert_eq!(SYS_READ, 0);
        assert_eq!(SYS_RT_SIGACTION, 13);
        assert_eq!(SYS_RT_SIGRETURN, 15);
        assert_eq!(SYS_ARCH_PRCTL, 158);
        assert_eq!(SYS_EXIT_GROUP, 231);
        assert_eq!(SYS_NEWFSTATAT, 262);
        assert_eq!(SYS_RSEQ, 334);
        assert_eq!(SYS_CLONE3, 435);
        assert_eq!(SYS_MSEAL, 462);
        assert_eq!(syscall_name(0), Some("read"));
        assert_eq!(syscall_name(13), Some("rt_sigaction"));
        assert_eq!(syscall_name(156), Some("_sysctl"));
        assert_eq!(syscall_name(400), None);
        assert_eq!(syscall_name(NR_SYSCALLS), None);
        assert_eq!(syscall_number("futex"), Some(202));
    }

    #[test]
    fn table_shape() {
        // 0..=336 and 424..=469, no holes, increasing.
        let expect: Vec<usize> = (0..=336).chain(424..=469).collect();
        let got: Vec<usize> = SYSCALLS.iter().map(|(nr, _)| *nr).collect();
        assert_eq!(got, expect);
        assert_eq!(SYSCALLS.last().unwrap().0 + 1, NR_SYSCALLS);
        for (nr, name) in SYSCALLS {
            assert_eq!(syscall_name(*nr), Some(*name));
        }
        // Constant names are SYS_ + the upper-cased syscall name.
        assert_eq!(SYSCALL_CONSTS.len(), SYSCALLS.len());
        for ((cname, cnr), (nr, name)) in SYSCALL_CONSTS.iter().zip(SYSCALLS) {
            assert_eq!(cnr, nr);
            assert_eq!(*cname, format!("SYS_{}", name.to_uppercase()));
        }
        let mut names: Vec<&str> = SYSCALLS.iter().map(|(_, n)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SYSCALLS.len(), "duplicate names");
    }
}
