//! Memory shared with devices (DMA): [`DmaBuffer`] owns a run of physically contiguous,
//! naturally aligned frames from the frame allocator and gives volatile, bounds-checked
//! access to them through the direct map.
//!
//! No Rust reference to the frames ever exists: a device may write them at any time (used
//! rings, read data), so every access is a volatile load or store of one aligned word, or a
//! copy to/from a separate kernel buffer. The frames are returned to the allocator on drop;
//! whoever owns a `DmaBuffer` must keep it alive until the device is done with it (drivers
//! keep in-flight buffers in their request tables, never in a future that may be dropped).
//! Direct-map memory is write-back cacheable; x86 DMA is cache-coherent, so no flushing.

use core::sync::atomic::{Ordering, fence};

use super::layout::{PAGE_SIZE, phys_to_virt};

/// Physically contiguous, zero-initialised device-shared memory.
#[derive(Debug)]
pub struct DmaBuffer {
    phys: u64,
    pages: usize,
}

impl DmaBuffer {
    /// Allocates `pages` contiguous zeroed frames; None when memory is exhausted or too
    /// fragmented for a run that long.
    pub fn alloc(pages: usize) -> Option<DmaBuffer> {
        let pages = pages.max(1);
        let phys = crate::mm::frame::alloc_contiguous(pages)?;
        let buf = DmaBuffer { phys, pages };
        for i in 0..pages as u64 {
            super::phys::zero_frame(phys + i * PAGE_SIZE);
        }
        Some(buf)
    }

    /// Allocates `pages` contiguous frames without zeroing them (bounce buffers that are
    /// always filled before use: by a copy before a write, by the device before a read).
    /// Stale contents are only ever read through this buffer's volatile accessors.
    pub fn alloc_unzeroed(pages: usize) -> Option<DmaBuffer> {
        let pages = pages.max(1);
        let phys = crate::mm::frame::alloc_contiguous(pages)?;
        Some(DmaBuffer { phys, pages })
    }

    /// Physical (bus) address of the first byte.
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.pages * PAGE_SIZE as usize
    }

    /// Never empty (at least one page); for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Pointer to `[off, off+len)`, checked to lie inside the buffer and to be aligned to
    /// `align`.
    fn range_ptr(&self, off: usize, len: usize, align: usize) -> *mut u8 {
        assert!(
            off.checked_add(len).is_some_and(|end| end <= self.len()) && off.is_multiple_of(align),
            "DMA access {off:#x}+{len} outside the buffer or misaligned"
        );
        (phys_to_virt(self.phys) as usize + off) as *mut u8
    }

    /// Pointer to one naturally aligned word of `size` bytes at `off`.
    fn ptr(&self, off: usize, size: usize) -> *mut u8 {
        self.range_ptr(off, size, size)
    }

    /// Volatile read of the aligned `u8` at byte offset `off`.
    pub fn read_u8(&self, off: usize) -> u8 {
        let p = self.ptr(off, 1);
        // SAFETY: `ptr` checked the access lies inside frames this buffer owns, reached
        // through the direct map; the device may write them concurrently, hence volatile.
        unsafe { core::ptr::read_volatile(p) }
    }

    /// Volatile write of the `u8` at byte offset `off`.
    pub fn write_u8(&self, off: usize, value: u8) {
        let p = self.ptr(off, 1);
        // SAFETY: as for `read_u8`; no reference to this memory exists.
        unsafe { core::ptr::write_volatile(p, value) }
    }

    /// Volatile read of the aligned `u16` at byte offset `off` (little-endian, as x86).
    pub fn read_u16(&self, off: usize) -> u16 {
        let p = self.ptr(off, 2).cast::<u16>();
        // SAFETY: in bounds and 2-byte aligned (checked by `ptr`; the base is page-aligned).
        unsafe { core::ptr::read_volatile(p) }
    }

    /// Volatile write of the aligned `u16` at byte offset `off`.
    pub fn write_u16(&self, off: usize, value: u16) {
        let p = self.ptr(off, 2).cast::<u16>();
        // SAFETY: as for `read_u16`.
        unsafe { core::ptr::write_volatile(p, value) }
    }

    /// Volatile read of the aligned `u32` at byte offset `off`.
    pub fn read_u32(&self, off: usize) -> u32 {
        let p = self.ptr(off, 4).cast::<u32>();
        // SAFETY: in bounds and 4-byte aligned (checked by `ptr`).
        unsafe { core::ptr::read_volatile(p) }
    }

    /// Volatile write of the aligned `u32` at byte offset `off`.
    pub fn write_u32(&self, off: usize, value: u32) {
        let p = self.ptr(off, 4).cast::<u32>();
        // SAFETY: as for `read_u32`.
        unsafe { core::ptr::write_volatile(p, value) }
    }

    /// Volatile write of the aligned `u64` at byte offset `off`.
    pub fn write_u64(&self, off: usize, value: u64) {
        let p = self.ptr(off, 8).cast::<u64>();
        // SAFETY: in bounds and 8-byte aligned (checked by `ptr`).
        unsafe { core::ptr::write_volatile(p, value) }
    }

    /// Copies `data` into the buffer at byte offset `off`.
    pub fn copy_from_slice(&self, off: usize, data: &[u8]) {
        let p = self.range_ptr(off, data.len(), 1);
        // SAFETY: the destination range lies inside frames this buffer owns (checked); the
        // source is an ordinary kernel slice, which cannot overlap frames only reachable
        // through this buffer.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
        // Order the copy before the store that hands the buffer to the device.
        fence(Ordering::Release);
    }

    /// Copies `out.len()` bytes from byte offset `off` of the buffer into `out`.
    pub fn copy_to_slice(&self, off: usize, out: &mut [u8]) {
        // Order the copy after the load that saw the device complete.
        fence(Ordering::Acquire);
        let p = self.range_ptr(off, out.len(), 1);
        // SAFETY: as for `copy_from_slice`, in the other direction; the device has completed
        // its writes (the caller saw the request in the used ring).
        unsafe { core::ptr::copy_nonoverlapping(p.cast_const(), out.as_mut_ptr(), out.len()) };
    }
}

impl Drop for DmaBuffer {
    fn drop(&mut self) {
        crate::mm::frame::free_contiguous(self.phys, self.pages);
    }
}
