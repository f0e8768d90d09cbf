//! ext4 on-disk layout basics: bounds-checked little-endian field access,
//! the crc32c / crc16 checksums, feature bits, and the superblock and group
//! descriptor field maps. Owns no I/O and no state: every function here is
//! a pure function of the bytes it is given, and none panics whatever the
//! bytes hold (out-of-range reads return 0, out-of-range writes are
//! ignored; callers validate lengths before trusting a structure).

use crc::{Algorithm, Crc, Table};
use kairos_abi::{Errno, Error};

/// Reads a little-endian `u16` at `off`, or 0 if out of bounds.
pub fn le16(b: &[u8], off: usize) -> u16 {
    match b.get(off..off + 2) {
        Some(s) => u16::from_le_bytes([s[0], s[1]]),
        None => 0,
    }
}

/// Reads a little-endian `u32` at `off`, or 0 if out of bounds.
pub fn le32(b: &[u8], off: usize) -> u32 {
    match b.get(off..off + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

/// Reads a little-endian `u64` at `off`, or 0 if out of bounds.
pub fn le64(b: &[u8], off: usize) -> u64 {
    le32(b, off) as u64 | (le32(b, off + 4) as u64) << 32
}

/// Writes a little-endian `u16` at `off` (ignored if out of bounds).
pub fn set16(b: &mut [u8], off: usize, v: u16) {
    if let Some(s) = b.get_mut(off..off + 2) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes a little-endian `u32` at `off` (ignored if out of bounds).
pub fn set32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes a little-endian `u64` at `off` (ignored if out of bounds).
pub fn set64(b: &mut [u8], off: usize, v: u64) {
    set32(b, off, v as u32);
    set32(b, off + 4, (v >> 32) as u32);
}

/// `EUCLEAN` ("Structure needs cleaning"), Linux's `EFSCORRUPTED`: what a
/// bad checksum or an impossible on-disk value returns.
pub fn corrupt(what: &'static str) -> Error {
    Error::with_msg(Errno::EUCLEAN, what)
}

// Checksums. The `crc` crate (no_std, table driven) computes both; ext4
// uses the *raw* register form (no final inversion, caller-provided seed),
// so the algorithms below have `init = 0, xorout = 0` and the seed is
// passed through `digest_with_initial`, which expects it bit-reversed for
// reflected algorithms.

const CRC32C_RAW: Algorithm<u32> =
    Algorithm { width: 32, poly: 0x1edc_6f41, init: 0, refin: true, refout: true, xorout: 0, check: 0, residue: 0 };
static CRC32C: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC32C_RAW);

const CRC16_RAW: Algorithm<u16> =
    Algorithm { width: 16, poly: 0x8005, init: 0, refin: true, refout: true, xorout: 0, check: 0, residue: 0 };
static CRC16: Crc<u16> = Crc::<u16>::new(&CRC16_RAW);

/// Linux's `crc32c(seed, data)`: the reflected Castagnoli CRC continuing
/// from register value `seed`, without final inversion.
pub fn crc32c(seed: u32, data: &[u8]) -> u32 {
    let mut d = CRC32C.digest_with_initial(seed.reverse_bits());
    d.update(data);
    d.finalize()
}

/// Linux's `crc16(seed, data)` (the ANSI polynomial, reflected), used by
/// the old `uninit_bg` group descriptor checksums.
pub fn crc16(seed: u16, data: &[u8]) -> u16 {
    let mut d = CRC16.digest_with_initial(seed.reverse_bits());
    d.update(data);
    d.finalize()
}

/// Superblock magic.
pub const EXT4_MAGIC: u16 = 0xef53;

/// `COMPAT` feature bits.
pub mod compat {
    /// A journal (inode `s_journal_inum`).
    pub const HAS_JOURNAL: u32 = 0x4;
    /// Extended attributes.
    pub const EXT_ATTR: u32 = 0x8;
    /// Reserved GDT blocks for online resize.
    pub const RESIZE_INODE: u32 = 0x10;
    /// Hashed directory indexes.
    pub const DIR_INDEX: u32 = 0x20;
    /// Sparse super v2 (backups in `s_backup_bgs` only).
    pub const SPARSE_SUPER2: u32 = 0x200;
    /// Orphan file.
    pub const ORPHAN_FILE: u32 = 0x1000;
}

/// `INCOMPAT` feature bits.
pub mod incompat {
    /// Directory entries record the file type.
    pub const FILETYPE: u32 = 0x2;
    /// The journal needs recovery.
    pub const RECOVER: u32 = 0x4;
    /// External journal device.
    pub const JOURNAL_DEV: u32 = 0x8;
    /// Meta block groups.
    pub const META_BG: u32 = 0x10;
    /// Extent trees.
    pub const EXTENTS: u32 = 0x40;
    /// 64-bit block numbers.
    pub const BIT64: u32 = 0x80;
    /// Multiple-mount protection.
    pub const MMP: u32 = 0x100;
    /// Flexible block groups.
    pub const FLEX_BG: u32 = 0x200;
    /// Large xattr values in inodes.
    pub const EA_INODE: u32 = 0x400;
    /// Checksum seed in the superblock.
    pub const CSUM_SEED: u32 = 0x2000;
    /// Directories over 2 GiB / 3-level htrees.
    pub const LARGEDIR: u32 = 0x4000;
    /// Data stored in the inode.
    pub const INLINE_DATA: u32 = 0x8000;
    /// Everything this driver understands.
    pub const SUPPORTED: u32 =
        FILETYPE | RECOVER | META_BG | EXTENTS | BIT64 | FLEX_BG | EA_INODE | CSUM_SEED | LARGEDIR | INLINE_DATA;
}

/// `RO_COMPAT` feature bits.
pub mod ro_compat {
    /// Superblock backups only in some groups.
    pub const SPARSE_SUPER: u32 = 0x1;
    /// Files over 2 GiB.
    pub const LARGE_FILE: u32 = 0x2;
    /// Unused b-tree directories flag.
    pub const BTREE_DIR: u32 = 0x4;
    /// `i_blocks` in fs blocks / 48 bits.
    pub const HUGE_FILE: u32 = 0x8;
    /// Group descriptor crc16.
    pub const GDT_CSUM: u32 = 0x10;
    /// More than 65000 subdirectories.
    pub const DIR_NLINK: u32 = 0x20;
    /// Large inodes record `i_extra_isize`.
    pub const EXTRA_ISIZE: u32 = 0x40;
    /// crc32c metadata checksums.
    pub const METADATA_CSUM: u32 = 0x400;
    /// The filesystem must be mounted read-only.
    pub const READONLY: u32 = 0x1000;
    /// The orphan file holds entries.
    pub const ORPHAN_PRESENT: u32 = 0x10000;
    /// Everything this driver can write.
    pub const SUPPORTED: u32 = SPARSE_SUPER
        | LARGE_FILE
        | BTREE_DIR
        | HUGE_FILE
        | GDT_CSUM
        | DIR_NLINK
        | EXTRA_ISIZE
        | METADATA_CSUM
        | ORPHAN_PRESENT;
}

/// Superblock field offsets (within the 1024-byte superblock), named
/// after the `s_*` fields of `struct ext4_super_block`.
#[allow(missing_docs)]
pub mod sb {
    pub const INODES_COUNT: usize = 0x0;
    pub const BLOCKS_COUNT_LO: usize = 0x4;
    pub const R_BLOCKS_COUNT_LO: usize = 0x8;
    pub const FREE_BLOCKS_LO: usize = 0xc;
    pub const FREE_INODES: usize = 0x10;
    pub const FIRST_DATA_BLOCK: usize = 0x14;
    pub const LOG_BLOCK_SIZE: usize = 0x18;
    pub const LOG_CLUSTER_SIZE: usize = 0x1c;
    pub const BLOCKS_PER_GROUP: usize = 0x20;
    pub const CLUSTERS_PER_GROUP: usize = 0x24;
    pub const INODES_PER_GROUP: usize = 0x28;
    pub const MTIME: usize = 0x2c;
    pub const WTIME: usize = 0x30;
    pub const MNT_COUNT: usize = 0x34;
    pub const MAGIC: usize = 0x38;
    pub const STATE: usize = 0x3a;
    pub const REV_LEVEL: usize = 0x4c;
    pub const FIRST_INO: usize = 0x54;
    pub const INODE_SIZE: usize = 0x58;
    pub const FEATURE_COMPAT: usize = 0x5c;
    pub const FEATURE_INCOMPAT: usize = 0x60;
    pub const FEATURE_RO_COMPAT: usize = 0x64;
    pub const UUID: usize = 0x68;
    pub const JOURNAL_INUM: usize = 0xe0;
    pub const LAST_ORPHAN: usize = 0xe8;
    pub const HASH_SEED: usize = 0xec;
    pub const DEF_HASH_VERSION: usize = 0xfc;
    pub const DESC_SIZE: usize = 0xfe;
    pub const FIRST_META_BG: usize = 0x104;
    pub const BLOCKS_COUNT_HI: usize = 0x150;
    pub const R_BLOCKS_COUNT_HI: usize = 0x154;
    pub const FREE_BLOCKS_HI: usize = 0x158;
    pub const WANT_EXTRA_ISIZE: usize = 0x15e;
    pub const FLAGS: usize = 0x160;
    pub const LOG_GROUPS_PER_FLEX: usize = 0x174;
    pub const CHECKSUM_TYPE: usize = 0x175;
    pub const KBYTES_WRITTEN: usize = 0x178;
    /// `s_overhead_clusters` (0 = not recorded).
    pub const OVERHEAD_CLUSTERS: usize = 0x248;
    pub const BACKUP_BGS: usize = 0x24c;
    pub const CHECKSUM_SEED: usize = 0x270;
    pub const WTIME_HI: usize = 0x274;
    pub const MTIME_HI: usize = 0x275;
    pub const ORPHAN_FILE_INUM: usize = 0x280;
    pub const CHECKSUM: usize = 0x3fc;
    /// `s_state`: cleanly unmounted.
    pub const STATE_VALID: u16 = 1;
    /// `s_state`: errors detected.
    pub const STATE_ERROR: u16 = 2;
    /// `s_flags`: directory hashes use signed chars.
    pub const FLAGS_SIGNED_HASH: u32 = 1;
    /// `s_flags`: directory hashes use unsigned chars.
    pub const FLAGS_UNSIGNED_HASH: u32 = 2;
}

/// Group descriptor field offsets, named after the `bg_*` fields.
#[allow(missing_docs)]
pub mod gd {
    pub const BLOCK_BITMAP_LO: usize = 0x0;
    pub const INODE_BITMAP_LO: usize = 0x4;
    pub const INODE_TABLE_LO: usize = 0x8;
    pub const FREE_BLOCKS_LO: usize = 0xc;
    pub const FREE_INODES_LO: usize = 0xe;
    pub const USED_DIRS_LO: usize = 0x10;
    pub const FLAGS: usize = 0x12;
    pub const BLOCK_BITMAP_CSUM_LO: usize = 0x18;
    pub const INODE_BITMAP_CSUM_LO: usize = 0x1a;
    pub const ITABLE_UNUSED_LO: usize = 0x1c;
    pub const CHECKSUM: usize = 0x1e;
    pub const BLOCK_BITMAP_HI: usize = 0x20;
    pub const INODE_BITMAP_HI: usize = 0x24;
    pub const INODE_TABLE_HI: usize = 0x28;
    pub const FREE_BLOCKS_HI: usize = 0x2c;
    pub const FREE_INODES_HI: usize = 0x2e;
    pub const USED_DIRS_HI: usize = 0x30;
    pub const ITABLE_UNUSED_HI: usize = 0x32;
    pub const BLOCK_BITMAP_CSUM_HI: usize = 0x38;
    pub const INODE_BITMAP_CSUM_HI: usize = 0x3a;
    /// Inode table and bitmap not initialized.
    pub const INODE_UNINIT: u16 = 1;
    /// Block bitmap not initialized.
    pub const BLOCK_UNINIT: u16 = 2;
    /// Inode table zeroed.
    pub const INODE_ZEROED: u16 = 4;
}

/// One group descriptor (32 or 64 bytes), a copy of its on-disk bytes.
#[derive(Clone, Debug)]
pub struct GroupDesc {
    /// The raw bytes (`desc_size` long).
    pub raw: alloc::vec::Vec<u8>,
}

impl GroupDesc {
    fn lohi32(&self, lo: usize, hi: usize) -> u64 {
        let h = if self.raw.len() >= 64 { le32(&self.raw, hi) as u64 } else { 0 };
        le32(&self.raw, lo) as u64 | h << 32
    }
    fn lohi16(&self, lo: usize, hi: usize) -> u32 {
        let h = if self.raw.len() >= 64 { le16(&self.raw, hi) as u32 } else { 0 };
        le16(&self.raw, lo) as u32 | h << 16
    }
    fn set_lohi16(&mut self, lo: usize, hi: usize, v: u32) {
        set16(&mut self.raw, lo, v as u16);
        if self.raw.len() >= 64 {
            set16(&mut self.raw, hi, (v >> 16) as u16);
        }
    }
    /// Block of the block bitmap.
    pub fn block_bitmap(&self) -> u64 {
        self.lohi32(gd::BLOCK_BITMAP_LO, gd::BLOCK_BITMAP_HI)
    }
    /// Block of the inode bitmap.
    pub fn inode_bitmap(&self) -> u64 {
        self.lohi32(gd::INODE_BITMAP_LO, gd::INODE_BITMAP_HI)
    }
    /// First block of the inode table.
    pub fn inode_table(&self) -> u64 {
        self.lohi32(gd::INODE_TABLE_LO, gd::INODE_TABLE_HI)
    }
    /// Free blocks in the group.
    pub fn free_blocks(&self) -> u32 {
        self.lohi16(gd::FREE_BLOCKS_LO, gd::FREE_BLOCKS_HI)
    }
    /// Sets the free block count.
    pub fn set_free_blocks(&mut self, v: u32) {
        self.set_lohi16(gd::FREE_BLOCKS_LO, gd::FREE_BLOCKS_HI, v)
    }
    /// Free inodes in the group.
    pub fn free_inodes(&self) -> u32 {
        self.lohi16(gd::FREE_INODES_LO, gd::FREE_INODES_HI)
    }
    /// Sets the free inode count.
    pub fn set_free_inodes(&mut self, v: u32) {
        self.set_lohi16(gd::FREE_INODES_LO, gd::FREE_INODES_HI, v)
    }
    /// Directories in the group.
    pub fn used_dirs(&self) -> u32 {
        self.lohi16(gd::USED_DIRS_LO, gd::USED_DIRS_HI)
    }
    /// Sets the directory count.
    pub fn set_used_dirs(&mut self, v: u32) {
        self.set_lohi16(gd::USED_DIRS_LO, gd::USED_DIRS_HI, v)
    }
    /// Never-used inodes at the end of the group's table.
    pub fn itable_unused(&self) -> u32 {
        self.lohi16(gd::ITABLE_UNUSED_LO, gd::ITABLE_UNUSED_HI)
    }
    /// Sets the unused inode count.
    pub fn set_itable_unused(&mut self, v: u32) {
        self.set_lohi16(gd::ITABLE_UNUSED_LO, gd::ITABLE_UNUSED_HI, v)
    }
    /// `bg_flags`.
    pub fn flags(&self) -> u16 {
        le16(&self.raw, gd::FLAGS)
    }
    /// Sets `bg_flags`.
    pub fn set_flags(&mut self, v: u16) {
        set16(&mut self.raw, gd::FLAGS, v)
    }
    /// Stores a block bitmap checksum.
    pub fn set_block_bitmap_csum(&mut self, c: u32) {
        self.set_lohi16(gd::BLOCK_BITMAP_CSUM_LO, gd::BLOCK_BITMAP_CSUM_HI, c)
    }
    /// Stores an inode bitmap checksum.
    pub fn set_inode_bitmap_csum(&mut self, c: u32) {
        self.set_lohi16(gd::INODE_BITMAP_CSUM_LO, gd::INODE_BITMAP_CSUM_HI, c)
    }
    /// The stored block bitmap checksum (16 bits with 32-byte descriptors).
    pub fn block_bitmap_csum(&self) -> u32 {
        self.lohi16(gd::BLOCK_BITMAP_CSUM_LO, gd::BLOCK_BITMAP_CSUM_HI)
    }
    /// The stored inode bitmap checksum.
    pub fn inode_bitmap_csum(&self) -> u32 {
        self.lohi16(gd::INODE_BITMAP_CSUM_LO, gd::INODE_BITMAP_CSUM_HI)
    }
}

/// Encodes a timestamp as `(seconds, extra)` with the epoch bits of
/// `extra` extending the 32-bit seconds (ext4's `ext4_encode_extra_time`).
pub fn encode_time(sec: i64, nsec: i64) -> (u32, u32) {
    let extra_epoch = ((sec - (sec as i32 as i64)) >> 32) as u32 & 3;
    (sec as u32, extra_epoch | ((nsec.clamp(0, 999_999_999) as u32) << 2))
}

/// Decodes `(seconds, extra)`; `extra` is `None` for small inodes.
pub fn decode_time(sec: u32, extra: Option<u32>) -> (i64, i64) {
    let mut s = sec as i32 as i64;
    let mut ns = 0;
    if let Some(extra) = extra {
        s += ((extra & 3) as i64) << 32;
        ns = (extra >> 2) as i64;
        if ns > 999_999_999 {
            ns = 0;
        }
    }
    (s, ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        // CRC-32C("123456789") = 0xe3069283 = ~raw(~0, data).
        assert_eq!(!crc32c(!0, b"123456789"), 0xe306_9283);
        // Chaining equals one pass.
        assert_eq!(crc32c(crc32c(!0, b"1234"), b"56789"), crc32c(!0, b"123456789"));
    }

    #[test]
    fn crc16_matches_arc() {
        // CRC-16/ARC("123456789") = 0xbb3d (init 0).
        assert_eq!(crc16(0, b"123456789"), 0xbb3d);
    }

    #[test]
    fn times_round_trip() {
        for (s, ns) in [(0i64, 0i64), (-1, 5), (1 << 31, 7), (0x3_0000_0000, 999_999_999), (-(1 << 31), 1)] {
            let (a, b) = encode_time(s, ns);
            assert_eq!(decode_time(a, Some(b)), (s, ns));
        }
    }

    #[test]
    fn field_access_out_of_bounds_is_harmless() {
        let mut b = [0u8; 3];
        assert_eq!(le32(&b, 1), 0);
        set32(&mut b, 1, 7);
        assert_eq!(b, [0; 3]);
    }
}
