//! 4-level page tables. `init` replaces the boot tables with the kernel's own: a direct map of
//! all RAM (2 MiB pages, no-execute), the kernel image with per-section permissions and an
//! unmapped guard page under the boot stack, and device windows mapped uncached on demand.
//!
//! Every upper-half PML4 slot gets its PDPT at boot, so later user address spaces can copy
//! the upper half once and stay consistent forever.

use core::sync::atomic::{AtomicU64, Ordering};

use super::layout::{HHDM_BASE, LARGE_PAGE_SIZE, PAGE_SIZE, phys_to_virt, sections};
use super::phys;

bitflags::bitflags! {
    /// Page-table entry bits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PteFlags: u64 {
        /// Present.
        const PRESENT = 1;
        /// Writable.
        const WRITABLE = 1 << 1;
        /// Accessible from user mode.
        const USER = 1 << 2;
        /// Write-through.
        const WRITE_THROUGH = 1 << 3;
        /// Cache disabled.
        const NO_CACHE = 1 << 4;
        /// Accessed (set by the CPU).
        const ACCESSED = 1 << 5;
        /// Dirty (set by the CPU).
        const DIRTY = 1 << 6;
        /// Large page (in a PD or PDPT entry).
        const HUGE = 1 << 7;
        /// Global (not flushed on CR3 switch).
        const GLOBAL = 1 << 8;
        /// Software bit: copy-on-write.
        const COW = 1 << 9;
        /// No-execute.
        const NO_EXECUTE = 1 << 63;
    }
}

const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Physical address of the kernel's PML4 (0 before `init`).
static KERNEL_PML4: AtomicU64 = AtomicU64::new(0);

/// A page table could not be built: no frame was available for an intermediate table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfFrames;

/// Where page-table frames come from.
pub trait FrameSource {
    /// A zeroed 4 KiB frame, or None when memory is exhausted.
    fn alloc_zeroed_frame(&mut self) -> Option<u64>;
}

fn index(virt: u64, level: u32) -> u64 {
    (virt >> (12 + 9 * (level - 1))) & 0x1ff
}

fn entry_addr(table: u64, idx: u64) -> u64 {
    table + idx * 8
}

/// Returns the next-level table for `virt` at `level` (4 = PML4), creating it when `alloc`
/// provides frames.
fn next_table(table: u64, virt: u64, level: u32, alloc: Option<&mut dyn FrameSource>, user: bool) -> Option<u64> {
    let e = entry_addr(table, index(virt, level));
    let entry = phys::read_u64(e);
    if entry & PteFlags::PRESENT.bits() != 0 {
        assert!(entry & PteFlags::HUGE.bits() == 0, "walking through a large page at {virt:#x}");
        if user && entry & PteFlags::USER.bits() == 0 {
            phys::write_u64(e, entry | PteFlags::USER.bits());
        }
        return Some(entry & ADDR_MASK);
    }
    let frame = alloc?.alloc_zeroed_frame()?;
    let mut flags = PteFlags::PRESENT | PteFlags::WRITABLE;
    if user {
        flags |= PteFlags::USER;
    }
    phys::write_u64(e, frame | flags.bits());
    Some(frame)
}

/// Maps one 4 KiB page `virt -> phys` in the tables rooted at `pml4`.
pub fn map_page(
    pml4: u64,
    virt: u64,
    phys_addr: u64,
    flags: PteFlags,
    alloc: &mut dyn FrameSource,
) -> Result<(), OutOfFrames> {
    let user = flags.contains(PteFlags::USER);
    let pdpt = next_table(pml4, virt, 4, Some(alloc), user).ok_or(OutOfFrames)?;
    let pd = next_table(pdpt, virt, 3, Some(alloc), user).ok_or(OutOfFrames)?;
    let pt = next_table(pd, virt, 2, Some(alloc), user).ok_or(OutOfFrames)?;
    phys::write_u64(entry_addr(pt, index(virt, 1)), phys_addr | (flags | PteFlags::PRESENT).bits());
    Ok(())
}

/// Maps one 2 MiB page.
fn map_large(
    pml4: u64,
    virt: u64,
    phys_addr: u64,
    flags: PteFlags,
    alloc: &mut dyn FrameSource,
) -> Result<(), OutOfFrames> {
    let pdpt = next_table(pml4, virt, 4, Some(alloc), false).ok_or(OutOfFrames)?;
    let pd = next_table(pdpt, virt, 3, Some(alloc), false).ok_or(OutOfFrames)?;
    phys::write_u64(entry_addr(pd, index(virt, 2)), phys_addr | (flags | PteFlags::PRESENT | PteFlags::HUGE).bits());
    Ok(())
}

/// Removes the 4 KiB mapping of `virt`; returns the physical page it mapped.
pub fn unmap_page(pml4: u64, virt: u64) -> Option<u64> {
    let pdpt = next_table(pml4, virt, 4, None, false)?;
    let pd = next_table(pdpt, virt, 3, None, false)?;
    let pt = next_table(pd, virt, 2, None, false)?;
    let e = entry_addr(pt, index(virt, 1));
    let entry = phys::read_u64(e);
    if entry & PteFlags::PRESENT.bits() == 0 {
        return None;
    }
    phys::write_u64(e, 0);
    flush(virt);
    Some(entry & ADDR_MASK)
}

/// Translates `virt` in the tables rooted at `pml4` (handles large pages).
pub fn translate_in(pml4: u64, virt: u64) -> Option<(u64, PteFlags)> {
    let mut table = pml4;
    for level in (1..=4).rev() {
        let entry = phys::read_u64(entry_addr(table, index(virt, level)));
        let flags = PteFlags::from_bits_truncate(entry);
        if !flags.contains(PteFlags::PRESENT) {
            return None;
        }
        if level == 1 || (level <= 3 && flags.contains(PteFlags::HUGE)) {
            let page_size = 1u64 << (12 + 9 * (level - 1));
            return Some(((entry & ADDR_MASK & !(page_size - 1)) | (virt & (page_size - 1)), flags));
        }
        table = entry & ADDR_MASK;
    }
    None
}

/// Translates `virt` in the current address space.
pub fn translate(virt: u64) -> Option<(u64, PteFlags)> {
    translate_in(super::cpu::read_cr3() & ADDR_MASK, virt)
}

/// Is `virt` mapped in the current address space?
pub fn is_mapped(virt: u64) -> bool {
    translate(virt).is_some()
}

/// Invalidates the TLB entry of one page.
pub fn flush(virt: u64) {
    x86_64::instructions::tlb::flush(x86_64::VirtAddr::new_truncate(virt));
}

/// Builds the kernel's page tables and switches to them.
///
/// `ram_end` is one past the highest RAM address (rounded to 2 MiB here).
pub fn init(ram_end: u64, alloc: &mut dyn FrameSource) {
    let pml4 = alloc.alloc_zeroed_frame().expect("no frame for the kernel PML4");
    // Every upper-half slot gets a PDPT now (see module doc).
    for slot in 256..512u64 {
        let pdpt = alloc.alloc_zeroed_frame().expect("no frame for a kernel PDPT");
        phys::write_u64(entry_addr(pml4, slot), pdpt | (PteFlags::PRESENT | PteFlags::WRITABLE).bits());
    }
    let ram_end = ram_end.next_multiple_of(LARGE_PAGE_SIZE);
    let hhdm_flags = PteFlags::WRITABLE | PteFlags::NO_EXECUTE | PteFlags::GLOBAL;
    let mut p = 0;
    while p < ram_end {
        map_large(pml4, HHDM_BASE + p, p, hhdm_flags, alloc).expect("out of frames mapping RAM");
        p += LARGE_PAGE_SIZE;
    }

    let map_range = |alloc: &mut dyn FrameSource, start: u64, end: u64, flags: PteFlags, skip: Option<u64>| {
        let mut v = start;
        while v < end {
            if Some(v) != skip {
                map_page(pml4, v, sections::image_virt_to_phys(v), flags | PteFlags::GLOBAL, alloc)
                    .expect("out of frames mapping the kernel");
            }
            v += PAGE_SIZE;
        }
    };
    map_range(alloc, sections::text_start(), sections::text_end(), PteFlags::empty(), None);
    map_range(alloc, sections::rodata_start(), sections::rodata_end(), PteFlags::NO_EXECUTE, None);
    map_range(
        alloc,
        sections::data_start(),
        sections::data_end(),
        PteFlags::WRITABLE | PteFlags::NO_EXECUTE,
        Some(sections::boot_stack_guard()),
    );

    // SAFETY: the new tables map the running code, its stack (minus the guard page, which
    // nothing touches), all RAM through the direct map, and every static, so execution
    // continues unchanged after the switch.
    unsafe {
        core::arch::asm!("mov cr3, {}", in(reg) pml4, options(nostack, preserves_flags));
    }
    KERNEL_PML4.store(pml4, Ordering::Release);
    phys::set_direct_map_end(ram_end);
}

/// Physical address of the kernel PML4.
pub fn kernel_pml4() -> u64 {
    KERNEL_PML4.load(Ordering::Acquire)
}

/// Frames for MMIO page tables: taken from the kernel's frame allocator.
struct KernelFrames;

impl FrameSource for KernelFrames {
    fn alloc_zeroed_frame(&mut self) -> Option<u64> {
        crate::mm::frame::alloc_zeroed()
    }
}

/// Maps `[phys, phys+len)` of device memory into the direct map, uncached.
pub fn map_mmio(phys_addr: u64, len: u64) {
    let pml4 = kernel_pml4();
    assert!(pml4 != 0, "map_mmio before paging::init");
    let start = phys_addr & !(PAGE_SIZE - 1);
    let end = (phys_addr + len).next_multiple_of(PAGE_SIZE);
    let flags =
        PteFlags::WRITABLE | PteFlags::NO_CACHE | PteFlags::WRITE_THROUGH | PteFlags::NO_EXECUTE | PteFlags::GLOBAL;
    let mut p = start;
    while p < end {
        let virt = phys_to_virt(p);
        if translate_in(pml4, virt).is_none() {
            map_page(pml4, virt, p, flags, &mut KernelFrames).expect("out of frames mapping MMIO");
            flush(virt);
        }
        p += PAGE_SIZE;
    }
}

/// Mask of the physical-address bits of an entry.
pub const PTE_ADDR_MASK: u64 = ADDR_MASK;

/// A new top-level table for a user address space: empty lower half, the kernel's upper half.
pub fn new_user_pml4() -> Option<u64> {
    let pml4 = crate::mm::frame::alloc_zeroed()?;
    let kernel = kernel_pml4();
    for slot in 256..512u64 {
        phys::write_u64(entry_addr(pml4, slot), phys::read_u64(entry_addr(kernel, slot)));
    }
    Some(pml4)
}

/// Physical address of the last-level entry for `virt`, creating intermediate user tables
/// when `create` is set. None when a table is missing (and not created) or memory ran out.
pub fn user_pte_slot(pml4: u64, virt: u64, create: bool) -> Option<u64> {
    let (mut f1, mut f2, mut f3) = (KernelFrames, KernelFrames, KernelFrames);
    let pdpt = next_table(pml4, virt, 4, create.then_some(&mut f1 as &mut dyn FrameSource), true)?;
    let pd = next_table(pdpt, virt, 3, create.then_some(&mut f2 as &mut dyn FrameSource), true)?;
    let pt = next_table(pd, virt, 2, create.then_some(&mut f3 as &mut dyn FrameSource), true)?;
    Some(entry_addr(pt, index(virt, 1)))
}

/// Reads a page-table entry by its physical address.
pub fn read_pte(slot: u64) -> u64 {
    phys::read_u64(slot)
}

/// Writes a page-table entry by its physical address.
pub fn write_pte(slot: u64, value: u64) {
    phys::write_u64(slot, value)
}

/// Calls `f(virt, slot, entry)` for every present 4 KiB entry in `[start, end)` of the user
/// half, skipping absent tables quickly.
pub fn for_each_user_pte(pml4: u64, start: u64, end: u64, f: &mut dyn FnMut(u64, u64, u64)) {
    let mut v = start & !(PAGE_SIZE - 1);
    while v < end {
        // Find the deepest existing table for v and skip whole absent ranges.
        let mut table = pml4;
        let mut skipped = false;
        for level in (2..=4).rev() {
            let e = phys::read_u64(entry_addr(table, index(v, level)));
            if e & PteFlags::PRESENT.bits() == 0 {
                let span = 1u64 << (12 + 9 * (level - 1));
                v = (v & !(span - 1)) + span;
                skipped = true;
                break;
            }
            table = e & ADDR_MASK;
        }
        if skipped {
            continue;
        }
        let slot = entry_addr(table, index(v, 1));
        let e = phys::read_u64(slot);
        if e & PteFlags::PRESENT.bits() != 0 {
            f(v, slot, e);
        }
        v += PAGE_SIZE;
    }
}

/// Frees every page-table frame of the user half (the mapped pages themselves must have
/// been released by the caller), then the PML4 itself.
pub fn free_user_tables(pml4: u64) {
    for i4 in 0..256u64 {
        let e4 = phys::read_u64(entry_addr(pml4, i4));
        if e4 & PteFlags::PRESENT.bits() == 0 {
            continue;
        }
        let pdpt = e4 & ADDR_MASK;
        for i3 in 0..512u64 {
            let e3 = phys::read_u64(entry_addr(pdpt, i3));
            if e3 & PteFlags::PRESENT.bits() == 0 {
                continue;
            }
            let pd = e3 & ADDR_MASK;
            for i2 in 0..512u64 {
                let e2 = phys::read_u64(entry_addr(pd, i2));
                if e2 & PteFlags::PRESENT.bits() != 0 {
                    crate::mm::frame::free(e2 & ADDR_MASK);
                }
            }
            crate::mm::frame::free(pd);
        }
        crate::mm::frame::free(pdpt);
    }
    crate::mm::frame::free(pml4);
}

/// Switches to the address space rooted at `pml4` if it is not already loaded.
pub fn activate(pml4: u64) -> bool {
    if super::cpu::read_cr3() & ADDR_MASK == pml4 {
        return false;
    }
    // SAFETY: `pml4` is a complete address space whose upper half is the kernel's (built by
    // `new_user_pml4`), so the running kernel code and data stay mapped.
    unsafe { core::arch::asm!("mov cr3, {}", in(reg) pml4, options(nostack, preserves_flags)) };
    true
}

/// Invalidates `virt` if `pml4` is the loaded address space.
pub fn flush_if_active(pml4: u64, virt: u64) {
    if super::cpu::read_cr3() & ADDR_MASK == pml4 {
        flush(virt);
    }
}
