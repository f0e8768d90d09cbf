//! Hashed (htree, `dir_index`) directories, as Linux's `fs/ext4/namei.c`
//! and `dir.c` treat them: lookup through the index (`dx_probe`, then the
//! leaf, then following leaves while the hash continues), `readdir` in
//! hash order with Linux's 64-bit `f_pos` cookies, and insertion that
//! keeps the index valid (leaf splits by hash, index node splits, a new
//! index level when the root is full, and a full one-block directory
//! turned into an indexed one, as `make_indexed_dir`). Removal only edits
//! leaves; leaves are never merged (as in Linux).
//!
//! A directory is listed in hash order when the filesystem has
//! `dir_index` and the directory is indexed or exactly one block long
//! (Linux's `is_dx_dir`); `.` and `..` of an indexed directory come first
//! (hashes 0 and 2), those of a one-block directory at their own hashes.
//! The cookie of an entry is `hash2pos` of the entry after it, i.e.
//! `(major >> 1) << 32 | minor`, and [`HTREE_EOF`] after the last one.
//! Entries whose whole 63-bit position collides (Linux returns them as one
//! chain under one cookie, keeping its place in per-open-file state) get
//! cookies from the range just below [`HTREE_EOF`], which no hash
//! reaches, remembered per inode: the one place where the cookies differ
//! from Linux's.
//!
//! A structurally bad index (unknown hash, wrong limits, a cycle) makes
//! lookup and `readdir` fall back to the linear scan, as Linux does, with
//! a warning; inserting into it fails with `EUCLEAN` under
//! `metadata_csum` and otherwise turns the directory linear first. Nothing
//! here panics on what the disk holds.

use alloc::{string::String, sync::Arc, vec::Vec};

use kairos_abi::{Errno, Error, Result};

use super::{
    bcache::Buf,
    dir::{self, DxRoot, Rec},
    disk::{corrupt, incompat, set32},
    file::Slot,
    hash::{DxHash, Hasher},
    inode::INDEX_FL,
};
use crate::vfs::{DirEntry, Inode};

/// `EXT4_HTREE_EOF_64BIT`: the cookie after the last entry of a hashed
/// listing.
pub const HTREE_EOF: u64 = (1 << 63) - 1;
/// Start of the cookies handed out inside collision chains (no `hash2pos`
/// value reaches it: the major hash is at most `0xffff_fffc`).
const CHAIN_COOKIES: u64 = 0x7fff_ffff_0000_0000;
/// Collision cookies remembered per directory.
const CHAIN_COOKIES_KEPT: usize = 64;

/// Linux's `hash2pos` for a 64-bit caller.
pub fn hash2pos(h: DxHash) -> u64 {
    ((h.major >> 1) as u64) << 32 | h.minor as u64
}

/// `pos2maj_hash` / `pos2min_hash`.
fn pos2hash(pos: u64) -> DxHash {
    DxHash { major: (((pos >> 32) << 1) & 0xffff_ffff) as u32, minor: pos as u32 }
}

fn key(h: DxHash) -> (u32, u32) {
    (h.major, h.minor)
}

/// Collision-chain cookies of one directory: `(cookie, position, index
/// in the chain)`, most recent last.
#[derive(Default)]
pub struct ChainCookies {
    next: u32,
    kept: Vec<(u64, u64, usize)>,
}

impl ChainCookies {
    fn issue(&mut self, pos: u64, index: usize) -> u64 {
        if let Some(&(c, _, _)) = self.kept.iter().find(|&&(_, p, i)| p == pos && i == index) {
            return c;
        }
        let cookie = CHAIN_COOKIES | self.next as u64;
        self.next = (self.next + 1) % 0xffff_ffff;
        if self.kept.len() >= CHAIN_COOKIES_KEPT {
            self.kept.remove(0);
        }
        self.kept.push((cookie, pos, index));
        cookie
    }

    fn resolve(&self, cookie: u64) -> Option<(u64, usize)> {
        self.kept.iter().find(|&&(c, _, _)| c == cookie).map(|&(_, p, i)| (p, i))
    }
}

/// One level of a path from the root to a leaf.
struct Frame {
    buf: Arc<Buf>,
    /// Offset of the node's `count/limit`.
    off: usize,
    /// The entry followed.
    at: usize,
}

impl Frame {
    fn count(&self) -> usize {
        self.buf.read(|d| dir::dx_count(d, self.off))
    }
    fn limit(&self) -> usize {
        self.buf.read(|d| dir::dx_limit(d, self.off))
    }
    fn child(&self) -> u32 {
        self.buf.read(|d| dir::dx_entry(d, self.off, self.at).1)
    }
}

/// A root-to-leaf path found by [`Ext4Inode::dx_probe`].
struct Probe {
    hasher: Hasher,
    hash: DxHash,
    /// Logical blocks of the frames (root first).
    lblks: Vec<u64>,
    frames: Vec<Frame>,
}

impl Probe {
    fn leaf(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.child() as u64)
    }
}

/// One listed entry: its hash, inode, type byte and name.
type Listed = (DxHash, u32, u8, Vec<u8>);

/// A hash-ordered listing kept between `readdir` calls: `list` holds, in listing order,
/// every entry with `from <= key < bound` (`bound` None: to the end), valid while the
/// directory's version is `version`.
pub(super) struct DxListCache {
    version: u64,
    from: (u32, u32),
    bound: Option<(u32, u32)>,
    list: Vec<Listed>,
}

impl DxListCache {
    /// What a `readdir` at `start` needs of this listing, if it is here: the entries of the
    /// first two keys at or after `start` and the first entry of the third (fewer when the
    /// directory ends first), all known to be complete.
    fn answer(&self, version: u64, start: (u32, u32)) -> Option<Vec<Listed>> {
        if version != self.version || start < self.from {
            return None;
        }
        let at = self.list.partition_point(|e| key(e.0) < start);
        let mut keys = 0;
        let mut last = None;
        let mut end = at;
        for e in &self.list[at..] {
            if last != Some(key(e.0)) {
                keys += 1;
                last = Some(key(e.0));
                if keys == 3 {
                    // The third key must lie below the bound to be sure nothing is missing.
                    if self.bound.is_some_and(|b| key(e.0) >= b) {
                        return None;
                    }
                    end += 1;
                    return Some(self.list[at..end].to_vec());
                }
            }
            end += 1;
        }
        // Fewer than three keys left: only an answer when the listing runs to the end.
        self.bound.is_none().then(|| self.list[at..].to_vec())
    }
}

use super::file::Ext4Inode;

impl Ext4Inode {
    /// Indexed and the filesystem has `dir_index` (Linux's `is_dx`).
    pub(super) fn is_dx(&self) -> bool {
        self.fs.g.dir_index && self.is_indexed()
    }

    /// Listed in hash order (Linux's `is_dx_dir`).
    pub(super) fn lists_hashed(&self) -> bool {
        self.fs.g.dir_index && !self.is_inline() && (self.is_indexed() || self.dir_blocks() == 1)
    }

    /// The hash of new indexes and of one-block directories.
    fn default_hasher(&self) -> Option<Hasher> {
        let g = &self.fs.g;
        Hasher::new(g.def_hash_version, g.hash_unsigned, g.hash_seed)
    }

    /// Index levels this filesystem allows (`ext4_dir_htree_level`).
    fn max_dx_levels(&self) -> usize {
        if self.fs.g.incompat & incompat::LARGEDIR != 0 { 3 } else { 2 }
    }

    fn bad_dx(&self, why: &str) {
        log::warn!(target: "ext4", "directory {}: bad htree index ({why}); running e2fsck is recommended", self.ino32());
    }

    /// Walks the index from the root to the leaf covering `name`'s hash
    /// (or `hash` if `name` is `None`). `Ok(None)`: the index is bad (a
    /// warning was logged) and the caller should fall back as Linux does.
    async fn dx_probe(&self, name: Option<&[u8]>, hash: u32) -> Result<Option<Probe>> {
        let csum = self.fs.g.csum;
        let Some(root) = self.dir_block(0).await? else {
            self.bad_dx("no block 0");
            return Ok(None);
        };
        let info: core::result::Result<DxRoot, &str> = root.read(|d| dir::dx_check_root(d, csum, self.max_dx_levels()));
        let info = match info {
            Ok(i) => i,
            Err(why) => {
                self.bad_dx(why);
                return Ok(None);
            }
        };
        let g = &self.fs.g;
        let Some(hasher) = Hasher::new(info.hash_version, g.hash_unsigned, g.hash_seed) else {
            self.bad_dx("unknown hash");
            return Ok(None);
        };
        let h = match name {
            Some(n) => hasher.hash(n).unwrap_or_default(),
            None => DxHash { major: hash, minor: 0 },
        };
        let mut p = Probe { hasher, hash: h, lblks: Vec::new(), frames: Vec::new() };
        let nb = self.dir_blocks();
        let (mut buf, mut off, mut lblk) = (root, info.count_off, 0u64);
        loop {
            let count = buf.read(|d| dir::dx_count(d, off));
            let at = buf.read(|d| dir::dx_search(d, off, count, h.major));
            let frame = Frame { buf, off, at };
            let child = frame.child() as u64;
            p.lblks.push(lblk);
            p.frames.push(frame);
            if child == 0 || child >= nb || p.lblks.contains(&child) {
                self.bad_dx("index points outside the directory or back into the index");
                return Ok(None);
            }
            if p.frames.len() > info.levels {
                return Ok(Some(p));
            }
            let Some(b) = self.dir_block(child).await? else {
                self.bad_dx("index node in a hole");
                return Ok(None);
            };
            if let Err(why) = b.read(|d| dir::dx_check_node(d, csum)) {
                self.bad_dx(why);
                return Ok(None);
            }
            (buf, off, lblk) = (b, 8, child);
        }
    }

    /// Moves `p` to the next leaf (Linux's `ext4_htree_next_block`),
    /// returning the index hash where it starts, or `None` after the last.
    async fn dx_next_leaf(&self, p: &mut Probe) -> Result<Option<u32>> {
        let csum = self.fs.g.csum;
        let mut level = p.frames.len();
        loop {
            if level == 0 {
                return Ok(None);
            }
            level -= 1;
            let f = &mut p.frames[level];
            f.at += 1;
            if f.at < f.count() {
                break;
            }
        }
        let start = p.frames[level].buf.read(|d| dir::dx_entry(d, p.frames[level].off, p.frames[level].at).0);
        let nb = self.dir_blocks();
        for l in level + 1..p.frames.len() {
            let child = p.frames[l - 1].child() as u64;
            if child == 0 || child >= nb || p.lblks[..l].contains(&child) {
                self.bad_dx("index points outside the directory or back into the index");
                return Err(corrupt("bad htree index"));
            }
            let b = self.dir_block(child).await?.ok_or(corrupt("htree node in a hole"))?;
            if let Err(why) = b.read(|d| dir::dx_check_node(d, csum)) {
                self.bad_dx(why);
                return Err(corrupt("bad htree node"));
            }
            p.lblks[l] = child;
            p.frames[l] = Frame { buf: b, off: 8, at: 0 };
        }
        let leaf = p.leaf();
        if leaf == 0 || leaf >= nb || p.lblks.contains(&leaf) {
            self.bad_dx("index points outside the directory or back into the index");
            return Err(corrupt("bad htree index"));
        }
        Ok(Some(start))
    }

    /// Looks `name` up through the index.
    pub(super) async fn dx_find(&self, name: &[u8]) -> Result<DxFind> {
        let Some(mut p) = self.dx_probe(Some(name), 0).await? else {
            return Ok(DxFind::BadIndex);
        };
        loop {
            let lblk = p.leaf();
            let buf = self.dir_block(lblk).await?.ok_or(corrupt("htree leaf in a hole"))?;
            let hit = buf.read(|d| -> Result<Option<Rec>> {
                Ok(self.parse_block(d)?.into_iter().find(|r| r.ino != 0 && r.name(d) == name))
            })?;
            if let Some(rec) = hit {
                return Ok(DxFind::Found(Slot { lblk, rec }));
            }
            match self.dx_next_leaf(&mut p).await? {
                Some(start) if start & !1 == p.hash.major => {}
                _ => return Ok(DxFind::Absent),
            }
        }
    }

    // ------------------------------------------------------------------
    // readdir in hash order
    // ------------------------------------------------------------------

    /// The live entries of leaf `lblk` at or after `start`, with hashes.
    async fn hashed_leaf(&self, lblk: u64, hasher: &Hasher, start: DxHash, out: &mut Vec<Listed>) -> Result<()> {
        let Some(buf) = self.dir_block(lblk).await? else { return Ok(()) };
        buf.read(|d| -> Result<()> {
            for r in self.parse_block(d)? {
                if r.ino == 0 {
                    continue;
                }
                let name = r.name(d);
                let h = hasher.hash(name).unwrap_or_default();
                if key(h) >= key(start) {
                    out.push((h, r.ino, r.ftype, name.to_vec()));
                }
            }
            Ok(())
        })
    }

    /// The entries at or after `start` in listing order, holding at least
    /// every entry of the first two distinct positions (all of them if
    /// fewer remain). `None`: the index is bad; list linearly.
    /// Also returns the key below which the listing is complete (None: to the end).
    async fn dx_collect(&self, start: DxHash) -> Result<Option<(Vec<Listed>, Option<(u32, u32)>)>> {
        let mut out: Vec<Listed> = Vec::new();
        if !self.is_indexed() {
            let Some(hasher) = self.default_hasher() else {
                log::warn!(target: "ext4", "unknown default directory hash {}", self.fs.g.def_hash_version);
                return Ok(None);
            };
            self.hashed_leaf(0, &hasher, start, &mut out).await?;
            return Ok(Some((chain_order(out), None)));
        }
        let Some(mut p) = self.dx_probe(None, start.major).await? else {
            return Ok(None);
        };
        // `.` and `..` from the root, at hashes 0 and 2.
        let root = self.dir_block(0).await?.ok_or(corrupt("indexed directory without block 0"))?;
        let dots = root.read(|d| -> Result<Vec<Listed>> {
            let recs = dir::records(d, d.len(), self.fs.g.filetype)?;
            Ok(recs.iter().take(2).map(|r| (DxHash::default(), r.ino, r.ftype, r.name(d).to_vec())).collect())
        })?;
        for (i, (_, ino, ft, name)) in dots.into_iter().enumerate() {
            let h = DxHash { major: 2 * i as u32, minor: 0 };
            if key(h) >= key(start) && ino != 0 {
                out.push((h, ino, ft, name));
            }
        }
        let bound = loop {
            let hasher = p.hasher;
            self.hashed_leaf(p.leaf(), &hasher, start, &mut out).await?;
            let Some(next) = self.dx_next_leaf(&mut p).await? else { break None };
            let mut keys: Vec<(u32, u32)> = out.iter().map(|e| key(e.0)).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.len() >= 2 && keys[1].0 < next & !1 {
                // Later leaves hold only hashes from `next & !1` on.
                break Some((next & !1, 0));
            }
        };
        Ok(Some((chain_order(out), bound)))
    }

    /// `readdir` of a hash-ordered directory at cookie `offset`.
    /// `Ok(Err(()))`: the index is bad; the caller lists linearly.
    pub(super) async fn dx_readdir(&self, offset: u64) -> Result<core::result::Result<Option<(DirEntry, u64)>, ()>> {
        if offset >= HTREE_EOF {
            return Ok(Ok(None));
        }
        let (pos, mut skip) = if offset >= CHAIN_COOKIES {
            match self.chain_cookies(|c| c.resolve(offset)) {
                Some(v) => v,
                None => {
                    log::warn!(target: "ext4", "directory {}: stale readdir cookie {offset:#x}", self.ino32());
                    return Ok(Ok(None));
                }
            }
        } else {
            (offset, 0)
        };
        let start = pos2hash(pos);
        let version = self.dir_version.load(core::sync::atomic::Ordering::Acquire);
        let cached = self.dx_list_cache.lock().as_ref().and_then(|c| c.answer(version, key(start)));
        let list = match cached {
            Some(list) => list,
            None => {
                let Some((list, bound)) = self.dx_collect(start).await? else {
                    return Ok(Err(()));
                };
                *self.dx_list_cache.lock() = Some(DxListCache { version, from: key(start), bound, list: list.clone() });
                list
            }
        };
        let Some(first) = list.first().map(|e| key(e.0)) else {
            return Ok(Ok(None));
        };
        let chain = list.iter().take_while(|e| key(e.0) == first).count();
        let mut idx = 0;
        if skip >= chain {
            // The chain shrank since the cookie was issued: go on after it.
            idx = chain;
            skip = 0;
        }
        let Some((h, ino, ftype, name)) = list.get(idx + skip).cloned() else {
            return Ok(Ok(None));
        };
        let group_end = list.iter().skip(idx).take_while(|e| e.0 == h).count() + idx;
        let next = if idx + skip + 1 < group_end {
            self.chain_cookies(|c| c.issue(hash2pos(h), skip + 1))
        } else {
            list.get(group_end).map_or(HTREE_EOF, |e| hash2pos(e.0))
        };
        self.check_entry_ino(ino)?;
        let kind = match dir::kind_of_ftype(ftype) {
            Some(k) if self.fs.g.filetype => k,
            _ => self.fs.get_inode(ino).await?.file_type(),
        };
        let name = String::from_utf8_lossy(&name).into_owned();
        Ok(Ok(Some((DirEntry { ino: ino as u64, kind, name }, next))))
    }

    // ------------------------------------------------------------------
    // Insertion
    // ------------------------------------------------------------------

    /// Appends an empty leaf block (valid on its own) and returns it.
    async fn append_dir_block(&self) -> Result<(u64, Arc<Buf>)> {
        let nb = self.dir_blocks();
        if (nb + 1) * self.bs() > u32::MAX as u64 {
            return Err(Error::new(Errno::ENOSPC));
        }
        let runs = self.ensure_mapped(nb, 1).await?;
        let &(_, p, _, _) = runs.first().ok_or(Error::new(Errno::ENOSPC))?;
        let buf = self.fs.cache.get_zeroed(p)?;
        let csum = self.fs.g.csum;
        buf.write(|d| dir::init_empty(d, csum));
        self.with_raw(|r| r.set_size((nb + 1) * self.bs()));
        self.seal_dir_block(nb, &buf);
        Ok((nb, buf))
    }

    /// Adds `name` to an indexed directory. `Ok(false)`: the index is bad
    /// (the caller falls back as Linux does).
    pub(super) async fn dx_add_entry(&self, name: &[u8], ino: u32, ftype: u8) -> Result<bool> {
        let (csum, ft) = (self.fs.g.csum, self.fs.g.filetype);
        let bs = self.bs() as usize;
        // Each round either inserts or grows the index by one node, so a
        // few rounds always suffice.
        for _ in 0..8 {
            let Some(mut p) = self.dx_probe(Some(name), 0).await? else {
                return Ok(false);
            };
            let leaf_lblk = p.leaf();
            let leaf = self.dir_block(leaf_lblk).await?.ok_or(corrupt("htree leaf in a hole"))?;
            let done = leaf.write(|d| {
                let limit = Self::block_limit(d);
                dir::insert(d, limit, name, ino, ftype, ft)
            })?;
            if done.is_some() {
                self.seal_dir_block(leaf_lblk, &leaf);
                return Ok(true);
            }
            let last = p.frames.len() - 1;
            if p.frames[last].count() < p.frames[last].limit() {
                self.split_and_insert(&mut p, leaf_lblk, &leaf, name, ino, ftype).await?;
                return Ok(true);
            }
            // The node above the leaf is full: split the lowest full node
            // whose parent has room, or add a level below the root.
            let mut k = last;
            while k > 0 && p.frames[k - 1].count() >= p.frames[k - 1].limit() {
                k -= 1;
            }
            let node_limit = dir::dx_node_limit(bs, csum);
            if k == 0 {
                if p.frames.len() >= self.max_dx_levels() {
                    log::warn!(target: "ext4", "directory {}: htree index full", self.ino32());
                    return Err(Error::new(Errno::ENOSPC));
                }
                let (nlblk, node) = self.append_dir_block().await?;
                let root = &p.frames[0];
                let count = root.count();
                root.buf.read(|r| {
                    node.write(|n| {
                        dir::dx_init_node(n, node_limit);
                        let src = root.off + 8;
                        n[16..16 + (count - 1) * 8].copy_from_slice(&r[src..src + (count - 1) * 8]);
                        n[12..16].copy_from_slice(&r[root.off + 4..root.off + 8]);
                        dir::dx_set_count(n, 8, count);
                    })
                });
                root.buf.write(|r| {
                    dir::dx_set_count(r, root.off, 1);
                    set32(r, root.off + 4, nlblk as u32);
                    r[0x1e] += 1;
                });
                self.seal_dir_block(nlblk, &node);
                self.seal_dir_block(0, &root.buf);
            } else {
                let (nlblk, node) = self.append_dir_block().await?;
                let full = &p.frames[k];
                let count = full.count();
                let keep = count / 2;
                let hash2 = full.buf.read(|d| dir::dx_entry(d, full.off, keep).0);
                full.buf.read(|f| {
                    node.write(|n| {
                        dir::dx_init_node(n, node_limit);
                        let src = full.off + keep * 8;
                        let len = (count - keep) * 8;
                        // Entry 0 of the new node keeps only its block.
                        n[16..16 + len - 8].copy_from_slice(&f[src + 8..src + len]);
                        n[12..16].copy_from_slice(&f[src + 4..src + 8]);
                        dir::dx_set_count(n, 8, count - keep);
                    })
                });
                full.buf.write(|d| dir::dx_set_count(d, full.off, keep));
                let parent = &p.frames[k - 1];
                parent.buf.write(|d| dir::dx_insert(d, parent.off, parent.at, hash2, nlblk as u32));
                self.seal_dir_block(nlblk, &node);
                self.seal_dir_block(p.lblks[k], &p.frames[k].buf);
                self.seal_dir_block(p.lblks[k - 1], &p.frames[k - 1].buf);
            }
        }
        Err(corrupt("htree insertion did not converge"))
    }

    /// Splits the full leaf `leaf` (Linux's `do_split`), indexes the new
    /// half in the (non-full) node above it, and inserts `name` into the
    /// half its hash belongs to.
    async fn split_and_insert(
        &self,
        p: &mut Probe,
        leaf_lblk: u64,
        leaf: &Arc<Buf>,
        name: &[u8],
        ino: u32,
        ftype: u8,
    ) -> Result<()> {
        let (csum, ft) = (self.fs.g.csum, self.fs.g.filetype);
        let (new_lblk, new) = self.append_dir_block().await?;
        let hasher = p.hasher;
        let hash_of = |n: &[u8]| hasher.hash(n).map_or(0, |h| h.major);
        let (mut o, mut n) = (leaf.read(|d| d.to_vec()), alloc::vec![0u8; new.read(|d| d.len())]);
        let (hash2, continued) = dir::split_leaf(&mut o, &mut n, csum, ft, hash_of)?;
        leaf.write(|d| d.copy_from_slice(&o));
        new.write(|d| d.copy_from_slice(&n));
        let node_lblk = *p.lblks.last().ok_or(corrupt("empty htree path"))?;
        let f = p.frames.last().ok_or(corrupt("empty htree path"))?;
        f.buf.write(|d| dir::dx_insert(d, f.off, f.at, hash2 | continued as u32, new_lblk as u32));
        let target = if p.hash.major >= hash2 { &new } else { leaf };
        let done = target.write(|d| {
            let limit = Self::block_limit(d);
            dir::insert(d, limit, name, ino, ftype, ft)
        })?;
        self.seal_dir_block(leaf_lblk, leaf);
        self.seal_dir_block(new_lblk, &new);
        self.seal_dir_block(node_lblk, &f.buf);
        if done.is_none() {
            return Err(corrupt("no room after splitting a directory leaf"));
        }
        Ok(())
    }

    /// Turns the full one-block directory into an indexed one and adds
    /// `name` (Linux's `make_indexed_dir`). `Ok(false)` if the default
    /// hash is unknown (the caller grows the directory linearly).
    pub(super) async fn make_indexed(&self, name: &[u8], ino: u32, ftype: u8) -> Result<bool> {
        let Some(hasher) = self.default_hasher() else { return Ok(false) };
        let (csum, ft) = (self.fs.g.csum, self.fs.g.filetype);
        let root = self.dir_block(0).await?.ok_or(corrupt("directory without block 0"))?;
        // Allocate both new blocks first: a failure leaves a valid linear
        // directory (with an empty block).
        let (b1, leaf) = self.append_dir_block().await?;
        let (b2, new) = self.append_dir_block().await?;
        // Build the three blocks aside; nothing changes until all is done.
        let bs = self.bs() as usize;
        let (mut r0, mut l1, mut n2) = (root.read(|d| d.to_vec()), alloc::vec![0u8; bs], alloc::vec![0u8; bs]);
        let rest = dir::make_root(&mut r0, self.fs.g.def_hash_version, csum)?;
        dir::leaf_from_records(&mut l1, &rest, csum, ft)?;
        let hash_of = |n: &[u8]| hasher.hash(n).map_or(0, |h| h.major);
        let (hash2, continued) = dir::split_leaf(&mut l1, &mut n2, csum, ft, hash_of)?;
        let off = dir::dx_check_root(&r0, csum, self.max_dx_levels()).map_err(corrupt)?.count_off;
        set32(&mut r0, off + 4, b1 as u32);
        dir::dx_insert(&mut r0, off, 0, hash2 | continued as u32, b2 as u32);
        root.write(|d| d.copy_from_slice(&r0));
        leaf.write(|d| d.copy_from_slice(&l1));
        new.write(|d| d.copy_from_slice(&n2));
        self.with_raw(|r| r.set_flags(r.flags() | INDEX_FL));
        let h = hasher.hash(name).unwrap_or_default();
        let target = if h.major >= hash2 { &new } else { &leaf };
        let done = target.write(|d| {
            let limit = Self::block_limit(d);
            dir::insert(d, limit, name, ino, ftype, ft)
        })?;
        self.seal_dir_block(0, &root);
        self.seal_dir_block(b1, &leaf);
        self.seal_dir_block(b2, &new);
        self.flush_raw().await?;
        if done.is_none() {
            return Err(corrupt("no room after indexing a directory"));
        }
        Ok(true)
    }

    fn chain_cookies<R>(&self, f: impl FnOnce(&mut ChainCookies) -> R) -> R {
        f(&mut self.chain_cookies.lock())
    }
}

/// Result of [`Ext4Inode::dx_find`].
pub(super) enum DxFind {
    Found(Slot),
    Absent,
    /// The index is bad; search linearly.
    BadIndex,
}

/// Sorts by position; entries sharing one keep Linux's chain order (the
/// first met, then the others last-met first, as `ext4_htree_store_dirent`
/// links them).
fn chain_order(mut v: Vec<Listed>) -> Vec<Listed> {
    v.sort_by_key(|e| key(e.0));
    let mut i = 0;
    while i < v.len() {
        let j = i + v[i..].iter().take_while(|e| e.0 == v[i].0).count();
        v[i + 1..j].reverse();
        i = j;
    }
    v
}
