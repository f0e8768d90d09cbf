//! On-disk layout of jbd2: constants, big-endian field access, the journal
//! superblock, block tags, and the two checksums (crc32c for the v2/v3
//! checksum features, crc32-be for the old `COMPAT_CHECKSUM`).
//!
//! Every multi-byte field on disk is big-endian. Nothing here does I/O, and
//! every parser bounds-checks its offsets: a corrupt block yields an error or
//! a "not valid" answer, never a panic.

use crc::{CRC_32_ISCSI, CRC_32_MPEG_2, Crc};
use kairos_abi::{Errno, Error, Result};

/// `JBD2_MAGIC_NUMBER`: first word of every journal metadata block.
pub const JBD2_MAGIC: u32 = 0xC03B_3998;

/// `h_blocktype` of a descriptor block (tags of the data blocks that follow).
pub const BLOCKTYPE_DESCRIPTOR: u32 = 1;
/// `h_blocktype` of a commit block (ends a transaction).
pub const BLOCKTYPE_COMMIT: u32 = 2;
/// `h_blocktype` of a version 1 journal superblock.
pub const BLOCKTYPE_SUPERBLOCK_V1: u32 = 3;
/// `h_blocktype` of a version 2 journal superblock.
pub const BLOCKTYPE_SUPERBLOCK_V2: u32 = 4;
/// `h_blocktype` of a revoke block.
pub const BLOCKTYPE_REVOKE: u32 = 5;

/// `JBD2_FEATURE_COMPAT_CHECKSUM`: v1 transaction checksums (crc32-be in the commit block).
pub const COMPAT_CHECKSUM: u32 = 0x1;
/// `JBD2_FEATURE_INCOMPAT_REVOKE`: the log may hold revoke blocks.
pub const INCOMPAT_REVOKE: u32 = 0x1;
/// `JBD2_FEATURE_INCOMPAT_64BIT`: tags and revoke records carry 64-bit block numbers.
pub const INCOMPAT_64BIT: u32 = 0x2;
/// `JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT`: commit blocks may be written before the data blocks are durable.
pub const INCOMPAT_ASYNC_COMMIT: u32 = 0x4;
/// `JBD2_FEATURE_INCOMPAT_CSUM_V2`: crc32c checksums, 16-bit tag checksums.
pub const INCOMPAT_CSUM_V2: u32 = 0x8;
/// `JBD2_FEATURE_INCOMPAT_CSUM_V3`: crc32c checksums, 32-bit tag checksums (what ext4 `metadata_csum` uses).
pub const INCOMPAT_CSUM_V3: u32 = 0x10;
/// `JBD2_FEATURE_INCOMPAT_FAST_COMMIT`: ext4 fast-commit area at the end of the log (not supported here).
pub const INCOMPAT_FAST_COMMIT: u32 = 0x20;

/// Incompat features this implementation reads and writes.
pub const KNOWN_INCOMPAT: u32 =
    INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3;
/// Compat features this implementation knows.
pub const KNOWN_COMPAT: u32 = COMPAT_CHECKSUM;

/// Tag flag: the block started with [`JBD2_MAGIC`], whose first word was zeroed in the log.
pub const FLAG_ESCAPE: u16 = 1;
/// Tag flag: no UUID follows this tag (same as the previous one).
pub const FLAG_SAME_UUID: u16 = 2;
/// Tag flag: block deleted by this transaction (unused by jbd2 itself).
pub const FLAG_DELETED: u16 = 4;
/// Tag flag: last tag of this descriptor block.
pub const FLAG_LAST_TAG: u16 = 8;

/// `s_checksum_type` value for crc32c (`JBD2_CRC32C_CHKSUM`).
pub const CHECKSUM_TYPE_CRC32C: u8 = 4;
/// Commit block `h_chksum_type` for v1 checksums (`JBD2_CRC32_CHKSUM`).
pub const COMMIT_CHKSUM_CRC32: u8 = 1;
/// Commit block `h_chksum_size` for v1 checksums.
pub const COMMIT_CHKSUM_SIZE: u8 = 4;

/// Size of `journal_superblock_t` (the part covered by its checksum).
pub const SB_SIZE: usize = 1024;
/// Size of `journal_header_t`.
pub const HEADER_SIZE: usize = 12;
/// Size of `jbd2_journal_revoke_header_t` (header + `r_count`).
pub const REVOKE_HEADER_SIZE: usize = 16;
/// Size of the checksum tail of descriptor and revoke blocks (v2/v3).
pub const TAIL_SIZE: usize = 4;
/// UUID bytes following a tag that lacks [`FLAG_SAME_UUID`].
pub const UUID_SIZE: usize = 16;

// Journal superblock field offsets.
pub(crate) const SB_BLOCKSIZE: usize = 0x0C;
pub(crate) const SB_MAXLEN: usize = 0x10;
pub(crate) const SB_FIRST: usize = 0x14;
pub(crate) const SB_SEQUENCE: usize = 0x18;
pub(crate) const SB_START: usize = 0x1C;
pub(crate) const SB_ERRNO: usize = 0x20;
pub(crate) const SB_COMPAT: usize = 0x24;
pub(crate) const SB_INCOMPAT: usize = 0x28;
pub(crate) const SB_RO_COMPAT: usize = 0x2C;
pub(crate) const SB_UUID: usize = 0x30;
pub(crate) const SB_CHECKSUM_TYPE: usize = 0x50;
pub(crate) const SB_CHECKSUM: usize = 0xFC;

// Commit block field offsets.
pub(crate) const COMMIT_CHKSUM_TYPE: usize = 0x0C;
pub(crate) const COMMIT_CHKSUM_SIZE_OFF: usize = 0x0D;
pub(crate) const COMMIT_CHKSUM0: usize = 0x10;
pub(crate) const COMMIT_SEC: usize = 0x30;
pub(crate) const COMMIT_NSEC: usize = 0x38;

// Revoke block: `r_count`, bytes used including the header.
pub(crate) const REVOKE_COUNT: usize = 0x0C;

static CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);
static CRC32_BE: Crc<u32> = Crc::<u32>::new(&CRC_32_MPEG_2);

/// Linux's `crc32c(seed, data)`: raw reflected CRC-32C register, no final
/// inversion, so calls chain. `crc32c(!0, x)` is what jbd2 and ext4 store.
pub fn crc32c(seed: u32, data: &[u8]) -> u32 {
    let mut digest = CRC32C.digest_with_initial(seed.reverse_bits());
    digest.update(data);
    digest.finalize() ^ 0xFFFF_FFFF
}

/// Linux's `crc32_be(seed, data)` (MSB-first CRC-32, no inversion): the v1
/// `COMPAT_CHECKSUM` transaction checksum.
pub fn crc32_be(seed: u32, data: &[u8]) -> u32 {
    let mut digest = CRC32_BE.digest_with_initial(seed);
    digest.update(data);
    digest.finalize()
}

/// Big-endian u32 at `off` (0 if out of range: callers check lengths first).
pub fn be32(buf: &[u8], off: usize) -> u32 {
    match buf.get(off..off + 4) {
        Some(b) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

/// Big-endian u16 at `off` (0 if out of range).
pub fn be16(buf: &[u8], off: usize) -> u16 {
    match buf.get(off..off + 2) {
        Some(b) => u16::from_be_bytes([b[0], b[1]]),
        None => 0,
    }
}

/// Big-endian u64 at `off` (0 if out of range).
pub fn be64(buf: &[u8], off: usize) -> u64 {
    (u64::from(be32(buf, off)) << 32) | u64::from(be32(buf, off + 4))
}

/// Stores `v` big-endian at `off` (ignored if out of range).
pub fn put_be32(buf: &mut [u8], off: usize, v: u32) {
    if let Some(b) = buf.get_mut(off..off + 4) {
        b.copy_from_slice(&v.to_be_bytes());
    }
}

/// Stores `v` big-endian at `off` (ignored if out of range).
pub fn put_be16(buf: &mut [u8], off: usize, v: u16) {
    if let Some(b) = buf.get_mut(off..off + 2) {
        b.copy_from_slice(&v.to_be_bytes());
    }
}

/// Stores `v` big-endian at `off` (ignored if out of range).
pub fn put_be64(buf: &mut [u8], off: usize, v: u64) {
    if let Some(b) = buf.get_mut(off..off + 8) {
        b.copy_from_slice(&v.to_be_bytes());
    }
}

/// Writes a `journal_header_t`.
pub fn put_header(buf: &mut [u8], blocktype: u32, sequence: u32) {
    put_be32(buf, 0, JBD2_MAGIC);
    put_be32(buf, 4, blocktype);
    put_be32(buf, 8, sequence);
}

/// `(blocktype, sequence)` if `buf` starts with a journal header.
pub fn header(buf: &[u8]) -> Option<(u32, u32)> {
    (be32(buf, 0) == JBD2_MAGIC).then(|| (be32(buf, 4), be32(buf, 8)))
}

/// The journal superblock fields this implementation uses. The raw block is
/// kept by the journal so unknown fields survive rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Superblock {
    /// 1 or 2.
    pub version: u32,
    /// `s_blocksize`.
    pub block_size: u32,
    /// `s_maxlen`: journal length in blocks, superblock included.
    pub maxlen: u32,
    /// `s_first`: first log block.
    pub first: u32,
    /// `s_sequence`: first transaction expected in the log.
    pub sequence: u32,
    /// `s_start`: log block of that transaction; 0 = the journal is empty.
    pub start: u32,
    /// `s_errno` (non-zero after a journal abort).
    pub errno: i32,
    /// `s_feature_compat` (0 for v1).
    pub compat: u32,
    /// `s_feature_incompat` (0 for v1).
    pub incompat: u32,
    /// `s_feature_ro_compat` (0 for v1).
    pub ro_compat: u32,
    /// `s_uuid` (zero for v1).
    pub uuid: [u8; 16],
}

impl Superblock {
    /// Parses and validates the superblock at the start of `buf` (journal
    /// block 0): magic, version, features, geometry and, with v2/v3
    /// checksums, the superblock checksum.
    pub fn parse(buf: &[u8]) -> Result<Superblock> {
        if buf.len() < SB_SIZE {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: journal block smaller than its superblock"));
        }
        let Some((blocktype, _)) = header(buf) else {
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: bad journal superblock magic"));
        };
        let version = match blocktype {
            BLOCKTYPE_SUPERBLOCK_V1 => 1,
            BLOCKTYPE_SUPERBLOCK_V2 => 2,
            _ => return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: unknown journal superblock version")),
        };
        let mut sb = Superblock {
            version,
            block_size: be32(buf, SB_BLOCKSIZE),
            maxlen: be32(buf, SB_MAXLEN),
            first: be32(buf, SB_FIRST),
            sequence: be32(buf, SB_SEQUENCE),
            start: be32(buf, SB_START),
            errno: be32(buf, SB_ERRNO) as i32,
            compat: 0,
            incompat: 0,
            ro_compat: 0,
            uuid: [0; 16],
        };
        if version == 2 {
            sb.compat = be32(buf, SB_COMPAT);
            sb.incompat = be32(buf, SB_INCOMPAT);
            sb.ro_compat = be32(buf, SB_RO_COMPAT);
            sb.uuid.copy_from_slice(&buf[SB_UUID..SB_UUID + 16]);
        }
        if sb.incompat & INCOMPAT_FAST_COMMIT != 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: fast-commit journals are not supported"));
        }
        if sb.incompat & !KNOWN_INCOMPAT != 0 || sb.ro_compat != 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: unknown journal features"));
        }
        if sb.incompat & INCOMPAT_CSUM_V2 != 0 && sb.incompat & INCOMPAT_CSUM_V3 != 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: both csum v2 and v3 set"));
        }
        if sb.has_csum_v23() {
            if sb.compat & COMPAT_CHECKSUM != 0 {
                return Err(Error::with_msg(Errno::EINVAL, "jbd2: both checksum v1 and v2/v3 set"));
            }
            if buf[SB_CHECKSUM_TYPE] != CHECKSUM_TYPE_CRC32C {
                return Err(Error::with_msg(Errno::EINVAL, "jbd2: unknown journal checksum type"));
            }
            if be32(buf, SB_CHECKSUM) != superblock_csum(buf) {
                return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: journal superblock checksum mismatch"));
            }
        }
        if sb.first == 0 || sb.first >= sb.maxlen || sb.maxlen - sb.first < 2 {
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: bad journal geometry (s_first/s_maxlen)"));
        }
        if sb.start != 0 && (sb.start < sb.first || sb.start >= sb.maxlen) {
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: s_start outside the log"));
        }
        Ok(sb)
    }

    /// True with `INCOMPAT_CSUM_V2` or `INCOMPAT_CSUM_V3`.
    pub fn has_csum_v23(&self) -> bool {
        self.incompat & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3) != 0
    }

    /// Bytes of one block tag in a descriptor block (`journal_tag_bytes()`).
    pub fn tag_bytes(&self) -> usize {
        if self.incompat & INCOMPAT_CSUM_V3 != 0 {
            return 16;
        }
        let mut size = 12;
        if self.incompat & INCOMPAT_CSUM_V2 != 0 {
            size += 2;
        }
        if self.incompat & INCOMPAT_64BIT != 0 { size } else { size - 4 }
    }

    /// Bytes of one revoke record.
    pub fn revoke_record_bytes(&self) -> usize {
        if self.incompat & INCOMPAT_64BIT != 0 { 8 } else { 4 }
    }

    /// Bytes at the end of descriptor/revoke blocks reserved for the checksum tail.
    pub fn tail_bytes(&self) -> usize {
        if self.has_csum_v23() { TAIL_SIZE } else { 0 }
    }
}

/// The v2/v3 superblock checksum: crc32c(~0) over the 1024-byte superblock
/// with `s_checksum` taken as zero.
pub fn superblock_csum(buf: &[u8]) -> u32 {
    let crc = crc32c(!0, &buf[..SB_CHECKSUM]);
    let crc = crc32c(crc, &[0; 4]);
    crc32c(crc, &buf[SB_CHECKSUM + 4..SB_SIZE])
}

/// Checksum of a descriptor or revoke block (v2/v3): crc32c(seed) over the
/// whole block with its tail taken as zero.
pub fn tail_csum(seed: u32, block: &[u8]) -> u32 {
    let tail = block.len() - TAIL_SIZE;
    crc32c(crc32c(seed, &block[..tail]), &[0; TAIL_SIZE])
}

/// True if the descriptor/revoke block's tail checksum is right.
pub fn tail_csum_ok(seed: u32, block: &[u8]) -> bool {
    be32(block, block.len() - TAIL_SIZE) == tail_csum(seed, block)
}

/// Checksum of a commit block (v2/v3): crc32c(seed) over the block with
/// `h_chksum[0]` taken as zero.
pub fn commit_csum(seed: u32, block: &[u8]) -> u32 {
    let crc = crc32c(seed, &block[..COMMIT_CHKSUM0]);
    let crc = crc32c(crc, &[0; 4]);
    crc32c(crc, &block[COMMIT_CHKSUM0 + 4..])
}

/// Checksum of a data block as stored in the log, for its tag:
/// crc32c(seed, be32 sequence) then the block.
pub fn data_csum(seed: u32, sequence: u32, block: &[u8]) -> u32 {
    crc32c(crc32c(seed, &sequence.to_be_bytes()), block)
}

/// One parsed block tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Home (filesystem) block number.
    pub block: u64,
    /// `FLAG_*` bits.
    pub flags: u16,
    /// Stored checksum (16 bits for v2, 32 for v3; 0 otherwise).
    pub csum: u32,
}

/// Parses the tags of a descriptor block, in order. Stops at `FLAG_LAST_TAG`
/// or when the next tag would not fit before the checksum tail, as Linux's
/// `count_tags` does.
pub fn parse_tags(sb: &Superblock, block: &[u8]) -> alloc::vec::Vec<Tag> {
    let tag_bytes = sb.tag_bytes();
    let limit = block.len().saturating_sub(sb.tail_bytes());
    let csum3 = sb.incompat & INCOMPAT_CSUM_V3 != 0;
    let wide = sb.incompat & INCOMPAT_64BIT != 0;
    let mut tags = alloc::vec::Vec::new();
    let mut off = HEADER_SIZE;
    while off + tag_bytes <= limit {
        let t = &block[off..off + tag_bytes];
        let flags = be16(t, 6);
        let mut blocknr = u64::from(be32(t, 0));
        if wide {
            blocknr |= u64::from(be32(t, 8)) << 32;
        }
        let csum = if csum3 {
            be32(t, 12)
        } else if sb.incompat & INCOMPAT_CSUM_V2 != 0 {
            u32::from(be16(t, 4))
        } else {
            0
        };
        tags.push(Tag { block: blocknr, flags, csum });
        off += tag_bytes;
        if flags & FLAG_SAME_UUID == 0 {
            off += UUID_SIZE;
        }
        if flags & FLAG_LAST_TAG != 0 {
            break;
        }
    }
    tags
}

/// Writes one tag at `off` of a descriptor block (`off + tag_bytes` must fit).
pub fn put_tag(sb: &Superblock, block: &mut [u8], off: usize, tag: &Tag) {
    let t = &mut block[off..off + sb.tag_bytes()];
    t.fill(0);
    put_be32(t, 0, tag.block as u32);
    if sb.incompat & INCOMPAT_CSUM_V3 != 0 {
        put_be32(t, 4, u32::from(tag.flags));
        put_be32(t, 12, tag.csum);
    } else {
        if sb.incompat & INCOMPAT_CSUM_V2 != 0 {
            put_be16(t, 4, tag.csum as u16);
        }
        put_be16(t, 6, tag.flags);
    }
    if sb.incompat & INCOMPAT_64BIT != 0 {
        put_be32(t, 8, (tag.block >> 32) as u32);
    }
}

/// Parses the records of a revoke block. `None` if `r_count` is impossible
/// (Linux fails recovery with `EINVAL` then).
pub fn parse_revoke(sb: &Superblock, block: &[u8]) -> Option<alloc::vec::Vec<u64>> {
    let count = be32(block, REVOKE_COUNT) as usize;
    if count > block.len() - sb.tail_bytes() {
        return None;
    }
    let rec = sb.revoke_record_bytes();
    let mut out = alloc::vec::Vec::new();
    let mut off = REVOKE_HEADER_SIZE;
    while off + rec <= count {
        out.push(if rec == 8 { be64(block, off) } else { u64::from(be32(block, off)) });
        off += rec;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_values() {
        // Standard check values of CRC-32C and CRC-32/MPEG-2 over "123456789".
        assert_eq!(crc32c(!0, b"123456789") ^ !0, 0xE306_9283);
        assert_eq!(crc32_be(!0, b"123456789"), 0x0376_E6E7);
        // Chaining equals one pass.
        assert_eq!(crc32c(crc32c(!0, b"1234"), b"56789"), crc32c(!0, b"123456789"));
        assert_eq!(crc32_be(crc32_be(!0, b"12"), b"3456789"), crc32_be(!0, b"123456789"));
    }
}
