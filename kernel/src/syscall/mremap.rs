//! `mremap`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::MremapFlags;

use super::SysResult;
use crate::arch::layout::PAGE_SIZE;
use crate::proc::Thread;

/// `mremap(old, old_len, new_len, flags, new_addr)`.
pub fn sys_mremap(t: &Arc<Thread>, old: u64, old_len: u64, new_len: u64, flags: u32, new_addr: u64) -> SysResult {
    let flags = MremapFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if !old.is_multiple_of(PAGE_SIZE) || new_len == 0 {
        return Err(Errno::EINVAL.into());
    }
    let page_up = |v: u64| v.checked_add(PAGE_SIZE - 1).map(|x| x & !(PAGE_SIZE - 1)).ok_or(Errno::EINVAL);
    let (old_len, new_len) = (page_up(old_len)?, page_up(new_len)?);
    let may_move = flags.contains(MremapFlags::MREMAP_MAYMOVE);
    let fixed = flags.contains(MremapFlags::MREMAP_FIXED);
    if (fixed && !may_move) || flags.contains(MremapFlags::MREMAP_DONTUNMAP) || old_len == 0 {
        return Err(Errno::EINVAL.into());
    }
    let r = t.mm().lock().remap(old, old_len, new_len, may_move, fixed.then_some(new_addr))?;
    Ok(r as isize)
}
