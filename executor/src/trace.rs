//! Tracing: [`TraceBuffer`], a bounded, lock-free, multi-producer ring of fixed-size events
//! ([`TraceEvent`]), and the executor's event kinds ([`TraceKind`]). Kinds `>= 0x100`
//! ([`TraceKind::KERNEL_BASE`]) belong to the kernel, which defines and records them itself
//! through [`TraceBuffer::record`].
//!
//! # Protocol
//! A producer claims a global index with one `fetch_add` on `head`; the index selects slot
//! `index % capacity` (capacity is a power of two). Each slot has a sequence word:
//! `0` = never written, `BUSY` = being written, `index + 1` = holds event `index`.
//! The producer CASes the sequence word to `BUSY` (giving up — and counting the event as
//! dropped — if another producer is still writing that slot after a full lap of the ring, or if
//! the slot already holds a newer event), issues a release fence, stores the fields into
//! `AtomicU64`s and publishes with `seq = index + 1` (release).
//! A reader (seqlock style) loads the sequence word (acquire), expects `index + 1`, copies the
//! fields, issues an acquire fence and re-reads the sequence word; any mismatch means the slot
//! was torn or overwritten and the event is skipped.
//!
//! A producer takes its timestamp before claiming its index, so an interrupt that records
//! between the two gets an earlier index but a later timestamp. [`TraceBuffer::snapshot`]
//! therefore orders events by timestamp (ties by index): chronological order, with `ts`
//! non-decreasing, while `index` may be locally out of order.
//!
//! Producers never block and never allocate, so an interrupt handler may record while the task
//! it interrupted is recording. Cost when enabled: one timestamp, one `cpu_id`, one `fetch_add`,
//! one CAS, six relaxed stores; when disabled: one relaxed load.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};

use crate::Platform;

/// Event kinds recorded by the executor. Stored as `u16` in [`TraceEvent::kind`].
///
/// Field conventions (`task` is always a raw [`crate::TaskId`], or 0):
///
/// | kind | task | a | b |
/// |---|---|---|---|
/// | `Spawn` | new task | parent task id raw, or 0 | 0 |
/// | `PollBegin` | task | poll number (1-based) | 0 |
/// | `PollEnd` | task | 1 if the poll returned `Ready`, else 0 | 0 |
/// | `Wake` | woken task | encoded [`crate::WakeSource`] | 1 if this wake queued the task, 0 if coalesced |
/// | `Complete` | task | 0 | 0 |
/// | `Cancel` | task | 0 | 0 |
/// | `Idle` | 0 | next timer deadline (ns), or `u64::MAX` | 0 |
/// | `IdleEnd` | 0 | 0 | 0 |
/// | `TimerFire` | 0 | number of timers fired | platform time (ns) |
#[repr(u16)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TraceKind {
    /// A task was spawned.
    Spawn = 1,
    /// The run loop is about to poll a task.
    PollBegin = 2,
    /// The poll returned.
    PollEnd = 3,
    /// A task was woken.
    Wake = 4,
    /// A task completed; its future has been dropped.
    Complete = 5,
    /// A cancelled task's future has been dropped.
    Cancel = 6,
    /// The run loop is handing the CPU to `Platform::idle`.
    Idle = 7,
    /// `Platform::idle` returned.
    IdleEnd = 8,
    /// Expired timers were fired.
    TimerFire = 9,
}

impl TraceKind {
    /// First kind value reserved for the kernel; the executor never records kinds at or above it.
    pub const KERNEL_BASE: u16 = 0x100;

    /// Maps a raw kind back to an executor kind (`None` for kernel kinds and unknown values).
    pub const fn from_u16(raw: u16) -> Option<Self> {
        Some(match raw {
            1 => TraceKind::Spawn,
            2 => TraceKind::PollBegin,
            3 => TraceKind::PollEnd,
            4 => TraceKind::Wake,
            5 => TraceKind::Complete,
            6 => TraceKind::Cancel,
            7 => TraceKind::Idle,
            8 => TraceKind::IdleEnd,
            9 => TraceKind::TimerFire,
            _ => return None,
        })
    }
}

/// One decoded trace event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceEvent {
    /// Global index of the event (claim order; gaps mean skipped or dropped events).
    pub index: u64,
    /// `Platform::timestamp()` taken by the producer (raw units, e.g. TSC ticks).
    pub ts: u64,
    /// Event kind: a [`TraceKind`] value or a kernel kind (`>= TraceKind::KERNEL_BASE`).
    pub kind: u16,
    /// `Platform::cpu_id()` of the producer (truncated to 16 bits).
    pub cpu: u16,
    /// Raw [`crate::TaskId`] the event is about, or 0.
    pub task: u64,
    /// Kind-specific payload.
    pub a: u64,
    /// Kind-specific payload.
    pub b: u64,
}

impl TraceEvent {
    /// The executor kind, if this is one.
    pub fn trace_kind(&self) -> Option<TraceKind> {
        TraceKind::from_u16(self.kind)
    }
}

const BUSY: u64 = u64::MAX;

struct TraceSlot {
    seq: AtomicU64,
    ts: AtomicU64,
    /// `kind | cpu << 16`.
    meta: AtomicU64,
    task: AtomicU64,
    a: AtomicU64,
    b: AtomicU64,
}

impl TraceSlot {
    fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            ts: AtomicU64::new(0),
            meta: AtomicU64::new(0),
            task: AtomicU64::new(0),
            a: AtomicU64::new(0),
            b: AtomicU64::new(0),
        }
    }
}

/// Bounded lock-free multi-producer event ring. Oldest events are overwritten when full.
pub struct TraceBuffer {
    enabled: AtomicBool,
    head: AtomicU64,
    /// Events given up because their slot was busy or newer (see module docs).
    contended: AtomicU64,
    mask: u64,
    slots: Box<[TraceSlot]>,
    platform: Arc<dyn Platform>,
}

impl TraceBuffer {
    /// Creates a ring with room for `capacity` events, rounded up to a power of two (`0` makes
    /// a buffer that records nothing). Enabled iff `capacity > 0`. Timestamps and CPU numbers
    /// come from `platform`.
    pub fn new(capacity: usize, platform: Arc<dyn Platform>) -> Self {
        let cap = if capacity == 0 { 0 } else { capacity.next_power_of_two() };
        let slots: Box<[TraceSlot]> = (0..cap).map(|_| TraceSlot::new()).collect();
        Self {
            enabled: AtomicBool::new(cap > 0),
            head: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            mask: (cap as u64).wrapping_sub(1),
            slots,
            platform,
        }
    }

    /// Number of events the ring holds.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Turns recording on or off (no effect on a zero-capacity buffer, which never records).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on && !self.slots.is_empty(), Ordering::Relaxed);
    }

    /// Whether [`TraceBuffer::record`] currently records.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Records an event. Lock-free, allocation-free, callable from any context (including
    /// interrupt handlers); returns immediately when disabled.
    #[inline]
    pub fn record(&self, kind: u16, task: u64, a: u64, b: u64) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        self.record_slow(kind, task, a, b);
    }

    fn record_slow(&self, kind: u16, task: u64, a: u64, b: u64) {
        let ts = self.platform.timestamp();
        let cpu = self.platform.cpu_id() as u16;
        let index = self.head.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = self.slots.get((index & self.mask) as usize) else {
            return;
        };
        let cur = slot.seq.load(Ordering::Relaxed);
        // `cur > index` covers both BUSY and "already holds a newer event" (seq = j + 1 > index
        // for any later index j); such a slot is left alone.
        if cur > index || slot.seq.compare_exchange(cur, BUSY, Ordering::Acquire, Ordering::Relaxed).is_err() {
            self.contended.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Orders the BUSY store before the field stores (seqlock writer side).
        fence(Ordering::Release);
        slot.ts.store(ts, Ordering::Relaxed);
        slot.meta.store(kind as u64 | (cpu as u64) << 16, Ordering::Relaxed);
        slot.task.store(task, Ordering::Relaxed);
        slot.a.store(a, Ordering::Relaxed);
        slot.b.store(b, Ordering::Relaxed);
        slot.seq.store(index + 1, Ordering::Release);
    }

    /// Total number of events claimed so far (recorded or dropped).
    pub fn recorded(&self) -> u64 {
        self.head.load(Ordering::Relaxed)
    }

    /// Number of events lost: overwritten by newer ones (the ring wrapped) or given up because a
    /// producer found its slot still being written a full lap earlier.
    pub fn dropped(&self) -> u64 {
        let head = self.head.load(Ordering::Relaxed);
        head.saturating_sub(self.slots.len() as u64) + self.contended.load(Ordering::Relaxed)
    }

    /// Copies the events currently in the ring, oldest → newest: ordered by timestamp, ties by
    /// claim index (see the module docs). Slots being written or overwritten during the copy
    /// are skipped, never returned torn.
    pub fn snapshot(&self) -> Vec<TraceEvent> {
        let head = self.head.load(Ordering::Acquire);
        let start = head.saturating_sub(self.slots.len() as u64);
        let mut out = Vec::with_capacity((head - start) as usize);
        for index in start..head {
            let Some(slot) = self.slots.get((index & self.mask) as usize) else {
                continue;
            };
            let s1 = slot.seq.load(Ordering::Acquire);
            if s1 != index + 1 {
                continue;
            }
            let ts = slot.ts.load(Ordering::Relaxed);
            let meta = slot.meta.load(Ordering::Relaxed);
            let task = slot.task.load(Ordering::Relaxed);
            let a = slot.a.load(Ordering::Relaxed);
            let b = slot.b.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if slot.seq.load(Ordering::Relaxed) != s1 {
                continue;
            }
            out.push(TraceEvent { index, ts, kind: meta as u16, cpu: (meta >> 16) as u16, task, a, b });
        }
        // Almost always already sorted (a stable merge sort is linear then); only events
        // recorded by an interrupt between another producer's timestamp and claim move.
        out.sort_by_key(|e| (e.ts, e.index));
        out
    }
}

impl fmt::Debug for TraceBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceBuffer")
            .field("capacity", &self.capacity())
            .field("enabled", &self.is_enabled())
            .field("recorded", &self.recorded())
            .field("dropped", &self.dropped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64 as StdAtomicU64;

    struct Clock(StdAtomicU64);
    impl Platform for Clock {
        fn now_ns(&self) -> u64 {
            0
        }
        fn timestamp(&self) -> u64 {
            self.0.fetch_add(1, Ordering::Relaxed)
        }
        fn idle(&self, _: Option<u64>, _: &dyn Fn() -> bool) {}
    }

    fn buf(cap: usize) -> TraceBuffer {
        TraceBuffer::new(cap, Arc::new(Clock(StdAtomicU64::new(100))))
    }

    #[test]
    fn wraps_keeps_newest_in_order_and_counts_dropped() {
        let t = buf(8);
        for i in 0..20u64 {
            t.record(0x100, i, i * 2, i * 3);
        }
        let s = t.snapshot();
        assert_eq!(s.len(), 8);
        assert_eq!(t.dropped(), 12);
        assert_eq!(t.recorded(), 20);
        for (k, e) in s.iter().enumerate() {
            let i = 12 + k as u64;
            assert_eq!(e.index, i);
            assert_eq!((e.kind, e.task, e.a, e.b), (0x100, i, i * 2, i * 3));
            assert_eq!(e.ts, 100 + i);
        }
    }

    #[test]
    fn capacity_rounds_up_and_zero_records_nothing() {
        assert_eq!(buf(5).capacity(), 8);
        let z = buf(0);
        assert!(!z.is_enabled());
        z.set_enabled(true);
        assert!(!z.is_enabled());
        z.record(1, 1, 1, 1);
        assert!(z.snapshot().is_empty());
        assert_eq!(z.recorded(), 0);
    }

    #[test]
    fn disabled_records_nothing() {
        let t = buf(16);
        t.set_enabled(false);
        t.record(1, 2, 3, 4);
        assert_eq!(t.recorded(), 0);
        assert!(t.snapshot().is_empty());
        t.set_enabled(true);
        t.record(1, 2, 3, 4);
        assert_eq!(t.snapshot().len(), 1);
    }

    /// A platform whose timestamp call "takes an interrupt" once: the handler records an event
    /// between the outer producer's timestamp and its index claim.
    struct Interrupting {
        ts: StdAtomicU64,
        buffer: std::sync::OnceLock<std::sync::Weak<TraceBuffer>>,
    }
    impl Platform for Interrupting {
        fn now_ns(&self) -> u64 {
            0
        }
        fn timestamp(&self) -> u64 {
            let t = self.ts.fetch_add(1, Ordering::SeqCst);
            if t == 3
                && let Some(b) = self.buffer.get().and_then(|w| w.upgrade())
            {
                b.record(0x1FF, 99, 0, 0); // the "interrupt handler"
            }
            t
        }
        fn idle(&self, _: Option<u64>, _: &dyn Fn() -> bool) {}
    }

    #[test]
    fn snapshot_is_chronological_when_an_interrupt_records_mid_record() {
        let p = Arc::new(Interrupting { ts: StdAtomicU64::new(0), buffer: std::sync::OnceLock::new() });
        let t = Arc::new(TraceBuffer::new(16, p.clone()));
        p.buffer.set(Arc::downgrade(&t)).unwrap();
        for i in 0..6 {
            t.record(0x100, i, 0, 0);
        }
        let s = t.snapshot();
        assert_eq!(s.len(), 7);
        let order: Vec<(u64, u64, u64)> = s.iter().map(|e| (e.ts, e.index, e.task)).collect();
        // Task 3 took ts 3, then the interrupt took ts 4 and claimed index 3 first.
        assert_eq!(order, vec![(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 4, 3), (4, 3, 99), (5, 5, 4), (6, 6, 5)]);
    }

    #[test]
    fn concurrent_producers_and_reader_never_see_torn_events() {
        // Producers keep recording until the reader has taken SNAPSHOTS snapshots that each held
        // events, so reads always overlap writes regardless of thread scheduling.
        const SNAPSHOTS: usize = 300;
        let t = Arc::new(buf(64));
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (t, done) = (t.clone(), done.clone());
            std::thread::spawn(move || {
                let (mut seen, mut useful) = (0usize, 0usize);
                while useful < SNAPSHOTS {
                    let s = t.snapshot();
                    for w in s.windows(2) {
                        assert!((w[0].ts, w[0].index) < (w[1].ts, w[1].index));
                    }
                    useful += usize::from(!s.is_empty());
                    for e in s {
                        // Each producer writes task = x, a = !x, b = x ^ kind.
                        assert_eq!(e.a, !e.task, "torn event {e:?}");
                        assert_eq!(e.b, e.task ^ e.kind as u64, "torn event {e:?}");
                        seen += 1;
                    }
                }
                done.store(true, Ordering::Relaxed);
                seen
            })
        };
        let producers: Vec<_> = (0..2u16)
            .map(|p| {
                let (t, done) = (t.clone(), done.clone());
                std::thread::spawn(move || {
                    let mut i = 0u64;
                    while !done.load(Ordering::Relaxed) || i < 10_000 {
                        let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ p as u64;
                        t.record(0x100 + p, x, !x, x ^ (0x100 + p) as u64);
                        i += 1;
                    }
                    i
                })
            })
            .collect();
        let total: u64 = producers.into_iter().map(|p| p.join().unwrap()).sum();
        let seen = reader.join().unwrap();
        assert!(seen >= SNAPSHOTS);
        assert_eq!(t.recorded(), total);
        // Quiescent now: the ring holds the last lap, minus slots given up under contention.
        let s = t.snapshot();
        assert!(s.len() <= 64);
        assert!(!s.is_empty());
        assert!(s.iter().all(|e| e.index >= total - 64 && e.index < total));
        assert!(t.dropped() >= total - 64);
    }
}
