//! A small async reader-writer lock for one mounted ext4: readers (file
//! reads, lookups, readdir) share it, modifying operations take it
//! exclusively. Writer-preferring: once a writer waits, new readers queue
//! behind it, so a stream of readers cannot starve a writer.
//!
//! Waiting is by waker, never by spinning; the internal spin lock is held
//! only inside `poll`/`drop`, never across an `.await`. Dropping a waiting
//! future withdraws it cleanly (cancel-safe).

use alloc::vec::Vec;
use core::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, Waker},
};

use spin::Mutex;

struct State {
    readers: usize,
    writer: bool,
    waiting_writers: usize,
    waiters: Vec<Waker>,
}

/// The lock. It protects no data itself: it orders operations on the
/// filesystem's cached state.
pub struct AsyncRwLock {
    st: Mutex<State>,
}

impl Default for AsyncRwLock {
    fn default() -> Self {
        Self::new()
    }
}

impl AsyncRwLock {
    /// An unlocked lock.
    pub const fn new() -> AsyncRwLock {
        AsyncRwLock { st: Mutex::new(State { readers: 0, writer: false, waiting_writers: 0, waiters: Vec::new() }) }
    }

    /// Waits for shared access.
    pub fn read(&self) -> ReadFuture<'_> {
        ReadFuture { lock: self }
    }

    /// Waits for exclusive access.
    pub fn write(&self) -> WriteFuture<'_> {
        WriteFuture { lock: self, queued: false, done: false }
    }

    fn wake_all(st: &mut State) -> Vec<Waker> {
        core::mem::take(&mut st.waiters)
    }
}

/// Future of [`AsyncRwLock::read`].
pub struct ReadFuture<'a> {
    lock: &'a AsyncRwLock,
}

impl<'a> Future for ReadFuture<'a> {
    type Output = ReadGuard<'a>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ReadGuard<'a>> {
        let mut st = self.lock.st.lock();
        if !st.writer && st.waiting_writers == 0 {
            st.readers += 1;
            return Poll::Ready(ReadGuard { lock: self.lock });
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}

/// Future of [`AsyncRwLock::write`].
pub struct WriteFuture<'a> {
    lock: &'a AsyncRwLock,
    queued: bool,
    done: bool,
}

impl<'a> Future for WriteFuture<'a> {
    type Output = WriteGuard<'a>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WriteGuard<'a>> {
        let lock = self.lock;
        let mut st = lock.st.lock();
        if !st.writer && st.readers == 0 {
            st.writer = true;
            if self.queued {
                st.waiting_writers -= 1;
            }
            drop(st);
            self.queued = false;
            self.done = true;
            return Poll::Ready(WriteGuard { lock });
        }
        if !self.queued {
            st.waiting_writers += 1;
            drop(st);
            self.queued = true;
            st = lock.st.lock();
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for WriteFuture<'_> {
    fn drop(&mut self) {
        if self.queued && !self.done {
            let wakers = {
                let mut st = self.lock.st.lock();
                st.waiting_writers -= 1;
                AsyncRwLock::wake_all(&mut st)
            };
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

/// Shared access; released on drop.
pub struct ReadGuard<'a> {
    lock: &'a AsyncRwLock,
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        let wakers = {
            let mut st = self.lock.st.lock();
            st.readers -= 1;
            if st.readers == 0 { AsyncRwLock::wake_all(&mut st) } else { Vec::new() }
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// Exclusive access; released on drop.
pub struct WriteGuard<'a> {
    lock: &'a AsyncRwLock,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        let wakers = {
            let mut st = self.lock.st.lock();
            st.writer = false;
            AsyncRwLock::wake_all(&mut st)
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::pin::pin;

    fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn readers_share_writers_exclude_and_are_preferred() {
        let l = AsyncRwLock::new();
        let r1 = match poll_once(pin!(l.read())) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!(),
        };
        let mut w = pin!(l.write());
        assert!(poll_once(w.as_mut()).is_pending());
        // A new reader waits behind the queued writer.
        assert!(poll_once(pin!(l.read())).is_pending());
        drop(r1);
        let g = match poll_once(w.as_mut()) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!(),
        };
        assert!(poll_once(pin!(l.read())).is_pending());
        drop(g);
        assert!(poll_once(pin!(l.read())).is_ready());
    }

    #[test]
    fn dropped_waiting_writer_unblocks_readers() {
        let l = AsyncRwLock::new();
        let r = match poll_once(pin!(l.read())) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!(),
        };
        {
            let mut w = pin!(l.write());
            assert!(poll_once(w.as_mut()).is_pending());
        }
        assert!(poll_once(pin!(l.read())).is_ready());
        drop(r);
    }
}
