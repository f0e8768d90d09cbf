//! `futex`: WAIT/WAKE (+BITSET), REQUEUE/CMP_REQUEUE and WAKE_OP, private or shared, with
//! relative or absolute timeouts. Waits are cancel-safe futures (see `crate::futex`).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::*;
use kairos_abi::types::Timespec;

use super::SysResult;
use super::args::{UserPtr, read_val, write_val};
use super::clock_gettime::timespec_to_ns;
use crate::futex::{self as fx, FutexKey};
use crate::proc::Thread;
use crate::proc::signal::RestartBlock;

fn keyed(t: &Thread, uaddr: u64, private: bool) -> kairos_abi::Result<FutexKey> {
    fx::key(&t.mm(), uaddr, private)
}

/// `futex(uaddr, op, val, timeout_or_val2, uaddr2, val3)`.
pub async fn sys_futex(
    t: &Arc<Thread>,
    uaddr: u64,
    op: u32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> SysResult {
    let private = op & FUTEX_PRIVATE_FLAG as u32 != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME as u32 != 0;
    let cmd = (op & 0x7f) as i32;
    if realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS.into());
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { u32::MAX } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL.into());
            }
            let deadline = if timeout == 0 {
                None
            } else {
                let ts = UserPtr::<Timespec>::new(timeout).read(t)?;
                let ns = timespec_to_ns(&ts)?;
                let now = crate::time::now_ns();
                Some(if cmd == FUTEX_WAIT {
                    now.saturating_add(ns)
                } else if realtime {
                    now.saturating_add(ns.saturating_sub(crate::time::realtime_ns()))
                } else {
                    ns
                })
            };
            wait_word(t, uaddr, val, bitset, private, deadline).await
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { u32::MAX } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL.into());
            }
            let key = keyed(t, uaddr, private)?;
            Ok(fx::wake(key, val as usize, bitset) as isize)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (from, to) = (keyed(t, uaddr, private)?, keyed(t, uaddr2, private)?);
            if cmd == FUTEX_CMP_REQUEUE && fx::read_word(&t.mm(), uaddr)? != val3 {
                return Err(Errno::EAGAIN.into());
            }
            Ok(fx::requeue(from, to, val as usize, timeout as u32 as usize) as isize)
        }
        FUTEX_WAKE_OP => {
            let (k1, k2) = (keyed(t, uaddr, private)?, keyed(t, uaddr2, private)?);
            let old: u32 = read_val(t, uaddr2)?;
            let (opk, cmp) = ((val3 >> 28) & 0xf, (val3 >> 24) & 0xf);
            let mut oparg = (val3 >> 12) & 0xfff;
            let cmparg = val3 & 0xfff;
            if opk & 8 != 0 {
                oparg = 1u32.checked_shl(oparg).unwrap_or(0);
            }
            let new = match opk & 7 {
                0 => oparg,
                1 => old.wrapping_add(oparg),
                2 => old | oparg,
                3 => old & !oparg,
                4 => old ^ oparg,
                _ => return Err(Errno::ENOSYS.into()),
            };
            write_val(t, uaddr2, &new)?;
            let mut n = fx::wake(k1, val as usize, u32::MAX);
            let hit = match cmp {
                0 => old == cmparg,
                1 => old != cmparg,
                2 => (old as i32) < cmparg as i32,
                3 => (old as i32) <= cmparg as i32,
                4 => (old as i32) > cmparg as i32,
                5 => (old as i32) >= cmparg as i32,
                _ => return Err(Errno::ENOSYS.into()),
            };
            if hit {
                n += fx::wake(k2, timeout as u32 as usize, u32::MAX);
            }
            Ok(n as isize)
        }
        _ => {
            log::warn!(target: "syscall", "futex op {cmd} not implemented");
            Err(Errno::ENOSYS.into())
        }
    }
}

/// FUTEX_WAIT proper: check the word, register and sleep (until `deadline`, if any). A timed
/// wait interrupted by a signal records a restart block so that, when no handler runs (a stop
/// and continue), it resumes until the same deadline instead of starting the timeout afresh.
async fn wait_word(
    t: &Arc<Thread>,
    uaddr: u64,
    val: u32,
    bitset: u32,
    private: bool,
    deadline: Option<u64>,
) -> SysResult {
    let key = keyed(t, uaddr, private)?;
    // Check the word and register with no await in between (no lost wake).
    if fx::read_word(&t.mm(), uaddr)? != val {
        return Err(Errno::EAGAIN.into());
    }
    let wait = fx::wait(key, bitset);
    match deadline {
        None => super::interruptible(t, wait).await.map(|()| 0),
        Some(d) => {
            let sleep = crate::sched::spawner().sleep_until(d);
            let raced = race(wait, sleep);
            match super::interruptible(t, raced).await {
                Ok(true) => Ok(0),
                Ok(false) => Err(Errno::ETIMEDOUT.into()),
                Err(_) => {
                    *t.restart_block.lock() =
                        Some(RestartBlock::FutexWait { uaddr, val, bitset, private, deadline: d });
                    Err(Errno::ERESTART_RESTARTBLOCK.into())
                }
            }
        }
    }
}

/// Resumes an interrupted timed futex wait (`restart_syscall`).
pub async fn restart_wait(
    t: &Arc<Thread>,
    uaddr: u64,
    val: u32,
    bitset: u32,
    private: bool,
    deadline: u64,
) -> SysResult {
    wait_word(t, uaddr, val, bitset, private, Some(deadline)).await
}

/// Waits for `a` or `b`: true when `a` finished first. The loser is dropped (cancelled).
async fn race<A: core::future::Future<Output = ()>, B: core::future::Future<Output = ()>>(a: A, b: B) -> bool {
    let mut a = core::pin::pin!(a);
    let mut b = core::pin::pin!(b);
    core::future::poll_fn(|cx| {
        if a.as_mut().poll(cx).is_ready() {
            return core::task::Poll::Ready(true);
        }
        if b.as_mut().poll(cx).is_ready() {
            return core::task::Poll::Ready(false);
        }
        core::task::Poll::Pending
    })
    .await
}
