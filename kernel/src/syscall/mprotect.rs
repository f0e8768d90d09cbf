//! `mprotect`.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::MmapProt;

use super::SysResult;
use crate::mm::vm::VmProt;
use crate::proc::Thread;

/// `mprotect(addr, len, prot)`.
pub fn sys_mprotect(t: &Arc<Thread>, addr: u64, len: u64, prot: u32) -> SysResult {
    let prot = MmapProt::from_bits(prot).ok_or(Errno::EINVAL)?;
    let vprot = VmProt::from_bits_truncate(prot.bits());
    t.mm().lock().protect(addr, len, vprot)?;
    Ok(0)
}
