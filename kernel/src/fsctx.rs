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
        vfs
    })
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
