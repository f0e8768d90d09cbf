//! Frame-pointer stack walking. Every kernel function keeps `rbp` as a frame pointer
//! (`-C force-frame-pointers=yes`): `[rbp]` is the caller's `rbp`, `[rbp + 8]` the return
//! address. Each word is read only after checking the page is mapped, so a corrupt chain
//! ends the walk instead of faulting again.

use super::layout::KERNEL_VMA;

/// Most frames reported.
pub const MAX_FRAMES: usize = 48;

fn read_checked(addr: u64) -> Option<u64> {
    if !addr.is_multiple_of(8) || addr < KERNEL_VMA.min(super::layout::HHDM_BASE) {
        return None;
    }
    if !super::paging::is_mapped(addr) || !super::paging::is_mapped(addr + 7) {
        return None;
    }
    // SAFETY: the address is aligned, in the kernel half and mapped (checked above).
    Some(unsafe { core::ptr::read_volatile(addr as *const u64) })
}

/// Collects return addresses starting from frame pointer `rbp`, into `out`; returns count.
pub fn walk(mut rbp: u64, out: &mut [u64]) -> usize {
    let mut n = 0;
    while n < out.len() && rbp != 0 {
        let Some(ret) = read_checked(rbp + 8) else { break };
        let Some(next) = read_checked(rbp) else { break };
        if ret < KERNEL_VMA {
            break;
        }
        out[n] = ret;
        n += 1;
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    n
}
