//! The cpio "newc" archive format (initramfs images): a bounds-checked
//! parser ([`parse`], [`CpioReader`], [`CpioEntry`]) that never panics on
//! corrupt input, and [`populate`], which unpacks an archive into a
//! directory through the [`Inode`] interface (normally a fresh tmpfs root).
//!
//! Format: each entry is a 110-byte ASCII header (magic `070701`, or
//! `070702` with a checksum of the data bytes, then thirteen 8-digit hex
//! fields), the NUL-terminated name, padding to 4 bytes, the data (file
//! contents or symlink target), padding to 4 bytes. An entry named
//! `TRAILER!!!` ends the archive. As the Linux initramfs unpacker does, NUL
//! padding after a trailer is skipped and further archives may follow
//! (concatenated images).

use alloc::{collections::BTreeMap, sync::Arc, vec::Vec};

use kairos_abi::{Errno, Error, Result, types::Timespec};

use crate::{
    path::{PathCtx, Vfs},
    vfs::{FileType, Inode, SetAttr, TimeSet, makedev},
};

/// Magic of newc entries.
pub const NEWC_MAGIC: &[u8; 6] = b"070701";
/// Magic of newc entries with a checksum.
pub const NEWC_CRC_MAGIC: &[u8; 6] = b"070702";
/// Length of a newc header.
pub const HEADER_LEN: usize = 110;
/// Name of the entry that ends an archive.
pub const TRAILER: &str = "TRAILER!!!";

fn einval(msg: &'static str) -> Error {
    Error::with_msg(Errno::EINVAL, msg)
}

/// One archive member. Fields are the header's, unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CpioEntry<'a> {
    /// Path, as stored (often relative, like `"bin/sh"` or `"./bin/sh"`).
    pub name: &'a str,
    /// Inode number in the source filesystem (hard links share it).
    pub ino: u32,
    /// Type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Link count in the source filesystem.
    pub nlink: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u32,
    /// Major of the source filesystem's device.
    pub dev_major: u32,
    /// Minor of the source filesystem's device.
    pub dev_minor: u32,
    /// Major of a device node.
    pub rdev_major: u32,
    /// Minor of a device node.
    pub rdev_minor: u32,
    /// File contents, or symlink target.
    pub data: &'a [u8],
    /// Checksum field (sum of data bytes for `070702`, else 0).
    pub check: u32,
}

impl<'a> CpioEntry<'a> {
    /// The file type from `mode`, `None` if invalid.
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    /// The device number of a device node.
    pub fn rdev(&self) -> u64 {
        makedev(self.rdev_major, self.rdev_minor)
    }

    /// The target of a symlink entry (`None` for other types or a target
    /// that is not UTF-8).
    pub fn symlink_target(&self) -> Option<&'a str> {
        if self.file_type() != Some(FileType::Symlink) {
            return None;
        }
        core::str::from_utf8(self.data).ok()
    }
}

/// Iterator over the entries of an archive (trailers are consumed, not
/// yielded). Yields `Err(EINVAL)` once on a corrupt or truncated archive
/// and then ends.
pub struct CpioReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Inside an archive: an entry was read and its trailer not yet.
    in_archive: bool,
    done: bool,
}

/// Iterates over the entries of the newc archive(s) in `archive`.
pub fn parse(archive: &[u8]) -> CpioReader<'_> {
    CpioReader { data: archive, pos: 0, in_archive: false, done: false }
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|n| n & !3)
}

fn hex_field(header: &[u8], index: usize) -> Result<u32> {
    let start = 6 + 8 * index;
    let digits = header.get(start..start + 8).ok_or(einval("cpio: short header"))?;
    let mut v: u32 = 0;
    for &c in digits {
        let d = (c as char).to_digit(16).ok_or(einval("cpio: bad hex digit in header"))?;
        v = (v << 4) | d;
    }
    Ok(v)
}

impl<'a> CpioReader<'a> {
    fn next_entry(&mut self) -> Result<Option<CpioEntry<'a>>> {
        loop {
            if !self.in_archive {
                while self.data.get(self.pos) == Some(&0) {
                    self.pos += 1;
                }
            }
            if self.pos >= self.data.len() {
                if self.in_archive {
                    return Err(einval("cpio: truncated archive (no trailer)"));
                }
                return Ok(None);
            }
            let rest = &self.data[self.pos..];
            let header = rest.get(..HEADER_LEN).ok_or(einval("cpio: truncated header"))?;
            let crc = match &header[..6] {
                m if m == NEWC_MAGIC => false,
                m if m == NEWC_CRC_MAGIC => true,
                _ => return Err(einval("cpio: bad magic (not newc)")),
            };
            let f = |i| hex_field(header, i);
            let (ino, mode, uid, gid, nlink, mtime) = (f(0)?, f(1)?, f(2)?, f(3)?, f(4)?, f(5)?);
            let filesize = f(6)? as usize;
            let (dev_major, dev_minor, rdev_major, rdev_minor) = (f(7)?, f(8)?, f(9)?, f(10)?);
            let namesize = f(11)? as usize;
            let check = f(12)?;

            if namesize == 0 {
                return Err(einval("cpio: empty name"));
            }
            let name_end = HEADER_LEN.checked_add(namesize).ok_or(einval("cpio: bad name size"))?;
            let name_bytes = rest.get(HEADER_LEN..name_end).ok_or(einval("cpio: truncated name"))?;
            let (nul, name_bytes) = name_bytes.split_last().ok_or(einval("cpio: empty name"))?;
            if *nul != 0 || name_bytes.contains(&0) {
                return Err(einval("cpio: name not NUL-terminated"));
            }
            let name = core::str::from_utf8(name_bytes).map_err(|_| einval("cpio: name is not UTF-8"))?;
            let data_start = align4(self.pos + name_end).ok_or(einval("cpio: bad name size"))?;
            let data_end = data_start.checked_add(filesize).ok_or(einval("cpio: bad file size"))?;
            let data = self.data.get(data_start..data_end).ok_or(einval("cpio: truncated file data"))?;
            self.pos = align4(data_end).unwrap_or(usize::MAX).min(self.data.len());

            if name == TRAILER {
                self.in_archive = false;
                continue;
            }
            self.in_archive = true;
            if crc && FileType::from_mode(mode) == Some(FileType::Regular) {
                let sum = data.iter().fold(0u32, |s, &b| s.wrapping_add(b as u32));
                if sum != check {
                    return Err(einval("cpio: checksum mismatch"));
                }
            }
            return Ok(Some(CpioEntry {
                name,
                ino,
                mode,
                uid,
                gid,
                nlink,
                mtime,
                dev_major,
                dev_minor,
                rdev_major,
                rdev_minor,
                data,
                check,
            }));
        }
    }
}

impl<'a> Iterator for CpioReader<'a> {
    type Item = Result<CpioEntry<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Splits an archive path into components, dropping leading `/`, `.`
/// components and empty ones; `EINVAL` for `..` (no escaping the root).
fn components(name: &str) -> Result<Vec<&str>> {
    let mut v = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(einval("cpio: '..' in a member name")),
            c => v.push(c),
        }
    }
    Ok(v)
}

fn is_enoent(e: &Error) -> bool {
    e.errno == Errno::ENOENT
}

/// The directory `comps` names under `root`, creating missing directories
/// (mode 0755, owner 0:0) and following symlinks.
async fn ensure_dir(vfs: &Vfs, root: &Arc<dyn Inode>, comps: &[&str]) -> Result<Arc<dyn Inode>> {
    let mut cur = root.clone();
    for &c in comps {
        let next = match cur.lookup(c).await {
            Ok(i) if i.file_type() == FileType::Symlink => vfs.resolve(&PathCtx::new(root, &cur), c, true).await?,
            Ok(i) => i,
            Err(e) if is_enoent(&e) => cur.create(c, FileType::Directory, 0o755, 0, 0, 0).await?,
            Err(e) => return Err(e),
        };
        if !next.is_dir() {
            return Err(Error::with_msg(Errno::ENOTDIR, "cpio: parent is not a directory"));
        }
        cur = next;
    }
    Ok(cur)
}

async fn write_all(inode: &Arc<dyn Inode>, data: &[u8]) -> Result<()> {
    let mut done = 0;
    while done < data.len() {
        let n = inode.write_at(done as u64, &data[done..]).await?;
        if n == 0 {
            return Err(Error::new(Errno::EIO));
        }
        done += n;
    }
    Ok(())
}

fn times(mtime: u32) -> SetAttr {
    let t = TimeSet::At(Timespec::new(mtime as i64, 0));
    SetAttr { atime: Some(t), mtime: Some(t), ..SetAttr::default() }
}

/// Unpacks the newc archive(s) in `archive` under the directory `root`
/// (what Linux does with an initramfs): creates directories (and missing
/// parents), regular files with their data, symlinks, device nodes, fifos
/// and sockets, with the archive's permission bits, owners and mtimes.
/// Regular files with nlink ≥ 2 and the same (device, inode) in the archive
/// become hard links of one inode, whichever entry carries the data. An
/// existing non-directory at a member's path is replaced; an existing
/// directory is kept and gets the member's attributes (so `.` sets the
/// root's mode). Symlinks in parent paths are followed. Returns the number
/// of members processed.
///
/// Errors: `EINVAL` for a corrupt or truncated archive, an invalid file
/// type, a member named `..`-something or a non-UTF-8 symlink target;
/// `ENOTDIR` when a parent path is not a directory; filesystem errors
/// (`ENOSPC`, ...). Members before the error stay created.
pub async fn populate(root: &Arc<dyn Inode>, archive: &[u8]) -> Result<usize> {
    let vfs = Vfs::new(root.clone());
    let mut links: BTreeMap<(u32, u32, u32), Arc<dyn Inode>> = BTreeMap::new();
    let mut dir_times: Vec<(Arc<dyn Inode>, u32)> = Vec::new();
    let mut count = 0;
    for entry in parse(archive) {
        let e = entry?;
        let kind = e.file_type().ok_or(einval("cpio: invalid file type"))?;
        let perm = e.mode & 0o7777;
        let comps = components(e.name)?;
        let Some((&name, parents)) = comps.split_last() else {
            // The archive root ("."): only a directory makes sense.
            if kind != FileType::Directory {
                return Err(einval("cpio: non-directory member names the root"));
            }
            root.setattr(&SetAttr { mode: Some(perm), uid: Some(e.uid), gid: Some(e.gid), ..SetAttr::default() })?;
            dir_times.push((root.clone(), e.mtime));
            count += 1;
            continue;
        };
        let dir = ensure_dir(&vfs, root, parents).await?;

        match dir.lookup(name).await {
            Ok(existing) => {
                if existing.is_dir() && kind == FileType::Directory {
                    existing.setattr(&SetAttr {
                        mode: Some(perm),
                        uid: Some(e.uid),
                        gid: Some(e.gid),
                        ..SetAttr::default()
                    })?;
                    dir_times.push((existing, e.mtime));
                    count += 1;
                    continue;
                }
                if existing.is_dir() {
                    dir.rmdir(name).await?;
                } else {
                    dir.unlink(name).await?;
                }
            }
            Err(err) if is_enoent(&err) => {}
            Err(err) => return Err(err),
        }

        match kind {
            FileType::Directory => {
                let d = dir.create(name, kind, perm, e.uid, e.gid, 0).await?;
                dir_times.push((d, e.mtime));
            }
            FileType::Regular => {
                let key = (e.dev_major, e.dev_minor, e.ino);
                let file = match links.get(&key) {
                    Some(first) if e.nlink >= 2 => {
                        dir.link(name, first).await?;
                        first.clone()
                    }
                    _ => {
                        let f = dir.create(name, kind, perm, e.uid, e.gid, 0).await?;
                        if e.nlink >= 2 {
                            links.insert(key, f.clone());
                        }
                        f
                    }
                };
                if !e.data.is_empty() {
                    file.setattr(&SetAttr { size: Some(0), ..SetAttr::default() })?;
                    write_all(&file, e.data).await?;
                }
                file.setattr(&times(e.mtime))?;
            }
            FileType::Symlink => {
                let target = e.symlink_target().ok_or(einval("cpio: symlink target is not UTF-8"))?;
                let l = dir.symlink(name, target, e.uid, e.gid).await?;
                l.setattr(&times(e.mtime))?;
            }
            _ => {
                let n = dir.create(name, kind, perm, e.uid, e.gid, e.rdev()).await?;
                n.setattr(&times(e.mtime))?;
            }
        }
        count += 1;
    }
    // Directory mtimes last: creating their entries changed them.
    for (d, mtime) in dir_times {
        d.setattr(&times(mtime))?;
    }
    Ok(count)
}

/// Builds a newc archive (`070701`) from `(name, mode, data)` members, with
/// uid/gid 0, mtime 0, nlink 1 (2 for directories), distinct inode
/// numbers, and a trailer. For the kernel's own tests and tools.
pub fn build_newc(members: &[(&str, u32, &[u8])]) -> Vec<u8> {
    fn push_hex(out: &mut Vec<u8>, v: u32) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for shift in (0..8).rev() {
            out.push(HEX[((v >> (shift * 4)) & 0xf) as usize]);
        }
    }
    fn pad4(out: &mut Vec<u8>) {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }
    let mut out = Vec::new();
    let trailer: (&str, u32, &[u8]) = (TRAILER, 0, &[]);
    for (i, &(name, mode, data)) in members.iter().chain(core::iter::once(&trailer)).enumerate() {
        let is_trailer = i == members.len();
        out.extend_from_slice(NEWC_MAGIC);
        let nlink = if FileType::from_mode(mode) == Some(FileType::Directory) { 2 } else { 1 };
        let fields = [
            if is_trailer { 0 } else { i as u32 + 1 },
            mode,
            0,
            0,
            if is_trailer { 1 } else { nlink },
            0,
            data.len() as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ];
        for v in fields {
            push_hex(&mut out, v);
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        pad4(&mut out);
        out.extend_from_slice(data);
        pad4(&mut out);
    }
    out
}
