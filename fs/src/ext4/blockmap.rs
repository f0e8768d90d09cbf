//! Legacy (ext2/ext3) block maps: twelve direct pointers in `i_block`, then
//! single, double and triple indirect blocks. Read mapping ([`map`]) and
//! listing every block a map uses ([`collect`], for freeing); pointer
//! values are bounds-checked, a bad one is `EUCLEAN`. New files never use
//! block maps: on a filesystem without extents this driver writes only
//! into already mapped blocks.

use alloc::vec::Vec;

use kairos_abi::Result;

use super::{
    Ext4,
    disk::{corrupt, le32},
    extent::Mapping,
};

const NDIR: u64 = 12;

/// Maps logical block `lblk`; runs of contiguous pointers are merged.
pub async fn map(fs: &Ext4, root: &[u8; 60], lblk: u64) -> Result<Mapping> {
    let per = (fs.g.bs / 4) as u64;
    // (pointer array, index within it)
    let (arr, idx): (Vec<u8>, u64) = if lblk < NDIR {
        (root[..48].to_vec(), lblk)
    } else {
        let mut rest = lblk - NDIR;
        let mut level = 1;
        let mut span = per;
        while rest >= span {
            rest -= span;
            level += 1;
            if level > 3 {
                return Ok(Mapping::Hole(1));
            }
            span = span.saturating_mul(per);
        }
        let mut blk = le32(root, 48 + 4 * (level - 1)) as u64;
        let mut arr = Vec::new();
        for l in (0..level).rev() {
            if blk == 0 {
                return Ok(Mapping::Hole(1));
            }
            if blk >= fs.g.blocks_count {
                return Err(corrupt("indirect block out of range"));
            }
            arr = fs.cache.get(blk).await?.read(|d| d.to_vec());
            if l > 0 {
                let sub = per.pow(l as u32);
                blk = le32(&arr, 4 * (rest / sub) as usize) as u64;
                rest %= sub;
            }
        }
        (arr, rest)
    };
    let count = (arr.len() / 4) as u64;
    let first = le32(&arr, 4 * idx as usize) as u64;
    if first == 0 {
        let mut n = 1;
        while idx + n < count && le32(&arr, 4 * (idx + n) as usize) == 0 {
            n += 1;
        }
        return Ok(Mapping::Hole(n));
    }
    let mut n = 1;
    while idx + n < count && le32(&arr, 4 * (idx + n) as usize) as u64 == first + n {
        n += 1;
    }
    if first + n > fs.g.blocks_count {
        return Err(corrupt("data block out of range"));
    }
    Ok(Mapping::Mapped(first, n))
}

/// Every block the map uses at or past logical block `from`: data blocks
/// and the indirect blocks that become empty. Returns the blocks to free
/// and the new root (pointers at or past `from` cleared). Indirect blocks
/// that stay partly used are rewritten with their tail cleared.
pub async fn truncate(fs: &Ext4, root: &mut [u8; 60], from: u64) -> Result<Vec<u64>> {
    let per = (fs.g.bs / 4) as u64;
    let mut freed = Vec::new();
    for i in from.min(NDIR)..NDIR {
        let o = 4 * i as usize;
        let b = le32(root, o) as u64;
        if b != 0 {
            freed.push(b);
            root[o..o + 4].fill(0);
        }
    }
    let mut base = NDIR;
    let mut span = per;
    for level in 1..=3u32 {
        let o = 48 + 4 * (level as usize - 1);
        let b = le32(root, o) as u64;
        if b != 0 {
            let keep_from = from.saturating_sub(base);
            if free_tree(fs, b, level, keep_from, &mut freed).await? {
                root[o..o + 4].fill(0);
            }
        }
        base = base.saturating_add(span);
        span = span.saturating_mul(per);
    }
    for &b in &freed {
        if b >= fs.g.blocks_count {
            return Err(corrupt("block map pointer out of range"));
        }
    }
    Ok(freed)
}

/// Frees the entries at or past `from` (relative) of the indirect tree at
/// `blk`; returns true (and frees `blk` itself) if it became empty.
async fn free_tree(fs: &Ext4, blk: u64, level: u32, from: u64, freed: &mut Vec<u64>) -> Result<bool> {
    // Iterative: (block, level, from) with pending children processed
    // depth-first by recursion on a small explicit stack would be nicer; the
    // depth is at most 3, so boxed recursion is fine.
    if blk >= fs.g.blocks_count {
        return Err(corrupt("indirect block out of range"));
    }
    let per = (fs.g.bs / 4) as u64;
    let sub = per.pow(level - 1);
    let buf = fs.cache.get(blk).await?;
    let arr = buf.read(|d| d.to_vec());
    let mut changed = false;
    let mut new = arr.clone();
    let first_idx = from / sub;
    for i in 0..per {
        let o = 4 * i as usize;
        let c = le32(&arr, o) as u64;
        if c == 0 || i < first_idx {
            continue;
        }
        let child_from = if i == first_idx { from % sub } else { 0 };
        let empty = if level == 1 {
            freed.push(c);
            true
        } else {
            Box::pin(free_tree(fs, c, level - 1, child_from, freed)).await?
        };
        if empty {
            new[o..o + 4].fill(0);
            changed = true;
        }
    }
    if new.iter().all(|&b| b == 0) {
        freed.push(blk);
        return Ok(true);
    }
    if changed {
        buf.write(|d| d.copy_from_slice(&new));
        fs.cache.mark_dirty(&buf, true);
    }
    Ok(false)
}

use alloc::boxed::Box;
