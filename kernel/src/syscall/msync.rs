//! `msync(addr, len, flags)`: writes the dirty pages of the shared file mappings in the range
//! back to their files (MS_SYNC and MS_ASYNC both write now; MS_INVALIDATE has nothing to drop
//! because mappings and `read`/`write` share one page cache).

use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::Errno;

use super::SysResult;
use crate::arch::layout::PAGE_SIZE;
use crate::mm::pagecache::CachedFile;
use crate::mm::vm::VmKind;
use crate::proc::Thread;

const MS_ASYNC: i32 = 1;
const MS_INVALIDATE: i32 = 2;
const MS_SYNC: i32 = 4;

/// `msync(addr, len, flags)`: EINVAL for an unaligned address, unknown flags or both
/// MS_SYNC and MS_ASYNC; ENOMEM when part of the range is unmapped (after syncing the rest,
/// as Linux).
pub async fn sys_msync(t: &Arc<Thread>, addr: u64, len: u64, flags: i32) -> SysResult {
    if !addr.is_multiple_of(PAGE_SIZE)
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || (flags & MS_ASYNC != 0 && flags & MS_SYNC != 0)
    {
        return Err(Errno::EINVAL.into());
    }
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?.next_multiple_of(PAGE_SIZE);
    let (files, hole) = {
        let mm = t.mm();
        let mm = mm.lock();
        let mut files: Vec<Arc<CachedFile>> = Vec::new();
        let mut a = addr;
        let mut hole = false;
        while a < end {
            let Some(v) = mm.find_vma(a) else {
                hole = true;
                break;
            };
            if v.kind == VmKind::Shared
                && let Some(f) = &v.file
                && !files.iter().any(|c| Arc::ptr_eq(c, &f.cache))
            {
                files.push(f.cache.clone());
            }
            a = v.end;
        }
        (files, hole)
    };
    for f in files {
        f.writeback().await?;
        if flags & MS_SYNC != 0 {
            f.inode().sync().await?;
        }
    }
    if hole {
        return Err(Errno::ENOMEM.into());
    }
    Ok(0)
}
