//! Timers: the deadline-ordered timer map and the [`Sleep`] future.
//!
//! The map is a `BTreeMap<(deadline_ns, seq), Waker>` under a `spin::Mutex`; `seq` is a global
//! registration counter, so equal deadlines fire in registration (FIFO) order. The map is touched
//! only from task context (a `Sleep` being polled or dropped) and from the run loop (firing),
//! never from interrupt handlers. An `AtomicU64` mirror of the earliest deadline lets the run
//! loop skip both the lock and the clock read when nothing can have expired.
//!
//! `Sleep` registers on its first pending poll, refreshes its waker if a later poll brings a
//! different one, and removes its entry in `Drop` — so dropping a pending `Sleep` (e.g. the
//! losing branch of a `select`, or a cancelled task) is a complete cancellation.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

use crate::executor::Shared;

const NONE: u64 = u64::MAX;

/// The timer map of one executor.
pub(crate) struct Timers {
    map: spin::Mutex<BTreeMap<(u64, u64), Waker>>,
    /// Earliest deadline in `map`, or `NONE`. Updated under the lock.
    earliest: AtomicU64,
    next_seq: AtomicU64,
}

impl Timers {
    pub(crate) const fn new() -> Self {
        Self { map: spin::Mutex::new(BTreeMap::new()), earliest: AtomicU64::new(NONE), next_seq: AtomicU64::new(0) }
    }

    fn refresh_earliest(&self, map: &BTreeMap<(u64, u64), Waker>) {
        let e = map.first_key_value().map_or(NONE, |(&(d, _), _)| d);
        self.earliest.store(e, Ordering::Release);
    }

    /// Registers a waker; returns the entry's sequence number.
    fn insert(&self, deadline: u64, waker: Waker) -> u64 {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let mut map = self.map.lock();
        map.insert((deadline, seq), waker);
        self.refresh_earliest(&map);
        seq
    }

    /// Refreshes the waker of an entry (re-inserting it if it was fired meanwhile).
    fn update(&self, deadline: u64, seq: u64, waker: &Waker) {
        let mut map = self.map.lock();
        match map.get_mut(&(deadline, seq)) {
            Some(w) => {
                if !w.will_wake(waker) {
                    w.clone_from(waker);
                }
            }
            None => {
                map.insert((deadline, seq), waker.clone());
                self.refresh_earliest(&map);
            }
        }
    }

    fn remove(&self, deadline: u64, seq: u64) {
        let removed = {
            let mut map = self.map.lock();
            let removed = map.remove(&(deadline, seq));
            if removed.is_some() {
                self.refresh_earliest(&map);
            }
            removed
        };
        // Dropped outside the lock.
        drop(removed);
    }

    /// Earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        match self.earliest.load(Ordering::Acquire) {
            NONE => None,
            d => Some(d),
        }
    }

    /// Number of registered timers.
    pub(crate) fn len(&self) -> usize {
        self.map.lock().len()
    }

    /// Wakes (and removes) every timer with `deadline <= now()`, in (deadline, seq) order.
    /// Cheap when nothing is due: one atomic load, and no clock read if no timer exists.
    /// Returns the number fired.
    pub(crate) fn fire_expired(&self, now: impl FnOnce() -> u64) -> usize {
        let earliest = self.earliest.load(Ordering::Acquire);
        if earliest == NONE {
            return 0;
        }
        let now = now();
        if now < earliest {
            return 0;
        }
        let mut fired = 0;
        loop {
            let waker = {
                let mut map = self.map.lock();
                match map.first_entry() {
                    Some(e) if e.key().0 <= now => {
                        let w = e.remove();
                        self.refresh_earliest(&map);
                        w
                    }
                    _ => break,
                }
            };
            // Woken outside the lock: the waker may belong to anything.
            waker.wake();
            fired += 1;
        }
        fired
    }

    /// Drops every timer (executor shutdown).
    pub(crate) fn clear(&self) {
        let old = {
            let mut map = self.map.lock();
            let old = core::mem::take(&mut *map);
            self.refresh_earliest(&map);
            old
        };
        drop(old);
    }
}

/// Future that completes once the platform clock reaches a deadline. Created by
/// [`crate::Spawner::sleep_until`] / [`crate::Spawner::sleep`]. Cancel by dropping it.
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    shared: Arc<Shared>,
    deadline: u64,
    /// Sequence number of our timer entry, once registered.
    seq: Option<u64>,
}

impl Sleep {
    pub(crate) fn new(shared: Arc<Shared>, deadline: u64) -> Self {
        Self { shared, deadline, seq: None }
    }

    /// The deadline, in platform nanoseconds.
    pub fn deadline(&self) -> u64 {
        self.deadline
    }

    /// True if this sleep currently has a timer entry registered.
    pub fn is_registered(&self) -> bool {
        self.seq.is_some()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.shared.platform.now_ns() >= this.deadline {
            if let Some(seq) = this.seq.take() {
                this.shared.timers.remove(this.deadline, seq);
            }
            return Poll::Ready(());
        }
        match this.seq {
            Some(seq) => this.shared.timers.update(this.deadline, seq, cx.waker()),
            None => {
                this.seq = Some(this.shared.timers.insert(this.deadline, cx.waker().clone()));
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(seq) = self.seq.take() {
            self.shared.timers.remove(self.deadline, seq);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline).field("registered", &self.seq.is_some()).finish()
    }
}
