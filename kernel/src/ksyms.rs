//! Kernel symbol lookup for backtraces. After linking, `tests/ksyms.py` writes a sorted table
//! of demangled function names into the image's `.ksyms` section:
//!
//! ```text
//! "KSYM" | count: u32 | strings_offset: u32 | reserved: u32
//! count × { address: u64, name_offset: u32, name_len: u32 }   (sorted by address)
//! string bytes
//! ```

use crate::arch::layout::sections;

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

/// Finds the function containing `addr`: its name and the offset into it.
pub fn lookup(addr: u64) -> Option<(&'static str, u64)> {
    lookup_in(sections::ksyms(), addr)
}

/// `lookup` over an explicit table (testable).
pub fn lookup_in(table: &'static [u8], addr: u64) -> Option<(&'static str, u64)> {
    if table.get(0..4)? != b"KSYM" {
        return None;
    }
    let count = u32_at(table, 4)? as usize;
    let strings = u32_at(table, 8)? as usize;
    let entry = |i: usize| -> Option<(u64, u32, u32)> {
        let off = 16 + i * 16;
        Some((u64_at(table, off)?, u32_at(table, off + 8)?, u32_at(table, off + 12)?))
    };
    // Greatest entry with address <= addr.
    let (mut lo, mut hi) = (0usize, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if entry(mid)?.0 <= addr {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let (start, name_off, name_len) = entry(lo.checked_sub(1)?)?;
    let name = table.get(strings + name_off as usize..strings + name_off as usize + name_len as usize)?;
    Some((core::str::from_utf8(name).ok()?, addr - start))
}

/// Is a symbol table present in this image?
pub fn available() -> bool {
    sections::ksyms().get(0..4) == Some(b"KSYM")
}

/// Room for the table; `tests/ksyms.py` fails the build if it does not fit.
#[unsafe(link_section = ".ksyms")]
#[used]
static KSYMS_SPACE: [u8; 1536 * 1024] = [0; 1536 * 1024];
