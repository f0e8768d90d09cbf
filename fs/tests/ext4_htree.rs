//! ext4 hashed directories against e2fsprogs as the oracle: the name
//! hashes against `debugfs dx_hash`; `readdir` order and cookies of
//! directories built by `mke2fs -d` and indexed by `e2fsck -fyD` against
//! the order Linux's `ext4_dx_readdir` produces (sorted by the hashes
//! debugfs computes, `.`/`..` first in indexed directories, cookies
//! `hash2pos` of the next entry); lookups through the index (also with a
//! broken index, which falls back to a linear scan); and the index kept
//! valid by inserts and removals (`e2fsck -fn` clean, the directory still
//! indexed, two index levels reached).

mod ext4_support;

use std::{
    collections::{BTreeSet, HashMap},
    process::Command,
    sync::Arc,
};

use ext4_support::*;
use kairos_fs::{FileType, Inode, ext4::hash::dirhash};

/// `EXT4_HTREE_EOF_64BIT`.
const EOF: u64 = (1 << 63) - 1;

/// Runs debugfs commands (one per line) on the image; returns stdout.
fn debugfs(img: &[u8], cmds: &[Vec<u8>]) -> Vec<u8> {
    let path = temp_path("dbg-img");
    let cmdf = temp_path("dbg-cmd");
    std::fs::write(&path, img).unwrap();
    let mut text = Vec::new();
    for c in cmds {
        text.extend_from_slice(c);
        text.push(b'\n');
    }
    std::fs::write(&cmdf, text).unwrap();
    let out = Command::new("debugfs").arg("-f").arg(&cmdf).arg(&path).output().expect("debugfs");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&cmdf);
    out.stdout
}

/// Parses the `Hash of NAME is 0xM (minor 0xm)` lines, in order.
fn parse_hashes(out: &[u8]) -> Vec<(u32, u32)> {
    let mut v = Vec::new();
    for line in out.split(|&b| b == b'\n') {
        if !line.starts_with(b"Hash of ") {
            continue;
        }
        let s = String::from_utf8_lossy(line);
        let tail = &s[s.rfind(" is 0x").unwrap() + 6..];
        let (maj, rest) = tail.split_once(" (minor 0x").unwrap();
        let min = rest.trim_end_matches(')');
        v.push((u32::from_str_radix(maj, 16).unwrap(), u32::from_str_radix(min, 16).unwrap()));
    }
    v
}

/// `uuid_parse` bytes as the little-endian seed words.
fn seed_words(uuid: &str) -> [u32; 4] {
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let b: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    std::array::from_fn(|i| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]))
}

/// A name of 1..=max bytes: letters, digits, punctuation and bytes with
/// the high bit set (which hash differently signed and unsigned).
fn random_name(rng: &mut Rng, max: u64) -> Vec<u8> {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+=,";
    let len = 1 + rng.below(max) as usize;
    let mut name: Vec<u8> = (0..len)
        .map(|_| {
            if rng.below(6) == 0 { 0x80 + rng.below(0x7f) as u8 } else { CHARS[rng.below(CHARS.len() as u64) as usize] }
        })
        .collect();
    // debugfs would take a leading '-' for an option.
    if name[0] == b'-' {
        name[0] = b'a';
    }
    name
}

#[test]
fn hashes_match_debugfs() {
    let img = mkfs("-t ext4", 4, None);
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut names: Vec<Vec<u8>> = (0..150).map(|_| random_name(&mut rng, 255)).collect();
    names.extend((0..150).map(|_| random_name(&mut rng, 40)));
    names.extend([b"a".to_vec(), b".".to_vec(), b"..".to_vec(), vec![b'x'; 255], vec![0xff; 33]]);
    let seeds = ["00000000-0000-0000-0000-000000000000", "dcf45af0-40a0-4094-bfde-cc3b1d622366"];
    let mut cmds = Vec::new();
    let mut want = Vec::new();
    for seed in seeds {
        for version in 0..6u8 {
            for n in &names {
                let mut c = format!("dx_hash -h {version} -s {seed} ").into_bytes();
                c.extend_from_slice(n);
                cmds.push(c);
                want.push((version, seed_words(seed), n.clone()));
            }
        }
    }
    let got = parse_hashes(&debugfs(&img, &cmds));
    assert_eq!(got.len(), want.len(), "debugfs answered every dx_hash");
    for ((version, seed, name), (maj, min)) in want.iter().zip(got) {
        let h = dirhash(*version, name, seed).unwrap();
        assert_eq!(
            (h.major, h.minor),
            (maj, min),
            "version {version} seed {seed:x?} name {:?}",
            String::from_utf8_lossy(name)
        );
    }
}

/// The superblock's hash version (with signedness) and seed, per dumpe2fs.
fn fs_hash(img: &[u8]) -> (u8, String) {
    let path = temp_path("dumpe2fs");
    std::fs::write(&path, img).unwrap();
    let out = Command::new("dumpe2fs").arg("-h").arg(&path).output().expect("dumpe2fs");
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field =
        |k: &str| text.lines().find(|l| l.starts_with(k)).map(|l| l[k.len()..].trim().to_string()).unwrap_or_default();
    let base = match field("Default directory hash:").as_str() {
        "legacy" => 0,
        "half_md4" => 1,
        "tea" => 2,
        other => panic!("hash {other}"),
    };
    let unsigned = field("Filesystem flags:").contains("unsigned_directory_hash");
    (base + if unsigned { 3 } else { 0 }, field("Directory Hash Seed:"))
}

/// Whether `path` is indexed (`EXT4_INDEX_FL`) and its size, per debugfs.
fn dir_flags(img: &[u8], path: &str) -> (bool, u64) {
    let out = String::from_utf8_lossy(&debugfs(img, &[format!("stat {path}").into_bytes()])).into_owned();
    let flags = out.split("Flags: 0x").nth(1).unwrap().split_whitespace().next().unwrap();
    let size = out.split("Size: ").nth(1).unwrap().split_whitespace().next().unwrap();
    (u32::from_str_radix(flags, 16).unwrap() & 0x1000 != 0, size.parse().unwrap())
}

/// Lists `dir` as getdents would: (name, d_off) in order.
fn listing(dir: &Arc<dyn Inode>) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Some((e, next)) = block_on(dir.readdir(off)).unwrap() {
        out.push((e.name, next));
        off = next;
        assert!(out.len() < 100_000, "readdir does not end");
    }
    out
}

/// The order and cookies Linux's `ext4_dx_readdir` gives for a directory
/// holding `names` (plus `.` and `..`), from debugfs's hashes.
fn expected_listing(img: &[u8], names: &[String], indexed: bool) -> Vec<(String, u64)> {
    let (version, seed) = fs_hash(img);
    let mut all: Vec<String> = names.to_vec();
    if !indexed {
        all.extend([".".to_string(), "..".to_string()]);
    }
    let cmds: Vec<Vec<u8>> = all.iter().map(|n| format!("dx_hash -h {version} -s {seed} {n}").into_bytes()).collect();
    let hashes = parse_hashes(&debugfs(img, &cmds));
    assert_eq!(hashes.len(), all.len());
    let mut keyed: Vec<((u32, u32), String)> = hashes.into_iter().zip(all).collect();
    if indexed {
        keyed.push(((0, 0), ".".into()));
        keyed.push(((2, 0), "..".into()));
    }
    keyed.sort();
    let pos = |(maj, min): (u32, u32)| ((maj >> 1) as u64) << 32 | min as u64;
    (0..keyed.len()).map(|i| (keyed[i].1.clone(), keyed.get(i + 1).map_or(EOF, |k| pos(k.0)))).collect()
}

#[test]
fn readdir_in_hash_order_with_linux_cookies() {
    let t = TempDir::new("hashorder");
    let sizes = [1usize, 2, 50, 5000];
    let mut dirs: Vec<(String, Vec<String>)> = Vec::new();
    for &n in &sizes {
        let d = format!("d{n}");
        std::fs::create_dir(t.path().join(&d)).unwrap();
        let names: Vec<String> = (0..n).map(|i| format!("file-{i}-{}", if i % 7 == 0 { "é" } else { "x" })).collect();
        for name in &names {
            std::fs::write(t.path().join(&d).join(name), b"").unwrap();
        }
        dirs.push((d, names));
    }
    for (opts, fsck) in
        [("-t ext4 -b 4096", true), ("-t ext4 -O ^metadata_csum -b 1024", true), ("-t ext4 -b 4096", false)]
    {
        let mut img = mkfs(opts, 32, Some(t.path()));
        if fsck {
            img = e2fsck(&img, "-fyD").2;
        }
        assert_fsck_clean(&img);
        let (_disk, fs) = mount_bytes(img.clone(), true).unwrap();
        let root = fs.root();
        for (d, names) in &dirs {
            let (indexed, size) = dir_flags(&img, d);
            let bs = if opts.contains("1024") { 1024 } else { 4096 };
            let dir = lookup(&root, d).unwrap();
            let got = listing(&dir);
            if indexed || size == bs {
                let want = expected_listing(&img, names, indexed);
                assert_eq!(got, want, "{opts} {d} (indexed {indexed})");
            } else {
                // A linear directory: on-disk order, byte cookies.
                let mut seen: BTreeSet<String> = got.iter().map(|e| e.0.clone()).collect();
                assert!(seen.remove(".") && seen.remove(".."));
                assert_eq!(seen, names.iter().cloned().collect());
                assert!(got.windows(2).all(|w| w[0].1 < w[1].1), "{opts} {d}: cookies increase");
                assert!(got.last().unwrap().1 <= size, "{opts} {d}: last cookie {got:?}");
            }
            // Resuming at any cookie continues the same listing.
            for k in [0, got.len() / 3, got.len() - 1] {
                let (e, next) = block_on(dir.readdir(got[k].1)).unwrap().map_or((None, 0), |(e, n)| (Some(e.name), n));
                match got.get(k + 1) {
                    Some((name, off)) => assert_eq!((e.as_ref(), next), (Some(name), *off)),
                    None => assert!(e.is_none()),
                }
            }
            for name in names.iter().step_by(97) {
                assert!(lookup(&dir, name).is_ok(), "lookup {name}");
            }
            assert!(lookup(&dir, "absent").is_err());
        }
        drop(root);
    }
}

/// Pads names to varied lengths so that leaves fill after a few entries.
const NAME_PAD: &str = "-a-fairly-long-name-to-fill-leaves-quickly";

fn dx_workload(opts: &str, seed: u64, inserts: usize) {
    let (disk, fs) = mount(mkfs(opts, 64, None));
    let root = fs.root();
    let dir = block_on(root.create("big", FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    let mut rng = Rng(seed);
    let mut live: HashMap<String, u64> = HashMap::new();
    let mut serial = 0;
    for round in 0..inserts {
        let r = rng.below(10);
        if r < 7 || live.is_empty() {
            serial += 1;
            let name = format!("{serial}{}", &NAME_PAD[..rng.below(NAME_PAD.len() as u64) as usize]);
            let f = block_on(dir.create(&name, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
            live.insert(name, f.ino());
        } else if r < 9 {
            let k = live.keys().nth(rng.below(live.len() as u64) as usize).unwrap().clone();
            block_on(dir.unlink(&k)).unwrap();
            live.remove(&k);
        } else {
            let k = live.keys().nth(rng.below(live.len() as u64) as usize).unwrap().clone();
            serial += 1;
            let new = format!("renamed-{serial}");
            block_on(dir.rename(&k, &dir, &new, 0)).unwrap();
            let ino = live.remove(&k).unwrap();
            live.insert(new, ino);
        }
        if round % 1000 == 999 {
            for (name, ino) in live.iter().take(200) {
                assert_eq!(lookup(&dir, name).unwrap().ino(), *ino, "lookup {name}");
            }
        }
    }
    let listed = list(&dir);
    assert_eq!(listed.len(), live.len() + 2);
    for (name, ino) in &live {
        assert_eq!(listed[name].0, *ino);
        assert_eq!(lookup(&dir, name).unwrap().ino(), *ino, "lookup {name}");
    }
    let got = listing(&dir);
    drop((dir, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    let (indexed, _) = dir_flags(&img, "big");
    assert!(indexed, "the directory stays indexed");
    let names: Vec<String> = live.keys().cloned().collect();
    assert_eq!(got, expected_listing(&img, &names, true), "listing of the indexed directory");
    let dump = String::from_utf8_lossy(&debugfs(&img, &[b"htree_dump big".to_vec()])).into_owned();
    let levels: u32 =
        dump.split("Indirect levels: ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let root_count: u32 =
        dump.split("Number of entries (count): ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    if opts.contains("1024") && inserts >= 6000 {
        // A level was added under the full root, then index nodes split.
        assert_eq!(levels, 1, "two index levels");
        assert!(root_count >= 2, "index nodes were split ({root_count} under the root)");
    } else {
        assert!(root_count >= 2, "leaves were split");
    }
}

#[test]
fn htree_kept_valid_1k_csum() {
    dx_workload("-t ext4 -b 1024 -N 20000", 7, 9000);
}

#[test]
fn htree_kept_valid_1k_no_csum() {
    dx_workload("-t ext4 -O ^metadata_csum,^64bit -b 1024 -N 20000", 11, 9000);
}

#[test]
fn htree_kept_valid_4k() {
    dx_workload("-t ext4 -N 20000", 13, 4000);
}

#[test]
fn one_block_directory_becomes_indexed() {
    let (disk, fs) = mount(mkfs("-t ext4 -b 1024", 8, None));
    let root = fs.root();
    let dir = block_on(root.create("d", FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    let mut names = Vec::new();
    for i in 0..60 {
        let n = format!("entry-number-{i}");
        block_on(dir.create(&n, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
        names.push(n);
    }
    let got = listing(&dir);
    drop((dir, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    let (indexed, size) = dir_flags(&img, "d");
    assert!(indexed && size >= 3 * 1024, "indexed ({indexed}), {size} bytes");
    assert_eq!(got, expected_listing(&img, &names, true));
}

#[test]
fn broken_index_falls_back_to_linear() {
    let t = TempDir::new("badindex");
    std::fs::create_dir(t.path().join("big")).unwrap();
    for i in 0..400 {
        std::fs::write(t.path().join(format!("big/n{i}")), b"").unwrap();
    }
    let img = mkfs("-t ext4 -O ^metadata_csum -b 1024", 16, Some(t.path()));
    let (_, _, mut img) = e2fsck(&img, "-fyD");
    assert!(dir_flags(&img, "big").0);
    // Break the root's hash version (block 0 of "big", byte 0x1c).
    let out = String::from_utf8_lossy(&debugfs(&img, &[b"bmap big 0".to_vec()])).into_owned();
    let blk: usize = out.trim().lines().last().unwrap().trim().parse().unwrap();
    img[blk * 1024 + 0x1c] = 9;
    let (_disk, fs) = mount_bytes(img, true).unwrap();
    let dir = lookup(&fs.root(), "big").unwrap();
    for i in (0..400).step_by(13) {
        assert!(lookup(&dir, &format!("n{i}")).is_ok());
    }
    let listed = list(&dir);
    assert_eq!(listed.len(), 402);
}

#[test]
fn hash_collisions_list_every_entry_once() {
    // Two names with the same legacy hash (minor 0: the same position).
    let mut seen: HashMap<u32, String> = HashMap::new();
    let (a, b) = (0..)
        .find_map(|i| {
            let n = format!("c{i}");
            let h = dirhash(0, n.as_bytes(), &[0; 4]).unwrap().major;
            seen.insert(h, n.clone()).map(|old| (old, n))
        })
        .unwrap();
    let img = mkfs("-t ext4 -b 1024", 8, None);
    let path = temp_path("legacy");
    std::fs::write(&path, &img).unwrap();
    sh(&format!("tune2fs -E hash_alg=legacy '{}' >/dev/null", path.display()));
    let img = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let (disk, fs) = mount(img);
    let root = fs.root();
    let dir = block_on(root.create("d", FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    let mut names = vec![a.clone(), b.clone()];
    for round in 0..2 {
        for n in &names {
            if lookup(&dir, n).is_err() {
                block_on(dir.create(n, FileType::Regular, 0o644, 0, 0, 0)).unwrap();
            }
        }
        let got = listing(&dir);
        let listed: Vec<&String> = got.iter().map(|e| &e.0).collect();
        assert_eq!(listed.len(), names.len() + 2, "round {round}: {listed:?}");
        let set: BTreeSet<&String> = listed.iter().copied().collect();
        assert_eq!(set.len(), listed.len(), "round {round}: no entry twice");
        let ia = listed.iter().position(|n| **n == a).unwrap();
        let ib = listed.iter().position(|n| **n == b).unwrap();
        assert_eq!(ia.abs_diff(ib), 1, "round {round}: the colliding entries come together");
        // Between them, a cookie no hash position reaches.
        assert!(got[ia.min(ib)].1 >= 0x7fff_ffff_0000_0000 && got[ia.min(ib)].1 < EOF);
        // Second round: in an indexed directory.
        names.extend((0..300).map(|i| format!("other-entry-{i}")));
    }
    drop((dir, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
    assert!(dir_flags(&img, "d").0);
}

/// The listing cache kept between `readdir` calls (one hashed leaf read and hashed once, not
/// once per entry) must never hide a change: interleave partial listings with creates,
/// unlinks and renames, and check every continuation against a fresh walk from the same
/// cookie done after the change.
#[test]
fn readdir_listing_cache_sees_every_change() {
    let (disk, fs) = mount(mkfs("-t ext4 -b 1024 -N 8000", 16, None));
    let root = fs.root();
    let dir = block_on(root.create("d", FileType::Directory, 0o755, 0, 0, 0)).unwrap();
    for i in 0..1500 {
        block_on(dir.create(&format!("file-{i}"), FileType::Regular, 0o644, 0, 0, 0)).unwrap();
    }
    let mut rng = Rng(5);
    let mut serial = 1500;
    for round in 0..40 {
        // Walk part of the listing (this fills and uses the cache).
        let mut off = 0;
        for _ in 0..rng.below(400) {
            match block_on(dir.readdir(off)).unwrap() {
                Some((_, next)) => off = next,
                None => break,
            }
        }
        // Peek at the next two entries (the cache now covers them), then change the second.
        let Some((_, after_first)) = block_on(dir.readdir(off)).unwrap() else { continue };
        let Some((second, _)) = block_on(dir.readdir(after_first)).unwrap() else { continue };
        off = after_first;
        match round % 3 {
            0 => {
                serial += 1;
                block_on(dir.create(&format!("new-{serial}"), FileType::Regular, 0o644, 0, 0, 0)).unwrap();
                block_on(dir.unlink(&second.name)).unwrap();
            }
            1 => block_on(dir.unlink(&second.name)).unwrap(),
            _ => {
                serial += 1;
                block_on(dir.rename(&second.name, &dir, &format!("moved-{serial}"), 0)).unwrap();
            }
        }
        let gone = second.name.clone();
        // Continuing from `off` must give what a full fresh listing has from that cookie on.
        let mut rest = Vec::new();
        let mut o = off;
        while let Some((e, next)) = block_on(dir.readdir(o)).unwrap() {
            rest.push((e.name, next));
            o = next;
        }
        let full = listing(&dir);
        let tail: Vec<(String, u64)> = match full.iter().position(|(n, _)| Some(n) == rest.first().map(|r| &r.0)) {
            Some(i) => full[i..].to_vec(),
            None => Vec::new(),
        };
        assert_eq!(rest, tail, "round {round}: continuation from {off:#x} differs from a fresh listing");
        assert!(!rest.iter().any(|(n, _)| *n == gone), "round {round}: {gone} listed after it was removed");
        let mut names: Vec<&String> = full.iter().map(|(n, _)| n).collect();
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before, "round {round}: an entry is listed twice");
    }
    drop((dir, root));
    let img = unmount(&disk, &fs);
    assert_fsck_clean(&img);
}
