//! Tasks: identities ([`TaskId`]), the per-slot atomic state word, the task table (a slab of
//! slots with a generation per slot), the spawn wrapper that turns any `Future<Output = T>` into
//! a `Future<Output = ()>` body, and the public introspection types ([`TaskInfo`], [`TaskState`],
//! [`SpawnError`]).
//!
//! Two structures describe a task:
//!
//! * [`SlotState`] — one `AtomicU64` per slot, allocated once at executor construction. It holds
//!   the slot's current generation (high 32 bits) and the `LIVE` / `SCHEDULED` / `CANCEL` flags
//!   (low bits). Waking reads and CASes only this word (plus a lock-free queue push), which is why
//!   waking is IRQ-safe and allocation-free.
//! * [`Table`] — the slab under a `spin::Mutex`, holding the task's name, parent and *body* (the
//!   boxed future plus its cached [`Waker`]). The body is moved out while the task is polled, so
//!   the lock is never held across a poll and tasks may freely spawn, wake or cancel.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use crate::join::{Cancelled, JoinState};

/// Largest generation value; generations cycle through `1..=MAX_GENERATION` so that the top bit
/// of a raw [`TaskId`] is always clear (see [`crate::WakeSource::encode`]) and a raw id of `0`
/// never names a task.
pub(crate) const MAX_GENERATION: u32 = 0x7FFF_FFFF;

/// Identity of a task: `generation << 32 | slot index`.
///
/// Slots are reused; the generation distinguishes successive occupants, so an id that outlived
/// its task (a *stale* id) never wakes or cancels the slot's next occupant. A valid id always has
/// a generation in `1..=0x7FFF_FFFF`, so its raw value is never `0` and never has bit 63 set.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) const fn new(slot: u32, generation: u32) -> Self {
        Self(((generation as u64) << 32) | slot as u64)
    }

    /// The raw 64-bit value (`generation << 32 | slot`), as stored in trace events.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Rebuilds an id from [`TaskId::as_u64`]. Any value is accepted; a value that does not name
    /// a live task is simply stale (waking it is a no-op).
    pub const fn from_u64(raw: u64) -> Self {
        Self(raw)
    }

    /// The slot index part.
    pub const fn slot(self) -> u32 {
        self.0 as u32
    }

    /// The generation part.
    pub const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({}g{})", self.slot(), self.generation())
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}g{}", self.slot(), self.generation())
    }
}

/// Why a spawn failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// `Config::max_tasks` tasks are alive already.
    Full,
    /// The [`crate::Executor`] has been dropped; nothing would ever poll the task.
    Shutdown,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Full => f.write_str("task table full"),
            SpawnError::Shutdown => f.write_str("executor shut down"),
        }
    }
}

impl core::error::Error for SpawnError {}

/// Scheduling state of a live task, as reported by [`crate::Spawner::tasks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// In the run queue, waiting to be polled.
    Ready,
    /// Being polled right now.
    Running,
    /// Waiting for a wake.
    Waiting,
    /// Cancellation requested; the executor will drop its future at its next turn.
    Cancelling,
}

/// A snapshot of one live task (for debuggers, procfs, the trace viewer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given at spawn.
    pub name: &'static str,
    /// Its scheduling state at the time of the snapshot.
    pub state: TaskState,
    /// The task that spawned it, if it was spawned from inside a task.
    pub parent: Option<TaskId>,
    /// How many times it has been polled so far.
    pub polls: u64,
}

// ---------------------------------------------------------------------------------------------
// Per-slot atomic state.

/// The task in this slot exists (its body is in the table or being polled).
pub(crate) const LIVE: u64 = 1 << 0;
/// The slot index is in the run queue (or about to be pushed by whoever set the bit). Invariant:
/// an index is in the queue at most once, because only the setter of this bit pushes it, and only
/// the run loop (which pops it) clears it. Hence the queue (capacity = number of slots) can never
/// overflow.
pub(crate) const SCHEDULED: u64 = 1 << 1;
/// Cancellation requested; the run loop drops the body instead of polling it.
pub(crate) const CANCEL: u64 = 1 << 2;
const FLAG_MASK: u64 = 0xFFFF_FFFF;

/// One slot's atomic word: `generation << 32 | flags`.
pub(crate) struct SlotState {
    word: AtomicU64,
}

/// What [`SlotState::mark`] did.
pub(crate) enum Mark {
    /// The id is stale (other generation or no live task): nothing happened.
    Stale,
    /// The task was already queued; the wake was coalesced.
    AlreadyQueued,
    /// The caller set `SCHEDULED` and must push the slot index into the run queue.
    MustEnqueue,
}

impl SlotState {
    pub(crate) const fn new() -> Self {
        Self { word: AtomicU64::new(1 << 32) }
    }

    pub(crate) fn load(&self) -> u64 {
        self.word.load(Ordering::Acquire)
    }

    pub(crate) const fn generation_of(word: u64) -> u32 {
        (word >> 32) as u32
    }

    /// Sets `SCHEDULED | extra` if `id` names the live occupant. Lock-free (a CAS loop on one
    /// word), allocation-free: callable from interrupt handlers.
    pub(crate) fn mark(&self, id: TaskId, extra: u64) -> Mark {
        let mut w = self.word.load(Ordering::Acquire);
        loop {
            if Self::generation_of(w) != id.generation() || w & LIVE == 0 {
                return Mark::Stale;
            }
            let new = w | SCHEDULED | extra;
            if new == w {
                return Mark::AlreadyQueued;
            }
            match self.word.compare_exchange_weak(w, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) if w & SCHEDULED != 0 => return Mark::AlreadyQueued,
                Ok(_) => return Mark::MustEnqueue,
                Err(actual) => w = actual,
            }
        }
    }

    /// Run loop: the index was popped from the queue. Clears `SCHEDULED` (so a wake arriving
    /// during the coming poll re-queues the task) and returns the previous word.
    pub(crate) fn take_scheduled(&self) -> u64 {
        self.word.fetch_and(!SCHEDULED, Ordering::AcqRel)
    }

    /// Spawn (under the table lock): makes the slot live and scheduled. Returns `true` if the
    /// caller must push the index (a stale queue entry for this slot may already exist, in which
    /// case the new task simply inherits it).
    pub(crate) fn activate(&self) -> bool {
        self.word.fetch_or(LIVE | SCHEDULED, Ordering::AcqRel) & SCHEDULED == 0
    }

    /// Task finished (under the table lock): bumps the generation, clears `LIVE`/`CANCEL`, keeps
    /// `SCHEDULED` (a queue entry may still exist; the run loop discards it).
    pub(crate) fn retire(&self) {
        let _ = self.word.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
            let g = Self::generation_of(w);
            let next = if g >= MAX_GENERATION { 1 } else { g + 1 };
            Some(((next as u64) << 32) | (w & FLAG_MASK & SCHEDULED))
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The task table.

/// The boxed future of a task plus its cached waker. Moved out of the table while polled.
pub(crate) struct Body {
    pub(crate) future: Pin<Box<dyn Future<Output = ()> + Send>>,
    pub(crate) waker: Waker,
}

pub(crate) struct Entry {
    pub(crate) id: TaskId,
    pub(crate) name: &'static str,
    pub(crate) parent: Option<TaskId>,
    pub(crate) polls: u64,
    /// `None` while the task is being polled.
    pub(crate) body: Option<Body>,
}

enum TableSlot {
    Vacant { next_free: u32 },
    Occupied(Entry),
}

const NO_SLOT: u32 = u32::MAX;

/// Slab of task entries with an intrusive free list (LIFO reuse keeps hot slots hot).
pub(crate) struct Table {
    slots: Vec<TableSlot>,
    free_head: u32,
    live: usize,
}

impl Table {
    pub(crate) const fn new() -> Self {
        Self { slots: Vec::new(), free_head: NO_SLOT, live: 0 }
    }

    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Index the next [`Table::insert`] will use.
    pub(crate) fn next_index(&self) -> u32 {
        if self.free_head == NO_SLOT { self.slots.len() as u32 } else { self.free_head }
    }

    /// Inserts at [`Table::next_index`].
    pub(crate) fn insert(&mut self, entry: Entry) -> u32 {
        self.live += 1;
        if self.free_head == NO_SLOT {
            self.slots.push(TableSlot::Occupied(entry));
            (self.slots.len() - 1) as u32
        } else {
            let idx = self.free_head;
            let slot = &mut self.slots[idx as usize];
            if let TableSlot::Vacant { next_free } = *slot {
                self.free_head = next_free;
            }
            *slot = TableSlot::Occupied(entry);
            idx
        }
    }

    pub(crate) fn get_mut(&mut self, idx: u32, id: TaskId) -> Option<&mut Entry> {
        match self.slots.get_mut(idx as usize) {
            Some(TableSlot::Occupied(e)) if e.id == id => Some(e),
            _ => None,
        }
    }

    /// Removes the entry at `idx`, returning it.
    pub(crate) fn remove(&mut self, idx: u32) -> Option<Entry> {
        let slot = self.slots.get_mut(idx as usize)?;
        if let TableSlot::Vacant { .. } = slot {
            return None;
        }
        let old = core::mem::replace(slot, TableSlot::Vacant { next_free: self.free_head });
        self.free_head = idx;
        self.live -= 1;
        match old {
            TableSlot::Occupied(e) => Some(e),
            TableSlot::Vacant { .. } => None,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            TableSlot::Occupied(e) => Some((i as u32, e)),
            TableSlot::Vacant { .. } => None,
        })
    }

    pub(crate) fn occupied_indices(&self) -> Vec<u32> {
        self.iter().map(|(i, _)| i).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Spawn wrapper.

pin_project! {
    /// Wraps the user's future: stores its output into the join state when it completes, and
    /// reports `Cancelled` if it is dropped before completing (cancellation by drop, executor
    /// shutdown). The inner future is dropped *before* the join handle is notified, so a joiner
    /// observes all of the task's destructors as having run.
    pub(crate) struct TaskFuture<F>
    where
        F: Future,
    {
        #[pin]
        fut: Option<F>,
        join: Arc<JoinState<F::Output>>,
    }

    impl<F> PinnedDrop for TaskFuture<F>
    where
        F: Future,
    {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.fut.is_some() {
                this.fut.set(None);
                this.join.complete(Err(Cancelled));
            }
        }
    }
}

impl<F: Future> TaskFuture<F> {
    pub(crate) fn new(fut: F, join: Arc<JoinState<F::Output>>) -> Self {
        Self { fut: Some(fut), join }
    }
}

impl<F: Future> Future for TaskFuture<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        match fut.poll(cx) {
            Poll::Ready(value) => {
                this.fut.set(None);
                this.join.complete(Ok(value));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
