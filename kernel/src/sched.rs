//! Glue between the kernel and the executor: the platform (clock, idle with `sti; hlt`, the
//! one-shot APIC timer) and the global spawner / IRQ-safe wake handle.

use conquer_once::spin::OnceCell;
use kairos_executor::{Platform, Spawner, TaskId, WakeHandle, WakeSource};

use crate::arch::{apic, cpu};

/// The executor's view of this machine.
pub struct KernelPlatform;

/// Trace event kinds the kernel records (executor kinds are below 0x100).
pub mod trace_kind {
    /// A device interrupt: `a` = vector.
    pub const IRQ: u16 = 0x100;
    /// Syscall entry: task = tid, `a` = number, `b` = first argument.
    pub const SYSCALL_ENTER: u16 = 0x101;
    /// Syscall exit: task = tid, `a` = number, `b` = result.
    pub const SYSCALL_EXIT: u16 = 0x102;
    /// Page fault begin: task = tid, `a` = address, `b` = error code.
    pub const PAGE_FAULT: u16 = 0x103;
    /// Page fault resolved: task = tid, `a` = address, `b` = 0 ok / 1 signal.
    pub const PAGE_FAULT_END: u16 = 0x104;
    /// Signal generated: task = target tid/pid, `a` = signal, `b` = sender pid.
    pub const SIGNAL_GENERATE: u16 = 0x105;
    /// Signal frame built: task = tid, `a` = signal, `b` = handler address.
    pub const SIGNAL_DELIVER: u16 = 0x106;
    /// Address-space switch: task = tid, `a` = new CR3.
    pub const MM_SWITCH: u16 = 0x107;
    /// Return to user mode: task = tid, `a` = user RIP.
    pub const USER_ENTER: u16 = 0x108;
    /// A user thread started: task = executor task id, `a` = tid, `b` = pid.
    pub const USER_THREAD: u16 = 0x109;
}

impl Platform for KernelPlatform {
    fn now_ns(&self) -> u64 {
        crate::time::now_ns()
    }

    fn timestamp(&self) -> u64 {
        cpu::rdtsc()
    }

    fn idle(&self, deadline_ns: Option<u64>, has_work: &dyn Fn() -> bool) {
        cpu::disable_interrupts();
        if has_work() {
            cpu::enable_interrupts();
            return;
        }
        match deadline_ns {
            Some(d) => apic::arm_timer_ns(d.saturating_sub(crate::time::now_ns())),
            None => apic::disarm_timer(),
        }
        // Interrupts were off since the check above: a wake cannot slip in between.
        cpu::enable_interrupts_and_halt();
    }
}

static SPAWNER: OnceCell<Spawner> = OnceCell::uninit();
static WAKE: OnceCell<WakeHandle> = OnceCell::uninit();

/// Publishes the executor's spawner for the rest of the kernel.
pub fn install(spawner: Spawner) {
    WAKE.init_once(|| spawner.wake_handle());
    SPAWNER.init_once(|| spawner);
}

/// The global spawner, if the executor is running (for the panic path).
pub fn try_spawner() -> Option<&'static Spawner> {
    SPAWNER.get()
}

/// The global spawner.
pub fn spawner() -> &'static Spawner {
    SPAWNER.get().expect("executor not started")
}

/// Wakes a task from interrupt context (atomics only).
pub fn wake_from_irq(task: TaskId, source: WakeSource) {
    if let Some(w) = WAKE.get() {
        w.wake(task, source);
    }
}

/// Records a kernel trace event if the executor is up (safe in interrupt context).
pub fn trace(kind: u16, task: u64, a: u64, b: u64) {
    if let Some(s) = SPAWNER.get() {
        s.trace().record(kind, task, a, b);
    }
}
