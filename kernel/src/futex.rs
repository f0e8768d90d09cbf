//! Futexes: wait queues keyed by a user address. Private futexes are keyed by (address space,
//! virtual address); shared ones by the physical address of the word, so processes sharing
//! memory meet. Waiting is a future: dropping it (timeout, signal) removes the waiter.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};

use kairos_abi::{Errno, Result};

use crate::proc::process::Mm;

/// Identity of a futex word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FutexKey {
    /// (address space identity, virtual address).
    Private(usize, u64),
    /// Physical address.
    Shared(u64),
}

struct Waiter {
    bitset: u32,
    woken: AtomicBool,
    waker: spin::Mutex<Option<Waker>>,
}

static TABLE: spin::Mutex<BTreeMap<FutexKey, Vec<Arc<Waiter>>>> = spin::Mutex::new(BTreeMap::new());

/// The key of `uaddr` in `mm` (EFAULT if unmapped, EINVAL if misaligned).
pub fn key(mm: &Mm, uaddr: u64, private: bool) -> Result<FutexKey> {
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    if private {
        Ok(FutexKey::Private(Arc::as_ptr(mm) as usize, uaddr))
    } else {
        let mut word = [0u8; 4];
        mm.lock().read_bytes(uaddr, &mut word)?;
        let slot = crate::arch::paging::user_pte_slot(mm.lock().pml4(), uaddr & !0xfff, false).ok_or(Errno::EFAULT)?;
        let phys = (crate::arch::paging::read_pte(slot) & crate::arch::paging::PTE_ADDR_MASK) + uaddr % 4096;
        Ok(FutexKey::Shared(phys))
    }
}

/// Reads the futex word.
pub fn read_word(mm: &Mm, uaddr: u64) -> Result<u32> {
    let mut word = [0u8; 4];
    mm.lock().read_bytes(uaddr, &mut word)?;
    Ok(u32::from_le_bytes(word))
}

/// A registered wait; completes when woken.
pub struct FutexWait {
    key: FutexKey,
    waiter: Arc<Waiter>,
}

/// Registers a waiter on `key`. The caller must have checked the futex word *before* this
/// call with no await in between (the executor is cooperative, so no wake can slip in).
pub fn wait(key: FutexKey, bitset: u32) -> FutexWait {
    let waiter = Arc::new(Waiter { bitset, woken: AtomicBool::new(false), waker: spin::Mutex::new(None) });
    TABLE.lock().entry(key).or_default().push(waiter.clone());
    FutexWait { key, waiter }
}

impl Future for FutexWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiter.woken.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.waiter.waker.lock() = Some(cx.waker().clone());
        if self.waiter.woken.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for FutexWait {
    fn drop(&mut self) {
        if self.waiter.woken.load(Ordering::Acquire) {
            return; // `wake` already removed it
        }
        let mut table = TABLE.lock();
        let found = match table.get_mut(&self.key) {
            Some(list) => {
                let before = list.len();
                list.retain(|w| !Arc::ptr_eq(w, &self.waiter));
                let found = list.len() != before;
                if list.is_empty() {
                    table.remove(&self.key);
                }
                found
            }
            None => false,
        };
        if !found {
            // Requeued to another key: search every list.
            for list in table.values_mut() {
                list.retain(|x| !Arc::ptr_eq(x, &self.waiter));
            }
            table.retain(|_, l| !l.is_empty());
        }
    }
}

/// Wakes up to `n` waiters of `key` whose bitset intersects `bitset`; returns how many.
pub fn wake(key: FutexKey, n: usize, bitset: u32) -> usize {
    let mut woken = Vec::new();
    {
        let mut table = TABLE.lock();
        if let Some(list) = table.get_mut(&key) {
            let mut i = 0;
            while i < list.len() && woken.len() < n {
                if list[i].bitset & bitset != 0 {
                    woken.push(list.remove(i));
                } else {
                    i += 1;
                }
            }
            if list.is_empty() {
                table.remove(&key);
            }
        }
    }
    for w in &woken {
        w.woken.store(true, Ordering::Release);
        if let Some(waker) = w.waker.lock().take() {
            waker.wake();
        }
    }
    woken.len()
}

/// Wakes `n` waiters of `from` and moves up to `m` more to `to`; returns woken + moved.
pub fn requeue(from: FutexKey, to: FutexKey, n: usize, m: usize) -> usize {
    let woken = wake(from, n, u32::MAX);
    let mut table = TABLE.lock();
    let moved: Vec<Arc<Waiter>> = match table.get_mut(&from) {
        Some(list) => {
            let k = m.min(list.len());
            list.drain(..k).collect()
        }
        None => Vec::new(),
    };
    if table.get(&from).is_some_and(Vec::is_empty) {
        table.remove(&from);
    }
    let count = moved.len();
    if count > 0 {
        table.entry(to).or_default().extend(moved);
    }
    drop(table);
    woken + count
}
