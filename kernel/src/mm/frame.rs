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

/// Allocates `count` contiguous frames aligned to `count.next_power_of_two()` frames. When
/// memory is short, the page cache gives back what no mapping uses first (one retry).
pub fn alloc_contiguous(count: usize) -> Option<u64> {
    let got = FRAMES.lock().alloc(count);
    let f = match got {
        Some(f) => f,
        None => {
            if crate::mm::pagecache::shrink() == 0 {
                return None;
            }
            FRAMES.lock().alloc(count)?
        }
    };
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

/// Reference counts of frames mapped into user address spaces (index = frame number).
/// A frame shared copy-on-write by N address spaces has count N.
static REFCOUNTS: spin::Once<alloc::vec::Vec<core::sync::atomic::AtomicU32>> = spin::Once::new();

/// Sizes the reference-count table for RAM up to `ram_end`.
pub fn init_refcounts(ram_end: u64) {
    REFCOUNTS.call_once(|| (0..ram_end / PAGE_SIZE).map(|_| core::sync::atomic::AtomicU32::new(0)).collect());
}

fn refcount(phys_addr: u64) -> &'static core::sync::atomic::AtomicU32 {
    let table = REFCOUNTS.get().expect("frame refcounts used before init");
    &table[(phys_addr / PAGE_SIZE) as usize]
}

/// Allocates a zeroed frame for a user mapping, with reference count 1.
pub fn alloc_user_zeroed() -> Option<u64> {
    let f = alloc_zeroed()?;
    refcount(f).store(1, core::sync::atomic::Ordering::Relaxed);
    Some(f)
}

/// Adds a user mapping of `phys_addr`.
pub fn get_user(phys_addr: u64) {
    refcount(phys_addr).fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

/// Drops a user mapping of `phys_addr`, freeing the frame with its last mapping.
pub fn put_user(phys_addr: u64) {
    if refcount(phys_addr).fetch_sub(1, core::sync::atomic::Ordering::AcqRel) == 1 {
        free(phys_addr);
    }
}

/// Number of user mappings of `phys_addr`.
pub fn user_refs(phys_addr: u64) -> u32 {
    refcount(phys_addr).load(core::sync::atomic::Ordering::Acquire)
}
