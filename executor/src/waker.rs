//! Waking: [`WakeSource`] (who caused a wake, encoded into trace events), the per-task
//! [`core::task::Waker`] implementation (`TaskWaker`, one `Arc` per task, created at spawn and
//! cached), and [`WakeHandle`], the IRQ-safe wake-by-id handle.
//!
//! Every wake path ends in `Shared::wake`: a CAS on the slot's atomic word (generation check +
//! set `SCHEDULED`) and, only if this call set the bit, one push of the slot index into the
//! fixed-capacity lock-free run queue. No lock, no allocation, so it may run in an interrupt
//! handler, on another CPU or (in tests) on another thread.

use alloc::sync::Arc;
use alloc::task::Wake;
use core::fmt;
use core::sync::atomic::{Ordering, fence};

use crate::executor::Shared;
use crate::task::{Mark, TaskId};
use crate::trace::TraceKind;

/// What caused a wake. Recorded in [`TraceKind::Wake`] events (field `a`, see
/// [`WakeSource::encode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WakeSource {
    /// Woken by (code running in) this task.
    Task(TaskId),
    /// Woken by an interrupt handler for this vector.
    Irq(u8),
    /// Woken by an expired timer.
    Timer,
    /// Woken by the executor itself, or from outside any task (e.g. another thread in tests).
    Executor,
    /// Kernel-defined source.
    Other(u32),
}

const NON_TASK: u64 = 1 << 63;
const TAG_IRQ: u64 = 1;
const TAG_TIMER: u64 = 2;
const TAG_EXECUTOR: u64 = 3;
const TAG_OTHER: u64 = 4;

impl WakeSource {
    /// Encodes into a `u64`:
    /// * `Task(id)` → `id.as_u64()` (bit 63 clear, never 0 for a real id);
    /// * others → `1 << 63 | tag << 32 | payload` with tag 1 = `Irq(vector)`, 2 = `Timer`,
    ///   3 = `Executor`, 4 = `Other(n)`.
    pub const fn encode(self) -> u64 {
        match self {
            WakeSource::Task(id) => id.as_u64(),
            WakeSource::Irq(v) => NON_TASK | (TAG_IRQ << 32) | v as u64,
            WakeSource::Timer => NON_TASK | (TAG_TIMER << 32),
            WakeSource::Executor => NON_TASK | (TAG_EXECUTOR << 32),
            WakeSource::Other(n) => NON_TASK | (TAG_OTHER << 32) | n as u64,
        }
    }

    /// Inverse of [`WakeSource::encode`]; `None` for values no `encode` produces (e.g. `0`).
    pub const fn decode(raw: u64) -> Option<Self> {
        if raw & NON_TASK == 0 {
            return if raw == 0 { None } else { Some(WakeSource::Task(TaskId::from_u64(raw))) };
        }
        let tag = (raw >> 32) & 0x7FFF_FFFF;
        let payload = raw as u32;
        match tag {
            TAG_IRQ if payload <= u8::MAX as u32 => Some(WakeSource::Irq(payload as u8)),
            TAG_TIMER if payload == 0 => Some(WakeSource::Timer),
            TAG_EXECUTOR if payload == 0 => Some(WakeSource::Executor),
            TAG_OTHER => Some(WakeSource::Other(payload)),
            _ => None,
        }
    }
}

impl Shared {
    /// The single wake path. `source` is an encoded [`WakeSource`].
    pub(crate) fn wake(&self, id: TaskId, source: u64) {
        let Some(slot) = self.slots.get(id.slot() as usize) else {
            return;
        };
        match slot.mark(id, 0) {
            Mark::Stale => {}
            Mark::AlreadyQueued => {
                self.trace.record(TraceKind::Wake as u16, id.as_u64(), source, 0);
            }
            Mark::MustEnqueue => {
                self.trace.record(TraceKind::Wake as u16, id.as_u64(), source, 1);
                self.enqueue(id.slot());
            }
        }
    }

    /// Pushes a slot index whose `SCHEDULED` bit the caller just set, then kicks the run loop if
    /// it is idling.
    pub(crate) fn enqueue(&self, slot: u32) {
        let cpu = self.local();
        // Cannot fail: the queue holds one entry per slot at most (see `task::SCHEDULED`) and
        // its capacity is the number of slots. A failure would be a bug in that invariant.
        //
        // Interrupt safety: `ArrayQueue::push` only ever waits for another party when the slot
        // it targets still holds an element whose pop is in progress, i.e. when every queue
        // position is occupied. That cannot happen here: each occupied position (including one
        // being popped, whose `SCHEDULED` bit is cleared only after `pop` returns) belongs to a
        // distinct slot with `SCHEDULED` set, and we just set the bit of a slot that is not in
        // the queue, so at most `capacity - 1` positions are occupied. A push from an interrupt
        // handler therefore never spins on the code it interrupted. Pops happen only in the run
        // loop, never in interrupt context.
        if cpu.queue.push(slot).is_err() {
            panic!("kairos-executor: run queue overflow (SCHEDULED invariant broken)");
        }
        // Pairs with the fence in `Executor::idle`: either the idler sees the queue non-empty
        // in `has_work`, or we see `idling` set and notify it.
        fence(Ordering::SeqCst);
        if cpu.idling.load(Ordering::Relaxed) {
            self.platform.notify();
        }
    }
}

/// The [`core::task::Waker`] of one task: created once at spawn, cached in the task's body, and
/// cloned (a reference-count increment, no allocation) when a future stores it.
pub(crate) struct TaskWaker {
    pub(crate) id: TaskId,
    pub(crate) shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Source: the task being polled right now, else `Timer` while the run loop fires timers,
        // else `Executor` (see `CpuState::context`). An interrupt handler calling a `Waker` would
        // be attributed to the task it interrupted; handlers should use `WakeHandle` with
        // `WakeSource::Irq` instead.
        let source = self.shared.local().context.load(Ordering::Relaxed);
        self.shared.wake(self.id, source);
    }
}

/// Wakes tasks by id. IRQ-safe, lock-free and allocation-free; `Clone + Send + Sync`.
///
/// This is the interface for interrupt handlers: a driver stores the waiting task's
/// [`TaskId`] (e.g. from [`crate::Spawner::current_task`]) and the handler calls
/// `wake(id, WakeSource::Irq(vector))`, which records the true source in the trace.
#[derive(Clone)]
pub struct WakeHandle {
    shared: Arc<Shared>,
}

impl WakeHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// Makes task `id` ready. Stale ids (finished task, reused slot, out-of-range slot) are
    /// ignored; waking an already-queued task is coalesced.
    pub fn wake(&self, id: TaskId, source: WakeSource) {
        self.shared.wake(id, source.encode());
    }
}

impl fmt::Debug for WakeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WakeHandle")
    }
}
