//! Join handles: the completion slot shared between a task's spawn wrapper and its
//! [`JoinHandle`], and cancellation requests ([`JoinHandle::cancel`]).
//!
//! Awaiting a [`JoinHandle<T>`] yields `Result<T, Cancelled>`: `Err(Cancelled)` when the task's
//! future was dropped before completing (after [`JoinHandle::cancel`], or because the executor
//! was dropped). Dropping a handle detaches the task; it keeps running.

use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};

use crate::executor::Shared;
use crate::task::TaskId;

/// The task was cancelled (its future was dropped before it completed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task cancelled")
    }
}

impl core::error::Error for Cancelled {}

struct JoinInner<T> {
    result: Option<Result<T, Cancelled>>,
    waker: Option<Waker>,
}

/// Completion slot of one task. Touched from task context only (never from IRQs), so a spin
/// lock is fine; it is never held while calling out (wakers are woken after unlocking).
pub(crate) struct JoinState<T> {
    finished: AtomicBool,
    inner: spin::Mutex<JoinInner<T>>,
}

impl<T> JoinState<T> {
    pub(crate) fn new() -> Self {
        Self { finished: AtomicBool::new(false), inner: spin::Mutex::new(JoinInner { result: None, waker: None }) }
    }

    /// Stores the result (first one wins) and wakes the joiner.
    pub(crate) fn complete(&self, result: Result<T, Cancelled>) {
        let waker = {
            let mut inner = self.inner.lock();
            if self.finished.load(Ordering::Relaxed) {
                return;
            }
            inner.result = Some(result);
            self.finished.store(true, Ordering::Release);
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Takes the result if there is one (used by `block_on`).
    pub(crate) fn try_take(&self) -> Option<Result<T, Cancelled>> {
        if !self.is_finished() {
            return None;
        }
        self.inner.lock().result.take()
    }

    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<T, Cancelled>> {
        let mut inner = self.inner.lock();
        if let Some(r) = inner.result.take() {
            return Poll::Ready(r);
        }
        assert!(!self.finished.load(Ordering::Relaxed), "JoinHandle polled after it returned its result");
        match &inner.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => inner.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Handle to a spawned task; a future resolving to the task's output.
///
/// `Output = Result<T, Cancelled>` (not `T`), because [`JoinHandle::cancel`] exists. Dropping the
/// handle detaches the task (it keeps running). Polling it again after it returned is a bug and
/// panics.
#[must_use = "dropping a JoinHandle detaches the task; use `drop(handle)` to make that explicit"]
pub struct JoinHandle<T> {
    id: TaskId,
    state: Arc<JoinState<T>>,
    shared: Arc<Shared>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(id: TaskId, state: Arc<JoinState<T>>, shared: Arc<Shared>) -> Self {
        Self { id, state, shared }
    }

    pub(crate) fn state(&self) -> &JoinState<T> {
        &self.state
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// True once the task completed or was cancelled (its future has been dropped).
    pub fn is_finished(&self) -> bool {
        self.state.is_finished()
    }

    /// Requests cancellation: the executor drops the task's future at the task's next turn
    /// (cancellation by drop: every `Drop` in the future runs, e.g. `Sleep` removes its timer).
    /// Awaiting the handle then yields `Err(Cancelled)`. A no-op if the task already finished.
    /// Lock-free; callable from any context.
    pub fn cancel(&self) {
        self.shared.request_cancel(self.id);
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.state.poll_result(cx)
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id).field("finished", &self.is_finished()).finish()
    }
}
