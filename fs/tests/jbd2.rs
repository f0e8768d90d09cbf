//! jbd2 on synthetic journals in a MemDisk: commit → crash → recover round
//! trips for every tag format, wrap-around, checkpointing, torn commits,
//! corruption handling, and a fuzz test (random bytes never panic).

mod jbd2_common;

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use jbd2_common::*;
use kairos_abi::{Errno, types::Timespec};
use kairos_fs::{
    block::{BlockDevice, MemDisk},
    jbd2::{
        COMPAT_CHECKSUM, INCOMPAT_64BIT, INCOMPAT_ASYNC_COMMIT, INCOMPAT_CSUM_V2, INCOMPAT_CSUM_V3, INCOMPAT_REVOKE,
        Journal, RecoveryStats,
        disk::{self, be32},
    },
};

fn open(disk: &Arc<MemDisk>, j: &SynthJournal, map: &[u64]) -> kairos_abi::Result<Journal> {
    block_on(Journal::open(disk.clone(), j.block_size as u32, map.to_vec(), [0xEE; 16]))
}

/// A fresh MemDisk holding a copy of `disk`.
fn clone_disk(disk: &MemDisk) -> Arc<MemDisk> {
    MemDisk::from_bytes(disk.to_bytes(), false).shared()
}

fn errno<T>(r: kairos_abi::Result<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.errno,
    }
}

/// Three transactions over home blocks H..H+4: T1 = {A1, B1 (magic), C1, E1},
/// T2 = {A2, D2} revoking C and E, T3 = {E3}. Expected after replay:
/// A2, B1, C untouched, D2, E3; 5 blocks replayed, 2 revoked.
fn three_transactions(journal: &mut Journal, bs: usize) {
    let h = SYNTH_HOME;
    block_on(journal.commit(&[
        (h, pattern(bs, 1)),
        (h + 1, magic_block(bs, 2)),
        (h + 2, pattern(bs, 3)),
        (h + 4, pattern(bs, 5)),
    ]))
    .unwrap();
    block_on(journal.commit_with_revokes(&[(h, pattern(bs, 11)), (h + 3, pattern(bs, 14))], &[h + 2, h + 4])).unwrap();
    block_on(journal.commit(&[(h + 4, pattern(bs, 25))])).unwrap();
}

fn check_three_transactions(disk: &dyn BlockDevice, bs: usize) {
    let h = SYNTH_HOME;
    assert_eq!(read_block(disk, bs, h), &*pattern(bs, 11));
    assert_eq!(read_block(disk, bs, h + 1), &*magic_block(bs, 2), "escaped block restored");
    assert_eq!(read_block(disk, bs, h + 2), vec![0; bs], "revoked block replayed");
    assert_eq!(read_block(disk, bs, h + 3), &*pattern(bs, 14));
    assert_eq!(read_block(disk, bs, h + 4), &*pattern(bs, 25), "block re-logged after its revoke");
}

const THREE_STATS: RecoveryStats = RecoveryStats { transactions: 3, blocks_replayed: 5, blocks_revoked: 2 };

fn roundtrip(j: SynthJournal, features: u32) {
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    assert!(!journal.needs_recovery());
    block_on(journal.set_features(0, features, 0)).unwrap();
    three_transactions(&mut journal, bs);
    assert!(journal.needs_recovery());
    drop(journal); // crash: nothing checkpointed
    assert_eq!(read_block(&*disk, bs, SYNTH_HOME), vec![0; bs], "home blocks untouched before replay");

    let mut journal = open(&disk, &j, &map).unwrap();
    assert!(journal.needs_recovery());
    assert_eq!(block_on(journal.recover()).unwrap(), THREE_STATS);
    assert!(!journal.needs_recovery());
    check_three_transactions(&*disk, bs);

    // The journal is empty on disk now; a second recovery does nothing.
    let mut journal = open(&disk, &j, &map).unwrap();
    assert!(!journal.needs_recovery());
    assert_eq!(block_on(journal.recover()).unwrap(), RecoveryStats::default());
    // And it takes new transactions after recovery.
    block_on(journal.commit(&[(SYNTH_HOME + 9, pattern(bs, 99))])).unwrap();
    drop(journal);
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(block_on(journal.recover()).unwrap().blocks_replayed, 1);
    assert_eq!(read_block(&*disk, bs, SYNTH_HOME + 9), &*pattern(bs, 99));
}

#[test]
fn roundtrip_plain_1k() {
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE);
}

#[test]
fn roundtrip_64bit_4k() {
    roundtrip(SynthJournal { block_size: 4096, ..Default::default() }, INCOMPAT_REVOKE | INCOMPAT_64BIT);
}

#[test]
fn roundtrip_csum_v3() {
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_CSUM_V3);
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE | INCOMPAT_CSUM_V3);
}

#[test]
fn roundtrip_csum_v2() {
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE | INCOMPAT_CSUM_V2);
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_CSUM_V2);
}

#[test]
fn roundtrip_compat_checksum_v1() {
    roundtrip(SynthJournal { compat: COMPAT_CHECKSUM, ..Default::default() }, INCOMPAT_REVOKE);
}

#[test]
fn roundtrip_async_commit() {
    roundtrip(SynthJournal::default(), INCOMPAT_REVOKE | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V3);
}

#[test]
fn revokes_enable_the_revoke_feature() {
    // set_features(0) leaves INCOMPAT_REVOKE off; the revoking commit turns it on.
    roundtrip(SynthJournal::default(), 0);
}

#[test]
fn v1_superblock_roundtrip_without_revokes() {
    let j = SynthJournal { version: 1, ..Default::default() };
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(journal.superblock().version, 1);
    assert_eq!(errno(block_on(journal.set_features(0, INCOMPAT_REVOKE, 0))), Errno::EINVAL);
    assert_eq!(
        errno(block_on(journal.commit_with_revokes(&[(SYNTH_HOME, pattern(bs, 1))], &[SYNTH_HOME + 1]))),
        Errno::EINVAL
    );
    block_on(journal.commit(&[(SYNTH_HOME, pattern(bs, 1)), (SYNTH_HOME + 1, magic_block(bs, 2))])).unwrap();
    drop(journal);
    let mut journal = open(&disk, &j, &map).unwrap();
    let stats = block_on(journal.recover()).unwrap();
    assert_eq!(stats, RecoveryStats { transactions: 1, blocks_replayed: 2, blocks_revoked: 0 });
    assert_eq!(read_block(&*disk, bs, SYNTH_HOME + 1), &*magic_block(bs, 2));
}

#[test]
fn many_tags_span_several_descriptors() {
    for features in [INCOMPAT_REVOKE, INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_CSUM_V3] {
        let j = SynthJournal { maxlen: 200, ..Default::default() };
        let bs = j.block_size;
        let (disk, map) = j.build();
        let mut journal = open(&disk, &j, &map).unwrap();
        block_on(journal.set_features(0, features, 0)).unwrap();
        // 1 KiB descriptors hold 124 (8-byte) or 62 (16-byte) tags: 150 blocks need 2 or 3.
        let blocks: Vec<_> = (0..150).map(|i| (SYNTH_HOME + i, pattern(bs, 1000 + i))).collect();
        block_on(journal.commit(&blocks)).unwrap();
        drop(journal);
        let mut journal = open(&disk, &j, &map).unwrap();
        assert_eq!(block_on(journal.recover()).unwrap().blocks_replayed, 150);
        for (nr, data) in &blocks {
            assert_eq!(read_block(&*disk, bs, *nr), **data);
        }
        // Many revoke records (several revoke blocks) in one transaction.
        let revoked: Vec<u64> = (0..600).map(|i| SYNTH_HOME + 2 * i).collect();
        let mut journal = open(&disk, &j, &map).unwrap();
        block_on(journal.commit(&blocks[..4])).unwrap();
        block_on(journal.commit_with_revokes(&[(SYNTH_HOME + 1, pattern(bs, 7))], &revoked)).unwrap();
        drop(journal);
        let mut journal = open(&disk, &j, &map).unwrap();
        let stats = block_on(journal.recover()).unwrap();
        assert_eq!(stats, RecoveryStats { transactions: 2, blocks_replayed: 3, blocks_revoked: 2 });
        assert_eq!(read_block(&*disk, bs, SYNTH_HOME + 1), &*pattern(bs, 7));
    }
}

#[test]
fn capacity_and_enospc() {
    let j = SynthJournal::default();
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    block_on(journal.set_features(0, INCOMPAT_REVOKE | INCOMPAT_CSUM_V3, 0)).unwrap();
    let cap = journal.capacity_blocks() as u64;
    // 63 log blocks: 61 data + 1 descriptor + 1 commit.
    assert_eq!(cap, 61);
    let too_many: Vec<_> = (0..=cap).map(|i| (SYNTH_HOME + i, pattern(bs, i))).collect();
    assert_eq!(errno(block_on(journal.commit(&too_many))), Errno::ENOSPC);
    assert!(journal.can_commit(cap as usize, 0));
    assert!(!journal.can_commit(cap as usize, 1), "revoke blocks count against the space");
    // A full-capacity transaction fits in the empty journal...
    block_on(journal.commit(&too_many[..cap as usize])).unwrap();
    // ... and nothing more does until the caller checkpoints.
    assert!(!journal.can_commit(1, 0));
    assert_eq!(errno(block_on(journal.commit(&too_many[..1]))), Errno::ENOSPC);
    for (nr, data) in &too_many[..cap as usize] {
        write_block(&*disk, *nr, data);
    }
    block_on(journal.checkpoint_done()).unwrap();
    assert!(!journal.needs_recovery());
    block_on(journal.commit(&too_many[..cap as usize])).unwrap();

    // Bad arguments.
    assert_eq!(errno(block_on(journal.commit(&[]))), Errno::EINVAL);
    assert_eq!(errno(block_on(journal.commit(&[(1, vec![0u8; 512].into())]))), Errno::EINVAL);
}

#[test]
fn large_block_numbers_need_64bit() {
    let j = SynthJournal::default();
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    let big = 1u64 << 33;
    assert_eq!(errno(block_on(journal.commit(&[(big, pattern(bs, 1))]))), Errno::EINVAL);
    block_on(journal.set_features(0, INCOMPAT_64BIT | INCOMPAT_CSUM_V3, 0)).unwrap();
    block_on(journal.commit(&[(big, pattern(bs, 1)), (SYNTH_HOME, pattern(bs, 2))])).unwrap();
    drop(journal);
    // Replay writes what it can and reports the block beyond the device.
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(errno(block_on(journal.recover())), Errno::EUCLEAN);
    assert_eq!(read_block(&*disk, bs, SYNTH_HOME), &*pattern(bs, 2));
    assert!(journal.needs_recovery());
}

/// Commits `rounds` transactions of varied sizes, checkpointing whenever the
/// log is full, so the log wraps several times; the last few transactions
/// (uncheckpointed, straddling the end of the log) are replayed after a crash.
#[test]
fn wraparound_with_checkpoints() {
    let j = SynthJournal { maxlen: 40, ..Default::default() };
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    block_on(journal.set_features(0, INCOMPAT_REVOKE | INCOMPAT_CSUM_V3, 0)).unwrap();
    let mut rng = Rng(42);
    let mut pending: Vec<(u64, Arc<[u8]>)> = Vec::new(); // committed, not yet home
    let mut expected = std::collections::HashMap::new();
    let mut checkpoints = 0;
    for round in 0..200u64 {
        let n = 1 + rng.below(6);
        let blocks: Vec<_> = (0..n).map(|_| (SYNTH_HOME + rng.below(20), pattern(bs, rng.next()))).collect();
        if !journal.can_commit(blocks.len(), 0) {
            // Checkpoint as the ext4 driver would: write home, then tell the journal.
            for (nr, data) in pending.drain(..) {
                write_block(&*disk, nr, &data);
            }
            block_on(journal.checkpoint_done()).unwrap();
            checkpoints += 1;
        }
        block_on(journal.commit(&blocks)).unwrap_or_else(|e| panic!("round {round}: {e}"));
        for (nr, data) in &blocks {
            expected.insert(*nr, data.clone());
        }
        pending.extend(blocks);
    }
    assert!(checkpoints > 20, "the log wrapped many times ({checkpoints} checkpoints)");
    drop(journal);
    let mut journal = open(&disk, &j, &map).unwrap();
    assert!(journal.needs_recovery());
    let stats = block_on(journal.recover()).unwrap();
    assert_eq!(stats.blocks_replayed as usize, pending.len());
    for (nr, data) in &expected {
        assert_eq!(read_block(&*disk, bs, *nr), **data, "block {nr}");
    }
}

/// The machine dies at every possible write of a commit: the transaction is
/// replayed entirely or not at all, and the earlier one always is.
#[test]
fn crash_at_every_write_of_a_commit() {
    for features in [INCOMPAT_REVOKE, INCOMPAT_REVOKE | INCOMPAT_CSUM_V3] {
        let j = SynthJournal::default();
        let bs = j.block_size;
        let (base, map) = j.build();
        let mut journal = open(&base, &j, &map).unwrap();
        block_on(journal.set_features(0, features, 0)).unwrap();
        drop(journal);
        let h = SYNTH_HOME;
        for n in 0..12 {
            let disk = clone_disk(&base);
            let mut journal = open(&disk, &j, &map).unwrap();
            block_on(journal.commit(&[(h, pattern(bs, 1)), (h + 1, pattern(bs, 2))])).unwrap();
            disk.fail_writes_after(Some(n));
            let second = [(h, pattern(bs, 3)), (h + 2, pattern(bs, 4))];
            let r = block_on(journal.commit_with_revokes(&second, &[h + 1]));
            if r.is_err() {
                // An aborted journal refuses more work.
                assert_eq!(errno(block_on(journal.commit(&second))), Errno::EROFS);
            }
            drop(journal);
            disk.fail_writes_after(None);
            let mut journal = open(&disk, &j, &map).unwrap();
            let stats = block_on(journal.recover()).unwrap();
            if r.is_ok() {
                assert_eq!(stats, RecoveryStats { transactions: 2, blocks_replayed: 3, blocks_revoked: 1 });
                assert_eq!(read_block(&*disk, bs, h), &*pattern(bs, 3));
                assert_eq!(read_block(&*disk, bs, h + 1), vec![0; bs]);
            } else {
                assert_eq!(stats, RecoveryStats { transactions: 1, blocks_replayed: 2, blocks_revoked: 0 }, "n={n}");
                assert_eq!(read_block(&*disk, bs, h), &*pattern(bs, 1));
                assert_eq!(read_block(&*disk, bs, h + 2), vec![0; bs]);
            }
        }
    }
}

/// A crash during the very first commit into an empty journal.
#[test]
fn crash_during_first_commit_replays_nothing() {
    let j = SynthJournal::default();
    let bs = j.block_size;
    // Three writes: the superblock (s_start), descriptor + data (merged), commit.
    for n in 0..3 {
        let (disk, map) = j.build();
        let mut journal = open(&disk, &j, &map).unwrap();
        disk.fail_writes_after(Some(n));
        assert!(block_on(journal.commit(&[(SYNTH_HOME, pattern(bs, 1))])).is_err());
        disk.fail_writes_after(None);
        let mut journal = open(&disk, &j, &map).unwrap();
        assert_eq!(block_on(journal.recover()).unwrap().transactions, 0);
        assert_eq!(read_block(&*disk, bs, SYNTH_HOME), vec![0; bs]);
    }
}

/// Log position of each block of `three_transactions` with 1 KiB blocks and
/// csum v3: T1 = desc 1, data 2..5, commit 6; T2 = revoke 7, desc 8,
/// data 9..10, commit 11; T3 = desc 12, data 13, commit 14.
const T2_DATA: u64 = 9;
const T3_DESC: u64 = 12;
const T3_COMMIT: u64 = 14;

fn csum_journal_with_three(times: [i64; 3]) -> (Arc<MemDisk>, SynthJournal, Vec<u64>) {
    let j = SynthJournal::default();
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    block_on(journal.set_features(0, INCOMPAT_REVOKE | INCOMPAT_CSUM_V3, 0)).unwrap();
    let now = Arc::new(AtomicI64::new(0));
    let clock = now.clone();
    journal.set_clock(Arc::new(move || Timespec::new(clock.load(Ordering::SeqCst), 0)));
    let h = SYNTH_HOME;
    let bs = j.block_size;
    now.store(times[0], Ordering::SeqCst);
    block_on(journal.commit(&[
        (h, pattern(bs, 1)),
        (h + 1, magic_block(bs, 2)),
        (h + 2, pattern(bs, 3)),
        (h + 4, pattern(bs, 5)),
    ]))
    .unwrap();
    now.store(times[1], Ordering::SeqCst);
    block_on(journal.commit_with_revokes(&[(h, pattern(bs, 11)), (h + 3, pattern(bs, 14))], &[h + 2, h + 4])).unwrap();
    now.store(times[2], Ordering::SeqCst);
    block_on(journal.commit(&[(h + 4, pattern(bs, 25))])).unwrap();
    // Sanity: the layout the constants describe.
    let bytes = disk.to_bytes();
    let at = |pos: u64| &bytes[map[pos as usize] as usize * bs..];
    assert_eq!(be32(at(T3_DESC), 4), disk::BLOCKTYPE_DESCRIPTOR);
    assert_eq!(be32(at(T3_COMMIT), 4), disk::BLOCKTYPE_COMMIT);
    assert_eq!(disk::be64(at(T3_COMMIT), 0x30), times[2] as u64);
    (disk, j, map)
}

fn flip_byte(disk: &MemDisk, bs: usize, phys: u64, off: usize) {
    let mut b = read_block(disk, bs, phys);
    b[off] ^= 0x40;
    write_block(disk, phys, &b);
}

#[test]
fn bad_commit_checksum_ends_replay() {
    let (disk, j, map) = csum_journal_with_three([100, 200, 300]);
    flip_byte(&disk, j.block_size, map[T3_COMMIT as usize], 0x30);
    let mut journal = open(&disk, &j, &map).unwrap();
    let stats = block_on(journal.recover()).unwrap();
    assert_eq!(stats.transactions, 2);
    assert_eq!(read_block(&*disk, j.block_size, SYNTH_HOME + 4), vec![0; j.block_size], "T3 not replayed");
    assert!(!journal.needs_recovery());
    // s_sequence moved past the torn transaction (4) by one, like Linux.
    assert_eq!(journal.superblock().sequence, 5);
}

#[test]
fn bad_descriptor_checksum_is_corruption() {
    let (disk, j, map) = csum_journal_with_three([100, 200, 300]);
    flip_byte(&disk, j.block_size, map[T3_DESC as usize], 40);
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(errno(block_on(journal.recover())), Errno::EUCLEAN);
    assert!(journal.needs_recovery(), "a failed recovery leaves the journal as it was");
    assert_eq!(read_block(&*disk, j.block_size, SYNTH_HOME), vec![0; j.block_size]);
}

#[test]
fn bad_descriptor_checksum_with_older_commit_is_stale_log() {
    // T3's commit time is older than T2's: Linux takes T3 as stale blocks of
    // an earlier use of the log, and ends recovery there successfully.
    let (disk, j, map) = csum_journal_with_three([100, 200, 50]);
    flip_byte(&disk, j.block_size, map[T3_DESC as usize], 40);
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(block_on(journal.recover()).unwrap().transactions, 2);
}

#[test]
fn bad_data_checksum_fails_recovery() {
    let (disk, j, map) = csum_journal_with_three([100, 200, 300]);
    flip_byte(&disk, j.block_size, map[T2_DATA as usize], 100);
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(errno(block_on(journal.recover())), Errno::EUCLEAN);
    assert!(journal.needs_recovery());
    // The other blocks were replayed (as Linux does).
    assert_eq!(read_block(&*disk, j.block_size, SYNTH_HOME + 3), &*pattern(j.block_size, 14));
}

#[test]
fn v1_checksum_mismatch_ends_replay() {
    let j = SynthJournal { compat: COMPAT_CHECKSUM, ..Default::default() };
    let bs = j.block_size;
    let (disk, map) = j.build();
    let mut journal = open(&disk, &j, &map).unwrap();
    block_on(journal.commit(&[(SYNTH_HOME, pattern(bs, 1))])).unwrap(); // log 1..3
    block_on(journal.commit(&[(SYNTH_HOME + 1, pattern(bs, 2))])).unwrap(); // log 4..6
    flip_byte(&disk, bs, map[5], 7); // T2's data block
    let mut journal = open(&disk, &j, &map).unwrap();
    assert_eq!(block_on(journal.recover()).unwrap().transactions, 1);
    assert_eq!(read_block(&*disk, bs, SYNTH_HOME + 1), vec![0; bs]);
}

#[test]
fn open_rejects_bad_superblocks() {
    let j = SynthJournal { incompat: INCOMPAT_CSUM_V3, ..Default::default() };
    let bs = j.block_size;
    let (disk, map) = j.build();
    assert!(open(&disk, &j, &map).is_ok());
    let cases: [(usize, u32, Errno); 7] = [
        (0x00, 0x1234_5678, Errno::EUCLEAN),  // magic
        (0x04, 9, Errno::EUCLEAN),            // blocktype
        (0x0C, 2048, Errno::EINVAL),          // block size differs from the fs
        (0x28, 0x20 | 0x10, Errno::EINVAL),   // fast commit
        (0x28, 0x1000 | 0x10, Errno::EINVAL), // unknown incompat
        (0x10, 1 << 20, Errno::EUCLEAN),      // s_maxlen beyond the inode
        (0x1C, 5000, Errno::EUCLEAN),         // s_start outside the log
    ];
    for (off, value, want) in cases {
        let d = clone_disk(&disk);
        let mut sb = read_block(&*d, bs, map[0]);
        disk::put_be32(&mut sb, off, value);
        let c = disk::superblock_csum(&sb);
        disk::put_be32(&mut sb, 0xFC, c);
        write_block(&*d, map[0], &sb);
        assert_eq!(errno(open(&d, &j, &map)), want, "field {off:#x} = {value:#x}");
    }
    // Checksum mismatch.
    let d = clone_disk(&disk);
    flip_byte(&d, bs, map[0], 0x200);
    assert_eq!(errno(open(&d, &j, &map)), Errno::EUCLEAN);
    // Journal inode shorter than s_maxlen.
    assert_eq!(errno(open(&disk, &j, &map[..10])), Errno::EUCLEAN);
    // Journal blocks beyond the device.
    let mut far = map.clone();
    far[3] = 1 << 40;
    assert_eq!(errno(open(&disk, &j, &far)), Errno::EUCLEAN);
    assert_eq!(errno(open(&disk, &j, &[])), Errno::EINVAL);
}

/// Random bytes anywhere in the journal (superblock included, with and
/// without a fixed-up checksum) make open/recover fail or succeed, never panic
/// or loop.
#[test]
fn fuzz_random_journal_contents_never_panic() {
    let mut rng = Rng(0xDEAD_BEEF);
    for features in [INCOMPAT_REVOKE, INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_CSUM_V3, INCOMPAT_CSUM_V2] {
        let (base, j, map) = {
            let j = SynthJournal { maxlen: 32, ..Default::default() };
            let (disk, map) = j.build();
            let mut journal = open(&disk, &j, &map).unwrap();
            block_on(journal.set_features(0, features, 0)).unwrap();
            let bs = j.block_size;
            // Fill most of the log, wrapping once, and leave it needing recovery.
            for i in 0..12u64 {
                let blocks = [(SYNTH_HOME + i % 5, pattern(bs, i)), (SYNTH_HOME + 7, magic_block(bs, i))];
                if !journal.can_commit(2, 1) {
                    block_on(journal.checkpoint_done()).unwrap();
                }
                block_on(journal.commit_with_revokes(&blocks, &[SYNTH_HOME + (i + 1) % 5])).unwrap();
            }
            (disk, j, map)
        };
        let bs = j.block_size;
        for _ in 0..1500 {
            let disk = clone_disk(&base);
            let mut bytes = disk.to_bytes();
            let mutations = 1 + rng.below(8);
            for _ in 0..mutations {
                let jblock = if rng.below(8) == 0 { 0 } else { rng.below(j.maxlen as u64) };
                let base_off = map[jblock as usize] as usize * bs;
                let off = match rng.below(3) {
                    0 => rng.below(64),        // headers, tag fields, sb geometry
                    1 => rng.below(bs as u64), // anywhere
                    _ => 12 + rng.below(48),   // first tags / r_count
                } as usize;
                bytes[base_off + off] = rng.next() as u8;
            }
            if rng.below(2) == 0 {
                // Keep the superblock checksum valid so recovery runs.
                let sb = &mut bytes[map[0] as usize * bs..][..bs];
                let c = disk::superblock_csum(sb);
                disk::put_be32(sb, 0xFC, c);
            }
            let disk = MemDisk::from_bytes(bytes, false).shared();
            if let Ok(mut journal) = open(&disk, &j, &map) {
                let _ = block_on(journal.recover());
                let _ = block_on(journal.commit(&[(SYNTH_HOME, pattern(bs, 1))]));
            }
        }
    }
}
