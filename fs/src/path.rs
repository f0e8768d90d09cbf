//! The mount table and path resolution: [`Vfs`] (mounts, `namei`-style
//! walks, getcwd paths) and the Linux namespace operations built on them
//! (`open` with `O_CREAT`, `mkdir`, `mknod`, `symlink`, `link`, `unlink`,
//! `rmdir`, `rename`), with Linux's errno in every edge case.
//!
//! Design:
//! - **No dentry cache.** A walk holds `Arc<dyn Inode>` only; names are
//!   looked up in the filesystem each time (tmpfs lookups are map look-ups;
//!   a disk filesystem caches inodes itself).
//! - **Mounts are keyed by inode identity.** The table maps the
//!   [`InodeKey`] (fs id + inode number) of each mount point to the mounted
//!   root, and each mounted filesystem's id to its mount. A filesystem
//!   instance is mounted at most once (no bind mounts), so "which mount is
//!   this inode on" is answered by its `fs_id`, which also gives `EXDEV`
//!   for cross-mount link/rename. Mounting on a mount root stacks.
//! - **`..`** at the process root stays there; at the root of a mount it
//!   goes to the mount point first and continues from there (so `..` of a
//!   mount root is the parent of the mount point); elsewhere it is
//!   `lookup("..")` in the filesystem, which therefore owns parent links.
//! - **getcwd** ([`Vfs::path_of`]) walks up with the same `..` rule and
//!   finds each directory's name by scanning its parent with `readdir` for
//!   its inode number. No name is cached, so the path is always current
//!   after renames, works for any filesystem that has `..`, and fails with
//!   `ENOENT` once the directory was removed. Non-directories have no path
//!   here (hard links make it ambiguous): the kernel keeps the path an
//!   open file was opened by, where it needs one (`/proc/*/fd`).
//! - **Permissions** go through one hook, [`Vfs::permission`], fed from the
//!   [`Credentials`] in the [`PathCtx`]. It is off by default
//!   ([`Vfs::set_enforce_permissions`]); when on it applies
//!   [`check_access`] (search on every directory walked, write+search to
//!   change a directory, the sticky bit).

use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    sync::Arc,
    vec::Vec,
};
use core::sync::atomic::{AtomicBool, Ordering};

use kairos_abi::{
    Errno, Error, Result,
    flags::{OpenFlags, RenameFlags, S_ISGID, S_ISUID, S_ISVTX},
};
use spin::RwLock;

use crate::vfs::{
    Access, Credentials, FileType, Inode, InodeKey, MAXSYMLINKS, MS_RDONLY, NAME_MAX, PATH_MAX, SetAttr, check_access,
    same_inode,
};

fn err(e: Errno) -> Error {
    Error::new(e)
}

static ROOT_CREDENTIALS: Credentials = Credentials::ROOT;

/// Where and as whom a path is resolved: the process root (chroot), the
/// directory relative paths start from (the cwd, or the directory of a
/// `dirfd` for the `*at` syscalls), the credentials, and the umask applied
/// to new files.
#[derive(Clone, Copy)]
pub struct PathCtx<'a> {
    /// The process root: absolute paths and absolute symlinks start here,
    /// and `..` never climbs above it.
    pub root: &'a Arc<dyn Inode>,
    /// The start of relative paths.
    pub cwd: &'a Arc<dyn Inode>,
    /// Who is asking (permission hook, owner of new inodes).
    pub cred: &'a Credentials,
    /// File mode creation mask.
    pub umask: u32,
}

impl<'a> PathCtx<'a> {
    /// A context with root credentials and umask 0.
    pub fn new(root: &'a Arc<dyn Inode>, cwd: &'a Arc<dyn Inode>) -> PathCtx<'a> {
        PathCtx { root, cwd, cred: &ROOT_CREDENTIALS, umask: 0 }
    }

    /// This context with another start directory (for a `dirfd`).
    pub fn at(&self, cwd: &'a Arc<dyn Inode>) -> PathCtx<'a> {
        PathCtx { cwd, ..*self }
    }
}

/// How a filesystem is mounted (what `/proc/mounts` shows).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct MountOptions {
    /// The source (`"tmpfs"`, `"/dev/vda1"`, ...).
    pub source: String,
    /// The filesystem type name (`"tmpfs"`, `"ext4"`, ...).
    pub fstype: String,
    /// `MS_*` flags; [`MS_RDONLY`] makes namespace changes fail with
    /// `EROFS` (see [`Vfs::is_read_only`]).
    pub flags: u64,
    /// Filesystem-specific options, as given.
    pub data: String,
}

/// One mounted filesystem.
pub struct Mount {
    /// Mount id (1 for the root mount), increasing.
    pub id: u64,
    /// The root directory of the mounted filesystem.
    pub root: Arc<dyn Inode>,
    /// The directory it covers; `None` for the root mount.
    pub mountpoint: Option<Arc<dyn Inode>>,
    /// How it was mounted.
    pub options: MountOptions,
}

struct MountTable {
    /// Mount by `fs_id` of the mounted filesystem.
    by_fs: alloc::collections::BTreeMap<u64, Arc<Mount>>,
    /// Mount by key of the directory it covers.
    by_mountpoint: alloc::collections::BTreeMap<InodeKey, Arc<Mount>>,
    root_fs: u64,
    next_id: u64,
}

/// The kind of the last component of a path.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LastKind {
    /// A name.
    Normal,
    /// `"."`.
    Dot,
    /// `".."`.
    DotDot,
    /// The path is `/` (only slashes): there is no last component.
    Root,
}

/// The result of [`Vfs::resolve_parent`]: the directory that holds (or
/// would hold) the last component of a path, and that component.
pub struct Parent {
    /// The directory (mounts crossed, symlinks followed).
    pub dir: Arc<dyn Inode>,
    /// The last component (`"/"` for [`LastKind::Root`]).
    pub name: String,
    /// What kind of component it is.
    pub kind: LastKind,
    /// The path ended with `/` (after the last component): the caller's
    /// operation requires a directory there.
    pub trailing_slash: bool,
}

/// One pending path component.
struct Comp {
    name: String,
    /// A `/` followed it at the end of its path.
    trailing: bool,
}

/// Pushes the components of `path` onto `stack` so that the first one is
/// on top. The last one is marked trailing if `path` ends with `/` or
/// `trailing` is set (a followed final symlink passes its own flag on).
fn push_components(stack: &mut Vec<Comp>, path: &str, trailing: bool) {
    let trailing = trailing || path.ends_with('/');
    let mut first = true;
    for name in path.rsplit('/').filter(|c| !c.is_empty()) {
        stack.push(Comp { name: name.to_owned(), trailing: first && trailing });
        first = false;
    }
}

/// Checks a whole path: `ENOENT` if empty, `ENAMETOOLONG` if it does not
/// fit in [`PATH_MAX`] with its NUL.
fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(err(Errno::ENOENT));
    }
    if path.len() >= PATH_MAX {
        return Err(err(Errno::ENAMETOOLONG));
    }
    Ok(())
}

/// The state of one path walk.
struct Walker<'v, 'c> {
    vfs: &'v Vfs,
    cx: &'c PathCtx<'c>,
    cur: Arc<dyn Inode>,
    stack: Vec<Comp>,
    links: u32,
}

impl<'v, 'c> Walker<'v, 'c> {
    fn new(vfs: &'v Vfs, cx: &'c PathCtx<'c>, path: &str) -> Result<Walker<'v, 'c>> {
        check_path(path)?;
        let cur = if path.starts_with('/') { vfs.cross_mounts(cx.root.clone()) } else { cx.cwd.clone() };
        let mut stack = Vec::new();
        push_components(&mut stack, path, false);
        Ok(Walker { vfs, cx, cur, stack, links: 0 })
    }

    /// Looks `comp` up in the current directory (mounts crossed, symlinks
    /// not followed).
    async fn step(&self, comp: &Comp) -> Result<Arc<dyn Inode>> {
        if !self.cur.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        self.vfs.may_search(self.cx.cred, &self.cur)?;
        match comp.name.as_str() {
            "." => Ok(self.cur.clone()),
            ".." => self.vfs.dotdot(self.cx.root, &self.cur).await,
            name => {
                if name.len() > NAME_MAX {
                    return Err(err(Errno::ENAMETOOLONG));
                }
                let child = self.cur.lookup(name).await?;
                Ok(self.vfs.cross_mounts(child))
            }
        }
    }

    /// Replaces a symlink by its target on the stack (`ELOOP` past
    /// [`MAXSYMLINKS`], `ENOENT` for an empty target).
    async fn follow(&mut self, link: &Arc<dyn Inode>, trailing: bool) -> Result<()> {
        if self.links >= MAXSYMLINKS {
            return Err(err(Errno::ELOOP));
        }
        self.links += 1;
        if self.vfs.protected_symlinks() {
            // Linux's may_follow_link: `cur` is the directory holding the link.
            let (dir, l) = (self.cur.metadata(), link.metadata());
            let sticky_world_writable = dir.mode & (S_ISVTX | 0o002) == S_ISVTX | 0o002;
            if self.cx.cred.fsuid != l.uid && sticky_world_writable && dir.uid != l.uid {
                return Err(err(Errno::EACCES));
            }
        }
        let target = link.readlink().await?;
        if target.is_empty() {
            return Err(err(Errno::ENOENT));
        }
        if target.starts_with('/') {
            self.cur = self.vfs.cross_mounts(self.cx.root.clone());
        }
        push_components(&mut self.stack, &target, trailing);
        Ok(())
    }

    /// Walks every component but the last (following symlinks), leaving
    /// `cur` at the directory that holds the last one, which is returned
    /// (`None` if the path names the start directory itself, like `/`).
    async fn walk_to_last(&mut self) -> Result<Option<Comp>> {
        while self.stack.len() > 1 {
            let comp = self.stack.pop().expect("stack has > 1 entries");
            let next = self.step(&comp).await?;
            if next.file_type() == FileType::Symlink {
                self.follow(&next, comp.trailing).await?;
            } else {
                self.cur = next;
            }
        }
        Ok(self.stack.pop())
    }
}

/// The Linux mount namespace and path walker over [`Inode`]s.
pub struct Vfs {
    table: RwLock<MountTable>,
    enforce_permissions: AtomicBool,
    write_guard: spin::Once<WriteGuard>,
    protected_symlinks: AtomicBool,
    protected_hardlinks: AtomicBool,
}

/// The kernel's veto on writing an inode (Linux's `deny_write_access`: a running program's
/// file is `ETXTBSY`), consulted by `open` for writing or with `O_TRUNC`.
pub type WriteGuard = fn(&dyn Inode) -> Result<()>;

impl Vfs {
    /// A VFS whose root mount is `root` (a directory), as `rootfs`.
    pub fn new(root: Arc<dyn Inode>) -> Vfs {
        Vfs::with_root_options(
            root,
            MountOptions { source: "rootfs".to_string(), fstype: "rootfs".to_string(), ..MountOptions::default() },
        )
    }

    /// A VFS whose root mount is `root`, mounted with `options`.
    pub fn with_root_options(root: Arc<dyn Inode>, options: MountOptions) -> Vfs {
        let root_fs = root.fs_id();
        let mount = Arc::new(Mount { id: 1, root, mountpoint: None, options });
        let mut by_fs = alloc::collections::BTreeMap::new();
        by_fs.insert(root_fs, mount);
        Vfs {
            table: RwLock::new(MountTable {
                by_fs,
                by_mountpoint: alloc::collections::BTreeMap::new(),
                root_fs,
                next_id: 2,
            }),
            enforce_permissions: AtomicBool::new(false),
            write_guard: spin::Once::new(),
            protected_symlinks: AtomicBool::new(false),
            protected_hardlinks: AtomicBool::new(false),
        }
    }

    /// `fs.protected_symlinks`: in a sticky world-writable directory, a symlink is followed
    /// only by its owner or when the directory's owner owns it (`EACCES` otherwise, root
    /// included), as Linux's `may_follow_link`. Off by default, as in Linux.
    pub fn set_protected_symlinks(&self, on: bool) {
        self.protected_symlinks.store(on, Ordering::Relaxed);
    }

    /// Current `fs.protected_symlinks`.
    pub fn protected_symlinks(&self) -> bool {
        self.protected_symlinks.load(Ordering::Relaxed)
    }

    /// `fs.protected_hardlinks`: hard links only to files the caller owns (or is root), or
    /// to regular, non-set-id files it may read and write (`EPERM` otherwise), as Linux's
    /// `may_linkat`. Off by default, as in Linux.
    pub fn set_protected_hardlinks(&self, on: bool) {
        self.protected_hardlinks.store(on, Ordering::Relaxed);
    }

    /// Current `fs.protected_hardlinks`.
    pub fn protected_hardlinks(&self) -> bool {
        self.protected_hardlinks.load(Ordering::Relaxed)
    }

    /// Linux's `may_linkat` under `fs.protected_hardlinks`.
    fn may_link(&self, cred: &Credentials, old: &dyn Inode) -> Result<()> {
        if !self.protected_hardlinks() {
            return Ok(());
        }
        let m = old.metadata();
        if cred.fsuid == 0 || cred.fsuid == m.uid {
            return Ok(());
        }
        let setid = m.mode & S_ISUID != 0 || (m.mode & S_ISGID != 0 && m.mode & 0o010 != 0);
        let safe = m.file_type() == FileType::Regular
            && !setid
            && check_access(cred, &m, Access::READ | Access::WRITE).is_ok();
        if safe { Ok(()) } else { Err(err(Errno::EPERM)) }
    }

    /// Installs the [`WriteGuard`] (once; later calls are ignored).
    pub fn set_write_guard(&self, guard: WriteGuard) {
        self.write_guard.call_once(|| guard);
    }

    /// Runs the [`WriteGuard`], if any, for a write access to `inode`.
    pub fn may_write_contents(&self, inode: &dyn Inode) -> Result<()> {
        match self.write_guard.get() {
            Some(guard) => guard(inode),
            None => Ok(()),
        }
    }

    /// The root directory of the namespace (of whatever is mounted on top
    /// of `/`): the initial process root and cwd.
    pub fn root(&self) -> Arc<dyn Inode> {
        let root = {
            let t = self.table.read();
            t.by_fs[&t.root_fs].root.clone()
        };
        self.cross_mounts(root)
    }

    // ------------------------------------------------------------------
    // Permissions
    // ------------------------------------------------------------------

    /// Turns permission checking on or off (off by default).
    pub fn set_enforce_permissions(&self, on: bool) {
        self.enforce_permissions.store(on, Ordering::Relaxed);
    }

    /// The permission hook: `Ok` if checks are off, else [`check_access`]
    /// (`EACCES`).
    pub fn permission(&self, cred: &Credentials, inode: &dyn Inode, want: Access) -> Result<()> {
        if !self.enforce_permissions.load(Ordering::Relaxed) {
            return Ok(());
        }
        check_access(cred, &inode.metadata(), want)
    }

    fn may_search(&self, cred: &Credentials, dir: &Arc<dyn Inode>) -> Result<()> {
        self.permission(cred, &**dir, Access::EXEC)
    }

    /// May `cred` add entries to `dir`: `EROFS` on a read-only mount, else
    /// the permission hook (write + search).
    fn may_create(&self, cred: &Credentials, dir: &Arc<dyn Inode>) -> Result<()> {
        if self.is_read_only(&**dir) {
            return Err(err(Errno::EROFS));
        }
        self.permission(cred, &**dir, Access::WRITE | Access::EXEC)
    }

    /// May `cred` remove `victim` from `dir`: [`Self::may_create`], plus
    /// the sticky-bit rule (`EPERM`) when permissions are enforced.
    fn may_delete(&self, cred: &Credentials, dir: &Arc<dyn Inode>, victim: &Arc<dyn Inode>) -> Result<()> {
        self.may_create(cred, dir)?;
        if self.enforce_permissions.load(Ordering::Relaxed) && cred.fsuid != 0 {
            let d = dir.metadata();
            if d.mode & S_ISVTX != 0 && d.uid != cred.fsuid && victim.metadata().uid != cred.fsuid {
                return Err(err(Errno::EPERM));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Mounts
    // ------------------------------------------------------------------

    /// Mounts the filesystem whose root directory is `root` on the
    /// directory `at` (which should come from [`Vfs::resolve`], i.e. with
    /// mounts already crossed; mounting on a mount root stacks on it).
    /// Returns the new mount's id.
    ///
    /// Errors: `ENOTDIR` if `at` or `root` is not a directory, `EBUSY` if
    /// the filesystem of `root` is already mounted (no bind mounts).
    pub fn mount(&self, at: &Arc<dyn Inode>, root: Arc<dyn Inode>, options: MountOptions) -> Result<u64> {
        if !at.is_dir() || !root.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let at = self.cross_mounts(at.clone());
        let mut t = self.table.write();
        if t.by_fs.contains_key(&root.fs_id()) {
            return Err(err(Errno::EBUSY));
        }
        let id = t.next_id;
        t.next_id += 1;
        let fs_id = root.fs_id();
        let key = at.key();
        let mount = Arc::new(Mount { id, root, mountpoint: Some(at), options });
        t.by_fs.insert(fs_id, mount.clone());
        t.by_mountpoint.insert(key, mount);
        Ok(id)
    }

    /// Unmounts the mount whose root directory is `target` (as resolved
    /// from the mount point's path). Returns it, e.g. to sync it.
    ///
    /// Errors: `EINVAL` if `target` is not the root of a mount, `EBUSY` for
    /// the root mount or a mount with other mounts on it.
    pub fn umount(&self, target: &Arc<dyn Inode>) -> Result<Arc<Mount>> {
        let mut t = self.table.write();
        let fs_id = target.fs_id();
        let mount = match t.by_fs.get(&fs_id) {
            Some(m) if m.root.key() == target.key() => m.clone(),
            _ => return Err(err(Errno::EINVAL)),
        };
        let Some(mountpoint) = &mount.mountpoint else {
            return Err(err(Errno::EBUSY));
        };
        if t.by_mountpoint.keys().any(|k| k.fs_id == fs_id) {
            return Err(err(Errno::EBUSY));
        }
        t.by_mountpoint.remove(&mountpoint.key());
        t.by_fs.remove(&fs_id);
        Ok(mount)
    }

    /// Changes how the mount whose root directory is `root` is mounted
    /// (`MS_REMOUNT`): `update` edits a copy of its options, which then
    /// replaces them (a later [`Vfs::is_read_only`] sees the new flags).
    ///
    /// Errors: `EINVAL` if `root` is not the root of a mount.
    pub fn remount(&self, root: &Arc<dyn Inode>, update: impl FnOnce(&mut MountOptions)) -> Result<()> {
        let mut t = self.table.write();
        let fs_id = root.fs_id();
        let old = match t.by_fs.get(&fs_id) {
            Some(m) if m.root.key() == root.key() => m.clone(),
            _ => return Err(err(Errno::EINVAL)),
        };
        let mut options = old.options.clone();
        update(&mut options);
        let new = Arc::new(Mount { id: old.id, root: old.root.clone(), mountpoint: old.mountpoint.clone(), options });
        if let Some(mp) = &new.mountpoint {
            t.by_mountpoint.insert(mp.key(), new.clone());
        }
        t.by_fs.insert(fs_id, new);
        Ok(())
    }

    /// Every mount, by increasing id (for `/proc/mounts`; see
    /// [`Vfs::path_of`] for the mount point paths).
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        let mut v: Vec<_> = self.table.read().by_fs.values().cloned().collect();
        v.sort_by_key(|m| m.id);
        v
    }

    /// The mount `inode` is on, if its filesystem is mounted.
    pub fn mount_of(&self, inode: &dyn Inode) -> Option<Arc<Mount>> {
        self.table.read().by_fs.get(&inode.fs_id()).cloned()
    }

    /// True if something is mounted on `dir`.
    pub fn is_mountpoint(&self, dir: &dyn Inode) -> bool {
        let t = self.table.read();
        !t.by_mountpoint.is_empty() && t.by_mountpoint.contains_key(&dir.key())
    }

    /// True if `inode` is on a read-only mount.
    pub fn is_read_only(&self, inode: &dyn Inode) -> bool {
        self.mount_of(inode).is_some_and(|m| m.options.flags & MS_RDONLY != 0)
    }

    /// `inode`, or the root of what is mounted on it (repeatedly, for
    /// stacked mounts).
    pub fn cross_mounts(&self, mut inode: Arc<dyn Inode>) -> Arc<dyn Inode> {
        let t = self.table.read();
        if t.by_mountpoint.is_empty() {
            return inode;
        }
        while let Some(m) = t.by_mountpoint.get(&inode.key()) {
            inode = m.root.clone();
        }
        inode
    }

    /// The directory a mount root covers, if `dir` is the root of a
    /// non-root mount.
    fn covered_by(&self, dir: &dyn Inode) -> Option<Arc<dyn Inode>> {
        let t = self.table.read();
        let m = t.by_fs.get(&dir.fs_id())?;
        if m.root.key() == dir.key() { m.mountpoint.clone() } else { None }
    }

    /// `..` of `dir` under process root `root`.
    async fn dotdot(&self, root: &Arc<dyn Inode>, dir: &Arc<dyn Inode>) -> Result<Arc<dyn Inode>> {
        let mut cur = dir.clone();
        loop {
            if same_inode(&*cur, &**root) {
                return Ok(self.cross_mounts(cur));
            }
            match self.covered_by(&*cur) {
                Some(mp) => cur = mp,
                None => break,
            }
        }
        let parent = cur.lookup("..").await?;
        Ok(self.cross_mounts(parent))
    }

    // ------------------------------------------------------------------
    // Resolution
    // ------------------------------------------------------------------

    /// Resolves `path` (`namei`): absolute paths start at `cx.root`,
    /// relative ones at `cx.cwd`; `.` and `..` as in Linux (`..` never
    /// leaves `cx.root` and crosses mount points); repeated slashes are one;
    /// mounts are crossed. Symlinks are followed in the middle of the path,
    /// and as the last component if `follow_last_symlink` or the path ends
    /// with `/`.
    ///
    /// Errors: `ENOENT` for an empty path, a missing component or an empty
    /// symlink target; `ENOTDIR` if a non-final component (or the start
    /// directory of a relative path) is not a directory, or the path ends
    /// with `/` and does not name a directory; `ENAMETOOLONG` for a
    /// component over [`NAME_MAX`] or a path of [`PATH_MAX`] bytes or more;
    /// `ELOOP` past [`MAXSYMLINKS`] symlinks; `EACCES` from the permission
    /// hook; I/O errors of the filesystems.
    pub async fn resolve(&self, cx: &PathCtx<'_>, path: &str, follow_last_symlink: bool) -> Result<Arc<dyn Inode>> {
        let mut w = Walker::new(self, cx, path)?;
        loop {
            let Some(last) = w.walk_to_last().await? else {
                return Ok(w.cur);
            };
            let next = w.step(&last).await?;
            if next.file_type() == FileType::Symlink && (follow_last_symlink || last.trailing) {
                w.follow(&next, last.trailing).await?;
                continue;
            }
            if last.trailing && !next.is_dir() {
                return Err(err(Errno::ENOTDIR));
            }
            return Ok(next);
        }
    }

    /// Resolves all of `path` but its last component, which is returned
    /// with the directory it is in (for create, unlink, rename, ...). The
    /// last component is not looked up; a final symlink is not followed.
    ///
    /// Errors: as [`Vfs::resolve`] for the walk; `ENOTDIR` if the
    /// directory reached is not one (e.g. a relative path from a `dirfd`
    /// that is a file); `ENAMETOOLONG` if the last component is too long.
    pub async fn resolve_parent(&self, cx: &PathCtx<'_>, path: &str) -> Result<Parent> {
        let mut w = Walker::new(self, cx, path)?;
        let last = w.walk_to_last().await?;
        if !w.cur.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let (name, kind, trailing_slash) = match last {
            None => ("/".to_owned(), LastKind::Root, false),
            Some(c) => {
                let kind = match c.name.as_str() {
                    "." => LastKind::Dot,
                    ".." => LastKind::DotDot,
                    n if n.len() > NAME_MAX => return Err(err(Errno::ENAMETOOLONG)),
                    _ => LastKind::Normal,
                };
                (c.name, kind, c.trailing)
            }
        };
        Ok(Parent { dir: w.cur, name, kind, trailing_slash })
    }

    /// The absolute path of directory `dir` as seen from process root
    /// `root` (getcwd). A directory outside `root` gets the prefix
    /// `"(unreachable)"`, as Linux does.
    ///
    /// Errors: `ENOENT` if `dir` or an ancestor was removed; `ENOTDIR` if
    /// `dir` is not a directory; I/O errors.
    pub async fn path_of(&self, root: &Arc<dyn Inode>, dir: &Arc<dyn Inode>) -> Result<String> {
        if !dir.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        let mut names: Vec<String> = Vec::new();
        let mut cur = dir.clone();
        let mut reachable = true;
        loop {
            if same_inode(&*cur, &**root) {
                break;
            }
            if let Some(mp) = self.covered_by(&*cur) {
                cur = mp;
                continue;
            }
            let parent = cur.lookup("..").await?;
            if same_inode(&*parent, &*cur) {
                reachable = false;
                break;
            }
            names.push(Self::name_in(&parent, cur.ino()).await?);
            cur = parent;
        }
        let mut path = String::new();
        if !reachable {
            path.push_str("(unreachable)");
        }
        for name in names.iter().rev() {
            path.push('/');
            path.push_str(name);
        }
        if path.is_empty() || !reachable && names.is_empty() {
            path.push('/');
        }
        Ok(path)
    }

    /// The name of inode `ino` in directory `dir` (`ENOENT` if absent).
    async fn name_in(dir: &Arc<dyn Inode>, ino: u64) -> Result<String> {
        let mut offset = 0;
        while let Some((entry, next)) = dir.readdir(offset).await? {
            if entry.ino == ino && entry.name != "." && entry.name != ".." {
                return Ok(entry.name);
            }
            offset = next;
        }
        Err(err(Errno::ENOENT))
    }

    // ------------------------------------------------------------------
    // Namespace operations
    // ------------------------------------------------------------------

    /// Owner, group and permission bits of a new inode in `dir` (Linux's
    /// `inode_init_owner`): the caller's fs ids, except that a set-group-ID
    /// directory gives its group (and, to new directories, its set-group-ID
    /// bit).
    fn new_owner(cx: &PathCtx<'_>, dir: &Arc<dyn Inode>, perm: u32, is_dir: bool) -> (u32, u32, u32) {
        let d = dir.metadata();
        if d.mode & S_ISGID != 0 {
            let perm = if is_dir { perm | S_ISGID } else { perm };
            (cx.cred.fsuid, d.gid, perm)
        } else {
            (cx.cred.fsuid, cx.cred.fsgid, perm)
        }
    }

    /// The common start of mkdir / mknod / symlink / link (`filename_create`):
    /// the parent directory and the new name, checked not to exist.
    ///
    /// Errors: `EEXIST` if the name exists or is `.`, `..` or `/`;
    /// `ENOENT` for a trailing slash unless `want_dir`; `EROFS`; the
    /// walk's errors.
    async fn prepare_create(&self, cx: &PathCtx<'_>, path: &str, want_dir: bool) -> Result<(Arc<dyn Inode>, String)> {
        let p = self.resolve_parent(cx, path).await?;
        if p.kind != LastKind::Normal {
            return Err(err(Errno::EEXIST));
        }
        self.may_search(cx.cred, &p.dir)?;
        match p.dir.lookup(&p.name).await {
            Ok(_) => return Err(err(Errno::EEXIST)),
            Err(e) if e.errno == Errno::ENOENT => {}
            Err(e) => return Err(e),
        }
        if p.trailing_slash && !want_dir {
            return Err(err(Errno::ENOENT));
        }
        self.may_create(cx.cred, &p.dir)?;
        Ok((p.dir, p.name))
    }

    /// `mkdir`: creates directory `path` with permission bits
    /// `mode & 0o1777 & !umask`.
    ///
    /// Errors: `EEXIST` (also for `.`, `..`, `/`), `ENOENT` if a parent is
    /// missing, `ENOTDIR`, `EROFS`, `ENOSPC`, `EACCES`, walk errors.
    pub async fn mkdir(&self, cx: &PathCtx<'_>, path: &str, mode: u32) -> Result<Arc<dyn Inode>> {
        let (dir, name) = self.prepare_create(cx, path, true).await?;
        let perm = mode & 0o1777 & !cx.umask;
        let (uid, gid, perm) = Self::new_owner(cx, &dir, perm, true);
        dir.create(&name, FileType::Directory, perm, uid, gid, 0).await
    }

    /// `mknod`: creates a regular file, device node, fifo or socket with
    /// permission bits `mode & 0o7777 & !umask`.
    ///
    /// Errors: `EINVAL` if `kind` is a directory or symlink, `EEXIST`,
    /// `ENOENT` (also for a trailing slash), `EROFS`, walk errors.
    pub async fn mknod(
        &self,
        cx: &PathCtx<'_>,
        path: &str,
        kind: FileType,
        mode: u32,
        rdev: u64,
    ) -> Result<Arc<dyn Inode>> {
        if matches!(kind, FileType::Directory | FileType::Symlink) {
            return Err(err(Errno::EINVAL));
        }
        let (dir, name) = self.prepare_create(cx, path, false).await?;
        let perm = mode & 0o7777 & !cx.umask;
        let (uid, gid, perm) = Self::new_owner(cx, &dir, perm, false);
        dir.create(&name, kind, perm, uid, gid, rdev).await
    }

    /// `symlink`: creates `path` as a symlink to `target`.
    ///
    /// Errors: `ENOENT` if `target` is empty (or a trailing slash on
    /// `path`), `EEXIST`, `ENAMETOOLONG`, `EROFS`, walk errors.
    pub async fn symlink(&self, cx: &PathCtx<'_>, target: &str, path: &str) -> Result<Arc<dyn Inode>> {
        if target.is_empty() {
            return Err(err(Errno::ENOENT));
        }
        if target.len() >= PATH_MAX {
            return Err(err(Errno::ENAMETOOLONG));
        }
        let (dir, name) = self.prepare_create(cx, path, false).await?;
        let (uid, gid, _) = Self::new_owner(cx, &dir, 0o777, false);
        dir.symlink(&name, target, uid, gid).await
    }

    /// `linkat`: gives the file at `old_path` the new name `new_path`;
    /// `follow` (`AT_SYMLINK_FOLLOW`) links a final symlink's target
    /// rather than the symlink.
    ///
    /// Errors: the walk errors of both paths, `EEXIST` if `new_path`
    /// exists, `EXDEV` across mounts, `EPERM` if the old file is a
    /// directory, `ENOENT` if it was unlinked, `EROFS`.
    pub async fn link(
        &self,
        old_cx: &PathCtx<'_>,
        old_path: &str,
        new_cx: &PathCtx<'_>,
        new_path: &str,
        follow: bool,
    ) -> Result<()> {
        let old = self.resolve(old_cx, old_path, follow).await?;
        let (dir, name) = self.prepare_create(new_cx, new_path, false).await?;
        if old.fs_id() != dir.fs_id() {
            return Err(err(Errno::EXDEV));
        }
        self.may_link(new_cx.cred, &*old)?;
        if old.is_dir() {
            return Err(err(Errno::EPERM));
        }
        dir.link(&name, &old).await
    }

    /// `unlink`: removes the non-directory `path`.
    ///
    /// Errors: `EISDIR` if it is a directory (or `.`, `..`, `/`);
    /// `ENOTDIR` for a trailing slash on a non-directory; `ENOENT`;
    /// `EBUSY` if it is a mount point; `EROFS`; `EPERM` (sticky
    /// directory); walk errors.
    pub async fn unlink(&self, cx: &PathCtx<'_>, path: &str) -> Result<()> {
        let p = self.resolve_parent(cx, path).await?;
        if p.kind != LastKind::Normal {
            return Err(err(Errno::EISDIR));
        }
        self.may_search(cx.cred, &p.dir)?;
        let victim = p.dir.lookup(&p.name).await?;
        if victim.is_dir() {
            return Err(err(Errno::EISDIR));
        }
        if p.trailing_slash {
            return Err(err(Errno::ENOTDIR));
        }
        self.may_delete(cx.cred, &p.dir, &victim)?;
        if self.is_mountpoint(&*victim) {
            return Err(err(Errno::EBUSY));
        }
        p.dir.unlink(&p.name).await
    }

    /// `rmdir`: removes the empty directory `path`.
    ///
    /// Errors: `EINVAL` for a last component `.`, `ENOTEMPTY` for `..` or
    /// a non-empty directory, `EBUSY` for `/` or a mount point, `ENOTDIR`
    /// if not a directory, `ENOENT`, `EROFS`, `EPERM` (sticky), walk
    /// errors.
    pub async fn rmdir(&self, cx: &PathCtx<'_>, path: &str) -> Result<()> {
        let p = self.resolve_parent(cx, path).await?;
        match p.kind {
            LastKind::Normal => {}
            LastKind::Dot => return Err(err(Errno::EINVAL)),
            LastKind::DotDot => return Err(err(Errno::ENOTEMPTY)),
            LastKind::Root => return Err(err(Errno::EBUSY)),
        }
        self.may_search(cx.cred, &p.dir)?;
        let victim = p.dir.lookup(&p.name).await?;
        if !victim.is_dir() {
            return Err(err(Errno::ENOTDIR));
        }
        self.may_delete(cx.cred, &p.dir, &victim)?;
        if self.is_mountpoint(&*victim) {
            return Err(err(Errno::EBUSY));
        }
        p.dir.rmdir(&p.name).await
    }

    /// `renameat2`: renames `old_path` to `new_path`; `flags` is
    /// `RENAME_NOREPLACE` / `RENAME_EXCHANGE` (see [`Inode::rename`]).
    ///
    /// Errors: `EINVAL` for bad flags or moving a directory into itself,
    /// `EXDEV` across mounts, `EBUSY` for `.`/`..`/`/` as a last
    /// component (`EEXIST` for the new one with `RENAME_NOREPLACE`) or a
    /// mount point, `ENOENT`, `EEXIST`, `ENOTDIR` (also for a trailing
    /// slash on a non-directory), `EISDIR`, `ENOTEMPTY`, `EROFS`, `EPERM`
    /// (sticky), walk errors.
    pub async fn rename(
        &self,
        old_cx: &PathCtx<'_>,
        old_path: &str,
        new_cx: &PathCtx<'_>,
        new_path: &str,
        flags: u32,
    ) -> Result<()> {
        let rflags = RenameFlags::from_bits(flags).ok_or(err(Errno::EINVAL))?;
        if rflags.contains(RenameFlags::RENAME_NOREPLACE | RenameFlags::RENAME_EXCHANGE)
            || rflags.contains(RenameFlags::RENAME_WHITEOUT)
        {
            return Err(err(Errno::EINVAL));
        }
        let exchange = rflags.contains(RenameFlags::RENAME_EXCHANGE);
        let noreplace = rflags.contains(RenameFlags::RENAME_NOREPLACE);
        let op = self.resolve_parent(old_cx, old_path).await?;
        let np = self.resolve_parent(new_cx, new_path).await?;
        if op.dir.fs_id() != np.dir.fs_id() {
            return Err(err(Errno::EXDEV));
        }
        if op.kind != LastKind::Normal {
            return Err(err(Errno::EBUSY));
        }
        if np.kind != LastKind::Normal {
            return Err(err(if noreplace { Errno::EEXIST } else { Errno::EBUSY }));
        }
        if self.is_read_only(&*op.dir) {
            return Err(err(Errno::EROFS));
        }
        self.may_search(old_cx.cred, &op.dir)?;
        self.may_search(new_cx.cred, &np.dir)?;
        let old = op.dir.lookup(&op.name).await?;
        let new = match np.dir.lookup(&np.name).await {
            Ok(n) => Some(n),
            Err(e) if e.errno == Errno::ENOENT => None,
            Err(e) => return Err(e),
        };
        if exchange && new.is_none() {
            return Err(err(Errno::ENOENT));
        }
        if noreplace && new.is_some() {
            return Err(err(Errno::EEXIST));
        }
        if !old.is_dir() && (op.trailing_slash || (!exchange && np.trailing_slash)) {
            return Err(err(Errno::ENOTDIR));
        }
        if exchange
            && let Some(n) = &new
            && !n.is_dir()
            && np.trailing_slash
        {
            return Err(err(Errno::ENOTDIR));
        }
        self.may_delete(old_cx.cred, &op.dir, &old)?;
        match &new {
            Some(n) => self.may_delete(new_cx.cred, &np.dir, n)?,
            None => self.may_create(new_cx.cred, &np.dir)?,
        }
        if self.is_mountpoint(&*old) || new.as_ref().is_some_and(|n| self.is_mountpoint(&**n)) {
            return Err(err(Errno::EBUSY));
        }
        op.dir.rename(&op.name, &np.dir, &np.name, flags).await
    }

    /// `open` / `openat`: resolves (and with `O_CREAT` creates) the file
    /// `path` and returns it with whether it was created. Handles
    /// `O_CREAT`, `O_EXCL`, `O_DIRECTORY`, `O_NOFOLLOW`, `O_PATH` and
    /// `O_TRUNC` (regular files only); the other flags are the caller's.
    /// A new file gets permission bits `mode & 0o7777 & !umask`. A dangling
    /// final symlink is followed and its target created (unless `O_EXCL`).
    ///
    /// Errors: `EINVAL` for `O_CREAT | O_DIRECTORY`; `EOPNOTSUPP` for
    /// `O_TMPFILE` (use `Tmpfs::create_unlinked`); `EEXIST` with
    /// `O_CREAT | O_EXCL` if it exists (even as a symlink); `EISDIR` for
    /// `O_CREAT` on a directory or a path ending in `/`, and for writing (or
    /// `O_TRUNC` on) a directory; `ENOTDIR` for `O_DIRECTORY` on a non-directory; `ELOOP`
    /// for `O_NOFOLLOW` on a symlink (without `O_PATH`); `EROFS` to write,
    /// create or truncate on a read-only mount; `EACCES`; walk errors.
    pub async fn open(
        &self,
        cx: &PathCtx<'_>,
        path: &str,
        flags: OpenFlags,
        mode: u32,
    ) -> Result<(Arc<dyn Inode>, bool)> {
        let mut flags = flags;
        if flags.contains(OpenFlags::O_PATH) {
            flags &= OpenFlags::O_PATH | OpenFlags::O_DIRECTORY | OpenFlags::O_NOFOLLOW | OpenFlags::O_CLOEXEC;
        }
        if flags.contains(OpenFlags::O_TMPFILE) {
            return Err(err(Errno::EOPNOTSUPP));
        }
        if flags.contains(OpenFlags::O_CREAT | OpenFlags::O_DIRECTORY) {
            return Err(err(Errno::EINVAL));
        }
        let nofollow = flags.contains(OpenFlags::O_NOFOLLOW);
        if !flags.contains(OpenFlags::O_CREAT) {
            let inode = self.resolve(cx, path, !nofollow).await?;
            if flags.contains(OpenFlags::O_DIRECTORY) && !inode.is_dir() {
                return Err(err(Errno::ENOTDIR));
            }
            if inode.file_type() == FileType::Symlink && !flags.contains(OpenFlags::O_PATH) {
                return Err(err(Errno::ELOOP));
            }
            self.finish_open(cx, &inode, flags).await?;
            return Ok((inode, false));
        }

        let mut w = Walker::new(self, cx, path)?;
        loop {
            let last = w.walk_to_last().await?;
            if !w.cur.is_dir() {
                return Err(err(Errno::ENOTDIR));
            }
            let Some(last) = last else {
                return Err(err(Errno::EISDIR));
            };
            if last.name == "." || last.name == ".." || last.trailing {
                return Err(err(Errno::EISDIR));
            }
            if last.name.len() > NAME_MAX {
                return Err(err(Errno::ENAMETOOLONG));
            }
            self.may_search(cx.cred, &w.cur)?;
            match w.cur.lookup(&last.name).await {
                Ok(found) => {
                    let inode = self.cross_mounts(found);
                    if flags.contains(OpenFlags::O_EXCL) {
                        return Err(err(Errno::EEXIST));
                    }
                    if inode.file_type() == FileType::Symlink {
                        if nofollow {
                            return Err(err(Errno::ELOOP));
                        }
                        w.follow(&inode, false).await?;
                        continue;
                    }
                    if inode.is_dir() {
                        return Err(err(Errno::EISDIR));
                    }
                    self.finish_open(cx, &inode, flags).await?;
                    return Ok((inode, false));
                }
                Err(e) if e.errno == Errno::ENOENT => {
                    self.may_create(cx.cred, &w.cur)?;
                    let perm = mode & 0o7777 & !cx.umask;
                    let (uid, gid, perm) = Self::new_owner(cx, &w.cur, perm, false);
                    let inode = w.cur.create(&last.name, FileType::Regular, perm, uid, gid, 0).await?;
                    return Ok((inode, true));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Checks access to an opened existing inode and applies `O_TRUNC`.
    async fn finish_open(&self, cx: &PathCtx<'_>, inode: &Arc<dyn Inode>, flags: OpenFlags) -> Result<()> {
        if flags.contains(OpenFlags::O_PATH) {
            return Ok(());
        }
        let kind = inode.file_type();
        // As Linux: O_TRUNC asks for write access whatever the access mode.
        let write = flags.writable() || flags.contains(OpenFlags::O_TRUNC);
        if kind.is_dir() && write {
            return Err(err(Errno::EISDIR));
        }
        if write && kind == FileType::Regular && self.is_read_only(&**inode) {
            return Err(err(Errno::EROFS));
        }
        let mut want = Access::empty();
        if flags.readable() {
            want |= Access::READ;
        }
        if write {
            want |= Access::WRITE;
        }
        self.permission(cx.cred, &**inode, want)?;
        if write && kind == FileType::Regular {
            self.may_write_contents(&**inode)?;
        }
        if flags.contains(OpenFlags::O_TRUNC) && kind == FileType::Regular {
            inode.setattr_async(&SetAttr { size: Some(0), ..SetAttr::default() }).await?;
        }
        Ok(())
    }
}
