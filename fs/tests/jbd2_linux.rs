//! jbd2 recovery of a journal written by the real Linux kernel: the fixture
//! `fixtures/jbd2_linux.img.gz` (made by `tests/make_jbd2_fixture.sh`: an
//! 8 MiB ext4 image, 4 KiB blocks, metadata_csum + 64bit, whose journal holds
//! three committed transactions, one with revoke records, left by a guest
//! that powered off without unmounting). We replay it, and check the result
//! block for block against `e2fsck -fy`'s replay, with `e2fsck -fn`, and by
//! reading the files the guest wrote.
//!
//! Prints a SKIP line and passes if gzip or e2fsprogs is missing.

mod jbd2_common;

use std::process::Command;

use jbd2_common::*;
use kairos_fs::{
    block::MemDisk,
    jbd2::{INCOMPAT_64BIT, INCOMPAT_CSUM_V3, Journal},
};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jbd2_linux.img.gz");

fn cat(img: &std::path::Path, file: &str) -> Option<Vec<u8>> {
    let out = Command::new(tool("debugfs").unwrap()).args(["-R", &format!("cat {file}")]).arg(img).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("File not found") { None } else { Some(out.stdout) }
}

#[test]
fn linux_written_journal_replays_like_e2fsck() {
    if !have_e2fsprogs("linux fixture") {
        return;
    }
    if tool("gzip").is_none() {
        eprintln!("SKIP linux fixture: gzip not installed");
        return;
    }
    let dir = TempDir::new("linux");
    let out = Command::new(tool("gzip").unwrap()).args(["-dc", FIXTURE]).output().unwrap();
    assert!(out.status.success(), "gzip -dc {FIXTURE}");
    let crashed = out.stdout;
    let sb = ext4_super(&crashed);
    assert_eq!(sb.block_size, 4096);
    assert_ne!(sb.incompat & EXT4_INCOMPAT_RECOVER, 0, "the fixture needs recovery");
    let bs = sb.block_size as usize;
    let img = dir.path("crashed.img");
    std::fs::write(&img, &crashed).unwrap();
    let map = journal_blocks(&img);

    // e2fsck's replay.
    let fsck_img = dir.path("fsck.img");
    std::fs::write(&fsck_img, &crashed).unwrap();
    let (code, out) = e2fsck(&fsck_img, &["-fy"]);
    assert!(code <= 1, "e2fsck -fy: {code}\n{out}");
    let by_fsck = std::fs::read(&fsck_img).unwrap();

    // Ours.
    let disk = MemDisk::from_bytes(crashed.clone(), false).shared();
    let mut journal = block_on(Journal::open(disk.clone(), sb.block_size, map.clone(), sb.uuid)).unwrap();
    assert!(journal.needs_recovery());
    let features = journal.superblock().incompat;
    assert_eq!(features & (INCOMPAT_64BIT | INCOMPAT_CSUM_V3), INCOMPAT_64BIT | INCOMPAT_CSUM_V3);
    let stats = block_on(journal.recover()).unwrap();
    assert_eq!(stats.transactions, 3, "{stats:?}");
    assert!(stats.blocks_revoked > 0, "Linux's revoke records were honoured: {stats:?}");
    assert!(stats.blocks_replayed > 50, "{stats:?}");
    let mut ours = disk.to_bytes();

    // Every block matches e2fsck's replay, except the ext4 superblock and
    // group descriptors: after the replay e2fsck's pass 5 also fixes the free
    // counts and `bg_itable_unused`, which Linux recomputes at mount.
    let differ = |a: &[u8], b: &[u8]| -> Vec<u64> {
        (0..sb.blocks_count).filter(|&nr| image_block(a, bs, nr) != image_block(b, bs, nr)).collect()
    };
    let d = differ(&ours, &by_fsck);
    assert!(d.iter().all(|&nr| nr <= 1), "blocks differing from e2fsck's replay: {d:?}");
    assert_eq!(jsb_seq_start(&ours, bs, &map), jsb_seq_start(&by_fsck, bs, &map));

    // With needs_recovery cleared, e2fsck -fn exits 0; the only thing it
    // offers to fix is the superblock's free counts (normal after a crash),
    // and after -fy the image equals e2fsck's own (superblock aside).
    set_ext4_recover(&mut ours, false);
    let ours_img = dir.path("ours.img");
    std::fs::write(&ours_img, &ours).unwrap();
    let (code, out) = e2fsck(&ours_img, &["-fn"]);
    let fixes: Vec<&str> = out.lines().filter(|l| l.contains("wrong") || l.contains("differences")).collect();
    assert_eq!(code, 0, "e2fsck -fn after our replay:\n{out}");
    assert!(
        fixes.iter().all(|l| l.starts_with("Free blocks count wrong (") || l.starts_with("Free inodes count wrong (")),
        "e2fsck -fn after our replay:\n{out}"
    );
    let (code, out) = e2fsck(&ours_img, &["-fy"]);
    assert!(code <= 1, "e2fsck -fy after our replay: {code}\n{out}");
    let d = differ(&std::fs::read(&ours_img).unwrap(), &by_fsck);
    assert!(d.iter().all(|&nr| nr == 0), "blocks differing after both e2fsck runs: {d:?}");

    // The files the guest wrote (see tests/make_jbd2_fixture.sh).
    let numbers: String = (1..=3000).map(|i| format!("{i}\n")).collect();
    assert_eq!(cat(&ours_img, "/dir/numbers.txt").unwrap(), numbers.as_bytes());
    assert_eq!(cat(&ours_img, "/dir/sub/f39").unwrap(), b"file 39\n");
    assert_eq!(cat(&ours_img, "/last").unwrap(), b"last transaction\n");
    assert_eq!(cat(&ours_img, "/dir/numbers"), None, "renamed");
    assert_eq!(cat(&ours_img, "/dir/sub/f7"), None, "deleted");
    assert_eq!(cat(&ours_img, "/dir/pattern"), None, "deleted");
    assert_eq!(cat(&ours_img, "/big/a-rather-long-file-name-to-fill-directory-blocks-quickly-1"), None);
}
