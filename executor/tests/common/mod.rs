//! Test platform and small future helpers shared by the integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use kairos_executor::Platform;

/// A `std` platform. `manual()`: a fake clock that only moves when the test moves it, or when
/// the run loop idles with a timer pending (virtual time: idle jumps the clock to the deadline).
/// `real()`: `Instant`-based clock; idle parks the executor thread until the deadline, a
/// `notify`, or `max_park`.
pub struct TestPlatform {
    manual: bool,
    start: Instant,
    fake_now: AtomicU64,
    ts: AtomicU64,
    thread: Thread,
    max_park: Duration,
    pub idles: AtomicUsize,
    pub notifies: AtomicUsize,
}

impl TestPlatform {
    fn new(manual: bool, max_park: Duration) -> Self {
        Self {
            manual,
            start: Instant::now(),
            fake_now: AtomicU64::new(0),
            ts: AtomicU64::new(1),
            // The executor runs on the thread that builds the platform.
            thread: std::thread::current(),
            max_park,
            idles: AtomicUsize::new(0),
            notifies: AtomicUsize::new(0),
        }
    }

    pub fn manual() -> Self {
        Self::new(true, Duration::from_millis(20))
    }

    /// Real clock; with no timer pending, idle parks for up to `max_park` (so a missing
    /// `notify` shows up as a long stall the test can detect).
    pub fn real(max_park: Duration) -> Self {
        Self::new(false, max_park)
    }

    pub fn set_now(&self, ns: u64) {
        assert!(self.manual);
        self.fake_now.fetch_max(ns, Ordering::SeqCst);
    }

    pub fn advance(&self, ns: u64) {
        assert!(self.manual);
        self.fake_now.fetch_add(ns, Ordering::SeqCst);
    }
}

impl Platform for TestPlatform {
    fn now_ns(&self) -> u64 {
        if self.manual { self.fake_now.load(Ordering::SeqCst) } else { self.start.elapsed().as_nanos() as u64 }
    }

    fn timestamp(&self) -> u64 {
        // Strictly increasing, like a TSC on one CPU.
        self.ts.fetch_add(1, Ordering::Relaxed)
    }

    fn idle(&self, deadline_ns: Option<u64>, has_work: &dyn Fn() -> bool) {
        self.idles.fetch_add(1, Ordering::Relaxed);
        if has_work() {
            return;
        }
        if self.manual {
            match deadline_ns {
                Some(d) => self.set_now(d),
                None => std::thread::park_timeout(self.max_park),
            }
        } else {
            let now = self.now_ns();
            let park = match deadline_ns {
                Some(d) => Duration::from_nanos(d.saturating_sub(now)).min(self.max_park),
                None => self.max_park,
            };
            std::thread::park_timeout(park);
        }
    }

    fn notify(&self) {
        self.notifies.fetch_add(1, Ordering::Relaxed);
        self.thread.unpark();
    }
}

/// Sets its flag when dropped.
pub struct DropFlag(pub Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A future that counts its polls and completes once `release` is set. It never registers a
/// waker: only wakes by id (or by the cached waker it exposes) make it run again.
#[derive(Clone, Default)]
pub struct Probe {
    pub polls: Arc<AtomicUsize>,
    pub release: Arc<AtomicBool>,
    pub waker: Arc<Mutex<Option<Waker>>>,
}

impl Probe {
    pub fn future(&self) -> ProbeFuture {
        ProbeFuture(self.clone())
    }
    pub fn polls(&self) -> usize {
        self.polls.load(Ordering::SeqCst)
    }
    pub fn release(&self) {
        self.release.store(true, Ordering::SeqCst);
    }
    pub fn waker(&self) -> Waker {
        self.waker.lock().unwrap().clone().expect("probe not polled yet")
    }
}

pub struct ProbeFuture(Probe);

impl Future for ProbeFuture {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let n = self.0.polls.fetch_add(1, Ordering::SeqCst) + 1;
        *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.0.release.load(Ordering::SeqCst) { Poll::Ready(n) } else { Poll::Pending }
    }
}

/// One-shot event: `wait()` completes after `set()`; tolerant of spurious polls.
#[derive(Clone, Default)]
pub struct Signal {
    set: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
    pub polls: Arc<AtomicUsize>,
}

impl Signal {
    pub fn set(&self) {
        self.set.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let s = self.clone();
        std::future::poll_fn(move |cx| {
            s.polls.fetch_add(1, Ordering::SeqCst);
            if s.set.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *s.waker.lock().unwrap() = Some(cx.waker().clone());
            if s.set.load(Ordering::SeqCst) { Poll::Ready(()) } else { Poll::Pending }
        })
    }
}

/// Deterministic shuffle (xorshift).
pub fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}
