//! Directory blocks: parsing entries (bounds-checked, `EUCLEAN` on a bad
//! record), the `metadata_csum` leaf tail and htree (dx) node checksums,
//! and the in-block edits the write side needs: insert into free space,
//! remove by merging into the previous record, retarget an entry.
//!
//! Indexed (htree) directories are read as linear ones (every leaf block
//! holds ordinary entries and index blocks look like empty records), so
//! lookup and readdir see every entry. When this driver modifies an
//! indexed directory it first turns it into a valid linear directory
//! ([`linearize_block`]: index blocks become empty leaf blocks and the
//! `INDEX_FL` flag is cleared), which e2fsck accepts.

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
