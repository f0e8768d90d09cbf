//! Pipes: a 64 KiB ring shared by a read end and a write end.
//!
//! A named pipe (FIFO) is the same object with ends opened by `open`: it starts with no end
//! ([`Pipe::new_fifo`]), each open adds one ([`Pipe::open_end`], a FIFO opened `O_RDWR` holds
//! [`PipeEnd::Both`]), and [`Pipe::opens`] lets an opener wait for its partner.
//!
//! Writes of at most `PIPE_BUF` bytes are atomic; larger ones may be split. Readers block
//! while the pipe is empty and a writer exists; writers block while it is full. A write with
//! no reader left fails with EPIPE and raises SIGPIPE. Blocking is interruptible: a signal
//! ends the wait with `ERESTARTSYS`, or with the partial count if some bytes already moved.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use kairos_abi::signal::{SIGPIPE, SigInfo};
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};

use crate::proc::Thread;
use crate::proc::signal;
use crate::sync::WaitQueue;

/// Default capacity (Linux: 16 pages).
pub const PIPE_CAPACITY: usize = 65536;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;

/// Which end a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeEnd {
    /// The read end.
    Read,
    /// The write end.
    Write,
    /// Both ends (a FIFO opened `O_RDWR`).
    Both,
}

struct PipeState {
    buf: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
    /// Opens of the read and write ends so far (FIFO openers wait for these to move).
    opened: [u64; 2],
}

/// A pipe.
pub struct Pipe {
    state: spin::Mutex<PipeState>,
    wait: WaitQueue,
}

impl Pipe {
    /// A new pipe with one reader and one writer.
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            state: spin::Mutex::new(PipeState {
                buf: VecDeque::new(),
                capacity: PIPE_CAPACITY,
                readers: 1,
                writers: 1,
                opened: [1, 1],
            }),
            wait: WaitQueue::new(),
        })
    }

    /// A pipe with no end open yet: a FIFO's, before its first open.
    pub fn new_fifo() -> Arc<Pipe> {
        let pipe = Pipe::new();
        {
            let mut s = pipe.state.lock();
            s.readers = 0;
            s.writers = 0;
            s.opened = [0, 0];
        }
        pipe
    }

    /// Another file opened `end` (FIFOs; [`Pipe::close`] undoes it). Wakes waiters.
    pub fn open_end(&self, end: PipeEnd) {
        {
            let mut s = self.state.lock();
            if end != PipeEnd::Write {
                s.readers += 1;
                s.opened[0] += 1;
            }
            if end != PipeEnd::Read {
                s.writers += 1;
                s.opened[1] += 1;
            }
        }
        self.wait.wake_all();
    }

    /// Open ends now, as (readers, writers).
    pub fn ends(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.readers, s.writers)
    }

    /// Opens of each end so far, as (read, write): a FIFO opener waiting for its partner
    /// waits for the other count to move.
    pub fn opens(&self) -> (u64, u64) {
        let s = self.state.lock();
        (s.opened[0], s.opened[1])
    }

    /// Called when the last file of one end is closed.
    pub fn close(&self, end: PipeEnd) {
        {
            let mut s = self.state.lock();
            if end != PipeEnd::Write {
                s.readers -= 1;
            }
            if end != PipeEnd::Read {
                s.writers -= 1;
            }
        }
        self.wait.wake_all();
    }

    /// Capacity (F_GETPIPE_SZ).
    pub fn capacity(&self) -> usize {
        self.state.lock().capacity
    }

    /// Changes the capacity (F_SETPIPE_SZ): rounded up to a power-of-two number of pages;
    /// EBUSY if the data would not fit.
    pub fn set_capacity(&self, want: usize) -> Result<usize> {
        let pages = want.div_ceil(4096).max(1).next_power_of_two();
        let cap = pages * 4096;
        if cap > 1 << 20 {
            return Err(Errno::EPERM.into());
        }
        let mut s = self.state.lock();
        if s.buf.len() > cap {
            return Err(Errno::EBUSY.into());
        }
        s.capacity = cap;
        drop(s);
        self.wait.wake_all();
        Ok(cap)
    }

    /// Bytes waiting to be read (FIONREAD).
    pub fn available(&self) -> usize {
        self.state.lock().buf.len()
    }

    /// Reads what is there (at least one byte), waiting if empty and a writer remains.
    pub async fn read(&self, t: &Arc<Thread>, out: &mut [u8], nonblock: bool) -> Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let take = |s: &mut PipeState, out: &mut [u8]| -> Option<usize> {
            if !s.buf.is_empty() {
                let n = out.len().min(s.buf.len());
                for (dst, src) in out.iter_mut().zip(s.buf.drain(..n)) {
                    *dst = src;
                }
                Some(n)
            } else if s.writers == 0 {
                Some(0)
            } else {
                None
            }
        };
        if let Some(n) = take(&mut self.state.lock(), out) {
            self.wait.wake_all();
            return Ok(n);
        }
        if nonblock {
            return Err(Errno::EAGAIN.into());
        }
        let n = crate::syscall::interruptible(t, self.wait.wait_until(|| take(&mut self.state.lock(), out))).await?;
        self.wait.wake_all();
        Ok(n)
    }

    /// Writes all of `data` (atomically if <= PIPE_BUF), waiting for room.
    pub async fn write(&self, t: &Arc<Thread>, data: &[u8], nonblock: bool) -> Result<usize> {
        let mut done = 0;
        loop {
            let step = {
                let mut s = self.state.lock();
                if s.readers == 0 {
                    Err(())
                } else {
                    let room = s.capacity.saturating_sub(s.buf.len());
                    let remaining = data.len() - done;
                    let atomic = data.len() <= PIPE_BUF;
                    let n = if atomic { if room >= remaining { remaining } else { 0 } } else { room.min(remaining) };
                    s.buf.extend(&data[done..done + n]);
                    Ok(n)
                }
            };
            match step {
                Err(()) => {
                    if done > 0 {
                        return Ok(done);
                    }
                    signal::send_to_thread(t, SigInfo::user(SIGPIPE, t.process.pid, 0));
                    return Err(Errno::EPIPE.into());
                }
                Ok(n) => {
                    if n > 0 {
                        self.wait.wake_all();
                    }
                    done += n;
                }
            }
            if done == data.len() {
                return Ok(done);
            }
            if nonblock {
                return if done > 0 { Ok(done) } else { Err(Errno::EAGAIN.into()) };
            }
            let need = if data.len() <= PIPE_BUF { data.len() - done } else { 1 };
            let wait = self.wait.wait_until(|| {
                let s = self.state.lock();
                (s.readers == 0 || s.capacity.saturating_sub(s.buf.len()) >= need).then_some(())
            });
            match crate::syscall::interruptible(t, wait).await {
                Ok(()) => {}
                Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            }
        }
    }

    /// Readiness of one end (or both).
    pub fn poll(&self, end: PipeEnd) -> PollEvents {
        let s = self.state.lock();
        let mut ev = PollEvents::empty();
        if end != PipeEnd::Write {
            if !s.buf.is_empty() {
                ev |= PollEvents::POLLIN | PollEvents::POLLRDNORM;
            }
            if s.writers == 0 {
                ev |= PollEvents::POLLHUP;
            }
        }
        if end != PipeEnd::Read {
            if s.readers == 0 {
                // Linux reports a broken pipe as writable *and* in error.
                ev |= PollEvents::POLLERR | PollEvents::POLLOUT | PollEvents::POLLWRNORM;
            } else if s.capacity - s.buf.len() >= PIPE_BUF.min(s.capacity) {
                ev |= PollEvents::POLLOUT | PollEvents::POLLWRNORM;
            }
        }
        ev
    }

    /// Woken on every state change.
    pub fn wait_queue(&self) -> &WaitQueue {
        &self.wait
    }
}
