//! Journal recovery: find the committed transactions from `s_start`, then
//! replay their blocks home, skipping revoked ones — Linux's
//! `jbd2_journal_recover` (`fs/jbd2/recovery.c`), with its SCAN and REVOKE
//! passes folded into one walk of the log.
//!
//! End-of-log rules, as Linux:
//! - a block without the magic, with another sequence number or of an
//!   unknown type ends the log;
//! - a commit block whose checksum (v1, v2 or v3) is wrong ends the log
//!   before that transaction (a torn commit);
//! - a descriptor or revoke block with a bad v2/v3 checksum is fine if the
//!   commit block that follows is older than the previous one (stale blocks
//!   of an earlier use of the log: the log ends there), and corruption
//!   (`EUCLEAN`) otherwise;
//! - a data block whose tag checksum is wrong is not written, the others
//!   are, and recovery fails with `EUCLEAN`, leaving the journal as it was.

use alloc::{collections::BTreeMap, vec, vec::Vec};
use core::mem;

use kairos_abi::{Errno, Error, Result};

use super::{Journal, RecoveryStats, disk::*};

/// A logged data block: where it sits in the log and its tag.
struct LoggedBlock {
    pos: u32,
    tag: Tag,
}

/// One transaction found in the log.
struct Transaction {
    tid: u32,
    blocks: Vec<LoggedBlock>,
    revokes: Vec<u64>,
    /// A revoke block had an impossible `r_count`.
    bad_revoke: bool,
}

impl Transaction {
    fn new(tid: u32) -> Transaction {
        Transaction { tid, blocks: Vec::new(), revokes: Vec::new(), bad_revoke: false }
    }
}

/// `a` is the same transaction as `b` or a later one (ids wrap).
fn tid_geq(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) as i32 >= 0
}

impl Journal {
    /// Replays every committed transaction to its home blocks (honouring
    /// revoke records and checksums), flushes, then marks the journal empty
    /// (`s_start = 0`, `s_sequence` one past the first id not found, as
    /// Linux and e2fsck do). Does nothing if the journal is empty.
    ///
    /// On `EUCLEAN` (corrupt journal) or a device error the journal
    /// superblock is left as it was, so the fs still needs recovery (e2fsck).
    pub async fn recover(&mut self) -> Result<RecoveryStats> {
        if self.aborted {
            return Err(Error::with_msg(Errno::EROFS, "jbd2: journal aborted by a failed commit"));
        }
        if self.sb.start == 0 {
            return Ok(RecoveryStats::default());
        }
        let (txns, end_tid) = self.scan().await.inspect_err(|e| log::error!(target: "jbd2", "recovery: {e}"))?;

        // Latest transaction revoking each block.
        let mut revoked: BTreeMap<u64, u32> = BTreeMap::new();
        for t in &txns {
            if t.bad_revoke {
                log::error!(target: "jbd2", "recovery: bad revoke block in transaction {}", t.tid);
                return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: corrupt revoke block"));
            }
            for &nr in &t.revokes {
                let e = revoked.entry(nr).or_insert(t.tid);
                if tid_geq(t.tid, *e) {
                    *e = t.tid;
                }
            }
        }

        let bs = self.block_size;
        let dev_blocks = self.dev.sector_count() / self.sectors_per_block;
        let mut stats = RecoveryStats::default();
        let mut bad_blocks = 0u32;
        let mut buf = vec![0u8; bs];
        for t in &txns {
            stats.transactions += 1;
            for b in &t.blocks {
                if revoked.get(&b.tag.block).is_some_and(|&r| tid_geq(r, t.tid)) {
                    stats.blocks_revoked += 1;
                    continue;
                }
                self.read_log(b.pos, &mut buf).await?;
                if self.sb.has_csum_v23() {
                    let mut csum = data_csum(self.csum_seed, t.tid, &buf);
                    if self.sb.incompat & INCOMPAT_CSUM_V3 == 0 {
                        csum &= 0xFFFF;
                    }
                    if csum != b.tag.csum {
                        log::error!(
                            target: "jbd2",
                            "invalid checksum recovering data block {} in transaction {}", b.tag.block, t.tid
                        );
                        bad_blocks += 1;
                        continue;
                    }
                }
                if b.tag.block >= dev_blocks {
                    log::error!(target: "jbd2", "logged block {} is beyond the device", b.tag.block);
                    bad_blocks += 1;
                    continue;
                }
                if b.tag.flags & FLAG_ESCAPE != 0 {
                    put_be32(&mut buf, 0, JBD2_MAGIC);
                }
                self.dev.write(b.tag.block * self.sectors_per_block, &buf, false).await?;
                stats.blocks_replayed += 1;
            }
        }
        self.dev.flush().await?;
        if bad_blocks > 0 {
            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: corrupt logged blocks, recovery incomplete"));
        }

        let next = end_tid.wrapping_add(1);
        let mut sb = self.sb;
        sb.start = 0;
        sb.sequence = next;
        self.write_superblock(sb).await?;
        self.next_tid = next;
        self.head = self.sb.first;
        self.used = 0;
        log::info!(
            target: "jbd2",
            "recovery: {} transactions ({}..{}), {} blocks replayed, {} revoked",
            stats.transactions, end_tid.wrapping_sub(stats.transactions), end_tid, stats.blocks_replayed,
            stats.blocks_revoked
        );
        Ok(stats)
    }

    /// Walks the log from `s_start`: the committed transactions in order,
    /// and the id of the first transaction not committed.
    async fn scan(&self) -> Result<(Vec<Transaction>, u32)> {
        let sb = self.sb;
        let bs = self.block_size;
        let v23 = sb.has_csum_v23();
        let v1 = sb.compat & COMPAT_CHECKSUM != 0;
        let limit = u64::from(self.log_len()) + 1;
        let mut walked = 0u64;
        let mut pos = sb.start;
        let mut tid = sb.sequence;
        let mut txns = Vec::new();
        let mut cur = Transaction::new(tid);
        let mut need_check_commit_time = false;
        let mut last_commit_time = 0u64;
        let mut v1_crc = !0u32;
        let mut buf = vec![0u8; bs];
        let mut data = vec![0u8; bs];
        let too_long = || Error::with_msg(Errno::EUCLEAN, "jbd2: log longer than the journal");
        loop {
            walked += 1;
            if walked > limit {
                return Err(too_long());
            }
            self.read_log(pos, &mut buf).await?;
            let here = pos;
            pos = self.wrap(pos + 1);
            let Some((blocktype, sequence)) = header(&buf) else { break };
            if sequence != tid {
                break;
            }
            match blocktype {
                BLOCKTYPE_DESCRIPTOR => {
                    if v23 && !tail_csum_ok(self.csum_seed, &buf) {
                        // Maybe a stale block from an earlier use of the log.
                        log::debug!(target: "jbd2", "invalid descriptor block at {here}");
                        need_check_commit_time = true;
                    }
                    let sum_v1 = v1 && !need_check_commit_time;
                    if sum_v1 {
                        v1_crc = crc32_be(v1_crc, &buf);
                    }
                    for tag in parse_tags(&sb, &buf) {
                        walked += 1;
                        if walked > limit {
                            return Err(too_long());
                        }
                        if sum_v1 {
                            self.read_log(pos, &mut data).await?;
                            v1_crc = crc32_be(v1_crc, &data);
                        }
                        cur.blocks.push(LoggedBlock { pos, tag });
                        pos = self.wrap(pos + 1);
                    }
                }
                BLOCKTYPE_COMMIT => {
                    let commit_time = be64(&buf, COMMIT_SEC);
                    if need_check_commit_time {
                        if commit_time >= last_commit_time {
                            log::error!(target: "jbd2", "invalid checksum found in transaction {tid}");
                            return Err(Error::with_msg(Errno::EUCLEAN, "jbd2: bad descriptor/revoke checksum"));
                        }
                        log::debug!(target: "jbd2", "bad checksum in transaction {tid} ignored: stale log");
                        break;
                    }
                    let mut ok = true;
                    if v1 {
                        let found = be32(&buf, COMMIT_CHKSUM0);
                        let (ty, size) = (buf[COMMIT_CHKSUM_TYPE], buf[COMMIT_CHKSUM_SIZE_OFF]);
                        ok = (found == v1_crc && ty == COMMIT_CHKSUM_CRC32 && size == COMMIT_CHKSUM_SIZE)
                            || (ty == 0 && size == 0 && found == 0);
                        v1_crc = !0;
                    }
                    if v23 && be32(&buf, COMMIT_CHKSUM0) != commit_csum(self.csum_seed, &buf) {
                        ok = false;
                    }
                    if !ok {
                        if commit_time >= last_commit_time {
                            log::warn!(target: "jbd2", "transaction {tid}: bad commit checksum, replay stops there");
                        }
                        break;
                    }
                    last_commit_time = commit_time;
                    tid = tid.wrapping_add(1);
                    txns.push(mem::replace(&mut cur, Transaction::new(tid)));
                }
                BLOCKTYPE_REVOKE => {
                    if v23 && !tail_csum_ok(self.csum_seed, &buf) {
                        log::debug!(target: "jbd2", "invalid revoke block at {here}");
                        need_check_commit_time = true;
                    }
                    match parse_revoke(&sb, &buf) {
                        Some(records) => cur.revokes.extend(records),
                        None => cur.bad_revoke = true,
                    }
                }
                _ => break,
            }
        }
        Ok((txns, tid))
    }
}
