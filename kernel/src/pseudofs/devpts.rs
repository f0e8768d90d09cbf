//! `devpts`: the filesystem of pty slaves (`/dev/pts`).
//!
//! Every mount is an independent instance (as in Linux since 4.7; `newinstance` is
//! accepted and changes nothing) holding its own pty numbers. Its root lists `ptmx`
//! (5,2; mode `ptmxmode`, 000 by default) and one node `N` (136,N) per pty pair whose
//! master is open, created by [`Devpts::alloc`] when `/dev/ptmx` is opened: owned by the
//! opener's fsuid, group `gid=` (else the opener's fsgid), mode `mode=` (0600 by default),
//! all changeable with chmod/chown. A node is removed when its master closes
//! ([`Devpts::unlist`]); its number is reused once the slave is closed too.
//!
//! This module only names and describes the nodes: the terminals themselves are in
//! `file::tty` and `file::pty`, and opening a node is `syscall::openat`'s business.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::{Arc, Weak};

use kairos_abi::types::{ST_VALID, StatFs, Timespec};
use kairos_abi::{Errno, Error, Result};
use kairos_fs::vfs::{BoxFuture, DirEntry, FileType, Inode, Metadata, NAME_MAX, SetAttr, alloc_fs_id, makedev, ready};

use crate::file::tty::Tty;

/// `statfs` magic of devpts.
pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;
/// Major number of pty slaves (`/dev/pts/N`).
pub const PTY_SLAVE_MAJOR: u32 = 136;
/// Device number of `ptmx`.
pub const PTMX_DEV: (u32, u32) = (5, 2);
/// Linux's `NR_UNIX98_PTY_MAX`: the default (and highest) `max=`.
const NR_UNIX98_PTY_MAX: u32 = 1 << 20;

/// Mount options of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevptsOptions {
    /// Owner of new slave nodes (`uid=`; default: the opener's fsuid).
    pub uid: Option<u32>,
    /// Group of new slave nodes (`gid=`; default: the opener's fsgid).
    pub gid: Option<u32>,
    /// Permission bits of new slave nodes (`mode=`, default 0600).
    pub mode: u32,
    /// Permission bits of the instance's `ptmx` (`ptmxmode=`, default 000).
    pub ptmxmode: u32,
    /// Highest number of ptys (`max=`).
    pub max: u32,
}

impl Default for DevptsOptions {
    fn default() -> DevptsOptions {
        DevptsOptions { uid: None, gid: None, mode: 0o600, ptmxmode: 0, max: NR_UNIX98_PTY_MAX }
    }
}

impl DevptsOptions {
    /// Parses a mount option string: `uid=`, `gid=`, `mode=`, `ptmxmode=` (octal), `max=`,
    /// `newinstance`; anything else is EINVAL, as Linux's "called with bogus options".
    pub fn parse(data: &str) -> Result<DevptsOptions> {
        let mut o = DevptsOptions::default();
        for opt in data.split(',').filter(|s| !s.is_empty()) {
            let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
            let num = |v: &str| v.parse::<u32>().map_err(|_| Error::from(Errno::EINVAL));
            let octal = |v: &str| u32::from_str_radix(v, 8).map(|m| m & 0o777).map_err(|_| Error::from(Errno::EINVAL));
            match key {
                "uid" => o.uid = Some(num(value)?),
                "gid" => o.gid = Some(num(value)?),
                "mode" => o.mode = octal(value)?,
                "ptmxmode" => o.ptmxmode = octal(value)?,
                "max" => o.max = num(value)?.min(NR_UNIX98_PTY_MAX),
                "newinstance" if value.is_empty() => {}
                _ => return Err(Errno::EINVAL.into()),
            }
        }
        Ok(o)
    }

    /// The options as `/proc/mounts` shows them (Linux's `devpts_show_options`).
    pub fn shown(&self) -> String {
        let mut s = String::new();
        if let Some(uid) = self.uid {
            s += &format!("uid={uid},");
        }
        if let Some(gid) = self.gid {
            s += &format!("gid={gid},");
        }
        s += &format!("mode={:03o},ptmxmode={:03o}", self.mode, self.ptmxmode);
        if self.max < NR_UNIX98_PTY_MAX {
            s += &format!(",max={}", self.max);
        }
        s
    }
}

/// One pty of an instance.
struct PtsEntry {
    /// The slave terminal (alive while the master or a slave file is open).
    tty: Weak<Tty>,
    uid: u32,
    gid: u32,
    mode: u32,
    ctime: Timespec,
    /// Shown in the directory (until the master closes).
    listed: bool,
}

/// A devpts instance.
pub struct Devpts {
    id: u64,
    dev: u64,
    created: Timespec,
    opts: DevptsOptions,
    /// `ptmx`: mode, uid, gid.
    ptmx: spin::Mutex<(u32, u32, u32)>,
    ptys: spin::Mutex<BTreeMap<u32, PtsEntry>>,
}

fn now() -> Timespec {
    Timespec::from_nanos(crate::time::realtime_ns())
}

impl Devpts {
    /// A new instance with `opts`.
    pub fn new(opts: DevptsOptions) -> Arc<Devpts> {
        let id = alloc_fs_id();
        Arc::new(Devpts {
            id,
            dev: makedev(0, (id & 0xf_ffff) as u32),
            created: now(),
            opts,
            ptmx: spin::Mutex::new((opts.ptmxmode, 0, 0)),
            ptys: spin::Mutex::new(BTreeMap::new()),
        })
    }

    /// The root directory.
    pub fn root(self: &Arc<Self>) -> Arc<dyn Inode> {
        Arc::new(DevptsNode { fs: self.clone(), what: What::Root })
    }

    /// The node of pty `index`.
    pub fn node(self: &Arc<Self>, index: u32) -> Arc<dyn Inode> {
        Arc::new(DevptsNode { fs: self.clone(), what: What::Pts(index) })
    }

    /// Allocates the lowest free pty number, makes its slave with `make(index)` and lists
    /// it, owned by `uid:gid` unless the mount options say otherwise (ENOSPC past `max=`).
    pub fn alloc(&self, uid: u32, gid: u32, make: impl FnOnce(u32) -> Arc<Tty>) -> Result<(u32, Arc<Tty>)> {
        let mut ptys = self.ptys.lock();
        ptys.retain(|_, e| e.listed || e.tty.strong_count() > 0);
        let index = (0..self.opts.max).find(|i| !ptys.contains_key(i)).ok_or(Errno::ENOSPC)?;
        let tty = make(index);
        let entry = PtsEntry {
            tty: Arc::downgrade(&tty),
            uid: self.opts.uid.unwrap_or(uid),
            gid: self.opts.gid.unwrap_or(gid),
            mode: self.opts.mode,
            ctime: now(),
            listed: true,
        };
        ptys.insert(index, entry);
        Ok((index, tty))
    }

    /// Removes pty `index` from the directory (its master closed).
    pub fn unlist(&self, index: u32) {
        if let Some(e) = self.ptys.lock().get_mut(&index) {
            e.listed = false;
        }
    }

    /// The slave terminal of listed pty `index`.
    pub fn slave(&self, index: u32) -> Option<Arc<Tty>> {
        self.ptys.lock().get(&index).filter(|e| e.listed).and_then(|e| e.tty.upgrade())
    }

    fn listed(&self, index: u32) -> bool {
        self.ptys.lock().get(&index).is_some_and(|e| e.listed)
    }

    /// The options the instance was mounted with.
    pub fn options(&self) -> DevptsOptions {
        self.opts
    }
}

/// Which node of an instance.
#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Root,
    Ptmx,
    Pts(u32),
}

/// A node of a devpts instance.
pub struct DevptsNode {
    fs: Arc<Devpts>,
    what: What,
}

/// The instance `inode` belongs to, if it is a devpts node.
pub fn instance_of(inode: &Arc<dyn Inode>) -> Option<Arc<Devpts>> {
    inode.downcast_ref::<DevptsNode>().map(|n| n.fs.clone())
}

/// The instance whose root `inode` is.
pub fn root_instance(inode: &Arc<dyn Inode>) -> Option<Arc<Devpts>> {
    inode.downcast_ref::<DevptsNode>().filter(|n| n.what == What::Root).map(|n| n.fs.clone())
}

/// The instance and pty number of a slave node.
pub fn pts_of(inode: &Arc<dyn Inode>) -> Option<(Arc<Devpts>, u32)> {
    let n = inode.downcast_ref::<DevptsNode>()?;
    match n.what {
        What::Pts(i) => Some((n.fs.clone(), i)),
        _ => None,
    }
}

impl Inode for DevptsNode {
    fn metadata(&self) -> Metadata {
        let fs = &self.fs;
        let (mode, ino, uid, gid, rdev, time) = match self.what {
            What::Root => (FileType::Directory.mode_bits() | 0o755, 1, 0, 0, 0, fs.created),
            What::Ptmx => {
                let (mode, uid, gid) = *fs.ptmx.lock();
                let rdev = makedev(PTMX_DEV.0, PTMX_DEV.1);
                (FileType::CharDevice.mode_bits() | mode, 2, uid, gid, rdev, fs.created)
            }
            What::Pts(i) => {
                let ptys = fs.ptys.lock();
                let (mode, uid, gid, time) =
                    ptys.get(&i).map_or((fs.opts.mode, 0, 0, fs.created), |e| (e.mode, e.uid, e.gid, e.ctime));
                let rdev = makedev(PTY_SLAVE_MAJOR, i);
                (FileType::CharDevice.mode_bits() | mode, u64::from(i) + 3, uid, gid, rdev, time)
            }
        };
        Metadata {
            dev: fs.dev,
            ino,
            mode,
            nlink: if self.what == What::Root { 2 } else { 1 },
            uid,
            gid,
            rdev,
            size: 0,
            blksize: 1024,
            blocks: 0,
            atime: time,
            mtime: time,
            ctime: time,
            btime: None,
        }
    }

    fn fs_id(&self) -> u64 {
        self.fs.id
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        match self.what {
            What::Root => Err(Errno::EPERM.into()),
            What::Ptmx => {
                let mut p = self.fs.ptmx.lock();
                p.0 = attr.mode.map_or(p.0, |m| m & 0o7777);
                p.1 = attr.uid.unwrap_or(p.1);
                p.2 = attr.gid.unwrap_or(p.2);
                Ok(())
            }
            What::Pts(i) => {
                let mut ptys = self.fs.ptys.lock();
                let e = ptys.get_mut(&i).filter(|e| e.listed).ok_or(Errno::ENOENT)?;
                e.mode = attr.mode.map_or(e.mode, |m| m & 0o7777);
                e.uid = attr.uid.unwrap_or(e.uid);
                e.gid = attr.gid.unwrap_or(e.gid);
                e.ctime = now();
                Ok(())
            }
        }
    }

    fn lookup<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Arc<dyn Inode>>> {
        if self.what != What::Root {
            return ready(Err(Errno::ENOTDIR.into()));
        }
        if name.len() > NAME_MAX {
            return ready(Err(Errno::ENAMETOOLONG.into()));
        }
        let what = match name {
            "." | ".." => Some(What::Root),
            "ptmx" => Some(What::Ptmx),
            _ => name.parse::<u32>().ok().filter(|i| i.to_string() == name && self.fs.listed(*i)).map(What::Pts),
        };
        let found = what.map(|what| Arc::new(DevptsNode { fs: self.fs.clone(), what }) as Arc<dyn Inode>);
        ready(found.ok_or(Errno::ENOENT.into()))
    }

    fn readdir<'a>(&'a self, offset: u64) -> BoxFuture<'a, Result<Option<(DirEntry, u64)>>> {
        if self.what != What::Root {
            return ready(Err(Errno::ENOTDIR.into()));
        }
        let entry = match offset {
            0 => Some((DirEntry { ino: 1, kind: FileType::Directory, name: String::from(".") }, 1)),
            1 => Some((DirEntry { ino: 1, kind: FileType::Directory, name: String::from("..") }, 2)),
            2 => Some((DirEntry { ino: 2, kind: FileType::CharDevice, name: String::from("ptmx") }, 3)),
            n => {
                let first = u32::try_from(n - 3).unwrap_or(u32::MAX);
                let ptys = self.fs.ptys.lock();
                ptys.range(first..).find(|(_, e)| e.listed).map(|(&i, _)| {
                    let e = DirEntry { ino: u64::from(i) + 3, kind: FileType::CharDevice, name: i.to_string() };
                    (e, u64::from(i) + 4)
                })
            }
        };
        ready(Ok(entry))
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            f_type: DEVPTS_SUPER_MAGIC,
            f_bsize: 4096,
            f_frsize: 4096,
            f_namelen: NAME_MAX as i64,
            f_flags: ST_VALID,
            f_fsid: [0, 0],
            ..StatFs::default()
        })
    }
}
