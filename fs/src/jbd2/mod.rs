//! The jbd2 journal, as ext4 uses it: open, crash recovery (replay), and
//! writing transactions, over an async [`BlockDevice`].
//!
//! This module owns the journal's on-disk format (superblock, descriptor,
//! data, revoke and commit blocks, see [`disk`]) and its ordering rules. It
//! does not know ext4: the caller resolves the journal inode's block map,
//! keeps the filesystem's own superblock flags (`INCOMPAT_RECOVER`), writes
//! committed blocks to their home locations (checkpointing) and decides
//! which journal features to enable. It never panics on disk contents: a
//! corrupt journal is `EUCLEAN` (Linux's `EFSBADCRC`/`EFSCORRUPTED`) or `EIO`,
//! with a `log` line (target `jbd2`).
//!
//! API (what the ext4 driver codes against):
//! ```text
//! Journal::open(dev, block_size, blocks, fs_uuid) -> Result<Journal>
//!     blocks[i] = physical fs block of journal block i; block_size = fs block size.
//!     fs_uuid is used only for v1 superblocks (which have no s_uuid); v2 journals
//!     use their own s_uuid (for an internal journal mke2fs copies the fs UUID there).
//! journal.needs_recovery() -> bool          s_start != 0
//! journal.superblock() -> &Superblock       parsed journal superblock (features, sequence, ...)
//! journal.recover().await -> RecoveryStats  replay committed transactions, honour revokes,
//!                                           verify checksums, flush, mark empty
//! journal.set_features(compat, incompat, ro).await   add feature bits (Linux's
//!                                           jbd2_journal_set_features); ext4 calls it after
//!                                           recovery with INCOMPAT_REVOKE, INCOMPAT_64BIT (64bit fs),
//!                                           INCOMPAT_CSUM_V3 (metadata_csum). Journal must be empty.
//! journal.set_clock(clock)                  commit blocks carry its time (else 0)
//! journal.commit(&[(home_block, data)]).await           one durable transaction
//! journal.commit_with_revokes(&blocks, &revoked).await  same, plus revoke records
//! journal.can_commit(nblocks, nrevokes) -> bool         fits in the free log space now?
//! journal.checkpoint_done().await           caller wrote + flushed every committed block home
//! journal.capacity_blocks() -> u32          most data blocks one commit can carry (empty log)
//! ```
//!
//! Durability: `commit` writes the descriptor/revoke/data blocks, flushes,
//! then writes the commit block with FUA; when the on-disk journal was empty
//! it first points `s_start` at the new transaction (FUA). So once `commit`
//! returns, a crash replays the transaction; if it fails part way, nothing of
//! it is replayed and the journal refuses further commits (`EROFS`, like an
//! aborted Linux journal) until it is reopened.
//!
//! Checkpointing is the caller's job: when `commit` fails with `ENOSPC` (or
//! `can_commit` says no), write every committed block home, flush, call
//! [`Journal::checkpoint_done`], and retry. A transaction of at most
//! [`Journal::capacity_blocks`] blocks (and no revokes) always fits in an
//! empty journal. Home blocks must not be written before their transaction
//! is committed.
//!
//! Not supported: fast commits (`INCOMPAT_FAST_COMMIT` → `EINVAL` at open),
//! external journals (several users), unknown features (`EINVAL`, as Linux).

pub mod disk;
mod recovery;

use alloc::{sync::Arc, vec, vec::Vec};

use kairos_abi::{Errno, Error, Result};

use crate::{
    block::{BlockDevice, SECTOR_SIZE},
    vfs::Clock,
};
use disk::*;
pub use disk::{
    COMPAT_CHECKSUM, INCOMPAT_64BIT, INCOMPAT_ASYNC_COMMIT, INCOMPAT_CSUM_V2, INCOMPAT_CSUM_V3, INCOMPAT_REVOKE,
};

/// Largest single device request the journal issues (bytes).
const MAX_IO_BYTES: usize = 1 << 20;

/// What [`Journal::recover`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecoveryStats {
    /// Committed transactions found and replayed.
    pub transactions: u32,
    /// Blocks written to their home location (a block logged by several
    /// transactions counts each time, as in Linux's "replayed" count).
    pub blocks_replayed: u32,
    /// Logged blocks skipped because a revoke record covers them (Linux's
    /// "revoke hits").
    pub blocks_revoked: u32,
}

/// An open jbd2 journal.
pub struct Journal {
    dev: Arc<dyn BlockDevice>,
    block_size: usize,
    sectors_per_block: u64,
    /// Physical fs block of each journal block (`map.len() == sb.maxlen`).
    map: Vec<u64>,
    /// Journal block 0 as on disk, so unknown fields survive rewrites.
    sb_block: Vec<u8>,
    sb: Superblock,
    /// UUID written after the first tag of a descriptor and hashed into the seed.
    uuid: [u8; 16],
    csum_seed: u32,
    /// Next log block to write.
    head: u32,
    /// Log blocks holding uncheckpointed transactions (from `sb.start` to `head`).
    used: u32,
    /// Transaction id of the next commit.
    next_tid: u32,
    clock: Option<Arc<dyn Clock>>,
    /// A commit failed part way: no more commits until reopened.
    aborted: bool,
}

impl Journal {
    /// Opens the journal whose block `i` is fs block `blocks[i]`, validating
    /// the superblock (magic, version, features, geometry, checksum). Extra
    /// entries past `s_maxlen` are ignored; fewer is `EUCLEAN`.
    pub async fn open(
        dev: Arc<dyn BlockDevice>,
        block_size: u32,
        mut blocks: Vec<u64>,
        fs_uuid: [u8; 16],
    ) -> Result<Journal> {
        let bs = block_size as usize;
        if !block_size.is_power_of_two() || !(1024..=65536).contains(&block_size) {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: bad block size"));
        }
        let sectors_per_block = (bs / SECTOR_SIZE) as u64;
        let Some(&sb_phys) = blocks.first() else {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: empty journal block map"));
        };
        let mut sb_block = vec![0; bs];
        read_phys(&*dev, sb_phys, sectors_per_block, &mut sb_block).await?;
        let sb = Superblock::parse(&sb_block).inspect_err(|e| log::error!(target: "jbd2", "open: {e}"))?;
        if sb.block_size != block_size {
            log::error!(target: "jbd2", "journal block size {} != fs block size {block_size}", sb.block_size);
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: journal block size differs from the fs"));
        }
        if (blocks.len() as u64) < u64::from(sb.maxlen) {
            log::error!(target: "jbd2", "journal s_maxlen {} but the inode maps {} blocks", sb.maxlen, blocks.len());
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: journal inode shorter than s_maxlen"));
        }
        blocks.truncate(sb.maxlen as usize);
        let dev_blocks = dev.sector_count() / sectors_per_block;
        if blocks.iter().any(|&b| b >= dev_blocks) {
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: journal block beyond the device"));
        }
        if sb.errno != 0 {
            log::warn!(target: "jbd2", "journal superblock records error {} (aborted journal)", sb.errno);
        }
        let uuid = if sb.version == 1 { fs_uuid } else { sb.uuid };
        let mut journal = Journal {
            dev,
            block_size: bs,
            sectors_per_block,
            map: blocks,
            sb_block,
            sb,
            uuid,
            csum_seed: 0,
            head: sb.first,
            used: 0,
            // Linux starts a clean journal one past s_sequence.
            next_tid: sb.sequence.wrapping_add(1),
            clock: None,
            aborted: false,
        };
        journal.csum_seed = crc32c(!0, &journal.uuid);
        log::debug!(
            target: "jbd2",
            "open: v{} {} blocks, first {}, seq {}, start {}, incompat {:#x}",
            sb.version, sb.maxlen, sb.first, sb.sequence, sb.start, sb.incompat
        );
        Ok(journal)
    }

    /// True if the log holds transactions that may not be home yet
    /// (`s_start != 0`): call [`Journal::recover`] before using the fs.
    pub fn needs_recovery(&self) -> bool {
        self.sb.start != 0
    }

    /// The parsed journal superblock as last written or read.
    pub fn superblock(&self) -> &Superblock {
        &self.sb
    }

    /// Sets the clock whose time goes into commit blocks (`h_commit_sec`);
    /// without one the time is 0. Linux uses it to tell stale log blocks
    /// from corruption during recovery.
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = Some(clock);
    }

    /// Adds journal feature bits and rewrites the superblock, as Linux's
    /// `jbd2_journal_set_features`: enabling `INCOMPAT_CSUM_V2`/`V3` selects
    /// crc32c and drops `COMPAT_CHECKSUM` and the other csum version. The
    /// journal must be empty (no uncheckpointed transaction), since tags
    /// change format. `EINVAL` for unknown bits or a v1 superblock.
    pub async fn set_features(&mut self, compat: u32, incompat: u32, ro_compat: u32) -> Result<()> {
        if compat & !KNOWN_COMPAT != 0 || incompat & !KNOWN_INCOMPAT != 0 || ro_compat != 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: unknown journal feature"));
        }
        let (c, i) = (self.sb.compat | compat, self.sb.incompat | incompat);
        if c == self.sb.compat && i == self.sb.incompat {
            return Ok(());
        }
        if self.sb.version == 1 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: v1 journal superblock has no features"));
        }
        if self.sb.start != 0 || self.used != 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: features change only on an empty journal"));
        }
        self.check_usable()?;
        let mut sb = self.sb;
        sb.compat = c;
        sb.incompat = i;
        if incompat & INCOMPAT_CSUM_V3 != 0 {
            sb.incompat &= !INCOMPAT_CSUM_V2;
        } else if incompat & INCOMPAT_CSUM_V2 != 0 {
            sb.incompat &= !INCOMPAT_CSUM_V3;
        }
        if sb.has_csum_v23() {
            sb.compat &= !COMPAT_CHECKSUM;
            self.sb_block[SB_CHECKSUM_TYPE] = CHECKSUM_TYPE_CRC32C;
        }
        self.write_superblock(sb).await
    }

    /// Most data blocks one commit (without revokes) can carry: what fits
    /// in the whole log with its descriptor and commit blocks.
    pub fn capacity_blocks(&self) -> u32 {
        let log = u64::from(self.log_len());
        let per_desc = self.tags_per_descriptor() as u64;
        // Largest n with n + ceil(n / per_desc) + 1 <= log; the estimate is at most 1 too big.
        let mut n = (log - 1) * per_desc / (per_desc + 1);
        while n > 0 && self.blocks_needed(n as usize, 0) as u64 > log {
            n -= 1;
        }
        n as u32
    }

    /// True if a commit of `nblocks` blocks and `nrevokes` revoke records
    /// fits in the free log space now (else checkpoint first).
    pub fn can_commit(&self, nblocks: usize, nrevokes: usize) -> bool {
        self.blocks_needed(nblocks, nrevokes) <= (self.log_len() - self.used) as usize
    }

    /// Commits one transaction; see [`Journal::commit_with_revokes`].
    pub async fn commit(&mut self, blocks: &[(u64, Arc<[u8]>)]) -> Result<()> {
        self.commit_with_revokes(blocks, &[]).await
    }

    /// Commits one transaction: the new contents of `blocks` (home block
    /// number, exactly one block of data) and revoke records for `revoked`
    /// (blocks whose older logged copies must not be replayed, e.g. freed
    /// metadata blocks reused for data). Durable when this returns.
    ///
    /// Errors: `ENOSPC` if the free log space is too small (checkpoint,
    /// then retry), `EINVAL` for a wrong-sized block, a block number above
    /// 2^32 without `INCOMPAT_64BIT`, an empty transaction or a journal that
    /// needs recovery; `EROFS` after an earlier failed commit; device errors.
    /// Revokes enable `INCOMPAT_REVOKE` first if needed.
    pub async fn commit_with_revokes(&mut self, blocks: &[(u64, Arc<[u8]>)], revoked: &[u64]) -> Result<()> {
        self.check_usable()?;
        if blocks.is_empty() && revoked.is_empty() {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: empty transaction"));
        }
        let wide = self.sb.incompat & INCOMPAT_64BIT != 0;
        for (nr, data) in blocks {
            if data.len() != self.block_size {
                return Err(Error::with_msg(Errno::EINVAL, "jbd2: logged block has the wrong size"));
            }
            if !wide && *nr > u64::from(u32::MAX) {
                return Err(Error::with_msg(Errno::EINVAL, "jbd2: block number needs INCOMPAT_64BIT"));
            }
        }
        if !wide && revoked.iter().any(|&nr| nr > u64::from(u32::MAX)) {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: block number needs INCOMPAT_64BIT"));
        }
        if !self.can_commit(blocks.len(), revoked.len()) {
            return Err(Error::with_msg(Errno::ENOSPC, "jbd2: journal full, checkpoint first"));
        }
        if !revoked.is_empty() && self.sb.incompat & INCOMPAT_REVOKE == 0 {
            if self.sb.version == 1 {
                return Err(Error::with_msg(Errno::EINVAL, "jbd2: v1 journal cannot hold revoke records"));
            }
            let mut sb = self.sb;
            sb.incompat |= INCOMPAT_REVOKE;
            self.write_superblock(sb).await?;
        }
        let result = self.write_transaction(blocks, revoked).await;
        if let Err(e) = result {
            log::error!(target: "jbd2", "commit of transaction {} failed: {e}; journal aborted", self.next_tid);
            self.aborted = true;
        }
        result
    }

    /// Declares every committed transaction checkpointed: the caller has
    /// written each committed block home and flushed. Flushes once more and
    /// marks the journal empty (`s_start = 0`, `s_sequence` = next id).
    pub async fn checkpoint_done(&mut self) -> Result<()> {
        self.check_usable()?;
        if self.sb.start == 0 && self.used == 0 {
            return Ok(());
        }
        self.dev.flush().await?;
        let mut sb = self.sb;
        sb.start = 0;
        sb.sequence = self.next_tid;
        self.write_superblock(sb).await?;
        self.used = 0;
        Ok(())
    }

    fn check_usable(&self) -> Result<()> {
        if self.aborted {
            return Err(Error::with_msg(Errno::EROFS, "jbd2: journal aborted by a failed commit"));
        }
        if self.sb.start != 0 && self.used == 0 {
            return Err(Error::with_msg(Errno::EINVAL, "jbd2: journal needs recovery first"));
        }
        Ok(())
    }

    /// Log blocks (superblock excluded) — the circular area `[first, maxlen)`.
    fn log_len(&self) -> u32 {
        self.sb.maxlen - self.sb.first
    }

    fn wrap(&self, pos: u32) -> u32 {
        if pos >= self.sb.maxlen { pos - self.log_len() } else { pos }
    }

    /// Room for tags in one descriptor block (the first tag carries a UUID).
    fn tags_per_descriptor(&self) -> usize {
        let tag = self.sb.tag_bytes();
        let room = self.block_size - HEADER_SIZE - self.sb.tail_bytes();
        1 + (room - tag - UUID_SIZE) / tag
    }

    fn revokes_per_block(&self) -> usize {
        (self.block_size - REVOKE_HEADER_SIZE - self.sb.tail_bytes()) / self.sb.revoke_record_bytes()
    }

    /// Log blocks one transaction takes: revoke blocks, descriptors, data, commit.
    fn blocks_needed(&self, nblocks: usize, nrevokes: usize) -> usize {
        nrevokes.div_ceil(self.revokes_per_block()) + nblocks.div_ceil(self.tags_per_descriptor()) + nblocks + 1
    }

    fn commit_time(&self) -> (u64, u32) {
        match &self.clock {
            Some(c) => {
                let t = c.now();
                (t.tv_sec.max(0) as u64, t.tv_nsec.clamp(0, 999_999_999) as u32)
            }
            None => (0, 0),
        }
    }

    /// Lays out and writes one transaction at `head`, then updates the state.
    async fn write_transaction(&mut self, blocks: &[(u64, Arc<[u8]>)], revoked: &[u64]) -> Result<()> {
        let bs = self.block_size;
        let tid = self.next_tid;
        let sb = self.sb;
        let start = self.head;
        let total = self.blocks_needed(blocks.len(), revoked.len());
        // Every block but the commit block, in log order.
        let mut log = vec![0u8; (total - 1) * bs];
        let mut chunks = log.chunks_exact_mut(bs);

        for records in revoked.chunks(self.revokes_per_block()) {
            let Some(b) = chunks.next() else { break };
            put_header(b, BLOCKTYPE_REVOKE, tid);
            let rec = sb.revoke_record_bytes();
            let mut off = REVOKE_HEADER_SIZE;
            for &nr in records {
                if rec == 8 {
                    put_be64(b, off, nr);
                } else {
                    put_be32(b, off, nr as u32);
                }
                off += rec;
            }
            put_be32(b, REVOKE_COUNT, off as u32);
            if sb.has_csum_v23() {
                let csum = tail_csum(self.csum_seed, b);
                put_be32(b, bs - TAIL_SIZE, csum);
            }
        }

        let tag_bytes = sb.tag_bytes();
        for group in blocks.chunks(self.tags_per_descriptor()) {
            let Some(desc) = chunks.next() else { break };
            put_header(desc, BLOCKTYPE_DESCRIPTOR, tid);
            let mut off = HEADER_SIZE;
            for (i, (nr, data)) in group.iter().enumerate() {
                let Some(out) = chunks.next() else { break };
                out.copy_from_slice(data);
                let mut flags = 0;
                if be32(out, 0) == JBD2_MAGIC {
                    out[..4].fill(0);
                    flags |= FLAG_ESCAPE;
                }
                if i > 0 {
                    flags |= FLAG_SAME_UUID;
                }
                if i + 1 == group.len() {
                    flags |= FLAG_LAST_TAG;
                }
                let csum = if sb.has_csum_v23() { data_csum(self.csum_seed, tid, out) } else { 0 };
                put_tag(&sb, desc, off, &Tag { block: *nr, flags, csum });
                off += tag_bytes;
                if i == 0 {
                    desc[off..off + UUID_SIZE].copy_from_slice(&self.uuid);
                    off += UUID_SIZE;
                }
            }
            if sb.has_csum_v23() {
                let csum = tail_csum(self.csum_seed, desc);
                put_be32(desc, bs - TAIL_SIZE, csum);
            }
        }
        // The v1 checksum covers each descriptor and its data blocks, in log
        // order: everything after the revoke blocks.
        let revoke_blocks = revoked.len().div_ceil(self.revokes_per_block());
        let v1_crc = if sb.compat & COMPAT_CHECKSUM != 0 {
            log.chunks_exact(bs).skip(revoke_blocks).fold(!0u32, crc32_be)
        } else {
            0
        };

        let mut commit = vec![0u8; bs];
        put_header(&mut commit, BLOCKTYPE_COMMIT, tid);
        let (sec, nsec) = self.commit_time();
        put_be64(&mut commit, COMMIT_SEC, sec);
        put_be32(&mut commit, COMMIT_NSEC, nsec);
        if sb.has_csum_v23() {
            let csum = commit_csum(self.csum_seed, &commit);
            put_be32(&mut commit, COMMIT_CHKSUM0, csum);
        } else if sb.compat & COMPAT_CHECKSUM != 0 {
            commit[COMMIT_CHKSUM_TYPE] = COMMIT_CHKSUM_CRC32;
            commit[COMMIT_CHKSUM_SIZE_OFF] = COMMIT_CHKSUM_SIZE;
            put_be32(&mut commit, COMMIT_CHKSUM0, v1_crc);
        }

        if self.sb.start == 0 {
            // The on-disk journal is empty: point it at this transaction
            // before any of it can be found by recovery.
            let mut new_sb = self.sb;
            new_sb.start = start;
            new_sb.sequence = tid;
            self.write_superblock(new_sb).await?;
        }
        self.write_log(start, &log).await?;
        self.dev.flush().await?;
        let commit_pos = self.wrap(start + (total as u32 - 1));
        self.write_log(commit_pos, &commit).await?;

        self.head = self.wrap(commit_pos + 1);
        self.used += total as u32;
        self.next_tid = tid.wrapping_add(1);
        log::trace!(target: "jbd2", "committed transaction {tid}: {} blocks at {start}", total);
        Ok(())
    }

    /// Writes consecutive log blocks starting at log position `pos`
    /// (wrapping), merging physically contiguous runs. The last request is
    /// FUA when `data` is a single (commit) block.
    async fn write_log(&self, pos: u32, data: &[u8]) -> Result<()> {
        let bs = self.block_size;
        let n = data.len() / bs;
        let fua = n == 1;
        let mut i = 0;
        while i < n {
            let first_pos = self.wrap(pos + i as u32);
            let phys = self.map[first_pos as usize];
            let mut run = 1;
            while i + run < n && (run + 1) * bs <= MAX_IO_BYTES {
                let p = self.wrap(pos + (i + run) as u32);
                if p != first_pos + run as u32 || self.map[p as usize] != phys + run as u64 {
                    break;
                }
                run += 1;
            }
            self.dev.write(phys * self.sectors_per_block, &data[i * bs..(i + run) * bs], fua).await?;
            i += run;
        }
        Ok(())
    }

    async fn read_log(&self, pos: u32, buf: &mut [u8]) -> Result<()> {
        read_phys(&*self.dev, self.map[pos as usize], self.sectors_per_block, buf).await
    }

    /// Writes `sb` (fields into the kept raw block, checksum recomputed)
    /// with FUA and makes it current.
    async fn write_superblock(&mut self, sb: Superblock) -> Result<()> {
        let mut raw = self.sb_block.clone();
        put_be32(&mut raw, SB_SEQUENCE, sb.sequence);
        put_be32(&mut raw, SB_START, sb.start);
        if sb.version == 2 {
            put_be32(&mut raw, SB_COMPAT, sb.compat);
            put_be32(&mut raw, SB_INCOMPAT, sb.incompat);
            put_be32(&mut raw, SB_RO_COMPAT, sb.ro_compat);
            if sb.has_csum_v23() {
                let csum = superblock_csum(&raw);
                put_be32(&mut raw, SB_CHECKSUM, csum);
            }
        }
        self.dev.write(self.map[0] * self.sectors_per_block, &raw, true).await?;
        self.sb_block = raw;
        self.sb = sb;
        Ok(())
    }
}

async fn read_phys(dev: &dyn BlockDevice, phys: u64, sectors_per_block: u64, buf: &mut [u8]) -> Result<()> {
    let sector = phys.checked_mul(sectors_per_block).ok_or(Error::new(Errno::EIO))?;
    dev.read(sector, buf).await
}
