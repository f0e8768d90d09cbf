//! Extended attributes on disk: the in-inode area (after
//! `i_extra_isize`) and the external xattr block (`i_file_acl`, with its
//! `metadata_csum` checksum). Pure: parsing ([`parse_inode_entries`],
//! [`parse_block_entries`]) and laying out ([`write_inode_area`],
//! [`build_block`]) byte buffers; the I/O is in `file`. Every entry is
//! bounds-checked; a malformed area is `EUCLEAN`. Values stored in EA
//! inodes (`ea_inode`) are reported with an empty value and their inode
//! number. Layouts written follow Linux's: entries from the front (sorted
//! by index, name length and name in a block), values packed 4-byte
//! aligned from the back, entry hashes and the block hash set, so
//! `e2fsck` accepts them.

use alloc::{string::String, vec, vec::Vec};

use kairos_abi::{Errno, Error, Result};

use super::disk::{corrupt, crc32c, le16, le32, set16, set32};

/// xattr magic (in-inode header and block header).
pub const MAGIC: u32 = 0xea02_0000;
/// Size of the external block header.
pub const BLOCK_HEADER: usize = 32;
/// Offset of the block checksum.
const BLOCK_CSUM: usize = 0x10;

/// One attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Xattr {
    /// Full name with its namespace prefix (`user.foo`, `security.selinux`).
    pub name: String,
    /// Value (empty if stored in an EA inode).
    pub value: Vec<u8>,
    /// The EA inode holding the value, or 0.
    pub value_inum: u32,
}

fn prefix(index: u8) -> &'static str {
    match index {
        1 => "user.",
        2 => "system.posix_acl_access",
        3 => "system.posix_acl_default",
        4 => "trusted.",
        6 => "security.",
        7 => "system.",
        8 => "system.richacl",
        _ => "unknown.",
    }
}

/// Namespace index of `user.*`.
pub const INDEX_USER: u8 = 1;
/// Namespace index of `trusted.*`.
pub const INDEX_TRUSTED: u8 = 4;
/// Namespace index of `security.*`.
pub const INDEX_SECURITY: u8 = 6;

/// One attribute as stored: namespace index and name suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Namespace index (`e_name_index`).
    pub index: u8,
    /// The name without its prefix.
    pub name: Vec<u8>,
    /// The value (empty if it lives in an EA inode).
    pub value: Vec<u8>,
    /// The EA inode holding the value, or 0.
    pub value_inum: u32,
    /// `e_value_size` (the value's length, also for EA inode values).
    pub value_size: u32,
    /// `e_hash` as stored (kept for EA inode entries; recomputed for the
    /// others when written).
    pub hash: u32,
}

impl Entry {
    /// A new in-place entry.
    pub fn new(index: u8, name: &[u8], value: &[u8]) -> Entry {
        Entry {
            index,
            name: name.to_vec(),
            value: value.to_vec(),
            value_inum: 0,
            value_size: value.len() as u32,
            hash: entry_hash(name, value),
        }
    }

    /// The full name (`user.foo`) for `listxattr`, or `None` for
    /// namespaces that are not listed (ACLs, `system.data`, unknown).
    pub fn listed_name(&self) -> Option<String> {
        let p = match self.index {
            INDEX_USER => "user.",
            INDEX_TRUSTED => "trusted.",
            INDEX_SECURITY => "security.",
            _ => return None,
        };
        let mut n = String::from(p);
        n.push_str(&String::from_utf8_lossy(&self.name));
        Some(n)
    }

    /// Bytes the entry takes in an area: its header and name, plus its
    /// value (4-byte aligned) unless that lives in an EA inode.
    pub fn space_len(&self) -> usize {
        entry_len(self.name.len()) + if self.value_inum != 0 { 0 } else { pad(self.value.len()) }
    }
}

/// Splits a full name into namespace index and suffix for `user.`,
/// `trusted.` and `security.` names (the namespaces this driver writes).
pub fn split_name(name: &str) -> Option<(u8, &[u8])> {
    [("user.", INDEX_USER), ("trusted.", INDEX_TRUSTED), ("security.", INDEX_SECURITY)]
        .into_iter()
        .find_map(|(p, i)| name.strip_prefix(p).map(|rest| (i, rest.as_bytes())))
}

/// Size of an entry header plus name, 4-byte aligned.
fn entry_len(name_len: usize) -> usize {
    (16 + name_len + 3) & !3
}

/// `n` rounded up to 4.
fn pad(n: usize) -> usize {
    (n + 3) & !3
}

/// `ext4_xattr_hash_entry`: the hash of a name and its (zero-padded)
/// value.
pub fn entry_hash(name: &[u8], value: &[u8]) -> u32 {
    let mut h = 0u32;
    for &c in name {
        h = (h << 5) ^ (h >> 27) ^ c as u32;
    }
    for chunk in value.chunks(4) {
        let mut w = [0u8; 4];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h << 16) ^ (h >> 16) ^ u32::from_le_bytes(w);
    }
    h
}

/// `ext4_xattr_rehash`: the block hash over the entry hashes (0 if any
/// entry hash is 0).
fn block_hash(entries: &[Entry]) -> u32 {
    let mut h = 0u32;
    for e in entries {
        if e.hash == 0 {
            return 0;
        }
        h = (h << 16) ^ (h >> 16) ^ e.hash;
    }
    h
}

/// Parses entries starting at `first` in `area`; value offsets are
/// relative to `value_base`.
pub fn parse_entries(area: &[u8], first: usize, value_base: usize) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut pos = first;
    loop {
        if pos + 4 > area.len() {
            return Err(corrupt("xattr entries run off the area"));
        }
        if le32(area, pos) == 0 {
            return Ok(out);
        }
        if pos + 16 > area.len() {
            return Err(corrupt("xattr entry truncated"));
        }
        let name_len = area[pos] as usize;
        let index = area[pos + 1];
        let value_offs = le16(area, pos + 2) as usize;
        let value_inum = le32(area, pos + 4);
        let value_size = le32(area, pos + 8);
        let hash = le32(area, pos + 12);
        let name = area.get(pos + 16..pos + 16 + name_len).ok_or(corrupt("xattr name out of range"))?.to_vec();
        let value = if value_inum != 0 || value_size == 0 {
            Vec::new()
        } else {
            let start = value_base.checked_add(value_offs).ok_or(corrupt("xattr value offset"))?;
            let end = start.checked_add(value_size as usize).ok_or(corrupt("xattr value size"))?;
            area.get(start..end).ok_or(corrupt("xattr value out of range"))?.to_vec()
        };
        out.push(Entry { index, name, value, value_inum, value_size, hash });
        pos += entry_len(name_len);
    }
}

/// Parses entries as [`Xattr`]s (full names, every namespace).
pub fn parse(area: &[u8], first: usize, value_base: usize) -> Result<Vec<Xattr>> {
    Ok(parse_entries(area, first, value_base)?.into_iter().map(to_xattr).collect())
}

fn to_xattr(e: Entry) -> Xattr {
    let mut name = String::from(prefix(e.index));
    name.push_str(&String::from_utf8_lossy(&e.name));
    Xattr { name, value: e.value, value_inum: e.value_inum }
}

/// The entries in an inode's extra space (`raw`: the whole inode,
/// `extra`: its `i_extra_isize`).
pub fn parse_inode_entries(raw: &[u8], extra: usize) -> Result<Vec<Entry>> {
    let start = 128 + extra;
    if start + 4 > raw.len() || le32(raw, start) != MAGIC {
        return Ok(Vec::new());
    }
    let area = &raw[start + 4..];
    parse_entries(area, 0, 0)
}

/// The attributes in an inode's extra space, as [`Xattr`]s.
pub fn parse_inode(raw: &[u8], extra: usize) -> Result<Vec<Xattr>> {
    Ok(parse_inode_entries(raw, extra)?.into_iter().map(to_xattr).collect())
}

/// Room for entries, values and the end marker in an inode's extra
/// space, or `None` if it has none (128-byte inodes, or an
/// `i_extra_isize` too small to be valid).
pub fn inode_capacity(raw: &[u8], extra: usize) -> Option<usize> {
    let start = 128 + extra;
    (raw.len() > 128 && extra >= 4 && start + 8 <= raw.len()).then(|| raw.len() - start - 4)
}

/// Bytes `entries` need in an area: entries, values and the 4-byte end
/// marker.
pub fn space_needed(entries: &[Entry]) -> usize {
    entries.iter().map(Entry::space_len).sum::<usize>() + 4
}

/// Lays `entries` out in `area` (zeroed first): headers from `first`,
/// values packed from the end, offsets relative to `value_base`.
fn lay_out(area: &mut [u8], first: usize, value_base: usize, entries: &[Entry]) -> Result<()> {
    if first + space_needed(entries) > area.len() {
        return Err(Error::new(Errno::ENOSPC));
    }
    area.fill(0);
    let mut pos = first;
    let mut vend = area.len();
    for e in entries {
        let name_len = e.name.len().min(255);
        let (offs, hash) = if e.value_inum != 0 || e.value.is_empty() {
            (0, if e.value_inum != 0 { e.hash } else { entry_hash(&e.name, &[]) })
        } else {
            vend -= pad(e.value.len());
            area[vend..vend + e.value.len()].copy_from_slice(&e.value);
            (vend - value_base, entry_hash(&e.name, &e.value))
        };
        area[pos] = name_len as u8;
        area[pos + 1] = e.index;
        set16(area, pos + 2, offs as u16);
        set32(area, pos + 4, e.value_inum);
        set32(area, pos + 8, if e.value_inum != 0 { e.value_size } else { e.value.len() as u32 });
        set32(area, pos + 12, hash);
        area[pos + 16..pos + 16 + name_len].copy_from_slice(&e.name[..name_len]);
        pos += entry_len(name_len);
    }
    Ok(())
}

/// Rewrites an inode's extra space to hold exactly `entries` (none: the
/// space is zeroed, magic included). `ENOSPC` if they do not fit (see
/// [`inode_capacity`]); the inode is then unchanged.
pub fn write_inode_area(raw: &mut [u8], extra: usize, entries: &[Entry]) -> Result<()> {
    let start = 128 + extra;
    if entries.is_empty() {
        if let Some(area) = raw.get_mut(start..) {
            area.fill(0);
        }
        return Ok(());
    }
    if inode_capacity(raw, extra).is_none_or(|cap| space_needed(entries) > cap) {
        return Err(Error::new(Errno::ENOSPC));
    }
    lay_out(&mut raw[start + 4..], 0, 0, entries)?;
    set32(raw, start, MAGIC);
    Ok(())
}

/// Sorts entries into the order of a block (index, name length, name).
pub fn sort_for_block(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (a.index, a.name.len(), &a.name).cmp(&(b.index, b.name.len(), &b.name)));
}

/// True if `entries` fit in one block of `bs` bytes.
pub fn fits_block(entries: &[Entry], bs: usize) -> bool {
    BLOCK_HEADER + space_needed(entries) <= bs
}

/// A whole xattr block of `bs` bytes holding `entries` (in the order
/// given; see [`sort_for_block`]) with `refcount` users, its checksum
/// set if `csum` holds the filesystem seed (`blk` is its number).
pub fn build_block(bs: usize, blk: u64, entries: &[Entry], refcount: u32, csum: Option<u32>) -> Result<Vec<u8>> {
    let mut b = vec![0u8; bs];
    lay_out(&mut b, BLOCK_HEADER, 0, entries)?;
    set32(&mut b, 0, MAGIC);
    set32(&mut b, 4, refcount);
    set32(&mut b, 8, 1);
    set32(&mut b, 12, block_hash(entries));
    if let Some(seed) = csum {
        set_block_csum(seed, blk, &mut b);
    }
    Ok(b)
}

/// The block checksum (`blk` is the block's number).
pub fn block_csum(fs_seed: u32, blk: u64, block: &[u8]) -> u32 {
    let mut c = crc32c(fs_seed, &blk.to_le_bytes());
    c = crc32c(c, &block[..BLOCK_CSUM]);
    c = crc32c(c, &[0; 4]);
    crc32c(c, &block[BLOCK_CSUM + 4..])
}

/// Stores the block checksum.
pub fn set_block_csum(fs_seed: u32, blk: u64, block: &mut [u8]) {
    let c = block_csum(fs_seed, blk, block);
    set32(block, BLOCK_CSUM, c);
}

/// Parses an external xattr block, checking magic and (if `csum`) the
/// checksum.
pub fn parse_block_entries(block: &[u8], blk: u64, csum: Option<u32>) -> Result<Vec<Entry>> {
    if block.len() < BLOCK_HEADER + 4 || le32(block, 0) != MAGIC || le32(block, 8) != 1 {
        return Err(corrupt("bad xattr block header"));
    }
    if let Some(seed) = csum
        && le32(block, BLOCK_CSUM) != block_csum(seed, blk, block)
    {
        log::warn!(target: "ext4", "xattr block {blk}: bad checksum");
        return Err(corrupt("xattr block checksum"));
    }
    parse_entries(block, BLOCK_HEADER, 0)
}

/// [`parse_block_entries`] as [`Xattr`]s.
pub fn parse_block(block: &[u8], blk: u64, csum: Option<u32>) -> Result<Vec<Xattr>> {
    Ok(parse_block_entries(block, blk, csum)?.into_iter().map(to_xattr).collect())
}
