//! A wait queue of futures. `wait_until(cond)` registers the task's waker, re-checks the
//! condition and returns `Pending`; `wake_all` wakes every registered waiter, which then
//! re-checks its own condition. A waiter that is dropped (cancelled, e.g. by a signal)
//! removes its registration, so no stale entry or lost wakeup survives cancellation.
//! Task context only: interrupt handlers wake tasks by id instead.

use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};

/// A set of waiting futures.
#[derive(Default)]
pub struct WaitQueue {
    waiters: spin::Mutex<Vec<(u64, Waker)>>,
    next_key: AtomicU64,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> WaitQueue {
        WaitQueue { waiters: spin::Mutex::new(Vec::new()), next_key: AtomicU64::new(1) }
    }

    /// Wakes every waiter (each re-checks its condition).
    pub fn wake_all(&self) {
        let waiters = core::mem::take(&mut *self.waiters.lock());
        for (_, w) in waiters {
            w.wake();
        }
    }

    /// Number of registered waiters.
    pub fn len(&self) -> usize {
        self.waiters.lock().len()
    }

    /// Is nobody waiting?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Completes with `cond`'s value once it returns `Some`.
    pub fn wait_until<T, F: FnMut() -> Option<T>>(&self, cond: F) -> WaitUntil<'_, F> {
        WaitUntil { queue: self, cond, key: None }
    }

    fn register(&self, key: &mut Option<u64>, waker: &Waker) {
        let mut waiters = self.waiters.lock();
        if let Some(k) = *key
            && let Some(entry) = waiters.iter_mut().find(|(wk, _)| *wk == k)
        {
            if !entry.1.will_wake(waker) {
                entry.1 = waker.clone();
            }
            return;
        }
        let k = self.next_key.fetch_add(1, Ordering::Relaxed);
        waiters.push((k, waker.clone()));
        *key = Some(k);
    }

    fn unregister(&self, key: u64) {
        self.waiters.lock().retain(|(k, _)| *k != key);
    }
}

/// Future returned by [`WaitQueue::wait_until`].
pub struct WaitUntil<'a, F> {
    queue: &'a WaitQueue,
    cond: F,
    key: Option<u64>,
}

impl<T, F: FnMut() -> Option<T> + Unpin> Future for WaitUntil<'_, F> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if let Some(v) = (this.cond)() {
            if let Some(k) = this.key.take() {
                this.queue.unregister(k);
            }
            return Poll::Ready(v);
        }
        this.queue.register(&mut this.key, cx.waker());
        // Re-check: a wake between the first check and registration is not lost.
        if let Some(v) = (this.cond)() {
            if let Some(k) = this.key.take() {
                this.queue.unregister(k);
            }
            return Poll::Ready(v);
        }
        Poll::Pending
    }
}

impl<F> Drop for WaitUntil<'_, F> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            self.queue.unregister(k);
        }
    }
}
