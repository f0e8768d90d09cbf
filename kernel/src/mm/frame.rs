//! The physical frame allocator: `buddy_system_allocator`'s frame allocator (power-of-two
//! blocks, so contiguous, naturally aligned runs for DMA come for free) behind a spin lock.
//! Interrupt handlers never allocate frames.

use buddy_system_allocator::FrameAllocator;
use spin::Mutex;

use super::PhysRange;
use crate::arch::layout::PAGE_SIZE;
use crate::arch::phys;

static FRAMES: Mutex<FrameAllocator<32>> = Mutex::new(FrameAllocator::new());
static TOTAL: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
static IN_USE: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Adds RAM to the allocator.
pub fn add_range(r: PhysRange) {
    let (start, end) = (r.start / PAGE_SIZE, r.end / PAGE_SIZE);
    if end > start {
        FRAMES.lock().add_frame(start as usize, end as usize);
        TOTAL.fetch_add(end - start, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Allocates `count` contiguous frames aligned to `count.next_power_of_two()` frames.
pub fn alloc_contiguous(count: usize) -> Option<u64> {
    let f = FRAMES.lock().alloc(count)?;
    IN_USE.fetch_add(count as u64, core::sync::atomic::Ordering::Relaxed);
    Some(f as u64 * PAGE_SIZE)
}

/// Frees frames from `alloc_contiguous`.
pub fn free_contiguous(phys_addr: u64, count: usize) {
    FRAMES.lock().dealloc((phys_addr / PAGE_SIZE) as usize, count);
    IN_USE.fetch_sub(count as u64, core::sync::atomic::Ordering::Relaxed);
}

/// Allocates one frame (contents undefined).
pub fn alloc() -> Option<u64> {
    alloc_contiguous(1)
}

/// Allocates one zeroed frame.
pub fn alloc_zeroed() -> Option<u64> {
    let f = alloc()?;
    phys::zero_frame(f);
    Some(f)
}

/// Frees one frame.
pub fn free(phys_addr: u64) {
    free_contiguous(phys_addr, 1);
}

/// (frames managed, frames in use).
pub fn stats() -> (u64, u64) {
    use core::sync::atomic::Ordering::Relaxed;
    (TOTAL.load(Relaxed), IN_USE.load(Relaxed))
}

/// Frame source for page tables built at boot.
pub struct BootFrames;

impl crate::arch::paging::FrameSource for BootFrames {
    fn alloc_zeroed_frame(&mut self) -> Option<u64> {
        alloc_zeroed()
    }
}
