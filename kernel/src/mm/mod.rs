//! Physical memory management: which RAM the kernel owns, the frame allocator, and the heap
//! region carved out at boot.

pub mod frame;
pub mod pagecache;
pub mod vm;

/// Where the kernel's RAM is, in bytes (for /proc/meminfo and sysinfo).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemorySummary {
    /// RAM the kernel manages: page frames plus the heap.
    pub total: u64,
    /// Free frames plus unreserved heap.
    pub free: u64,
    /// File pages in the page cache.
    pub cached: u64,
    /// Disk blocks in the filesystems' buffer caches (part of the heap in use).
    pub buffers: u64,
    /// Page-cache pages and buffer blocks waiting to be written back.
    pub dirty: u64,
}

/// The current [`MemorySummary`].
pub fn memory_summary() -> MemorySummary {
    let (frames, frames_used) = frame::stats();
    let (_, heap_used, heap_total) = crate::arch::heap::stats();
    let (_, cached_pages, dirty_pages) = pagecache::stats();
    let (buffers, dirty_buffers) = crate::diskfs::buffer_bytes();
    MemorySummary {
        total: frames * 4096 + heap_total as u64,
        free: (frames - frames_used) * 4096 + heap_total.saturating_sub(heap_used) as u64,
        cached: cached_pages as u64 * 4096,
        buffers,
        dirty: dirty_pages as u64 * 4096 + dirty_buffers,
    }
}

use crate::arch::boot::{BootInfo, MemoryRegion};
use crate::arch::layout::{PAGE_SIZE, sections};

/// A half-open physical range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhysRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl PhysRange {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
    /// Empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const MAX_RANGES: usize = 128;

/// Usable RAM minus everything the kernel must keep (low 1 MiB, the image, boot modules),
/// page-aligned. Fixed-size so it works before the heap exists.
#[derive(Clone, Copy)]
pub struct FreeRanges {
    ranges: [PhysRange; MAX_RANGES],
    count: usize,
}

impl FreeRanges {
    /// The ranges.
    pub fn as_slice(&self) -> &[PhysRange] {
        &self.ranges[..self.count]
    }

    fn push(&mut self, r: PhysRange) {
        if !r.is_empty() && self.count < MAX_RANGES {
            self.ranges[self.count] = r;
            self.count += 1;
        }
    }

    /// Removes `hole` from every range.
    pub fn subtract(&mut self, hole: PhysRange) {
        let old = *self;
        self.count = 0;
        for r in old.as_slice() {
            if hole.end <= r.start || hole.start >= r.end {
                self.push(*r);
            } else {
                self.push(PhysRange { start: r.start, end: hole.start.max(r.start) });
                self.push(PhysRange { start: hole.end.min(r.end), end: r.end });
            }
        }
    }

    /// Takes `len` bytes from the start of the largest range below `limit`.
    pub fn take_largest_below(&mut self, len: u64, limit: u64) -> Option<PhysRange> {
        let best =
            self.as_slice().iter().copied().filter(|r| r.end <= limit && r.len() >= len).max_by_key(|r| r.len())?;
        let taken = PhysRange { start: best.start, end: best.start + len };
        self.subtract(taken);
        Some(taken)
    }

    /// Total bytes.
    pub fn total(&self) -> u64 {
        self.as_slice().iter().map(PhysRange::len).sum()
    }
}

/// Computes the RAM the kernel may hand out.
pub fn free_ranges(boot: &BootInfo) -> FreeRanges {
    let mut free = FreeRanges { ranges: [PhysRange::default(); MAX_RANGES], count: 0 };
    for r in boot.regions().iter().filter(|r| r.kind == MemoryRegion::USABLE) {
        free.push(PhysRange { start: r.start.next_multiple_of(PAGE_SIZE), end: r.end() & !(PAGE_SIZE - 1) });
    }
    free.subtract(PhysRange { start: 0, end: 0x10_0000 });
    // The image, from the boot segment at 2 MiB to the end of .bss.
    free.subtract(PhysRange { start: 0x20_0000, end: sections::image_virt_to_phys(sections::kernel_end()) });
    if let Some(m) = boot.initrd {
        free.subtract(PhysRange {
            start: m.start & !(PAGE_SIZE - 1),
            end: (m.start + m.len).next_multiple_of(PAGE_SIZE),
        });
    }
    free
}

/// One past the highest usable RAM address.
pub fn ram_end(boot: &BootInfo) -> u64 {
    boot.regions().iter().filter(|r| r.kind == MemoryRegion::USABLE).map(MemoryRegion::end).max().unwrap_or(0)
}

/// Heap size for a machine with `total` bytes of free RAM: a quarter, between 16 and 512 MiB.
pub fn heap_size_for(total: u64) -> u64 {
    (total / 4).clamp(16 << 20, 512 << 20).next_multiple_of(PAGE_SIZE)
}
