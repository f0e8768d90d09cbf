//! jbd2 against e2fsprogs on real `mke2fs -t ext4` images (1 KiB and 4 KiB
//! blocks, with and without metadata_csum):
//! - transactions we commit are replayed identically by `e2fsck -fy` and by
//!   our own recovery, and the image is `e2fsck -fn` clean afterwards;
//! - transactions written by debugfs (`jo`/`jw`/`jc`) are replayed by us
//!   exactly as `e2fsck -fy` replays them.
//!
//! The tests print a SKIP line and pass if e2fsprogs is not installed.

mod jbd2_common;

use std::sync::Arc;

use jbd2_common::*;
use kairos_fs::{
    block::MemDisk,
    jbd2::{INCOMPAT_64BIT, INCOMPAT_CSUM_V3, INCOMPAT_REVOKE, Journal, RecoveryStats},
};

/// Image size of the test filesystems.
const FS_KIB: u32 = 16 * 1024;

struct Image {
    _dir: TempDir,
    dir_path: std::path::PathBuf,
    bytes: Vec<u8>,
    bs: usize,
    map: Vec<u64>,
    sb: Ext4Super,
}

fn make_image(name: &str, bs: u32, csum: bool) -> Image {
    let dir = TempDir::new(name);
    let img = dir.path("fs.img");
    mkfs(&img, bs, csum, FS_KIB);
    let map = journal_blocks(&img);
    assert_eq!(map.len(), 1024, "mke2fs journal size");
    let bytes = std::fs::read(&img).unwrap();
    let sb = ext4_super(&bytes);
    assert_eq!(sb.block_size, bs);
    Image { dir_path: dir.0.clone(), _dir: dir, bytes, bs: bs as usize, map, sb }
}

fn open(disk: &Arc<MemDisk>, img: &Image) -> Journal {
    block_on(Journal::open(disk.clone(), img.bs as u32, img.map.clone(), img.sb.uuid)).unwrap()
}

/// The features Linux's ext4 enables on its journal at mount.
fn ext4_features(sb: &Ext4Super) -> u32 {
    let mut f = INCOMPAT_REVOKE;
    if sb.incompat & EXT4_INCOMPAT_64BIT != 0 {
        f |= INCOMPAT_64BIT;
    }
    if sb.ro_compat & EXT4_RO_COMPAT_METADATA_CSUM != 0 {
        f |= INCOMPAT_CSUM_V3;
    }
    f
}

fn ours_vs_e2fsck(bs: u32, csum: bool) {
    let name = format!("ours-{bs}-{csum}");
    if !have_e2fsprogs(&name) {
        return;
    }
    let img = make_image(&name, bs, csum);
    let bs = img.bs;
    // Free blocks near the end of the fs.
    let h = img.sb.blocks_count - 64;
    let disk = MemDisk::from_bytes(img.bytes.clone(), false).shared();
    let mut journal = open(&disk, &img);
    assert!(!journal.needs_recovery());
    block_on(journal.set_features(0, ext4_features(&img.sb), 0)).unwrap();
    block_on(journal.commit(&[
        (h, pattern(bs, 1)),
        (h + 1, magic_block(bs, 2)),
        (h + 2, pattern(bs, 3)),
        (h + 4, pattern(bs, 5)),
    ]))
    .unwrap();
    block_on(journal.commit_with_revokes(&[(h, pattern(bs, 11)), (h + 3, pattern(bs, 14))], &[h + 2, h + 4])).unwrap();
    block_on(journal.commit(&[(h + 4, pattern(bs, 25))])).unwrap();
    drop(journal); // crash
    let crashed = disk.to_bytes();

    // e2fsck replays our journal (the fs says it needs recovery).
    let fsck_img = img.dir_path.join("fsck.img");
    let mut for_fsck = crashed.clone();
    set_ext4_recover(&mut for_fsck, true);
    std::fs::write(&fsck_img, &for_fsck).unwrap();
    let (code, out) = e2fsck(&fsck_img, &["-fy"]);
    assert!(code <= 1, "e2fsck -fy: {code}\n{out}");
    assert!(out.contains("recovering journal"), "e2fsck did not replay:\n{out}");
    let by_fsck = std::fs::read(&fsck_img).unwrap();

    // We replay it.
    let mut journal = open(&disk, &img);
    assert!(journal.needs_recovery());
    let stats = block_on(journal.recover()).unwrap();
    assert_eq!(stats, RecoveryStats { transactions: 3, blocks_replayed: 5, blocks_revoked: 2 });
    let ours = disk.to_bytes();
    let expect = [
        (h, pattern(bs, 11)),
        (h + 1, magic_block(bs, 2)),
        (h + 2, vec![0u8; bs].into()),
        (h + 3, pattern(bs, 14)),
        (h + 4, pattern(bs, 25)),
    ];
    for (nr, data) in &expect {
        assert_eq!(image_block(&ours, bs, *nr), &**data, "our replay, block {nr}");
        assert_eq!(image_block(&by_fsck, bs, *nr), &**data, "e2fsck's replay of our journal, block {nr}");
    }
    assert_eq!(jsb_seq_start(&ours, bs, &img.map), jsb_seq_start(&by_fsck, bs, &img.map));

    // Our journal superblock (features, checksum) is valid to e2fsck.
    let ours_img = img.dir_path.join("ours.img");
    std::fs::write(&ours_img, &ours).unwrap();
    let (code, out) = e2fsck(&ours_img, &["-fn"]);
    assert_eq!(code, 0, "e2fsck -fn after our replay:\n{out}");
}

#[test]
fn ours_replayed_by_e2fsck_4k_csum() {
    ours_vs_e2fsck(4096, true);
}

#[test]
fn ours_replayed_by_e2fsck_4k_nocsum() {
    ours_vs_e2fsck(4096, false);
}

#[test]
fn ours_replayed_by_e2fsck_1k_csum() {
    ours_vs_e2fsck(1024, true);
}

#[test]
fn ours_replayed_by_e2fsck_1k_nocsum() {
    ours_vs_e2fsck(1024, false);
}

/// Checkpointing through the journal API leaves an image e2fsck finds clean
/// and a journal e2fsck finds empty.
#[test]
fn checkpoint_leaves_clean_fs() {
    if !have_e2fsprogs("checkpoint") {
        return;
    }
    let img = make_image("checkpoint", 4096, true);
    let bs = img.bs;
    let h = img.sb.blocks_count - 64;
    let disk = MemDisk::from_bytes(img.bytes.clone(), false).shared();
    let mut journal = open(&disk, &img);
    block_on(journal.set_features(0, ext4_features(&img.sb), 0)).unwrap();
    let mut rng = Rng(7);
    for round in 0..400u64 {
        let blocks: Vec<_> = (0..1 + rng.below(8)).map(|_| (h + rng.below(40), pattern(bs, round))).collect();
        if !journal.can_commit(blocks.len(), 0) {
            block_on(journal.checkpoint_done()).unwrap();
        }
        block_on(journal.commit(&blocks)).unwrap();
    }
    block_on(journal.checkpoint_done()).unwrap();
    let path = img.dir_path.join("cp.img");
    std::fs::write(&path, disk.to_bytes()).unwrap();
    let (code, out) = e2fsck(&path, &["-fn"]);
    assert_eq!(code, 0, "e2fsck -fn:\n{out}");
    let dump = debugfs(&path, false, "logdump\n");
    assert!(dump.contains("Journal starts at block 0"), "journal not empty:\n{dump}");
}

/// A journal written by e2fsprogs' debugfs, replayed by us and by e2fsck.
///
/// `jo -c` on a fs without metadata_csum makes a v1 `COMPAT_CHECKSUM`
/// journal, where debugfs's revoke-only transaction 2 carries a checksum
/// that both e2fsck and Linux reject ("transaction 2 was corrupt"): replay
/// then stops after transaction 1, for us as for e2fsck.
fn debugfs_journal(bs: u32, csum: bool, jo_csum: bool) {
    let v1_checksum = jo_csum && !csum;
    let name = format!("debugfs-{bs}-{csum}-{jo_csum}");
    if !have_e2fsprogs(&name) {
        return;
    }
    let img = make_image(&name, bs, csum);
    let bs = img.bs;
    let h = img.sb.blocks_count - 64;
    let dir = &img.dir_path;
    // Three blocks; the second starts with the jbd2 magic (escaped in the log).
    let mut three = pattern(bs, 31).to_vec();
    three.extend_from_slice(&magic_block(bs, 32));
    three.extend_from_slice(&pattern(bs, 33));
    std::fs::write(dir.join("three"), &three).unwrap();
    let mut two = pattern(bs, 41).to_vec();
    two.extend_from_slice(&pattern(bs, 42));
    std::fs::write(dir.join("two"), &two).unwrap();
    std::fs::write(dir.join("late"), &*pattern(bs, 51)).unwrap();
    let path = dir.join("fs.img");
    let jo = if jo_csum { "jo -c" } else { "jo" };
    let three_path = dir.join("three");
    let two_path = dir.join("two");
    let late_path = dir.join("late");
    let script = format!(
        "{jo}\n\
         jw -b {},{},{} {}\n\
         jw -r {}\n\
         jw -b {},{} {}\n\
         jw -b {} -c {}\n\
         jc\n",
        h,
        h + 1,
        h + 2,
        three_path.display(),
        h + 2,
        h + 3,
        h,
        two_path.display(),
        h + 5,
        late_path.display(),
    );
    let out = debugfs(&path, true, &script);
    assert!(!out.contains("rror"), "debugfs:\n{out}");
    let written = std::fs::read(&path).unwrap();
    assert_ne!(ext4_super(&written).incompat & EXT4_INCOMPAT_RECOVER, 0, "debugfs set needs_recovery");

    // e2fsck's replay.
    let fsck_img = dir.join("fsck.img");
    std::fs::write(&fsck_img, &written).unwrap();
    let (code, out) = e2fsck(&fsck_img, &["-fy"]);
    assert!(code <= 1, "e2fsck -fy: {code}\n{out}");
    let by_fsck = std::fs::read(&fsck_img).unwrap();
    assert_eq!(out.contains("Journal transaction 2 was corrupt"), v1_checksum, "e2fsck:\n{out}");

    // Ours.
    let disk = MemDisk::from_bytes(written.clone(), false).shared();
    let mut journal = open(&disk, &img);
    assert!(journal.needs_recovery());
    let stats = block_on(journal.recover()).unwrap();
    let mut ours = disk.to_bytes();

    for nr in h..h + 8 {
        assert_eq!(image_block(&ours, bs, nr), image_block(&by_fsck, bs, nr), "replayed block {nr} differs");
    }
    assert_eq!(image_block(&ours, bs, h + 1), &*magic_block(bs, 32), "escaped block");
    if v1_checksum {
        assert_eq!(stats, RecoveryStats { transactions: 1, blocks_replayed: 3, blocks_revoked: 0 });
        assert_eq!(image_block(&ours, bs, h + 2), &*pattern(bs, 33), "transaction 2 not replayed");
    } else {
        assert_eq!(stats, RecoveryStats { transactions: 3, blocks_replayed: 4, blocks_revoked: 1 });
        assert_eq!(image_block(&ours, bs, h + 2), vec![0; bs], "revoked block");
        assert_eq!(image_block(&ours, bs, h + 3), &*pattern(bs, 41));
        assert_eq!(image_block(&ours, bs, h), &*pattern(bs, 42), "rewritten by transaction 3");
    }
    assert_eq!(image_block(&ours, bs, h + 5), vec![0; bs], "uncommitted transaction");
    assert_eq!(jsb_seq_start(&ours, bs, &img.map), jsb_seq_start(&by_fsck, bs, &img.map));

    // Every block e2fsck's replay changed, ours changed the same way (e2fsck
    // also rewrites the superblock and may fix group summaries).
    let fsck_changed: Vec<u64> = (0..img.sb.blocks_count)
        .filter(|&nr| image_block(&by_fsck, bs, nr) != image_block(&written, bs, nr))
        .filter(|&nr| image_block(&by_fsck, bs, nr) != image_block(&ours, bs, nr))
        .collect();
    let sb_block = if bs == 1024 { 1 } else { 0 };
    assert!(fsck_changed.iter().all(|&nr| nr == sb_block), "blocks replayed differently: {fsck_changed:?}");

    // With INCOMPAT_RECOVER cleared, our result is clean to e2fsck.
    set_ext4_recover(&mut ours, false);
    let ours_img = dir.join("ours.img");
    std::fs::write(&ours_img, &ours).unwrap();
    let (code, out) = e2fsck(&ours_img, &["-fn"]);
    assert_eq!(code, 0, "e2fsck -fn after our replay:\n{out}");
}

#[test]
fn debugfs_journal_4k_csum() {
    debugfs_journal(4096, true, true);
}

#[test]
fn debugfs_journal_4k_nocsum() {
    debugfs_journal(4096, false, false);
}

#[test]
fn debugfs_journal_1k_csum() {
    debugfs_journal(1024, true, true);
}

#[test]
fn debugfs_journal_1k_nocsum() {
    debugfs_journal(1024, false, false);
}

#[test]
fn debugfs_journal_1k_nocsum_fs_csum_journal() {
    debugfs_journal(1024, false, true);
}
