//! The buffer cache of one mounted ext4: filesystem blocks read from the
//! [`BlockDevice`] kept in shared [`Buf`]s, with dirty tracking, a bounded
//! size with least-recently-used eviction of clean, unreferenced blocks,
//! multi-block read-ahead, and write-back that coalesces contiguous dirty
//! blocks into one request.
//!
//! It owns the block contents only; it knows nothing of their meaning
//! (checksums are computed by the code that modifies a block, before it
//! marks it dirty). A buffer is only evicted when the cache holds the only
//! reference, so a block somebody is using (the superblock, a group
//! descriptor block, a dirty block) is never read twice into two buffers.
//! No lock is held across an `.await`.

use alloc::{boxed::Box, collections::BTreeMap, sync::Arc, vec, vec::Vec};
use core::sync::atomic::{AtomicBool, Ordering};

use kairos_abi::{Errno, Error, Result};
use spin::Mutex;

use crate::block::{BlockDevice, SECTOR_SIZE};

/// Blocks to write: `(block number, contents)`, sorted.
pub type BlockList = Vec<(u64, Arc<[u8]>)>;

/// Largest single device request the cache issues, in bytes.
const MAX_REQUEST: usize = 1 << 20;

/// One cached filesystem block.
pub struct Buf {
    blk: u64,
    data: Mutex<Box<[u8]>>,
    dirty: AtomicBool,
    meta: AtomicBool,
    checked: AtomicBool,
}

impl Buf {
    /// True once a checksum check of these contents passed (contents this
    /// driver writes always carry a fresh checksum, so it stays true).
    pub fn is_checked(&self) -> bool {
        self.checked.load(Ordering::Relaxed)
    }

    /// Records a passed checksum check.
    pub fn set_checked(&self) {
        self.checked.store(true, Ordering::Relaxed);
    }

    /// The block number.
    pub fn blk(&self) -> u64 {
        self.blk
    }

    /// Runs `f` on the contents.
    pub fn read<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(&self.data.lock())
    }

    /// Runs `f` on the contents for modification (mark the buffer dirty
    /// with [`BlockCache::mark_dirty`] afterwards).
    pub fn write<R>(&self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        f(&mut self.data.lock())
    }

    /// A copy of the contents.
    pub fn snapshot(&self) -> Arc<[u8]> {
        Arc::from(&**self.data.lock())
    }

    /// True if modified since last written.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Relaxed)
    }
}

struct Entry {
    buf: Arc<Buf>,
    tick: u64,
}

struct Inner {
    map: BTreeMap<u64, Entry>,
    /// Access tick → block, oldest first.
    lru: BTreeMap<u64, u64>,
    tick: u64,
    /// Dirty buffers, by block number.
    dirty: BTreeMap<u64, Arc<Buf>>,
}

/// Counters for tests and statistics.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct CacheStats {
    /// Blocks cached now.
    pub cached: usize,
    /// Dirty blocks now.
    pub dirty: usize,
    /// Read requests issued to the device.
    pub device_reads: u64,
    /// Write requests issued to the device.
    pub device_writes: u64,
}

/// The cache. All methods take `&self`.
pub struct BlockCache {
    dev: Arc<dyn BlockDevice>,
    bs: usize,
    nblocks: u64,
    cap: usize,
    inner: Mutex<Inner>,
    stats: Mutex<CacheStats>,
}

impl BlockCache {
    /// A cache of blocks of `bs` bytes over `dev` holding at most about
    /// `cap` clean blocks; `nblocks` bounds valid block numbers.
    pub fn new(dev: Arc<dyn BlockDevice>, bs: usize, nblocks: u64, cap: usize) -> BlockCache {
        BlockCache {
            dev,
            bs,
            nblocks,
            cap: cap.max(16),
            inner: Mutex::new(Inner { map: BTreeMap::new(), lru: BTreeMap::new(), tick: 0, dirty: BTreeMap::new() }),
            stats: Mutex::new(CacheStats::default()),
        }
    }

    /// The block size.
    pub fn block_size(&self) -> usize {
        self.bs
    }

    /// The device.
    pub fn device(&self) -> &Arc<dyn BlockDevice> {
        &self.dev
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        let mut s = *self.stats.lock();
        let inner = self.inner.lock();
        s.cached = inner.map.len();
        s.dirty = inner.dirty.len();
        s
    }

    fn check(&self, blk: u64) -> Result<()> {
        if blk >= self.nblocks {
            log::warn!(target: "ext4", "block {blk} beyond the end of the filesystem");
            return Err(Error::with_msg(Errno::EUCLEAN, "block number out of range"));
        }
        Ok(())
    }

    fn sector(&self, blk: u64) -> u64 {
        blk * (self.bs / SECTOR_SIZE) as u64
    }

    fn lookup(&self, blk: u64) -> Option<Arc<Buf>> {
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        inner.tick += 1;
        let tick = inner.tick;
        let e = inner.map.get_mut(&blk)?;
        inner.lru.remove(&e.tick);
        e.tick = tick;
        inner.lru.insert(tick, blk);
        Some(e.buf.clone())
    }

    /// Inserts `data` for `blk` unless the block is cached already; returns
    /// the cached buffer either way.
    fn insert(&self, blk: u64, data: Box<[u8]>) -> Arc<Buf> {
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(e) = inner.map.get_mut(&blk) {
            inner.lru.remove(&e.tick);
            e.tick = tick;
            inner.lru.insert(tick, blk);
            return e.buf.clone();
        }
        let buf = Arc::new(Buf {
            blk,
            data: Mutex::new(data),
            dirty: AtomicBool::new(false),
            meta: AtomicBool::new(false),
            checked: AtomicBool::new(false),
        });
        inner.map.insert(blk, Entry { buf: buf.clone(), tick });
        inner.lru.insert(tick, blk);
        Self::evict(inner, self.cap);
        buf
    }

    /// Drops least recently used unreferenced clean blocks down to `cap`.
    fn evict(inner: &mut Inner, cap: usize) {
        if inner.map.len() <= cap {
            return;
        }
        let mut excess = inner.map.len() - cap;
        let mut victims = Vec::new();
        for (&tick, &blk) in inner.lru.iter() {
            if excess == 0 {
                break;
            }
            if let Some(e) = inner.map.get(&blk)
                && Arc::strong_count(&e.buf) == 1
            {
                victims.push((tick, blk));
                excess -= 1;
            }
        }
        for (tick, blk) in victims {
            inner.lru.remove(&tick);
            inner.map.remove(&blk);
        }
    }

    /// The block `blk`, read from the device if not cached.
    pub async fn get(&self, blk: u64) -> Result<Arc<Buf>> {
        if let Some(b) = self.lookup(blk) {
            return Ok(b);
        }
        self.check(blk)?;
        let mut data = vec![0u8; self.bs].into_boxed_slice();
        self.dev.read(self.sector(blk), &mut data).await?;
        self.stats.lock().device_reads += 1;
        Ok(self.insert(blk, data))
    }

    /// The block `blk` for overwriting: the cached buffer if there is one,
    /// else a zero-filled buffer (no device read).
    pub fn get_zeroed(&self, blk: u64) -> Result<Arc<Buf>> {
        if let Some(b) = self.lookup(blk) {
            return Ok(b);
        }
        self.check(blk)?;
        Ok(self.insert(blk, vec![0u8; self.bs].into_boxed_slice()))
    }

    /// Reads the blocks `start..start + count` that are not cached yet, one
    /// device request per run of missing blocks.
    pub async fn read_ahead(&self, start: u64, count: u64) -> Result<()> {
        let count = count.min(self.cap as u64 / 2).max(1);
        let end = start.saturating_add(count).min(self.nblocks);
        let mut blk = start;
        let per_req = (MAX_REQUEST / self.bs).max(1) as u64;
        while blk < end {
            if self.inner.lock().map.contains_key(&blk) {
                blk += 1;
                continue;
            }
            let run_start = blk;
            {
                let inner = self.inner.lock();
                while blk < end && blk - run_start < per_req && !inner.map.contains_key(&blk) {
                    blk += 1;
                }
            }
            let n = (blk - run_start) as usize;
            let mut data = vec![0u8; n * self.bs];
            self.dev.read(self.sector(run_start), &mut data).await?;
            self.stats.lock().device_reads += 1;
            for (i, chunk) in data.chunks_exact(self.bs).enumerate() {
                self.insert(run_start + i as u64, Box::from(chunk));
            }
        }
        Ok(())
    }

    /// Records that `buf` was modified; `meta` says whether it holds
    /// metadata (journaled) or file data (written before the journal
    /// commit, ordered mode).
    pub fn mark_dirty(&self, buf: &Arc<Buf>, meta: bool) {
        buf.meta.store(meta, Ordering::Relaxed);
        if !buf.dirty.swap(true, Ordering::Relaxed) {
            self.inner.lock().dirty.insert(buf.blk, buf.clone());
        }
    }

    /// Forgets a freed block: drops it from the cache without writing it.
    pub fn forget(&self, blk: u64) {
        let mut inner = self.inner.lock();
        if let Some(b) = inner.dirty.remove(&blk) {
            b.dirty.store(false, Ordering::Relaxed);
        }
        if let Some(e) = inner.map.remove(&blk) {
            inner.lru.remove(&e.tick);
        }
    }

    /// Number of dirty blocks.
    pub fn dirty_count(&self) -> usize {
        self.inner.lock().dirty.len()
    }

    /// Dirty blocks: `(all, metadata)`.
    pub fn dirty_counts(&self) -> (usize, usize) {
        let inner = self.inner.lock();
        let meta = inner.dirty.values().filter(|b| b.meta.load(Ordering::Relaxed)).count();
        (inner.dirty.len(), meta)
    }

    /// The configured capacity in blocks.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Takes the dirty buffers (clearing their dirty flags), split into
    /// `(data, metadata)` with snapshots of their contents, each sorted by
    /// block number.
    pub fn take_dirty(&self) -> (BlockList, BlockList) {
        let dirty = core::mem::take(&mut self.inner.lock().dirty);
        let (mut data, mut meta) = (Vec::new(), Vec::new());
        for (blk, buf) in dirty {
            buf.dirty.store(false, Ordering::Relaxed);
            let snap = buf.snapshot();
            if buf.meta.load(Ordering::Relaxed) { meta.push((blk, snap)) } else { data.push((blk, snap)) }
        }
        (data, meta)
    }

    /// Writes `blocks` (sorted by block number) to their home locations,
    /// coalescing contiguous runs into single requests.
    pub async fn write_blocks(&self, blocks: &[(u64, Arc<[u8]>)]) -> Result<()> {
        let per_req = (MAX_REQUEST / self.bs).max(1);
        let mut i = 0;
        while i < blocks.len() {
            let mut j = i + 1;
            while j < blocks.len() && j - i < per_req && blocks[j].0 == blocks[j - 1].0 + 1 {
                j += 1;
            }
            if j - i == 1 {
                self.dev.write(self.sector(blocks[i].0), &blocks[i].1, false).await?;
            } else {
                let mut data = Vec::with_capacity((j - i) * self.bs);
                for (_, b) in &blocks[i..j] {
                    data.extend_from_slice(b);
                }
                self.dev.write(self.sector(blocks[i].0), &data, false).await?;
            }
            self.stats.lock().device_writes += 1;
            i = j;
        }
        Ok(())
    }

    /// Puts blocks back on the dirty list after a failed write-back.
    pub fn redirty(&self, blocks: &[(u64, Arc<[u8]>)]) {
        for (blk, _) in blocks {
            if let Some(b) = self.lookup(*blk) {
                let meta = b.meta.load(Ordering::Relaxed);
                self.mark_dirty(&b, meta);
            }
        }
    }

    /// Drops every clean, unreferenced block (after a journal replay wrote
    /// behind the cache's back).
    pub fn invalidate_clean(&self) {
        let mut inner = self.inner.lock();
        Self::evict(&mut inner, 0);
    }
}
