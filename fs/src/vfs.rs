//! The VFS object model: the [`Inode`] trait every filesystem implements
//! (tmpfs here; ext4, devfs, procfs, pipes and ttys elsewhere), and the plain
//! data that crosses it: [`FileType`], [`Metadata`], [`SetAttr`],
//! [`DirEntry`], the [`Clock`] filesystems stamp times with, the
//! [`Credentials`] / [`check_access`] permission hook, inode identity
//! ([`InodeKey`], [`same_inode`]), filesystem ids ([`alloc_fs_id`]),
//! device-number helpers ([`makedev`]) and the extended-attribute rules
//! filesystems and the kernel share ([`xattr_namespace`],
//! [`check_xattr_access`]).
//!
//! Every operation that may block (disk I/O, a pipe waiting for data) returns
//! a [`BoxFuture`], so the trait is both async-capable and dyn-compatible:
//! the kernel holds `Arc<dyn Inode>` everywhere. In-memory filesystems return
//! already-completed futures ([`ready`]).
//!
//! Errors follow Linux: each method documents the errno it returns in each
//! failure case. Operations an inode type does not support have default
//! implementations returning Linux's errno for that case (`ENOTDIR` for
//! directory operations on non-directories, `EISDIR` for I/O on
//! directories, `EINVAL` for `readlink` on non-symlinks, ...), so devices and
//! pipes implement only `metadata`, `fs_id` and their I/O.

use alloc::{boxed::Box, string::String, sync::Arc, vec::Vec};
use core::{
    any::Any,
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering},
};

use bitflags::bitflags;
use kairos_abi::{
    Errno, Error, Result,
    flags::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISVTX},
    types::{
        DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, ST_VALID, STATX_BASIC_STATS, STATX_BTIME, Stat,
        StatFs, Statx, StatxTimestamp, Timespec,
    },
};

/// A boxed, `Send` future: the return type of every potentially blocking
/// [`Inode`] operation.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An already-completed [`BoxFuture`] holding `value` (what in-memory
/// filesystems return).
pub fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(core::future::ready(value))
}

// TODO(abi): NAME_MAX, PATH_MAX, MAXSYMLINKS, makedev/major/minor and the
// MS_* mount flags are not in kairos-abi yet; move them there.

/// Longest file name component, in bytes (`NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Size of the buffer a path must fit in, including its NUL (`PATH_MAX`):
/// a path of `PATH_MAX` bytes or more fails with `ENAMETOOLONG`.
pub const PATH_MAX: usize = 4096;
/// Most symlinks one path walk follows before failing with `ELOOP`
/// (`MAXSYMLINKS`).
pub const MAXSYMLINKS: u32 = 40;
/// Mount flag: read-only (`MS_RDONLY`).
pub const MS_RDONLY: u64 = 1;
/// Mount flag: ignore set-user/group-ID bits (`MS_NOSUID`).
pub const MS_NOSUID: u64 = 2;
/// Mount flag: no device files (`MS_NODEV`).
pub const MS_NODEV: u64 = 4;
/// Mount flag: no execution (`MS_NOEXEC`).
pub const MS_NOEXEC: u64 = 8;

/// Encodes a device number like glibc's `makedev` (12-bit major and 20-bit
/// minor in the low 32 bits, the rest above).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xfff) << 8) | ((ma & !0xfff) << 32) | (mi & 0xff) | ((mi & !0xff) << 12)
}

/// The major number of a device number made by [`makedev`].
pub const fn dev_major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

/// The minor number of a device number made by [`makedev`].
pub const fn dev_minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

static NEXT_FS_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh filesystem-instance id for [`Inode::fs_id`], unique for the life
/// of the kernel (never 0). Every filesystem instance (each tmpfs, each
/// mounted ext4, the pipe fs, ...) takes one when created.
pub fn alloc_fs_id() -> u64 {
    NEXT_FS_ID.fetch_add(1, Ordering::Relaxed)
}

/// The type of a file: the `S_IFMT` part of its mode.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum FileType {
    /// Regular file (`S_IFREG`, `DT_REG`).
    Regular,
    /// Directory (`S_IFDIR`, `DT_DIR`).
    Directory,
    /// Symbolic link (`S_IFLNK`, `DT_LNK`).
    Symlink,
    /// Character device (`S_IFCHR`, `DT_CHR`).
    CharDevice,
    /// Block device (`S_IFBLK`, `DT_BLK`).
    BlockDevice,
    /// Named pipe (`S_IFIFO`, `DT_FIFO`).
    Fifo,
    /// Unix socket (`S_IFSOCK`, `DT_SOCK`).
    Socket,
}

impl FileType {
    /// The type encoded in `mode & S_IFMT`, or `None` for an invalid type.
    pub const fn from_mode(mode: u32) -> Option<FileType> {
        match mode & S_IFMT {
            S_IFREG => Some(FileType::Regular),
            S_IFDIR => Some(FileType::Directory),
            S_IFLNK => Some(FileType::Symlink),
            S_IFCHR => Some(FileType::CharDevice),
            S_IFBLK => Some(FileType::BlockDevice),
            S_IFIFO => Some(FileType::Fifo),
            S_IFSOCK => Some(FileType::Socket),
            _ => None,
        }
    }

    /// The `S_IF*` bits of this type.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The `DT_*` value of this type (`d_type` of getdents64).
    pub const fn to_dt(self) -> u8 {
        match self {
            FileType::Regular => DT_REG,
            FileType::Directory => DT_DIR,
            FileType::Symlink => DT_LNK,
            FileType::CharDevice => DT_CHR,
            FileType::BlockDevice => DT_BLK,
            FileType::Fifo => DT_FIFO,
            FileType::Socket => DT_SOCK,
        }
    }

    /// The type of a `DT_*` value, or `None` for `DT_UNKNOWN` / `DT_WHT` /
    /// invalid values.
    pub const fn from_dt(dt: u8) -> Option<FileType> {
        match dt {
            DT_REG => Some(FileType::Regular),
            DT_DIR => Some(FileType::Directory),
            DT_LNK => Some(FileType::Symlink),
            DT_CHR => Some(FileType::CharDevice),
            DT_BLK => Some(FileType::BlockDevice),
            DT_FIFO => Some(FileType::Fifo),
            DT_SOCK => Some(FileType::Socket),
            _ => None,
        }
    }

    /// True for [`FileType::Directory`].
    pub const fn is_dir(self) -> bool {
        matches!(self, FileType::Directory)
    }

    /// True for character and block devices.
    pub const fn is_device(self) -> bool {
        matches!(self, FileType::CharDevice | FileType::BlockDevice)
    }
}

/// What `stat` reports about an inode.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Metadata {
    /// Device of the filesystem (`st_dev`).
    pub dev: u64,
    /// Inode number, unique within the filesystem; never 0.
    pub ino: u64,
    /// Type bits (`S_IF*`, always valid) and permission bits (`0o7777`).
    pub mode: u32,
    /// Number of hard links (directories: 2 + number of subdirectories).
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number, for device nodes (see [`makedev`]); 0 otherwise.
    pub rdev: u64,
    /// Size in bytes (symlinks: length of the target).
    pub size: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last data modification.
    pub mtime: Timespec,
    /// Last status change.
    pub ctime: Timespec,
    /// Creation, if the filesystem records it.
    pub btime: Option<Timespec>,
}

impl Metadata {
    /// The file type. Filesystems must set valid type bits; an invalid
    /// type reads as [`FileType::Regular`].
    pub const fn file_type(&self) -> FileType {
        match FileType::from_mode(self.mode) {
            Some(t) => t,
            None => FileType::Regular,
        }
    }

    /// True for directories.
    pub const fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }

    /// The permission bits (`mode & 0o7777`).
    pub const fn perm(&self) -> u32 {
        self.mode & 0o7777
    }

    /// This metadata as an x86_64 `struct stat`.
    pub fn to_stat(&self) -> Stat {
        Stat {
            st_dev: self.dev,
            st_ino: self.ino,
            st_nlink: self.nlink as u64,
            st_mode: self.mode,
            st_uid: self.uid,
            st_gid: self.gid,
            st_rdev: self.rdev,
            st_size: self.size as i64,
            st_blksize: self.blksize as i64,
            st_blocks: self.blocks as i64,
            st_atime: self.atime.tv_sec,
            st_atime_nsec: self.atime.tv_nsec,
            st_mtime: self.mtime.tv_sec,
            st_mtime_nsec: self.mtime.tv_nsec,
            st_ctime: self.ctime.tv_sec,
            st_ctime_nsec: self.ctime.tv_nsec,
            ..Stat::default()
        }
    }

    /// This metadata as a `struct statx` with every basic field (and
    /// `stx_btime` if known) filled in; `stx_mnt_id` is left 0 for the
    /// caller.
    pub fn to_statx(&self) -> Statx {
        fn ts(t: Timespec) -> StatxTimestamp {
            StatxTimestamp { tv_sec: t.tv_sec, tv_nsec: t.tv_nsec as u32, __reserved: 0 }
        }
        Statx {
            stx_mask: STATX_BASIC_STATS | if self.btime.is_some() { STATX_BTIME } else { 0 },
            stx_blksize: self.blksize,
            stx_nlink: self.nlink,
            stx_uid: self.uid,
            stx_gid: self.gid,
            stx_mode: self.mode as u16,
            stx_ino: self.ino,
            stx_size: self.size,
            stx_blocks: self.blocks,
            stx_atime: ts(self.atime),
            stx_btime: self.btime.map(ts).unwrap_or_default(),
            stx_ctime: ts(self.ctime),
            stx_mtime: ts(self.mtime),
            stx_rdev_major: dev_major(self.rdev),
            stx_rdev_minor: dev_minor(self.rdev),
            stx_dev_major: dev_major(self.dev),
            stx_dev_minor: dev_minor(self.dev),
            ..Statx::default()
        }
    }
}

/// A timestamp to set with [`Inode::setattr`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TimeSet {
    /// The filesystem's current time (`UTIME_NOW`).
    Now,
    /// This time.
    At(Timespec),
}

/// The attributes [`Inode::setattr`] changes; `None` fields are left alone.
///
/// The change is applied literally: Linux's VFS policies (clearing setuid
/// on chown, permission checks) belong to the caller. Any change also sets
/// `ctime` to now; a `size` change also sets `mtime` to now unless `mtime`
/// is given.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct SetAttr {
    /// New permission bits (`0o7777`; type bits are ignored).
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size (truncate / extend with zeros).
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<TimeSet>,
    /// New modification time.
    pub mtime: Option<TimeSet>,
}

/// One directory entry, as returned by [`Inode::readdir`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DirEntry {
    /// Inode number of the entry.
    pub ino: u64,
    /// Its type (`d_type`).
    pub kind: FileType,
    /// Its name (`"."` and `".."` included).
    pub name: String,
}

/// Identity of an inode across the whole VFS: filesystem instance plus
/// inode number. Two `Arc<dyn Inode>` denote the same file iff their keys
/// are equal (a disk filesystem may hand out several objects for one
/// inode).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct InodeKey {
    /// [`Inode::fs_id`].
    pub fs_id: u64,
    /// [`Inode::ino`].
    pub ino: u64,
}

/// True if `a` and `b` are the same file (same [`InodeKey`]).
pub fn same_inode(a: &dyn Inode, b: &dyn Inode) -> bool {
    a.key() == b.key()
}

/// The source of "now" for timestamps. Any `Fn() -> Timespec` closure is a
/// clock; tests use a fake one.
pub trait Clock: Send + Sync {
    /// The current wall-clock time (`CLOCK_REALTIME`).
    fn now(&self) -> Timespec;
}

impl<F: Fn() -> Timespec + Send + Sync> Clock for F {
    fn now(&self) -> Timespec {
        self()
    }
}

/// An inode: a file, directory, symlink, device node, fifo or socket of
/// some filesystem.
///
/// Implementations synchronize internally (`&self` everywhere) and must not
/// hold a lock across an `.await` point. Names passed to directory
/// operations are single components: never empty, never containing `/`;
/// the [`Vfs`](crate::path::Vfs) handles `"."` and `".."` itself except for
/// `lookup("..")` on a directory that is not a mount root, which must
/// return the parent (the filesystem root returns itself).
///
/// Defaults: every method except `metadata` and `fs_id` has a default
/// returning Linux's errno for an inode that does not support the
/// operation, so device nodes, pipes and sockets implement only what they
/// have. Directory implementations must override `lookup` and `readdir`.
pub trait Inode: Any + Send + Sync {
    /// The inode's current attributes.
    fn metadata(&self) -> Metadata;

    /// Identity of the filesystem instance this inode belongs to (from
    /// [`alloc_fs_id`]); used for mounts and to refuse cross-filesystem
    /// `link`/`rename` with `EXDEV`.
    fn fs_id(&self) -> u64;

    /// The inode number (`metadata().ino`; override when cheaper).
    fn ino(&self) -> u64 {
        self.metadata().ino
    }

    /// The file type (`metadata().file_type()`; override when cheaper).
    fn file_type(&self) -> FileType {
        self.metadata().file_type()
    }

    /// Changes attributes; see [`SetAttr`] for the time rules.
    ///
    /// Errors: `EISDIR` setting `size` of a directory, `EINVAL` setting
    /// `size` of another non-regular file, `EFBIG` for a size beyond the
    /// filesystem's limit, `ENOSPC` if extending needs space there is not,
    /// `EPERM` (default) if the inode's attributes cannot change, `EROFS`
    /// on a read-only filesystem.
    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        let _ = attr;
        Err(Error::new(Errno::EPERM))
    }

    /// [`Inode::setattr`] for changes that may need I/O: the kernel calls
    /// this for every `size` change (`truncate`, `ftruncate`, `O_TRUNC`),
    /// which on a disk filesystem frees or allocates blocks. Same errors as
    /// `setattr`. The default runs `setattr`, which is right for memory
    /// filesystems.
    fn setattr_async<'a>(&'a self, attr: &'a SetAttr) -> BoxFuture<'a, Result<()>> {
        ready(self.setattr(attr))
    }

    /// Reads up to `buf.len()` bytes at `offset`; returns the count, 0 at
    /// or past end of file.
    ///
    /// Errors: `EISDIR` on directories, `EINVAL` (default) on inodes
    /// without data of their own (symlinks; device nodes, whose behaviour
    /// the kernel attaches by type and rdev), `EIO` on device failure.
    fn read_at<'a>(&'a self, offset: u64, buf: &'a mut [u8]) -> BoxFuture<'a, Result<usize>> {
        let _ = (offset, buf);
        ready(Err(io_error(self)))
    }

    /// Writes `buf` at `offset` (extending the file, holes read as zeros);
    /// returns the count written.
    ///
    /// Errors: `EISDIR` on directories, `EINVAL` (default) as for
    /// `read_at`, `EFBIG` past the maximum file size, `ENOSPC` when the
    /// filesystem is full (after a short write, the count is returned
    /// instead), `EROFS`.
    fn write_at<'a>(&'a self, offset: u64, buf: &'a [u8]) -> BoxFuture<'a, Result<usize>> {
        let _ = (offset, buf);
        ready(Err(io_error(self)))
    }

    /// Finds the entry `name` of this directory.
    ///
    /// Errors: `ENOTDIR` if this is not a directory, `ENOENT` if there is no
    /// such entry (or the directory was removed), `ENAMETOOLONG` if `name`
    /// is longer than [`NAME_MAX`].
    fn lookup<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let _ = name;
        ready(Err(dir_error(self, Errno::ENOENT)))
    }

    /// Creates the entry `name` as a new inode of type `kind` (anything but
    /// [`FileType::Symlink`], which is [`Inode::symlink`]) with permission
    /// bits `mode & 0o7777`, owner `uid:gid`, and device number `rdev`
    /// (device nodes only). Directories start with nlink 2 and add one to
    /// this directory's nlink.
    ///
    /// Errors: `ENOTDIR` if this is not a directory, `EEXIST` if `name`
    /// exists (also for `"."`/`".."`), `ENOENT` if this directory was
    /// removed, `ENAMETOOLONG`, `EINVAL` for `kind == Symlink`, `ENOSPC`,
    /// `EROFS`, `EPERM` (default) if the directory cannot hold new entries.
    fn create<'a>(
        &'a self,
        name: &'a str,
        kind: FileType,
        mode: u32,
        uid: u32,
        gid: u32,
        rdev: u64,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let _ = (name, kind, mode, uid, gid, rdev);
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// Adds the hard link `name` to `target` (nlink + 1).
    ///
    /// Errors: `ENOTDIR` if this is not a directory, `EEXIST` if `name`
    /// exists, `EXDEV` if `target` is on another filesystem, `EPERM` if
    /// `target` is a directory (or the default: no links here), `ENOENT` if
    /// `target` has been unlinked (nlink 0) or this directory was removed,
    /// `EMLINK` at the link limit, `ENAMETOOLONG`, `EROFS`.
    fn link<'a>(&'a self, name: &'a str, target: &'a Arc<dyn Inode>) -> BoxFuture<'a, Result<()>> {
        let _ = (name, target);
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// Removes the non-directory entry `name` (nlink − 1). The inode lives
    /// on while references (open files) remain.
    ///
    /// Errors: `ENOTDIR` if this is not a directory, `ENOENT` if there is no
    /// such entry, `EISDIR` if it is a directory, `EPERM` (default),
    /// `EROFS`.
    fn unlink<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = name;
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// Removes the empty directory `name`.
    ///
    /// Errors: `ENOTDIR` if this or the entry is not a directory, `ENOENT`
    /// if there is no such entry, `ENOTEMPTY` if it has entries, `EINVAL`
    /// for `"."`, `ENOTEMPTY` for `".."`, `EPERM` (default), `EROFS`.
    fn rmdir<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = name;
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// Creates the symlink `name` pointing to `target`.
    ///
    /// Errors: `ENOTDIR` if this is not a directory, `EEXIST` if `name`
    /// exists, `ENOENT` if `target` is empty or this directory was removed,
    /// `ENAMETOOLONG` if `name` or `target` is too long, `ENOSPC`, `EROFS`,
    /// `EPERM` (default).
    fn symlink<'a>(
        &'a self,
        name: &'a str,
        target: &'a str,
        uid: u32,
        gid: u32,
    ) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        let _ = (name, target, uid, gid);
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// The target of this symlink.
    ///
    /// Errors: `EINVAL` (default) if this is not a symlink, `EIO`.
    fn readlink<'a>(&'a self) -> BoxFuture<'a, Result<String>> {
        ready(Err(Error::new(Errno::EINVAL)))
    }

    /// Renames this directory's entry `old_name` to `new_name` in `new_dir`
    /// (`renameat2`). `flags` is a set of `RENAME_NOREPLACE` /
    /// `RENAME_EXCHANGE`; an existing target is replaced atomically unless
    /// `RENAME_NOREPLACE`. Renaming an entry onto another name of the same
    /// inode does nothing and succeeds.
    ///
    /// Errors: `ENOTDIR` if this or `new_dir` is not a directory, `ENOENT`
    /// if `old_name` does not exist (or, with `RENAME_EXCHANGE`,
    /// `new_name`), `EXDEV` if `new_dir` is on another filesystem, `EINVAL`
    /// for unknown or conflicting flags (`NOREPLACE | EXCHANGE`,
    /// `RENAME_WHITEOUT` is unsupported) or when moving a directory into
    /// itself or its own subtree, `EEXIST` with `RENAME_NOREPLACE` if the
    /// target exists, `EISDIR` moving a non-directory over a directory,
    /// `ENOTDIR` moving a directory over a non-directory, `ENOTEMPTY`
    /// replacing a non-empty directory, `EBUSY` for `"."`/`".."`,
    /// `ENAMETOOLONG`, `EPERM` (default), `EROFS`.
    fn rename<'a>(
        &'a self,
        old_name: &'a str,
        new_dir: &'a Arc<dyn Inode>,
        new_name: &'a str,
        flags: u32,
    ) -> BoxFuture<'a, Result<()>> {
        let _ = (old_name, new_dir, new_name, flags);
        ready(Err(dir_error(self, Errno::EPERM)))
    }

    /// The first directory entry at or after position `offset`, with the
    /// offset of the entry after it, or `None` at the end. Offset 0 is the
    /// start; `"."` and `".."` are listed first. Offsets are stable: an
    /// entry keeps its offset while it exists, so removing entries during a
    /// listing never makes the listing skip or repeat another entry.
    ///
    /// Errors: `ENOTDIR` if this is not a directory (default). The default
    /// for a directory is an empty listing; directories must override it.
    fn readdir<'a>(&'a self, offset: u64) -> BoxFuture<'a, Result<Option<(DirEntry, u64)>>> {
        let _ = offset;
        if self.file_type().is_dir() { ready(Ok(None)) } else { ready(Err(Error::new(Errno::ENOTDIR))) }
    }

    /// `statfs` of the filesystem this inode is on. The default reports an
    /// unsized filesystem with 4 KiB blocks and [`NAME_MAX`] names.
    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            f_bsize: 4096,
            f_frsize: 4096,
            f_namelen: NAME_MAX as i64,
            f_flags: ST_VALID,
            f_fsid: [self.fs_id() as i32, (self.fs_id() >> 32) as i32],
            ..StatFs::default()
        })
    }

    /// Writes this inode's dirty data and metadata to stable storage
    /// (`fsync`). The default (memory filesystems, devices) succeeds.
    ///
    /// Errors: `EIO`.
    fn sync(&self) -> BoxFuture<'_, Result<()>> {
        ready(Ok(()))
    }

    /// The value of the extended attribute `name` (full name with its
    /// namespace prefix, e.g. `user.mime_type`). Permission checks
    /// ([`check_xattr_access`]) are the caller's; names are resolved with
    /// [`xattr_namespace`].
    ///
    /// Errors: `ENODATA` if there is no such attribute (also for a POSIX
    /// ACL name: no ACLs are stored), `EINVAL` for a bare prefix
    /// (`"user."`), `EOPNOTSUPP` for an unknown namespace and (default)
    /// on a filesystem without xattrs, `EUCLEAN` for corrupt xattr data,
    /// `EIO`.
    fn getxattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>>> {
        let _ = name;
        ready(Err(Error::new(Errno::EOPNOTSUPP)))
    }

    /// The names of this inode's extended attributes (full names), in the
    /// filesystem's order; the caller hides `trusted.*` from unprivileged
    /// callers. The default is an empty list: Linux lists nothing (and
    /// fails nothing) on a filesystem without xattrs.
    ///
    /// Errors: `EUCLEAN`, `EIO`.
    fn listxattr(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        ready(Ok(Vec::new()))
    }

    /// Creates or replaces the extended attribute `name` with `value` (at
    /// most [`XATTR_SIZE_MAX`] bytes; empty is a valid value). `flags` is
    /// 0, [`XATTR_CREATE`] or [`XATTR_REPLACE`]. Changes `ctime`.
    ///
    /// Errors: `EEXIST` with `XATTR_CREATE` if it exists, `ENODATA` with
    /// `XATTR_REPLACE` if it does not, `EINVAL` for a bare prefix,
    /// `EOPNOTSUPP` for an unknown namespace, a POSIX ACL name (ACLs are
    /// not supported) and (default) on a filesystem without xattrs,
    /// `ENOSPC` if the value does not fit, `EROFS`, `EUCLEAN`, `EIO`.
    fn setxattr<'a>(&'a self, name: &'a str, value: &'a [u8], flags: u32) -> BoxFuture<'a, Result<()>> {
        let _ = (name, value, flags);
        ready(Err(Error::new(Errno::EOPNOTSUPP)))
    }

    /// Removes the extended attribute `name`. Changes `ctime`.
    ///
    /// Errors: `ENODATA` if there is no such attribute, otherwise as
    /// [`Inode::setxattr`].
    fn removexattr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = name;
        ready(Err(Error::new(Errno::EOPNOTSUPP)))
    }
}

/// `setxattr` flag: fail with `EEXIST` if the attribute exists.
pub const XATTR_CREATE: u32 = 1;
/// `setxattr` flag: fail with `ENODATA` if the attribute does not exist.
pub const XATTR_REPLACE: u32 = 2;
/// Longest attribute name, prefix included (`XATTR_NAME_MAX`).
pub const XATTR_NAME_MAX: usize = 255;
/// Largest attribute value (`XATTR_SIZE_MAX`).
pub const XATTR_SIZE_MAX: usize = 65536;
/// Largest `listxattr` result (`XATTR_LIST_MAX`).
pub const XATTR_LIST_MAX: usize = 65536;

/// The namespace of an extended attribute name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum XattrNamespace {
    /// `user.*`: regular files and directories, Unix permissions.
    User,
    /// `trusted.*`: privileged callers only.
    Trusted,
    /// `security.*`: readable by all, writable by privileged callers.
    Security,
    /// `system.posix_acl_access` / `system.posix_acl_default`.
    PosixAcl,
}

impl XattrNamespace {
    /// The prefix of the namespace's names (`"system."` for the ACLs).
    pub const fn prefix(self) -> &'static str {
        match self {
            XattrNamespace::User => "user.",
            XattrNamespace::Trusted => "trusted.",
            XattrNamespace::Security => "security.",
            XattrNamespace::PosixAcl => "system.",
        }
    }
}

/// Resolves the namespace of `name` as Linux's `xattr_resolve_name` does
/// for a filesystem with user, trusted and security handlers and POSIX
/// ACLs (tmpfs, ext4).
///
/// Errors: `EINVAL` for a bare prefix (`"user."`), `EOPNOTSUPP` for any
/// other namespace (`"system.foo"`, `"foo.bar"`, `"user"`).
pub fn xattr_namespace(name: &str) -> Result<XattrNamespace> {
    if name == "system.posix_acl_access" || name == "system.posix_acl_default" {
        return Ok(XattrNamespace::PosixAcl);
    }
    for ns in [XattrNamespace::User, XattrNamespace::Trusted, XattrNamespace::Security] {
        if let Some(rest) = name.strip_prefix(ns.prefix()) {
            return if rest.is_empty() { Err(Error::new(Errno::EINVAL)) } else { Ok(ns) };
        }
    }
    Err(Error::new(Errno::EOPNOTSUPP))
}

/// Linux's `xattr_permission` (plus the capability module's rule for
/// `security.*` writes): may `cred` read (`write == false`) or change the
/// attribute `name` of a file with attributes `meta`? Root stands for
/// `CAP_SYS_ADMIN` / `CAP_FOWNER`.
///
/// - `trusted.*`: root only; otherwise `ENODATA` to read, `EPERM` to write.
/// - `security.*`: anyone reads; writing needs root (`EPERM`).
/// - `system.*`: no check here (the filesystem decides).
/// - `user.*`: only regular files and directories (`ENODATA` to read,
///   `EPERM` to write others); a sticky directory's attributes are written
///   only by its owner or root (`EPERM`); then Unix permissions (`EACCES`).
/// - Any other name: Unix permissions (`EACCES`), before the filesystem
///   refuses the namespace.
pub fn check_xattr_access(cred: &Credentials, meta: &Metadata, name: &str, write: bool) -> Result<()> {
    let root = cred.fsuid == 0;
    if name.starts_with("system.") {
        return Ok(());
    }
    if name.starts_with("security.") {
        return if write && !root { Err(Error::new(Errno::EPERM)) } else { Ok(()) };
    }
    if name.starts_with("trusted.") {
        return match (root, write) {
            (true, _) => Ok(()),
            (false, false) => Err(Error::new(Errno::ENODATA)),
            (false, true) => Err(Error::new(Errno::EPERM)),
        };
    }
    if name.starts_with("user.") {
        let kind = meta.file_type();
        if !matches!(kind, FileType::Regular | FileType::Directory) {
            return Err(Error::new(if write { Errno::EPERM } else { Errno::ENODATA }));
        }
        if write && kind.is_dir() && meta.mode & S_ISVTX != 0 && !root && cred.fsuid != meta.uid {
            return Err(Error::new(Errno::EPERM));
        }
    }
    check_access(cred, meta, if write { Access::WRITE } else { Access::READ })
}

/// Lays out attribute names as `listxattr` returns them: each followed by
/// a NUL.
pub fn xattr_name_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names {
        out.extend_from_slice(n.as_bytes());
        out.push(0);
    }
    out
}

/// The default errno of data I/O on an inode that has none.
fn io_error<T: Inode + ?Sized>(inode: &T) -> Error {
    if inode.file_type().is_dir() { Error::new(Errno::EISDIR) } else { Error::new(Errno::EINVAL) }
}

/// The default errno of a directory operation: `ENOTDIR` on non-directories,
/// `on_dir` on directories that do not implement it.
fn dir_error<T: Inode + ?Sized>(inode: &T, on_dir: Errno) -> Error {
    if inode.file_type().is_dir() { Error::new(on_dir) } else { Error::new(Errno::ENOTDIR) }
}

impl dyn Inode {
    /// This inode as `&dyn Any`, to downcast to the concrete type.
    pub fn as_any(&self) -> &dyn Any {
        self
    }

    /// The concrete inode, if it is a `T`.
    pub fn downcast_ref<T: Inode>(&self) -> Option<&T> {
        self.as_any().downcast_ref::<T>()
    }

    /// The VFS-wide identity of this inode.
    pub fn key(&self) -> InodeKey {
        InodeKey { fs_id: self.fs_id(), ino: self.ino() }
    }

    /// True if this is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type().is_dir()
    }
}

/// Downcasts a shared inode to its concrete type, or gives it back.
pub fn downcast_arc<T: Inode>(inode: Arc<dyn Inode>) -> core::result::Result<Arc<T>, Arc<dyn Inode>> {
    if inode.as_any().is::<T>() {
        let any: Arc<dyn Any + Send + Sync> = inode;
        Ok(any.downcast::<T>().unwrap_or_else(|_| unreachable!()))
    } else {
        Err(inode)
    }
}

bitflags! {
    /// Access wanted by [`check_access`] (`MAY_*` / `R_OK`-style bits).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct Access: u32 {
        /// Execute a file / search a directory.
        const EXEC = 1;
        /// Write a file / add or remove directory entries.
        const WRITE = 2;
        /// Read a file / list a directory.
        const READ = 4;
    }
}

/// Who is doing a filesystem operation: the fs uid/gid and supplementary
/// groups of the calling thread. New inodes are owned by `fsuid` and
/// `fsgid` (or the directory's group under a set-group-ID directory).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Credentials {
    /// Filesystem user id (normally the effective uid).
    pub fsuid: u32,
    /// Filesystem group id (normally the effective gid).
    pub fsgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Credentials {
    /// The superuser (uid 0, gid 0, no supplementary groups).
    pub const ROOT: Credentials = Credentials { fsuid: 0, fsgid: 0, groups: Vec::new() };

    /// True if `gid` is the fs gid or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.fsgid == gid || self.groups.contains(&gid)
    }
}

/// Unix permission check (no ACLs, no capabilities beyond root): `Ok` if
/// `cred` may access a file with attributes `meta` as `want`, else
/// `EACCES`. Root may do anything except execute a non-directory without
/// any execute bit.
pub fn check_access(cred: &Credentials, meta: &Metadata, want: Access) -> Result<()> {
    if cred.fsuid == 0 {
        if want.contains(Access::EXEC) && !meta.is_dir() && meta.mode & 0o111 == 0 {
            return Err(Error::new(Errno::EACCES));
        }
        return Ok(());
    }
    let bits = if cred.fsuid == meta.uid {
        (meta.mode >> 6) & 7
    } else if cred.in_group(meta.gid) {
        (meta.mode >> 3) & 7
    } else {
        meta.mode & 7
    };
    if want.bits() & !bits == 0 { Ok(()) } else { Err(Error::new(Errno::EACCES)) }
}
