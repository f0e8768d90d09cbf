//! The page cache of mapped files: one [`CachedFile`] per inode that is (or was recently)
//! memory-mapped, holding 4 KiB frames with the file's contents, shared by every mapping of
//! the file (MAP_SHARED mappings write into them; MAP_PRIVATE mappings map them read-only
//! and copy on the first write).
//!
//! What it owns and how it stays coherent:
//! - Pages are read in by an async future ([`CachedFile::populate`]) that awaits the
//!   filesystem (and so the disk) before the mapping is used; page faults then only map
//!   frames that are already here. A fault on a page that is not cached (the file grew after
//!   `mmap`) is resolved by the task loop awaiting [`CachedFile::page`].
//! - `write(2)` updates cached pages after writing the file ([`written`]); `read(2)` writes
//!   dirty shared pages back first ([`before_read`]), so both paths see one file.
//! - Dirty pages (stores through MAP_SHARED mappings) go back to the file with `msync`,
//!   `fsync`, `munmap`'s eventual flush and the periodic flusher task ([`spawn_flusher`]).
//!   A page still mapped writable stays dirty after write-back (there is no reverse map to
//!   write-protect it again), so it is written again next time: correct, if not minimal.
//! - A file's cache is dropped when no mapping holds it and it has no dirty page
//!   ([`shrink`], called by the flusher and when memory runs low).
//!
//! This is deliberately separate from the filesystems' own block caches: those cache
//! disk blocks for `read`/`write` and metadata; this one caches what user space maps.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kairos_abi::{Errno, Result};
use kairos_fs::Inode;
use kairos_fs::vfs::InodeKey;
use spin::Mutex;

use crate::arch::layout::PAGE_SIZE;
use crate::arch::phys;
use crate::mm::frame;

struct CachedPage {
    /// Physical frame; the cache holds one user reference on it.
    frame: u64,
    /// Written through a shared mapping since the last write-back.
    dirty: bool,
}

/// The cached pages of one file.
pub struct CachedFile {
    inode: Arc<dyn Inode>,
    pages: Mutex<BTreeMap<u64, CachedPage>>,
}

impl core::fmt::Debug for CachedFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CachedFile(ino {}, {} pages)", self.inode.ino(), self.pages.lock().len())
    }
}

static FILES: Mutex<BTreeMap<InodeKey, Arc<CachedFile>>> = Mutex::new(BTreeMap::new());

/// Most pages one filesystem read fills (256 KiB).
const MAX_READ_RUN: u64 = 64;
/// Read-ahead window of `read(2)`, in pages (128 KiB, Linux's default `read_ahead_kb`).
const READ_AHEAD: u64 = 32;

/// Is `cf` the cache of this very inode object? Filesystems hand out one object per live
/// inode (the cache holds it, so it stays live); a different object under the same key means
/// the cached file was deleted and its inode number reused.
fn same_object(cf: &CachedFile, inode: &dyn Inode) -> bool {
    core::ptr::addr_eq(Arc::as_ptr(&cf.inode), core::ptr::from_ref(inode))
}

/// The cache of `inode`, created empty on first use. A stale entry (a deleted file whose
/// inode number was reused) is replaced; mappings of the old file keep their own cache.
pub fn file(inode: &Arc<dyn Inode>) -> Arc<CachedFile> {
    let mut files = FILES.lock();
    if let Some(cf) = files.get(&inode.key())
        && same_object(cf, &**inode)
    {
        return cf.clone();
    }
    let cf = Arc::new(CachedFile { inode: inode.clone(), pages: Mutex::new(BTreeMap::new()) });
    if let Some(stale) = files.insert(inode.key(), cf.clone())
        && Arc::strong_count(&stale) == 1
    {
        drop(files);
        stale.release_all();
    }
    cf
}

fn existing(inode: &dyn Inode) -> Option<Arc<CachedFile>> {
    FILES.lock().get(&inode.key()).filter(|cf| same_object(cf, inode)).cloned()
}

impl CachedFile {
    /// The file.
    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// The frame of page `index` if it is cached (no reference taken).
    pub fn lookup(&self, index: u64) -> Option<u64> {
        self.pages.lock().get(&index).map(|p| p.frame)
    }

    /// Marks page `index` written through a shared mapping.
    pub fn mark_dirty(&self, index: u64) {
        if let Some(p) = self.pages.lock().get_mut(&index) {
            p.dirty = true;
        }
    }

    /// The frame of page `index`, reading it from the file if needed. Bytes past the end of
    /// the file read as zeros.
    pub async fn page(&self, index: u64) -> Result<u64> {
        if let Some(f) = self.lookup(index) {
            return Ok(f);
        }
        let mut buf = alloc::vec![0u8; PAGE_SIZE as usize];
        let mut got = 0;
        let offset = index.checked_mul(PAGE_SIZE).ok_or(Errno::EOVERFLOW)?;
        while got < buf.len() {
            let n = self.inode.read_at(offset + got as u64, &mut buf[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let new = frame::alloc_user_zeroed().ok_or(Errno::ENOMEM)?;
        phys::write_bytes(new, &buf[..got]);
        let mut pages = self.pages.lock();
        // Another task may have read it meanwhile: keep the first copy.
        if let Some(p) = pages.get(&index) {
            let f = p.frame;
            drop(pages);
            frame::put_user(new);
            return Ok(f);
        }
        pages.insert(index, CachedPage { frame: new, dirty: false });
        Ok(new)
    }

    /// Reads pages `[first, first + count)` into the cache, stopping at the end of the file.
    /// Runs of missing pages are read with one filesystem request each (up to
    /// [`MAX_READ_RUN`] pages), so a disk filesystem reads whole extents.
    pub async fn populate(&self, first: u64, count: u64) -> Result<()> {
        let size = self.inode.metadata().size;
        let last = size.div_ceil(PAGE_SIZE).min(first.saturating_add(count));
        let mut index = first;
        while index < last {
            if self.lookup(index).is_some() {
                index += 1;
                continue;
            }
            let mut run = 1;
            while index + run < last && run < MAX_READ_RUN && self.lookup(index + run).is_none() {
                run += 1;
            }
            self.read_run(index, run).await?;
            index += run;
        }
        Ok(())
    }

    /// Reads `run` consecutive missing pages starting at `first` with one `read_at`.
    async fn read_run(&self, first: u64, run: u64) -> Result<()> {
        if run == 1 {
            return self.page(first).await.map(|_| ());
        }
        let mut buf = alloc::vec![0u8; (run * PAGE_SIZE) as usize];
        let mut got = 0;
        let offset = first * PAGE_SIZE;
        while got < buf.len() {
            let n = self.inode.read_at(offset + got as u64, &mut buf[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
        }
        for i in 0..run {
            let start = (i * PAGE_SIZE) as usize;
            if start >= got && i > 0 {
                break;
            }
            let new = frame::alloc_user_zeroed().ok_or(Errno::ENOMEM)?;
            let end = (start + PAGE_SIZE as usize).min(got);
            if end > start {
                phys::write_bytes(new, &buf[start..end]);
            }
            let inserted = match self.pages.lock().entry(first + i) {
                alloc::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(CachedPage { frame: new, dirty: false });
                    true
                }
                alloc::collections::btree_map::Entry::Occupied(_) => false,
            };
            if !inserted {
                frame::put_user(new);
            }
        }
        Ok(())
    }

    /// `read(2)` through the cache: copies up to `buf.len()` bytes at `offset` (short at the
    /// end of the file), reading missing pages (and a read-ahead window) first.
    pub async fn read(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let size = self.inode.metadata().size;
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let len = (buf.len() as u64).min(size - offset) as usize;
        let first = offset / PAGE_SIZE;
        let last = (offset + len as u64 - 1) / PAGE_SIZE;
        // Read ahead to the end of the aligned window holding the last page.
        let window_end = (last / READ_AHEAD + 1) * READ_AHEAD;
        self.populate(first, window_end - first).await?;
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let index = pos / PAGE_SIZE;
            let in_page = (pos % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - in_page).min(len - done);
            // A page dropped meanwhile (memory pressure) is read again.
            let f = match self.lookup(index) {
                Some(f) => f,
                None => self.page(index).await?,
            };
            phys::read_bytes(f + in_page as u64, &mut buf[done..done + n]);
            done += n;
        }
        Ok(len)
    }

    /// Writes dirty pages back to the file (up to its current size). Pages no mapping holds
    /// any more become clean.
    pub async fn writeback(&self) -> Result<()> {
        let dirty: Vec<(u64, u64)> =
            self.pages.lock().iter().filter(|(_, p)| p.dirty).map(|(&i, p)| (i, p.frame)).collect();
        let mut result = Ok(());
        for (index, f) in dirty {
            let size = self.inode.metadata().size;
            let offset = index * PAGE_SIZE;
            if offset >= size {
                continue;
            }
            let len = (size - offset).min(PAGE_SIZE) as usize;
            let mut buf = alloc::vec![0u8; len];
            phys::read_bytes(f, &mut buf);
            // Unmapped pages cannot be stored to again: they are clean once written.
            if frame::user_refs(f) == 1
                && let Some(p) = self.pages.lock().get_mut(&index)
            {
                p.dirty = false;
            }
            if let Err(e) = self.inode.write_at(offset, &buf).await {
                log::warn!(target: "mm", "write-back of page {index} of inode {} failed: {e:?}", self.inode.ino());
                result = Err(e);
            }
        }
        result
    }

    fn has_dirty(&self) -> bool {
        self.pages.lock().values().any(|p| p.dirty)
    }

    fn release_all(&self) {
        let pages = core::mem::take(&mut *self.pages.lock());
        for p in pages.values() {
            frame::put_user(p.frame);
        }
    }
}

/// After `write(2)` stored `data` at `offset` of `inode`: copies it into cached pages.
pub fn written(inode: &dyn Inode, offset: u64, data: &[u8]) {
    let Some(cf) = existing(inode) else { return };
    let pages = cf.pages.lock();
    let end = offset + data.len() as u64;
    for (&index, p) in pages.range(offset / PAGE_SIZE..end.div_ceil(PAGE_SIZE)) {
        let page_start = index * PAGE_SIZE;
        let from = offset.max(page_start);
        let to = end.min(page_start + PAGE_SIZE);
        phys::write_bytes(p.frame + (from - page_start), &data[(from - offset) as usize..(to - offset) as usize]);
    }
}

/// `read(2)` of a regular file: files on disk filesystems are read through the page cache
/// (so repeated reads come from memory and share pages with mappings); memory filesystems
/// are read directly, after stores through shared mappings are written back to them.
pub async fn read_file(inode: &Arc<dyn Inode>, offset: u64, buf: &mut [u8]) -> Result<usize> {
    if crate::diskfs::is_disk_fs(inode.fs_id()) {
        return file(inode).read(offset, buf).await;
    }
    before_read(&**inode).await?;
    inode.read_at(offset, buf).await
}

/// Before `read(2)` of `inode`: stores through shared mappings become visible to the read.
pub async fn before_read(inode: &dyn Inode) -> Result<()> {
    match existing(inode) {
        Some(cf) if cf.has_dirty() => cf.writeback().await,
        _ => Ok(()),
    }
}

/// After `inode` was truncated to `size`: mapped pages past the end are unmapped from every
/// address space (the next access raises SIGBUS, as Linux), the partial last page's tail
/// reads as zeros and the cached pages past the end are dropped.
pub fn truncated(inode: &dyn Inode, size: u64) {
    let Some(cf) = existing(inode) else { return };
    let mut seen: Vec<crate::proc::process::Mm> = Vec::new();
    for p in crate::proc::process::all_processes() {
        for t in p.threads() {
            let mm = t.mm();
            if seen.iter().any(|m| Arc::ptr_eq(m, &mm)) {
                continue;
            }
            mm.lock().file_truncated(&cf, size);
            seen.push(mm);
        }
    }
    let mut pages = cf.pages.lock();
    if !size.is_multiple_of(PAGE_SIZE)
        && let Some(p) = pages.get(&(size / PAGE_SIZE))
    {
        let tail = (size % PAGE_SIZE) as usize;
        phys::write_bytes(p.frame + tail as u64, &alloc::vec![0u8; PAGE_SIZE as usize - tail]);
    }
    let doomed: Vec<u64> = pages
        .range(size.div_ceil(PAGE_SIZE)..)
        .filter(|(_, p)| frame::user_refs(p.frame) == 1)
        .map(|(&i, _)| i)
        .collect();
    for i in doomed {
        if let Some(p) = pages.remove(&i) {
            frame::put_user(p.frame);
        }
    }
}

/// `fsync`/`msync` of `inode`: writes its dirty mapped pages back.
pub async fn sync_inode(inode: &dyn Inode) -> Result<()> {
    match existing(inode) {
        Some(cf) => cf.writeback().await,
        None => Ok(()),
    }
}

/// Writes back every dirty page (`sync`, the flusher, shutdown).
pub async fn sync_all() -> Result<()> {
    let files: Vec<Arc<CachedFile>> = FILES.lock().values().cloned().collect();
    let mut result = Ok(());
    for cf in files {
        if cf.has_dirty()
            && let Err(e) = cf.writeback().await
        {
            result = Err(e);
        }
    }
    result
}

/// Drops the caches of files no mapping uses and that have nothing to write back.
/// Returns the number of frames freed.
pub fn shrink() -> usize {
    drop_unused(|_, cf| !cf.has_dirty())
}

/// Before the filesystem `fs_id` is remounted read-only or unmounted: writes its dirty pages
/// back and drops the cached files no mapping uses, so the cache holds no inode of it (an
/// unlinked file must not stay alive, and orphaned, because it is cached).
pub async fn release_fs(fs_id: u64) -> Result<()> {
    let files: Vec<Arc<CachedFile>> =
        FILES.lock().iter().filter(|(k, _)| k.fs_id == fs_id).map(|(_, f)| f.clone()).collect();
    let mut result = Ok(());
    for cf in &files {
        if cf.has_dirty()
            && let Err(e) = cf.writeback().await
        {
            result = Err(e);
        }
    }
    drop(files);
    drop_unused(|k, cf| k.fs_id == fs_id && !cf.has_dirty());
    result
}

/// Drops the cached files that match `pred` and that nothing but the cache holds.
fn drop_unused(pred: impl Fn(&InodeKey, &CachedFile) -> bool) -> usize {
    let victims: Vec<Arc<CachedFile>> = {
        let mut files = FILES.lock();
        let keys: Vec<InodeKey> =
            files.iter().filter(|(k, cf)| Arc::strong_count(cf) == 1 && pred(k, cf)).map(|(k, _)| *k).collect();
        keys.iter().filter_map(|k| files.remove(k)).collect()
    };
    let mut freed = 0;
    for cf in victims {
        freed += cf.pages.lock().len();
        cf.release_all();
    }
    freed
}

/// Drops cached files that were deleted (no links left) and that no mapping uses: their
/// inodes can then be freed by their filesystem.
pub fn drop_deleted() -> usize {
    drop_unused(|_, cf| cf.inode.metadata().nlink == 0 && !cf.has_dirty())
}

/// Cached files, pages and dirty pages (for /proc/meminfo and tests).
pub fn stats() -> (usize, usize, usize) {
    let files = FILES.lock();
    let pages = files.values().map(|cf| cf.pages.lock().len()).sum();
    let dirty = files.values().map(|cf| cf.pages.lock().values().filter(|p| p.dirty).count()).sum();
    (files.len(), pages, dirty)
}

/// Seconds between two runs of the flusher.
const FLUSH_INTERVAL_NS: u64 = 5_000_000_000;

/// Starts the periodic write-back task: every 5 s it writes dirty mapped pages back and
/// syncs every mounted filesystem, then drops caches nobody maps when free memory is below
/// a quarter of RAM.
pub fn spawn_flusher() {
    let spawner = crate::sched::spawner();
    let flusher = spawner.spawn("flusher", async {
        loop {
            let deadline = crate::time::now_ns().saturating_add(FLUSH_INTERVAL_NS);
            crate::sched::spawner().sleep_until(deadline).await;
            let _ = sync_all().await;
            drop_deleted();
            for mount in crate::fsctx::vfs().mounts() {
                let _ = mount.root.sync().await;
            }
            let (total, used) = frame::stats();
            if total - used < total / 4 {
                shrink();
            }
        }
    });
    // The flusher runs for the life of the kernel: its handle is dropped (detached).
    drop(flusher);
}
