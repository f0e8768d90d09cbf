//! Extent trees: mapping a file's logical blocks to physical blocks
//! ([`map`]), listing a whole tree ([`collect`]), and writing a tree back
//! from a sorted extent list ([`store`]) — the write side rebuilds the tree
//! from the list, always at minimal depth with full nodes (so e2fsck finds
//! nothing to optimize), reusing the old node blocks where it can.
//!
//! Every node read is checked (magic, entry counts, depth, block bounds,
//! the crc32c tail under `metadata_csum`); a bad node is `EUCLEAN`.

use alloc::{vec, vec::Vec};

use kairos_abi::Result;

use super::{
    Ext4,
    disk::{corrupt, crc32c, le16, le32, set16, set32},
};

/// Extent header magic.
pub const MAGIC: u16 = 0xf30a;
/// Longest initialized extent.
pub const MAX_INIT_LEN: u32 = 32768;
/// Longest unwritten extent.
pub const MAX_UNWRITTEN_LEN: u32 = 32767;
/// Deepest tree Linux builds.
const MAX_DEPTH: u16 = 5;
/// Node visits after which a tree is declared corrupt (loops, sharing).
const MAX_NODES: usize = 1 << 20;

/// One extent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Extent {
    /// First logical block.
    pub lblk: u32,
    /// Length in blocks.
    pub len: u32,
    /// First physical block.
    pub pblk: u64,
    /// Allocated but reads as zeros.
    pub unwritten: bool,
}

impl Extent {
    /// One past the last logical block.
    pub fn end(&self) -> u64 {
        self.lblk as u64 + self.len as u64
    }
}

/// What a logical block maps to, and for how many blocks the answer holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mapping {
    /// Not allocated (reads as zeros) for `len` blocks.
    Hole(u64),
    /// Allocated at `pblk` for `len` contiguous blocks.
    Mapped(u64, u64),
    /// Allocated, unwritten (reads as zeros) for `len` blocks.
    Unwritten(u64),
}

/// Entries that fit in a tree block of `bs` bytes.
pub fn node_capacity(bs: usize) -> usize {
    (bs - 12) / 12
}

/// Checks a node header; returns `(entries, depth)`.
fn header(node: &[u8], max_cap: usize) -> Result<(usize, u16)> {
    if le16(node, 0) != MAGIC {
        return Err(corrupt("bad extent header magic"));
    }
    let entries = le16(node, 2) as usize;
    let max = le16(node, 4) as usize;
    let depth = le16(node, 6);
    if max > max_cap || entries > max || depth > MAX_DEPTH {
        return Err(corrupt("bad extent header"));
    }
    Ok((entries, depth))
}

fn node_csum(seed: u32, node: &[u8]) -> u32 {
    let max = le16(node, 4) as usize;
    crc32c(seed, &node[..(12 + 12 * max).min(node.len())])
}

/// Reads a tree block and checks it; returns its bytes.
async fn read_node(fs: &Ext4, blk: u64, seed: u32, want_depth: u16) -> Result<Vec<u8>> {
    let buf = fs.cache.get(blk).await?;
    let cap = node_capacity(fs.g.bs);
    let csum = fs.g.csum;
    let bytes = buf.read(|d| d.to_vec());
    let (_, depth) = header(&bytes, cap)?;
    if depth != want_depth {
        return Err(corrupt("extent tree depth mismatch"));
    }
    if csum && !buf.is_checked() {
        let tail = 12 + 12 * le16(&bytes, 4) as usize;
        if tail + 4 > bytes.len() || le32(&bytes, tail) != node_csum(seed, &bytes) {
            log::warn!(target: "ext4", "extent block {blk}: bad checksum");
            return Err(corrupt("extent block checksum"));
        }
        buf.set_checked();
    }
    Ok(bytes)
}

fn leaf_entry(node: &[u8], i: usize) -> Extent {
    let o = 12 + 12 * i;
    let raw_len = le16(node, o + 4) as u32;
    let (len, unwritten) = if raw_len > MAX_INIT_LEN { (raw_len - MAX_INIT_LEN, true) } else { (raw_len, false) };
    Extent { lblk: le32(node, o), len, pblk: le32(node, o + 8) as u64 | (le16(node, o + 6) as u64) << 32, unwritten }
}

fn index_entry(node: &[u8], i: usize) -> (u32, u64) {
    let o = 12 + 12 * i;
    (le32(node, o), le32(node, o + 4) as u64 | (le16(node, o + 8) as u64) << 32)
}

fn check_extent(fs: &Ext4, e: &Extent) -> Result<()> {
    if e.len == 0 || e.pblk.checked_add(e.len as u64).is_none_or(|end| end > fs.g.blocks_count) || e.end() > 1 << 32 {
        return Err(corrupt("extent out of range"));
    }
    Ok(())
}

/// Maps logical block `lblk` through the tree rooted in `root` (the
/// inode's `i_block`); `seed` is the inode's checksum seed.
pub async fn map(fs: &Ext4, seed: u32, root: &[u8; 60], lblk: u32) -> Result<Mapping> {
    let mut node: Vec<u8> = root.to_vec();
    let (mut entries, mut depth) = header(&node, 4)?;
    let mut bound: u64 = 1 << 32;
    let lb = lblk as u64;
    loop {
        if depth == 0 {
            for i in 0..entries {
                let e = leaf_entry(&node, i);
                if lb < e.lblk as u64 {
                    return Ok(Mapping::Hole((e.lblk as u64).min(bound) - lb));
                }
                if lb < e.end() {
                    check_extent(fs, &e)?;
                    let off = lb - e.lblk as u64;
                    let len = (e.end().min(bound.max(lb + 1))) - lb;
                    return Ok(if e.unwritten { Mapping::Unwritten(len) } else { Mapping::Mapped(e.pblk + off, len) });
                }
            }
            return Ok(Mapping::Hole(bound.saturating_sub(lb).max(1)));
        }
        if entries == 0 {
            return Ok(Mapping::Hole(bound.saturating_sub(lb).max(1)));
        }
        let mut pick = 0;
        for i in 0..entries {
            if index_entry(&node, i).0 as u64 <= lb {
                pick = i;
            } else {
                break;
            }
        }
        if pick + 1 < entries {
            bound = bound.min(index_entry(&node, pick + 1).0 as u64);
        }
        let child = index_entry(&node, pick).1;
        node = read_node(fs, child, seed, depth - 1).await?;
        let (e, d) = header(&node, node_capacity(fs.g.bs))?;
        entries = e;
        depth = d;
    }
}

/// Every extent of the tree in logical order, and the tree's node blocks.
pub async fn collect(fs: &Ext4, seed: u32, root: &[u8; 60]) -> Result<(Vec<Extent>, Vec<u64>)> {
    let mut extents = Vec::new();
    let mut nodes = Vec::new();
    // Depth-first, left to right: a stack of (node bytes, depth, next index).
    let (_, depth) = header(root, 4)?;
    let mut stack: Vec<(Vec<u8>, u16, usize)> = vec![(root.to_vec(), depth, 0)];
    while let Some((node, depth, next)) = stack.pop() {
        let entries = le16(&node, 2) as usize;
        if depth == 0 {
            for i in 0..entries {
                let e = leaf_entry(&node, i);
                check_extent(fs, &e)?;
                if let Some(last) = extents.last()
                    && e.lblk as u64 <= (*last as Extent).end().saturating_sub(1)
                {
                    return Err(corrupt("extents overlap or out of order"));
                }
                extents.push(e);
            }
            continue;
        }
        if next >= entries {
            continue;
        }
        let child = index_entry(&node, next).1;
        stack.push((node, depth, next + 1));
        if nodes.len() >= MAX_NODES || child >= fs.g.blocks_count {
            return Err(corrupt("extent index out of range"));
        }
        nodes.push(child);
        let bytes = read_node(fs, child, seed, depth - 1).await?;
        stack.push((bytes, depth - 1, 0));
    }
    Ok((extents, nodes))
}

/// Merges adjacent extents of `list` (sorted, non-overlapping) where the
/// on-disk format allows.
pub fn normalize(list: &mut Vec<Extent>) {
    let mut out: Vec<Extent> = Vec::with_capacity(list.len());
    for e in list.drain(..) {
        if e.len == 0 {
            continue;
        }
        if let Some(last) = out.last_mut() {
            let max = if e.unwritten { MAX_UNWRITTEN_LEN } else { MAX_INIT_LEN };
            if last.unwritten == e.unwritten
                && last.end() == e.lblk as u64
                && last.pblk + last.len as u64 == e.pblk
                && last.len + e.len <= max
            {
                last.len += e.len;
                continue;
            }
        }
        out.push(e);
    }
    *list = out;
}

fn write_header(node: &mut [u8], entries: usize, max: usize, depth: u16) {
    set16(node, 0, MAGIC);
    set16(node, 2, entries as u16);
    set16(node, 4, max as u16);
    set16(node, 6, depth);
    set32(node, 8, 0);
}

fn write_leaf_entry(node: &mut [u8], i: usize, e: &Extent) {
    let o = 12 + 12 * i;
    set32(node, o, e.lblk);
    set16(node, o + 4, if e.unwritten { (e.len + MAX_INIT_LEN) as u16 } else { e.len as u16 });
    set16(node, o + 6, (e.pblk >> 32) as u16);
    set32(node, o + 8, e.pblk as u32);
}

fn write_index_entry(node: &mut [u8], i: usize, lblk: u32, child: u64) {
    let o = 12 + 12 * i;
    set32(node, o, lblk);
    set32(node, o + 4, child as u32);
    set16(node, o + 8, (child >> 32) as u16);
    set16(node, o + 10, 0);
}

/// Number of tree blocks (outside the inode) a list of `n` extents needs.
pub fn blocks_needed(n: usize, bs: usize) -> usize {
    let cap = node_capacity(bs);
    let mut level = n;
    let mut total = 0;
    while level > 4 {
        level = level.div_ceil(cap);
        total += level;
    }
    total
}

/// Writes the tree for `extents` (normalized, sorted) into `root` and tree
/// blocks, reusing `old_nodes`, allocating more near `goal` or freeing the
/// rest. Returns the new node blocks.
pub async fn store(
    fs: &Ext4,
    seed: u32,
    root: &mut [u8; 60],
    extents: &[Extent],
    mut old_nodes: Vec<u64>,
    goal: u64,
) -> Result<Vec<u64>> {
    let bs = fs.g.bs;
    let cap = node_capacity(bs);
    let need = blocks_needed(extents.len(), bs);
    // Gather the blocks first: every failure happens before any change.
    let mut blocks: Vec<u64> = Vec::with_capacity(need);
    while blocks.len() < need {
        if let Some(b) = old_nodes.first().copied() {
            old_nodes.remove(0);
            blocks.push(b);
        } else {
            let (start, n) = fs.alloc_blocks(goal, (need - blocks.len()) as u64).await?;
            blocks.extend(start..start + n);
        }
    }
    if !old_nodes.is_empty() {
        for &b in &old_nodes {
            fs.free_blocks(b, 1).await?;
        }
    }
    blocks.sort_unstable();
    let mut next_block = blocks.iter().copied();
    let mut written = Vec::with_capacity(need);

    // Level 0: leaves (or the root itself).
    *root = [0u8; 60];
    if extents.len() <= 4 {
        write_header(root, extents.len(), 4, 0);
        for (i, e) in extents.iter().enumerate() {
            write_leaf_entry(root, i, e);
        }
        return Ok(written);
    }
    // (first lblk, block) of each node of the current level.
    let mut level: Vec<(u32, u64)> = Vec::new();
    for chunk in extents.chunks(cap) {
        let blk = next_block.next().unwrap_or(0);
        let mut node = vec![0u8; bs];
        write_header(&mut node, chunk.len(), cap, 0);
        for (i, e) in chunk.iter().enumerate() {
            write_leaf_entry(&mut node, i, e);
        }
        fs.write_meta_block(blk, &mut node, |n| node_csum(seed, n), 12 + 12 * cap)?;
        written.push(blk);
        level.push((chunk[0].lblk, blk));
    }
    let mut depth = 1u16;
    while level.len() > 4 {
        let mut up = Vec::new();
        for chunk in level.chunks(cap) {
            let blk = next_block.next().unwrap_or(0);
            let mut node = vec![0u8; bs];
            write_header(&mut node, chunk.len(), cap, depth);
            for (i, &(lblk, child)) in chunk.iter().enumerate() {
                write_index_entry(&mut node, i, lblk, child);
            }
            fs.write_meta_block(blk, &mut node, |n| node_csum(seed, n), 12 + 12 * cap)?;
            written.push(blk);
            up.push((chunk[0].0, blk));
        }
        level = up;
        depth += 1;
    }
    write_header(root, level.len(), 4, depth);
    for (i, &(lblk, child)) in level.iter().enumerate() {
        write_index_entry(root, i, lblk, child);
    }
    Ok(written)
}

/// An empty tree root.
pub fn empty_root() -> [u8; 60] {
    let mut r = [0u8; 60];
    write_header(&mut r, 0, 4, 0);
    r
}
