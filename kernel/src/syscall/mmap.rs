//! `mmap`: anonymous private/shared memory and private file mappings.
//!
//! Private file mappings are filled from the file when they are created (copy semantics are
//! exactly MAP_PRIVATE's, minus sharing unmodified pages with the page cache). Writable
//! shared file mappings need the page cache of the storage work and fail with ENODEV for now.

use alloc::sync::Arc;

use kairos_abi::Errno;
use kairos_abi::flags::{MmapFlags, MmapProt};

use super::SysResult;
use super::args::Fd;
use crate::arch::layout::{PAGE_SIZE, USER_END};
use crate::file::FileKind;
use crate::mm::vm::{MMAP_MIN_ADDR, VmKind, VmProt};
use crate::proc::Thread;

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
    // File contents to copy in, for file mappings.
    let data = if flags.contains(MmapFlags::MAP_ANONYMOUS) {
        None
    } else {
        let file = fd.file(t)?;
        let FileKind::Inode(inode) = &file.kind else { return Err(Errno::ENODEV.into()) };
        let acc = file.flags().bits() & 3;
        if acc == 1 {
            return Err(Errno::EACCES.into()); // opened write-only
        }
        if shared && prot.contains(MmapProt::PROT_WRITE) {
            if acc != 2 {
                return Err(Errno::EACCES.into());
            }
            log::warn!(target: "mm", "writable MAP_SHARED file mappings need the page cache (not yet)");
            return Err(Errno::ENODEV.into());
        }
        let size = inode.metadata().size;
        let want = len.min(size.saturating_sub(offset)) as usize;
        let mut buf = alloc::vec![0u8; want];
        let mut got = 0;
        while got < want {
            let n = inode.read_at(offset + got as u64, &mut buf[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
        }
        buf.truncate(got);
        Some(buf)
    };
    let vprot = VmProt::from_bits_truncate(prot.bits());
    let kind = if shared && data.is_none() { VmKind::Shared } else { VmKind::Private };
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
    mm.map(start, len, vprot, kind)?;
    if let Some(data) = data {
        mm.load_bytes(start, &data)?;
    }
    Ok(start as isize)
}
