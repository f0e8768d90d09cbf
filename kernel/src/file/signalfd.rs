//! signalfd: a file from which a process reads its pending signals (those in the fd's mask)
//! as `struct signalfd_siginfo` records instead of having handlers run.

use alloc::sync::{Arc, Weak};

use kairos_abi::signal::{SigInfo, SigSet, si_offset};
use kairos_abi::types::PollEvents;
use kairos_abi::{Errno, Result};

use crate::proc::process::{Process, Thread};
use crate::proc::signal;

/// Size of `struct signalfd_siginfo`.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;

/// The state of one signalfd.
pub struct SignalFd {
    /// Signals the fd reports.
    pub mask: spin::Mutex<SigSet>,
    /// The process that created it (its pending signals are what `poll` looks at).
    pub owner: Weak<Process>,
    /// The owner's signal-generation queue.
    event: Arc<crate::sync::WaitQueue>,
}

impl SignalFd {
    /// A new signalfd for `owner` reporting `mask`.
    pub fn new(owner: &Arc<Process>, mask: SigSet) -> Arc<SignalFd> {
        Arc::new(SignalFd {
            mask: spin::Mutex::new(mask.difference(SigSet::UNBLOCKABLE)),
            owner: Arc::downgrade(owner),
            event: owner.signal_event.clone(),
        })
    }

    /// Readable when one of the mask's signals is pending for the owner (any of its threads).
    pub fn poll(&self) -> PollEvents {
        let mask = *self.mask.lock();
        let Some(p) = self.owner.upgrade() else { return PollEvents::empty() };
        let mut pending = p.pending.lock().set;
        for t in p.threads() {
            pending = pending.union(t.pending.lock().set);
        }
        if pending.intersection(mask).is_empty() {
            PollEvents::empty()
        } else {
            PollEvents::POLLIN | PollEvents::POLLRDNORM
        }
    }

    /// The queue woken whenever a signal is generated for the owner.
    pub fn wait_queue(&self) -> Option<&crate::sync::WaitQueue> {
        Some(&self.event)
    }

    /// Reads as many pending signals of the mask as fit in `buf` (at least one record).
    pub async fn read(&self, t: &Arc<Thread>, buf: &mut [u8], nonblock: bool) -> Result<usize> {
        if buf.len() < SIGNALFD_SIGINFO_SIZE {
            return Err(Errno::EINVAL.into());
        }
        let mask = *self.mask.lock();
        let mut n = 0;
        let fill = |buf: &mut [u8], n: &mut usize| {
            while *n + SIGNALFD_SIGINFO_SIZE <= buf.len() {
                match signal::dequeue_from(t, mask) {
                    Some(info) => {
                        encode(&info, &mut buf[*n..*n + SIGNALFD_SIGINFO_SIZE]);
                        *n += SIGNALFD_SIGINFO_SIZE;
                    }
                    None => break,
                }
            }
        };
        fill(buf, &mut n);
        if n > 0 {
            return Ok(n);
        }
        if nonblock {
            return Err(Errno::EAGAIN.into());
        }
        let wait = self.event.wait_until(|| signal::peek_in(t, mask).then_some(()));
        crate::syscall::interruptible(t, wait).await?;
        fill(buf, &mut n);
        if n == 0 { Err(Errno::ERESTARTSYS.into()) } else { Ok(n) }
    }
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// Linux's `struct signalfd_siginfo` from a siginfo: which fields are filled depends on the
/// layout the sender used (Linux's `siginfo_layout`).
fn encode(info: &SigInfo, b: &mut [u8]) {
    use kairos_abi::signal as sig;
    b.fill(0);
    put_u32(b, 0, info.signo as u32);
    put_u32(b, 4, info.errno as u32);
    put_u32(b, 8, info.code as u32);
    let signo = info.signo as u32;
    let code = info.code;
    let fault = matches!(signo, sig::SIGSEGV | sig::SIGBUS | sig::SIGILL | sig::SIGFPE | sig::SIGTRAP);
    if code == sig::SI_TIMER {
        put_u32(b, 24, info.read_u32(si_offset::TIMERID));
        put_u32(b, 32, info.read_u32(si_offset::OVERRUN));
        put_u32(b, 44, info.read_u32(si_offset::VALUE));
        put_u64(b, 48, info.read_u64(si_offset::VALUE));
    } else if signo == sig::SIGCHLD && (1..=6).contains(&code) {
        put_u32(b, 12, info.read_u32(si_offset::PID));
        put_u32(b, 16, info.read_u32(si_offset::UID));
        put_u32(b, 40, info.read_u32(si_offset::STATUS));
        put_u64(b, 56, info.read_u64(si_offset::UTIME));
        put_u64(b, 64, info.read_u64(si_offset::STIME));
    } else if fault && code > 0 {
        put_u64(b, 72, info.read_u64(si_offset::ADDR));
    } else if code < 0 && code != sig::SI_TKILL {
        // Queued (sigqueue, mq, aio): pid, uid and the value.
        put_u32(b, 12, info.read_u32(si_offset::PID));
        put_u32(b, 16, info.read_u32(si_offset::UID));
        put_u32(b, 44, info.read_u32(si_offset::VALUE));
        put_u64(b, 48, info.read_u64(si_offset::VALUE));
    } else {
        put_u32(b, 12, info.read_u32(si_offset::PID));
        put_u32(b, 16, info.read_u32(si_offset::UID));
    }
}
