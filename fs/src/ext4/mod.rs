//! The ext4 driver: mounts a real ext2/3/4 filesystem from a
//! [`BlockDevice`], reads and writes it, and leaves it consistent for
//! `e2fsck`. This module owns [`Ext4`] (one mounted filesystem: geometry,
//! the superblock and group descriptors, the buffer cache, the inode
//! cache, write-back and the journal hook) and [`Ext4Options`]; the inodes
//! themselves ([`Ext4Inode`], the VFS [`Inode`] implementation) are in
//! `file`, block/inode allocation in `alloc`.
//!
//! Supported: 1–64 KiB blocks, 32/64-byte group descriptors (`64bit`),
//! `flex_bg`, `meta_bg`, `sparse_super(2)`, `extent` trees of any depth and
//! legacy block maps, `huge_file`, `extra_isize` (nanosecond times),
//! `dir_nlink`, `filetype`, htree (`dir_index`) directories (see
//! `htree`: hashed lookup, hash-order `readdir` with Linux's cookies, the
//! index maintained on insert), `metadata_csum` (crc32c, verified on every
//! read: a bad checksum is `EUCLEAN` plus a warning) and `uninit_bg`
//! (crc16), xattrs (read and written, in the inode and in an external
//! block; values in EA inodes only read), the orphan list, the jbd2 journal
//! (replayed at mount). `inline_data` and `ea_inode` filesystems are
//! readable but mounted read-only. An unknown `INCOMPAT` feature refuses
//! the mount (`EINVAL`); an unknown `RO_COMPAT` feature makes it
//! read-only. Nothing on disk can make it panic.
//!
//! Directories behave as Linux's: lookups in indexed directories go
//! through the index, linear ones are scanned; with `dir_index`, indexed
//! and one-block directories are listed in hash order with `hash2pos`
//! cookies (others in on-disk order with byte-offset cookies); inserts
//! keep the index valid and a full one-block directory becomes indexed.
//!
//! Concurrency: one filesystem-wide [`AsyncRwLock`]; reads (data,
//! lookup, readdir) share it, modifications hold it exclusively. Spin locks
//! (inode state, cache maps) are never held across an `.await`. Futures of
//! modifying operations must not be dropped half-way (the kernel runs
//! regular-file and namespace I/O uninterruptibly, like Linux's D state):
//! a dropped one may leave cached metadata half-updated until the next
//! operation completes it — never a panic, but possibly an e2fsck finding.
//!
//! Durability: changes live in the buffer cache until [`Ext4::sync_fs`],
//! [`Inode::sync`], [`Ext4::unmount`] or a write-back forced by cache
//! pressure; each write-back is one journal transaction in ordered mode
//! (data blocks home first, then metadata through the journal, then home).

mod alloc;
pub mod bcache;
mod blockmap;
pub mod dir;
pub mod disk;
pub mod extent;
mod file;
pub mod hash;
mod htree;
pub mod inode;
mod journal;
pub mod lock;
pub mod xattr;

use ::alloc::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Weak},
    vec,
    vec::Vec,
};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use kairos_abi::{
    Errno, Error, Result,
    types::{EXT4_SUPER_MAGIC, ST_RDONLY, ST_VALID, StatFs, Timespec},
};
use spin::Mutex;

pub use self::file::Ext4Inode;
use self::{
    bcache::{BlockCache, Buf},
    disk::{GroupDesc, compat, corrupt, crc16, crc32c, incompat, le16, le32, ro_compat, sb, set16, set32},
    inode::RawInode,
    journal::JournalHook,
    lock::AsyncRwLock,
};
use crate::{
    block::{BlockDevice, SECTOR_SIZE},
    vfs::{Clock, Inode, NAME_MAX, alloc_fs_id},
};

/// Root directory inode number.
pub const ROOT_INO: u32 = 2;

/// Mount options.
#[derive(Clone)]
pub struct Ext4Options {
    /// Mount read-only (`MS_RDONLY`); also forced by a read-only device or
    /// an unknown `RO_COMPAT` feature.
    pub read_only: bool,
    /// The device number `stat` reports as `st_dev`.
    pub dev: u64,
    /// Source of timestamps.
    pub clock: Arc<dyn Clock>,
    /// Buffer cache size in filesystem blocks (clean blocks beyond it are
    /// evicted, least recently used first).
    pub cache_blocks: usize,
    /// Update access times (`relatime` rules); false is `noatime`.
    pub atime: bool,
}

impl Ext4Options {
    /// Read-write, `relatime`, an 8192-block cache.
    pub fn new(dev: u64, clock: Arc<dyn Clock>) -> Ext4Options {
        Ext4Options { read_only: false, dev, clock, cache_blocks: 8192, atime: true }
    }
}

/// Geometry and features, fixed at mount.
pub(crate) struct Geo {
    pub bs: usize,
    pub blocks_count: u64,
    pub first_data_block: u64,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inodes_count: u32,
    pub groups: u32,
    pub inode_size: usize,
    pub desc_size: usize,
    pub descs_per_block: u32,
    pub first_ino: u32,
    pub compat: u32,
    pub incompat: u32,
    pub ro_compat: u32,
    /// `metadata_csum`.
    pub csum: bool,
    /// `uninit_bg` (crc16 group descriptor checksums).
    pub gdt_csum: bool,
    pub csum_seed: u32,
    pub uuid: [u8; 16],
    pub huge_file: bool,
    pub extents: bool,
    pub filetype: bool,
    pub dir_nlink: bool,
    /// `dir_index`: directories may carry htree indexes and are listed in
    /// hash order.
    pub dir_index: bool,
    /// `s_hash_seed` as little-endian words.
    pub hash_seed: [u32; 4],
    /// `s_def_hash_version`: the hash of newly indexed directories.
    pub def_hash_version: u8,
    /// 0, or [`hash::UNSIGNED_DELTA`] if names hash as unsigned chars.
    pub hash_unsigned: u8,
    pub reserved_gdt: u32,
    pub first_meta_bg: u32,
    pub backup_bgs: [u32; 2],
    pub want_extra_isize: u16,
    /// Group descriptor blocks, in order.
    pub gdt_blocks: Vec<u64>,
}

impl Geo {
    /// First block of `group`.
    pub fn group_first_block(&self, group: u32) -> u64 {
        self.first_data_block + group as u64 * self.blocks_per_group as u64
    }
    /// Blocks in `group` (the last one may be short).
    pub fn blocks_in_group(&self, group: u32) -> u32 {
        let start = self.group_first_block(group);
        (self.blocks_count - start).min(self.blocks_per_group as u64) as u32
    }
    /// Group holding `blk`.
    pub fn group_of_block(&self, blk: u64) -> u32 {
        ((blk.saturating_sub(self.first_data_block)) / self.blocks_per_group as u64) as u32
    }
    /// Blocks of each group's inode table.
    pub fn itable_blocks(&self) -> u64 {
        (self.inodes_per_group as u64 * self.inode_size as u64).div_ceil(self.bs as u64)
    }
    /// True if `group` holds a superblock backup.
    pub fn has_super(&self, group: u32) -> bool {
        if group == 0 {
            return true;
        }
        if self.compat & compat::SPARSE_SUPER2 != 0 {
            return group == self.backup_bgs[0] || group == self.backup_bgs[1];
        }
        if group <= 1 || self.ro_compat & ro_compat::SPARSE_SUPER == 0 {
            return true;
        }
        if group.is_multiple_of(2) {
            return false;
        }
        for base in [3u32, 5, 7] {
            let mut p = base;
            while p < group {
                match p.checked_mul(base) {
                    Some(n) => p = n,
                    None => break,
                }
            }
            if p == group {
                return true;
            }
        }
        false
    }
    /// Blocks at the start of `group` used by the superblock (backup),
    /// group descriptors and reserved GDT blocks.
    pub fn group_overhead(&self, group: u32) -> u64 {
        let desc_blocks = (self.groups as u64).div_ceil(self.descs_per_block as u64);
        let sup = self.has_super(group) as u64;
        let meta_bg = self.incompat & incompat::META_BG != 0;
        if !meta_bg || (group / self.descs_per_block) < self.first_meta_bg {
            if sup == 0 {
                return 0;
            }
            let old_desc = if meta_bg { self.first_meta_bg as u64 } else { desc_blocks };
            return 1 + old_desc + self.reserved_gdt as u64;
        }
        let r = group % self.descs_per_block;
        let gdt = (r == 0 || r == 1 || r == self.descs_per_block - 1) as u64;
        sup + gdt
    }
}

/// One mounted ext4 filesystem.
pub struct Ext4 {
    pub(crate) g: Geo,
    pub(crate) cache: BlockCache,
    pub(crate) lock: AsyncRwLock,
    dev: Arc<dyn BlockDevice>,
    sb_buf: Arc<Buf>,
    sb_off: usize,
    gdt: Vec<Arc<Buf>>,
    read_only: bool,
    fs_id: u64,
    devno: u64,
    clock: Arc<dyn Clock>,
    atime: bool,
    inodes: Mutex<BTreeMap<u32, Weak<Ext4Inode>>>,
    dirty_inodes: Mutex<BTreeMap<u32, Arc<Ext4Inode>>>,
    pending_free: Mutex<Vec<u32>>,
    pending_trunc: Mutex<BTreeSet<u32>>,
    root: Mutex<Option<Arc<Ext4Inode>>>,
    journal: Mutex<Option<JournalHook>>,
    next_generation: AtomicU32,
    last_dir_group: AtomicU32,
    kbytes_written: AtomicU64,
    unmounted: AtomicBool,
    /// Remounted read-only (`mount -o remount,ro`): written back and marked clean.
    remounted_ro: AtomicBool,
}

fn einval(msg: &'static str) -> Error {
    Error::with_msg(Errno::EINVAL, msg)
}

impl Ext4 {
    /// Mounts the filesystem on `dev`. Replays the journal first if it
    /// needs recovery (read-write mounts), then checks the superblock,
    /// group descriptors and root directory.
    ///
    /// Errors: `EINVAL` if this is not an ext2/3/4 filesystem, its geometry
    /// is impossible, or it needs an unsupported `INCOMPAT` feature;
    /// `EUCLEAN` for a bad checksum or corrupt descriptors; `EROFS` if the
    /// journal needs recovery and the mount or device is read-only; `EIO`.
    pub async fn mount(dev: Arc<dyn BlockDevice>, options: Ext4Options) -> Result<Arc<Ext4>> {
        let mut raw = vec![0u8; 1024];
        if dev.sector_count() < 4 {
            return Err(einval("device too small"));
        }
        dev.read(2, &mut raw).await?;
        let g = parse_superblock(&raw, dev.sector_count())?;
        let mut read_only = options.read_only || dev.read_only();
        if g.ro_compat & !ro_compat::SUPPORTED != 0 && !read_only {
            log::warn!(target: "ext4", "unsupported RO_COMPAT features {:#x}: mounting read-only",
                g.ro_compat & !ro_compat::SUPPORTED);
            read_only = true;
        }
        if g.ro_compat & ro_compat::READONLY != 0 {
            read_only = true;
        }
        if g.incompat & (incompat::INLINE_DATA | incompat::EA_INODE) != 0 && !read_only {
            log::warn!(target: "ext4", "inline_data / ea_inode are supported read-only: mounting read-only");
            read_only = true;
        }
        if g.compat & compat::HAS_JOURNAL == 0 && g.incompat & incompat::RECOVER != 0 {
            return Err(einval("needs recovery but has no journal"));
        }

        let bs = g.bs;
        let cache = BlockCache::new(dev.clone(), bs, g.blocks_count, options.cache_blocks);
        let (sb_blk, sb_off) = if bs == 1024 { (1, 0) } else { (0, 1024) };
        let sb_buf = cache.get(sb_blk).await?;
        let mut gdt = Vec::with_capacity(g.gdt_blocks.len());
        for &b in &g.gdt_blocks {
            gdt.push(cache.get(b).await?);
        }
        let fs = Arc::new(Ext4 {
            g,
            cache,
            lock: AsyncRwLock::new(),
            dev,
            sb_buf,
            sb_off,
            gdt,
            read_only,
            fs_id: alloc_fs_id(),
            devno: options.dev,
            clock: options.clock,
            atime: options.atime,
            inodes: Mutex::new(BTreeMap::new()),
            dirty_inodes: Mutex::new(BTreeMap::new()),
            pending_free: Mutex::new(Vec::new()),
            pending_trunc: Mutex::new(BTreeSet::new()),
            root: Mutex::new(None),
            journal: Mutex::new(None),
            next_generation: AtomicU32::new(0),
            last_dir_group: AtomicU32::new(0),
            kbytes_written: AtomicU64::new(0),
            unmounted: AtomicBool::new(false),
            remounted_ro: AtomicBool::new(false),
        });
        if fs.g.compat & compat::HAS_JOURNAL != 0 {
            fs.open_journal().await?;
        }
        fs.check_descriptors()?;
        let now = fs.now();
        fs.next_generation.store((now.tv_sec as u32) ^ (now.tv_nsec as u32).rotate_left(16), Ordering::Relaxed);
        fs.kbytes_written.store(fs.sb_read(|s| disk::le64(s, sb::KBYTES_WRITTEN)), Ordering::Relaxed);
        let root = fs.get_inode(ROOT_INO).await?;
        if !root.file_type().is_dir() {
            return Err(corrupt("root inode is not a directory"));
        }
        *fs.root.lock() = Some(root);
        if !fs.read_only {
            let dir_index = fs.g.dir_index;
            let _w = fs.lock.write().await;
            fs.sb_write(|s| {
                set32(s, sb::MTIME, now.tv_sec as u32);
                s[sb::MTIME_HI] = (now.tv_sec >> 32) as u8;
                set16(s, sb::MNT_COUNT, le16(s, sb::MNT_COUNT).wrapping_add(1));
                // Like Linux on x86 (signed `char`): record the hash
                // signedness if the superblock does not say.
                let flags = le32(s, sb::FLAGS);
                if dir_index && flags & (sb::FLAGS_SIGNED_HASH | sb::FLAGS_UNSIGNED_HASH) == 0 {
                    set32(s, sb::FLAGS, flags | sb::FLAGS_SIGNED_HASH);
                }
            });
            if fs.journal.lock().is_none() {
                // Without a journal a crash leaves the filesystem unchecked.
                fs.sb_write(|s| set16(s, sb::STATE, le16(s, sb::STATE) & !sb::STATE_VALID));
            }
            fs.orphan_cleanup().await?;
            fs.writeback().await?;
        }
        Ok(fs)
    }

    /// The root directory.
    ///
    /// Panics if called after [`Ext4::unmount`] (which releases it).
    pub fn root(&self) -> Arc<dyn Inode> {
        match &*self.root.lock() {
            Some(r) => r.clone(),
            None => panic!("ext4 root used after unmount"),
        }
    }

    /// The [`Inode::fs_id`] of this filesystem.
    pub fn fs_id(&self) -> u64 {
        self.fs_id
    }

    /// True if mounted (or remounted) read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only()
    }

    /// `mount -o remount,ro|rw`. Going read-only writes everything back and marks the
    /// filesystem clean on disk (valid state, no journal recovery needed), as Linux's
    /// `ext4_remount` does, so a machine powered off afterwards leaves a clean image;
    /// further changes fail with `EROFS`. Going read-write again marks it in use.
    ///
    /// Errors: `EROFS` to go read-write when the mount or device is read-only; `EIO`.
    pub async fn remount(self: &Arc<Self>, read_only: bool) -> Result<()> {
        if self.read_only || self.unmounted.load(Ordering::Relaxed) {
            return if read_only { Ok(()) } else { Err(Error::new(Errno::EROFS)) };
        }
        let _w = self.lock.write().await;
        if read_only == self.remounted_ro.load(Ordering::Relaxed) {
            return Ok(());
        }
        if read_only {
            self.writeback().await?;
            self.sb_write(|s| {
                set16(s, sb::STATE, le16(s, sb::STATE) | sb::STATE_VALID);
                set32(s, sb::FEATURE_INCOMPAT, le32(s, sb::FEATURE_INCOMPAT) & !incompat::RECOVER);
            });
            self.writeback().await?;
            self.dev.flush().await?;
            self.remounted_ro.store(true, Ordering::Relaxed);
        } else {
            self.remounted_ro.store(false, Ordering::Relaxed);
            let journaled = self.journal.lock().is_some();
            self.sb_write(|s| {
                if journaled {
                    set32(s, sb::FEATURE_INCOMPAT, le32(s, sb::FEATURE_INCOMPAT) | incompat::RECOVER);
                } else {
                    set16(s, sb::STATE, le16(s, sb::STATE) & !sb::STATE_VALID);
                }
            });
            self.writeback().await?;
        }
        Ok(())
    }

    /// The filesystem block size in bytes.
    pub fn block_size(&self) -> usize {
        self.g.bs
    }

    /// Buffer cache counters.
    pub fn cache_stats(&self) -> bcache::CacheStats {
        self.cache.stats()
    }

    /// Writes every change to the device (`syncfs`): dirty inodes, deferred
    /// truncates and frees, then one journal transaction.
    ///
    /// Errors: `EIO`.
    pub async fn sync_fs(self: &Arc<Self>) -> Result<()> {
        if self.read_only() {
            return Ok(());
        }
        let _w = self.lock.write().await;
        self.writeback().await
    }

    /// Syncs and marks the filesystem cleanly unmounted (clears the journal
    /// recovery flag, sets the valid state, stamps `s_wtime`). Inodes still
    /// referenced elsewhere keep working read-only afterwards; the root is
    /// released.
    ///
    /// Errors: `EIO`.
    pub async fn unmount(self: &Arc<Self>) -> Result<()> {
        let root = self.root.lock().take();
        drop(root);
        if self.read_only || self.remounted_ro.load(Ordering::Relaxed) || self.unmounted.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let _w = self.lock.write().await;
        self.writeback().await?;
        self.sb_write(|s| {
            set16(
                s,
                sb::STATE,
                (le16(s, sb::STATE) | sb::STATE_VALID) & !sb::STATE_ERROR | (le16(s, sb::STATE) & sb::STATE_ERROR),
            );
            set32(s, sb::FEATURE_INCOMPAT, le32(s, sb::FEATURE_INCOMPAT) & !incompat::RECOVER);
        });
        self.writeback().await?;
        self.dev.flush().await
    }

    pub(crate) fn now(&self) -> Timespec {
        self.clock.now()
    }

    pub(crate) fn atime_enabled(&self) -> bool {
        self.atime && !self.read_only()
    }

    pub(crate) fn read_only(&self) -> bool {
        self.read_only || self.unmounted.load(Ordering::Relaxed) || self.remounted_ro.load(Ordering::Relaxed)
    }

    pub(crate) fn devno(&self) -> u64 {
        self.devno
    }

    // ------------------------------------------------------------------
    // Superblock and group descriptors
    // ------------------------------------------------------------------

    pub(crate) fn sb_read<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let off = self.sb_off;
        self.sb_buf.read(|d| f(&d[off..off + 1024]))
    }

    pub(crate) fn sb_write<R>(&self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let off = self.sb_off;
        let csum = self.g.csum;
        let r = self.sb_buf.write(|d| {
            let s = &mut d[off..off + 1024];
            let r = f(s);
            if csum {
                let c = crc32c(!0, &s[..sb::CHECKSUM]);
                set32(s, sb::CHECKSUM, c);
            }
            r
        });
        self.cache.mark_dirty(&self.sb_buf, true);
        r
    }

    fn gd_loc(&self, group: u32) -> (usize, usize) {
        let dpb = self.g.descs_per_block;
        ((group / dpb) as usize, (group % dpb) as usize * self.g.desc_size)
    }

    /// A copy of group `group`'s descriptor.
    pub(crate) fn gd(&self, group: u32) -> GroupDesc {
        let (b, o) = self.gd_loc(group);
        let ds = self.g.desc_size;
        GroupDesc { raw: self.gdt[b].read(|d| d[o..o + ds].to_vec()) }
    }

    fn gd_csum(&self, group: u32, raw: &[u8]) -> u16 {
        if self.g.csum {
            let mut c = crc32c(self.g.csum_seed, &group.to_le_bytes());
            c = crc32c(c, &raw[..disk::gd::CHECKSUM]);
            c = crc32c(c, &[0, 0]);
            c = crc32c(c, &raw[disk::gd::CHECKSUM + 2..]);
            c as u16
        } else if self.g.gdt_csum {
            let mut c = crc16(!0, &self.g.uuid);
            c = crc16(c, &group.to_le_bytes());
            c = crc16(c, &raw[..disk::gd::CHECKSUM]);
            if raw.len() > disk::gd::CHECKSUM + 2 {
                c = crc16(c, &raw[disk::gd::CHECKSUM + 2..]);
            }
            c
        } else {
            0
        }
    }

    /// Stores group `group`'s descriptor (with a fresh checksum).
    pub(crate) fn set_gd(&self, group: u32, mut gd: GroupDesc) {
        let c = self.gd_csum(group, &gd.raw);
        set16(&mut gd.raw, disk::gd::CHECKSUM, c);
        let (b, o) = self.gd_loc(group);
        self.gdt[b].write(|d| d[o..o + gd.raw.len()].copy_from_slice(&gd.raw));
        self.cache.mark_dirty(&self.gdt[b], true);
    }

    fn check_descriptors(&self) -> Result<()> {
        let itb = self.g.itable_blocks();
        for group in 0..self.g.groups {
            let gd = self.gd(group);
            if (self.g.csum || self.g.gdt_csum) && le16(&gd.raw, disk::gd::CHECKSUM) != self.gd_csum(group, &gd.raw) {
                log::warn!(target: "ext4", "group descriptor {group}: bad checksum");
                return Err(corrupt("group descriptor checksum"));
            }
            let n = self.g.blocks_count;
            if gd.block_bitmap() >= n
                || gd.inode_bitmap() >= n
                || gd.inode_table().checked_add(itb).is_none_or(|e| e > n)
                || gd.block_bitmap() < self.g.first_data_block
            {
                log::warn!(target: "ext4", "group descriptor {group}: metadata outside the filesystem");
                return Err(corrupt("group descriptor out of range"));
            }
        }
        Ok(())
    }

    /// Writes `node` to block `blk` as metadata, with the checksum `csum`
    /// computed over it stored at `csum_off` (if `metadata_csum`).
    pub(crate) fn write_meta_block(
        &self,
        blk: u64,
        node: &mut [u8],
        csum: impl FnOnce(&[u8]) -> u32,
        csum_off: usize,
    ) -> Result<()> {
        if self.g.csum {
            let c = csum(node);
            set32(node, csum_off, c);
        }
        let buf = self.cache.get_zeroed(blk)?;
        buf.write(|d| d.copy_from_slice(node));
        buf.set_checked();
        self.cache.mark_dirty(&buf, true);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Inodes
    // ------------------------------------------------------------------

    fn inode_loc(&self, ino: u32) -> Result<(u64, usize)> {
        if ino == 0 || ino > self.g.inodes_count {
            return Err(corrupt("inode number out of range"));
        }
        let group = (ino - 1) / self.g.inodes_per_group;
        let idx = ((ino - 1) % self.g.inodes_per_group) as u64;
        let byte = idx * self.g.inode_size as u64;
        let table = self.gd(group).inode_table();
        Ok((table + byte / self.g.bs as u64, (byte % self.g.bs as u64) as usize))
    }

    /// Reads inode `ino` from its table, checking its checksum.
    pub(crate) async fn read_inode_raw(&self, ino: u32) -> Result<RawInode> {
        let (blk, off) = self.inode_loc(ino)?;
        let buf = self.cache.get(blk).await?;
        let isz = self.g.inode_size;
        let raw = RawInode { b: buf.read(|d| d[off..off + isz].to_vec()) };
        if self.g.csum && !raw.verify_csum(self.g.csum_seed, ino) {
            log::warn!(target: "ext4", "inode {ino}: bad checksum");
            return Err(corrupt("inode checksum"));
        }
        Ok(raw)
    }

    /// Stores `raw` as inode `ino` (with a fresh checksum) in its table.
    pub(crate) async fn write_inode_raw(&self, ino: u32, raw: &mut RawInode) -> Result<()> {
        if self.g.csum {
            raw.set_csum(self.g.csum_seed, ino);
        }
        let (blk, off) = self.inode_loc(ino)?;
        let buf = self.cache.get(blk).await?;
        buf.write(|d| d[off..off + raw.b.len()].copy_from_slice(&raw.b));
        self.cache.mark_dirty(&buf, true);
        Ok(())
    }

    /// The in-memory inode `ino`, loaded if needed.
    pub(crate) async fn get_inode(self: &Arc<Self>, ino: u32) -> Result<Arc<Ext4Inode>> {
        if let Some(i) = self.inodes.lock().get(&ino).and_then(Weak::upgrade) {
            return Ok(i);
        }
        let raw = self.read_inode_raw(ino).await?;
        let mut map = self.inodes.lock();
        if let Some(i) = map.get(&ino).and_then(Weak::upgrade) {
            return Ok(i);
        }
        let inode = Ext4Inode::new(self.clone(), ino, raw)?;
        map.insert(ino, Arc::downgrade(&inode));
        Ok(inode)
    }

    /// Registers a freshly created inode object.
    pub(crate) fn register_inode(&self, inode: &Arc<Ext4Inode>) {
        self.inodes.lock().insert(inode.ino32(), Arc::downgrade(inode));
    }

    /// Called by an inode object's `Drop`.
    pub(crate) fn inode_dropped(&self, ino: u32, ptr: *const Ext4Inode, unlinked: bool) {
        let mut map = self.inodes.lock();
        if map.get(&ino).is_some_and(|w| core::ptr::eq(w.as_ptr(), ptr)) {
            map.remove(&ino);
        }
        drop(map);
        if unlinked && !self.read_only {
            self.pending_free.lock().push(ino);
        }
    }

    /// Queues an inode whose in-memory state changed outside an async
    /// operation (setattr, atime) for write-back.
    pub(crate) fn mark_inode_dirty(&self, inode: Arc<Ext4Inode>) {
        self.dirty_inodes.lock().insert(inode.ino32(), inode);
    }

    /// Queues a deferred truncate (setattr is synchronous).
    pub(crate) fn mark_pending_trunc(&self, ino: u32) {
        self.pending_trunc.lock().insert(ino);
    }

    pub(crate) fn new_generation(&self) -> u32 {
        self.next_generation.fetch_add(0x9e37_79b9, Ordering::Relaxed)
    }

    pub(crate) fn journal_ino(&self) -> u32 {
        self.sb_read(|s| le32(s, sb::JOURNAL_INUM))
    }

    // ------------------------------------------------------------------
    // Deferred work and write-back (all under the exclusive lock)
    // ------------------------------------------------------------------

    /// Completes deferred work: truncates from `setattr`, frees of
    /// unlinked inodes whose last reference went away, dirty inodes.
    pub(crate) async fn settle(self: &Arc<Self>) -> Result<()> {
        loop {
            let trunc: Vec<u32> = core::mem::take(&mut *self.pending_trunc.lock()).into_iter().collect();
            for ino in trunc {
                let inode = self.inodes.lock().get(&ino).and_then(Weak::upgrade);
                if let Some(inode) = inode {
                    inode.apply_pending_truncate().await?;
                }
            }
            let dirty = core::mem::take(&mut *self.dirty_inodes.lock());
            for inode in dirty.values() {
                inode.flush_raw().await?;
            }
            drop(dirty);
            let frees = core::mem::take(&mut *self.pending_free.lock());
            for ino in &frees {
                self.free_unlinked_inode(*ino).await?;
            }
            if frees.is_empty() && self.pending_trunc.lock().is_empty() && self.dirty_inodes.lock().is_empty() {
                return Ok(());
            }
        }
    }

    /// Settles, then writes back if the cache holds much dirty data or the
    /// journal would overflow; called at the end of modifying operations.
    pub(crate) async fn maybe_writeback(self: &Arc<Self>) -> Result<()> {
        self.settle().await?;
        let limit = self.journal.lock().as_ref().map_or(usize::MAX, |j| j.max_transaction() / 2);
        let (dirty, meta) = self.cache.dirty_counts();
        if meta > limit || dirty > self.cache.capacity() / 2 {
            return self.writeback().await;
        }
        Ok(())
    }

    /// Writes everything dirty: data blocks home, then the metadata as one
    /// journal transaction, then home; the caller holds the exclusive lock.
    pub(crate) async fn writeback(self: &Arc<Self>) -> Result<()> {
        self.settle().await?;
        self.update_sb_counts();
        if self.cache.dirty_count() == 0 {
            return Ok(());
        }
        let now = self.now();
        self.sb_write(|s| {
            set32(s, sb::WTIME, now.tv_sec as u32);
            s[sb::WTIME_HI] = (now.tv_sec >> 32) as u8;
        });
        let (data, meta) = self.cache.take_dirty();
        let written = (data.len() + meta.len()) as u64 * self.g.bs as u64 / 1024;
        let kb = self.kbytes_written.fetch_add(written, Ordering::Relaxed) + written;
        let _ = kb;
        let r = self.write_out(&data, &meta).await;
        if r.is_err() {
            self.cache.redirty(&data);
            self.cache.redirty(&meta);
        }
        r
    }

    async fn write_out(&self, data: &[(u64, Arc<[u8]>)], meta: &[(u64, Arc<[u8]>)]) -> Result<()> {
        self.cache.write_blocks(data).await?;
        let journal = self.journal.lock().take();
        match journal {
            Some(mut j) if !meta.is_empty() && meta.len() <= j.max_transaction() => {
                if !data.is_empty() {
                    self.dev.flush().await?;
                }
                let r = async {
                    j.commit(meta).await?;
                    self.cache.write_blocks(meta).await?;
                    self.dev.flush().await?;
                    j.checkpoint_done().await
                }
                .await;
                *self.journal.lock() = Some(j);
                r
            }
            j => {
                if let Some(j) = j {
                    if !meta.is_empty() {
                        log::warn!(target: "ext4", "{} metadata blocks exceed the journal; writing unjournaled", meta.len());
                    }
                    *self.journal.lock() = Some(j);
                }
                self.cache.write_blocks(meta).await?;
                self.dev.flush().await
            }
        }
    }

    /// Recomputes the superblock's free counts from the group descriptors.
    fn update_sb_counts(&self) {
        let (mut fb, mut fi) = (0u64, 0u64);
        for group in 0..self.g.groups {
            let gd = self.gd(group);
            fb += gd.free_blocks() as u64;
            fi += gd.free_inodes() as u64;
        }
        let kb = self.kbytes_written.load(Ordering::Relaxed);
        let changed = self.sb_read(|s| {
            let cur_fb = le32(s, sb::FREE_BLOCKS_LO) as u64 | (le32(s, sb::FREE_BLOCKS_HI) as u64) << 32;
            cur_fb != fb || le32(s, sb::FREE_INODES) as u64 != fi
        });
        if changed {
            self.sb_write(|s| {
                set32(s, sb::FREE_BLOCKS_LO, fb as u32);
                set32(s, sb::FREE_BLOCKS_HI, (fb >> 32) as u32);
                set32(s, sb::FREE_INODES, fi as u32);
                disk::set64(s, sb::KBYTES_WRITTEN, kb);
            });
        }
    }

    /// `statfs`.
    pub(crate) fn statfs(&self) -> StatFs {
        let (mut fb, mut fi) = (0u64, 0u64);
        for group in 0..self.g.groups {
            let gd = self.gd(group);
            fb += gd.free_blocks() as u64;
            fi += gd.free_inodes() as u64;
        }
        let reserved =
            self.sb_read(|s| le32(s, sb::R_BLOCKS_COUNT_LO) as u64 | (le32(s, sb::R_BLOCKS_COUNT_HI) as u64) << 32);
        // Overhead (f_blocks excludes metadata like Linux's minixdf=off
        // reports): s_overhead_clusters when mke2fs recorded it, else inode
        // tables, bitmaps, descriptors, superblocks and the internal journal,
        // as Linux's ext4_calculate_overhead.
        let recorded = self.sb_read(|s| le32(s, sb::OVERHEAD_CLUSTERS)) as u64;
        let overhead = if recorded != 0 {
            recorded
        } else {
            let mut overhead = self.g.first_data_block;
            for group in 0..self.g.groups {
                overhead += self.g.group_overhead(group) + 2 + self.g.itable_blocks();
            }
            overhead + self.journal.lock().as_ref().map_or(0, JournalHook::len_blocks)
        };
        let blocks = self.g.blocks_count.saturating_sub(overhead);
        // Linux keeps a pool of min(2 %, 4096) clusters out of f_bavail on
        // extent filesystems (s_resv_clusters) besides r_blocks_count.
        let resv = if self.g.incompat & incompat::EXTENTS != 0 { (self.g.blocks_count / 50).min(4096) } else { 0 };
        let reserved = reserved + resv;
        let uuid = self.g.uuid;
        let fsid0 = le32(&uuid, 0) ^ le32(&uuid, 8);
        let fsid1 = le32(&uuid, 4) ^ le32(&uuid, 12);
        StatFs {
            f_type: EXT4_SUPER_MAGIC,
            f_bsize: self.g.bs as i64,
            f_blocks: blocks as i64,
            f_bfree: fb as i64,
            f_bavail: fb.saturating_sub(reserved) as i64,
            f_files: self.g.inodes_count as i64,
            f_ffree: fi as i64,
            f_fsid: [fsid0 as i32, fsid1 as i32],
            f_namelen: NAME_MAX as i64,
            f_frsize: self.g.bs as i64,
            f_flags: ST_VALID | if self.read_only() { ST_RDONLY } else { 0 },
            ..StatFs::default()
        }
    }

    // ------------------------------------------------------------------
    // Orphans
    // ------------------------------------------------------------------

    /// Takes `ino` off the orphan list (its `next` is `next`).
    pub(crate) async fn orphan_remove(self: &Arc<Self>, ino: u32, next: u32) -> Result<()> {
        let head = self.sb_read(|s| le32(s, sb::LAST_ORPHAN));
        if head == ino {
            self.sb_write(|s| set32(s, sb::LAST_ORPHAN, next));
            return Ok(());
        }
        let mut cur = head;
        let mut steps = 0;
        while cur != 0 && steps <= self.g.inodes_count {
            let inode = self.get_inode(cur).await?;
            let n = inode.orphan_next();
            if n == ino {
                inode.set_orphan_next(next).await?;
                return Ok(());
            }
            cur = n;
            steps += 1;
        }
        Ok(())
    }

    /// Processes the orphan list left by a crash: frees unlinked inodes,
    /// truncates the others to their size.
    async fn orphan_cleanup(self: &Arc<Self>) -> Result<()> {
        let mut cur = self.sb_read(|s| le32(s, sb::LAST_ORPHAN));
        let mut steps = 0;
        let mut list = Vec::new();
        while cur != 0 && steps <= self.g.inodes_count {
            if cur < self.g.first_ino || cur > self.g.inodes_count {
                log::warn!(target: "ext4", "orphan list holds bad inode {cur}; dropping the list");
                break;
            }
            let raw = self.read_inode_raw(cur).await?;
            list.push((cur, raw.links()));
            cur = raw.dtime();
            steps += 1;
        }
        self.sb_write(|s| set32(s, sb::LAST_ORPHAN, 0));
        for (ino, links) in list {
            let inode = self.get_inode(ino).await?;
            inode.clear_orphan_link();
            if links == 0 {
                log::info!(target: "ext4", "orphan cleanup: freeing inode {ino}");
                inode.mark_freed();
                drop(inode);
                self.free_inode_now(ino).await?;
            } else {
                inode.truncate_blocks_past_size().await?;
                inode.flush_raw().await?;
            }
        }
        Ok(())
    }

    /// Frees an unlinked inode whose last reference is gone.
    async fn free_unlinked_inode(self: &Arc<Self>, ino: u32) -> Result<()> {
        // Still referenced (a new object appeared, e.g. through the orphan
        // walk): its own drop queues it again.
        let alive = self.inodes.lock().get(&ino).and_then(Weak::upgrade);
        if alive.is_some() {
            return Ok(());
        }
        self.free_inode_now(ino).await
    }

    async fn free_inode_now(self: &Arc<Self>, ino: u32) -> Result<()> {
        let mut raw = self.read_inode_raw(ino).await?;
        if raw.links() != 0 || raw.mode() == 0 || !self.inode_in_use(ino).await? {
            return Ok(());
        }
        let next = raw.dtime();
        self.orphan_remove(ino, next).await?;
        file::release_all_blocks(self, ino, &mut raw).await?;
        let is_dir = raw.mode() as u32 & kairos_abi::flags::S_IFMT == kairos_abi::flags::S_IFDIR;
        let now = self.now();
        raw.set_dtime(now.tv_sec as u32);
        raw.set_size(0);
        self.write_inode_raw(ino, &mut raw).await?;
        self.free_inode_bit(ino, is_dir).await
    }
}

/// Parses and validates the superblock.
fn parse_superblock(s: &[u8], dev_sectors: u64) -> Result<Geo> {
    if le16(s, sb::MAGIC) != disk::EXT4_MAGIC {
        return Err(einval("not an ext2/3/4 filesystem"));
    }
    let compat_f = le32(s, sb::FEATURE_COMPAT);
    let incompat_f = le32(s, sb::FEATURE_INCOMPAT);
    let ro_compat_f = le32(s, sb::FEATURE_RO_COMPAT);
    let csum = ro_compat_f & ro_compat::METADATA_CSUM != 0;
    if csum {
        if s[sb::CHECKSUM_TYPE] != 1 {
            return Err(einval("unknown checksum type"));
        }
        if le32(s, sb::CHECKSUM) != crc32c(!0, &s[..sb::CHECKSUM]) {
            log::warn!(target: "ext4", "superblock: bad checksum");
            return Err(corrupt("superblock checksum"));
        }
    }
    if incompat_f & !incompat::SUPPORTED != 0 {
        log::warn!(target: "ext4", "unsupported INCOMPAT features {:#x}", incompat_f & !incompat::SUPPORTED);
        return Err(einval("unsupported INCOMPAT feature"));
    }
    let log_bs = le32(s, sb::LOG_BLOCK_SIZE);
    if log_bs > 6 {
        return Err(einval("bad block size"));
    }
    let bs = 1024usize << log_bs;
    if le32(s, sb::LOG_CLUSTER_SIZE) != log_bs && ro_compat_f & 0x200 == 0 {
        return Err(einval("cluster size differs from block size"));
    }
    let bit64 = incompat_f & incompat::BIT64 != 0;
    let mut blocks_count = le32(s, sb::BLOCKS_COUNT_LO) as u64;
    if bit64 {
        blocks_count |= (le32(s, sb::BLOCKS_COUNT_HI) as u64) << 32;
    }
    let blocks_per_group = le32(s, sb::BLOCKS_PER_GROUP);
    let inodes_per_group = le32(s, sb::INODES_PER_GROUP);
    let inodes_count = le32(s, sb::INODES_COUNT);
    let first_data_block = le32(s, sb::FIRST_DATA_BLOCK) as u64;
    let rev = le32(s, sb::REV_LEVEL);
    let (inode_size, first_ino) =
        if rev == 0 { (128usize, 11u32) } else { (le16(s, sb::INODE_SIZE) as usize, le32(s, sb::FIRST_INO)) };
    let desc_size = if bit64 { le16(s, sb::DESC_SIZE) as usize } else { 32 };
    let bits = bs as u64 * 8;
    if blocks_per_group == 0
        || blocks_per_group as u64 > bits
        || inodes_per_group == 0
        || inodes_per_group as u64 > bits
        || !(128..=bs).contains(&inode_size)
        || !inode_size.is_power_of_two()
        || !(32..=1024).contains(&desc_size)
        || !desc_size.is_power_of_two()
        || desc_size > bs
        || first_data_block >= blocks_count
        || first_ino < 11
        || first_ino > inodes_count
    {
        return Err(einval("bad filesystem geometry"));
    }
    if blocks_count.saturating_mul(bs as u64) > dev_sectors.saturating_mul(SECTOR_SIZE as u64) {
        return Err(einval("filesystem larger than the device"));
    }
    let groups64 = (blocks_count - first_data_block).div_ceil(blocks_per_group as u64);
    if groups64 == 0 || groups64 > u32::MAX as u64 || groups64 * inodes_per_group as u64 != inodes_count as u64 {
        return Err(einval("inode count does not match the groups"));
    }
    let groups = groups64 as u32;
    let descs_per_block = (bs / desc_size) as u32;
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&s[sb::UUID..sb::UUID + 16]);
    let csum_seed = if incompat_f & incompat::CSUM_SEED != 0 { le32(s, sb::CHECKSUM_SEED) } else { crc32c(!0, &uuid) };
    let first_meta_bg = le32(s, sb::FIRST_META_BG);
    let desc_blocks = groups.div_ceil(descs_per_block);
    let mut g = Geo {
        bs,
        blocks_count,
        first_data_block,
        blocks_per_group,
        inodes_per_group,
        inodes_count,
        groups,
        inode_size,
        desc_size,
        descs_per_block,
        first_ino,
        compat: compat_f,
        incompat: incompat_f,
        ro_compat: ro_compat_f,
        csum,
        gdt_csum: !csum && ro_compat_f & ro_compat::GDT_CSUM != 0,
        csum_seed,
        uuid,
        huge_file: ro_compat_f & ro_compat::HUGE_FILE != 0,
        extents: incompat_f & incompat::EXTENTS != 0,
        filetype: incompat_f & incompat::FILETYPE != 0,
        dir_nlink: ro_compat_f & ro_compat::DIR_NLINK != 0,
        dir_index: compat_f & compat::DIR_INDEX != 0,
        hash_seed: core::array::from_fn(|i| le32(s, sb::HASH_SEED + 4 * i)),
        def_hash_version: s[sb::DEF_HASH_VERSION],
        hash_unsigned: if le32(s, sb::FLAGS) & sb::FLAGS_UNSIGNED_HASH != 0 { hash::UNSIGNED_DELTA } else { 0 },
        reserved_gdt: le16(s, 0xce) as u32,
        first_meta_bg,
        backup_bgs: [le32(s, sb::BACKUP_BGS), le32(s, sb::BACKUP_BGS + 4)],
        want_extra_isize: le16(s, sb::WANT_EXTRA_ISIZE).max(32),
        gdt_blocks: Vec::new(),
    };
    if g.want_extra_isize as usize + 128 > inode_size {
        g.want_extra_isize = (inode_size - 128) as u16;
    }
    let meta_bg = incompat_f & incompat::META_BG != 0;
    for i in 0..desc_blocks {
        let blk = if meta_bg && i >= first_meta_bg {
            let group = i * descs_per_block;
            g.group_first_block(group) + g.has_super(group) as u64
        } else {
            first_data_block + 1 + i as u64
        };
        if blk >= blocks_count {
            return Err(einval("group descriptors beyond the filesystem"));
        }
        g.gdt_blocks.push(blk);
    }
    Ok(g)
}
