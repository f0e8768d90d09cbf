//! Volatile access to device registers through the direct map.

use super::layout::phys_to_virt;

/// A window of device registers at a physical address, reached through the direct map
/// (mapped uncached by `paging::map_mmio`).
#[derive(Clone, Copy, Debug)]
pub struct Mmio {
    base: u64,
    len: u64,
}

impl Mmio {
    /// Maps `len` bytes of device memory at `phys` (uncached) and returns the window.
    pub fn map(phys: u64, len: u64) -> Mmio {
        super::paging::map_mmio(phys, len);
        Mmio { base: phys_to_virt(phys), len }
    }

    /// Reads a 32-bit register at byte offset `off`.
    pub fn read32(&self, off: u64) -> u32 {
        assert!(off + 4 <= self.len && off.is_multiple_of(4), "MMIO read out of bounds");
        // SAFETY: `map` mapped [base, base+len) to device memory; the offset is in range and
        // aligned, so this is one aligned register access.
        unsafe { core::ptr::read_volatile((self.base + off) as *const u32) }
    }

    /// Writes a 32-bit register at byte offset `off`.
    pub fn write32(&self, off: u64, value: u32) {
        assert!(off + 4 <= self.len && off.is_multiple_of(4), "MMIO write out of bounds");
        // SAFETY: as for `read32`.
        unsafe { core::ptr::write_volatile((self.base + off) as *mut u32, value) }
    }

    /// Reads an 8-bit register at byte offset `off`.
    pub fn read8(&self, off: u64) -> u8 {
        assert!(off < self.len, "MMIO read out of bounds");
        // SAFETY: as for `read32`, one byte access inside the mapped window.
        unsafe { core::ptr::read_volatile((self.base + off) as *const u8) }
    }

    /// Writes an 8-bit register at byte offset `off`.
    pub fn write8(&self, off: u64, value: u8) {
        assert!(off < self.len, "MMIO write out of bounds");
        // SAFETY: as for `read8`.
        unsafe { core::ptr::write_volatile((self.base + off) as *mut u8, value) }
    }

    /// Reads a 16-bit register at byte offset `off`.
    pub fn read16(&self, off: u64) -> u16 {
        assert!(off + 2 <= self.len && off.is_multiple_of(2), "MMIO read out of bounds");
        // SAFETY: as for `read32`, one aligned 16-bit access inside the mapped window.
        unsafe { core::ptr::read_volatile((self.base + off) as *const u16) }
    }

    /// Writes a 16-bit register at byte offset `off`.
    pub fn write16(&self, off: u64, value: u16) {
        assert!(off + 2 <= self.len && off.is_multiple_of(2), "MMIO write out of bounds");
        // SAFETY: as for `read16`.
        unsafe { core::ptr::write_volatile((self.base + off) as *mut u16, value) }
    }

    /// Size of the window in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for an empty window.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
