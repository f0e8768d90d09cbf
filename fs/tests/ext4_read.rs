//! ext4 read side against real images made by the host's `mke2fs -d`:
//! every file type, a big sparse file, a 5000-entry (htree after
//! `e2fsck -D`) directory, 1 KiB and 4 KiB blocks, with and without
//! `metadata_csum`, ext2/ext3 block maps; checksum failures, feature
//! checks, a fuzz test that corrupts metadata at random and must never
//! panic, and the Alpine root filesystem when its fixture exists.

mod ext4_support;

use std::{os::unix::fs::PermissionsExt, path::Path};

use ext4_support::*;
use kairos_abi::Errno;
use kairos_fs::{FileType, Inode, block::MemDisk, ext4::Ext4};

/// Builds a host tree exercising every feature the read side handles.
fn host_tree() -> TempDir {
    let t = TempDir::new("tree");
    let p = |s: &str| t.path().join(s);
    for d in ["bin", "etc/init.d", "empty_dir", "usr/lib/deep/er/est", "big_dir", "sticky"] {
        std::fs::create_dir_all(p(d)).unwrap();
    }
    std::fs::write(p("etc/hostname"), b"kairos\n").unwrap();
    std::fs::write(p("empty"), b"").unwrap();
    let medium: Vec<u8> = (0..300_007u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(p("bin/medium"), &medium).unwrap();
    std::fs::write(p("usr/lib/deep/er/est/f"), b"deep").unwrap();
    // A 13 MiB file with holes: data at the start, in the middle, at the end.
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(p("sparse")).unwrap();
        f.write_all(&[1u8; 5000]).unwrap();
        f.seek(SeekFrom::Start(6 << 20)).unwrap();
        f.write_all(&[2u8; 70_000]).unwrap();
        f.seek(SeekFrom::Start((13 << 20) - 3)).unwrap();
        f.write_all(b"end").unwrap();
    }
    std::os::unix::fs::symlink("etc/hostname", p("fastlink")).unwrap();
    let long = "a-very-long-symlink-target/".repeat(6) + "file";
    std::os::unix::fs::symlink(&long, p("slowlink")).unwrap();
    std::fs::hard_link(p("etc/hostname"), p("etc/hardlink")).unwrap();
    for i in 0..5000 {
        std::fs::write(p(&format!("big_dir/entry-with-a-longish-name-{i:05}")), format!("{i}")).unwrap();
    }
    sh(&format!(
        "mknod '{}' c 1 3 && mknod '{}' b 8 17 && mknod '{}' c 300 70000 && mkfifo '{}'",
        p("null").display(),
        p("sda1").display(),
        p("bigdev").display(),
        p("fifo").display()
    ));
    std::fs::set_permissions(p("sticky"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::set_permissions(p("bin/medium"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    sh(&format!("chown 1234:5678 '{}'", p("etc/hostname").display()));
    t
}

/// mke2fs -d, then e2fsck -fyD to index the big directory; checks the
/// result is clean and really has an htree.
fn build(opts: &str, tree: &Path) -> Vec<u8> {
    let img = mkfs(opts, 64, Some(tree));
    let (code, text, img) = e2fsck(&img, "-fyD");
    assert!(code == 0 || code == 1, "e2fsck -fyD: {code}\n{text}");
    assert_fsck_clean(&img);
    img
}

fn check_image(opts: &str) {
    let tree = host_tree();
    let img = build(opts, tree.path());
    let (_disk, fs) = mount_bytes(img, true).unwrap();
    let root = fs.root();
    let n = compare_tree(&root, tree.path());
    assert!(n > 5000, "compared {n}");
    let sparse = walk(&root, "sparse").unwrap();
    assert!(sparse.metadata().blocks < (13 << 20) / 512 / 4, "holes must not be allocated");
    // Reads across a hole boundary and past EOF.
    let mut buf = vec![9u8; 10_000];
    assert_eq!(block_on(sparse.read_at(4000, &mut buf)).unwrap(), 10_000);
    assert!(buf[..1000].iter().all(|&b| b == 1) && buf[1000..].iter().all(|&b| b == 0));
    assert_eq!(block_on(sparse.read_at(13 << 20, &mut buf)).unwrap(), 0);
    let st = root.statfs().unwrap();
    assert_eq!(st.f_type, 0xef53);
    assert!(st.f_bfree > 0 && st.f_files > 0 && st.f_ffree > 0);
    assert_eq!(st.f_namelen, 255);
    block_on(fs.unmount()).unwrap();
}

#[test]
fn ext4_4k_metadata_csum() {
    check_image("-t ext4");
}

#[test]
fn ext4_1k_blocks() {
    check_image("-t ext4 -b 1024");
}

#[test]
fn ext4_without_metadata_csum() {
    check_image("-t ext4 -O ^metadata_csum,uninit_bg");
}

#[test]
fn ext4_32bit_no_flex_bg_orphan_file() {
    check_image("-t ext4 -O ^64bit,^flex_bg,orphan_file");
}

#[test]
fn ext4_inline_data_read_only() {
    check_image("-t ext4 -O inline_data");
}

#[test]
fn ext3_block_maps() {
    check_image("-t ext3");
}

#[test]
fn ext2_block_maps_1k() {
    check_image("-t ext2 -b 1024");
}

fn small_image() -> (TempDir, Vec<u8>) {
    let t = TempDir::new("small");
    std::fs::create_dir_all(t.path().join("d/e")).unwrap();
    std::fs::write(t.path().join("d/e/f"), vec![7u8; 20_000]).unwrap();
    std::fs::write(t.path().join("g"), b"hello").unwrap();
    let img = mkfs("-t ext4", 16, Some(t.path()));
    (t, img)
}

#[test]
fn corrupt_inode_checksum_is_euclean() {
    let (_t, img) = small_image();
    let (_d, fs) = mount_bytes(img.clone(), true).unwrap();
    let g = walk(&fs.root(), "g").unwrap();
    let ino = g.ino();
    drop((g, fs));
    // Find inode `ino` via debugfs's imap.
    let path = temp_path("imap");
    std::fs::write(&path, &img).unwrap();
    let out = std::process::Command::new("debugfs").args(["-R", &format!("imap <{ino}>")]).arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // "Inode 13 is part of block group 0\n\tlocated at block 1058, offset 0x0c00"
    let blk: usize = text.split("located at block ").nth(1).unwrap().split(',').next().unwrap().trim().parse().unwrap();
    let off = usize::from_str_radix(text.split("offset 0x").nth(1).unwrap().trim(), 16).unwrap();
    let bs = 1024usize << u32::from_le_bytes(img[1024 + 24..1024 + 28].try_into().unwrap());
    let mut bad = img;
    bad[blk * bs + off + 0x10] ^= 0x40; // mtime
    let (_d, fs) = mount_bytes(bad, true).unwrap();
    let e = block_on(fs.root().lookup("g")).err().expect("corrupt inode must fail");
    assert_eq!(e.errno, Errno::EUCLEAN);
}

#[test]
fn corrupt_superblock_checksum_refuses_mount() {
    let (_t, mut img) = small_image();
    img[1024 + 0x78] ^= 1; // volume name
    assert_eq!(mount_bytes(img, true).err().unwrap().errno, Errno::EUCLEAN);
}

#[test]
fn unknown_incompat_is_einval_unknown_ro_compat_is_read_only() {
    let (_t, img) = small_image();
    let patch = |off: usize, bit: u32| {
        let mut b = img.clone();
        let v = u32::from_le_bytes(b[1024 + off..1024 + off + 4].try_into().unwrap()) | bit;
        b[1024 + off..1024 + off + 4].copy_from_slice(&v.to_le_bytes());
        // Re-checksum the superblock.
        let c = !crc32c_raw(!0, &b[1024..1024 + 0x3fc]);
        b[1024 + 0x3fc..1024 + 0x400].copy_from_slice(&(!c).to_le_bytes());
        b
    };
    assert_eq!(mount_bytes(patch(0x60, 0x1_0000), false).err().unwrap().errno, Errno::EINVAL); // encrypt
    let (_d, fs) = mount_bytes(patch(0x64, 0x4000), false).unwrap(); // shared_blocks
    assert!(fs.is_read_only());
    let root = fs.root();
    assert_eq!(block_on(root.create("x", FileType::Regular, 0o644, 0, 0, 0)).err().unwrap().errno, Errno::EROFS);
    assert_eq!(read_all(&walk(&root, "g").unwrap()), b"hello");
}

/// Linux's raw crc32c (for re-checksumming patched superblocks).
fn crc32c_raw(seed: u32, data: &[u8]) -> u32 {
    let mut crc = seed;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82f6_3b78 } else { crc >> 1 };
        }
    }
    crc
}

#[test]
fn not_ext4_and_too_small() {
    assert_eq!(mount_bytes(vec![0u8; 1 << 20], true).err().unwrap().errno, Errno::EINVAL);
    assert_eq!(mount_bytes(vec![0u8; 1024], true).err().unwrap().errno, Errno::EINVAL);
    let (_t, img) = small_image();
    // Truncated device: geometry larger than the disk.
    assert_eq!(mount_bytes(img[..8 << 20].to_vec(), true).err().unwrap().errno, Errno::EINVAL);
}

/// Walks everything reachable, reading all data; errors are fine, panics
/// are not.
fn walk_everything(root: &std::sync::Arc<dyn Inode>) -> usize {
    let mut stack = vec![root.clone()];
    let mut seen = std::collections::BTreeSet::new();
    let mut n = 0;
    while let Some(d) = stack.pop() {
        if !seen.insert(d.ino()) || seen.len() > 20_000 {
            continue;
        }
        let mut off = 0;
        let mut guard = 0;
        while let Ok(Some((e, next))) = block_on(d.readdir(off)) {
            guard += 1;
            if next <= off || guard > 20_000 {
                break;
            }
            off = next;
            if e.name == "." || e.name == ".." {
                continue;
            }
            let Ok(c) = block_on(d.lookup(&e.name)) else { continue };
            n += 1;
            let m = c.metadata();
            match c.file_type() {
                FileType::Directory => stack.push(c.clone()),
                FileType::Regular => {
                    let mut buf = vec![0u8; (m.size as usize).min(1 << 20)];
                    let _ = block_on(c.read_at(0, &mut buf));
                }
                FileType::Symlink => {
                    let _ = block_on(c.readlink());
                }
                _ => {}
            }
            if let Some(i) = c.downcast_ref::<kairos_fs::ext4::Ext4Inode>() {
                let _ = block_on(i.xattrs());
            }
        }
    }
    n
}

#[test]
fn fuzz_corrupt_metadata_never_panics() {
    let t = TempDir::new("fuzz");
    for i in 0..40 {
        std::fs::create_dir_all(t.path().join(format!("d{}/e{}", i % 7, i))).unwrap();
        std::fs::write(t.path().join(format!("d{}/f{i}", i % 5)), vec![i as u8; i * 700]).unwrap();
        std::os::unix::fs::symlink("x".repeat(i * 3 + 1), t.path().join(format!("l{i}"))).unwrap();
    }
    for opts in ["-t ext4 -b 1024", "-t ext4 -O ^metadata_csum", "-t ext3 -b 1024"] {
        let img = mkfs(opts, 4, Some(t.path()));
        // Metadata lives in the first used blocks: corrupt bytes there.
        let used = 400 * 1024.min(img.len());
        let mut rng = Rng(0x1234_5678 ^ opts.len() as u64);
        let mut mounted = 0;
        for _round in 0..150 {
            let mut bad = img.clone();
            for _ in 0..1 + rng.below(8) {
                let pos = 1024 + rng.below(used as u64 - 1024) as usize;
                bad[pos] ^= 1 << rng.below(8);
            }
            let ro = rng.below(2) == 0;
            if let Ok((_d, fs)) = mount_bytes(bad, ro) {
                mounted += 1;
                walk_everything(&fs.root());
                if !ro {
                    let root = fs.root();
                    let _ = block_on(root.create("new", FileType::Regular, 0o644, 0, 0, 0));
                    if let Ok(f) = block_on(root.lookup("new")) {
                        let _ = block_on(f.write_at(0, &[1; 5000]));
                    }
                    let _ = block_on(root.unlink("l3"));
                    let _ = block_on(root.rmdir("d1"));
                }
                let _ = block_on(fs.unmount());
            }
        }
        assert!(mounted > 10, "{opts}: most corruptions should still mount ({mounted})");
    }
}

#[test]
fn alpine_root_filesystem() {
    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cache/alpine");
    let tree = root_dir.join("tree");
    let image = root_dir.join("alpine.ext4");
    if !tree.is_dir() || !image.is_file() {
        println!("skipped: run make alpine-image");
        return;
    }
    let bytes = std::fs::read(&image).unwrap();
    let disk = MemDisk::from_bytes(bytes.clone(), true).shared();
    let fs = block_on(Ext4::mount(disk, options(true))).unwrap();
    let n = compare_tree(&fs.root(), &tree);
    println!("alpine: {n} entries compared");
    assert!(n > 100);
    drop(fs);
    // Read-write on a copy: typical root-filesystem changes, then e2fsck.
    let (disk, fs) = mount(bytes);
    let root = fs.root();
    let etc = walk(&root, "etc").unwrap();
    let f = block_on(etc.create("kairos-test.conf", FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    assert_eq!(block_on(f.write_at(0, b"hello=1\n")).unwrap(), 8);
    let tmp = walk(&root, "tmp").unwrap();
    for i in 0..50 {
        let d = block_on(tmp.create(&format!("d{i}"), FileType::Directory, 0o755, 0, 0, 0)).unwrap();
        let g = block_on(d.create("data", FileType::Regular, 0o600, 1000, 1000, 0)).unwrap();
        assert_eq!(block_on(g.write_at(0, &vec![i as u8; 20_000 * i])).unwrap(), 20_000 * i);
    }
    // Replace a binary the way package managers do, remove a library.
    let bin = walk(&root, "bin").unwrap();
    let first = list(&bin).into_keys().find(|n| n != "." && n != "..").unwrap();
    let new = block_on(bin.create(".apk.new", FileType::Regular, 0o755, 0, 0, 0)).unwrap();
    assert_eq!(block_on(new.write_at(0, &[0x7f; 100_000])).unwrap(), 100_000);
    block_on(bin.rename(".apk.new", &bin, &first, 0)).unwrap();
    for i in (0..50).step_by(2) {
        let d = walk(&tmp, &format!("d{i}")).unwrap();
        block_on(d.unlink("data")).unwrap();
        block_on(tmp.rmdir(&format!("d{i}"))).unwrap();
    }
    drop((root, etc, f, tmp, bin, new));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
}
