//! The process and thread objects and the global tables that find them by id.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use kairos_abi::signal::{SigAction, SigSet, StackT};

use crate::file::FdTable;
use crate::fsctx::FsContext;
use crate::mm::vm::AddressSpace;
use crate::proc::signal::PendingSignals;
use crate::sync::WaitQueue;

/// A process or thread id.
pub type Pid = u32;

/// The shared, lockable address space.
pub type Mm = Arc<spin::Mutex<AddressSpace>>;

/// Signal dispositions, shared by threads created with `CLONE_SIGHAND`.
#[derive(Clone)]
pub struct SigHandlers {
    /// Action for signals 1..=64 (index = signal - 1).
    pub actions: [SigAction; 64],
}

impl SigHandlers {
    /// All `SIG_DFL`.
    pub fn new() -> SigHandlers {
        SigHandlers { actions: [SigAction::DEFAULT; 64] }
    }

    /// The action of `sig`.
    pub fn get(&self, sig: u32) -> SigAction {
        self.actions[(sig - 1) as usize]
    }
}

impl Default for SigHandlers {
    fn default() -> Self {
        Self::new()
    }
}

/// How a process ended, as `wait4` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`.
    Exited(u8),
    /// Killed by a signal (with core dump flag).
    Signaled(u32, bool),
}

impl ExitStatus {
    /// The `wstatus` word.
    pub fn wstatus(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => i32::from(code) << 8,
            ExitStatus::Signaled(sig, core) => sig as i32 | if core { 0x80 } else { 0 },
        }
    }
}

/// Job-control state changes a parent may collect with `WUNTRACED` / `WCONTINUED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobEvent {
    /// Stopped by this signal.
    Stopped(u32),
    /// Continued by SIGCONT.
    Continued,
}

/// Mutable process state.
pub struct ProcessState {
    /// Parent (None for init).
    pub parent: Weak<Process>,
    /// Children, alive or zombie.
    pub children: Vec<Arc<Process>>,
    /// Process group.
    pub pgid: Pid,
    /// Session.
    pub sid: Pid,
    /// Live threads.
    pub threads: Vec<Weak<Thread>>,
    /// Set once every thread has exited: the process is a zombie.
    pub exit: Option<ExitStatus>,
    /// A group exit is in progress with this status (exit_group or fatal signal).
    pub group_exit: Option<ExitStatus>,
    /// Stopped by this signal (job control).
    pub stopped: Option<u32>,
    /// A job-control event not yet collected by `wait`.
    pub job_event: Option<JobEvent>,
    /// `execve` has happened (for setpgid's EACCES rule).
    pub did_exec: bool,
    /// Children inherit this as their new parent when their parent dies.
    pub child_subreaper: bool,
    /// Signal sent to this process when its parent dies.
    pub pdeath_signal: u32,
    /// The thread that created this process (`PR_SET_PDEATHSIG` fires when *it* exits).
    pub parent_tid: Pid,
    /// Real/effective/saved user and group ids.
    pub uid: [u32; 3],
    /// Group ids.
    pub gid: [u32; 3],
    /// Exit signal sent to the parent (SIGCHLD normally).
    pub exit_signal: u32,
    /// Resource usage of reaped children (user, system ns).
    pub children_times: (u64, u64),
    /// Resource limits (`RLIMIT_*` index → (soft, hard)).
    pub rlimits: [(u64, u64); 16],
    /// Nice value (-20..=19).
    pub nice: i32,
    /// `PR_SET_TIMERSLACK` (ns; the executor does not coalesce timers yet).
    pub timer_slack_ns: u64,
    /// `PR_SET_KEEPCAPS`.
    pub keep_caps: bool,
    /// Supplementary group ids.
    pub groups: Vec<u32>,
    /// Scheduling policy and static priority (`sched_setscheduler`).
    pub sched: (i32, i32),
    /// POSIX timers (`timer_create`), by id.
    pub timers: crate::syscall::Timers,
    /// ITIMER_VIRTUAL and ITIMER_PROF: (remaining ns, interval ns), 0 = disarmed.
    pub cpu_itimers: [(u64, u64); 2],
    /// `PR_SET_NO_NEW_PRIVS` was set.
    pub no_new_privs: bool,
    /// `PR_SET_DUMPABLE` value.
    pub dumpable: bool,
    /// ITIMER_REAL: (expiry ns, interval ns, the task that fires it).
    pub itimer_real: Option<(u64, u64, kairos_executor::JoinHandle<()>)>,
}

/// What the last `execve` loaded, as `/proc/PID/{exe,cmdline,environ,maps,stat}` show it
/// (inherited by `fork`).
#[derive(Clone, Default)]
pub struct ExecImage {
    /// Absolute path of the program (symlinks resolved); empty if unknown.
    pub exe_path: String,
    /// The program's inode.
    pub exe: Option<Arc<dyn kairos_fs::vfs::Inode>>,
    /// `[start, end)` of the program's loaded segments.
    pub image: (u64, u64),
    /// `[start, end)` of the argv strings on the initial stack.
    pub args: (u64, u64),
    /// `[start, end)` of the envp strings.
    pub env: (u64, u64),
    /// Initial stack pointer.
    pub stack_start: u64,
}

/// A thread group.
pub struct Process {
    /// Process id (= the main thread's tid).
    pub pid: Pid,
    /// Mutable state.
    pub state: spin::Mutex<ProcessState>,
    /// Process-directed pending signals.
    pub pending: spin::Mutex<PendingSignals>,
    /// Woken when a child changes state (exit, stop, continue): `wait4` waits here.
    pub child_wait: WaitQueue,
    /// Woken when this process is continued or killed while stopped.
    pub stop_wait: WaitQueue,
    /// Woken whenever a signal is generated for the process or one of its threads (signalfd).
    pub signal_event: Arc<WaitQueue>,
    /// Woken when one of its threads exits, when it becomes a zombie and when it is reaped
    /// (pidfd pollers).
    pub pidfd_wait: WaitQueue,
    /// Command name (`comm`, 15 bytes max).
    pub comm: spin::Mutex<String>,
    /// CPU time used by the process's threads (user, system) in ns.
    pub cpu_ns: (AtomicU64, AtomicU64),
    /// Start time (monotonic ns).
    pub start_ns: u64,
    /// The program image (for /proc).
    pub exec_image: spin::Mutex<ExecImage>,
}

/// A thread.
pub struct Thread {
    /// Thread id ([`Thread::tid`]); changes once, when a secondary thread execs and takes
    /// over the process id (Linux's de_thread).
    tid_value: AtomicU32,
    /// Its thread group.
    pub process: Arc<Process>,
    /// Address space (shared with `CLONE_VM`).
    pub mm: spin::Mutex<Mm>,
    /// File descriptors (shared with `CLONE_FILES`).
    pub files: spin::Mutex<Arc<spin::Mutex<FdTable>>>,
    /// Root, cwd, umask (shared with `CLONE_FS`).
    pub fs: spin::Mutex<Arc<spin::Mutex<FsContext>>>,
    /// Signal handlers (shared with `CLONE_SIGHAND`).
    pub sighand: spin::Mutex<Arc<spin::Mutex<SigHandlers>>>,
    /// Blocked signals.
    pub sigmask: spin::Mutex<SigSet>,
    /// Thread-directed pending signals.
    pub pending: spin::Mutex<PendingSignals>,
    /// Alternate signal stack.
    pub altstack: spin::Mutex<StackT>,
    /// Woken when a signal that may interrupt this thread arrives, or it must exit.
    pub signal_wait: WaitQueue,
    /// `set_tid_address` / `CLONE_CHILD_CLEARTID` pointer.
    pub clear_child_tid: AtomicU64,
    /// `set_robust_list` head.
    pub robust_list: AtomicU64,
    /// This thread must leave (exit, exit_group, fatal signal).
    pub exiting: AtomicBool,
    /// Set when a vfork child execs or exits: its parent may run again.
    pub vfork_done: AtomicBool,
    /// Woken with `vfork_done`.
    pub vfork_wait: WaitQueue,
    /// Mask saved by `rt_sigsuspend`/`ppoll`/`pselect` to restore after the handler runs.
    pub saved_sigmask: spin::Mutex<Option<SigSet>>,
    /// Executor task running this thread.
    pub task_id: AtomicU64,
    /// Address of the thread's `UserContext` (for debuggers only).
    pub ctx_addr: AtomicU64,
    /// Syscall trace flag (strace-like view).
    pub trace_syscalls: AtomicBool,
    /// Exit code given to `exit` (thread exit).
    pub exit_code: AtomicU32,
    /// Start of the kernel time not yet charged to the process (see `task::charge_system`).
    pub cpu_mark: AtomicU64,
    /// How to resume a call interrupted with ERESTART_RESTARTBLOCK (`restart_syscall`).
    pub restart_block: spin::Mutex<Option<crate::proc::signal::RestartBlock>>,
}

static PROCESSES: spin::Mutex<BTreeMap<Pid, Arc<Process>>> = spin::Mutex::new(BTreeMap::new());
static THREADS: spin::Mutex<BTreeMap<Pid, Arc<Thread>>> = spin::Mutex::new(BTreeMap::new());
static NEXT_PID: AtomicU32 = AtomicU32::new(1);

/// Largest pid before wrapping (Linux's default `pid_max`).
pub const PID_MAX: Pid = 32768;

/// Allocates an unused id (pids and tids share one space, as in Linux).
pub fn alloc_pid() -> Option<Pid> {
    let threads = THREADS.lock();
    let processes = PROCESSES.lock();
    for _ in 0..PID_MAX {
        let mut p = NEXT_PID.fetch_add(1, Ordering::Relaxed);
        if p >= PID_MAX {
            NEXT_PID.store(300, Ordering::Relaxed);
            p = 300;
        }
        let in_use = threads.contains_key(&p)
            || processes.contains_key(&p)
            || processes.values().any(|pr| {
                let s = pr.state.lock();
                s.pgid == p || s.sid == p
            });
        if !in_use {
            return Some(p);
        }
    }
    None
}

/// Finds a live or zombie process.
pub fn find_process(pid: Pid) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid).cloned()
}

/// Finds a live thread.
pub fn find_thread(tid: Pid) -> Option<Arc<Thread>> {
    THREADS.lock().get(&tid).cloned()
}

/// Every process.
pub fn all_processes() -> Vec<Arc<Process>> {
    PROCESSES.lock().values().cloned().collect()
}

/// Registers a new process.
pub fn register_process(p: &Arc<Process>) {
    PROCESSES.lock().insert(p.pid, p.clone());
}

/// Removes a reaped process (its pidfds turn POLLHUP).
pub fn unregister_process(pid: Pid) {
    let gone = PROCESSES.lock().remove(&pid);
    if let Some(p) = gone {
        p.pidfd_wait.wake_all();
    }
}

/// Registers a new thread.
pub fn register_thread(t: &Arc<Thread>) {
    THREADS.lock().insert(t.tid(), t.clone());
}

/// Removes an exited thread (waking the pollers of `PIDFD_THREAD` pidfds).
pub fn unregister_thread(tid: Pid) {
    let gone = THREADS.lock().remove(&tid);
    if let Some(t) = gone {
        t.process.pidfd_wait.wake_all();
    }
}

/// Number of live threads.
pub fn thread_count() -> usize {
    THREADS.lock().len()
}

/// Default resource limits: (soft, hard) per RLIMIT_*; `u64::MAX` is RLIM_INFINITY.
pub fn default_rlimits() -> [(u64, u64); 16] {
    let inf = u64::MAX;
    let mut r = [(inf, inf); 16];
    r[3] = (8 << 20, inf); // STACK
    r[4] = (0, inf); // CORE
    r[6] = (4096, 4096); // NPROC (a small kernel's sane default)
    r[7] = (1024, 4096); // NOFILE
    r[8] = (8 << 20, 8 << 20); // MEMLOCK
    r[13] = (0, 0); // NICE
    r[14] = (0, 0); // RTPRIO
    r[11] = (4096, 4096); // SIGPENDING
    r[12] = (819_200, 819_200); // MSGQUEUE
    r
}

impl Process {
    /// A new process with one (not yet created) thread.
    pub fn new(pid: Pid, parent: Option<&Arc<Process>>) -> Arc<Process> {
        let (pgid, sid, uid, gid, rlimits, nice, groups, sched) = match parent {
            Some(p) => {
                let s = p.state.lock();
                (s.pgid, s.sid, s.uid, s.gid, s.rlimits, s.nice, s.groups.clone(), s.sched)
            }
            None => (pid, pid, [0; 3], [0; 3], default_rlimits(), 0, Vec::new(), (0, 0)),
        };
        Arc::new(Process {
            pid,
            state: spin::Mutex::new(ProcessState {
                parent: parent.map(Arc::downgrade).unwrap_or_default(),
                children: Vec::new(),
                pgid,
                sid,
                threads: Vec::new(),
                exit: None,
                group_exit: None,
                stopped: None,
                job_event: None,
                did_exec: false,
                child_subreaper: false,
                pdeath_signal: 0,
                parent_tid: parent.map_or(0, |p| p.pid),
                uid,
                gid,
                exit_signal: kairos_abi::signal::SIGCHLD,
                children_times: (0, 0),
                rlimits,
                nice,
                timer_slack_ns: 50_000,
                keep_caps: false,
                groups,
                sched,
                cpu_itimers: [(0, 0); 2],
                timers: alloc::collections::BTreeMap::new(),
                no_new_privs: false,
                dumpable: true,
                itimer_real: None,
            }),
            pending: spin::Mutex::new(PendingSignals::default()),
            child_wait: WaitQueue::new(),
            stop_wait: WaitQueue::new(),
            signal_event: Arc::new(WaitQueue::new()),
            pidfd_wait: WaitQueue::new(),
            comm: spin::Mutex::new(String::new()),
            cpu_ns: (AtomicU64::new(0), AtomicU64::new(0)),
            start_ns: crate::time::now_ns(),
            exec_image: spin::Mutex::new(parent.map(|p| p.exec_image.lock().clone()).unwrap_or_default()),
        })
    }

    /// The parent, if alive.
    pub fn parent(&self) -> Option<Arc<Process>> {
        self.state.lock().parent.upgrade()
    }

    /// Parent pid as `getppid` reports it (0 for init).
    pub fn ppid(&self) -> Pid {
        self.parent().map(|p| p.pid).unwrap_or(0)
    }

    /// Live threads of this process.
    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.state.lock().threads.iter().filter_map(Weak::upgrade).collect()
    }

    /// Is the process a zombie (all threads gone)?
    pub fn is_zombie(&self) -> bool {
        self.state.lock().exit.is_some()
    }
}

/// The resources a new thread starts with (shared or copied per `clone` flags).
pub struct ThreadResources {
    /// Address space.
    pub mm: Mm,
    /// Descriptor table.
    pub files: Arc<spin::Mutex<FdTable>>,
    /// Filesystem context.
    pub fs: Arc<spin::Mutex<FsContext>>,
    /// Signal handlers.
    pub sighand: Arc<spin::Mutex<SigHandlers>>,
    /// Initial blocked mask.
    pub sigmask: SigSet,
    /// Initial alternate stack.
    pub altstack: StackT,
}

/// A disabled alternate signal stack.
pub const NO_ALTSTACK: StackT = StackT { ss_sp: 0, ss_flags: kairos_abi::signal::SS_DISABLE, _pad: 0, ss_size: 0 };

impl Thread {
    /// A new thread of `process` (not yet registered or running).
    pub fn new(tid: Pid, process: Arc<Process>, r: ThreadResources) -> Arc<Thread> {
        let t = Arc::new(Thread {
            tid_value: AtomicU32::new(tid),
            process,
            mm: spin::Mutex::new(r.mm),
            files: spin::Mutex::new(r.files),
            fs: spin::Mutex::new(r.fs),
            sighand: spin::Mutex::new(r.sighand),
            sigmask: spin::Mutex::new(r.sigmask),
            pending: spin::Mutex::new(PendingSignals::default()),
            altstack: spin::Mutex::new(r.altstack),
            signal_wait: WaitQueue::new(),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            exiting: AtomicBool::new(false),
            vfork_done: AtomicBool::new(false),
            vfork_wait: WaitQueue::new(),
            saved_sigmask: spin::Mutex::new(None),
            task_id: AtomicU64::new(0),
            ctx_addr: AtomicU64::new(0),
            trace_syscalls: AtomicBool::new(false),
            exit_code: AtomicU32::new(0),
            restart_block: spin::Mutex::new(None),
            cpu_mark: AtomicU64::new(crate::time::now_ns()),
        });
        t.process.state.lock().threads.push(Arc::downgrade(&t));
        t
    }

    /// The thread's address space.
    pub fn mm(&self) -> Mm {
        self.mm.lock().clone()
    }

    /// The thread's file table.
    pub fn files(&self) -> Arc<spin::Mutex<FdTable>> {
        self.files.lock().clone()
    }

    /// The thread's filesystem context.
    pub fn fs(&self) -> Arc<spin::Mutex<FsContext>> {
        self.fs.lock().clone()
    }

    /// The thread's signal handlers.
    pub fn sighand(&self) -> Arc<spin::Mutex<SigHandlers>> {
        self.sighand.lock().clone()
    }

    /// Thread id.
    pub fn tid(&self) -> Pid {
        self.tid_value.load(Ordering::Acquire)
    }

    /// After every other thread of the process is gone, a secondary thread that execs becomes
    /// the main thread: its id becomes the process id (Linux's `de_thread`). Re-registers it
    /// under the new id and moves its children's parent-thread id along.
    pub fn take_over_pid(self: &Arc<Self>) {
        let (old, new) = (self.tid(), self.process.pid);
        if old == new {
            return;
        }
        {
            let mut threads = THREADS.lock();
            threads.remove(&old);
            self.tid_value.store(new, Ordering::Release);
            threads.insert(new, self.clone());
        }
        // Copy the list first: a guard in the `for` expression would live through the loop.
        let children = self.process.state.lock().children.clone();
        for child in children {
            let mut st = child.state.lock();
            if st.parent_tid == old {
                st.parent_tid = new;
            }
        }
    }

    /// Is this the main thread (tid == pid)?
    pub fn is_main(&self) -> bool {
        self.tid() == self.process.pid
    }

    /// Must this thread leave at the next opportunity?
    pub fn is_exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }
}
