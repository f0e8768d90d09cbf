//! Access to physical memory through the direct map. The frame allocator hands out frames;
//! whoever holds a frame may use these to fill or read it.

use super::layout::{PAGE_SIZE, phys_to_virt};

/// Upper bound on physical RAM addresses covered by the direct map (set by `paging::init`).
static DIRECT_MAP_END: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1 << 32);

/// Records how much physical memory the direct map covers.
pub fn set_direct_map_end(end: u64) {
    DIRECT_MAP_END.store(end, core::sync::atomic::Ordering::Relaxed);
}

fn check(phys: u64, len: u64) {
    let end = DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed);
    assert!(phys.checked_add(len).is_some_and(|e| e <= end), "physical access {phys:#x}+{len:#x} outside RAM");
}

/// Fills one 4 KiB frame with zeros.
pub fn zero_frame(phys: u64) {
    check(phys, PAGE_SIZE);
    assert_eq!(phys % PAGE_SIZE, 0);
    // SAFETY: the frame is RAM inside the direct map (checked above) and owned by the caller
    // (it came from the frame allocator), so no other reference aliases it.
    unsafe { core::ptr::write_bytes(phys_to_virt(phys) as *mut u8, 0, PAGE_SIZE as usize) }
}

/// Reads a u64 at a physical address (8-byte aligned).
pub fn read_u64(phys: u64) -> u64 {
    check(phys, 8);
    // SAFETY: in-range, aligned RAM in the direct map; page-table words and other
    // allocator-owned data are read with single aligned loads.
    unsafe { core::ptr::read_volatile(phys_to_virt(phys) as *const u64) }
}

/// Writes a u64 at a physical address (8-byte aligned).
pub fn write_u64(phys: u64, value: u64) {
    check(phys, 8);
    // SAFETY: as for `read_u64`; the caller owns the frame being written.
    unsafe { core::ptr::write_volatile(phys_to_virt(phys) as *mut u64, value) }
}

/// Copies bytes out of physical memory.
pub fn read_bytes(phys: u64, buf: &mut [u8]) {
    check(phys, buf.len() as u64);
    // SAFETY: source range is RAM in the direct map (checked); destination is a distinct
    // kernel buffer.
    unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(phys) as *const u8, buf.as_mut_ptr(), buf.len()) }
}

/// Copies bytes into physical memory owned by the caller.
pub fn write_bytes(phys: u64, data: &[u8]) {
    check(phys, data.len() as u64);
    // SAFETY: destination range is RAM in the direct map owned by the caller; the source is
    // a distinct kernel buffer.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), phys_to_virt(phys) as *mut u8, data.len()) }
}

/// A read-only view of a physical range that stays reserved for the kernel's lifetime
/// (boot modules such as the initramfs).
pub fn reserved_slice(phys: u64, len: u64) -> &'static [u8] {
    check(phys, len);
    // SAFETY: the range is RAM the frame allocator never hands out (reserved at boot) and
    // nothing writes it afterwards, so a shared 'static view is sound.
    unsafe { core::slice::from_raw_parts(phys_to_virt(phys) as *const u8, len as usize) }
}
