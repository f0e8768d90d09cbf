//! Directory blocks: parsing entries (bounds-checked, `EUCLEAN` on a bad
//! record), the `metadata_csum` leaf tail and htree (dx) node checksums,
//! and the in-block edits the write side needs: insert into free space,
//! remove by merging into the previous record, retarget an entry.
//!
//! The htree (dx) node layer is here too, as pure functions of block
//! bytes: validating a root or interior node as Linux's `dx_probe` does
//! ([`dx_check_root`], [`dx_check_node`]), reading and binary-searching
//! index entries, inserting one, building a root out of a full one-block
//! directory ([`make_root`]) and splitting a full leaf by hash
//! ([`split_leaf`], Linux's `do_split`). The walks over the tree and their
//! I/O are in `htree`. Leaves of an indexed directory hold ordinary
//! entries and index nodes look like empty records, so a linear scan still
//! sees every entry. [`linearize_block`] is the fallback for a corrupt
//! index on a filesystem without `metadata_csum` (as Linux does, the
//! directory then becomes linear: index blocks become empty leaf blocks
//! and `INDEX_FL` is cleared, which e2fsck accepts).

use alloc::vec::Vec;

use kairos_abi::Result;

use super::disk::{corrupt, crc32c, le16, le32, set16, set32};
use crate::vfs::FileType;

/// Size of the checksum tail of a leaf block.
pub const TAIL_LEN: usize = 12;
/// `det_reserved_ft` of the tail.
const TAIL_FT: u8 = 0xde;

/// One directory record as found in a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rec {
    /// Offset in the block.
    pub pos: usize,
    /// Inode (0: unused record).
    pub ino: u32,
    /// Record length.
    pub rec_len: usize,
    /// Name length.
    pub name_len: usize,
    /// `EXT4_FT_*` type byte (0 without the filetype feature).
    pub ftype: u8,
}

impl Rec {
    /// The name bytes of this record in `block`.
    pub fn name<'a>(&self, block: &'a [u8]) -> &'a [u8] {
        block.get(self.pos + 8..self.pos + 8 + self.name_len).unwrap_or(&[])
    }
    /// Bytes this record needs for its name.
    pub fn used(&self) -> usize {
        if self.ino == 0 { 0 } else { rec_size(self.name_len) }
    }
}

/// Minimal record size for a name of `len` bytes.
pub fn rec_size(len: usize) -> usize {
    (8 + len + 3) & !3
}

/// Decodes `rec_len` (65536-byte blocks store 0 or 65535 for the whole block).
fn rec_len_from_disk(v: u16, bs: usize) -> usize {
    if bs >= 65536 && (v == 0 || v == 65535) { bs } else { v as usize }
}

fn rec_len_to_disk(len: usize, bs: usize) -> u16 {
    if bs >= 65536 && len >= 65536 { 65535 } else { len as u16 }
}

/// True if the block ends with a checksum tail.
pub fn has_tail(block: &[u8]) -> bool {
    let t = block.len().wrapping_sub(TAIL_LEN);
    block.len() >= TAIL_LEN
        && le32(block, t) == 0
        && le16(block, t + 4) as usize == TAIL_LEN
        && block[t + 6] == 0
        && block[t + 7] == TAIL_FT
}

/// The leaf checksum.
pub fn leaf_csum(seed: u32, block: &[u8]) -> u32 {
    crc32c(seed, &block[..block.len() - TAIL_LEN])
}

/// Writes the tail and its checksum.
pub fn set_tail(seed: u32, block: &mut [u8]) {
    let t = block.len() - TAIL_LEN;
    block[t..].fill(0);
    set16(block, t + 4, TAIL_LEN as u16);
    block[t + 7] = TAIL_FT;
    let c = leaf_csum(seed, block);
    set32(block, t + 8, c);
}

/// Where an htree node's `count/limit` sits: after the fake `.`/`..`
/// records of the root, or after the empty record of an interior node.
pub fn dx_count_offset(block: &[u8], is_root: bool) -> Option<usize> {
    if is_root {
        let info_len = block.get(0x1d).copied()? as usize;
        Some(0x18 + info_len)
    } else if le32(block, 0) == 0 && rec_len_from_disk(le16(block, 4), block.len()) == block.len() {
        Some(8)
    } else {
        None
    }
}

fn dx_csum(seed: u32, block: &[u8], count_off: usize) -> Option<(u32, usize)> {
    let limit = le16(block, count_off) as usize;
    let count = le16(block, count_off + 2) as usize;
    let tail = count_off + limit * 8;
    if count > limit || tail + 8 > block.len() {
        return None;
    }
    let mut c = crc32c(seed, &block[..count_off + count * 8]);
    c = crc32c(c, &block[tail..tail + 4]);
    c = crc32c(c, &[0; 4]);
    Some((c, tail))
}

/// Checks a directory block's checksum: a leaf tail, or an htree node's
/// dx tail (`is_root`: block 0 of an indexed directory).
pub fn verify(seed: u32, block: &[u8], indexed: bool, is_root: bool) -> bool {
    if has_tail(block) {
        return le32(block, block.len() - 4) == leaf_csum(seed, block);
    }
    if !indexed {
        return false;
    }
    match dx_count_offset(block, is_root).and_then(|o| dx_csum(seed, block, o)) {
        Some((c, tail)) => le32(block, tail + 4) == c,
        None => false,
    }
}

/// Parses the records of a block (`limit`: bytes holding records, i.e.
/// the block size minus the tail if any).
pub fn records(block: &[u8], limit: usize, filetype: bool) -> Result<Vec<Rec>> {
    let bs = block.len();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < limit {
        if pos + 8 > limit {
            return Err(corrupt("directory record crosses the block end"));
        }
        let ino = le32(block, pos);
        let rec_len = rec_len_from_disk(le16(block, pos + 4), bs);
        let (name_len, ftype) =
            if filetype { (block[pos + 6] as usize, block[pos + 7]) } else { (le16(block, pos + 6) as usize, 0) };
        if rec_len < 8
            || !rec_len.is_multiple_of(4)
            || pos + rec_len > limit
            || (ino != 0 && rec_size(name_len) > rec_len)
        {
            return Err(corrupt("bad directory record length"));
        }
        out.push(Rec { pos, ino, rec_len, name_len, ftype });
        pos += rec_len;
    }
    Ok(out)
}

/// The `EXT4_FT_*` byte of a file type.
pub fn ftype_of(kind: FileType) -> u8 {
    match kind {
        FileType::Regular => 1,
        FileType::Directory => 2,
        FileType::CharDevice => 3,
        FileType::BlockDevice => 4,
        FileType::Fifo => 5,
        FileType::Socket => 6,
        FileType::Symlink => 7,
    }
}

/// The file type of an `EXT4_FT_*` byte, if valid.
pub fn kind_of_ftype(ft: u8) -> Option<FileType> {
    Some(match ft {
        1 => FileType::Regular,
        2 => FileType::Directory,
        3 => FileType::CharDevice,
        4 => FileType::BlockDevice,
        5 => FileType::Fifo,
        6 => FileType::Socket,
        7 => FileType::Symlink,
        _ => return None,
    })
}

fn write_rec(block: &mut [u8], pos: usize, ino: u32, rec_len: usize, name: &[u8], ftype: u8, filetype: bool) {
    let bs = block.len();
    set32(block, pos, ino);
    set16(block, pos + 4, rec_len_to_disk(rec_len, bs));
    if filetype {
        block[pos + 6] = name.len() as u8;
        block[pos + 7] = ftype;
    } else {
        set16(block, pos + 6, name.len() as u16);
    }
    block[pos + 8..pos + 8 + name.len()].copy_from_slice(name);
    // Zero the padding so blocks are deterministic.
    let end = (pos + rec_size(name.len())).min(pos + rec_len);
    block[pos + 8 + name.len()..end].fill(0);
}

/// Inserts `name → ino` into free space of the block if it fits; returns
/// the record's position.
pub fn insert(
    block: &mut [u8],
    limit: usize,
    name: &[u8],
    ino: u32,
    ftype: u8,
    filetype: bool,
) -> Result<Option<usize>> {
    let need = rec_size(name.len());
    for r in records(block, limit, filetype)? {
        let used = r.used();
        if r.rec_len >= used + need {
            if r.ino == 0 {
                write_rec(block, r.pos, ino, r.rec_len, name, ftype, filetype);
                return Ok(Some(r.pos));
            }
            set16(block, r.pos + 4, rec_len_to_disk(used, block.len()));
            let pos = r.pos + used;
            write_rec(block, pos, ino, r.rec_len - used, name, ftype, filetype);
            return Ok(Some(pos));
        }
    }
    Ok(None)
}

/// Removes the record at `pos`: merges it into the previous record, or
/// marks it unused if it is the first of the block.
pub fn remove(block: &mut [u8], limit: usize, pos: usize, filetype: bool) -> Result<()> {
    let recs = records(block, limit, filetype)?;
    let i = recs.iter().position(|r| r.pos == pos).ok_or(corrupt("directory record vanished"))?;
    if i == 0 {
        set32(block, pos, 0);
    } else {
        let prev = recs[i - 1];
        set16(block, prev.pos + 4, rec_len_to_disk(prev.rec_len + recs[i].rec_len, block.len()));
    }
    Ok(())
}

/// Points the record at `pos` to `ino` with type `ftype`.
pub fn retarget(block: &mut [u8], pos: usize, ino: u32, ftype: u8, filetype: bool) {
    set32(block, pos, ino);
    if filetype && pos + 7 < block.len() {
        block[pos + 7] = ftype;
    }
}

/// Initializes an empty leaf block (with a tail, checksum still to be
/// computed, if `csum`).
pub fn init_empty(block: &mut [u8], csum: bool) {
    block.fill(0);
    let limit = block.len() - if csum { TAIL_LEN } else { 0 };
    set16(block, 4, rec_len_to_disk(limit, block.len()));
    if csum {
        set_tail(0, block);
    }
}

/// Initializes block 0 of a new directory with `.` and `..`.
pub fn init_dot(block: &mut [u8], ino: u32, parent: u32, csum: bool, filetype: bool) {
    block.fill(0);
    let limit = block.len() - if csum { TAIL_LEN } else { 0 };
    write_rec(block, 0, ino, 12, b".", 2, filetype);
    write_rec(block, 12, parent, limit - 12, b"..", 2, filetype);
    if csum {
        set_tail(0, block);
    }
}

/// Rewrites a block of an indexed directory as a plain leaf block:
/// the root keeps `.` and `..` (with `..` spanning the block), interior
/// index nodes become empty; both get a tail under `metadata_csum` (its
/// checksum is computed by the caller).
pub fn linearize_block(block: &mut [u8], is_root: bool, csum: bool, filetype: bool) {
    let limit = block.len() - if csum { TAIL_LEN } else { 0 };
    if is_root {
        let dot = le32(block, 0);
        let dotdot = le32(block, 12);
        block.fill(0);
        write_rec(block, 0, dot, 12, b".", 2, filetype);
        write_rec(block, 12, dotdot, limit - 12, b"..", 2, filetype);
        if csum {
            set_tail(0, block);
        }
    } else {
        init_empty(block, csum);
    }
}

/// The htree root info: `(hash_version, indirect_levels)`.
pub fn dx_root_info(block: &[u8]) -> (u8, u8) {
    (block.get(0x1c).copied().unwrap_or(0), block.get(0x1e).copied().unwrap_or(0))
}

/// The child blocks (logical) referenced by an htree node.
pub fn dx_children(block: &[u8], count_off: usize) -> Vec<u32> {
    let count = le16(block, count_off + 2) as usize;
    let limit = le16(block, count_off) as usize;
    let mut v = Vec::new();
    for i in 0..count.min(limit) {
        // Entry 0's block sits right after count/limit; entry i>0 is (hash, block).
        let o = count_off + 8 * i + 4;
        if o + 4 <= block.len() {
            v.push(le32(block, o));
        }
    }
    v
}

// ----------------------------------------------------------------------
// htree (dx) index nodes
// ----------------------------------------------------------------------

/// Bytes of one index entry (`struct dx_entry`: hash, block).
const DX_ENTRY_LEN: usize = 8;
/// Offset of the root's `dx_root_info` (after the `.` and `..` records).
const DX_ROOT_INFO: usize = 0x18;
/// `dx_root_info.info_length` as Linux writes it.
const DX_INFO_LEN: usize = 8;
/// Size of the checksum tail of an index node (`struct dx_tail`).
const DX_TAIL_LEN: usize = 8;

/// Entries the root of a new index can hold (`dx_root_limit`).
pub fn dx_root_limit(bs: usize, csum: bool) -> usize {
    (bs - 12 - 12 - DX_INFO_LEN - if csum { DX_TAIL_LEN } else { 0 }) / DX_ENTRY_LEN
}

/// Entries an interior index node holds (`dx_node_limit`).
pub fn dx_node_limit(bs: usize, csum: bool) -> usize {
    (bs - 8 - if csum { DX_TAIL_LEN } else { 0 }) / DX_ENTRY_LEN
}

/// `count` of the index node whose `count/limit` is at `off`.
pub fn dx_count(block: &[u8], off: usize) -> usize {
    le16(block, off + 2) as usize
}

/// `limit` of the index node whose `count/limit` is at `off`.
pub fn dx_limit(block: &[u8], off: usize) -> usize {
    le16(block, off) as usize
}

/// Entry `i` of an index node: `(hash, logical block)`; entry 0 has no
/// hash (its slot holds `count/limit`) and reads as hash 0.
pub fn dx_entry(block: &[u8], off: usize, i: usize) -> (u32, u32) {
    let at = off + i * DX_ENTRY_LEN;
    let hash = if i == 0 { 0 } else { le32(block, at) };
    // The high bits are reserved (Linux masks them off).
    (hash, le32(block, at + 4) & 0x0fff_ffff)
}

/// The slot `i` such that entry `i` covers `hash` (the last entry whose
/// hash is `<= hash`), by binary search as Linux's `dx_probe`; `count` is
/// at least 1.
pub fn dx_search(block: &[u8], off: usize, count: usize, hash: u32) -> usize {
    let (mut lo, mut hi) = (1usize, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if dx_entry(block, off, mid).0 > hash {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo - 1
}

/// Inserts `(hash, blk)` after entry `at` of a node that is not full.
pub fn dx_insert(block: &mut [u8], off: usize, at: usize, hash: u32, blk: u32) {
    let count = dx_count(block, off);
    let start = off + (at + 1) * DX_ENTRY_LEN;
    let end = off + count * DX_ENTRY_LEN;
    if end + DX_ENTRY_LEN > block.len() || start > end {
        return;
    }
    block.copy_within(start..end, start + DX_ENTRY_LEN);
    set32(block, start, hash);
    set32(block, start + 4, blk);
    set16(block, off + 2, (count + 1) as u16);
}

/// Sets `count` of a node.
pub fn dx_set_count(block: &mut [u8], off: usize, count: usize) {
    set16(block, off + 2, count as u16);
}

/// Initializes an empty interior index node (a fake empty record spanning
/// the block, then `count/limit` at offset 8) with `limit` entries.
pub fn dx_init_node(block: &mut [u8], limit: usize) {
    block.fill(0);
    let bs = block.len();
    set16(block, 4, rec_len_to_disk(bs, bs));
    set16(block, 8, limit as u16);
}

/// What [`dx_check_root`] learns about a valid root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DxRoot {
    /// `DX_HASH_*` (0..=2).
    pub hash_version: u8,
    /// Index levels below the root (0: the root points at leaves).
    pub levels: usize,
    /// Offset of the root's `count/limit`.
    pub count_off: usize,
}

/// Validates block 0 of an indexed directory as Linux's `dx_probe` does
/// (known hash, no unsupported flags, depth below `max_levels`, the
/// exact root limit, a sane count); `Err` names the problem.
pub fn dx_check_root(block: &[u8], csum: bool, max_levels: usize) -> core::result::Result<DxRoot, &'static str> {
    let bs = block.len();
    let hash_version = block.get(DX_ROOT_INFO + 4).copied().unwrap_or(0xff);
    let info_len = block.get(DX_ROOT_INFO + 5).copied().unwrap_or(0) as usize;
    let levels = block.get(DX_ROOT_INFO + 6).copied().unwrap_or(0xff) as usize;
    let flags = block.get(DX_ROOT_INFO + 7).copied().unwrap_or(0);
    if hash_version > super::hash::TEA {
        return Err("unknown htree hash version");
    }
    if flags & 1 != 0 {
        return Err("unsupported htree flags");
    }
    if levels >= max_levels {
        return Err("htree too deep");
    }
    let count_off = DX_ROOT_INFO + info_len;
    let entry_space = bs.checked_sub(24 + info_len + if csum { DX_TAIL_LEN } else { 0 });
    if entry_space.map(|s| s / DX_ENTRY_LEN) != Some(dx_limit(block, count_off)) {
        return Err("htree root limit is wrong");
    }
    check_count(block, count_off)?;
    Ok(DxRoot { hash_version, levels, count_off })
}

/// Validates an interior index node (`count/limit` at offset 8).
pub fn dx_check_node(block: &[u8], csum: bool) -> core::result::Result<(), &'static str> {
    if dx_limit(block, 8) != dx_node_limit(block.len(), csum) {
        return Err("htree node limit is wrong");
    }
    check_count(block, 8)
}

fn check_count(block: &[u8], off: usize) -> core::result::Result<(), &'static str> {
    let count = dx_count(block, off);
    if count == 0 || count > dx_limit(block, off) || off + dx_limit(block, off) * DX_ENTRY_LEN > block.len() {
        return Err("htree node count out of range");
    }
    Ok(())
}

/// Turns block 0 of a linear directory (`.`, `..`, then entries) into an
/// htree root pointing at logical block 1, and returns the bytes of the
/// entries that followed `..` (to become block 1, records intact).
pub fn make_root(block: &mut [u8], hash_version: u8, csum: bool) -> Result<Vec<u8>> {
    let bs = block.len();
    let limit = bs - if csum { TAIL_LEN } else { 0 };
    let dotdot_len = rec_len_from_disk(le16(block, 16), bs);
    if le16(block, 4) != 12 || dotdot_len < 12 || 12 + dotdot_len > limit {
        return Err(corrupt("bad . or .. record"));
    }
    let rest = block[12 + dotdot_len..limit].to_vec();
    set16(block, 16, rec_len_to_disk(bs - 12, bs));
    block[DX_ROOT_INFO..].fill(0);
    block[DX_ROOT_INFO + 4] = hash_version;
    block[DX_ROOT_INFO + 5] = DX_INFO_LEN as u8;
    let off = DX_ROOT_INFO + DX_INFO_LEN;
    set16(block, off, dx_root_limit(bs, csum) as u16);
    set16(block, off + 2, 1);
    set32(block, off + 4, 1);
    Ok(rest)
}

/// Builds a leaf block from `records` (raw bytes that start with a chain
/// of records, as [`make_root`] returns them): the records are copied as
/// they are and the last one is stretched to the end of the block.
pub fn leaf_from_records(block: &mut [u8], records: &[u8], csum: bool, filetype: bool) -> Result<()> {
    init_empty(block, csum);
    let limit = block.len() - if csum { TAIL_LEN } else { 0 };
    if records.len() < 8 {
        return Ok(());
    }
    block[..records.len()].copy_from_slice(records);
    let recs = self::records(block, records.len(), filetype)?;
    let last = recs.last().copied().ok_or(corrupt("empty directory block"))?;
    set16(block, last.pos + 4, rec_len_to_disk(limit - last.pos, block.len()));
    Ok(())
}

/// Splits the full leaf `old` into itself and the empty block `new` as
/// Linux's `do_split`: the live entries, sorted by major hash, are cut so
/// that each half takes about half the bytes; the upper part moves to
/// `new` (in hash order), the rest is packed in `old`. `hash` gives an
/// entry's major hash. Returns `(hash2, continued)`: the first hash of
/// `new` and whether the entry before it has the same hash (the index
/// entry for `new` is then `hash2 | 1`).
pub fn split_leaf(
    old: &mut [u8],
    new: &mut [u8],
    csum: bool,
    filetype: bool,
    hash: impl Fn(&[u8]) -> u32,
) -> Result<(u32, bool)> {
    let bs = old.len();
    let limit = bs - if csum { TAIL_LEN } else { 0 };
    let live: Vec<Rec> = records(old, limit, filetype)?.into_iter().filter(|r| r.ino != 0 && r.name_len != 0).collect();
    if live.len() < 2 {
        return Err(corrupt("directory leaf too sparse to split"));
    }
    let mut map: Vec<(u32, usize)> = live.iter().enumerate().map(|(i, r)| (hash(r.name(old)), i)).collect();
    map.sort_by_key(|&(h, _)| h);
    let count = map.len();
    let (mut size, mut moved) = (0usize, 0usize);
    let mut broke_at = None;
    for i in (0..count).rev() {
        let rl = live[map[i].1].rec_len;
        if size + rl / 2 > bs / 2 {
            broke_at = Some(i);
            break;
        }
        size += rl;
        moved += 1;
    }
    let split = match broke_at {
        Some(i) if i > 0 => count - moved,
        _ => count / 2,
    }
    .clamp(1, count - 1);
    let hash2 = map[split].0;
    let continued = hash2 == map[split - 1].0;
    let copy = |src: &[u8], r: &Rec| src[r.pos..r.pos + rec_size(r.name_len)].to_vec();
    let upper: Vec<Vec<u8>> = map[split..].iter().map(|&(_, i)| copy(old, &live[i])).collect();
    let mut lower_idx: Vec<usize> = map[..split].iter().map(|&(_, i)| i).collect();
    lower_idx.sort_unstable();
    let lower: Vec<Vec<u8>> = lower_idx.iter().map(|&i| copy(old, &live[i])).collect();
    fill_leaf(old, &lower, csum);
    fill_leaf(new, &upper, csum);
    Ok((hash2, continued))
}

/// Rewrites `block` as a leaf holding `recs` (each a record's used bytes)
/// packed from the start, the last one spanning the rest.
fn fill_leaf(block: &mut [u8], recs: &[Vec<u8>], csum: bool) {
    let bs = block.len();
    let limit = bs - if csum { TAIL_LEN } else { 0 };
    block.fill(0);
    let mut pos = 0;
    for (i, r) in recs.iter().enumerate() {
        block[pos..pos + r.len()].copy_from_slice(r);
        let len = if i + 1 == recs.len() { limit - pos } else { r.len() };
        set16(block, pos + 4, rec_len_to_disk(len, bs));
        pos += r.len();
    }
    if csum {
        set_tail(0, block);
    }
}
