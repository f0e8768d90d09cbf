//! Helpers of the jbd2 tests: `block_on` for MemDisk futures, a synthetic
//! journal builder, a tiny PRNG, and e2fsprogs wrappers (mke2fs, debugfs,
//! e2fsck) plus ext4 superblock accessors for image-based tests.
#![allow(dead_code)]

use std::{
    future::Future,
    path::{Path, PathBuf},
    pin::pin,
    process::Command,
    sync::Arc,
    task::{Context, Poll, Waker},
};

use kairos_fs::{
    block::{BlockDevice, MemDisk},
    jbd2::disk::{self, crc32c, put_be32},
};

/// Polls `f` once: every future over a MemDisk completes immediately.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future over MemDisk was pending"),
    }
}

/// xorshift64*: deterministic pseudo-random numbers for tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

/// A block of `bs` bytes filled from `seed`.
pub fn pattern(bs: usize, seed: u64) -> Arc<[u8]> {
    let mut v = vec![0u8; bs];
    Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).fill(&mut v);
    v.into()
}

/// A block of `bs` bytes that starts with the jbd2 magic (needs escaping).
pub fn magic_block(bs: usize, seed: u64) -> Arc<[u8]> {
    let mut v = pattern(bs, seed).to_vec();
    v[..4].copy_from_slice(&disk::JBD2_MAGIC.to_be_bytes());
    v.into()
}

/// Reads fs block `nr` of `dev`.
pub fn read_block(dev: &dyn BlockDevice, bs: usize, nr: u64) -> Vec<u8> {
    let mut buf = vec![0; bs];
    block_on(dev.read(nr * (bs as u64 / 512), &mut buf)).unwrap();
    buf
}

/// Writes fs block `nr` of `dev`.
pub fn write_block(dev: &dyn BlockDevice, nr: u64, data: &[u8]) {
    block_on(dev.write(nr * (data.len() as u64 / 512), data, false)).unwrap();
}

/// Parameters of a synthetic journal.
#[derive(Clone, Copy)]
pub struct SynthJournal {
    pub block_size: usize,
    /// Journal length in blocks (superblock included).
    pub maxlen: u32,
    pub version: u32,
    pub compat: u32,
    pub incompat: u32,
    pub uuid: [u8; 16],
}

impl Default for SynthJournal {
    fn default() -> Self {
        SynthJournal { block_size: 1024, maxlen: 64, version: 2, compat: 0, incompat: 0, uuid: [0x5A; 16] }
    }
}

/// First physical block of synthetic journals; the map has a hole halfway
/// so writes cannot be merged across it.
pub const SYNTH_JOURNAL_START: u64 = 16;
/// Home blocks used by tests live above this.
pub const SYNTH_HOME: u64 = 400;

impl SynthJournal {
    /// A fresh disk of 1024 fs blocks holding this journal (empty log), and
    /// the journal's block map.
    pub fn build(&self) -> (Arc<MemDisk>, Vec<u64>) {
        let bs = self.block_size;
        let disk = MemDisk::new((1024 * bs / 512) as u64).shared();
        let half = self.maxlen as u64 / 2;
        let map: Vec<u64> =
            (0..self.maxlen as u64).map(|i| SYNTH_JOURNAL_START + i + if i >= half { 7 } else { 0 }).collect();
        assert!(*map.last().unwrap() < SYNTH_HOME);
        let mut sb = vec![0u8; bs];
        disk::put_header(
            &mut sb,
            if self.version == 1 { disk::BLOCKTYPE_SUPERBLOCK_V1 } else { disk::BLOCKTYPE_SUPERBLOCK_V2 },
            0,
        );
        put_be32(&mut sb, 0x0C, bs as u32);
        put_be32(&mut sb, 0x10, self.maxlen);
        put_be32(&mut sb, 0x14, 1);
        put_be32(&mut sb, 0x18, 1);
        if self.version == 2 {
            put_be32(&mut sb, 0x24, self.compat);
            put_be32(&mut sb, 0x28, self.incompat);
            sb[0x30..0x40].copy_from_slice(&self.uuid);
            put_be32(&mut sb, 0x40, 1);
            if self.incompat & (disk::INCOMPAT_CSUM_V2 | disk::INCOMPAT_CSUM_V3) != 0 {
                sb[0x50] = disk::CHECKSUM_TYPE_CRC32C;
                let c = disk::superblock_csum(&sb);
                put_be32(&mut sb, 0xFC, c);
            }
        }
        write_block(&*disk, map[0], &sb);
        (disk, map)
    }
}

// ---- e2fsprogs -------------------------------------------------------------

/// Path of an e2fsprogs tool, or `None` (the test then skips with a note).
pub fn tool(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].iter().map(|d| Path::new(d).join(name)).find(|p| p.exists())
}

/// True if mke2fs, debugfs and e2fsck are all present; prints a skip note if not.
pub fn have_e2fsprogs(test: &str) -> bool {
    let ok = ["mke2fs", "debugfs", "e2fsck"].iter().all(|t| tool(t).is_some());
    if !ok {
        eprintln!("SKIP {test}: e2fsprogs (mke2fs, debugfs, e2fsck) not installed");
    }
    ok
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("kairos-jbd2-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a command; returns (exit code, stdout + stderr).
pub fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), s)
}

/// `mke2fs -t ext4` of `size_kib` KiB with `block_size` blocks, and
/// metadata_csum on or off, into `img`.
pub fn mkfs(img: &Path, block_size: u32, metadata_csum: bool, size_kib: u32) {
    let (code, out) = run(Command::new(tool("mke2fs").unwrap())
        .args(["-q", "-F", "-t", "ext4", "-b", &block_size.to_string(), "-O"])
        .arg(if metadata_csum { "metadata_csum" } else { "^metadata_csum" })
        .args(["-U", "6b1e3c54-9d2f-4c1a-8e0b-2f5d7a9c1e34", "-E", "lazy_itable_init=0"])
        .arg(img)
        .arg(format!("{size_kib}k")));
    assert_eq!(code, 0, "mke2fs failed: {out}");
}

/// Runs debugfs requests (one per line) on `img`; with `write`, opens it read-write.
pub fn debugfs(img: &Path, write: bool, requests: &str) -> String {
    use std::io::Write;
    let mut cmd = Command::new(tool("debugfs").unwrap());
    if write {
        cmd.arg("-w");
    }
    let mut child = cmd
        .args(["-f", "-"])
        .arg(img)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(requests.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "debugfs failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

/// The journal inode's (inode 8) block map, via `debugfs -R "blocks <8>"`.
pub fn journal_blocks(img: &Path) -> Vec<u64> {
    let (code, out) = run(Command::new(tool("debugfs").unwrap()).args(["-R", "blocks <8>"]).arg(img));
    assert_eq!(code, 0, "debugfs blocks failed: {out}");
    out.split_whitespace().filter_map(|w| w.parse().ok()).collect()
}

/// `e2fsck` with `args` on `img`: (exit code, output).
pub fn e2fsck(img: &Path, args: &[&str]) -> (i32, String) {
    run(Command::new(tool("e2fsck").unwrap()).args(args).arg(img))
}

/// The fields of the ext4 superblock (bytes 1024..2048 of the image) that the tests need.
pub struct Ext4Super {
    pub block_size: u32,
    pub blocks_count: u64,
    pub uuid: [u8; 16],
    pub incompat: u32,
    pub ro_compat: u32,
}

pub const EXT4_INCOMPAT_RECOVER: u32 = 0x4;
pub const EXT4_INCOMPAT_64BIT: u32 = 0x80;
pub const EXT4_RO_COMPAT_METADATA_CSUM: u32 = 0x400;

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

pub fn ext4_super(image: &[u8]) -> Ext4Super {
    let sb = &image[1024..2048];
    Ext4Super {
        block_size: 1024 << le32(sb, 0x18),
        blocks_count: u64::from(le32(sb, 0x04)) | (u64::from(le32(sb, 0x150)) << 32),
        uuid: sb[0x68..0x78].try_into().unwrap(),
        incompat: le32(sb, 0x60),
        ro_compat: le32(sb, 0x64),
    }
}

/// Sets or clears `INCOMPAT_RECOVER` in the ext4 superblock of `image`,
/// recomputing its checksum (crc32c(~0, sb[..0x3FC]) at 0x3FC) under
/// metadata_csum.
pub fn set_ext4_recover(image: &mut [u8], on: bool) {
    let sb = &mut image[1024..2048];
    let mut incompat = le32(sb, 0x60);
    if on {
        incompat |= EXT4_INCOMPAT_RECOVER;
    } else {
        incompat &= !EXT4_INCOMPAT_RECOVER;
    }
    sb[0x60..0x64].copy_from_slice(&incompat.to_le_bytes());
    if le32(sb, 0x64) & EXT4_RO_COMPAT_METADATA_CSUM != 0 {
        let c = crc32c(!0, &sb[..0x3FC]);
        sb[0x3FC..0x400].copy_from_slice(&c.to_le_bytes());
    }
}

/// Journal superblock `(s_sequence, s_start)` of an image, given the journal map.
pub fn jsb_seq_start(image: &[u8], bs: usize, map: &[u64]) -> (u32, u32) {
    let off = map[0] as usize * bs;
    (disk::be32(image, off + 0x18), disk::be32(image, off + 0x1C))
}

/// Block `nr` of an image.
pub fn image_block(image: &[u8], bs: usize, nr: u64) -> &[u8] {
    &image[nr as usize * bs..(nr as usize + 1) * bs]
}
