//! tmpfs: the in-memory filesystem (the initramfs root, `/tmp`, `/dev/shm`,
//! memfds). It owns [`Tmpfs`] (one filesystem instance) and [`TmpInode`]
//! (its inodes: regular files, directories, symlinks, and device / fifo /
//! socket nodes, which are only metadata — the kernel attaches behaviour
//! by type and `rdev`).
//!
//! Layout and locking:
//! - Regular files are sparse: a map from page index to 4 KiB page; holes
//!   read as zeros and use no memory. An optional size limit makes writes
//!   fail with `ENOSPC`.
//! - A directory maps names to *cookies* (readdir offsets) and cookies to
//!   children. Cookies are allocated increasing and never reused within the
//!   directory, so offsets stay stable while entries come and go; 0 and 1
//!   are `"."` and `".."`. Each directory holds strong references to its
//!   children and a weak one to its parent (for `".."` and rename loop
//!   checks); a removed directory has no parent and refuses new entries.
//! - Each inode's state is behind its own `RwLock`; namespace changes
//!   (create, link, unlink, rmdir, symlink, rename) are serialized by one
//!   per-filesystem mutex, under which inode locks are taken one at a time.
//!   Data and attribute operations take only their inode's lock. No lock is
//!   held across an await (every future here is already complete).
//! - Extended attributes (`user.*`, `trusted.*`, `security.*`, as Linux
//!   6.6+ tmpfs) live in a per-inode sorted map, so `listxattr` returns
//!   names in byte order as Linux's tmpfs does.
//! - An inode lives while anything references it: unlinking an open file
//!   drops only the directory's reference, the data stays readable and
//!   writable through the open `Arc` and is freed with the last one.

use alloc::{
    borrow::ToOwned,
    boxed::Box,
    collections::BTreeMap,
    string::String,
    sync::{Arc, Weak},
    vec,
    vec::Vec,
};
use core::sync::atomic::{AtomicU64, Ordering};

use kairos_abi::{
    Errno, Error, Result,
    flags::RenameFlags,
    types::{ST_VALID, StatFs, TMPFS_MAGIC, Timespec},
};
use spin::{Mutex, RwLock};

use crate::vfs::{
    BoxFuture, Clock, DirEntry, FileType, Inode, Metadata, NAME_MAX, PATH_MAX, SetAttr, TimeSet, XATTR_CREATE,
    XATTR_REPLACE, XATTR_SIZE_MAX, XattrNamespace, alloc_fs_id, makedev, ready, xattr_namespace,
};

/// Page size of file data.
const PAGE_SIZE: usize = 4096;
/// Largest file size (`MAX_LFS_FILESIZE` on 64-bit: `i64::MAX`).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// Size a directory reports per entry, as Linux tmpfs (`BOGO_DIRENT_SIZE`).
const BOGO_DIRENT_SIZE: u64 = 20;
/// Symlink targets at least this long use a page (Linux's
/// `SHORT_SYMLINK_LEN`), which `st_blocks` shows.
const SHORT_SYMLINK_LEN: usize = 128;
/// First readdir cookie of a real entry (0 is `"."`, 1 is `".."`).
const FIRST_COOKIE: u64 = 2;

fn err(e: Errno) -> Error {
    Error::new(e)
}

/// Options of a tmpfs instance (the `size=`, `nr_inodes=`, `mode=`, `uid=`,
/// `gid=` mount options).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TmpfsOptions {
    /// Maximum bytes of file data (rounded up to pages), `None` = unlimited.
    pub max_bytes: Option<u64>,
    /// Maximum number of inodes, `None` = unlimited.
    pub max_inodes: Option<u64>,
    /// Permission bits of the root directory.
    pub root_mode: u32,
    /// Owner of the root directory.
    pub root_uid: u32,
    /// Group of the root directory.
    pub root_gid: u32,
}

impl Default for TmpfsOptions {
    /// Unlimited, root directory `0o1777` owned by 0:0 (Linux's defaults).
    fn default() -> TmpfsOptions {
        TmpfsOptions { max_bytes: None, max_inodes: None, root_mode: 0o1777, root_uid: 0, root_gid: 0 }
    }
}

/// State shared by all inodes of one tmpfs.
struct Shared {
    id: u64,
    dev: u64,
    clock: Arc<dyn Clock>,
    next_ino: AtomicU64,
    /// Serializes namespace changes.
    ns_lock: Mutex<()>,
    max_pages: Option<u64>,
    used_pages: AtomicU64,
    max_inodes: Option<u64>,
    used_inodes: AtomicU64,
}

impl Shared {
    fn now(&self) -> Timespec {
        self.clock.now()
    }

    /// Reserves `n` data pages, or `ENOSPC`.
    fn reserve_pages(&self, n: u64) -> Result<()> {
        match self.max_pages {
            None => {
                self.used_pages.fetch_add(n, Ordering::Relaxed);
                Ok(())
            }
            Some(max) => self
                .used_pages
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                    used.checked_add(n).filter(|&total| total <= max)
                })
                .map(|_| ())
                .map_err(|_| err(Errno::ENOSPC)),
        }
    }

    fn release_pages(&self, n: u64) {
        self.used_pages.fetch_sub(n, Ordering::Relaxed);
    }

    /// Reserves one inode, or `ENOSPC`.
    fn reserve_inode(&self) -> Result<()> {
        let max = self.max_inodes.unwrap_or(u64::MAX);
        self.used_inodes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| (used < max).then_some(used + 1))
            .map(|_| ())
            .map_err(|_| err(Errno::ENOSPC))
    }
}

/// One tmpfs instance. Keeps its root directory alive; everything else
/// lives as long as it is linked or referenced.
pub struct Tmpfs {
    shared: Arc<Shared>,
    root: Arc<TmpInode>,
}

impl Tmpfs {
    /// A new, empty, unlimited tmpfs whose times come from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Tmpfs {
        Tmpfs::with_options(clock, TmpfsOptions::default())
    }

    /// A new, empty tmpfs with `options`.
    pub fn with_options(clock: Arc<dyn Clock>, options: TmpfsOptions) -> Tmpfs {
        let id = alloc_fs_id();
        let shared = Arc::new(Shared {
            id,
            // An anonymous device number (major 0), like Linux's tmpfs.
            dev: makedev(0, (id & 0xf_ffff) as u32),
            clock,
            next_ino: AtomicU64::new(1),
            ns_lock: Mutex::new(()),
            max_pages: options.max_bytes.map(|b| b.div_ceil(PAGE_SIZE as u64)),
            used_pages: AtomicU64::new(0),
            max_inodes: options.max_inodes,
            used_inodes: AtomicU64::new(1),
        });
        let root = TmpInode::new(
            &shared,
            FileType::Directory,
            options.root_mode,
            options.root_uid,
            options.root_gid,
            0,
            Body::Dir(DirData::new(None)),
        );
        Tmpfs { shared, root }
    }

    /// The root directory.
    pub fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    /// The [`Inode::fs_id`] of this instance.
    pub fn fs_id(&self) -> u64 {
        self.shared.id
    }

    /// Bytes of file data in use (whole pages).
    pub fn used_bytes(&self) -> u64 {
        self.shared.used_pages.load(Ordering::Relaxed) * PAGE_SIZE as u64
    }

    /// Number of inodes alive (linked or still referenced), root included.
    pub fn inode_count(&self) -> u64 {
        self.shared.used_inodes.load(Ordering::Relaxed)
    }

    /// A new regular file that is in no directory (nlink 0): the inode of a
    /// memfd or an `O_TMPFILE` file. It may be given a name once with
    /// [`Inode::link`] (`linkat(fd, "", ..., AT_EMPTY_PATH)`).
    pub fn create_unlinked(&self, mode: u32, uid: u32, gid: u32) -> Result<Arc<dyn Inode>> {
        self.shared.reserve_inode()?;
        let inode = TmpInode::new(&self.shared, FileType::Regular, mode, uid, gid, 0, Body::File(FileData::default()));
        {
            let mut st = inode.state.write();
            st.nlink = 0;
            st.linkable = true;
        }
        Ok(inode)
    }
}

/// An inode of a [`Tmpfs`].
pub struct TmpInode {
    fs: Arc<Shared>,
    ino: u64,
    kind: FileType,
    this: Weak<TmpInode>,
    state: RwLock<State>,
}

struct State {
    /// Permission bits only (`0o7777`).
    perm: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    rdev: u64,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    btime: Timespec,
    /// An unlinked file from [`Tmpfs::create_unlinked`] that may be linked.
    linkable: bool,
    /// Extended attributes by full name.
    xattrs: BTreeMap<String, Vec<u8>>,
    body: Body,
}

enum Body {
    File(FileData),
    Dir(DirData),
    Symlink(String),
    /// Device, fifo or socket node: metadata only.
    Node,
}

#[derive(Default)]
struct FileData {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

struct DirData {
    /// `None` for the filesystem root and for removed directories.
    parent: Option<Weak<TmpInode>>,
    removed: bool,
    names: BTreeMap<String, u64>,
    entries: BTreeMap<u64, (String, Arc<TmpInode>)>,
    next_cookie: u64,
}

impl DirData {
    fn new(parent: Option<Weak<TmpInode>>) -> DirData {
        DirData { parent, removed: false, names: BTreeMap::new(), entries: BTreeMap::new(), next_cookie: FIRST_COOKIE }
    }

    fn get(&self, name: &str) -> Option<&Arc<TmpInode>> {
        let cookie = self.names.get(name)?;
        self.entries.get(cookie).map(|(_, inode)| inode)
    }

    fn insert(&mut self, name: &str, inode: Arc<TmpInode>) {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.names.insert(name.to_owned(), cookie);
        self.entries.insert(cookie, (name.to_owned(), inode));
    }

    /// Points the existing entry `name` at `inode`, keeping its offset.
    fn replace(&mut self, name: &str, inode: Arc<TmpInode>) {
        if let Some(cookie) = self.names.get(name)
            && let Some(entry) = self.entries.get_mut(cookie)
        {
            entry.1 = inode;
        }
    }

    fn remove(&mut self, name: &str) -> Option<Arc<TmpInode>> {
        let cookie = self.names.remove(name)?;
        self.entries.remove(&cookie).map(|(_, inode)| inode)
    }
}

impl State {
    fn dir(&self) -> Result<&DirData> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(err(Errno::ENOTDIR)),
        }
    }

    fn dir_mut(&mut self) -> Result<&mut DirData> {
        match &mut self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(err(Errno::ENOTDIR)),
        }
    }

    /// A live directory (not removed), else `ENOENT` / `ENOTDIR`.
    fn live_dir(&self) -> Result<&DirData> {
        let d = self.dir()?;
        if d.removed {
            return Err(err(Errno::ENOENT));
        }
        Ok(d)
    }

    fn touch_mc(&mut self, now: Timespec) {
        self.mtime = now;
        self.ctime = now;
    }
}

/// Checks a name for a new entry: `ENOENT` if empty, `EINVAL` if it holds
/// `/` or NUL, `ENAMETOOLONG` past [`NAME_MAX`], `exists` for `.`/`..`.
fn check_new_name(name: &str, dot_errno: Errno) -> Result<()> {
    if name.is_empty() {
        return Err(err(Errno::ENOENT));
    }
    if name.len() > NAME_MAX {
        return Err(err(Errno::ENAMETOOLONG));
    }
    if name.contains(['/', '\0']) {
        return Err(err(Errno::EINVAL));
    }
    if name == "." || name == ".." {
        return Err(err(dot_errno));
    }
    Ok(())
}

/// Checks a name of an existing entry (lookup, unlink, ...).
fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(err(Errno::ENOENT));
    }
    if name.len() > NAME_MAX {
        return Err(err(Errno::ENAMETOOLONG));
    }
    if name.contains(['/', '\0']) {
        return Err(err(Errno::EINVAL));
    }
    Ok(())
}

impl TmpInode {
    fn new(fs: &Arc<Shared>, kind: FileType, perm: u32, uid: u32, gid: u32, rdev: u64, body: Body) -> Arc<TmpInode> {
        let now = fs.now();
        let ino = fs.next_ino.fetch_add(1, Ordering::Relaxed);
        Arc::new_cyclic(|this| TmpInode {
            fs: fs.clone(),
            ino,
            kind,
            this: this.clone(),
            state: RwLock::new(State {
                perm: perm & 0o7777,
                uid,
                gid,
                nlink: if kind.is_dir() { 2 } else { 1 },
                rdev: if kind.is_device() { rdev } else { 0 },
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
                linkable: false,
                xattrs: BTreeMap::new(),
                body,
            }),
        })
    }

    fn arc(&self) -> Arc<TmpInode> {
        self.this.upgrade().expect("tmpfs inode used after drop")
    }

    fn is_dir(&self) -> bool {
        self.kind.is_dir()
    }

    /// `other` as an inode of this same filesystem instance, if it is one.
    fn same_fs<'a>(&self, other: &'a Arc<dyn Inode>) -> Option<&'a TmpInode> {
        other.downcast_ref::<TmpInode>().filter(|o| Arc::ptr_eq(&o.fs, &self.fs))
    }

    fn is_empty_dir(&self) -> bool {
        match &self.state.read().body {
            Body::Dir(d) => d.entries.is_empty(),
            _ => false,
        }
    }

    fn parent_dir(&self) -> Option<Arc<TmpInode>> {
        match &self.state.read().body {
            Body::Dir(d) => d.parent.as_ref().and_then(Weak::upgrade),
            _ => None,
        }
    }

    /// True if `ancestor` is `self` or one of its ancestors.
    fn has_ancestor(&self, ancestor: &TmpInode) -> bool {
        if core::ptr::eq(self, ancestor) {
            return true;
        }
        let mut cur = self.parent_dir();
        while let Some(dir) = cur {
            if core::ptr::eq(&*dir, ancestor) {
                return true;
            }
            cur = dir.parent_dir();
        }
        false
    }

    fn set_parent(&self, parent: Option<Weak<TmpInode>>) {
        if let Body::Dir(d) = &mut self.state.write().body {
            d.parent = parent;
        }
    }

    // ----------------------------------------------------------------
    // Data
    // ----------------------------------------------------------------

    fn read_sync(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let n = {
            let st = self.state.read();
            let f = match &st.body {
                Body::File(f) => f,
                Body::Dir(_) => return Err(err(Errno::EISDIR)),
                _ => return Err(err(Errno::EINVAL)),
            };
            if offset >= f.size || buf.is_empty() {
                0
            } else {
                let n = buf.len().min((f.size - offset).min(usize::MAX as u64) as usize);
                let mut done = 0;
                while done < n {
                    let pos = offset + done as u64;
                    let page = pos / PAGE_SIZE as u64;
                    let in_page = (pos % PAGE_SIZE as u64) as usize;
                    let len = (PAGE_SIZE - in_page).min(n - done);
                    let dst = &mut buf[done..done + len];
                    match f.pages.get(&page) {
                        Some(p) => dst.copy_from_slice(&p[in_page..in_page + len]),
                        None => dst.fill(0),
                    }
                    done += len;
                }
                n
            }
        };
        self.touch_atime();
        Ok(n)
    }

    /// `relatime`: updates atime if it is not newer than mtime or ctime, or
    /// is a day old.
    fn touch_atime(&self) {
        const DAY: i64 = 24 * 60 * 60;
        let stale = |st: &State, now: Timespec| {
            st.atime <= st.mtime || st.atime <= st.ctime || now.tv_sec - st.atime.tv_sec >= DAY
        };
        let now = self.fs.now();
        if stale(&self.state.read(), now) {
            let mut st = self.state.write();
            if stale(&st, now) {
                st.atime = now;
            }
        }
    }

    fn write_sync(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        let mut st = self.state.write();
        let f = match &mut st.body {
            Body::File(f) => f,
            Body::Dir(_) => return Err(err(Errno::EISDIR)),
            _ => return Err(err(Errno::EINVAL)),
        };
        if buf.is_empty() {
            return Ok(0);
        }
        match offset.checked_add(buf.len() as u64) {
            Some(end) if end <= MAX_FILE_SIZE => {}
            _ => return Err(err(Errno::EFBIG)),
        }
        let mut done = 0;
        let mut failure = None;
        while done < buf.len() {
            let pos = offset + done as u64;
            let page = pos / PAGE_SIZE as u64;
            let in_page = (pos % PAGE_SIZE as u64) as usize;
            let len = (PAGE_SIZE - in_page).min(buf.len() - done);
            let p = match f.pages.get_mut(&page) {
                Some(p) => p,
                None => {
                    if let Err(e) = self.fs.reserve_pages(1) {
                        failure = Some(e);
                        break;
                    }
                    f.pages.entry(page).or_insert_with(|| vec![0u8; PAGE_SIZE].into_boxed_slice())
                }
            };
            p[in_page..in_page + len].copy_from_slice(&buf[done..done + len]);
            done += len;
        }
        if done == 0 {
            return Err(failure.unwrap_or(err(Errno::ENOSPC)));
        }
        f.size = f.size.max(offset + done as u64);
        let now = self.fs.now();
        st.touch_mc(now);
        Ok(done)
    }

    // ----------------------------------------------------------------
    // Namespace
    // ----------------------------------------------------------------

    fn lookup_sync(&self, name: &str) -> Result<Arc<TmpInode>> {
        check_name(name)?;
        let st = self.state.read();
        // "." and ".." still work in a removed directory (Linux keeps the dentry's parent),
        // so a process whose cwd was removed can `chdir("..")` out of it.
        if name == "." || name == ".." {
            let Body::Dir(d) = &st.body else { return Err(err(Errno::ENOTDIR)) };
            return Ok(match name {
                "." => self.arc(),
                _ => d.parent.as_ref().and_then(Weak::upgrade).unwrap_or_else(|| self.arc()),
            });
        }
        let d = st.live_dir()?;
        d.get(name).cloned().ok_or(err(Errno::ENOENT))
    }

    fn create_sync(
        &self,
        name: &str,
        kind: FileType,
        perm: u32,
        (uid, gid): (u32, u32),
        rdev: u64,
        target: Option<&str>,
    ) -> Result<Arc<TmpInode>> {
        if !self.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_new_name(name, Errno::EEXIST)?;
        let body = match (kind, target) {
            (FileType::Symlink, Some(t)) => {
                if t.is_empty() {
                    return Err(err(Errno::ENOENT));
                }
                if t.len() >= PATH_MAX {
                    return Err(err(Errno::ENAMETOOLONG));
                }
                Body::Symlink(t.to_owned())
            }
            (FileType::Symlink, None) => return Err(err(Errno::EINVAL)),
            (FileType::Regular, _) => Body::File(FileData::default()),
            (FileType::Directory, _) => Body::Dir(DirData::new(Some(self.this.clone()))),
            _ => Body::Node,
        };
        let _ns = self.fs.ns_lock.lock();
        {
            let st = self.state.read();
            let d = st.live_dir()?;
            if d.names.contains_key(name) {
                return Err(err(Errno::EEXIST));
            }
        }
        self.fs.reserve_inode()?;
        let child = TmpInode::new(&self.fs, kind, perm, uid, gid, rdev, body);
        let now = self.fs.now();
        let mut st = self.state.write();
        if kind.is_dir() {
            st.nlink += 1;
        }
        st.touch_mc(now);
        st.dir_mut()?.insert(name, child.clone());
        Ok(child)
    }

    fn link_sync(&self, name: &str, target: &Arc<dyn Inode>) -> Result<()> {
        if !self.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let Some(t) = self.same_fs(target) else {
            return Err(err(Errno::EXDEV));
        };
        if t.is_dir() {
            return Err(err(Errno::EPERM));
        }
        check_new_name(name, Errno::EEXIST)?;
        let _ns = self.fs.ns_lock.lock();
        {
            let st = self.state.read();
            let d = st.live_dir()?;
            if d.names.contains_key(name) {
                return Err(err(Errno::EEXIST));
            }
        }
        let now = self.fs.now();
        {
            let mut ts = t.state.write();
            if ts.nlink == 0 && !ts.linkable {
                return Err(err(Errno::ENOENT));
            }
            if ts.nlink == u32::MAX {
                return Err(err(Errno::EMLINK));
            }
            ts.nlink += 1;
            ts.linkable = false;
            ts.ctime = now;
        }
        let mut st = self.state.write();
        st.touch_mc(now);
        st.dir_mut()?.insert(name, t.arc());
        Ok(())
    }

    fn unlink_sync(&self, name: &str) -> Result<()> {
        if !self.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_name(name)?;
        if name == "." || name == ".." {
            return Err(err(Errno::EISDIR));
        }
        let _ns = self.fs.ns_lock.lock();
        let child = {
            let st = self.state.read();
            st.dir()?.get(name).cloned().ok_or(err(Errno::ENOENT))?
        };
        if child.is_dir() {
            return Err(err(Errno::EISDIR));
        }
        let now = self.fs.now();
        {
            let mut st = self.state.write();
            st.dir_mut()?.remove(name);
            st.touch_mc(now);
        }
        let mut cs = child.state.write();
        cs.nlink = cs.nlink.saturating_sub(1);
        cs.ctime = now;
        Ok(())
    }

    fn rmdir_sync(&self, name: &str) -> Result<()> {
        if !self.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        check_name(name)?;
        match name {
            "." => return Err(err(Errno::EINVAL)),
            ".." => return Err(err(Errno::ENOTEMPTY)),
            _ => {}
        }
        let _ns = self.fs.ns_lock.lock();
        let child = {
            let st = self.state.read();
            st.dir()?.get(name).cloned().ok_or(err(Errno::ENOENT))?
        };
        if !child.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        if !child.is_empty_dir() {
            return Err(err(Errno::ENOTEMPTY));
        }
        let now = self.fs.now();
        {
            let mut st = self.state.write();
            st.dir_mut()?.remove(name);
            st.nlink -= 1;
            st.touch_mc(now);
        }
        child.kill_dir(now);
        Ok(())
    }

    /// Marks a directory removed from the tree (rmdir, replaced by rename).
    fn kill_dir(&self, now: Timespec) {
        let mut st = self.state.write();
        st.nlink = 0;
        st.ctime = now;
        if let Body::Dir(d) = &mut st.body {
            d.removed = true;
        }
    }

    fn rename_sync(&self, old_name: &str, new_dir: &Arc<dyn Inode>, new_name: &str, flags: u32) -> Result<()> {
        let flags = RenameFlags::from_bits(flags).ok_or(err(Errno::EINVAL))?;
        if flags.contains(RenameFlags::RENAME_WHITEOUT)
            || flags.contains(RenameFlags::RENAME_NOREPLACE | RenameFlags::RENAME_EXCHANGE)
        {
            return Err(err(Errno::EINVAL));
        }
        let exchange = flags.contains(RenameFlags::RENAME_EXCHANGE);
        if !self.is_dir() || !new_dir.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let Some(nd) = self.same_fs(new_dir) else {
            return Err(err(Errno::EXDEV));
        };
        check_name(old_name)?;
        check_name(new_name)?;
        for n in [old_name, new_name] {
            if n == "." || n == ".." {
                return Err(err(Errno::EBUSY));
            }
        }
        let same_dir = core::ptr::eq(self, nd);

        let _ns = self.fs.ns_lock.lock();
        let old = {
            let st = self.state.read();
            st.live_dir()?.get(old_name).cloned().ok_or(err(Errno::ENOENT))?
        };
        let victim = {
            let st = nd.state.read();
            st.live_dir()?.get(new_name).cloned()
        };
        if let Some(v) = &victim
            && Arc::ptr_eq(v, &old)
        {
            return Ok(());
        }
        if exchange && victim.is_none() {
            return Err(err(Errno::ENOENT));
        }
        if flags.contains(RenameFlags::RENAME_NOREPLACE) && victim.is_some() {
            return Err(err(Errno::EEXIST));
        }
        if old.is_dir() && nd.has_ancestor(&old) {
            return Err(err(Errno::EINVAL));
        }
        if let Some(v) = &victim {
            if exchange {
                if v.is_dir() && self.has_ancestor(v) {
                    return Err(err(Errno::EINVAL));
                }
            } else {
                match (old.is_dir(), v.is_dir()) {
                    (true, false) => return Err(err(Errno::ENOTDIR)),
                    (false, true) => return Err(err(Errno::EISDIR)),
                    (true, true) if !v.is_empty_dir() => return Err(err(Errno::ENOTEMPTY)),
                    _ => {}
                }
            }
        }

        // Checks done: nothing below fails.
        let now = self.fs.now();
        if let (true, Some(v)) = (exchange, &victim) {
            self.state.write().dir_mut()?.replace(old_name, v.clone());
            nd.state.write().dir_mut()?.replace(new_name, old.clone());
            if !same_dir {
                if old.is_dir() {
                    old.set_parent(Some(nd.this.clone()));
                    self.state.write().nlink -= 1;
                    nd.state.write().nlink += 1;
                }
                if v.is_dir() {
                    v.set_parent(Some(self.this.clone()));
                    nd.state.write().nlink -= 1;
                    self.state.write().nlink += 1;
                }
            }
            v.state.write().ctime = now;
        } else {
            self.state.write().dir_mut()?.remove(old_name);
            match &victim {
                Some(v) => {
                    nd.state.write().dir_mut()?.replace(new_name, old.clone());
                    if v.is_dir() {
                        nd.state.write().nlink -= 1;
                        v.kill_dir(now);
                    } else {
                        let mut vs = v.state.write();
                        vs.nlink = vs.nlink.saturating_sub(1);
                        vs.ctime = now;
                    }
                }
                None => nd.state.write().dir_mut()?.insert(new_name, old.clone()),
            }
            if old.is_dir() && !same_dir {
                old.set_parent(Some(nd.this.clone()));
                self.state.write().nlink -= 1;
                nd.state.write().nlink += 1;
            }
        }
        old.state.write().ctime = now;
        self.state.write().touch_mc(now);
        if !same_dir {
            nd.state.write().touch_mc(now);
        }
        Ok(())
    }

    fn readdir_sync(&self, offset: u64) -> Result<Option<(DirEntry, u64)>> {
        let st = self.state.read();
        let d = st.dir()?;
        let entry = match offset {
            0 => DirEntry { ino: self.ino, kind: FileType::Directory, name: ".".to_owned() },
            1 => DirEntry {
                ino: d.parent.as_ref().and_then(Weak::upgrade).map_or(self.ino, |p| p.ino),
                kind: FileType::Directory,
                name: "..".to_owned(),
            },
            _ => {
                return Ok(d.entries.range(offset..).next().map(|(&cookie, (name, inode))| {
                    let entry = DirEntry { ino: inode.ino, kind: inode.kind, name: name.clone() };
                    (entry, cookie + 1)
                }));
            }
        };
        Ok(Some((entry, offset + 1)))
    }

    fn setattr_sync(&self, attr: &SetAttr) -> Result<()> {
        let now = self.fs.now();
        let mut st = self.state.write();
        if let Some(size) = attr.size {
            match &mut st.body {
                Body::File(f) => {
                    if size > MAX_FILE_SIZE {
                        return Err(err(Errno::EFBIG));
                    }
                    self.truncate(f, size);
                }
                Body::Dir(_) => return Err(err(Errno::EISDIR)),
                _ => return Err(err(Errno::EINVAL)),
            }
            if attr.mtime.is_none() {
                st.mtime = now;
            }
        }
        if let Some(mode) = attr.mode {
            st.perm = mode & 0o7777;
        }
        if let Some(uid) = attr.uid {
            st.uid = uid;
        }
        if let Some(gid) = attr.gid {
            st.gid = gid;
        }
        let time = |t: TimeSet| match t {
            TimeSet::Now => now,
            TimeSet::At(t) => t,
        };
        if let Some(t) = attr.atime {
            st.atime = time(t);
        }
        if let Some(t) = attr.mtime {
            st.mtime = time(t);
        }
        st.ctime = now;
        Ok(())
    }

    fn getxattr_sync(&self, name: &str) -> Result<Vec<u8>> {
        if xattr_namespace(name)? == XattrNamespace::PosixAcl {
            return Err(err(Errno::ENODATA));
        }
        self.state.read().xattrs.get(name).cloned().ok_or(err(Errno::ENODATA))
    }

    /// Sets (`Some`) or removes (`None`) an attribute with `flags`.
    fn setxattr_sync(&self, name: &str, value: Option<&[u8]>, flags: u32) -> Result<()> {
        if xattr_namespace(name)? == XattrNamespace::PosixAcl {
            return Err(err(if value.is_some() { Errno::EOPNOTSUPP } else { Errno::ENODATA }));
        }
        if value.is_some_and(|v| v.len() > XATTR_SIZE_MAX) {
            return Err(err(Errno::E2BIG));
        }
        let now = self.fs.now();
        let mut st = self.state.write();
        let exists = st.xattrs.contains_key(name);
        if exists && flags & XATTR_CREATE != 0 {
            return Err(err(Errno::EEXIST));
        }
        if !exists && (flags & XATTR_REPLACE != 0 || value.is_none()) {
            return Err(err(Errno::ENODATA));
        }
        match value {
            Some(v) => {
                st.xattrs.insert(name.to_owned(), v.to_vec());
            }
            None => {
                st.xattrs.remove(name);
            }
        }
        st.ctime = now;
        Ok(())
    }

    /// Sets the size of file data `f`, freeing pages past the end and
    /// zeroing the tail of the last page so a later extension reads zeros.
    fn truncate(&self, f: &mut FileData, size: u64) {
        if size < f.size {
            let keep = size.div_ceil(PAGE_SIZE as u64);
            let freed = f.pages.split_off(&keep);
            self.fs.release_pages(freed.len() as u64);
            let in_page = (size % PAGE_SIZE as u64) as usize;
            if in_page != 0
                && let Some(p) = f.pages.get_mut(&(size / PAGE_SIZE as u64))
            {
                p[in_page..].fill(0);
            }
        }
        f.size = size;
    }
}

impl Drop for TmpInode {
    /// Frees the data pages; a directory frees its subtree iteratively (a
    /// recursive drop of a deep tree would overflow a kernel stack).
    fn drop(&mut self) {
        match &mut self.state.get_mut().body {
            Body::File(f) => self.fs.release_pages(f.pages.len() as u64),
            Body::Dir(d) => {
                d.names.clear();
                let mut orphans: Vec<Arc<TmpInode>> =
                    core::mem::take(&mut d.entries).into_values().map(|(_, i)| i).collect();
                while let Some(child) = orphans.pop() {
                    // Only the last reference empties the child; it is then
                    // dropped here with no entries left to recurse into.
                    if let Some(mut child) = Arc::into_inner(child)
                        && let Body::Dir(cd) = &mut child.state.get_mut().body
                    {
                        cd.names.clear();
                        orphans.extend(core::mem::take(&mut cd.entries).into_values().map(|(_, i)| i));
                    }
                }
            }
            _ => {}
        }
        self.fs.used_inodes.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Inode for TmpInode {
    fn metadata(&self) -> Metadata {
        let st = self.state.read();
        let (size, blocks) = match &st.body {
            Body::File(f) => (f.size, f.pages.len() as u64 * (PAGE_SIZE as u64 / 512)),
            Body::Dir(d) => ((d.entries.len() as u64 + 2) * BOGO_DIRENT_SIZE, 0),
            Body::Symlink(t) => (t.len() as u64, if t.len() >= SHORT_SYMLINK_LEN { PAGE_SIZE as u64 / 512 } else { 0 }),
            Body::Node => (0, 0),
        };
        Metadata {
            dev: self.fs.dev,
            ino: self.ino,
            mode: self.kind.mode_bits() | st.perm,
            nlink: st.nlink,
            uid: st.uid,
            gid: st.gid,
            rdev: st.rdev,
            size,
            blksize: PAGE_SIZE as u32,
            blocks,
            atime: st.atime,
            mtime: st.mtime,
            ctime: st.ctime,
            btime: Some(st.btime),
        }
    }

    fn fs_id(&self) -> u64 {
        self.fs.id
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn file_type(&self) -> FileType {
        self.kind
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        self.setattr_sync(attr)
    }

    fn read_at<'a>(&'a self, offset: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<usize>> {
        ready(self.read_sync(offset, buf))
    }

    fn write_at<'a>(&'a self, offset: u64, buf: &'a [u8]) -> BoxFuture<'a, Result<usize>> {
        ready(self.write_sync(offset, buf))
    }

    fn lookup<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        ready(self.lookup_sync(name).map(|i| i as Arc<dyn Inode>))
    }

    fn create<'a>(
        &'a self,
        name: &'a str,
        kind: FileType,
        mode: u32,
        uid: u32,
        gid: u32,
        rdev: u64,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let r = if kind == FileType::Symlink {
            Err(err(Errno::EINVAL))
        } else {
            self.create_sync(name, kind, mode, (uid, gid), rdev, None)
        };
        ready(r.map(|i| i as Arc<dyn Inode>))
    }

    fn link<'a>(&'a self, name: &'a str, target: &'a Arc<dyn Inode>) -> BoxFuture<'a, Result<()>> {
        ready(self.link_sync(name, target))
    }

    fn unlink<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        ready(self.unlink_sync(name))
    }

    fn rmdir<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        ready(self.rmdir_sync(name))
    }

    fn symlink<'a>(
        &'a self,
        name: &'a str,
        target: &'a str,
        uid: u32,
        gid: u32,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let r = self.create_sync(name, FileType::Symlink, 0o777, (uid, gid), 0, Some(target));
        ready(r.map(|i| i as Arc<dyn Inode>))
    }

    fn readlink<'a>(&'a self) -> BoxFuture<'a, Result<String>> {
        let r = match &self.state.read().body {
            Body::Symlink(t) => Ok(t.clone()),
            _ => Err(err(Errno::EINVAL)),
        };
        if r.is_ok() {
            self.touch_atime();
        }
        ready(r)
    }

    fn rename<'a>(
        &'a self,
        old_name: &'a str,
        new_dir: &'a Arc<dyn Inode>,
        new_name: &'a str,
        flags: u32,
    ) -> BoxFuture<'a, Result<()>> {
        ready(self.rename_sync(old_name, new_dir, new_name, flags))
    }

    fn readdir<'a>(&'a self, offset: u64) -> BoxFuture<'a, Result<Option<(DirEntry, u64)>>> {
        ready(self.readdir_sync(offset))
    }

    fn getxattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>>> {
        ready(self.getxattr_sync(name))
    }

    fn listxattr(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        ready(Ok(self.state.read().xattrs.keys().cloned().collect()))
    }

    fn setxattr<'a>(&'a self, name: &'a str, value: &'a [u8], flags: u32) -> BoxFuture<'a, Result<()>> {
        ready(self.setxattr_sync(name, Some(value), flags))
    }

    fn removexattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        ready(self.setxattr_sync(name, None, XATTR_REPLACE))
    }

    fn statfs(&self) -> Result<StatFs> {
        let used = self.fs.used_pages.load(Ordering::Relaxed);
        let inodes = self.fs.used_inodes.load(Ordering::Relaxed);
        let (blocks, free) = match self.fs.max_pages {
            Some(max) => (max, max.saturating_sub(used)),
            None => (0, 0),
        };
        let (files, ffree) = match self.fs.max_inodes {
            Some(max) => (max, max.saturating_sub(inodes)),
            None => (0, 0),
        };
        Ok(StatFs {
            f_type: TMPFS_MAGIC,
            f_bsize: PAGE_SIZE as i64,
            f_blocks: blocks as i64,
            f_bfree: free as i64,
            f_bavail: free as i64,
            f_files: files as i64,
            f_ffree: ffree as i64,
            f_fsid: [self.fs.id as i32, (self.fs.id >> 32) as i32],
            f_namelen: NAME_MAX as i64,
            f_frsize: PAGE_SIZE as i64,
            f_flags: ST_VALID,
            ..StatFs::default()
        })
    }
}
