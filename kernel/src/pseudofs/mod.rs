//! Pseudo filesystems: `proc` ([`procfs`]), `sysfs` ([`sysfs`]), `devtmpfs` ([`devfs`]) and
//! `devpts` ([`devpts`]),
//! and the small node framework the first two are built from.
//!
//! A pseudo filesystem is a tree of [`Node`]s generated on demand: a directory lists its
//! children when asked (so `/proc` lists the pids alive at that moment), a file produces its
//! whole contents at each read and the read takes the slice at its offset (Linux's
//! `seq_file` without the per-open buffer), and a symlink computes its target when read.
//! Nodes carry no state of their own; inode numbers are a hash of the node's path inside its
//! filesystem, so a node looked up twice is the same inode for the VFS (mount points,
//! getcwd's name search by inode number).
//!
//! Generators run in the context of the caller (the thread whose syscall is being polled):
//! [`current_thread`] is how `/proc/self` knows who asks. This module must not keep
//! references to processes: generators look them up by pid each time.

pub mod devfs;
pub mod devpts;
pub mod procfs;
pub mod sysfs;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use kairos_abi::types::{ST_VALID, StatFs, Timespec};
use kairos_abi::{Errno, Error, Result};
use kairos_fs::vfs::{BoxFuture, DirEntry, FileType, Inode, Metadata, NAME_MAX, SetAttr, alloc_fs_id, makedev, ready};

use crate::proc::Thread;

/// The filesystem clock: CLOCK_REALTIME (for the tmpfs instances: root, devtmpfs, tmpfs
/// mounts).
pub struct RealtimeClock;

impl kairos_fs::vfs::Clock for RealtimeClock {
    fn now(&self) -> Timespec {
        Timespec::from_nanos(crate::time::realtime_ns())
    }
}

/// Linux's default tmpfs limits: half of RAM for data, as many inodes as half of the RAM
/// pages (what `df` shows for `/`, `/dev` and a tmpfs mounted without `size=`).
pub fn default_tmpfs_options() -> kairos_fs::tmpfs::TmpfsOptions {
    let pages = crate::mm::frame::stats().0;
    kairos_fs::tmpfs::TmpfsOptions {
        max_bytes: Some(pages * 4096 / 2),
        max_inodes: Some(pages / 2),
        ..kairos_fs::tmpfs::TmpfsOptions::default()
    }
}

/// The thread whose syscall the executor is running now (the caller of the filesystem
/// operation), found by executor task id.
pub fn current_thread() -> Option<Arc<Thread>> {
    let task = crate::sched::try_spawner()?.current_task()?.as_u64();
    crate::proc::process::all_processes()
        .iter()
        .flat_map(|p| p.threads())
        .find(|t| t.task_id.load(core::sync::atomic::Ordering::Relaxed) == task)
}

/// One pseudo filesystem instance: its id, device number and `statfs` magic.
pub struct PseudoFs {
    id: u64,
    dev: u64,
    magic: i64,
    created: Timespec,
    /// What creating an entry fails with (proc: ENOENT, sysfs: EPERM).
    create_errno: Errno,
}

impl PseudoFs {
    /// A new instance reporting `magic` in `statfs`, refusing new entries with
    /// `create_errno`.
    pub fn new(magic: i64, create_errno: Errno) -> Arc<PseudoFs> {
        let id = alloc_fs_id();
        Arc::new(PseudoFs {
            id,
            dev: makedev(0, (id & 0xf_ffff) as u32),
            magic,
            created: Timespec::from_nanos(crate::time::realtime_ns()),
            create_errno,
        })
    }

    /// The device number of the instance (`st_dev`).
    pub fn dev(&self) -> u64 {
        self.dev
    }
}

/// Produces a file's whole contents.
pub type ReadFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Vec<u8>>> + Send + Sync>;
/// Consumes one `write` to a file; returns the count taken.
pub type WriteFn = Arc<dyn Fn(&[u8]) -> Result<usize> + Send + Sync>;
/// Produces a symlink's target.
pub type LinkFn = Arc<dyn Fn() -> BoxFuture<'static, Result<String>> + Send + Sync>;
/// Lists a directory's children (the node passed is the directory itself).
pub type ListFn = Arc<dyn Fn(&Arc<Node>) -> Vec<Arc<Node>> + Send + Sync>;
/// Finds one child by name without listing them all (optional fast path; `None` = absent).
pub type LookupFn = Arc<dyn Fn(&Arc<Node>, &str) -> Option<Arc<Node>> + Send + Sync>;

/// What a node is.
pub enum Content {
    /// A directory.
    Dir {
        /// Its children.
        list: ListFn,
        /// A direct lookup for names `list` does not show (e.g. `/proc/TID` of threads).
        lookup: Option<LookupFn>,
    },
    /// A regular file.
    File {
        /// Its contents.
        read: ReadFn,
        /// What a write does (None: EINVAL, as Linux for files without a write method).
        write: Option<WriteFn>,
    },
    /// A symlink.
    Link(LinkFn),
}

/// A node of a pseudo filesystem.
pub struct Node {
    me: Weak<Node>,
    fs: Arc<PseudoFs>,
    /// The name in its parent ("/" for the root).
    pub name: String,
    path: String,
    ino: u64,
    mode: u32,
    owner: (u32, u32),
    parent: Option<Arc<Node>>,
    content: Content,
}

/// FNV-1a of `s`: stable inode numbers from paths (never 0 or 1; 1 is the root).
fn path_ino(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Below 2^31 like Linux's proc inode numbers, so 32-bit readers are happy.
    (h & 0x7fff_ffff).max(2)
}

impl Node {
    /// The root directory of `fs`.
    pub fn root(fs: &Arc<PseudoFs>, perm: u32, list: ListFn, lookup: Option<LookupFn>) -> Arc<Node> {
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            fs: fs.clone(),
            name: String::from("/"),
            path: String::new(),
            ino: 1,
            mode: FileType::Directory.mode_bits() | perm,
            owner: (0, 0),
            parent: None,
            content: Content::Dir { list, lookup },
        })
    }

    /// A child of `parent` of type `kind` with permission bits `perm`, owned by `owner` (by
    /// default its parent's owner).
    pub fn new_child(
        parent: &Arc<Node>,
        name: &str,
        kind: FileType,
        perm: u32,
        owner: Option<(u32, u32)>,
        content: Content,
    ) -> Arc<Node> {
        let path = alloc::format!("{}/{}", parent.path, name);
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            fs: parent.fs.clone(),
            name: String::from(name),
            ino: path_ino(&path),
            path,
            mode: kind.mode_bits() | perm,
            owner: owner.unwrap_or(parent.owner),
            parent: Some(parent.clone()),
            content,
        })
    }

    /// A subdirectory of `parent`.
    pub fn dir(parent: &Arc<Node>, name: &str, perm: u32, list: ListFn) -> Arc<Node> {
        Node::new_child(parent, name, FileType::Directory, perm, None, Content::Dir { list, lookup: None })
    }

    /// A read-only (or, with `write`, writable) file of `parent`.
    pub fn file(parent: &Arc<Node>, name: &str, perm: u32, read: ReadFn, write: Option<WriteFn>) -> Arc<Node> {
        Node::new_child(parent, name, FileType::Regular, perm, None, Content::File { read, write })
    }

    /// A file whose contents come from a synchronous generator.
    pub fn text(
        parent: &Arc<Node>,
        name: &str,
        perm: u32,
        f: impl Fn() -> Result<String> + Send + Sync + 'static,
    ) -> Arc<Node> {
        let f = Arc::new(f);
        Node::file(parent, name, perm, Arc::new(move || ready(f().map(String::into_bytes))), None)
    }

    /// A fixed-content read-only file.
    pub fn constant(parent: &Arc<Node>, name: &str, value: &str) -> Arc<Node> {
        let value = String::from(value);
        Node::text(parent, name, 0o444, move || Ok(value.clone()))
    }

    /// A symlink of `parent`.
    pub fn link(parent: &Arc<Node>, name: &str, target: LinkFn) -> Arc<Node> {
        Node::new_child(parent, name, FileType::Symlink, 0o777, None, Content::Link(target))
    }

    /// A symlink with a fixed target.
    pub fn fixed_link(parent: &Arc<Node>, name: &str, target: &str) -> Arc<Node> {
        let target = String::from(target);
        Node::link(parent, name, Arc::new(move || ready(Ok(target.clone()))))
    }

    /// The children of a directory (empty for other nodes).
    fn children(&self) -> Vec<Arc<Node>> {
        match (&self.content, self.me.upgrade()) {
            (Content::Dir { list, .. }, Some(me)) => list(&me),
            _ => Vec::new(),
        }
    }
}

impl Node {
    /// The errno of creating an entry here: ENOTDIR in a non-directory, else the
    /// filesystem's.
    fn refuse_create(&self) -> Error {
        if matches!(self.content, Content::Dir { .. }) {
            Error::new(self.fs.create_errno)
        } else {
            Error::new(Errno::ENOTDIR)
        }
    }
}

/// A directory listing built by `build` each time it is listed.
pub fn list_fn(build: impl Fn(&Arc<Node>) -> Vec<Arc<Node>> + Send + Sync + 'static) -> ListFn {
    Arc::new(build)
}

impl Inode for Node {
    fn metadata(&self) -> Metadata {
        let nlink = if matches!(self.content, Content::Dir { .. }) { 2 } else { 1 };
        Metadata {
            dev: self.fs.dev,
            ino: self.ino,
            mode: self.mode,
            nlink,
            uid: self.owner.0,
            gid: self.owner.1,
            rdev: 0,
            size: 0,
            blksize: 1024,
            blocks: 0,
            atime: self.fs.created,
            mtime: self.fs.created,
            ctime: self.fs.created,
            btime: None,
        }
    }

    fn fs_id(&self) -> u64 {
        self.fs.id
    }

    fn ino(&self) -> u64 {
        self.ino
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        // Like /proc/sys: no owner or mode changes; a truncation (O_TRUNC) is accepted and
        // does nothing, so `echo x > file` works.
        if attr.mode.is_some() || attr.uid.is_some() || attr.gid.is_some() {
            return Err(Error::new(Errno::EPERM));
        }
        Ok(())
    }

    fn read_at<'a>(&'a self, offset: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<usize>> {
        match &self.content {
            Content::File { read, .. } => {
                let contents = read();
                Box::pin(async move {
                    let data = contents.await?;
                    let off = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
                    let n = buf.len().min(data.len() - off);
                    buf[..n].copy_from_slice(&data[off..off + n]);
                    Ok(n)
                })
            }
            Content::Dir { .. } => ready(Err(Error::new(Errno::EISDIR))),
            Content::Link(_) => ready(Err(Error::new(Errno::EINVAL))),
        }
    }

    fn write_at<'a>(&'a self, _offset: u64, buf: &'a [u8]) -> BoxFuture<'a, Result<usize>> {
        match &self.content {
            Content::File { write: Some(w), .. } => ready(w(buf)),
            Content::Dir { .. } => ready(Err(Error::new(Errno::EISDIR))),
            _ => ready(Err(Error::new(Errno::EINVAL))),
        }
    }

    fn lookup<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let Content::Dir { lookup, .. } = &self.content else {
            return ready(Err(Error::new(Errno::ENOTDIR)));
        };
        if name.len() > NAME_MAX {
            return ready(Err(Error::new(Errno::ENAMETOOLONG)));
        }
        if name == ".." {
            let up: Option<Arc<dyn Inode>> = match &self.parent {
                Some(p) => Some(p.clone()),
                None => self.me.upgrade().map(|m| m as Arc<dyn Inode>),
            };
            return ready(up.ok_or(Error::new(Errno::ENOENT)));
        }
        let Some(me) = self.me.upgrade() else {
            return ready(Err(Error::new(Errno::ENOENT)));
        };
        let found = match lookup.as_ref().and_then(|l| l(&me, name)) {
            Some(n) => Some(n),
            None => self.children().into_iter().find(|c| c.name == name),
        };
        ready(found.map(|n| n as Arc<dyn Inode>).ok_or(Error::new(Errno::ENOENT)))
    }

    fn create<'a>(
        &'a self,
        _name: &'a str,
        _kind: FileType,
        _mode: u32,
        _uid: u32,
        _gid: u32,
        _rdev: u64,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        ready(Err(self.refuse_create()))
    }

    fn symlink<'a>(
        &'a self,
        _name: &'a str,
        _target: &'a str,
        _uid: u32,
        _gid: u32,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        ready(Err(self.refuse_create()))
    }

    fn link<'a>(&'a self, _name: &'a str, _target: &'a Arc<dyn Inode>) -> BoxFuture<'a, Result<()>> {
        ready(Err(self.refuse_create()))
    }

    fn readlink<'a>(&'a self) -> BoxFuture<'a, Result<String>> {
        match &self.content {
            Content::Link(f) => f(),
            _ => ready(Err(Error::new(Errno::EINVAL))),
        }
    }

    fn readdir<'a>(&'a self, offset: u64) -> BoxFuture<'a, Result<Option<(DirEntry, u64)>>> {
        if !matches!(self.content, Content::Dir { .. }) {
            return ready(Err(Error::new(Errno::ENOTDIR)));
        }
        let entry = match offset {
            0 => Some(DirEntry { ino: self.ino, kind: FileType::Directory, name: String::from(".") }),
            1 => Some(DirEntry {
                ino: self.parent.as_ref().map_or(self.ino, |p| p.ino),
                kind: FileType::Directory,
                name: String::from(".."),
            }),
            n => self.children().into_iter().nth((n - 2) as usize).map(|c| DirEntry {
                ino: c.ino,
                kind: c.metadata().file_type(),
                name: c.name.clone(),
            }),
        };
        ready(Ok(entry.map(|e| (e, offset + 1))))
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            f_type: self.fs.magic,
            f_bsize: 4096,
            f_frsize: 4096,
            f_namelen: NAME_MAX as i64,
            f_flags: ST_VALID,
            f_fsid: [0, 0],
            ..StatFs::default()
        })
    }
}
