//! `madvise`: DONTNEED/FREE drop private pages; pure hints (which never change results) are
//! accepted. MADV_DONTFORK/DOFORK would change fork and are not supported yet (EINVAL, like
//! any unknown advice).

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::*;

use super::SysResult;
use crate::arch::layout::PAGE_SIZE;
use crate::proc::Thread;

/// `madvise(addr, len, advice)`.
pub fn sys_madvise(t: &Arc<Thread>, addr: u64, len: u64, advice: i32) -> SysResult {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    let known = matches!(
        advice,
        MADV_DONTNEED
            | MADV_FREE
            | MADV_NORMAL
            | MADV_RANDOM
            | MADV_SEQUENTIAL
            | MADV_WILLNEED
            | MADV_MERGEABLE
            | MADV_UNMERGEABLE
            | MADV_HUGEPAGE
            | MADV_NOHUGEPAGE
            | MADV_DONTDUMP
            | MADV_DODUMP
            | MADV_COLD
            | MADV_PAGEOUT
    );
    if known && len > 0 {
        t.mm().lock().check_mapped(addr, len)?;
    }
    match advice {
        MADV_DONTNEED | MADV_FREE => {
            if len > 0 {
                t.mm().lock().discard(addr, len)?;
            }
            Ok(0)
        }
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_MERGEABLE | MADV_UNMERGEABLE
        | MADV_HUGEPAGE | MADV_NOHUGEPAGE | MADV_DONTDUMP | MADV_DODUMP | MADV_COLD | MADV_PAGEOUT => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}
