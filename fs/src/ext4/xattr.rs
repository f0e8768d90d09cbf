//! Extended attributes, read side: the in-inode area (after
//! `i_extra_isize`) and the external xattr block (`i_file_acl`, with its
//! `metadata_csum` checksum). Every entry is bounds-checked; a malformed
//! area is `EUCLEAN`. Values stored in EA inodes (`ea_inode`) are reported
//! with an empty value and their inode number.

use alloc::{string::String, vec::Vec};

use kairos_abi::Result;

use super::disk::{corrupt, crc32c, le16, le32, set32};

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

/// Parses entries starting at `first` in `area`; value offsets are
/// relative to `value_base`.
pub fn parse(area: &[u8], first: usize, value_base: usize) -> Result<Vec<Xattr>> {
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
        let value_size = le32(area, pos + 8) as usize;
        let name_bytes = area.get(pos + 16..pos + 16 + name_len).ok_or(corrupt("xattr name out of range"))?;
        let mut name = String::from(prefix(index));
        name.push_str(&String::from_utf8_lossy(name_bytes));
        let value = if value_inum != 0 {
            Vec::new()
        } else {
            let start = value_base.checked_add(value_offs).ok_or(corrupt("xattr value offset"))?;
            area.get(start..start + value_size).ok_or(corrupt("xattr value out of range"))?.to_vec()
        };
        out.push(Xattr { name, value, value_inum });
        pos += (16 + name_len + 3) & !3;
    }
}

/// The attributes in an inode's extra space (`raw`: the whole inode,
/// `extra`: its `i_extra_isize`).
pub fn parse_inode(raw: &[u8], extra: usize) -> Result<Vec<Xattr>> {
    let start = 128 + extra;
    if start + 4 > raw.len() || le32(raw, start) != MAGIC {
        return Ok(Vec::new());
    }
    let area = &raw[start + 4..];
    parse(area, 0, 0)
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
pub fn parse_block(block: &[u8], blk: u64, csum: Option<u32>) -> Result<Vec<Xattr>> {
    if le32(block, 0) != MAGIC || le32(block, 8) != 1 {
        return Err(corrupt("bad xattr block header"));
    }
    if let Some(seed) = csum
        && le32(block, BLOCK_CSUM) != block_csum(seed, blk, block)
    {
        log::warn!(target: "ext4", "xattr block {blk}: bad checksum");
        return Err(corrupt("xattr block checksum"));
    }
    parse(block, BLOCK_HEADER, 0)
}
