//! The ext4 side of journaling: finds the journal inode's blocks, opens the
//! [`jbd2`](crate::jbd2) journal, replays it at mount when it needs
//! recovery (then reloads the superblock and descriptors the replay
//! rewrote), enables the journal features the filesystem needs, and keeps
//! ext4's `INCOMPAT_RECOVER` flag set while mounted read-write (cleared by
//! a clean unmount), as Linux does.
//!
//! Write-back ([`Ext4::writeback`](super::Ext4)) commits each batch of
//! dirty metadata as one transaction, writes it home, flushes and
//! checkpoints at once, so the log is empty between write-backs and no
//! revoke records are needed.

use alloc::{sync::Arc, vec::Vec};

use kairos_abi::{Errno, Error, Result};

use super::{
    Ext4, blockmap,
    disk::{corrupt, incompat, le16, le32, ro_compat, sb, set32},
    extent::{self, Mapping},
    inode::{EXTENTS_FL, RawInode},
};
use crate::jbd2::{INCOMPAT_64BIT, INCOMPAT_CSUM_V3, Journal};

/// An open journal.
pub(crate) struct JournalHook {
    j: Journal,
}

impl JournalHook {
    /// Length of the journal in filesystem blocks (`s_maxlen`).
    pub fn len_blocks(&self) -> u64 {
        u64::from(self.j.superblock().maxlen)
    }

    /// Most metadata blocks one transaction can carry.
    pub fn max_transaction(&self) -> usize {
        self.j.capacity_blocks() as usize
    }

    /// Commits `blocks` durably.
    pub async fn commit(&mut self, blocks: &[(u64, Arc<[u8]>)]) -> Result<()> {
        self.j.commit(blocks).await
    }

    /// Declares the committed blocks written home.
    pub async fn checkpoint_done(&mut self) -> Result<()> {
        self.j.checkpoint_done().await
    }
}

/// The physical blocks of the journal inode, in logical order.
async fn journal_blocks(fs: &Ext4, ino: u32, raw: &RawInode) -> Result<Vec<u64>> {
    let len = raw.size() / fs.g.bs as u64;
    if len == 0 || len > fs.g.blocks_count {
        return Err(corrupt("bad journal inode size"));
    }
    let mut out = Vec::with_capacity(len as usize);
    let root = raw.i_block();
    let seed = if fs.g.csum { RawInode::csum_seed(fs.g.csum_seed, ino, raw.generation()) } else { 0 };
    while (out.len() as u64) < len {
        let lblk = out.len() as u64;
        let m = if raw.flags() & EXTENTS_FL != 0 {
            extent::map(fs, seed, &root, lblk as u32).await?
        } else {
            blockmap::map(fs, &root, lblk).await?
        };
        match m {
            Mapping::Mapped(p, n) => out.extend(p..p + n.min(len - lblk)),
            _ => return Err(corrupt("hole in the journal")),
        }
    }
    Ok(out)
}

impl Ext4 {
    /// Opens the journal, replays it if needed, and prepares it for
    /// commits on a read-write mount.
    pub(crate) async fn open_journal(&self) -> Result<()> {
        let ino = self.journal_ino();
        if ino == 0 {
            return Err(Error::with_msg(Errno::EINVAL, "external journals are not supported"));
        }
        let raw = self.read_inode_raw(ino).await?;
        let blocks = journal_blocks(self, ino, &raw).await?;
        let mut j = Journal::open(self.cache.device().clone(), self.g.bs as u32, blocks, self.g.uuid).await?;
        j.set_clock(self.clock.clone());
        let flagged = self.sb_read(|s| le32(s, sb::FEATURE_INCOMPAT)) & incompat::RECOVER != 0;
        if j.needs_recovery() {
            if self.dev.read_only() {
                return Err(Error::with_msg(Errno::EROFS, "journal needs recovery on a read-only device"));
            }
            let stats = j.recover().await?;
            log::info!(target: "ext4", "journal recovered: {} transactions, {} blocks replayed",
                stats.transactions, stats.blocks_replayed);
            self.reload_after_replay().await?;
        } else if flagged {
            log::info!(target: "ext4", "recovery flag set but the journal is empty");
        }
        if self.read_only {
            if flagged && !self.dev.read_only() {
                // Nothing to replay: the flag is stale. Leave the disk alone
                // on a read-only mount (Linux does the same with noload).
            }
            *self.journal.lock() = Some(JournalHook { j });
            return Ok(());
        }
        let mut features = 0;
        if self.g.incompat & incompat::BIT64 != 0 {
            features |= INCOMPAT_64BIT;
        }
        if self.g.ro_compat & ro_compat::METADATA_CSUM != 0 {
            features |= INCOMPAT_CSUM_V3;
        }
        j.set_features(0, features, 0).await?;
        self.sb_write(|s| set32(s, sb::FEATURE_INCOMPAT, le32(s, sb::FEATURE_INCOMPAT) | incompat::RECOVER));
        *self.journal.lock() = Some(JournalHook { j });
        Ok(())
    }

    /// Re-reads the superblock and group descriptor blocks (the replay
    /// wrote them behind the cache) and drops every other cached block.
    async fn reload_after_replay(&self) -> Result<()> {
        self.cache.invalidate_clean();
        let spb = (self.g.bs / crate::block::SECTOR_SIZE) as u64;
        let mut bufs = alloc::vec![self.sb_buf.clone()];
        bufs.extend(self.gdt.iter().cloned());
        for b in bufs {
            let mut data = alloc::vec![0u8; self.g.bs];
            self.dev.read(b.blk() * spb, &mut data).await?;
            b.write(|d| d.copy_from_slice(&data));
        }
        let (magic, blocks) = self.sb_read(|s| (le16(s, sb::MAGIC), le32(s, sb::BLOCKS_COUNT_LO)));
        if magic != super::disk::EXT4_MAGIC || blocks != self.g.blocks_count as u32 {
            return Err(corrupt("superblock changed by journal replay"));
        }
        Ok(())
    }
}
