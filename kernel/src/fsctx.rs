//! The VFS instance and each thread's filesystem context (root, cwd, umask), shared between
//! threads created with `CLONE_FS`.

use alloc::sync::Arc;

use kairos_fs::path::{PathCtx, Vfs};
use kairos_fs::vfs::{Credentials, Inode};

/// Root directory, working directory and file-creation mask of a thread.
#[derive(Clone)]
pub struct FsContext {
    /// Process root (chroot).
    pub root: Arc<dyn Inode>,
    /// Working directory.
    pub cwd: Arc<dyn Inode>,
    /// File mode creation mask.
    pub umask: u32,
    /// Who resolves paths: the fs uid/gid and groups of the owning process, kept in step by
    /// the set*id calls (`set_credentials`).
    pub cred: Credentials,
}

static VFS: spin::Once<Vfs> = spin::Once::new();

/// Installs the root filesystem (with Unix permission checks on).
pub fn init(root: Arc<dyn Inode>) -> &'static Vfs {
    VFS.call_once(|| {
        let vfs = Vfs::new(root);
        vfs.set_enforce_permissions(true);
        vfs.set_write_guard(deny_write_to_running_program);
        vfs
    })
}

/// Creates the VFS with `root` mounted as described by `options` (a disk root: its source
/// device, type and `ro` flag show in /proc/mounts and make the root read-only).
pub fn init_with_options(root: Arc<dyn Inode>, options: kairos_fs::path::MountOptions) -> &'static Vfs {
    VFS.call_once(|| {
        let vfs = Vfs::with_root_options(root, options);
        vfs.set_enforce_permissions(true);
        vfs.set_write_guard(deny_write_to_running_program);
        vfs
    })
}

/// ETXTBSY for writing the program file of a live process (Linux's `deny_write_access` at
/// exec): a running program's pages map that file.
fn deny_write_to_running_program(inode: &dyn Inode) -> kairos_abi::Result<()> {
    let key = inode.key();
    let busy = crate::proc::process::all_processes()
        .iter()
        .any(|p| !p.is_zombie() && p.exec_image.lock().exe.as_ref().is_some_and(|e| e.key() == key));
    if busy { Err(kairos_abi::Errno::ETXTBSY.into()) } else { Ok(()) }
}

/// The VFS (mount table, path walk).
pub fn vfs() -> &'static Vfs {
    VFS.get().expect("VFS used before fsctx::init")
}

impl FsContext {
    /// The context of the first process: root and cwd at the VFS root, umask 022.
    pub fn initial() -> FsContext {
        let root = vfs().root();
        FsContext { cwd: root.clone(), root, umask: 0o022, cred: Credentials::ROOT }
    }

    /// A path-resolution context relative to `start` (the cwd or a dirfd's directory).
    pub fn path_ctx<'a>(&'a self, start: &'a Arc<dyn Inode>) -> PathCtx<'a> {
        PathCtx { root: &self.root, cwd: start, cred: &self.cred, umask: self.umask }
    }
}

/// Refreshes the filesystem credentials of `t` from its process's ids (after set*id,
/// setgroups).
pub fn set_credentials(t: &crate::proc::Thread) {
    let (uid, gid, groups) = {
        let st = t.process.state.lock();
        (st.uid[1], st.gid[1], st.groups.clone())
    };
    t.fs().lock().cred = Credentials { fsuid: uid, fsgid: gid, groups };
}
