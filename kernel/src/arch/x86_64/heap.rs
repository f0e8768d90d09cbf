//! The kernel heap: `buddy_system_allocator`'s locked buddy heap over a physically contiguous
//! region reached through the direct map. Interrupt handlers never allocate, so a plain spin
//! lock is enough.

use buddy_system_allocator::LockedHeap;

use super::layout::phys_to_virt;

#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

static INITIALISED: spin::Once<(u64, u64)> = spin::Once::new();

/// Hands `[phys, phys+len)` to the heap. Called once at boot with RAM the frame allocator
/// will never hand out.
pub fn init(phys: u64, len: u64) {
    INITIALISED.call_once(|| {
        // SAFETY: the caller reserved this physical range for the heap alone; it is RAM
        // inside the direct map, so the heap becomes its only user.
        unsafe { HEAP.lock().init(phys_to_virt(phys) as usize, len as usize) };
        (phys, len)
    });
}

/// (bytes requested by callers, bytes actually reserved, total heap bytes).
pub fn stats() -> (usize, usize, usize) {
    let heap = HEAP.lock();
    (heap.stats_alloc_user(), heap.stats_alloc_actual(), heap.stats_total_bytes())
}
