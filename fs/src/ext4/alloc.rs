//! Block and inode allocation: the per-group bitmaps (checked against their
//! `metadata_csum` checksums on first use, built from scratch for
//! `BLOCK_UNINIT` / `INODE_UNINIT` groups), and the free counts in the
//! group descriptors, all kept consistent with every change. The
//! superblock's totals are recomputed from the descriptors at write-back.
//!
//! Policy: blocks are taken as one contiguous run starting at the first
//! free block at or after a goal (near the inode's group for data,
//! scanning the following groups), so sequential writes stay contiguous;
//! new directories go to the group with the most free inodes among those
//! with at least average free blocks (Orlov-lite), other inodes to their
//! parent directory's group or the next one with room.

use alloc::{sync::Arc, vec, vec::Vec};

use kairos_abi::{Errno, Error, Result};

use super::{
    Ext4,
    bcache::Buf,
    disk::{corrupt, crc32c, gd},
};

fn enospc() -> Error {
    Error::new(Errno::ENOSPC)
}

fn test_bit(map: &[u8], i: usize) -> bool {
    map.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

fn set_bit(map: &mut [u8], i: usize, v: bool) {
    if let Some(b) = map.get_mut(i / 8) {
        if v {
            *b |= 1 << (i % 8);
        } else {
            *b &= !(1 << (i % 8));
        }
    }
}

impl Ext4 {
    fn block_bitmap_csum(&self, map: &[u8]) -> u32 {
        crc32c(self.g.csum_seed, &map[..(self.g.blocks_per_group as usize / 8).min(map.len())])
    }

    fn inode_bitmap_csum(&self, map: &[u8]) -> u32 {
        crc32c(self.g.csum_seed, &map[..(self.g.inodes_per_group as usize / 8).min(map.len())])
    }

    /// The block bitmap of `group` (built if the group is `BLOCK_UNINIT`).
    async fn block_bitmap(&self, group: u32) -> Result<Arc<Buf>> {
        let d = self.gd(group);
        let buf = self.cache.get(d.block_bitmap()).await?;
        if d.flags() & gd::BLOCK_UNINIT != 0 {
            if !buf.is_checked() {
                let map = self.init_block_bitmap(group);
                buf.write(|b| b.copy_from_slice(&map));
                buf.set_checked();
            }
            return Ok(buf);
        }
        if self.g.csum && !buf.is_checked() {
            let stored = d.block_bitmap_csum();
            let c = buf.read(|b| self.block_bitmap_csum(b));
            let mask = if self.g.desc_size >= 64 { u32::MAX } else { 0xffff };
            if c & mask != stored {
                log::warn!(target: "ext4", "group {group}: bad block bitmap checksum");
                return Err(corrupt("block bitmap checksum"));
            }
        }
        buf.set_checked();
        Ok(buf)
    }

    /// What the block bitmap of an uninitialized group holds: its own
    /// metadata (superblock backup, descriptors, and any bitmaps and inode
    /// tables of the flex group that live in it) and the padding.
    fn init_block_bitmap(&self, group: u32) -> Vec<u8> {
        let bs = self.g.bs;
        let mut map = vec![0u8; bs];
        let start = self.g.group_first_block(group);
        let nblocks = self.g.blocks_in_group(group) as usize;
        for i in 0..self.g.group_overhead(group) as usize {
            set_bit(&mut map, i, true);
        }
        let itb = self.g.itable_blocks();
        let end = start + nblocks as u64;
        let mut mark = |b: u64| {
            if b >= start && b < end {
                set_bit(&mut map, (b - start) as usize, true);
            }
        };
        for other in 0..self.g.groups {
            let d = self.gd(other);
            mark(d.block_bitmap());
            mark(d.inode_bitmap());
            for t in 0..itb {
                mark(d.inode_table() + t);
            }
        }
        for i in nblocks..bs * 8 {
            set_bit(&mut map, i, true);
        }
        map
    }

    /// Stores a modified block bitmap's checksum and flags in the group
    /// descriptor along with `free_delta`.
    fn block_bitmap_changed(&self, group: u32, buf: &Arc<Buf>, free_delta: i64) {
        let mut d = self.gd(group);
        d.set_flags(d.flags() & !gd::BLOCK_UNINIT);
        d.set_free_blocks((d.free_blocks() as i64 + free_delta).max(0) as u32);
        if self.g.csum {
            d.set_block_bitmap_csum(buf.read(|b| self.block_bitmap_csum(b)));
        }
        self.set_gd(group, d);
        self.cache.mark_dirty(buf, true);
    }

    /// Allocates between 1 and `max` contiguous blocks, starting at the
    /// first free block at or after `goal` (wrapping around the groups).
    /// Returns `(first, count)`; `ENOSPC` when the filesystem is full.
    pub(crate) async fn alloc_blocks(&self, goal: u64, max: u64) -> Result<(u64, u64)> {
        if self.read_only() {
            return Err(Error::new(Errno::EROFS));
        }
        let max = max.clamp(1, self.g.blocks_per_group as u64);
        let goal =
            if goal < self.g.first_data_block || goal >= self.g.blocks_count { self.g.first_data_block } else { goal };
        let first_group = self.g.group_of_block(goal);
        for k in 0..=self.g.groups {
            let group = (first_group + k) % self.g.groups;
            if self.gd(group).free_blocks() == 0 {
                continue;
            }
            let start = self.g.group_first_block(group);
            let n = self.g.blocks_in_group(group) as usize;
            let from = if k == 0 { (goal - start) as usize } else { 0 };
            let buf = self.block_bitmap(group).await?;
            let found = buf.read(|map| {
                let mut i = from;
                while i < n {
                    if i % 8 == 0 && map.get(i / 8) == Some(&0xff) {
                        i += 8;
                        continue;
                    }
                    if !test_bit(map, i) {
                        let mut len = 1;
                        while i + len < n && (len as u64) < max && !test_bit(map, i + len) {
                            len += 1;
                        }
                        return Some((i, len));
                    }
                    i += 1;
                }
                None
            });
            let Some((i, len)) = found else {
                if k == 0 && from > 0 {
                    // Retry the start of the goal group at the very end.
                    continue;
                }
                continue;
            };
            let first = start + i as u64;
            if self.is_system_block(first, len as u64) {
                log::warn!(target: "ext4", "group {group}: bitmap marks metadata free; refusing to allocate");
                return Err(corrupt("block bitmap marks metadata free"));
            }
            buf.write(|map| {
                for b in i..i + len {
                    set_bit(map, b, true);
                }
            });
            self.block_bitmap_changed(group, &buf, -(len as i64));
            return Ok((first, len as u64));
        }
        // The part of the goal group before the goal.
        let group = first_group;
        let start = self.g.group_first_block(group);
        if goal > start && self.gd(group).free_blocks() > 0 {
            let buf = self.block_bitmap(group).await?;
            let lim = (goal - start) as usize;
            let found = buf.read(|map| (0..lim).find(|&i| !test_bit(map, i)));
            if let Some(i) = found {
                let mut len = 1;
                buf.read(|map| {
                    while i + len < lim && (len as u64) < max && !test_bit(map, i + len) {
                        len += 1;
                    }
                });
                buf.write(|map| (i..i + len).for_each(|b| set_bit(map, b, true)));
                self.block_bitmap_changed(group, &buf, -(len as i64));
                return Ok((start + i as u64, len as u64));
            }
        }
        Err(enospc())
    }

    /// True if `[first, first + len)` overlaps a group's own metadata
    /// (a sanity check against corrupt bitmaps).
    fn is_system_block(&self, first: u64, len: u64) -> bool {
        let group = self.g.group_of_block(first);
        let d = self.gd(group);
        let overlaps = |a: u64, n: u64| first < a + n && a < first + len;
        first < self.g.first_data_block
            || overlaps(self.g.group_first_block(group), self.g.group_overhead(group))
            || overlaps(d.block_bitmap(), 1)
            || overlaps(d.inode_bitmap(), 1)
            || overlaps(d.inode_table(), self.g.itable_blocks())
    }

    /// Frees `count` blocks from `first` (may span groups).
    pub(crate) async fn free_blocks(&self, first: u64, count: u64) -> Result<()> {
        let mut blk = first;
        let end = first.checked_add(count).ok_or(corrupt("freeing blocks out of range"))?;
        if first < self.g.first_data_block || end > self.g.blocks_count {
            return Err(corrupt("freeing blocks out of range"));
        }
        while blk < end {
            let group = self.g.group_of_block(blk);
            let start = self.g.group_first_block(group);
            let gend = start + self.g.blocks_in_group(group) as u64;
            let stop = end.min(gend);
            let buf = self.block_bitmap(group).await?;
            let mut freed = 0i64;
            buf.write(|map| {
                for b in blk..stop {
                    let i = (b - start) as usize;
                    if test_bit(map, i) {
                        set_bit(map, i, false);
                        freed += 1;
                    }
                }
            });
            if freed as u64 != stop - blk {
                log::warn!(target: "ext4", "freeing {} already free blocks near {blk}", (stop - blk) as i64 - freed);
            }
            for b in blk..stop {
                self.cache.forget(b);
            }
            self.block_bitmap_changed(group, &buf, freed);
            blk = stop;
        }
        Ok(())
    }

    /// The inode bitmap of `group` (zeroed if `INODE_UNINIT`).
    async fn inode_bitmap(&self, group: u32) -> Result<Arc<Buf>> {
        let d = self.gd(group);
        let buf = self.cache.get(d.inode_bitmap()).await?;
        if d.flags() & gd::INODE_UNINIT != 0 {
            if !buf.is_checked() {
                let ipg = self.g.inodes_per_group as usize;
                buf.write(|b| {
                    b.fill(0);
                    for i in ipg..b.len() * 8 {
                        set_bit(b, i, true);
                    }
                });
                buf.set_checked();
            }
            return Ok(buf);
        }
        if self.g.csum && !buf.is_checked() {
            let c = buf.read(|b| self.inode_bitmap_csum(b));
            let mask = if self.g.desc_size >= 64 { u32::MAX } else { 0xffff };
            if c & mask != d.inode_bitmap_csum() {
                log::warn!(target: "ext4", "group {group}: bad inode bitmap checksum");
                return Err(corrupt("inode bitmap checksum"));
            }
        }
        buf.set_checked();
        Ok(buf)
    }

    fn pick_inode_group(&self, parent_group: u32, is_dir: bool) -> Option<u32> {
        let groups = self.g.groups;
        if is_dir {
            let (mut tf, mut tb) = (0u64, 0u64);
            for g in 0..groups {
                let d = self.gd(g);
                tf += d.free_inodes() as u64;
                tb += d.free_blocks() as u64;
            }
            let (avg_i, avg_b) = (tf / groups as u64, tb / groups as u64);
            let start = self.last_dir_group.load(core::sync::atomic::Ordering::Relaxed);
            let mut best: Option<(u32, u32)> = None;
            for k in 0..groups {
                let g = (start + k) % groups;
                let d = self.gd(g);
                if d.free_inodes() == 0 || (d.free_inodes() as u64) < avg_i || (d.free_blocks() as u64) < avg_b {
                    continue;
                }
                if best.is_none_or(|(_, f)| d.free_inodes() > f) {
                    best = Some((g, d.free_inodes()));
                }
            }
            if let Some((g, _)) = best {
                self.last_dir_group.store((g + 1) % groups, core::sync::atomic::Ordering::Relaxed);
                return Some(g);
            }
        }
        (0..groups).map(|k| (parent_group + k) % groups).find(|&g| self.gd(g).free_inodes() > 0)
    }

    /// Allocates an inode near `parent_group`; returns its number.
    pub(crate) async fn alloc_inode(&self, parent_group: u32, is_dir: bool) -> Result<u32> {
        if self.read_only() {
            return Err(Error::new(Errno::EROFS));
        }
        let mut tried = 0;
        let mut group = self.pick_inode_group(parent_group, is_dir).ok_or_else(enospc)?;
        while tried < self.g.groups {
            tried += 1;
            let d = self.gd(group);
            if d.free_inodes() > 0 {
                let buf = self.inode_bitmap(group).await?;
                let ipg = self.g.inodes_per_group as usize;
                let first_ino = self.g.first_ino;
                let base = group * self.g.inodes_per_group;
                let found = buf.read(|map| (0..ipg).find(|&i| !test_bit(map, i) && base + i as u32 + 1 >= first_ino));
                if let Some(i) = found {
                    buf.write(|map| set_bit(map, i, true));
                    let mut d = self.gd(group);
                    d.set_flags(d.flags() & !gd::INODE_UNINIT);
                    d.set_free_inodes(d.free_inodes().saturating_sub(1));
                    if is_dir {
                        d.set_used_dirs(d.used_dirs() + 1);
                    }
                    if self.g.csum || self.g.gdt_csum {
                        let unused = d.itable_unused();
                        let used_upto = self.g.inodes_per_group - unused;
                        if i as u32 >= used_upto {
                            d.set_itable_unused(self.g.inodes_per_group - (i as u32 + 1));
                        }
                    }
                    if self.g.csum {
                        d.set_inode_bitmap_csum(buf.read(|b| self.inode_bitmap_csum(b)));
                    }
                    self.set_gd(group, d);
                    self.cache.mark_dirty(&buf, true);
                    let ino = base + i as u32 + 1;
                    // A never-initialized table slot may hold garbage: zero it.
                    return Ok(ino);
                }
            }
            group = (group + 1) % self.g.groups;
        }
        Err(enospc())
    }

    /// True if inode `ino`'s bitmap bit is set.
    pub(crate) async fn inode_in_use(&self, ino: u32) -> Result<bool> {
        if ino == 0 || ino > self.g.inodes_count {
            return Ok(false);
        }
        let group = (ino - 1) / self.g.inodes_per_group;
        let i = ((ino - 1) % self.g.inodes_per_group) as usize;
        let buf = self.inode_bitmap(group).await?;
        Ok(buf.read(|map| test_bit(map, i)))
    }

    /// Clears inode `ino`'s bit and fixes the counts.
    pub(crate) async fn free_inode_bit(&self, ino: u32, is_dir: bool) -> Result<()> {
        if ino == 0 || ino > self.g.inodes_count {
            return Err(corrupt("freeing an inode out of range"));
        }
        let group = (ino - 1) / self.g.inodes_per_group;
        let i = ((ino - 1) % self.g.inodes_per_group) as usize;
        let buf = self.inode_bitmap(group).await?;
        let was = buf.read(|map| test_bit(map, i));
        buf.write(|map| set_bit(map, i, false));
        let mut d = self.gd(group);
        if was {
            d.set_free_inodes(d.free_inodes() + 1);
            if is_dir {
                d.set_used_dirs(d.used_dirs().saturating_sub(1));
            }
        } else {
            log::warn!(target: "ext4", "freeing free inode {ino}");
        }
        if self.g.csum {
            d.set_inode_bitmap_csum(buf.read(|b| self.inode_bitmap_csum(b)));
        }
        self.set_gd(group, d);
        self.cache.mark_dirty(&buf, true);
        Ok(())
    }
}
