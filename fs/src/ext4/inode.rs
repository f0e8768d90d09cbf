//! The on-disk inode: [`RawInode`], a copy of one inode's bytes with typed
//! accessors for every field this driver uses (times with nanoseconds and
//! epoch bits, 32-bit ids, 64-bit sizes, `huge_file` block counts, device
//! numbers in `i_block`), and the inode checksum. Pure: no I/O; unknown
//! fields are preserved byte for byte when the inode is written back.

use alloc::vec::Vec;

use kairos_abi::types::Timespec;

use super::disk::{crc32c, decode_time, encode_time, le16, le32, set16, set32};

/// `i_flags`: directory has a hashed index.
pub const INDEX_FL: u32 = 0x1000;
/// `i_flags`: `i_blocks` counts fs blocks, not sectors.
pub const HUGE_FILE_FL: u32 = 0x40000;
/// `i_flags`: `i_block` holds an extent tree.
pub const EXTENTS_FL: u32 = 0x80000;
/// `i_flags`: the inode holds a large xattr value.
pub const EA_INODE_FL: u32 = 0x200000;
/// `i_flags`: data is stored inline.
pub const INLINE_DATA_FL: u32 = 0x1000_0000;

/// Size of the classic inode.
pub const GOOD_OLD_INODE_SIZE: usize = 128;

mod off {
    pub const MODE: usize = 0x0;
    pub const UID: usize = 0x2;
    pub const SIZE_LO: usize = 0x4;
    pub const ATIME: usize = 0x8;
    pub const CTIME: usize = 0xc;
    pub const MTIME: usize = 0x10;
    pub const DTIME: usize = 0x14;
    pub const GID: usize = 0x18;
    pub const LINKS: usize = 0x1a;
    pub const BLOCKS_LO: usize = 0x1c;
    pub const FLAGS: usize = 0x20;
    pub const BLOCK: usize = 0x28;
    pub const GENERATION: usize = 0x64;
    pub const FILE_ACL_LO: usize = 0x68;
    pub const SIZE_HIGH: usize = 0x6c;
    pub const BLOCKS_HIGH: usize = 0x74;
    pub const FILE_ACL_HIGH: usize = 0x76;
    pub const UID_HIGH: usize = 0x78;
    pub const GID_HIGH: usize = 0x7a;
    pub const CHECKSUM_LO: usize = 0x7c;
    pub const EXTRA_ISIZE: usize = 0x80;
    pub const CHECKSUM_HI: usize = 0x82;
    pub const CTIME_EXTRA: usize = 0x84;
    pub const MTIME_EXTRA: usize = 0x88;
    pub const ATIME_EXTRA: usize = 0x8c;
    pub const CRTIME: usize = 0x90;
    pub const CRTIME_EXTRA: usize = 0x94;
}

/// Which timestamp.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Time {
    /// Access.
    A,
    /// Change.
    C,
    /// Modification.
    M,
    /// Creation (large inodes only).
    Cr,
}

/// One inode's bytes (`s_inode_size` long, at least 128).
#[derive(Clone, Debug)]
pub struct RawInode {
    /// The bytes.
    pub b: Vec<u8>,
}

impl RawInode {
    /// `i_mode`.
    pub fn mode(&self) -> u16 {
        le16(&self.b, off::MODE)
    }
    /// Sets `i_mode`.
    pub fn set_mode(&mut self, m: u16) {
        set16(&mut self.b, off::MODE, m)
    }
    /// Owner (32 bits).
    pub fn uid(&self) -> u32 {
        le16(&self.b, off::UID) as u32 | (le16(&self.b, off::UID_HIGH) as u32) << 16
    }
    /// Sets the owner.
    pub fn set_uid(&mut self, v: u32) {
        set16(&mut self.b, off::UID, v as u16);
        set16(&mut self.b, off::UID_HIGH, (v >> 16) as u16);
    }
    /// Group (32 bits).
    pub fn gid(&self) -> u32 {
        le16(&self.b, off::GID) as u32 | (le16(&self.b, off::GID_HIGH) as u32) << 16
    }
    /// Sets the group.
    pub fn set_gid(&mut self, v: u32) {
        set16(&mut self.b, off::GID, v as u16);
        set16(&mut self.b, off::GID_HIGH, (v >> 16) as u16);
    }
    /// Size in bytes (64 bits).
    pub fn size(&self) -> u64 {
        le32(&self.b, off::SIZE_LO) as u64 | (le32(&self.b, off::SIZE_HIGH) as u64) << 32
    }
    /// Sets the size.
    pub fn set_size(&mut self, v: u64) {
        set32(&mut self.b, off::SIZE_LO, v as u32);
        set32(&mut self.b, off::SIZE_HIGH, (v >> 32) as u32);
    }
    /// `i_links_count`.
    pub fn links(&self) -> u16 {
        le16(&self.b, off::LINKS)
    }
    /// Sets `i_links_count`.
    pub fn set_links(&mut self, v: u16) {
        set16(&mut self.b, off::LINKS, v)
    }
    /// `i_dtime` (also the next orphan's number while on the orphan list).
    pub fn dtime(&self) -> u32 {
        le32(&self.b, off::DTIME)
    }
    /// Sets `i_dtime`.
    pub fn set_dtime(&mut self, v: u32) {
        set32(&mut self.b, off::DTIME, v)
    }
    /// `i_flags`.
    pub fn flags(&self) -> u32 {
        le32(&self.b, off::FLAGS)
    }
    /// Sets `i_flags`.
    pub fn set_flags(&mut self, v: u32) {
        set32(&mut self.b, off::FLAGS, v)
    }
    /// `i_generation`.
    pub fn generation(&self) -> u32 {
        le32(&self.b, off::GENERATION)
    }
    /// Sets `i_generation`.
    pub fn set_generation(&mut self, v: u32) {
        set32(&mut self.b, off::GENERATION, v)
    }
    /// The external xattr block (48 bits).
    pub fn file_acl(&self) -> u64 {
        le32(&self.b, off::FILE_ACL_LO) as u64 | (le16(&self.b, off::FILE_ACL_HIGH) as u64) << 32
    }
    /// Sets the external xattr block.
    pub fn set_file_acl(&mut self, v: u64) {
        set32(&mut self.b, off::FILE_ACL_LO, v as u32);
        set16(&mut self.b, off::FILE_ACL_HIGH, (v >> 32) as u16);
    }
    /// The 60 bytes of `i_block` (extent root, block map, symlink, rdev).
    pub fn i_block(&self) -> [u8; 60] {
        let mut a = [0u8; 60];
        if let Some(s) = self.b.get(off::BLOCK..off::BLOCK + 60) {
            a.copy_from_slice(s);
        }
        a
    }
    /// Sets `i_block`.
    pub fn set_i_block(&mut self, a: &[u8; 60]) {
        if let Some(s) = self.b.get_mut(off::BLOCK..off::BLOCK + 60) {
            s.copy_from_slice(a);
        }
    }
    /// `i_extra_isize` (0 for 128-byte inodes; clamped to the inode).
    pub fn extra_isize(&self) -> usize {
        if self.b.len() <= GOOD_OLD_INODE_SIZE {
            return 0;
        }
        let e = le16(&self.b, off::EXTRA_ISIZE) as usize;
        if GOOD_OLD_INODE_SIZE + e > self.b.len() || !e.is_multiple_of(4) { 0 } else { e }
    }
    /// Sets `i_extra_isize`.
    pub fn set_extra_isize(&mut self, v: u16) {
        if self.b.len() > GOOD_OLD_INODE_SIZE {
            set16(&mut self.b, off::EXTRA_ISIZE, v);
        }
    }
    /// True if the field at `offset` (4 bytes) lies inside the extra space.
    fn fits(&self, offset: usize) -> bool {
        offset + 4 <= GOOD_OLD_INODE_SIZE + self.extra_isize()
    }

    fn time_offsets(t: Time) -> (usize, usize) {
        match t {
            Time::A => (off::ATIME, off::ATIME_EXTRA),
            Time::C => (off::CTIME, off::CTIME_EXTRA),
            Time::M => (off::MTIME, off::MTIME_EXTRA),
            Time::Cr => (off::CRTIME, off::CRTIME_EXTRA),
        }
    }

    /// A timestamp (`None` for the creation time of a small inode).
    pub fn time(&self, t: Time) -> Option<Timespec> {
        let (s, e) = Self::time_offsets(t);
        if t == Time::Cr && !self.fits(s) {
            return None;
        }
        let extra = self.fits(e).then(|| le32(&self.b, e));
        let (sec, nsec) = decode_time(le32(&self.b, s), extra);
        Some(Timespec::new(sec, nsec))
    }
    /// Sets a timestamp (as much of it as the inode can hold).
    pub fn set_time(&mut self, t: Time, ts: Timespec) {
        let (s, e) = Self::time_offsets(t);
        if t == Time::Cr && !self.fits(s) {
            return;
        }
        let (sec, extra) = encode_time(ts.tv_sec, ts.tv_nsec);
        set32(&mut self.b, s, sec);
        if self.fits(e) {
            set32(&mut self.b, e, extra);
        }
    }

    /// `i_blocks` in 512-byte units.
    pub fn blocks_512(&self, huge_file: bool, bs: usize) -> u64 {
        let lo = le32(&self.b, off::BLOCKS_LO) as u64;
        if !huge_file {
            return lo;
        }
        let n = lo | (le16(&self.b, off::BLOCKS_HIGH) as u64) << 32;
        if self.flags() & HUGE_FILE_FL != 0 { n * (bs as u64 / 512) } else { n }
    }
    /// Sets `i_blocks` from a count of 512-byte units (switching to
    /// fs-block units when it does not fit in 48 bits).
    pub fn set_blocks_512(&mut self, n: u64, huge_file: bool, bs: usize) {
        let mut flags = self.flags() & !HUGE_FILE_FL;
        let v = if n >> 48 == 0 || !huge_file {
            n
        } else {
            flags |= HUGE_FILE_FL;
            n / (bs as u64 / 512)
        };
        self.set_flags(flags);
        set32(&mut self.b, off::BLOCKS_LO, v as u32);
        set16(&mut self.b, off::BLOCKS_HIGH, if huge_file { (v >> 32) as u16 } else { 0 });
    }

    /// The device number of a device node (Linux's old or new encoding in
    /// `i_block`), as a [`makedev`](crate::vfs::makedev) value.
    pub fn rdev(&self) -> u64 {
        let b0 = le32(&self.b, off::BLOCK);
        let (major, minor) = if b0 != 0 {
            ((b0 >> 8) & 0xff, b0 & 0xff)
        } else {
            let d = le32(&self.b, off::BLOCK + 4);
            ((d & 0xfff00) >> 8, (d & 0xff) | ((d >> 12) & 0xfff00))
        };
        crate::vfs::makedev(major, minor)
    }
    /// Stores a device number the way Linux does.
    pub fn set_rdev(&mut self, dev: u64) {
        let (major, minor) = (crate::vfs::dev_major(dev), crate::vfs::dev_minor(dev));
        let mut blk = [0u8; 60];
        if major < 256 && minor < 256 {
            blk[..4].copy_from_slice(&((major << 8) | minor).to_le_bytes());
        } else {
            let v = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
            blk[4..8].copy_from_slice(&v.to_le_bytes());
        }
        self.set_i_block(&blk);
    }

    /// The per-inode checksum seed: crc32c of the inode number and
    /// generation, continuing from the filesystem seed.
    pub fn csum_seed(fs_seed: u32, ino: u32, generation: u32) -> u32 {
        crc32c(crc32c(fs_seed, &ino.to_le_bytes()), &generation.to_le_bytes())
    }

    fn compute_csum(&self, fs_seed: u32, ino: u32) -> u32 {
        let seed = Self::csum_seed(fs_seed, ino, self.generation());
        let mut copy = self.b.clone();
        set16(&mut copy, off::CHECKSUM_LO, 0);
        let has_hi = self.b.len() > GOOD_OLD_INODE_SIZE && self.fits(off::CHECKSUM_HI - 2);
        if has_hi {
            set16(&mut copy, off::CHECKSUM_HI, 0);
        }
        crc32c(seed, &copy)
    }

    /// True if the stored checksum matches (16 bits for small inodes).
    pub fn verify_csum(&self, fs_seed: u32, ino: u32) -> bool {
        let c = self.compute_csum(fs_seed, ino);
        let lo = le16(&self.b, off::CHECKSUM_LO) as u32;
        if self.b.len() > GOOD_OLD_INODE_SIZE && self.fits(off::CHECKSUM_HI - 2) {
            lo | (le16(&self.b, off::CHECKSUM_HI) as u32) << 16 == c
        } else {
            lo == c & 0xffff
        }
    }

    /// Stores the checksum.
    pub fn set_csum(&mut self, fs_seed: u32, ino: u32) {
        let c = self.compute_csum(fs_seed, ino);
        set16(&mut self.b, off::CHECKSUM_LO, c as u16);
        if self.b.len() > GOOD_OLD_INODE_SIZE && self.fits(off::CHECKSUM_HI - 2) {
            set16(&mut self.b, off::CHECKSUM_HI, (c >> 16) as u16);
        }
    }
}
