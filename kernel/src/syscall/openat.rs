//! `openat`, `open` and `creat`, and the `dirfd` + path plumbing every `*at` call shares.
//!
//! Path semantics (symlinks, `O_CREAT`/`O_EXCL`/`O_DIRECTORY`/`O_NOFOLLOW`/`O_PATH`,
//! `O_TRUNC`, permissions) are the VFS's ([`Vfs::open`](kairos_fs::path::Vfs::open)); this
//! file turns the result into an open file: character device nodes become the kernel's
//! devices (memory devices and terminals, by device number: the serial line, the virtual
//! consoles, pty slaves of devpts; `ptmx` creates a pty pair), opening a terminal without
//! `O_NOCTTY` may make it the caller's controlling terminal, and a FIFO becomes
//! an end of the pipe its inode shares while open, with Linux's open rules (see
//! [`open_fifo`]). Sockets and block devices cannot be opened (ENXIO).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};

use kairos_abi::at::AT_FDCWD;
use kairos_abi::flags::{OpenFlags, S_IFCHR, S_IFIFO};
use kairos_abi::{Errno, Result};
use kairos_fs::path::PathCtx;
use kairos_fs::vfs::{Credentials, FileType, Inode, InodeKey, dev_major, dev_minor, makedev};

use super::SysResult;
use super::args::{Fd, read_path};
use super::dup::{check_free_slot, install};
use super::ioctl::{is_ctty, maybe_acquire_ctty};
use super::pipe::AnonInode;
use crate::file::pipe::{Pipe, PipeEnd};
use crate::file::tty::{self, Tty};
use crate::file::{File, FileKind, MemDevice};
use crate::file::{pty, vt};
use crate::fsctx::vfs;
use crate::proc::Thread;

/// The `__O_TMPFILE` bit alone (`O_TMPFILE` also contains `O_DIRECTORY`).
const O_TMPFILE_BIT: u32 = 0o20000000;

/// The credentials path operations run with: the filesystem ids and groups of the caller
/// (kept in step with its process by the set*id calls).
pub(super) fn credentials(t: &Thread) -> Credentials {
    t.fs().lock().cred.clone()
}

/// Everything one path resolution needs, copied out of the thread's locked state so it can
/// be held across awaits: the root, the start directory (cwd or `dirfd`), credentials and
/// umask.
pub(super) struct PathAt {
    root: Arc<dyn Inode>,
    start: Arc<dyn Inode>,
    cred: Credentials,
    umask: u32,
}

impl PathAt {
    /// The context for `path` relative to `dirfd`. An empty path is ENOENT; an absolute one
    /// ignores `dirfd`; a relative one needs `dirfd` open (EBADF) and a directory (ENOTDIR).
    pub(super) fn new(t: &Thread, dirfd: Fd, path: &str) -> Result<PathAt> {
        if path.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        let (root, cwd, umask, cred) = {
            let fs = t.fs();
            let fs = fs.lock();
            (fs.root.clone(), fs.cwd.clone(), fs.umask, fs.cred.clone())
        };
        let start = if path.starts_with('/') || dirfd.0 == AT_FDCWD {
            cwd
        } else {
            let dir = file_inode(t, &*dirfd.file(t)?);
            if !dir.is_dir() {
                return Err(Errno::ENOTDIR.into());
            }
            dir
        };
        Ok(PathAt { root, start, cred, umask })
    }

    /// The VFS resolution context.
    pub(super) fn cx(&self) -> PathCtx<'_> {
        PathCtx { root: &self.root, cwd: &self.start, cred: &self.cred, umask: self.umask }
    }
}

/// The inode an open file refers to (for fstat, fchmod, a `dirfd`...). Files without one
/// get a fresh anonymous inode describing their kind.
pub(super) fn file_inode(t: &Thread, file: &File) -> Arc<dyn Inode> {
    if let Some(inode) = &file.inode {
        return inode.clone();
    }
    match &file.kind {
        FileKind::Inode(inode) => inode.clone(),
        FileKind::Tty(_) => AnonInode::new(t, S_IFCHR | 0o620, makedev(5, 1)),
        FileKind::PtyMaster(_) => AnonInode::new(t, S_IFCHR | 0o666, makedev(5, 2)),
        FileKind::Pipe(..) => AnonInode::new(t, S_IFIFO | 0o600, 0),
        FileKind::Mem(m) => {
            let minor = match m {
                MemDevice::Null => 3,
                MemDevice::Zero => 5,
                MemDevice::Full => 7,
                MemDevice::Random => 9,
                MemDevice::Kmsg => 11,
            };
            AnonInode::new(t, S_IFCHR | 0o666, makedev(1, minor))
        }
        // anon_inode files: mode 0600, no type bits, as Linux reports them.
        FileKind::SignalFd(_) | FileKind::Epoll(_) => AnonInode::new(t, 0o600, 0),
        FileKind::Snapshot(_) => AnonInode::new(t, S_IFCHR | 0o400, makedev(10, 242)),
        FileKind::Socket(_) => AnonInode::new(t, kairos_abi::flags::S_IFSOCK | 0o777, 0),
        // pidfs inodes: mode 0700, type bits masked off (Linux 6.9+).
        FileKind::PidFd(_) => AnonInode::new(t, 0o700, 0),
    }
}

/// The inode `dirfd` names: the cwd for `AT_FDCWD`, else the open file's (EBADF).
pub(super) fn fd_inode(t: &Thread, dirfd: Fd) -> Result<Arc<dyn Inode>> {
    if dirfd.0 == AT_FDCWD {
        return Ok(t.fs().lock().cwd.clone());
    }
    Ok(file_inode(t, &*dirfd.file(t)?))
}

/// Reads the path argument of a call that accepts `AT_EMPTY_PATH` (`empty_ok`): NULL then
/// counts as empty, as in Linux 6.11+.
pub(super) fn read_path_at(t: &Thread, addr: u64, empty_ok: bool) -> Result<String> {
    if empty_ok && addr == 0 { Ok(String::new()) } else { read_path(t, addr) }
}

/// Resolves `path` for a `*at` call. With `empty_ok` (`AT_EMPTY_PATH`) an empty path names
/// `dirfd` itself; `follow` follows a final symlink.
pub(super) async fn resolve_at(
    t: &Thread,
    dirfd: Fd,
    path: &str,
    follow: bool,
    empty_ok: bool,
) -> Result<Arc<dyn Inode>> {
    if path.is_empty() && empty_ok {
        return fd_inode(t, dirfd);
    }
    let at = PathAt::new(t, dirfd, path)?;
    vfs().resolve(&at.cx(), path, follow).await
}

/// [`resolve_at`] for a path still in user memory.
pub(super) async fn lookup_at(
    t: &Thread,
    dirfd: Fd,
    path_addr: u64,
    follow: bool,
    empty_ok: bool,
) -> Result<Arc<dyn Inode>> {
    let path = read_path_at(t, path_addr, empty_ok)?;
    resolve_at(t, dirfd, &path, follow, empty_ok).await
}

/// Validates and normalizes `open` flags as Linux's `build_open_flags` does: unknown bits
/// are dropped, `O_LARGEFILE` is implied, `O_PATH` keeps only the flags it honours, and a
/// malformed `O_TMPFILE` is EINVAL.
fn open_flags(raw: u32) -> Result<OpenFlags> {
    let mut flags = OpenFlags::from_bits_truncate(raw) | OpenFlags::O_LARGEFILE;
    if raw & O_TMPFILE_BIT != 0 {
        let mask = OpenFlags::O_TMPFILE | OpenFlags::O_CREAT;
        if flags & mask != OpenFlags::O_TMPFILE || !flags.writable() {
            return Err(Errno::EINVAL.into());
        }
    }
    if flags.contains(OpenFlags::O_PATH) {
        flags &= OpenFlags::O_PATH | OpenFlags::O_DIRECTORY | OpenFlags::O_NOFOLLOW | OpenFlags::O_CLOEXEC;
    }
    Ok(flags)
}

/// `openat(dirfd, path, flags, mode)`: the lowest free descriptor for the file at `path`.
pub async fn sys_openat(t: &Arc<Thread>, dirfd: Fd, path: u64, flags: u32, mode: u32) -> SysResult {
    let flags = open_flags(flags)?;
    let path = read_path(t, path)?;
    if path.is_empty() {
        return Err(Errno::ENOENT.into());
    }
    // Linux reserves the descriptor before the walk: EMFILE wins and nothing is created.
    check_free_slot(t)?;
    let mode = if flags.contains(OpenFlags::O_CREAT) || flags.bits() & O_TMPFILE_BIT != 0 { mode & 0o7777 } else { 0 };
    let at = PathAt::new(t, dirfd, &path)?;
    let (inode, _created) = vfs().open(&at.cx(), &path, flags, mode).await?;
    if flags.contains(OpenFlags::O_TRUNC) && inode.file_type() == FileType::Regular {
        crate::mm::pagecache::truncated(&*inode, 0);
    }
    let file = if inode.file_type() == FileType::Fifo && !flags.contains(OpenFlags::O_PATH) {
        open_fifo(t, inode, path, flags).await?
    } else if pty::is_ptmx(&inode) && !flags.contains(OpenFlags::O_PATH) {
        pty::open_ptmx(t, &at.cx(), &path, &inode, flags).await?
    } else {
        File::new(file_kind(t, &inode, flags)?, Some(inode), Some(path), flags)
    };
    Ok(install(t, file, flags.contains(OpenFlags::O_CLOEXEC))? as isize)
}

/// `creat(path, mode)`: `open(path, O_CREAT | O_WRONLY | O_TRUNC, mode)`.
pub async fn sys_creat(t: &Arc<Thread>, path: u64, mode: u32) -> SysResult {
    let flags = OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_TRUNC;
    sys_openat(t, Fd(AT_FDCWD), path, flags.bits(), mode).await
}

/// What an opened inode reads from and writes to.
fn file_kind(t: &Thread, inode: &Arc<dyn Inode>, flags: OpenFlags) -> Result<FileKind> {
    if flags.contains(OpenFlags::O_PATH) {
        return Ok(FileKind::Inode(inode.clone()));
    }
    match inode.file_type() {
        FileType::CharDevice => char_device(t, inode, flags),
        FileType::Socket | FileType::BlockDevice => Err(Errno::ENXIO.into()),
        _ => Ok(FileKind::Inode(inode.clone())),
    }
}

/// The device behind a character device node (ENXIO for numbers without a driver).
fn char_device(t: &Thread, inode: &Arc<dyn Inode>, flags: OpenFlags) -> Result<FileKind> {
    let rdev = inode.metadata().rdev;
    let kind = match (dev_major(rdev), dev_minor(rdev)) {
        (1, 3) => FileKind::Mem(MemDevice::Null),
        (1, 5) => FileKind::Mem(MemDevice::Zero),
        (1, 7) => FileKind::Mem(MemDevice::Full),
        (1, 8) | (1, 9) => FileKind::Mem(MemDevice::Random),
        (1, 11) => FileKind::Mem(MemDevice::Kmsg),
        (10, 242) => FileKind::Snapshot(alloc::sync::Arc::new(crate::tracedump::serialize())),
        (5, 0) => open_tty(t, controlling_tty(t)?, flags | OpenFlags::O_NOCTTY)?,
        (5, 1) => open_tty(t, tty::console(), flags | OpenFlags::O_NOCTTY)?,
        (4, 64) => open_tty(t, tty::console(), flags)?,
        // tty0 (the foreground console) never becomes a controlling terminal, as on Linux.
        (4, 0) => open_tty(t, vt::vt(0), flags | OpenFlags::O_NOCTTY)?,
        (4, minor) if minor <= vt::MAX_NR_CONSOLES => open_tty(t, vt::vt(minor), flags)?,
        (136, _) => open_tty(t, pty::slave_of_node(inode)?, flags)?,
        _ => return Err(Errno::ENXIO.into()),
    };
    Ok(kind)
}

/// An open file of terminal `tty` (a pty slave: EIO while locked); without `O_NOCTTY`
/// it may become the caller's controlling terminal.
pub(super) fn open_tty(t: &Thread, tty: Arc<Tty>, flags: OpenFlags) -> Result<FileKind> {
    tty.opened()?;
    if !flags.contains(OpenFlags::O_NOCTTY) && flags.readable() {
        maybe_acquire_ctty(t, &tty);
    }
    Ok(FileKind::Tty(tty))
}

/// `/dev/tty`: the caller's controlling terminal, ENXIO without one.
fn controlling_tty(t: &Thread) -> Result<Arc<Tty>> {
    let sid = t.process.state.lock().sid;
    tty::ctty_of_session(sid).filter(|tty| is_ctty(t, tty)).ok_or(Errno::ENXIO.into())
}

/// The pipes of the FIFOs some file has open, by inode. A FIFO's pipe (and its data) goes
/// away with the last file, as on Linux.
static FIFOS: spin::Mutex<BTreeMap<InodeKey, Weak<Pipe>>> = spin::Mutex::new(BTreeMap::new());

/// The pipe of the FIFO `inode`, new if no file has it open.
fn fifo_pipe(inode: &dyn Inode) -> Arc<Pipe> {
    let mut fifos = FIFOS.lock();
    fifos.retain(|_, pipe| pipe.strong_count() > 0);
    if let Some(pipe) = fifos.get(&inode.key()).and_then(Weak::upgrade) {
        return pipe;
    }
    let pipe = Pipe::new_fifo();
    fifos.insert(inode.key(), Arc::downgrade(&pipe));
    pipe
}

/// Opens a FIFO (Linux's `fifo_open`): `O_RDONLY` waits for a writer to open unless
/// `O_NONBLOCK`; `O_WRONLY` waits for a reader, or with `O_NONBLOCK` fails with ENXIO when
/// there is none; `O_RDWR` holds both ends and never waits. The waits are interruptible
/// (ERESTARTSYS).
async fn open_fifo(t: &Thread, inode: Arc<dyn Inode>, path: String, flags: OpenFlags) -> Result<Arc<File>> {
    let end = match flags.access_mode() {
        0 => PipeEnd::Read,
        1 => PipeEnd::Write,
        2 => PipeEnd::Both,
        _ => return Err(Errno::EINVAL.into()),
    };
    let pipe = fifo_pipe(&*inode);
    let nonblock = flags.contains(OpenFlags::O_NONBLOCK);
    if end == PipeEnd::Write && nonblock && pipe.ends().0 == 0 {
        return Err(Errno::ENXIO.into());
    }
    pipe.open_end(end);
    // From here on, dropping `file` closes this end again (and wakes the other side).
    let file = File::new(FileKind::Pipe(pipe.clone(), end), Some(inode), Some(path), flags);
    // Snapshot the open counts first: a partner opening after it is noticed either way.
    let seen = pipe.opens();
    let (readers, writers) = pipe.ends();
    let partner = match end {
        PipeEnd::Read if writers == 0 && !nonblock => Some(PipeEnd::Write),
        PipeEnd::Write if readers == 0 => Some(PipeEnd::Read),
        _ => None,
    };
    if let Some(partner) = partner {
        let count = |(reads, writes): (u64, u64)| if partner == PipeEnd::Read { reads } else { writes };
        let opened = || (count(pipe.opens()) != count(seen)).then_some(());
        super::interruptible(t, pipe.wait_queue().wait_until(opened)).await?;
    }
    Ok(file)
}
