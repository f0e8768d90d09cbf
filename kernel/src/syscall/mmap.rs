//! `mmap`: anonymous private/shared memory and file mappings.
//!
//! File mappings map the file's page cache (`mm::pagecache`): the pages the mapping covers
//! are read in first (an async read that awaits the disk), then faults map them on first
//! touch — read-only and copied on write for MAP_PRIVATE, written through (and written back
//! to the file later) for MAP_SHARED. Pages past the end of the file raise SIGBUS.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::{MmapFlags, MmapProt};

use super::SysResult;
use super::args::Fd;
use crate::arch::layout::{PAGE_SIZE, USER_END};
use crate::file::FileKind;
use crate::mm::pagecache;
use crate::mm::vm::{MMAP_MIN_ADDR, VmFile, VmKind, VmProt};
use crate::proc::Thread;
use kairos_fs::FileType;

/// `mmap(addr, len, prot, flags, fd, offset)`.
pub async fn sys_mmap(t: &Arc<Thread>, addr: u64, len: u64, prot: u32, flags: u32, fd: Fd, offset: u64) -> SysResult {
    let prot = MmapProt::from_bits(prot).ok_or(Errno::EINVAL)?;
    // MAP_SHARED_VALIDATE: anonymous mappings refuse it (EINVAL); file mappings reject flags
    // the kernel does not know (EOPNOTSUPP). The other types ignore unknown flags.
    if flags & 3 == 3 {
        if flags & MmapFlags::MAP_ANONYMOUS.bits() != 0 {
            return Err(Errno::EINVAL.into());
        }
        if MmapFlags::from_bits(flags).is_none() {
            return Err(Errno::EOPNOTSUPP.into());
        }
    }
    let flags = MmapFlags::from_bits_truncate(flags);
    let kind_bits = flags.bits() & 3;
    if len == 0 || !offset.is_multiple_of(PAGE_SIZE) || kind_bits == 0 {
        return Err(Errno::EINVAL.into());
    }
    let shared = kind_bits != 2;
    let len = len.checked_add(PAGE_SIZE - 1).ok_or(Errno::ENOMEM)? & !(PAGE_SIZE - 1);
    if len > USER_END {
        return Err(Errno::ENOMEM.into());
    }
    let fixed = flags.intersects(MmapFlags::MAP_FIXED | MmapFlags::MAP_FIXED_NOREPLACE);
    if fixed && !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    // Mapping /dev/zero is anonymous memory (shared or private), as on Linux.
    let zero_dev = !flags.contains(MmapFlags::MAP_ANONYMOUS)
        && matches!(fd.file(t)?.kind, FileKind::Mem(crate::file::MemDevice::Zero));
    let file_map = if flags.contains(MmapFlags::MAP_ANONYMOUS) || zero_dev {
        None
    } else {
        let file = fd.file(t)?;
        let FileKind::Inode(inode) = &file.kind else { return Err(Errno::ENODEV.into()) };
        let acc = file.flags().bits() & 3;
        if acc == 1 {
            return Err(Errno::EACCES.into()); // opened write-only
        }
        if shared && prot.contains(MmapProt::PROT_WRITE) && acc != 2 {
            return Err(Errno::EACCES.into());
        }
        match inode.file_type() {
            FileType::Regular => {}
            FileType::Directory => return Err(Errno::ENODEV.into()),
            _ => return Err(Errno::ENODEV.into()),
        }
        if offset.checked_add(len).is_none() {
            return Err(Errno::EOVERFLOW.into());
        }
        let cache = pagecache::file(inode);
        cache.populate(offset / PAGE_SIZE, len / PAGE_SIZE).await?;
        let path = file.path.as_deref().map(Arc::from);
        Some(VmFile { cache, offset, path })
    };
    let vprot = VmProt::from_bits_truncate(prot.bits());
    let kind = if shared { VmKind::Shared } else { VmKind::Private };
    let mm = t.mm();
    let mut mm = mm.lock();
    let start = if fixed {
        if addr < MMAP_MIN_ADDR || addr.checked_add(len).is_none_or(|e| e > USER_END) {
            return Err(Errno::EPERM.into());
        }
        if mm.overlaps(addr, addr + len) {
            if flags.contains(MmapFlags::MAP_FIXED_NOREPLACE) {
                return Err(Errno::EEXIST.into());
            }
            mm.unmap(addr, len)?;
        }
        addr
    } else {
        mm.find_free(len, addr & !(PAGE_SIZE - 1)).ok_or(Errno::ENOMEM)?
    };
    match file_map {
        Some(f) => mm.map_file(start, len, vprot, kind, f)?,
        None => mm.map(start, len, vprot, kind)?,
    }
    Ok(start as isize)
}
