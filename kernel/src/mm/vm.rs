//! User address spaces: the list of mappings (VMAs) and the page tables that realise them,
//! demand paging, copy-on-write after `fork`, and the kernel's checked access to user memory.
//!
//! The kernel never dereferences a user pointer. It translates user addresses through the
//! owning address space's page tables and copies through the direct map, faulting pages in on
//! the way; an address that no mapping allows becomes `EFAULT`. This works whatever address
//! space the CPU has loaded, so kernel work never needs a CR3 switch, and SMAP can stay on.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result, return_errno};

use crate::arch::layout::{PAGE_SIZE, USER_END};
use crate::arch::paging::{self, PTE_ADDR_MASK, PteFlags};
use crate::arch::phys;
use crate::mm::frame;
use crate::mm::pagecache::CachedFile;

bitflags::bitflags! {
    /// Access rights of a mapping (the values of `PROT_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct VmProt: u32 {
        /// PROT_READ.
        const READ = 1;
        /// PROT_WRITE.
        const WRITE = 2;
        /// PROT_EXEC.
        const EXEC = 4;
    }
}

/// What kind of memory a mapping is (for `/proc/PID/maps` and fork semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmKind {
    /// Private memory: anonymous, or a private file mapping (ELF segments are either).
    Private,
    /// Shared anonymous memory: populated at creation so that fork shares every page.
    Shared,
    /// The program break area.
    Heap,
    /// The main thread's stack.
    Stack,
}

/// The file behind a file mapping: its page cache and where the mapping starts in it.
#[derive(Clone)]
pub struct VmFile {
    /// The file's cached pages (the mapping keeps them alive).
    pub cache: Arc<CachedFile>,
    /// File offset of the mapping's first byte (page aligned).
    pub offset: u64,
    /// The path it was mapped by (for /proc/PID/maps).
    pub path: Option<Arc<str>>,
}

impl core::fmt::Debug for VmFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VmFile(ino {}, offset {:#x}, {:?})", self.cache.inode().ino(), self.offset, self.path)
    }
}

/// One mapping `[start, end)`.
#[derive(Clone, Debug)]
pub struct Vma {
    /// First address (page aligned).
    pub start: u64,
    /// One past the last address (page aligned).
    pub end: u64,
    /// Access rights.
    pub prot: VmProt,
    /// Kind ([`VmKind::Private`] or [`VmKind::Shared`] for file mappings).
    pub kind: VmKind,
    /// The file, for file mappings.
    pub file: Option<VmFile>,
}

impl Vma {
    fn shared(&self) -> bool {
        self.kind == VmKind::Shared
    }

    /// Shared anonymous memory (populated eagerly, never copied).
    fn shared_anon(&self) -> bool {
        self.shared() && self.file.is_none()
    }

    /// The same mapping restricted to start at `addr` (file offset moved along).
    fn tail_from(&self, addr: u64) -> Vma {
        let mut v = self.clone();
        if let Some(f) = v.file.as_mut() {
            f.offset += addr - self.start;
        }
        v.start = addr;
        v
    }

    /// Page index in the file of the page at `page`.
    fn file_index(&self, page: u64) -> Option<(&VmFile, u64)> {
        self.file.as_ref().map(|f| (f, (f.offset + (page - self.start)) / PAGE_SIZE))
    }
}

/// How a page was accessed when it faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Load.
    Read,
    /// Store.
    Write,
    /// Instruction fetch.
    Execute,
}

/// Why a fault could not be resolved.
#[derive(Clone, Debug)]
pub enum FaultError {
    /// No mapping at the address (SIGSEGV, SEGV_MAPERR).
    Unmapped,
    /// The mapping forbids this access (SIGSEGV, SEGV_ACCERR).
    Protection,
    /// Out of memory.
    NoMemory,
    /// A file mapping's page lies past the end of the file (SIGBUS, BUS_ADRERR).
    PastEof,
    /// A file page is not in the page cache: await [`CachedFile::page`] and retry.
    NeedPage(Arc<CachedFile>, u64),
}

/// Lowest address user mappings may use (the first 64 KiB stay unmapped, like
/// Linux's default `vm.mmap_min_addr`).
pub const MMAP_MIN_ADDR: u64 = 0x1_0000;
/// Top of the main thread's stack.
pub const STACK_TOP: u64 = 0x7fff_ffff_f000;
/// Size of the main thread's stack mapping (RLIMIT_STACK's default).
pub const STACK_SIZE: u64 = 8 << 20;
/// Where top-down `mmap` placement starts (below the stack and a guard gap).
pub const MMAP_TOP: u64 = STACK_TOP - STACK_SIZE - (128 << 20);

fn page_down(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

fn page_up(a: u64) -> Option<u64> {
    a.checked_add(PAGE_SIZE - 1).map(|v| v & !(PAGE_SIZE - 1))
}

fn pte_flags(prot: VmProt, writable: bool) -> PteFlags {
    let mut f = PteFlags::PRESENT;
    if !prot.is_empty() {
        f |= PteFlags::USER;
    }
    if writable && prot.contains(VmProt::WRITE) {
        f |= PteFlags::WRITABLE;
    }
    if !prot.contains(VmProt::EXEC) {
        f |= PteFlags::NO_EXECUTE;
    }
    f
}

/// A user address space.
pub struct AddressSpace {
    pml4: u64,
    vmas: BTreeMap<u64, Vma>,
    /// Start of the program break area.
    pub brk_start: u64,
    /// Current program break.
    pub brk: u64,
}

impl AddressSpace {
    /// An empty address space.
    pub fn new() -> Result<AddressSpace> {
        let pml4 = paging::new_user_pml4().ok_or(Errno::ENOMEM)?;
        Ok(AddressSpace { pml4, vmas: BTreeMap::new(), brk_start: 0, brk: 0 })
    }

    /// Physical address of the top-level page table.
    pub fn pml4(&self) -> u64 {
        self.pml4
    }

    /// Loads this address space on the CPU (before entering user mode).
    pub fn activate(&self) -> bool {
        paging::activate(self.pml4)
    }

    /// The mappings, in address order.
    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    /// The mapping containing `addr`.
    pub fn find_vma(&self, addr: u64) -> Option<&Vma> {
        self.vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
    }

    /// Does any mapping intersect `[start, end)`?
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.range(..end).next_back().is_some_and(|(_, v)| v.end > start)
    }

    /// Finds `len` bytes of free address space, top-down below `MMAP_TOP`, preferring `hint`.
    pub fn find_free(&self, len: u64, hint: u64) -> Option<u64> {
        if hint >= MMAP_MIN_ADDR
            && hint.checked_add(len).is_some_and(|e| e <= USER_END)
            && !self.overlaps(hint, hint + len)
        {
            return Some(hint);
        }
        let mut top = MMAP_TOP;
        for v in self.vmas.values().rev() {
            if v.start >= top {
                continue;
            }
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
        }
        (top >= MMAP_MIN_ADDR + len).then(|| top - len)
    }

    /// Adds a mapping over `[start, start+len)`, which must be free and page aligned.
    /// Shared mappings are populated at once (see [`VmKind::Shared`]).
    pub fn map(&mut self, start: u64, len: u64, prot: VmProt, kind: VmKind) -> Result<()> {
        self.map_with(start, len, prot, kind, None)
    }

    /// [`AddressSpace::map`] of a file: pages come from `file`'s page cache (which the caller
    /// has populated) on first touch; `kind` Private copies on write, Shared writes through.
    pub fn map_file(&mut self, start: u64, len: u64, prot: VmProt, kind: VmKind, file: VmFile) -> Result<()> {
        self.map_with(start, len, prot, kind, Some(file))
    }

    fn map_with(&mut self, start: u64, len: u64, prot: VmProt, kind: VmKind, file: Option<VmFile>) -> Result<()> {
        let end = start.checked_add(len).ok_or(Errno::ENOMEM)?;
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 || end > USER_END {
            return_errno!(EINVAL);
        }
        if self.overlaps(start, end) {
            return_errno!(EEXIST);
        }
        let anon = file.is_none();
        self.vmas.insert(start, Vma { start, end, prot, kind, file });
        if kind == VmKind::Shared && anon {
            let mut a = start;
            while a < end {
                if let Err(e) = self.fault_in_page(a, None) {
                    let _ = self.unmap(start, len);
                    return Err(match e {
                        FaultError::NoMemory => Errno::ENOMEM.into(),
                        _ => Errno::EFAULT.into(),
                    });
                }
                a += PAGE_SIZE;
            }
        }
        Ok(())
    }

    /// Splits the mapping containing `addr` so that a mapping starts at `addr`.
    fn split_at(&mut self, addr: u64) {
        let Some(v) = self.find_vma(addr).cloned() else { return };
        if v.start == addr {
            return;
        }
        self.vmas.get_mut(&v.start).expect("vma exists").end = addr;
        self.vmas.insert(addr, v.tail_from(addr));
    }

    /// Releases the pages of `[start, end)` (mappings are edited by the caller).
    fn release_pages(&mut self, start: u64, end: u64) {
        let pml4 = self.pml4;
        paging::for_each_user_pte(pml4, start, end, &mut |va, slot, pte| {
            paging::write_pte(slot, 0);
            paging::flush_if_active(pml4, va);
            frame::put_user(pte & PTE_ADDR_MASK);
        });
    }

    /// Removes every mapping in `[start, start+len)` (`munmap`).
    pub fn unmap(&mut self, start: u64, len: u64) -> Result<()> {
        if !start.is_multiple_of(PAGE_SIZE) || len == 0 {
            return_errno!(EINVAL);
        }
        let end = page_up(start.checked_add(len).ok_or(Errno::EINVAL)?).ok_or(Errno::EINVAL)?;
        if end > USER_END {
            return_errno!(EINVAL);
        }
        self.split_at(start);
        self.split_at(end);
        let doomed: Vec<u64> = self.vmas.range(start..end).map(|(&s, _)| s).collect();
        for s in doomed {
            self.vmas.remove(&s);
        }
        self.release_pages(start, end);
        Ok(())
    }

    /// Changes the rights of every page in `[start, start+len)` (`mprotect`): ENOMEM when
    /// part of the range is unmapped, as Linux.
    pub fn protect(&mut self, start: u64, len: u64, prot: VmProt) -> Result<()> {
        if !start.is_multiple_of(PAGE_SIZE) {
            return_errno!(EINVAL);
        }
        let end = page_up(start.checked_add(len).ok_or(Errno::ENOMEM)?).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        // Like Linux, pages before a hole are changed and then the call fails with ENOMEM.
        let mut a = start;
        let mut mapped_end = start;
        while a < end {
            match self.find_vma(a) {
                Some(v) => {
                    a = v.end;
                    mapped_end = a.min(end);
                }
                None => break,
            }
        }
        let hole = mapped_end < end;
        let end = mapped_end;
        if end == start {
            return_errno!(ENOMEM);
        }
        self.split_at(start);
        self.split_at(end);
        let pml4 = self.pml4;
        for v in self.vmas.range_mut(start..end).map(|(_, v)| v) {
            v.prot = prot;
            // File pages stay read-only until a write fault marks them dirty.
            let shared = v.shared_anon();
            paging::for_each_user_pte(pml4, v.start, v.end, &mut |va, slot, pte| {
                let frame_addr = pte & PTE_ADDR_MASK;
                // Private pages stay read-only until a write fault decides about copying.
                let writable = shared || (pte & PteFlags::WRITABLE.bits() != 0);
                paging::write_pte(slot, frame_addr | pte_flags(prot, writable).bits());
                paging::flush_if_active(pml4, va);
            });
        }
        if hole {
            return_errno!(ENOMEM);
        }
        Ok(())
    }

    /// ENOMEM unless every page of `[start, start+len)` is mapped (`madvise`, `msync`).
    pub fn check_mapped(&self, start: u64, len: u64) -> Result<()> {
        let end = page_up(start.checked_add(len).ok_or(Errno::ENOMEM)?).ok_or(Errno::ENOMEM)?;
        let mut a = start;
        while a < end {
            a = self.find_vma(a).ok_or(Errno::ENOMEM)?.end;
        }
        Ok(())
    }

    /// Resolves a fault at `addr` (`access` None = populate for the kernel, no rights check).
    fn fault_in_page(&mut self, addr: u64, access: Option<Access>) -> core::result::Result<(), FaultError> {
        let page = page_down(addr);
        let vma = self.find_vma(addr).cloned().ok_or(FaultError::Unmapped)?;
        if let Some(access) = access {
            let ok = match access {
                // On x86 any right implies read.
                Access::Read => !vma.prot.is_empty(),
                Access::Write => vma.prot.contains(VmProt::WRITE),
                Access::Execute => vma.prot.contains(VmProt::EXEC),
            };
            if !ok {
                return Err(FaultError::Protection);
            }
        }
        let slot = paging::user_pte_slot(self.pml4, page, true).ok_or(FaultError::NoMemory)?;
        let pte = paging::read_pte(slot);
        if pte & PteFlags::PRESENT.bits() == 0 {
            if let Some((file, index)) = vma.file_index(page) {
                return Self::fault_in_file_page(slot, &vma, file, index, access);
            }
            let f = frame::alloc_user_zeroed().ok_or(FaultError::NoMemory)?;
            paging::write_pte(slot, f | pte_flags(vma.prot, true).bits());
            return Ok(());
        }
        let old = pte & PTE_ADDR_MASK;
        // The kernel filling a private page (access None: program loading) must not write
        // into a frame it shares (the page cache's, or another process's after fork): like a
        // store, it gets a private copy first, whatever the mapping's rights.
        let kernel_fill = access.is_none() && !vma.shared();
        if (access == Some(Access::Write) || kernel_fill) && pte & PteFlags::WRITABLE.bits() == 0 {
            if vma.shared() {
                if let Some((file, index)) = vma.file_index(page) {
                    file.cache.mark_dirty(index);
                }
                paging::write_pte(slot, old | pte_flags(vma.prot, true).bits());
            } else if frame::user_refs(old) == 1 {
                paging::write_pte(slot, old | pte_flags(vma.prot, true).bits());
            } else {
                // Copy on write.
                let new = frame::alloc_user_zeroed().ok_or(FaultError::NoMemory)?;
                let mut buf = [0u8; PAGE_SIZE as usize];
                phys::read_bytes(old, &mut buf);
                phys::write_bytes(new, &buf);
                paging::write_pte(slot, new | pte_flags(vma.prot, true).bits());
                frame::put_user(old);
            }
            paging::flush_if_active(self.pml4, page);
        } else if pte & PteFlags::USER.bits() == 0 && !vma.prot.is_empty() {
            let writable = pte & PteFlags::WRITABLE.bits() != 0;
            paging::write_pte(slot, old | pte_flags(vma.prot, writable).bits());
            paging::flush_if_active(self.pml4, page);
        }
        Ok(())
    }

    /// Maps page `index` of a file mapping at the (empty) `slot`.
    fn fault_in_file_page(
        slot: u64,
        vma: &Vma,
        file: &VmFile,
        index: u64,
        access: Option<Access>,
    ) -> core::result::Result<(), FaultError> {
        let size = file.cache.inode().metadata().size;
        if index >= size.div_ceil(PAGE_SIZE) {
            return Err(FaultError::PastEof);
        }
        let Some(cached) = file.cache.lookup(index) else {
            return Err(FaultError::NeedPage(file.cache.clone(), index));
        };
        // The kernel filling a private mapping (access None) always gets a private copy.
        let write =
            access == Some(Access::Write) || (access.is_none() && (!vma.shared() || vma.prot.contains(VmProt::WRITE)));
        if vma.shared() {
            if write {
                file.cache.mark_dirty(index);
            }
            frame::get_user(cached);
            paging::write_pte(slot, cached | pte_flags(vma.prot, write).bits());
        } else if write {
            // MAP_PRIVATE: the first write gets a private copy.
            let new = frame::alloc_user_zeroed().ok_or(FaultError::NoMemory)?;
            let mut buf = [0u8; PAGE_SIZE as usize];
            phys::read_bytes(cached, &mut buf);
            phys::write_bytes(new, &buf);
            paging::write_pte(slot, new | pte_flags(vma.prot, true).bits());
        } else {
            frame::get_user(cached);
            paging::write_pte(slot, cached | pte_flags(vma.prot, false).bits());
        }
        Ok(())
    }

    /// Handles a user page fault.
    pub fn handle_fault(&mut self, addr: u64, access: Access) -> core::result::Result<(), FaultError> {
        if addr >= USER_END {
            return Err(FaultError::Unmapped);
        }
        self.fault_in_page(addr, Some(access))
    }

    /// Physical address backing user address `va` for the given access, faulting it in.
    fn user_phys(&mut self, va: u64, write: bool) -> Result<u64> {
        for _ in 0..2 {
            if let Some(slot) = paging::user_pte_slot(self.pml4, page_down(va), false) {
                let pte = paging::read_pte(slot);
                let need =
                    PteFlags::PRESENT | PteFlags::USER | if write { PteFlags::WRITABLE } else { PteFlags::empty() };
                if PteFlags::from_bits_truncate(pte).contains(need) {
                    return Ok((pte & PTE_ADDR_MASK) + va % PAGE_SIZE);
                }
            }
            self.fault_in_page(va, Some(if write { Access::Write } else { Access::Read })).map_err(|e| match e {
                FaultError::NoMemory => Errno::ENOMEM,
                _ => Errno::EFAULT,
            })?;
        }
        Err(Errno::EFAULT.into())
    }

    fn check_range(va: u64, len: usize) -> Result<()> {
        match va.checked_add(len as u64) {
            Some(end) if end <= USER_END => Ok(()),
            _ => Err(Errno::EFAULT.into()),
        }
    }

    /// Copies user memory at `va` into `buf` (EFAULT if any byte is not readable).
    pub fn read_bytes(&mut self, va: u64, buf: &mut [u8]) -> Result<()> {
        Self::check_range(va, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(buf.len() - done);
            let pa = self.user_phys(a, false)?;
            phys::read_bytes(pa, &mut buf[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Copies `data` to user memory at `va` (EFAULT if any byte is not writable).
    pub fn write_bytes(&mut self, va: u64, data: &[u8]) -> Result<()> {
        Self::check_range(va, data.len())?;
        let mut done = 0;
        while done < data.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            let pa = self.user_phys(a, true)?;
            phys::write_bytes(pa, &data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Fills pages of a mapping from the kernel, ignoring its rights (program loading).
    pub fn load_bytes(&mut self, va: u64, data: &[u8]) -> Result<()> {
        Self::check_range(va, data.len())?;
        let mut done = 0;
        while done < data.len() {
            let a = va + done as u64;
            let n = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(data.len() - done);
            self.fault_in_page(a, None).map_err(|_| Errno::ENOMEM)?;
            let slot = paging::user_pte_slot(self.pml4, page_down(a), false).ok_or(Errno::EFAULT)?;
            let pa = (paging::read_pte(slot) & PTE_ADDR_MASK) + a % PAGE_SIZE;
            phys::write_bytes(pa, &data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (ENAMETOOLONG beyond).
    pub fn read_cstring(&mut self, va: u64, max: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut a = va;
        loop {
            let chunk = ((PAGE_SIZE - a % PAGE_SIZE) as usize).min(256);
            let mut buf = [0u8; 256];
            self.read_bytes(a, &mut buf[..chunk])?;
            if let Some(nul) = buf[..chunk].iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..nul]);
                if out.len() > max {
                    return_errno!(ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&buf[..chunk]);
            if out.len() > max {
                return_errno!(ENAMETOOLONG);
            }
            a += chunk as u64;
        }
    }

    /// A copy-on-write duplicate for `fork`: private pages become read-only in both spaces
    /// and are copied on the first write; shared pages stay shared.
    pub fn fork(&mut self) -> Result<AddressSpace> {
        let mut child = AddressSpace::new()?;
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        child.vmas = self.vmas.clone();
        let (parent_pml4, child_pml4) = (self.pml4, child.pml4);
        let mut failed = false;
        let mut downgraded = false;
        for v in self.vmas.values() {
            let shared = v.shared();
            paging::for_each_user_pte(parent_pml4, v.start, v.end, &mut |va, slot, pte| {
                if failed {
                    return;
                }
                let Some(child_slot) = paging::user_pte_slot(child_pml4, va, true) else {
                    failed = true;
                    return;
                };
                let mut pte = pte;
                if !shared && pte & PteFlags::WRITABLE.bits() != 0 {
                    pte &= !PteFlags::WRITABLE.bits();
                    paging::write_pte(slot, pte);
                    downgraded = true;
                }
                frame::get_user(pte & PTE_ADDR_MASK);
                paging::write_pte(child_slot, pte);
            });
        }
        if downgraded && crate::arch::cpu::read_cr3() & PTE_ADDR_MASK == parent_pml4 {
            paging::activate(crate::arch::paging::kernel_pml4());
            paging::activate(parent_pml4);
        }
        if failed {
            return_errno!(ENOMEM);
        }
        Ok(child)
    }

    /// Sets the program break (`brk`): grows or shrinks the heap mapping; returns the break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start || new > self.brk_start + (1 << 36) {
            return self.brk;
        }
        let old_end = page_up(self.brk).unwrap_or(self.brk);
        let new_end = page_up(new).unwrap_or(new);
        if new_end > old_end {
            if self.overlaps(old_end, new_end) {
                return self.brk;
            }
            // Extend the heap VMA (or create it).
            let heap = self.vmas.values().find(|v| v.kind == VmKind::Heap && v.end == old_end).map(|v| v.start);
            match heap {
                Some(s) => self.vmas.get_mut(&s).expect("heap vma").end = new_end,
                None => {
                    self.vmas.insert(
                        old_end,
                        Vma {
                            start: old_end,
                            end: new_end,
                            prot: VmProt::READ | VmProt::WRITE,
                            kind: VmKind::Heap,
                            file: None,
                        },
                    );
                }
            }
        } else if new_end < old_end {
            let _ = self.unmap(new_end, old_end - new_end);
        }
        self.brk = new;
        new
    }

    /// Drops the private pages of `[start, start+len)` so they read as zeros again
    /// (`MADV_DONTNEED`); shared pages keep their contents, as with Linux's shmem.
    /// ENOMEM when part of the range is unmapped.
    pub fn discard(&mut self, start: u64, len: u64) -> Result<()> {
        let end = page_up(start.checked_add(len).ok_or(Errno::EINVAL)?).ok_or(Errno::EINVAL)?;
        let mut a = start;
        let mut private = Vec::new();
        while a < end {
            let v = self.find_vma(a).ok_or(Errno::ENOMEM)?;
            let upto = v.end.min(end);
            if !v.shared() {
                private.push((a, upto));
            }
            a = upto;
        }
        for (s, e) in private {
            self.release_pages(s, e);
        }
        Ok(())
    }

    /// `mremap`: resizes the mapping at `old` (which must start a mapping and cover
    /// `old_len`), in place when possible, else by moving its pages if `may_move`.
    /// `fixed` moves it to exactly that address. Returns the new address.
    pub fn remap(&mut self, old: u64, old_len: u64, new_len: u64, may_move: bool, fixed: Option<u64>) -> Result<u64> {
        let old_end = old.checked_add(old_len).ok_or(Errno::EFAULT)?;
        let v = self.find_vma(old).cloned().ok_or(Errno::EFAULT)?;
        if old_end > v.end {
            return_errno!(EFAULT);
        }
        if fixed.is_none() && new_len <= old_len {
            if new_len < old_len {
                self.unmap(old + new_len, old_len - new_len)?;
            }
            return Ok(old);
        }
        // Grow in place when the mapping ends at old_end and the space after it is free.
        if fixed.is_none() && v.end == old_end && !self.overlaps(old_end, old + new_len) && old + new_len <= USER_END {
            self.vmas.get_mut(&v.start).expect("vma").end = old + new_len;
            if v.shared_anon() {
                let mut a = old_end;
                while a < old + new_len {
                    self.fault_in_page(a, None).map_err(|_| Errno::ENOMEM)?;
                    a += PAGE_SIZE;
                }
            }
            return Ok(old);
        }
        if !may_move {
            return_errno!(ENOMEM);
        }
        let new = match fixed {
            Some(f) => {
                if f % PAGE_SIZE != 0 || (f < old_end && old < f + new_len) {
                    return_errno!(EINVAL);
                }
                self.unmap(f, new_len)?;
                f
            }
            None => self.find_free(new_len, 0).ok_or(Errno::ENOMEM)?,
        };
        let moved = old_len.min(new_len);
        self.split_at(old);
        self.split_at(old + moved);
        let mut moved_vma = v.tail_from(old);
        moved_vma.start = new;
        moved_vma.end = new + new_len;
        self.vmas.insert(new, moved_vma);
        let (pml4, mut failed) = (self.pml4, false);
        paging::for_each_user_pte(pml4, old, old + moved, &mut |va, slot, pte| match paging::user_pte_slot(
            pml4,
            new + (va - old),
            true,
        ) {
            Some(dst) => {
                paging::write_pte(dst, pte);
                paging::write_pte(slot, 0);
                paging::flush_if_active(pml4, va);
            }
            None => failed = true,
        });
        if failed {
            return_errno!(ENOMEM);
        }
        let doomed: Vec<u64> = self.vmas.range(old..old + moved).map(|(&s, _)| s).collect();
        for s in doomed {
            self.vmas.remove(&s);
        }
        if old_len > moved {
            self.unmap(old + moved, old_len - moved)?;
        }
        if v.shared_anon() && new_len > moved {
            let mut a = new + moved;
            while a < new + new_len {
                self.fault_in_page(a, None).map_err(|_| Errno::ENOMEM)?;
                a += PAGE_SIZE;
            }
        }
        Ok(new)
    }

    /// After `cache`'s file shrank to `size` bytes: drops the pages of its mappings that now
    /// lie wholly past the end (private copies included, as Linux's truncate), so the next
    /// access raises SIGBUS.
    pub fn file_truncated(&mut self, cache: &Arc<CachedFile>, size: u64) {
        let first_gone = size.div_ceil(PAGE_SIZE);
        let ranges: Vec<(u64, u64)> = self
            .vmas
            .values()
            .filter_map(|v| {
                let f = v.file.as_ref().filter(|f| Arc::ptr_eq(&f.cache, cache))?;
                let gone_at = (first_gone * PAGE_SIZE).saturating_sub(f.offset);
                let start = v.start.saturating_add(gone_at).min(v.end).max(v.start);
                (start < v.end).then_some((start, v.end))
            })
            .collect();
        for (s, e) in ranges {
            self.release_pages(s, e);
        }
    }

    /// Releases every page and mapping (used by `execve` and on drop).
    pub fn clear(&mut self) {
        let ranges: Vec<(u64, u64)> = self.vmas.values().map(|v| (v.start, v.end)).collect();
        for (s, e) in ranges {
            self.release_pages(s, e);
        }
        self.vmas.clear();
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        self.clear();
        if crate::arch::cpu::read_cr3() & PTE_ADDR_MASK == self.pml4 {
            paging::activate(paging::kernel_pml4());
        }
        paging::free_user_tables(self.pml4);
    }
}
