//! Kairos' cooperative in-kernel async executor: tasks, wakers, timers, join handles and an
//! always-on event trace. Every blocking operation in the kernel is a future polled here.
//!
//! The crate is `no_std` + `alloc` and contains no `unsafe`. The kernel supplies a [`Platform`]
//! (clock, timestamp counter, idle/halt); tests supply one built on `std`.
//!
//! # Modules
//! * `task` — [`TaskId`], the per-slot atomic state words, the task table (slab), the spawn
//!   wrapper, [`TaskInfo`] / [`TaskState`] / [`SpawnError`].
//! * `waker` — [`WakeSource`], the cached per-task `Waker`, [`WakeHandle`] (IRQ-safe wake by id).
//! * `timer` — the deadline-ordered timer map and [`Sleep`].
//! * `join` — [`JoinHandle`] and [`Cancelled`].
//! * `trace` — [`TraceBuffer`], [`TraceEvent`], [`TraceKind`].
//! * `executor` — shared state, the run loop ([`Executor`]) and [`Spawner`].
//!
//! # Design
//! * **Tasks.** A task is an id plus a `Pin<Box<dyn Future<Output = ()> + Send>>` (the spawn
//!   wrapper stores the real output into the join state). The task table is a slab under a spin
//!   lock; a task's body is *moved out* of its slot while it is polled and no lock is held during
//!   a poll, so a task can spawn, wake, cancel or sleep freely (re-entrancy never deadlocks).
//!   [`TaskId`] = `generation << 32 | slot`; the generation is bumped when a slot is freed, so
//!   stale ids never touch the slot's next occupant.
//! * **Waking** touches only atomics: each slot has a fixed `AtomicU64` (generation + `LIVE` /
//!   `SCHEDULED` / `CANCEL` flags), allocated once in [`Executor::new`]. A wake CASes the word
//!   (checking the generation) and, only if it was the one to set `SCHEDULED`, pushes the slot
//!   index into a fixed-capacity `crossbeam_queue::ArrayQueue` of capacity `max_tasks`. Each
//!   slot is therefore in the queue at most once and the queue can never overflow, however many
//!   wakes arrive. The run loop clears `SCHEDULED` right *before* polling, so a wake that arrives
//!   during the poll re-queues the task: no lost wakeups. No lock, no allocation: interrupt
//!   handlers may wake (via [`WakeHandle`]). Each task's `Waker` is an `Arc<TaskWaker>`
//!   (`alloc::task::Wake`) created once at spawn and cached; polls never allocate.
//! * **Timers** live in a `BTreeMap<(deadline, seq), Waker>` under a spin lock, touched only
//!   from task context and the run loop. The loop fires expired timers each iteration and passes
//!   the earliest deadline to [`Platform::idle`]. [`Sleep`] removes its entry on drop, so
//!   dropping it (select, cancellation) is a complete cancel.
//! * **Cancellation** is by drop: [`JoinHandle::cancel`] sets the slot's `CANCEL` flag and
//!   schedules the task; the run loop then drops its future instead of polling it.
//! * **Tracing**: a lock-free multi-producer ring ([`TraceBuffer`]) records spawn, poll
//!   begin/end, wake (with its [`WakeSource`]), completion, cancellation and idle periods; the
//!   kernel records its own kinds (`>= 0x100`) into the same ring.
//!
//! # Towards SMP (not implemented)
//! All shared state sits in one `Arc<Shared>`; what is per-CPU in nature — the run queue, the
//! "currently running" context and the idle flag — is already grouped in a `CpuState`, of which
//! there is one today. For one executor per CPU, `Shared` would hold one `CpuState` per CPU
//! (indexed by [`Platform::cpu_id`]) and each CPU would run its own loop over its own queue.
//! The slot word would gain a few bits naming the task's *home* CPU, so that `wake` pushes onto
//! the home queue and calls [`Platform::notify`] (an IPI) if that CPU is idling. Stealing: an
//! idle CPU, before halting, pops a batch (e.g. half) of indices from a randomly chosen
//! victim's `ArrayQueue` — the queue is already multi-consumer — and re-homes those tasks by
//! updating their slot word with a CAS. Because `SCHEDULED` still guarantees one queue entry
//! per task across *all* queues, each per-CPU queue can keep capacity `max_tasks` and never
//! overflow. The one new race is a task being woken, popped and stolen while still being polled
//! elsewhere: a `RUNNING` bit in the slot word (set by the poller, checked by the popper, who
//! re-marks the task as notified so the poller re-queues it after its poll) closes it. The task
//! table lock is taken twice per poll and never across one; under contention it could become
//! per-slot cells, since the slot words already carry all the synchronization waking needs.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod executor;
mod join;
mod task;
mod timer;
pub mod trace;
mod waker;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

pub use executor::{Executor, Spawner};
pub use join::{Cancelled, JoinHandle};
pub use task::{SpawnError, TaskId, TaskInfo, TaskState};
pub use timer::Sleep;
pub use trace::{TraceBuffer, TraceEvent, TraceKind};
pub use waker::{WakeHandle, WakeSource};

/// What the executor needs from its environment. Supplied by the kernel (or by tests).
/// All methods are callable from any context.
pub trait Platform: Send + Sync + 'static {
    /// Monotonic nanoseconds.
    fn now_ns(&self) -> u64;

    /// Cheap raw timestamp for trace events (kernel: `rdtsc`). Monotonic per CPU.
    fn timestamp(&self) -> u64;

    /// Called by the run loop when it found no ready task. Must (with interrupts disabled in the
    /// kernel) re-check `has_work()` and, only if it is false, sleep until an interrupt or until
    /// `deadline_ns` (`None` = no timer pending). Returning early/spuriously is allowed.
    fn idle(&self, deadline_ns: Option<u64>, has_work: &dyn Fn() -> bool);

    /// Index of the current CPU (0 for now).
    fn cpu_id(&self) -> usize {
        0
    }

    /// Called after a wake or spawn made a task ready while the run loop is (or is about to be)
    /// inside [`Platform::idle`]: the platform should make `idle` return. Called from the waking
    /// context, which may be an interrupt handler, another CPU or another thread. The default
    /// does nothing, which is right for a uniprocessor kernel (the interrupt that caused the wake
    /// already ends `hlt`); with SMP it would send an IPI; a `std` test platform unparks the
    /// executor thread.
    fn notify(&self) {}
}

/// Executor sizing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Maximum number of live tasks (also the run-queue capacity). Default 16384.
    pub max_tasks: usize,
    /// Trace ring capacity in events, rounded up to a power of two; 0 disables tracing.
    /// Default 65536 (48 bytes per event).
    pub trace_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self { max_tasks: 16384, trace_capacity: 65536 }
    }
}

/// Yields once: wakes the current task and returns `Pending` the first time it is polled, so
/// every other ready task gets a turn before this one continues.
pub async fn yield_now() {
    YieldNow { yielded: false }.await;
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
