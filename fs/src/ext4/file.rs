//! [`Ext4Inode`]: one in-memory ext4 inode and the VFS [`Inode`]
//! implementation over it — file data (read-ahead over contiguous extents,
//! writes allocating contiguous runs), directories (lookup, readdir with
//! stable offsets — hash positions for hashed directories, see `htree`,
//! byte positions otherwise — create/link/unlink/rmdir/rename with
//! Linux's rules), symlinks, device nodes, attributes, extended attributes
//! (in the inode's extra space, then the external block; see `xattr`).
//!
//! State: the inode's on-disk bytes ([`RawInode`]) are kept in memory and
//! are authoritative; async operations write them to the inode table in the
//! buffer cache as they change them. `setattr` is synchronous in the VFS,
//! so it changes the in-memory copy, queues the inode for write-back, and a
//! size decrease is recorded as a *truncate floor*: bytes past it read as
//! zeros at once, and the blocks are freed by the next async operation on
//! the filesystem (write, sync, any namespace change). Fields are updated
//! in short spin-locked sections, never held across an `.await`, so a
//! concurrent `setattr` is not lost.
//!
//! An unlinked inode (nlink 0) is put on the orphan list and freed when its
//! last `Arc` is dropped (queued to the filesystem, done under its lock).

use alloc::{
    boxed::Box,
    string::String,
    sync::{Arc, Weak},
    vec,
    vec::Vec,
};
use core::sync::atomic::{AtomicBool, Ordering};

use kairos_abi::{
    Errno, Error, Result,
    flags::{RenameFlags, S_IFMT},
    types::{StatFs, Timespec},
};
use spin::Mutex;

use super::{
    Ext4, ROOT_INO, blockmap,
    dir::{self, Rec},
    disk::{compat, corrupt, le16, le32, set32},
    extent::{self, Extent, Mapping},
    htree::{ChainCookies, DxFind},
    inode::{EXTENTS_FL, INDEX_FL, INLINE_DATA_FL, RawInode, Time},
    xattr::{self, Xattr},
};
use crate::vfs::{
    BoxFuture, DirEntry, FileType, Inode, Metadata, NAME_MAX, SetAttr, TimeSet, XATTR_CREATE, XATTR_NAME_MAX,
    XATTR_REPLACE, XATTR_SIZE_MAX, XattrNamespace, xattr_namespace,
};

/// Hard link limit (`EXT4_LINK_MAX`).
const LINK_MAX: u16 = 65000;
/// Largest logical block + 1 an extent-mapped file may use.
const MAX_EXTENT_BLOCKS: u64 = 1 << 32;

fn err(e: Errno) -> Error {
    Error::new(e)
}

/// Checks an existing entry's name.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(err(Errno::ENOENT));
    }
    if name.len() > NAME_MAX {
        return Err(err(Errno::ENAMETOOLONG));
    }
    if name.contains(['/', '\0']) {
        return Err(err(Errno::EINVAL));
    }
    Ok(())
}

/// Checks a new entry's name; `.`/`..` fail with `dot`.
fn check_new_name(name: &str, dot: Errno) -> Result<()> {
    check_name(name)?;
    if name == "." || name == ".." {
        return Err(err(dot));
    }
    Ok(())
}

struct State {
    raw: RawInode,
    /// Bytes at or past this offset read as zeros until the deferred
    /// truncate frees them.
    trunc_floor: Option<u64>,
}

/// One inode of a mounted [`Ext4`].
pub struct Ext4Inode {
    pub(super) fs: Arc<Ext4>,
    ino: u32,
    kind: FileType,
    this: Weak<Ext4Inode>,
    st: Mutex<State>,
    /// Freed on disk (or being freed): the drop must not queue it again.
    freed: AtomicBool,
    /// `readdir` cookies issued inside hash-collision chains.
    pub(super) chain_cookies: Mutex<ChainCookies>,
    /// Bumped whenever a block of this directory changes ([`Ext4Inode::seal_dir_block`]).
    pub(super) dir_version: core::sync::atomic::AtomicU64,
    /// The last hash-ordered listing read from disk, reused by the next `readdir` calls
    /// while the directory is unchanged (one entry per call would otherwise re-read and
    /// re-hash a whole leaf for every entry).
    pub(super) dx_list_cache: Mutex<Option<super::htree::DxListCache>>,
}

/// An entry of an inline directory: `(offset, ino, ftype, name)`.
type InlineEntry = (u64, u32, u8, Vec<u8>);

/// A place in a directory.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    pub(super) lblk: u64,
    pub(super) rec: Rec,
}

impl Drop for Ext4Inode {
    fn drop(&mut self) {
        let raw = &self.st.get_mut().raw;
        let unlinked = raw.links() == 0 && raw.mode() != 0 && !self.freed.load(Ordering::Relaxed);
        self.fs.inode_dropped(self.ino, self as *const Ext4Inode, unlinked);
    }
}

impl Ext4Inode {
    pub(super) fn new(fs: Arc<Ext4>, ino: u32, raw: RawInode) -> Result<Arc<Ext4Inode>> {
        let kind = FileType::from_mode(raw.mode() as u32).ok_or_else(|| {
            log::warn!(target: "ext4", "inode {ino}: invalid mode {:#o}", raw.mode());
            corrupt("invalid inode mode")
        })?;
        Ok(Arc::new_cyclic(|this| Ext4Inode {
            fs,
            ino,
            kind,
            this: this.clone(),
            st: Mutex::new(State { raw, trunc_floor: None }),
            freed: AtomicBool::new(false),
            chain_cookies: Mutex::new(ChainCookies::default()),
            dir_version: core::sync::atomic::AtomicU64::new(0),
            dx_list_cache: Mutex::new(None),
        }))
    }

    pub(super) fn ino32(&self) -> u32 {
        self.ino
    }

    fn arc(&self) -> Arc<Ext4Inode> {
        self.this.upgrade().expect("ext4 inode used during drop")
    }

    fn raw(&self) -> RawInode {
        self.st.lock().raw.clone()
    }

    pub(super) fn with_raw<R>(&self, f: impl FnOnce(&mut RawInode) -> R) -> R {
        f(&mut self.st.lock().raw)
    }

    pub(super) fn nlink_raw(&self) -> u16 {
        self.st.lock().raw.links()
    }

    pub(super) fn mark_freed(&self) {
        self.freed.store(true, Ordering::Relaxed);
    }

    pub(super) fn orphan_next(&self) -> u32 {
        self.st.lock().raw.dtime()
    }

    pub(super) async fn set_orphan_next(&self, next: u32) -> Result<()> {
        self.with_raw(|r| r.set_dtime(next));
        self.flush_raw().await
    }

    pub(super) fn clear_orphan_link(&self) {
        self.with_raw(|r| r.set_dtime(0));
    }

    /// Writes the in-memory inode to the inode table.
    pub(super) async fn flush_raw(&self) -> Result<()> {
        let mut raw = self.raw();
        self.fs.write_inode_raw(self.ino, &mut raw).await
    }

    fn seed(&self) -> u32 {
        if self.fs.g.csum {
            RawInode::csum_seed(self.fs.g.csum_seed, self.ino, self.st.lock().raw.generation())
        } else {
            0
        }
    }

    pub(super) fn bs(&self) -> u64 {
        self.fs.g.bs as u64
    }

    fn check_writable(&self) -> Result<()> {
        if self.fs.read_only() { Err(err(Errno::EROFS)) } else { Ok(()) }
    }

    fn touch(&self, times: &[Time]) {
        let now = self.fs.now();
        self.with_raw(|r| times.iter().for_each(|&t| r.set_time(t, now)));
    }

    pub(super) fn is_inline(&self) -> bool {
        self.st.lock().raw.flags() & INLINE_DATA_FL != 0
    }

    /// True if `i_block` holds a block map or extent tree (not a fast
    /// symlink, device number or inline data).
    fn has_block_tree(raw: &RawInode, kind: FileType) -> bool {
        if raw.flags() & INLINE_DATA_FL != 0 {
            return false;
        }
        match kind {
            FileType::Regular | FileType::Directory => true,
            FileType::Symlink => !is_fast_symlink(raw),
            _ => false,
        }
    }

    fn max_file_blocks(&self, raw: &RawInode) -> u64 {
        if raw.flags() & EXTENTS_FL != 0 {
            MAX_EXTENT_BLOCKS
        } else {
            let per = self.bs() / 4;
            12 + per + per * per + per * per * per
        }
    }

    /// Largest file size (`EFBIG` past it).
    fn max_size(&self) -> u64 {
        let raw = self.st.lock().raw.clone();
        (self.max_file_blocks(&raw).saturating_mul(self.bs())).min(i64::MAX as u64)
    }

    // ------------------------------------------------------------------
    // Block mapping
    // ------------------------------------------------------------------

    pub(super) async fn map(&self, lblk: u64) -> Result<Mapping> {
        let (root, flags) = {
            let st = self.st.lock();
            (st.raw.i_block(), st.raw.flags())
        };
        if flags & EXTENTS_FL != 0 {
            if lblk >= MAX_EXTENT_BLOCKS {
                return Ok(Mapping::Hole(1));
            }
            extent::map(&self.fs, self.seed(), &root, lblk as u32).await
        } else {
            blockmap::map(&self.fs, &root, lblk).await
        }
    }

    fn add_blocks(&self, delta: i64) {
        let (huge, bs) = (self.fs.g.huge_file, self.fs.g.bs);
        let per = (bs / 512) as i64;
        self.with_raw(|r| {
            let cur = r.blocks_512(huge, bs) as i64;
            r.set_blocks_512((cur + delta * per).max(0) as u64, huge, bs);
        });
    }

    /// Makes `[first, first + count)` mapped and written; returns the runs
    /// `(lblk, pblk, len, fresh)` covering it (fresh: newly allocated or
    /// previously unwritten, contents undefined → zero before use). On
    /// `ENOSPC` part way, returns the runs done so far if there are any.
    pub(super) async fn ensure_mapped(&self, first: u64, count: u64) -> Result<Vec<(u64, u64, u64, bool)>> {
        if self.st.lock().raw.flags() & EXTENTS_FL != 0 {
            self.ensure_mapped_extents(first, count).await
        } else {
            self.ensure_mapped_blockmap(first, count).await
        }
    }

    fn goal_for(&self, prev: Option<u64>) -> u64 {
        match prev {
            Some(p) => p + 1,
            None => {
                let group = (self.ino - 1) / self.fs.g.inodes_per_group;
                self.fs.g.group_first_block(group)
            }
        }
    }

    async fn ensure_mapped_extents(&self, first: u64, count: u64) -> Result<Vec<(u64, u64, u64, bool)>> {
        let seed = self.seed();
        let mut root = self.st.lock().raw.i_block();
        let (mut list, nodes) = extent::collect(&self.fs, seed, &root).await?;
        let end = first + count;
        let mut runs = Vec::new();
        let mut new_extents: Vec<Extent> = Vec::new();
        let mut allocated = 0u64;
        let mut pos = first;
        let mut failure = None;
        let mut changed = false;
        // Walk the range against the sorted list.
        while pos < end {
            let idx = list.partition_point(|e| e.end() <= pos);
            let cover = list.get(idx).filter(|e| (e.lblk as u64) <= pos).copied();
            match cover {
                Some(e) if !e.unwritten => {
                    let n = (e.end().min(end)) - pos;
                    runs.push((pos, e.pblk + (pos - e.lblk as u64), n, false));
                    pos += n;
                }
                Some(e) => {
                    // Unwritten: split into [before][written part][after].
                    let n = (e.end().min(end)) - pos;
                    let off = pos - e.lblk as u64;
                    let mut parts = Vec::new();
                    if off > 0 {
                        parts.push(Extent { lblk: e.lblk, len: off as u32, pblk: e.pblk, unwritten: true });
                    }
                    parts.push(Extent { lblk: pos as u32, len: n as u32, pblk: e.pblk + off, unwritten: false });
                    if off + n < e.len as u64 {
                        parts.push(Extent {
                            lblk: (pos + n) as u32,
                            len: (e.len as u64 - off - n) as u32,
                            pblk: e.pblk + off + n,
                            unwritten: true,
                        });
                    }
                    list.splice(idx..idx + 1, parts);
                    runs.push((pos, e.pblk + off, n, true));
                    changed = true;
                    pos += n;
                }
                None => {
                    let next_start = list.get(idx).map_or(u64::MAX, |e| e.lblk as u64);
                    let hole_end = end.min(next_start);
                    let prev = runs.last().map(|&(_, p, n, _): &(u64, u64, u64, bool)| p + n - 1).or_else(|| {
                        list.get(idx.wrapping_sub(1)).map(|e: &Extent| e.pblk + e.len as u64 - 1 + (pos - e.end()))
                    });
                    let want = (hole_end - pos).min(extent::MAX_INIT_LEN as u64);
                    match self.fs.alloc_blocks(self.goal_for(prev), want).await {
                        Ok((p, n)) => {
                            allocated += n;
                            new_extents.push(Extent { lblk: pos as u32, len: n as u32, pblk: p, unwritten: false });
                            runs.push((pos, p, n, true));
                            changed = true;
                            pos += n;
                        }
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        if changed {
            list.extend(new_extents);
            list.sort_unstable_by_key(|e| e.lblk);
            extent::normalize(&mut list);
            let old_count = nodes.len() as i64;
            let goal = list.first().map_or(self.goal_for(None), |e| e.pblk);
            match extent::store(&self.fs, seed, &mut root, &list, nodes, goal).await {
                Ok(written) => {
                    self.with_raw(|r| r.set_i_block(&root));
                    self.add_blocks(allocated as i64 + written.len() as i64 - old_count);
                }
                Err(e) => {
                    // Give the data blocks back; the old tree is intact.
                    for &(l, p, n, fresh) in &runs {
                        let _ = l;
                        if fresh && !list.iter().any(|x| x.unwritten && x.pblk <= p && p < x.pblk + x.len as u64) {
                            let _ = self.fs.free_blocks(p, n).await;
                        }
                    }
                    return Err(e);
                }
            }
        }
        match failure {
            Some(e) if runs.is_empty() => Err(e),
            _ => Ok(runs),
        }
    }

    async fn ensure_mapped_blockmap(&self, first: u64, count: u64) -> Result<Vec<(u64, u64, u64, bool)>> {
        let mut runs: Vec<(u64, u64, u64, bool)> = Vec::new();
        let mut pos = first;
        let end = first + count;
        while pos < end {
            match self.map(pos).await? {
                Mapping::Mapped(p, n) => {
                    let n = n.min(end - pos);
                    runs.push((pos, p, n, false));
                    pos += n;
                }
                _ => {
                    let prev = runs.last().map(|&(_, p, n, _)| p + n - 1);
                    let r = self.blockmap_alloc(pos, self.goal_for(prev)).await;
                    match r {
                        Ok(p) => {
                            runs.push((pos, p, 1, true));
                            pos += 1;
                        }
                        Err(e) if runs.is_empty() => return Err(e),
                        Err(_) => break,
                    }
                }
            }
        }
        Ok(runs)
    }

    /// Allocates a data block for logical block `lblk` of a block-mapped
    /// inode, and any indirect blocks on the way.
    async fn blockmap_alloc(&self, lblk: u64, goal: u64) -> Result<u64> {
        let per = self.bs() / 4;
        let mut root = self.st.lock().raw.i_block();
        if lblk >= self.max_file_blocks(&self.raw()) {
            return Err(err(Errno::EFBIG));
        }
        let (data, _) = self.fs.alloc_blocks(goal, 1).await?;
        let mut extra = 0i64;
        if lblk < 12 {
            set32(&mut root, 4 * lblk as usize, data as u32);
        } else {
            let mut rest = lblk - 12;
            let mut level = 1u32;
            let mut span = per;
            while rest >= span {
                rest -= span;
                level += 1;
                span *= per;
            }
            let slot = 48 + 4 * (level as usize - 1);
            let mut blk = le32(&root, slot) as u64;
            if blk == 0 {
                blk = self.new_indirect(data).await?;
                extra += 1;
                set32(&mut root, slot, blk as u32);
            }
            for l in (0..level).rev() {
                let sub = per.pow(l);
                let idx = (rest / sub) as usize;
                rest %= sub;
                let buf = self.fs.cache.get(blk).await?;
                if l == 0 {
                    buf.write(|d| set32(d, 4 * idx, data as u32));
                    self.fs.cache.mark_dirty(&buf, true);
                } else {
                    let mut child = buf.read(|d| le32(d, 4 * idx)) as u64;
                    if child == 0 {
                        child = self.new_indirect(data).await?;
                        extra += 1;
                        buf.write(|d| set32(d, 4 * idx, child as u32));
                        self.fs.cache.mark_dirty(&buf, true);
                    }
                    blk = child;
                }
            }
        }
        self.with_raw(|r| r.set_i_block(&root));
        self.add_blocks(1 + extra);
        Ok(data)
    }

    async fn new_indirect(&self, goal: u64) -> Result<u64> {
        let (b, _) = self.fs.alloc_blocks(goal, 1).await?;
        let buf = self.fs.cache.get_zeroed(b)?;
        buf.write(|d| d.fill(0));
        self.fs.cache.mark_dirty(&buf, true);
        Ok(b)
    }

    /// Frees every block mapped at or past logical block `from`.
    async fn free_from(&self, from: u64) -> Result<()> {
        let raw = self.raw();
        if !Self::has_block_tree(&raw, self.kind) {
            return Ok(());
        }
        let mut root = raw.i_block();
        if raw.flags() & EXTENTS_FL != 0 {
            let seed = self.seed();
            let (mut list, nodes) = extent::collect(&self.fs, seed, &root).await?;
            let mut to_free: Vec<(u64, u64)> = Vec::new();
            let mut changed = false;
            for e in list.iter_mut() {
                if e.end() <= from {
                    continue;
                }
                changed = true;
                if (e.lblk as u64) >= from {
                    to_free.push((e.pblk, e.len as u64));
                    e.len = 0;
                } else {
                    let keep = from - e.lblk as u64;
                    to_free.push((e.pblk + keep, e.len as u64 - keep));
                    e.len = keep as u32;
                }
            }
            if !changed {
                return Ok(());
            }
            list.retain(|e| e.len > 0);
            let old_nodes = nodes.len() as i64;
            let goal = list.first().map_or(self.goal_for(None), |e| e.pblk);
            let written = extent::store(&self.fs, seed, &mut root, &list, nodes, goal).await?;
            let mut freed = 0u64;
            for (p, n) in to_free {
                self.fs.free_blocks(p, n).await?;
                freed += n;
            }
            self.with_raw(|r| r.set_i_block(&root));
            self.add_blocks(written.len() as i64 - old_nodes - freed as i64);
        } else {
            let freed = blockmap::truncate(&self.fs, &mut root, from).await?;
            for &b in &freed {
                self.fs.free_blocks(b, 1).await?;
            }
            self.with_raw(|r| r.set_i_block(&root));
            self.add_blocks(-(freed.len() as i64));
        }
        Ok(())
    }

    /// Completes a deferred truncate: frees blocks past the floor and
    /// zeroes the rest of its last block.
    pub(super) async fn apply_pending_truncate(&self) -> Result<()> {
        let floor = self.st.lock().trunc_floor.take();
        let Some(floor) = floor else { return Ok(()) };
        if self.kind != FileType::Regular || self.is_inline() {
            return Ok(());
        }
        let bs = self.bs();
        if let Err(e) = self.free_from(floor.div_ceil(bs)).await {
            self.st.lock().trunc_floor = Some(floor);
            return Err(e);
        }
        if floor % bs != 0
            && let Mapping::Mapped(p, _) = self.map(floor / bs).await?
        {
            let buf = self.fs.cache.get(p).await?;
            buf.write(|d| d[(floor % bs) as usize..].fill(0));
            self.fs.cache.mark_dirty(&buf, false);
        }
        self.flush_raw().await
    }

    /// Frees blocks past the size (orphan recovery of a crashed truncate).
    pub(super) async fn truncate_blocks_past_size(&self) -> Result<()> {
        if self.kind != FileType::Regular {
            return Ok(());
        }
        let size = self.st.lock().raw.size();
        self.st.lock().trunc_floor = Some(size);
        self.apply_pending_truncate().await
    }

    // ------------------------------------------------------------------
    // Data
    // ------------------------------------------------------------------

    /// Inline data (`i_block` then the `system.data` xattr).
    fn inline_bytes(&self) -> Result<Vec<u8>> {
        let raw = self.raw();
        let mut data = raw.i_block().to_vec();
        for x in xattr::parse_inode(&raw.b, raw.extra_isize())? {
            if x.name == "system.data" {
                data.extend_from_slice(&x.value);
            }
        }
        Ok(data)
    }

    async fn read_data(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let (size, floor) = {
            let st = self.st.lock();
            (st.raw.size(), st.trunc_floor.unwrap_or(u64::MAX))
        };
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(size - offset) as usize;
        if self.is_inline() {
            let data = self.inline_bytes()?;
            for (i, b) in buf[..n].iter_mut().enumerate() {
                let p = offset + i as u64;
                *b = if p >= floor { 0 } else { data.get(p as usize).copied().unwrap_or(0) };
            }
            return Ok(n);
        }
        let bs = self.bs();
        let mut done = 0usize;
        while done < n {
            let pos = offset + done as u64;
            let lblk = pos / bs;
            let in_blk = (pos % bs) as usize;
            let m = self.map(lblk).await?;
            let (run, pblk) = match m {
                Mapping::Mapped(p, len) => (len, Some(p)),
                Mapping::Hole(len) | Mapping::Unwritten(len) => (len, None),
            };
            let want_blocks = ((n - done) as u64 + in_blk as u64).div_ceil(bs);
            let run = run.min(want_blocks).max(1);
            if let Some(p) = pblk
                && run > 1
            {
                self.fs.cache.read_ahead(p, run).await?;
            }
            for k in 0..run {
                if done >= n {
                    break;
                }
                let pos = offset + done as u64;
                let in_blk = (pos % bs) as usize;
                let len = (bs as usize - in_blk).min(n - done);
                let dst = &mut buf[done..done + len];
                match pblk {
                    Some(p) => {
                        let b = self.fs.cache.get(p + k).await?;
                        b.read(|d| dst.copy_from_slice(&d[in_blk..in_blk + len]));
                    }
                    None => dst.fill(0),
                }
                // Past a pending truncate: zeros.
                if pos + len as u64 > floor {
                    let z = floor.saturating_sub(pos) as usize;
                    dst[z.min(len)..].fill(0);
                }
                done += len;
            }
        }
        Ok(n)
    }

    fn touch_atime(&self) {
        const DAY: i64 = 24 * 60 * 60;
        if !self.fs.atime_enabled() || self.freed.load(Ordering::Relaxed) {
            return;
        }
        let now = self.fs.now();
        let stale = {
            let st = self.st.lock();
            let (a, m, c) = (st.raw.time(Time::A), st.raw.time(Time::M), st.raw.time(Time::C));
            match (a, m, c) {
                (Some(a), Some(m), Some(c)) => a <= m || a <= c || now.tv_sec - a.tv_sec >= DAY,
                _ => false,
            }
        };
        if stale {
            self.with_raw(|r| r.set_time(Time::A, now));
            self.fs.mark_inode_dirty(self.arc());
        }
    }

    async fn write_data(&self, offset: u64, data: &[u8]) -> Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let max = self.max_size();
        if offset >= max {
            return Err(err(Errno::EFBIG));
        }
        let len = (data.len() as u64).min(max - offset) as usize;
        let data = &data[..len];
        self.apply_pending_truncate().await?;
        if self.is_inline() {
            // Filesystems with inline data are mounted read-only.
            return Err(err(Errno::EROFS));
        }
        let bs = self.bs();
        let first = offset / bs;
        let last = (offset + len as u64 - 1) / bs;
        let runs = self.ensure_mapped(first, last - first + 1).await?;
        let mut written = 0usize;
        for (lblk, pblk, n, fresh) in runs {
            for k in 0..n {
                let l = lblk + k;
                let blk_start = l * bs;
                let from = offset.max(blk_start);
                let to = (offset + len as u64).min(blk_start + bs);
                if from >= to {
                    continue;
                }
                let whole = from == blk_start && to == blk_start + bs;
                let buf = if fresh || whole {
                    let b = self.fs.cache.get_zeroed(pblk + k)?;
                    if fresh && !whole {
                        b.write(|d| d.fill(0));
                    }
                    b
                } else {
                    self.fs.cache.get(pblk + k).await?
                };
                let src = &data[(from - offset) as usize..(to - offset) as usize];
                buf.write(|d| d[(from - blk_start) as usize..(to - blk_start) as usize].copy_from_slice(src));
                self.fs.cache.mark_dirty(&buf, self.kind != FileType::Regular);
                written = written.max((to - offset) as usize);
            }
        }
        if written == 0 {
            return Err(err(Errno::ENOSPC));
        }
        let now = self.fs.now();
        self.with_raw(|r| {
            if offset + written as u64 > r.size() {
                r.set_size(offset + written as u64);
            }
            r.set_time(Time::M, now);
            r.set_time(Time::C, now);
        });
        self.flush_raw().await?;
        Ok(written)
    }

    // ------------------------------------------------------------------
    // Directories
    // ------------------------------------------------------------------

    pub(super) fn dir_blocks(&self) -> u64 {
        self.st.lock().raw.size() / self.bs()
    }

    pub(super) fn is_indexed(&self) -> bool {
        self.st.lock().raw.flags() & INDEX_FL != 0
    }

    /// Block `lblk` of this directory, checksum-verified, or `None` for a
    /// hole.
    pub(super) async fn dir_block(&self, lblk: u64) -> Result<Option<Arc<super::bcache::Buf>>> {
        let p = match self.map(lblk).await? {
            Mapping::Mapped(p, _) => p,
            _ => return Ok(None),
        };
        let buf = self.fs.cache.get(p).await?;
        if self.fs.g.csum && !buf.is_checked() {
            let seed = self.seed();
            let indexed = self.is_indexed();
            if !buf.read(|d| dir::verify(seed, d, indexed, lblk == 0)) {
                log::warn!(target: "ext4", "directory {} block {lblk}: bad checksum", self.ino);
                return Err(corrupt("directory block checksum"));
            }
            buf.set_checked();
        }
        Ok(Some(buf))
    }

    pub(super) fn block_limit(block: &[u8]) -> usize {
        if dir::has_tail(block) { block.len() - dir::TAIL_LEN } else { block.len() }
    }

    pub(super) fn parse_block(&self, block: &[u8]) -> Result<Vec<Rec>> {
        dir::records(block, Self::block_limit(block), self.fs.g.filetype)
    }

    /// Recomputes the checksum of a modified directory block.
    pub(super) fn seal_dir_block(&self, lblk: u64, buf: &Arc<super::bcache::Buf>) {
        self.dir_version.fetch_add(1, Ordering::AcqRel);
        if self.fs.g.csum {
            let seed = self.seed();
            let indexed = self.is_indexed();
            buf.write(|d| {
                if dir::has_tail(d) {
                    dir::set_tail(seed, d);
                } else if indexed && let Some(off) = dir::dx_count_offset(d, lblk == 0) {
                    let limit = le16(d, off) as usize;
                    let count = le16(d, off + 2) as usize;
                    let tail = off + limit * 8;
                    if count <= limit && tail + 8 <= d.len() {
                        let mut c = super::disk::crc32c(seed, &d[..off + count * 8]);
                        c = super::disk::crc32c(c, &d[tail..tail + 4]);
                        c = super::disk::crc32c(c, &[0; 4]);
                        set32(d, tail + 4, c);
                    }
                }
            });
            buf.set_checked();
        }
        self.fs.cache.mark_dirty(buf, true);
    }

    /// The entries of an inline directory: `(offset, ino, ftype, name)`,
    /// offsets 2.. (0 and 1 are `.` and `..`); and the parent.
    fn inline_dir(&self) -> Result<(u32, Vec<InlineEntry>)> {
        let data = self.inline_bytes()?;
        let parent = le32(&data, 0);
        let mut out = Vec::new();
        let ft = self.fs.g.filetype;
        for (base, region) in [(4usize, &data[4..60]), (60, &data[60..])] {
            if region.is_empty() {
                continue;
            }
            for r in dir::records(region, region.len(), ft)? {
                if r.ino != 0 {
                    out.push(((base + r.pos) as u64, r.ino, r.ftype, r.name(region).to_vec()));
                }
            }
        }
        Ok((parent, out))
    }

    /// Finds `name`.
    async fn find(&self, name: &str) -> Result<Option<Slot>> {
        if self.is_inline() {
            let (_, entries) = self.inline_dir()?;
            return Ok(entries.into_iter().find(|e| e.3 == name.as_bytes()).map(|(pos, ino, ftype, n)| Slot {
                lblk: u64::MAX,
                rec: Rec { pos: pos as usize, ino, rec_len: 0, name_len: n.len(), ftype },
            }));
        }
        let dots = name == "." || name == "..";
        if self.is_dx() && !dots {
            match self.dx_find(name.as_bytes()).await? {
                DxFind::Found(slot) => return Ok(Some(slot)),
                DxFind::Absent => return Ok(None),
                DxFind::BadIndex => {}
            }
        }
        // `.` and `..` are in block 0.
        let nb = if dots { self.dir_blocks().min(1) } else { self.dir_blocks() };
        for lblk in 0..nb {
            let Some(buf) = self.dir_block(lblk).await? else { continue };
            let hit = buf.read(|d| -> Result<Option<Rec>> {
                Ok(self.parse_block(d)?.into_iter().find(|r| r.ino != 0 && r.name(d) == name.as_bytes()))
            })?;
            if let Some(rec) = hit {
                return Ok(Some(Slot { lblk, rec }));
            }
        }
        Ok(None)
    }

    pub(super) fn check_entry_ino(&self, ino: u32) -> Result<()> {
        if ino == 0 || ino > self.fs.g.inodes_count {
            log::warn!(target: "ext4", "directory {}: entry points to bad inode {ino}", self.ino);
            return Err(corrupt("directory entry inode out of range"));
        }
        Ok(())
    }

    /// Turns an indexed directory into a linear one (see `dir`).
    async fn linearize(&self) -> Result<()> {
        if !self.is_indexed() {
            return Ok(());
        }
        let csum = self.fs.g.csum;
        let ft = self.fs.g.filetype;
        // Collect the index nodes: the root and its interior nodes.
        let root = self.dir_block(0).await?.ok_or(corrupt("indexed directory without block 0"))?;
        let (levels, children) = root.read(|d| {
            let (_, levels) = dir::dx_root_info(d);
            let off = dir::dx_count_offset(d, true).unwrap_or(0x20);
            (levels, dir::dx_children(d, off))
        });
        let mut interior: Vec<u64> = Vec::new();
        let mut frontier: Vec<u32> = children;
        for _ in 0..levels.min(3) {
            let mut next = Vec::new();
            for lb in frontier {
                if (lb as u64) >= self.dir_blocks() || interior.contains(&(lb as u64)) {
                    continue;
                }
                interior.push(lb as u64);
                if let Some(b) = self.dir_block(lb as u64).await? {
                    next.extend(b.read(|d| dir::dx_children(d, 8)));
                }
            }
            frontier = next;
        }
        root.write(|d| dir::linearize_block(d, true, csum, ft));
        for &lb in &interior {
            if let Some(b) = self.dir_block(lb).await? {
                b.write(|d| dir::linearize_block(d, false, csum, ft));
            }
        }
        self.with_raw(|r| r.set_flags(r.flags() & !INDEX_FL));
        self.seal_dir_block(0, &root);
        for &lb in &interior {
            if let Some(b) = self.dir_block(lb).await? {
                self.seal_dir_block(lb, &b);
            }
        }
        self.flush_raw().await
    }

    /// Adds `name → ino` as Linux's `ext4_add_entry`: through the index of
    /// an indexed directory; otherwise into the first block with room, a
    /// full one-block directory becoming indexed (`dir_index`), a longer
    /// one growing by a block.
    async fn add_entry(&self, name: &str, ino: u32, kind: FileType) -> Result<()> {
        let (csum, ft) = (self.fs.g.csum, self.fs.g.filetype);
        let ftype = if ft { dir::ftype_of(kind) } else { 0 };
        let mut dx_fallback = false;
        if self.is_dx() {
            if self.dx_add_entry(name.as_bytes(), ino, ftype).await? {
                return Ok(());
            }
            if csum {
                log::warn!(target: "ext4", "directory {}: corrupted htree index", self.ino);
                return Err(corrupt("directory has a corrupted htree index"));
            }
            self.linearize().await?;
            dx_fallback = true;
        }
        let nb = self.dir_blocks();
        for lblk in 0..nb {
            let Some(buf) = self.dir_block(lblk).await? else { continue };
            let done = buf.write(|d| {
                let limit = Self::block_limit(d);
                dir::insert(d, limit, name.as_bytes(), ino, ftype, ft)
            })?;
            if done.is_some() {
                self.seal_dir_block(lblk, &buf);
                return Ok(());
            }
            if nb == 1
                && !dx_fallback
                && self.fs.g.dir_index
                && !self.is_indexed()
                && self.make_indexed(name.as_bytes(), ino, ftype).await?
            {
                return Ok(());
            }
        }
        // A new block.
        if (self.dir_blocks() + 1) * self.bs() > u32::MAX as u64 {
            return Err(err(Errno::ENOSPC));
        }
        let nb = self.dir_blocks();
        let runs = self.ensure_mapped(nb, 1).await?;
        let &(_, p, _, _) = runs.first().ok_or(err(Errno::ENOSPC))?;
        let buf = self.fs.cache.get_zeroed(p)?;
        buf.write(|d| -> Result<()> {
            dir::init_empty(d, csum);
            let limit = Self::block_limit(d);
            dir::insert(d, limit, name.as_bytes(), ino, ftype, ft)?;
            Ok(())
        })?;
        self.seal_dir_block(nb, &buf);
        self.with_raw(|r| r.set_size((nb + 1) * self.fs.g.bs as u64));
        Ok(())
    }

    /// Removes the entry at `slot` (leaves of an indexed directory are
    /// edited in place; they are never merged, as in Linux).
    async fn remove_slot(&self, slot: Slot) -> Result<()> {
        let buf = self.dir_block(slot.lblk).await?.ok_or(corrupt("directory block vanished"))?;
        let ft = self.fs.g.filetype;
        buf.write(|d| {
            let limit = Self::block_limit(d);
            dir::remove(d, limit, slot.rec.pos, ft)
        })?;
        self.seal_dir_block(slot.lblk, &buf);
        Ok(())
    }

    async fn retarget_slot(&self, slot: Slot, ino: u32, kind: FileType) -> Result<()> {
        let buf = self.dir_block(slot.lblk).await?.ok_or(corrupt("directory block vanished"))?;
        let ft = self.fs.g.filetype;
        buf.write(|d| dir::retarget(d, slot.rec.pos, ino, dir::ftype_of(kind), ft));
        self.seal_dir_block(slot.lblk, &buf);
        Ok(())
    }

    /// The `..` record (block 0, second record).
    async fn dotdot_slot(&self) -> Result<Slot> {
        let buf = self.dir_block(0).await?.ok_or(corrupt("directory without block 0"))?;
        let recs = buf.read(|d| self.parse_block(d))?;
        let rec = recs.get(1).copied().ok_or(corrupt("directory without .."))?;
        if buf.read(|d| rec.name(d) != b"..") {
            return Err(corrupt("second directory record is not .."));
        }
        Ok(Slot { lblk: 0, rec })
    }

    async fn parent_ino(&self) -> Result<u32> {
        if self.ino == ROOT_INO {
            return Ok(ROOT_INO);
        }
        if self.is_inline() {
            return Ok(self.inline_dir()?.0);
        }
        Ok(self.dotdot_slot().await?.rec.ino)
    }

    async fn is_empty_dir(&self) -> Result<bool> {
        if self.is_inline() {
            return Ok(self.inline_dir()?.1.is_empty());
        }
        let nb = self.dir_blocks();
        for lblk in 0..nb {
            let Some(buf) = self.dir_block(lblk).await? else { continue };
            let nonempty = buf.read(|d| -> Result<bool> {
                Ok(self.parse_block(d)?.iter().any(|r| r.ino != 0 && r.name(d) != b"." && r.name(d) != b".."))
            })?;
            if nonempty {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn is_removed(&self) -> bool {
        self.st.lock().raw.links() == 0
    }

    /// `readdir` at cookie `offset`: a hash position for directories
    /// listed in hash order (see `htree`), else the byte position (block *
    /// bs + offset in block).
    async fn readdir_at(&self, offset: u64) -> Result<Option<(DirEntry, u64)>> {
        if self.is_inline() {
            let (parent, entries) = self.inline_dir()?;
            let (ino, ftype, name, next) = match offset {
                0 => (self.ino, 2, b".".to_vec(), 1),
                1 => (parent, 2, b"..".to_vec(), 4),
                _ => match entries.into_iter().find(|e| e.0 >= offset) {
                    Some((pos, ino, ftype, name)) => (ino, ftype, name, pos + 1),
                    None => return Ok(None),
                },
            };
            self.check_entry_ino(ino)?;
            let kind = match dir::kind_of_ftype(ftype) {
                Some(k) if self.fs.g.filetype => k,
                _ => self.fs.get_inode(ino).await?.kind,
            };
            let name = String::from_utf8_lossy(&name).into_owned();
            return Ok(Some((DirEntry { ino: ino as u64, kind, name }, next)));
        }
        if self.lists_hashed() {
            // A bad index lists linearly, as Linux does.
            if let Ok(r) = self.dx_readdir(offset).await? {
                return Ok(r);
            }
        }
        let bs = self.bs();
        let nb = self.dir_blocks();
        let mut lblk = offset / bs;
        let mut from = (offset % bs) as usize;
        while lblk < nb {
            if let Some(buf) = self.dir_block(lblk).await? {
                let hit = buf.read(|d| -> Result<Option<(Rec, String)>> {
                    for r in self.parse_block(d)? {
                        if r.pos >= from && r.ino != 0 {
                            return Ok(Some((r, String::from_utf8_lossy(r.name(d)).into_owned())));
                        }
                    }
                    Ok(None)
                })?;
                if let Some((r, name)) = hit {
                    self.check_entry_ino(r.ino)?;
                    let kind = match dir::kind_of_ftype(r.ftype) {
                        Some(k) if self.fs.g.filetype => k,
                        _ => self.fs.get_inode(r.ino).await?.kind,
                    };
                    let next = lblk * bs + (r.pos + r.rec_len) as u64;
                    return Ok(Some((DirEntry { ino: r.ino as u64, kind, name }, next)));
                }
            }
            lblk += 1;
            from = 0;
        }
        Ok(None)
    }

    fn same_fs<'a>(&self, other: &'a Arc<dyn Inode>) -> Option<&'a Ext4Inode> {
        other.downcast_ref::<Ext4Inode>().filter(|o| Arc::ptr_eq(&o.fs, &self.fs))
    }

    /// True if `ancestor` is this directory or one of its ancestors.
    async fn has_ancestor(&self, ancestor: u32) -> Result<bool> {
        let mut cur = self.arc();
        for _ in 0..=self.fs.g.inodes_count.min(1 << 16) {
            if cur.ino == ancestor {
                return Ok(true);
            }
            if cur.ino == ROOT_INO {
                return Ok(false);
            }
            let p = cur.parent_ino().await?;
            if p == cur.ino {
                return Ok(false);
            }
            cur = self.fs.get_inode(p).await?;
        }
        Err(corrupt("directory loop"))
    }

    /// Adds one link to a directory's count (`dir_nlink`: saturates at 1).
    fn inc_dir_links(&self) -> Result<()> {
        let dir_nlink = self.fs.g.dir_nlink;
        self.with_raw(|r| {
            let l = r.links();
            if l == 1 && dir_nlink {
                return Ok(());
            }
            if l >= LINK_MAX {
                if dir_nlink {
                    r.set_links(1);
                    return Ok(());
                }
                return Err(err(Errno::EMLINK));
            }
            r.set_links(l + 1);
            Ok(())
        })
    }

    fn can_inc_dir_links(&self) -> bool {
        self.fs.g.dir_nlink || self.st.lock().raw.links() < LINK_MAX
    }

    fn dec_dir_links(&self) {
        self.with_raw(|r| {
            let l = r.links();
            if l > 2 {
                r.set_links(l - 1);
            }
        });
    }

    // ------------------------------------------------------------------
    // Creation
    // ------------------------------------------------------------------

    fn new_raw(&self, mode: u32, uid: u32, gid: u32) -> RawInode {
        let g = &self.fs.g;
        let mut raw = RawInode { b: vec![0u8; g.inode_size] };
        raw.set_mode(mode as u16);
        raw.set_uid(uid);
        raw.set_gid(gid);
        raw.set_extra_isize(g.want_extra_isize);
        let now = self.fs.now();
        for t in [Time::A, Time::C, Time::M, Time::Cr] {
            raw.set_time(t, now);
        }
        raw.set_generation(self.fs.new_generation());
        raw
    }

    /// Creates a new inode of `kind` linked as `name` here; `init` fills
    /// type-specific contents. The caller holds the exclusive lock.
    async fn create_locked(
        &self,
        name: &str,
        kind: FileType,
        perm: u32,
        (uid, gid): (u32, u32),
        rdev: u64,
        symlink: Option<&str>,
    ) -> Result<Arc<Ext4Inode>> {
        if self.is_removed() {
            return Err(err(Errno::ENOENT));
        }
        if self.find(name).await?.is_some() {
            return Err(err(Errno::EEXIST));
        }
        if kind.is_dir() && !self.can_inc_dir_links() {
            return Err(err(Errno::EMLINK));
        }
        let group = (self.ino - 1) / self.fs.g.inodes_per_group;
        let ino = self.fs.alloc_inode(group, kind.is_dir()).await?;
        let mut raw = self.new_raw(kind.mode_bits() | (perm & 0o7777), uid, gid);
        let extents = self.fs.g.extents;
        let fast_link = symlink.is_some_and(|t| t.len() < 60);
        if extents && (matches!(kind, FileType::Regular | FileType::Directory) || (symlink.is_some() && !fast_link)) {
            raw.set_flags(EXTENTS_FL);
            raw.set_i_block(&extent::empty_root());
        }
        raw.set_links(if kind.is_dir() { 2 } else { 1 });
        if kind.is_device() {
            raw.set_rdev(rdev);
        }
        if let Some(t) = symlink
            && fast_link
        {
            let mut blk = [0u8; 60];
            blk[..t.len()].copy_from_slice(t.as_bytes());
            raw.set_i_block(&blk);
            raw.set_size(t.len() as u64);
        }
        let inode = Ext4Inode::new(self.fs.clone(), ino, raw)?;
        self.fs.register_inode(&inode);
        let r = async {
            if kind.is_dir() {
                let runs = inode.ensure_mapped(0, 1).await?;
                let &(_, p, _, _) = runs.first().ok_or(err(Errno::ENOSPC))?;
                let buf = self.fs.cache.get_zeroed(p)?;
                buf.write(|d| dir::init_dot(d, ino, self.ino, self.fs.g.csum, self.fs.g.filetype));
                if self.fs.g.csum {
                    let seed = inode.seed();
                    buf.write(|d| dir::set_tail(seed, d));
                }
                buf.set_checked();
                self.fs.cache.mark_dirty(&buf, true);
                inode.with_raw(|r| r.set_size(self.fs.g.bs as u64));
            }
            if let Some(t) = symlink
                && !fast_link
            {
                inode.write_data(0, t.as_bytes()).await?;
                // write_data stamped the times; keep creation semantics.
            }
            inode.flush_raw().await?;
            self.add_entry(name, ino, kind).await
        }
        .await;
        if let Err(e) = r {
            // Roll back: free what the new inode got.
            inode.with_raw(|r| r.set_links(0));
            inode.mark_freed();
            let mut raw = inode.raw();
            let _ = release_all_blocks(&self.fs, ino, &mut raw).await;
            let _ = self.fs.write_inode_raw(ino, &mut raw).await;
            let _ = self.fs.free_inode_bit(ino, kind.is_dir()).await;
            return Err(e);
        }
        if kind.is_dir() {
            self.inc_dir_links()?;
        }
        self.touch(&[Time::M, Time::C]);
        self.flush_raw().await?;
        Ok(inode)
    }

    async fn op_create(
        &self,
        name: &str,
        kind: FileType,
        perm: u32,
        owner: (u32, u32),
        rdev: u64,
        symlink: Option<&str>,
    ) -> Result<Arc<dyn Inode>> {
        if !self.kind.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_new_name(name, Errno::EEXIST)?;
        self.check_writable()?;
        let _w = self.fs.lock.write().await;
        let r = self.create_locked(name, kind, perm, owner, rdev, symlink).await;
        self.fs.maybe_writeback().await?;
        r.map(|i| i as Arc<dyn Inode>)
    }

    async fn op_link(&self, name: &str, target: &Arc<dyn Inode>) -> Result<()> {
        if !self.kind.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_new_name(name, Errno::EEXIST)?;
        let Some(t) = self.same_fs(target) else {
            return Err(err(Errno::EXDEV));
        };
        if t.kind.is_dir() {
            return Err(err(Errno::EPERM));
        }
        self.check_writable()?;
        let _w = self.fs.lock.write().await;
        if self.is_removed() || t.is_removed() {
            return Err(err(Errno::ENOENT));
        }
        if self.find(name).await?.is_some() {
            return Err(err(Errno::EEXIST));
        }
        if t.nlink_raw() >= LINK_MAX {
            return Err(err(Errno::EMLINK));
        }
        self.add_entry(name, t.ino, t.kind).await?;
        t.with_raw(|r| r.set_links(r.links() + 1));
        t.touch(&[Time::C]);
        t.flush_raw().await?;
        self.touch(&[Time::M, Time::C]);
        self.flush_raw().await?;
        self.fs.maybe_writeback().await
    }

    /// Drops one link of `child` (unlink, or replaced by rename); at zero
    /// links it goes on the orphan list until its last reference is gone.
    async fn drop_link(&self, child: &Ext4Inode) -> Result<()> {
        let now = self.fs.now();
        let zero = child.with_raw(|r| {
            if child.kind.is_dir() {
                r.set_links(0);
                r.set_size(r.size());
            } else {
                r.set_links(r.links().saturating_sub(1));
            }
            r.set_time(Time::C, now);
            r.links() == 0
        });
        if zero {
            let head = self.fs.sb_read(|s| le32(s, super::disk::sb::LAST_ORPHAN));
            child.with_raw(|r| r.set_dtime(head));
            self.fs.sb_write(|s| set32(s, super::disk::sb::LAST_ORPHAN, child.ino));
        }
        child.flush_raw().await
    }

    async fn op_unlink(&self, name: &str) -> Result<()> {
        if !self.kind.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_name(name)?;
        if name == "." || name == ".." {
            return Err(err(Errno::EISDIR));
        }
        self.check_writable()?;
        let _w = self.fs.lock.write().await;
        let slot = self.find(name).await?.ok_or(err(Errno::ENOENT))?;
        self.check_entry_ino(slot.rec.ino)?;
        let child = self.fs.get_inode(slot.rec.ino).await?;
        if child.kind.is_dir() {
            return Err(err(Errno::EISDIR));
        }
        self.remove_slot(slot).await?;
        self.drop_link(&child).await?;
        self.touch(&[Time::M, Time::C]);
        self.flush_raw().await?;
        drop(child);
        self.fs.maybe_writeback().await
    }

    async fn op_rmdir(&self, name: &str) -> Result<()> {
        if !self.kind.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_name(name)?;
        match name {
            "." => return Err(err(Errno::EINVAL)),
            ".." => return Err(err(Errno::ENOTEMPTY)),
            _ => {}
        }
        self.check_writable()?;
        let _w = self.fs.lock.write().await;
        let slot = self.find(name).await?.ok_or(err(Errno::ENOENT))?;
        self.check_entry_ino(slot.rec.ino)?;
        let child = self.fs.get_inode(slot.rec.ino).await?;
        if !child.kind.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        if !child.is_empty_dir().await? {
            return Err(err(Errno::ENOTEMPTY));
        }
        self.remove_slot(slot).await?;
        self.drop_link(&child).await?;
        self.dec_dir_links();
        self.touch(&[Time::M, Time::C]);
        self.flush_raw().await?;
        drop(child);
        self.fs.maybe_writeback().await
    }

    async fn op_rename(&self, old_name: &str, new_dir: &Arc<dyn Inode>, new_name: &str, flags: u32) -> Result<()> {
        let flags = RenameFlags::from_bits(flags).ok_or(err(Errno::EINVAL))?;
        if flags.contains(RenameFlags::RENAME_WHITEOUT)
            || flags.contains(RenameFlags::RENAME_NOREPLACE | RenameFlags::RENAME_EXCHANGE)
        {
            return Err(err(Errno::EINVAL));
        }
        let exchange = flags.contains(RenameFlags::RENAME_EXCHANGE);
        if !self.kind.is_dir() || !new_dir.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let Some(nd) = self.same_fs(new_dir) else {
            return Err(err(Errno::EXDEV));
        };
        check_name(old_name)?;
        check_name(new_name)?;
        for n in [old_name, new_name] {
            if n == "." || n == ".." {
                return Err(err(Errno::EBUSY));
            }
        }
        self.check_writable()?;
        let same_dir = self.ino == nd.ino;
        let _w = self.fs.lock.write().await;
        if self.is_removed() || nd.is_removed() {
            return Err(err(Errno::ENOENT));
        }
        let old_slot = self.find(old_name).await?.ok_or(err(Errno::ENOENT))?;
        self.check_entry_ino(old_slot.rec.ino)?;
        let new_slot = nd.find(new_name).await?;
        if let Some(s) = new_slot
            && s.rec.ino == old_slot.rec.ino
        {
            return Ok(());
        }
        if exchange && new_slot.is_none() {
            return Err(err(Errno::ENOENT));
        }
        if flags.contains(RenameFlags::RENAME_NOREPLACE) && new_slot.is_some() {
            return Err(err(Errno::EEXIST));
        }
        let old = self.fs.get_inode(old_slot.rec.ino).await?;
        let victim = match new_slot {
            Some(s) => {
                self.check_entry_ino(s.rec.ino)?;
                Some(self.fs.get_inode(s.rec.ino).await?)
            }
            None => None,
        };
        if old.kind.is_dir() && nd.has_ancestor(old.ino).await? {
            return Err(err(Errno::EINVAL));
        }
        if let Some(v) = &victim {
            if exchange {
                if v.kind.is_dir() && self.has_ancestor(v.ino).await? {
                    return Err(err(Errno::EINVAL));
                }
            } else {
                match (old.kind.is_dir(), v.kind.is_dir()) {
                    (true, false) => return Err(err(Errno::ENOTDIR)),
                    (false, true) => return Err(err(Errno::EISDIR)),
                    (true, true) if !v.is_empty_dir().await? => return Err(err(Errno::ENOTEMPTY)),
                    _ => {}
                }
            }
        }
        if !same_dir {
            let moving_in = old.kind.is_dir() as i32
                - victim.as_ref().map_or(0, |v| (v.kind.is_dir() && (exchange || old.kind.is_dir())) as i32);
            if moving_in > 0 && !nd.can_inc_dir_links() {
                return Err(err(Errno::EMLINK));
            }
            if exchange
                && let Some(v) = &victim
                && v.kind.is_dir()
                && !old.kind.is_dir()
                && !self.can_inc_dir_links()
            {
                return Err(err(Errno::EMLINK));
            }
        }

        let now = self.fs.now();
        match (&victim, exchange) {
            (Some(v), true) => {
                self.retarget_slot(old_slot, v.ino, v.kind).await?;
                let ns = nd.find(new_name).await?.ok_or(corrupt("rename target vanished"))?;
                nd.retarget_slot(ns, old.ino, old.kind).await?;
                if !same_dir {
                    if old.kind.is_dir() {
                        old.set_dotdot(nd.ino).await?;
                        self.dec_dir_links();
                        nd.inc_dir_links()?;
                    }
                    if v.kind.is_dir() {
                        v.set_dotdot(self.ino).await?;
                        nd.dec_dir_links();
                        self.inc_dir_links()?;
                    }
                }
                v.with_raw(|r| r.set_time(Time::C, now));
                v.flush_raw().await?;
            }
            (Some(v), false) => {
                let ns = new_slot.ok_or(corrupt("rename target vanished"))?;
                nd.retarget_slot(ns, old.ino, old.kind).await?;
                let os = self.find(old_name).await?.ok_or(corrupt("rename source vanished"))?;
                self.remove_slot(os).await?;
                if v.kind.is_dir() {
                    nd.dec_dir_links();
                }
                nd.drop_link(v).await?;
                if old.kind.is_dir() && !same_dir {
                    old.set_dotdot(nd.ino).await?;
                    self.dec_dir_links();
                    nd.inc_dir_links()?;
                }
            }
            (None, _) => {
                nd.add_entry(new_name, old.ino, old.kind).await?;
                let os = self.find(old_name).await?.ok_or(corrupt("rename source vanished"))?;
                self.remove_slot(os).await?;
                if old.kind.is_dir() && !same_dir {
                    old.set_dotdot(nd.ino).await?;
                    self.dec_dir_links();
                    nd.inc_dir_links()?;
                }
            }
        }
        old.with_raw(|r| r.set_time(Time::C, now));
        old.flush_raw().await?;
        self.touch(&[Time::M, Time::C]);
        self.flush_raw().await?;
        if !same_dir {
            nd.touch(&[Time::M, Time::C]);
            nd.flush_raw().await?;
        }
        drop((old, victim));
        self.fs.maybe_writeback().await
    }

    async fn set_dotdot(&self, parent: u32) -> Result<()> {
        let slot = self.dotdot_slot().await?;
        self.retarget_slot(slot, parent, FileType::Directory).await
    }

    // ------------------------------------------------------------------
    // Misc
    // ------------------------------------------------------------------

    /// The inode's extended attributes (in-inode and external block).
    pub async fn xattrs(&self) -> Result<Vec<Xattr>> {
        let _r = self.fs.lock.read().await;
        let raw = self.raw();
        let mut out = xattr::parse_inode(&raw.b, raw.extra_isize())?;
        let blk = raw.file_acl();
        if blk != 0 {
            if blk >= self.fs.g.blocks_count {
                return Err(corrupt("xattr block out of range"));
            }
            let buf = self.fs.cache.get(blk).await?;
            let seed = self.fs.g.csum.then_some(self.fs.g.csum_seed);
            out.extend(buf.read(|d| xattr::parse_block(d, blk, seed))?);
        }
        Ok(out)
    }

    /// The stored xattr entries of `raw`: (in-inode, external block). The
    /// caller holds the lock.
    async fn xattr_entries(&self, raw: &RawInode) -> Result<(Vec<xattr::Entry>, Vec<xattr::Entry>)> {
        let ibody = xattr::parse_inode_entries(&raw.b, raw.extra_isize())?;
        let blk = raw.file_acl();
        if blk == 0 {
            return Ok((ibody, Vec::new()));
        }
        if blk < self.fs.g.first_data_block || blk >= self.fs.g.blocks_count {
            return Err(corrupt("xattr block out of range"));
        }
        let buf = self.fs.cache.get(blk).await?;
        let seed = self.fs.g.csum.then_some(self.fs.g.csum_seed);
        let block = buf.read(|d| xattr::parse_block_entries(d, blk, seed))?;
        Ok((ibody, block))
    }

    /// `getxattr`: the value of `name`.
    async fn op_getxattr(&self, name: &str) -> Result<Vec<u8>> {
        if xattr_namespace(name)? == XattrNamespace::PosixAcl {
            return Err(err(Errno::ENODATA));
        }
        let (index, suffix) = xattr::split_name(name).ok_or(err(Errno::EOPNOTSUPP))?;
        let _r = self.fs.lock.read().await;
        let (ibody, block) = self.xattr_entries(&self.raw()).await?;
        let e =
            ibody.into_iter().chain(block).find(|e| e.index == index && e.name == suffix).ok_or(err(Errno::ENODATA))?;
        if e.value_inum == 0 {
            return Ok(e.value);
        }
        // A value in an EA inode (`ea_inode` filesystems, mounted read-only).
        if e.value_size as usize > XATTR_SIZE_MAX {
            return Err(corrupt("xattr value too large"));
        }
        let ea = self.fs.get_inode(e.value_inum).await?;
        let mut v = vec![0u8; e.value_size as usize];
        if ea.read_data(0, &mut v).await? != v.len() {
            return Err(corrupt("EA inode shorter than its value"));
        }
        Ok(v)
    }

    /// `listxattr`: the names of the listed namespaces, in-inode first.
    async fn op_listxattr(&self) -> Result<Vec<String>> {
        let _r = self.fs.lock.read().await;
        let (ibody, block) = self.xattr_entries(&self.raw()).await?;
        Ok(ibody.iter().chain(block.iter()).filter_map(xattr::Entry::listed_name).collect())
    }

    /// `setxattr` (`value` is `Some`) or `removexattr` (`None`), as
    /// Linux's `ext4_xattr_set_handle` without EA inodes: the attribute
    /// goes into the inode's extra space if it fits there, else into the
    /// external block (allocated on first use; a block shared with other
    /// inodes is copied first), else `ENOSPC`. An emptied block is freed.
    async fn op_setxattr(&self, name: &str, value: Option<&[u8]>, flags: u32) -> Result<()> {
        if xattr_namespace(name)? == XattrNamespace::PosixAcl {
            return Err(err(if value.is_some() { Errno::EOPNOTSUPP } else { Errno::ENODATA }));
        }
        let (index, suffix) = xattr::split_name(name).ok_or(err(Errno::EOPNOTSUPP))?;
        if suffix.len() > XATTR_NAME_MAX {
            return Err(err(Errno::ERANGE));
        }
        if value.is_some_and(|v| v.len() > XATTR_SIZE_MAX) {
            return Err(err(Errno::E2BIG));
        }
        self.check_writable()?;
        if self.fs.g.compat & compat::EXT_ATTR == 0 {
            return Err(err(Errno::EOPNOTSUPP));
        }
        let _w = self.fs.lock.write().await;
        let raw = self.raw();
        let (mut ibody, mut block) = self.xattr_entries(&raw).await?;
        let is_it = |e: &xattr::Entry| e.index == index && e.name == suffix;
        let in_ibody = ibody.iter().position(is_it);
        let in_block = block.iter().position(is_it);
        let exists = in_ibody.is_some() || in_block.is_some();
        if exists && flags & XATTR_CREATE != 0 {
            return Err(err(Errno::EEXIST));
        }
        if !exists && (flags & XATTR_REPLACE != 0 || value.is_none()) {
            return Err(err(Errno::ENODATA));
        }
        let ibody_before = ibody.len();
        if let Some(i) = in_ibody {
            ibody.remove(i);
        }
        let mut block_changed = false;
        if let Some(i) = in_block {
            block.remove(i);
            block_changed = true;
        }
        if let Some(v) = value {
            let entry = xattr::Entry::new(index, suffix, v);
            let cap = xattr::inode_capacity(&raw.b, raw.extra_isize());
            if cap.is_some_and(|c| xattr::space_needed(&ibody) + entry.space_len() <= c) {
                ibody.push(entry);
            } else {
                block.push(entry);
                if !xattr::fits_block(&block, self.fs.g.bs) {
                    return Err(err(Errno::ENOSPC));
                }
                xattr::sort_for_block(&mut block);
                block_changed = true;
            }
        }
        // The block first: allocating it is the step that may fail.
        if block_changed {
            self.store_xattr_block(&block).await?;
        }
        if in_ibody.is_some() || ibody.len() != ibody_before {
            let extra = raw.extra_isize();
            self.with_raw(|r| xattr::write_inode_area(&mut r.b, extra, &ibody))?;
        }
        self.touch(&[Time::C]);
        self.flush_raw().await?;
        self.fs.maybe_writeback().await
    }

    /// Makes the inode's external xattr block hold `entries` (none: no
    /// block). A block used by this inode alone is rewritten in place; a
    /// shared one loses this inode's reference and a new one is made.
    async fn store_xattr_block(&self, entries: &[xattr::Entry]) -> Result<()> {
        let g = &self.fs.g;
        let seed = g.csum.then_some(g.csum_seed);
        let old = self.raw().file_acl();
        let old_buf = if old != 0 { Some(self.fs.cache.get(old).await?) } else { None };
        let shared = old_buf.as_ref().is_some_and(|b| b.read(|d| le32(d, 4)) > 1);
        // A new block if needed (before anything changes, ENOSPC leaves all as it was).
        let target = match (&old_buf, entries.is_empty()) {
            (_, true) => None,
            (Some(_), false) if !shared => Some(old),
            _ => Some(self.fs.alloc_blocks(self.goal_for(None), 1).await?.0),
        };
        if let Some(blk) = target {
            let data = xattr::build_block(g.bs, blk, entries, 1, seed)?;
            let buf = if Some(blk) == old_buf.as_ref().map(|b| b.blk()) {
                self.fs.cache.get(blk).await?
            } else {
                self.fs.cache.get_zeroed(blk)?
            };
            buf.write(|d| d.copy_from_slice(&data));
            buf.set_checked();
            self.fs.cache.mark_dirty(&buf, true);
        }
        if let Some(buf) = old_buf
            && target != Some(old)
        {
            if shared {
                buf.write(|d| {
                    let refs = le32(d, 4);
                    set32(d, 4, refs - 1);
                    if let Some(seed) = seed {
                        xattr::set_block_csum(seed, old, d);
                    }
                });
                self.fs.cache.mark_dirty(&buf, true);
            } else {
                self.fs.free_blocks(old, 1).await?;
            }
        }
        match (old != 0, target) {
            (false, Some(_)) => self.add_blocks(1),
            (true, None) => self.add_blocks(-1),
            _ => {}
        }
        self.with_raw(|r| r.set_file_acl(target.unwrap_or(0)));
        Ok(())
    }

    async fn read_link(&self) -> Result<String> {
        let raw = self.raw();
        let size = raw.size() as usize;
        let bytes = if is_fast_symlink(&raw) {
            raw.i_block()[..size.min(60)].to_vec()
        } else if raw.flags() & INLINE_DATA_FL != 0 {
            let mut v = self.inline_bytes()?;
            v.truncate(size);
            v
        } else {
            if size > self.fs.g.bs.max(4096) {
                return Err(corrupt("symlink too long"));
            }
            let mut v = vec![0u8; size];
            let n = self.read_data(0, &mut v).await?;
            v.truncate(n);
            v
        };
        String::from_utf8(bytes).map_err(|_| Error::with_msg(Errno::EIO, "symlink target is not UTF-8"))
    }

    async fn op_sync(&self) -> Result<()> {
        if self.fs.read_only() {
            return Ok(());
        }
        let _w = self.fs.lock.write().await;
        self.fs.writeback().await
    }

    fn setattr_sync(&self, attr: &SetAttr) -> Result<()> {
        self.check_writable()?;
        let now = self.fs.now();
        if let Some(size) = attr.size {
            match self.kind {
                FileType::Regular => {}
                FileType::Directory => return Err(err(Errno::EISDIR)),
                _ => return Err(err(Errno::EINVAL)),
            }
            if size > self.max_size() {
                return Err(err(Errno::EFBIG));
            }
        }
        let mut st = self.st.lock();
        if let Some(size) = attr.size {
            let old = st.raw.size();
            if size != old {
                let floor = st.trunc_floor.unwrap_or(u64::MAX).min(old).min(size);
                st.trunc_floor = Some(floor);
                st.raw.set_size(size);
                self.fs.mark_pending_trunc(self.ino);
            }
            if attr.mtime.is_none() {
                st.raw.set_time(Time::M, now);
            }
        }
        if let Some(mode) = attr.mode {
            let m = (st.raw.mode() as u32 & S_IFMT) | (mode & 0o7777);
            st.raw.set_mode(m as u16);
        }
        if let Some(uid) = attr.uid {
            st.raw.set_uid(uid);
        }
        if let Some(gid) = attr.gid {
            st.raw.set_gid(gid);
        }
        let time = |t: TimeSet| match t {
            TimeSet::Now => now,
            TimeSet::At(t) => t,
        };
        if let Some(t) = attr.atime {
            st.raw.set_time(Time::A, time(t));
        }
        if let Some(t) = attr.mtime {
            st.raw.set_time(Time::M, time(t));
        }
        st.raw.set_time(Time::C, now);
        drop(st);
        self.fs.mark_inode_dirty(self.arc());
        Ok(())
    }

    /// Truncates (or extends) to `size` and frees the blocks at once — the
    /// async form of `setattr(size)`.
    ///
    /// Errors: as [`Inode::setattr`].
    pub async fn truncate(&self, size: u64) -> Result<()> {
        self.setattr_async(&SetAttr { size: Some(size), ..SetAttr::default() }).await
    }
}

/// True for a symlink whose target lives in `i_block`.
fn is_fast_symlink(raw: &RawInode) -> bool {
    raw.mode() as u32 & S_IFMT == kairos_abi::flags::S_IFLNK
        && raw.flags() & (INLINE_DATA_FL | EXTENTS_FL) == 0
        && raw.size() < 60
}

/// Frees every block of an inode being deleted: data, tree nodes, and its
/// xattr block (or a reference to a shared one), and clears the fields
/// pointing to them in `raw`.
pub(super) async fn release_all_blocks(fs: &Arc<Ext4>, ino: u32, raw: &mut RawInode) -> Result<()> {
    let kind = FileType::from_mode(raw.mode() as u32).unwrap_or(FileType::Regular);
    if Ext4Inode::has_block_tree(raw, kind) {
        let mut root = raw.i_block();
        if raw.flags() & EXTENTS_FL != 0 {
            let seed = if fs.g.csum { RawInode::csum_seed(fs.g.csum_seed, ino, raw.generation()) } else { 0 };
            let (list, nodes) = extent::collect(fs, seed, &root).await?;
            for e in list {
                fs.free_blocks(e.pblk, e.len as u64).await?;
            }
            for n in nodes {
                fs.free_blocks(n, 1).await?;
            }
            raw.set_i_block(&extent::empty_root());
        } else {
            for b in blockmap::truncate(fs, &mut root, 0).await? {
                fs.free_blocks(b, 1).await?;
            }
            raw.set_i_block(&[0u8; 60]);
        }
    }
    let acl = raw.file_acl();
    if acl != 0 && acl < fs.g.blocks_count {
        let buf = fs.cache.get(acl).await?;
        let refs = buf.read(|d| le32(d, 4));
        if buf.read(|d| le32(d, 0)) == xattr::MAGIC && refs > 1 {
            let csum = fs.g.csum;
            let seed = fs.g.csum_seed;
            buf.write(|d| {
                set32(d, 4, refs - 1);
                if csum {
                    xattr::set_block_csum(seed, acl, d);
                }
            });
            fs.cache.mark_dirty(&buf, true);
        } else {
            fs.free_blocks(acl, 1).await?;
        }
        raw.set_file_acl(0);
    }
    raw.set_blocks_512(0, fs.g.huge_file, fs.g.bs);
    Ok(())
}

impl Inode for Ext4Inode {
    fn metadata(&self) -> Metadata {
        let st = self.st.lock();
        let r = &st.raw;
        let zero = Timespec::new(0, 0);
        Metadata {
            dev: self.fs.devno(),
            ino: self.ino as u64,
            mode: r.mode() as u32,
            nlink: r.links() as u32,
            uid: r.uid(),
            gid: r.gid(),
            rdev: if self.kind.is_device() { r.rdev() } else { 0 },
            size: r.size(),
            blksize: 4096,
            blocks: r.blocks_512(self.fs.g.huge_file, self.fs.g.bs),
            atime: r.time(Time::A).unwrap_or(zero),
            mtime: r.time(Time::M).unwrap_or(zero),
            ctime: r.time(Time::C).unwrap_or(zero),
            btime: r.time(Time::Cr),
        }
    }

    fn fs_id(&self) -> u64 {
        self.fs.fs_id
    }

    fn ino(&self) -> u64 {
        self.ino as u64
    }

    fn file_type(&self) -> FileType {
        self.kind
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        self.setattr_sync(attr)
    }

    fn setattr_async<'a>(&'a self, attr: &'a SetAttr) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if attr.size.is_none() {
                return self.setattr_sync(attr);
            }
            self.check_writable()?;
            let _w = self.fs.lock.write().await;
            self.setattr_sync(attr)?;
            self.apply_pending_truncate().await?;
            self.fs.maybe_writeback().await
        })
    }

    fn read_at<'a>(&'a self, offset: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<usize>> {
        Box::pin(async move {
            match self.kind {
                FileType::Regular => {}
                FileType::Directory => return Err(err(Errno::EISDIR)),
                _ => return Err(err(Errno::EINVAL)),
            }
            let n = {
                let _r = self.fs.lock.read().await;
                self.read_data(offset, buf).await?
            };
            self.touch_atime();
            Ok(n)
        })
    }

    fn write_at<'a>(&'a self, offset: u64, buf: &'a [u8]) -> BoxFuture<'a, Result<usize>> {
        Box::pin(async move {
            match self.kind {
                FileType::Regular => {}
                FileType::Directory => return Err(err(Errno::EISDIR)),
                _ => return Err(err(Errno::EINVAL)),
            }
            self.check_writable()?;
            let _w = self.fs.lock.write().await;
            let r = self.write_data(offset, buf).await;
            self.fs.maybe_writeback().await?;
            r
        })
    }

    fn lookup<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        Box::pin(async move {
            if !self.kind.is_dir() {
                return Err(err(Errno::ENOTDIR));
            }
            check_name(name)?;
            let _r = self.fs.lock.read().await;
            if self.is_removed() {
                return Err(err(Errno::ENOENT));
            }
            if name == "." {
                return Ok(self.arc() as Arc<dyn Inode>);
            }
            if name == ".." {
                let p = self.parent_ino().await?;
                self.check_entry_ino(p)?;
                return Ok(self.fs.get_inode(p).await? as Arc<dyn Inode>);
            }
            let slot = self.find(name).await?.ok_or(err(Errno::ENOENT))?;
            self.check_entry_ino(slot.rec.ino)?;
            Ok(self.fs.get_inode(slot.rec.ino).await? as Arc<dyn Inode>)
        })
    }

    fn create<'a>(
        &'a self,
        name: &'a str,
        kind: FileType,
        mode: u32,
        uid: u32,
        gid: u32,
        rdev: u64,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        Box::pin(async move {
            if kind == FileType::Symlink {
                return Err(err(Errno::EINVAL));
            }
            self.op_create(name, kind, mode, (uid, gid), rdev, None).await
        })
    }

    fn link<'a>(&'a self, name: &'a str, target: &'a Arc<dyn Inode>) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_link(name, target))
    }

    fn unlink<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_unlink(name))
    }

    fn rmdir<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_rmdir(name))
    }

    fn symlink<'a>(
        &'a self,
        name: &'a str,
        target: &'a str,
        uid: u32,
        gid: u32,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        Box::pin(async move {
            if target.is_empty() {
                return Err(err(Errno::ENOENT));
            }
            if target.len() >= self.fs.g.bs.min(4096) {
                return Err(err(Errno::ENAMETOOLONG));
            }
            self.op_create(name, FileType::Symlink, 0o777, (uid, gid), 0, Some(target)).await
        })
    }

    fn readlink<'a>(&'a self) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            if self.kind != FileType::Symlink {
                return Err(err(Errno::EINVAL));
            }
            let s = {
                let _r = self.fs.lock.read().await;
                self.read_link().await?
            };
            self.touch_atime();
            Ok(s)
        })
    }

    fn rename<'a>(
        &'a self,
        old_name: &'a str,
        new_dir: &'a Arc<dyn Inode>,
        new_name: &'a str,
        flags: u32,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_rename(old_name, new_dir, new_name, flags))
    }

    fn readdir<'a>(&'a self, offset: u64) -> BoxFuture<'a, Result<Option<(DirEntry, u64)>>> {
        Box::pin(async move {
            if !self.kind.is_dir() {
                return Err(err(Errno::ENOTDIR));
            }
            let _r = self.fs.lock.read().await;
            if self.is_removed() {
                return Ok(None);
            }
            self.readdir_at(offset).await
        })
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(self.fs.statfs())
    }

    fn sync(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.op_sync())
    }

    fn getxattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(self.op_getxattr(name))
    }

    fn listxattr(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(self.op_listxattr())
    }

    fn setxattr<'a>(&'a self, name: &'a str, value: &'a [u8], flags: u32) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_setxattr(name, Some(value), flags))
    }

    fn removexattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.op_setxattr(name, None, XATTR_REPLACE))
    }
}
