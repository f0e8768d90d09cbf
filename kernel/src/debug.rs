//! A table of live user threads laid out for debuggers: `tests/gdb/kairos.py` reads
//! `KAIROS_DEBUG_THREADS` by symbol to list threads, find a thread's saved user frame and
//! set breakpoints and watchpoints on it, without understanding Rust collections.
//!
//! Each slot is eight `u64` words:
//! `[tid | pid << 32, ppid | state << 32, executor task id, &UserContext, comm[0..8],
//! comm[8..16], pending signals, blocked signals]`; tid 0 marks a free slot. The
//! `UserContext` starts with the `TrapFrame` (r15 … ss, 22 words; `rip` is word 17).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::proc::Thread;

/// Number of slots.
pub const SLOTS: usize = 512;
/// Words per slot.
pub const WORDS: usize = 8;

/// The table itself (exported unmangled for GDB).
#[unsafe(no_mangle)]
pub static KAIROS_DEBUG_THREADS: [AtomicU64; SLOTS * WORDS] = [const { AtomicU64::new(0) }; SLOTS * WORDS];

/// Thread states recorded in the table.
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub enum DebugState {
    /// Runnable or in a syscall.
    Running = 1,
    /// Exited.
    Dead = 2,
}

fn comm_words(t: &Thread) -> (u64, u64) {
    let mut b = [0u8; 16];
    let name = t.process.comm.lock().clone();
    let n = name.len().min(15);
    b[..n].copy_from_slice(&name.as_bytes()[..n]);
    (
        u64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
        u64::from_le_bytes(b[8..].try_into().unwrap_or_default()),
    )
}

/// Records or refreshes `t` (called when it starts and after exec).
pub fn update(t: &Thread) {
    let tid = u64::from(t.tid());
    let slot = (0..SLOTS)
        .find(|&i| KAIROS_DEBUG_THREADS[i * WORDS].load(Ordering::Relaxed) & 0xffff_ffff == tid)
        .or_else(|| (0..SLOTS).find(|&i| KAIROS_DEBUG_THREADS[i * WORDS].load(Ordering::Relaxed) == 0));
    let Some(i) = slot else { return };
    let w = &KAIROS_DEBUG_THREADS[i * WORDS..(i + 1) * WORDS];
    let (c0, c1) = comm_words(t);
    w[1].store(u64::from(t.process.ppid()) | ((DebugState::Running as u64) << 32), Ordering::Relaxed);
    w[2].store(t.task_id.load(Ordering::Relaxed), Ordering::Relaxed);
    w[3].store(t.ctx_addr.load(Ordering::Relaxed), Ordering::Relaxed);
    w[4].store(c0, Ordering::Relaxed);
    w[5].store(c1, Ordering::Relaxed);
    w[6].store(t.pending.lock().set.bits() | t.process.pending.lock().set.bits(), Ordering::Relaxed);
    w[7].store(t.sigmask.lock().bits(), Ordering::Relaxed);
    w[0].store(tid | (u64::from(t.process.pid) << 32), Ordering::Release);
}

/// Frees the slot of an exited thread.
pub fn remove(tid: u32) {
    for i in 0..SLOTS {
        let w0 = &KAIROS_DEBUG_THREADS[i * WORDS];
        if w0.load(Ordering::Relaxed) & 0xffff_ffff == u64::from(tid) {
            w0.store(0, Ordering::Release);
        }
    }
}
